"""Templates in the emulator through the official SDK over real HTTP: wire shapes, the review lifecycle."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_cams20200606 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.testing.templates import TemplateReview
from tests.emulator.helpers import AK, SK, cams_client

SPACE = "cs-1"


def flow_button(flow_id: str, action: str = "NAVIGATE", screen: str | None = "WELCOME") -> dict[str, Any]:
    button = {"Type": "FLOW", "Text": "Open", "FlowId": flow_id, "FlowAction": action}
    return {**button, "NavigateScreen": screen} if screen else button


def components(flow_id: str, **button: Any) -> list[dict[str, Any]]:
    return [
        {"Type": "BODY", "Text": "Hello {{1}}, sign up here."},
        {"Type": "BUTTONS", "Buttons": [flow_button(flow_id, **button)]},
    ]


def sdk_components(flow_id: str) -> list[m.CreateChatappTemplateRequestComponents]:
    button = m.CreateChatappTemplateRequestComponentsButtons(
        type="FLOW", text="Open", flow_id=flow_id, flow_action="NAVIGATE", navigate_screen="WELCOME"
    )
    return [
        m.CreateChatappTemplateRequestComponents(type="BODY", text="Hello {{1}}, sign up here."),
        m.CreateChatappTemplateRequestComponents(type="BUTTONS", buttons=[button]),
    ]


def create_request(flow_id: str, name: str = "signup", **extra: Any) -> m.CreateChatappTemplateRequest:
    return m.CreateChatappTemplateRequest(
        cust_space_id=SPACE,
        name=name,
        language="en",
        category="MARKETING",
        template_type="WHATSAPP",
        components=sdk_components(flow_id),
        example={"{{1}}": "Ana"},
        **extra,
    )


@pytest.fixture
def manual_emu() -> Any:
    """No rate limit; reviews wait for review_template() so no outcome depends on timing."""
    review = TemplateReview(outcome="manual")
    with CamsEmulator(access_key_id=AK, access_key_secret=SK, rate_limit=None, template_review=review) as emu:
        yield emu


def test_sdk_template_lifecycle_with_manual_review(manual_emu: CamsEmulator) -> None:
    emu = manual_emu
    client = cams_client(emu)
    flow_id = emu.add_flow("signup", ["SIGN_UP"], cust_space_id=SPACE, with_json=True)
    created = client.create_chatapp_template(create_request(flow_id)).body
    assert created.code == "OK" and created.data.template_name == "signup"
    code = created.data.template_code
    assert len(code) == 32

    def detail() -> m.GetChatappTemplateDetailResponseBodyData:
        request = m.GetChatappTemplateDetailRequest(cust_space_id=SPACE, template_code=code, language="en")
        return client.get_chatapp_template_detail(request).body.data

    got = detail()
    assert (got.audit_status, got.allow_send, got.name, got.example) == (
        "auditing",
        False,
        "signup",
        {"{{1}}": "Ana"},
    )
    button = got.components[1].buttons[0]
    assert (button.type, button.flow_id, button.flow_action, button.navigate_screen) == (
        "FLOW",
        flow_id,
        "NAVIGATE",
        "WELCOME",
    )

    # Documented: ModifyChatappTemplate only before review or after a failed one.
    modify = m.ModifyChatappTemplateRequest(
        cust_space_id=SPACE,
        template_code=code,
        language="en",
        template_type="WHATSAPP",
        components=[m.ModifyChatappTemplateRequestComponents(type="BODY", text="Hi {{1}}")],
    )
    with pytest.raises(ClientException) as info:
        client.modify_chatapp_template(modify)
    assert info.value.code == "Template.StatusNotSupport"

    emu.review_template(code, "fail", "Body text is too promotional.")
    got = detail()
    assert (got.audit_status, got.reason, got.allow_send) == ("fail", "Body text is too promotional.", False)

    modified = client.modify_chatapp_template(modify).body
    assert modified.data.template_code == code
    assert detail().audit_status == "auditing"
    emu.review_template(code, "pass")
    got = detail()
    assert (got.audit_status, got.reason, got.allow_send) == ("pass", None, True)
    assert [c.type for c in got.components] == ["BODY"]

    listed = client.list_chatapp_template(
        m.ListChatappTemplateRequest(
            cust_space_id=SPACE, page=m.ListChatappTemplateRequestPage(index=1, size=10)
        )
    ).body
    assert listed.total == 1
    assert [(t.template_code, t.template_name, t.audit_status) for t in listed.list_template] == [
        (code, "signup", "pass")
    ]
    by_name = m.DeleteChatappTemplateRequest(
        cust_space_id=SPACE, template_name="signup", language="en", template_type="WHATSAPP"
    )
    assert client.delete_chatapp_template(by_name).body.code == "OK"
    assert emu.templates() == {}
    assert [r.action for r in emu.requests()] == [
        "CreateChatappTemplate",
        "GetChatappTemplateDetail",
        "ModifyChatappTemplate",
        "GetChatappTemplateDetail",
        "ModifyChatappTemplate",
        "GetChatappTemplateDetail",
        "GetChatappTemplateDetail",
        "ListChatappTemplate",
        "DeleteChatappTemplate",
    ]


def test_review_settles_after_the_configured_delay_of_the_emulator_clock() -> None:
    now = [1000.0]
    review = TemplateReview(delay=30.0, outcome="fail", reason="Rejected: invalid format.")
    with CamsEmulator(AK, SK, rate_limit=None, clock=lambda: now[0], template_review=review) as emu:
        flow_id = emu.add_flow("f", ["OTHER"], cust_space_id=SPACE)
        code = cams_client(emu).create_chatapp_template(create_request(flow_id)).body.data.template_code
        now[0] += 29.9
        assert emu.templates()[code]["AuditStatus"] == "auditing"
        now[0] += 0.1
        assert emu.templates()[code]["AuditStatus"] == "fail"
        assert emu.templates()[code]["Reason"] == "Rejected: invalid format."
        emu.set_template_review(delay=5, outcome="pass")
        assert emu.template_review == TemplateReview(5, "pass")


@pytest.mark.parametrize(
    ("comps", "reason"),
    [
        ([{"Type": "HEADER", "Format": "TEXT", "Text": "x"}], "exactly one BODY"),
        ([{"Type": "BODY", "Text": "x"}, {"Type": "CAROUSEL"}], "Unknown component Type"),
        ([{"Type": "BODY", "Text": "x"}, {"Type": "BUTTONS", "Buttons": []}], "non-empty list"),
        (None, "NavigateScreen"),
        ("other-flow", "does not exist in this space"),
        ("bad-action", "FlowAction must be one of"),
    ],
)
def test_bad_components_are_refused_before_anything_is_stored(
    manual_emu: CamsEmulator, comps: Any, reason: str
) -> None:
    emu = manual_emu
    flow_id = emu.add_flow("f", ["OTHER"], cust_space_id=SPACE)
    if comps is None:
        comps = components(flow_id, screen=None)
    elif comps == "other-flow":
        comps = components(emu.add_flow("elsewhere", ["OTHER"], cust_space_id="cs-2"))
    elif comps == "bad-action":
        comps = components(flow_id, action="OPEN")
    with pytest.raises(ValueError, match=reason):
        emu.add_template("t", "en", comps, cust_space_id=SPACE)
    assert emu.templates() == {}


def test_same_name_and_language_is_a_duplicate_and_codes_are_scoped(manual_emu: CamsEmulator) -> None:
    emu = manual_emu
    client = cams_client(emu)
    flow_id = emu.add_flow("f", ["OTHER"], cust_space_id=SPACE)
    code = client.create_chatapp_template(create_request(flow_id)).body.data.template_code
    with pytest.raises(ClientException) as info:
        client.create_chatapp_template(create_request(flow_id))
    assert info.value.code == "Template.Duplicate" and code in info.value.message
    other_space = m.GetChatappTemplateDetailRequest(cust_space_id="cs-2", template_code=code, language="en")
    with pytest.raises(ClientException) as info:
        client.get_chatapp_template_detail(other_space)
    assert info.value.code == "Template.NotFound"
    assert len(emu.templates()) == 1
