"""CamsMessagingHook over real HTTP to the emulator, real signing: templates, sends, never a blind re-send."""

from __future__ import annotations

import pytest

from airflow_provider_cams.exceptions import CamsTransportError, CamsValidationError
from airflow_provider_cams.hooks.messaging import CamsMessagingHook, Recipient, TemplateSpec
from airflow_provider_cams.testing import CamsEmulator, FaultKind
from airflow_provider_cams.testing.templates import TemplateReview
from tests.provider.conftest import StartEmulator

SPACE = "cs-hook"
BUSINESS = "6580000001"


@pytest.fixture
def emu(start_emulator: StartEmulator) -> CamsEmulator:
    """Reviews settle only when the test says."""
    return start_emulator(SPACE, template_review=TemplateReview(outcome="manual"))


def hook() -> CamsMessagingHook:
    return CamsMessagingHook(initial_wait=0.01, max_wait=0.05)


def spec(flow_id: str, **changes: object) -> TemplateSpec:
    base = TemplateSpec(
        name="signup_invite",
        language="en",
        body_text="Hello {{1}}, your code is {{2}}.",
        button_text="Sign up",
        flow_id=flow_id,
        navigate_screen="WELCOME",
        examples={"1": "Ana", "2": "42"},
    )
    return TemplateSpec(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def published_flow(emu: CamsEmulator) -> str:
    return emu.add_flow("signup", ["SIGN_UP"], status="PUBLISHED", cust_space_id=SPACE, with_json=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Sign Up"}, "lower-case letters"),
        ({"body_text": "Hi {{2}}"}, "without gaps"),
        ({"examples": {"1": "Ana"}}, r"sample value for variable\(s\) 2"),
        ({"navigate_screen": None}, "navigate_screen"),
        ({"flow_action": "DATA_EXCHANGE"}, "only for flow_action NAVIGATE"),
        ({"button_text": "x" * 26}, "WhatsApp allows 25"),
        ({"examples": [("1", "Ana")]}, "examples must map variable numbers"),
    ],
)
def test_bad_template_specs_fail_before_any_request(emu: CamsEmulator, changes: dict, message: str) -> None:
    with pytest.raises(CamsValidationError, match=message):
        hook().create_template(spec("123456789012345", **changes))
    assert emu.requests() == []


def test_create_sends_the_flow_button_and_reuses_by_name_and_language(emu: CamsEmulator) -> None:
    flow_id = published_flow(emu)
    created = hook().create_template(spec(flow_id))
    assert not created.reused and created.body is not None
    stored = emu.templates()[created.template_code]
    assert stored["Components"][-1]["Buttons"] == [
        {
            "Type": "FLOW",
            "Text": "Sign up",
            "FlowId": flow_id,
            "FlowAction": "NAVIGATE",
            "NavigateScreen": "WELCOME",
        }
    ]
    assert stored["Example"] == {"{{1}}": "Ana", "{{2}}": "42"}
    assert [r.action for r in emu.requests()] == ["ListChatappTemplate", "CreateChatappTemplate"]

    again = hook().create_template(spec(flow_id))
    assert (again.reused, again.template_code) == (True, created.template_code)
    assert [r.action for r in emu.requests()][2:] == ["ListChatappTemplate"]


def test_create_after_a_dropped_answer_is_reconciled_not_duplicated(emu: CamsEmulator) -> None:
    flow_id = published_flow(emu)
    emu.faults.add(FaultKind.DROP_AFTER_APPLY, action="CreateChatappTemplate")
    created = hook().create_template(spec(flow_id), reuse_existing=False)
    assert created.reused and len(emu.templates()) == 1
    assert [r.action for r in emu.requests()] == ["CreateChatappTemplate", "ListChatappTemplate"]


def test_modify_after_failed_review_then_delete(emu: CamsEmulator) -> None:
    flow_id = published_flow(emu)
    code = hook().create_template(spec(flow_id)).template_code
    emu.review_template(code, "fail", "Too promotional.")
    detail = hook().get_template(code, "en")
    assert (detail["AuditStatus"], detail["Reason"]) == ("fail", "Too promotional.")
    hook().modify_template(code, spec(flow_id, body_text="Hi {{1}}, code {{2}}."))
    assert emu.templates()[code]["AuditStatus"] == "auditing"
    assert emu.templates()[code]["Components"][0]["Text"] == "Hi {{1}}, code {{2}}."
    assert hook().delete_template(code, "en") is True
    assert emu.templates() == {}


