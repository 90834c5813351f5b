"""Sends in the emulator over real HTTP: the official SDK's wire shapes, the send checks and after-apply
faults. Parameters in the signed form body and the 414 for long request lines: test_messaging.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_cams20200606 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils_models import OpenApiRequest
from darabonba.runtime import RuntimeOptions

from airflow_provider_cams.testing import CamsEmulator, FaultKind
from tests.emulator.helpers import AK, SK, cams_client, generic_client, rpc_params
from tests.emulator.test_templates import SPACE, components

BUSINESS = "6580000001"


@pytest.fixture
def emu() -> Iterator[CamsEmulator]:
    with CamsEmulator(access_key_id=AK, access_key_secret=SK, rate_limit=None) as emulator:
        yield emulator


def seeded(
    emu: CamsEmulator, flow_status: str = "PUBLISHED", template_status: str = "pass"
) -> tuple[str, str]:
    """A flow in SPACE and an approved template with a FLOW button on it: (flow_id, template_code)."""
    flow_id = emu.add_flow("signup", ["SIGN_UP"], status=flow_status, cust_space_id=SPACE, with_json=True)
    code = emu.add_template("signup", "en", components(flow_id), status=template_status, cust_space_id=SPACE)
    return flow_id, code


def send_request(code: str, to: str = "6591234567", token: str = "tok-1") -> m.SendChatappMessageRequest:
    return m.SendChatappMessageRequest(
        channel_type="whatsapp",
        type="template",
        from_=BUSINESS,
        to=to,
        cust_space_id=SPACE,
        template_code=code,
        language="en",
        template_params={"1": "Ana"},
        flow_action=m.SendChatappMessageRequestFlowAction(flow_token=token, flow_action_data={"step": 1}),
    )


def list_messages(emu: CamsEmulator, **filters: Any) -> list[m.ListChatappMessageResponseBodyData]:
    request = m.ListChatappMessageRequest(
        channel_type="whatsapp",
        business_number=BUSINESS,
        cust_space_id=SPACE,
        page=m.ListChatappMessageRequestPage(index=1, size=100),
        **filters,
    )
    return list(cams_client(emu).list_chatapp_message(request).body.data or [])


def test_sdk_single_send_is_recorded_and_listed(emu: CamsEmulator) -> None:
    _, code = seeded(emu)
    sent = cams_client(emu).send_chatapp_message(send_request(code)).body
    assert sent.code == "OK" and len(sent.message_id) == 24
    (listed,) = list_messages(emu, user_number="6591234567")
    assert (listed.message_id, listed.template_code, listed.message_status, listed.event_action) == (
        sent.message_id,
        code,
        "Sent",
        "DOWN",
    )
    (recorded,) = emu.messages()
    assert (recorded["FlowToken"], recorded["FlowActionData"], recorded["TemplateParams"]) == (
        "tok-1",
        {"step": 1},
        {"1": "Ana"},
    )
    assert list_messages(emu, user_number="6500000000") == []


def test_sdk_mass_send_records_each_recipient_under_one_group(emu: CamsEmulator) -> None:
    _, code = seeded(emu)
    senders = [
        m.SendChatappMassMessageRequestSenderList(
            to=to, flow_action=m.SendChatappMassMessageRequestSenderListFlowAction(flow_token=f"t-{i}")
        )
        for i, to in enumerate(["6590000001", "6590000002", "not-a-number"])
    ]
    request = m.SendChatappMassMessageRequest(
        channel_type="whatsapp",
        from_=BUSINESS,
        cust_space_id=SPACE,
        template_code=code,
        language="en",
        sender_list=senders,
    )
    group = cams_client(emu).send_chatapp_mass_message(request).body.group_message_id
    listed = list_messages(emu, group_message_id=group)
    assert [(x.user_number, x.message_status) for x in listed] == [
        ("6590000001", "Sent"),
        ("6590000002", "Sent"),
        ("not-a-number", "Failed"),
    ]
    assert "Invalid recipient number" in listed[2].fail_reason
    assert [r["FlowToken"] for r in emu.messages()] == ["t-0", "t-1", "t-2"]
    assert [x.user_number for x in list_messages(emu, message_status="Failed")] == ["not-a-number"]


@pytest.mark.parametrize(
    ("flow_status", "template_status", "code"),
    [
        ("DRAFT", "pass", "Template.FlowNotPublished"),
        ("DEPRECATED", "pass", "Template.FlowNotPublished"),
        ("PUBLISHED", "auditing", "Template.NotApproved"),
        ("PUBLISHED", "fail", "Template.NotApproved"),
    ],
)
def test_send_refused_unless_template_approved_and_flow_published(
    emu: CamsEmulator, flow_status: str, template_status: str, code: str
) -> None:
    _, template = seeded(emu, flow_status, template_status)
    with pytest.raises(ClientException) as info:
        cams_client(emu).send_chatapp_message(send_request(template))
    assert info.value.code == code
    assert emu.messages() == []


@pytest.mark.parametrize(
    ("flow_action", "reason"),
    [
        ('"just-a-token"', "must be a JSON object"),
        ('{"FlowToken":""}', "non-empty string"),
        ('{"FlowToken":"t","Extra":1}', "unknown key"),
        ('{"FlowActionData":[1]}', "FlowActionData must be a JSON object"),
    ],
)
def test_malformed_flow_action_is_refused(emu: CamsEmulator, flow_action: str, reason: str) -> None:
    _, code = seeded(emu)
    client = generic_client(emu)
    query = {"ChannelType": "whatsapp", "Type": "template", "From": BUSINESS, "To": "6591234567"}
    query |= {"CustSpaceId": SPACE, "TemplateCode": code, "FlowAction": flow_action}
    with pytest.raises(ClientException) as info:
        client.call_api(rpc_params("SendChatappMessage"), OpenApiRequest(query=query), RuntimeOptions())
    assert info.value.code == "InvalidParameter" and reason in info.value.message
    assert emu.messages() == []


def mass_params(code: str, count: int) -> dict[str, str]:
    senders = [
        {
            "To": f"65{90000000 + i}",
            "FlowAction": {"FlowToken": f"run-2026-12-05T00:00:00+00:00/flow/{i:040d}"},
        }
        for i in range(count)
    ]
    return {
        "ChannelType": "whatsapp",
        "From": BUSINESS,
        "CustSpaceId": SPACE,
        "TemplateCode": code,
        "Language": "en",
        "SenderList": json.dumps(senders, separators=(",", ":")),
    }


def test_over_1000_recipients_is_refused(emu: CamsEmulator) -> None:
    _, code = seeded(emu)
    params = mass_params(code, 1001)
    body = {"SenderList": params.pop("SenderList")}
    with pytest.raises(ClientException) as info:
        generic_client(emu).call_api(
            rpc_params("SendChatappMassMessage"), OpenApiRequest(query=params, body=body), RuntimeOptions()
        )
    assert info.value.code == "InvalidParameter" and "at most 1000" in info.value.message
    assert emu.messages() == []


def test_drop_after_apply_sends_and_list_shows_it(emu: CamsEmulator) -> None:
    _, code = seeded(emu)
    emu.faults.add(FaultKind.DROP_AFTER_APPLY, action="SendChatappMessage")
    with pytest.raises(Exception):  # noqa: B017 - the SDK's transport error for a dropped connection
        cams_client(emu).send_chatapp_message_with_options(
            send_request(code), RuntimeOptions(autoretry=False)
        )
    assert emu.requests("SendChatappMessage")[0].fault == "drop_after_apply"
    (listed,) = list_messages(emu, template_code=code)
    assert listed.user_number == "6591234567"


def test_control_endpoints_seed_review_and_list(emu: CamsEmulator) -> None:
    import urllib.request

    def post(path: str, payload: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            f"{emu.url}/_emulator/{path}", json.dumps(payload).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    flow_id = emu.add_flow("f", ["OTHER"], status="PUBLISHED", cust_space_id=SPACE)
    post("template-review", {"outcome": "manual"})
    assert emu.template_review.outcome == "manual"
    code = post(
        "templates",
        {
            "name": "t",
            "language": "en",
            "components": components(flow_id),
            "status": "auditing",
            "cust_space_id": SPACE,
        },
    )["TemplateCode"]
    post(f"templates/{code}/review", {"status": "fail", "reason": "nope"})
    assert (emu.templates()[code]["AuditStatus"], emu.templates()[code]["Reason"]) == ("fail", "nope")
    with urllib.request.urlopen(f"{emu.url}/_emulator/messages", timeout=10) as response:
        assert json.loads(response.read()) == []