def test_single_and_mass_sends_reach_each_recipient_with_its_token(emu: CamsEmulator) -> None:
    flow_id = published_flow(emu)
    code = emu.add_template("invite", "en", spec(flow_id).components(), cust_space_id=SPACE)
    one = Recipient("+6591234567", {"1": "Ana", "2": "7"}, flow_token="tok-a", flow_action_data={"k": 1})
    sent = hook().send_message(BUSINESS, one, template_code=code, language="en")
    assert sent["MessageId"]

    # 1,000 recipients with long tokens: about 100 KB of SenderList, which only fits in the form body.
    audience = [Recipient(f"65{90000000 + i}", flow_token=f"run/flow/{i:064d}") for i in range(1000)]
    group = hook().send_mass_message(BUSINESS, audience, template_code=code, language="en")["GroupMessageId"]
    messages = emu.messages()
    assert len(messages) == 1001
    assert (messages[0]["UserNumber"], messages[0]["FlowToken"], messages[0]["FlowActionData"]) == (
        "6591234567",
        "tok-a",
        {"k": 1},
    )
    assert [m["FlowToken"] for m in messages[1:]] == [r.flow_token for r in audience]
    assert all(r.http_status == 200 for r in emu.requests())

    listed = hook().list_messages(BUSINESS, group_message_id=group)
    assert len(listed) == 1000 and {m["MessageStatus"] for m in listed} == {"Sent"}
    assert [m["MessageId"] for m in hook().list_messages(BUSINESS, user_number="6591234567")] == [
        sent["MessageId"]
    ]


def test_a_send_with_an_unknown_outcome_is_never_resent(emu: CamsEmulator) -> None:
    flow_id = published_flow(emu)
    code = emu.add_template("invite", "en", spec(flow_id).components(), cust_space_id=SPACE)
    emu.faults.add(FaultKind.DROP_AFTER_APPLY, action="SendChatappMessage")
    with pytest.raises(CamsTransportError):
        hook().send_message(
            BUSINESS, Recipient("6591234567", flow_token="t"), template_code=code, language="en"
        )
    assert len(emu.requests("SendChatappMessage")) == 1 and len(emu.messages()) == 1
    assert len(hook().list_messages(BUSINESS, user_number="6591234567", template_code=code)) == 1


def test_mass_send_limits_and_bad_numbers_fail_before_any_request(emu: CamsEmulator) -> None:
    too_many = [Recipient(f"65{90000000 + i}") for i in range(1001)]
    with pytest.raises(CamsValidationError, match="1 to 1000 recipients"):
        hook().send_mass_message(BUSINESS, too_many, template_code="c", language="en")
    with pytest.raises(CamsValidationError, match=r"recipients\[1\]\.to must be a phone number"):
        hook().send_mass_message(
            BUSINESS, [Recipient("6591234567"), Recipient("12-34")], template_code="c", language="en"
        )
    assert emu.requests() == []


def test_deploy_template_creates_reads_modifies_and_replaces_as_cams_allows(emu: CamsEmulator) -> None:
    flow_id = published_flow(emu)
    first = hook().deploy_template(spec(flow_id))
    assert (first.action, first.template_name, first.audit_status) == ("created", "signup_invite", "auditing")

    before = len(emu.requests())
    same = hook().deploy_template(spec(flow_id))
    assert (same.action, same.template_code) == ("unchanged", first.template_code)
    assert [r.action for r in emu.requests()[before:]] == ["ListChatappTemplate", "GetChatappTemplateDetail"]

    # Rejected: CAMS allows a modify; the review starts again.
    emu.review_template(first.template_code, "fail", "Too promotional.")
    changed = spec(flow_id, body_text="Hi {{1}}, code {{2}}.")
    modified = hook().deploy_template(changed)
    assert (modified.action, modified.template_code, modified.audit_status) == (
        "modified",
        first.template_code,
        "auditing",
    )

    # Approved: CAMS refuses to modify; a replacement under a name derived from the content.
    emu.review_template(first.template_code, "pass")
    newer = spec(flow_id, body_text="Welcome {{1}}! Code {{2}}.")
    replaced = hook().deploy_template(newer)
    assert replaced.action == "replaced" and replaced.replaced_template_code == first.template_code
    assert replaced.template_name.startswith("signup_invite_") and len(replaced.template_name) == 22
    assert emu.templates()[first.template_code]["AuditStatus"] == "pass"  # the original is untouched

    again = hook().deploy_template(newer)
    assert (again.action, again.template_code) == ("replaced", replaced.template_code)
    assert len(emu.templates()) == 2
    assert [r.action for r in emu.requests()].count("CreateChatappTemplate") == 2
