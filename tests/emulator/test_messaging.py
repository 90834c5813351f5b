"""The messaging entry point (testing/messaging.py): where RPC parameters travel, the 414 for long request
lines, which wire (templates or messages) an action reaches and in whose scope, and its emulator API.

Narrow tests run ``Messaging`` and ``request_params`` in-process; what is about the wire (a form body signed
by the SDK, a request line too long for the gateway) goes over real HTTP to a started emulator.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils_models import OpenApiRequest
from darabonba.runtime import RuntimeOptions

from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.testing.dialects import dialect_named
from airflow_provider_cams.testing.errors import CamsErrorAnswer
from airflow_provider_cams.testing.messaging import (
    MAX_REQUEST_LINE,
    MESSAGING_ACTIONS,
    Messaging,
    request_line_too_long,
    request_params,
    uri_too_long,
)
from airflow_provider_cams.testing.server import WireRequest
from airflow_provider_cams.testing.state import FlowStore
from airflow_provider_cams.testing.templates import TemplateReview
from tests.emulator.helpers import generic_client, rpc_params
from tests.emulator.test_messages import mass_params, seeded
from tests.emulator.test_templates import SPACE, components

ACCOUNT = "acct"
FORM = "application/x-www-form-urlencoded"


def wire(
    query: str = "", body: bytes = b"", content_type: str | None = FORM, method: str = "POST"
) -> WireRequest:
    headers = [("Content-Type", content_type)] if content_type is not None else []
    return WireRequest(method, "/", query, headers, body, 0.0, 0.0, "127.0.0.1")


def messaging(dialect: str = "guess") -> tuple[Messaging, FlowStore]:
    """A Messaging over a fresh flow store, with one PUBLISHED flow (with JSON) in ACCOUNT/SPACE."""
    flows = FlowStore(dialect=dialect_named(dialect))
    return Messaging(flows, TemplateReview(outcome="pass")), flows


def create_params(flow_id: str, space: str | None = SPACE, name: str = "signup") -> dict[str, str]:
    params = {
        "Name": name,
        "Language": "en",
        "Category": "MARKETING",
        "TemplateType": "WHATSAPP",
        "Components": json.dumps(components(flow_id)),
    }
    return {**params, "CustSpaceId": space} if space is not None else params


def send_params(code: str) -> dict[str, str]:
    return {
        "ChannelType": "whatsapp",
        "Type": "template",
        "From": "6580000001",
        "To": "6591234567",
        "CustSpaceId": SPACE,
        "TemplateCode": code,
        "Language": "en",
        "FlowAction": json.dumps({"FlowToken": "tok-1"}),
    }


# --------------------------------------------------------------------------- the request line (414)
def test_a_request_line_of_exactly_the_limit_passes_and_one_byte_more_is_too_long() -> None:
    fixed = len("POST") + len("/?") + len(" HTTP/1.1") + 1
    at_limit = wire("q=" + "x" * (MAX_REQUEST_LINE - fixed - 2))
    assert not request_line_too_long(at_limit)
    assert request_line_too_long(wire("q=" + "x" * (MAX_REQUEST_LINE - fixed - 1)))


def test_the_body_does_not_count_towards_the_request_line() -> None:
    assert not request_line_too_long(wire("Action=x", body=b"SenderList=" + b"x" * (4 * MAX_REQUEST_LINE)))


def test_the_414_is_the_gateway_html_page_with_the_request_id() -> None:
    answer = uri_too_long("req-414")
    assert answer.status == 414
    assert dict(answer.headers) == {"Content-Type": "text/html", "x-acs-request-id": "req-414"}
    assert b"414 Request-URI Too Large" in answer.body


# --------------------------------------------------------------------------- where parameters travel
def test_query_parameters_keep_blank_values() -> None:
    assert request_params(wire("A=&B=1", content_type=None)) == {"A": "", "B": "1"}


def test_a_form_body_is_merged_with_the_query_whatever_the_header_case() -> None:
    request = WireRequest(
        "POST",
        "/",
        "Action=SendChatappMassMessage",
        [("content-type", "Application/X-WWW-Form-Urlencoded; charset=UTF-8")],
        b"SenderList=%5B%5D&Empty=",
        0.0,
        0.0,
        "127.0.0.1",
    )
    assert request_params(request) == {"Action": "SendChatappMassMessage", "SenderList": "[]", "Empty": ""}


def test_a_body_that_is_not_a_form_is_not_read_as_parameters() -> None:
    assert request_params(wire("A=1", b'{"B": "2"}', "application/json")) == {"A": "1"}
    assert request_params(wire("A=1", b"B=2", None)) == {"A": "1"}


def test_a_parameter_in_both_places_must_have_one_value() -> None:
    assert request_params(wire("A=1", b"A=1")) == {"A": "1"}
    with pytest.raises(CamsErrorAnswer) as refused:
        request_params(wire("A=1", b"A=2"))
    assert refused.value.code == "InvalidParameter" and "A" in refused.value.message
    assert "both the query and the body" in refused.value.message


def test_a_form_body_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(CamsErrorAnswer) as refused:
        request_params(wire("A=1", b"B=\xff\xfe"))
    assert refused.value.code == "InvalidParameter" and "not UTF-8" in refused.value.message


# --------------------------------------------------------------------------- routing and scope
@pytest.mark.parametrize("action", sorted(MESSAGING_ACTIONS))
def test_each_required_parameter_missing_or_empty_is_refused_before_the_action_runs(action: str) -> None:
    msg, _ = messaging()
    full = {name: "x" for name in MESSAGING_ACTIONS[action].required}
    for name in MESSAGING_ACTIONS[action].required:
        for params in ({k: v for k, v in full.items() if k != name}, {**full, name: ""}):
            with pytest.raises(CamsErrorAnswer) as refused:
                msg.execute(action, ACCOUNT, params)
            assert (refused.value.code, name in refused.value.message) == ("MissingParameter", True)
    assert msg.templates.snapshot() == {} and msg.messages.snapshot() == []


def test_template_actions_reach_the_template_store_in_the_account_and_space() -> None:
    msg, flows = messaging()
    flow_id = flows.add_flow(ACCOUNT, "signup", ["SIGN_UP"], "PUBLISHED", SPACE, with_json=True)
    created = msg.execute("CreateChatappTemplate", ACCOUNT, create_params(flow_id))
    code = created["Data"]["TemplateCode"]
    stored = msg.templates.snapshot()[code]
    assert (stored["Account"], stored["CustSpaceId"]) == (ACCOUNT, SPACE)
    page = json.dumps({"Index": 1, "Size": 10})
    listed = msg.execute("ListChatappTemplate", ACCOUNT, {"Page": page, "CustSpaceId": SPACE})
    assert [t["TemplateCode"] for t in listed["ListTemplate"]] == [code]
    # Another space, or the account without a space (CustSpaceId absent), sees none of it.
    assert msg.execute("ListChatappTemplate", ACCOUNT, {"Page": page, "CustSpaceId": "cs-2"})["Total"] == 0
    assert msg.execute("ListChatappTemplate", ACCOUNT, {"Page": page})["Total"] == 0
    assert msg.execute("ListChatappTemplate", "other", {"Page": page, "CustSpaceId": SPACE})["Total"] == 0
    assert msg.messages.snapshot() == []


@pytest.mark.parametrize(("account", "space"), [(ACCOUNT, "cs-2"), (ACCOUNT, None), ("other", SPACE)])
def test_a_flow_button_sees_only_the_flows_of_its_own_account_and_space(
    account: str, space: str | None
) -> None:
    msg, flows = messaging()
    flow_id = flows.add_flow(ACCOUNT, "signup", ["SIGN_UP"], "PUBLISHED", SPACE, with_json=True)
    with pytest.raises(CamsErrorAnswer) as refused:
        msg.execute("CreateChatappTemplate", account, create_params(flow_id, space))
    assert (
        refused.value.code == "InvalidParameter" and "does not exist in this space" in refused.value.message
    )
    assert msg.templates.snapshot() == {}


def test_template_refusals_are_answered_in_the_flow_stores_dialect() -> None:
    for dialect in ("guess", "renamed"):
        msg, flows = messaging(dialect)
        flow_id = flows.add_flow(ACCOUNT, "signup", ["SIGN_UP"], "PUBLISHED", SPACE, with_json=True)
        msg.execute("CreateChatappTemplate", ACCOUNT, create_params(flow_id))
        with pytest.raises(CamsErrorAnswer) as refused:
            msg.execute("CreateChatappTemplate", ACCOUNT, create_params(flow_id))
        assert refused.value.code == dialect_named(dialect).duplicate_template_code


def test_message_actions_reach_the_message_log_and_read_the_flows_status() -> None:
    msg, flows = messaging()
    flow_id = flows.add_flow(ACCOUNT, "signup", ["SIGN_UP"], "PUBLISHED", SPACE, with_json=True)
    code = msg.execute("CreateChatappTemplate", ACCOUNT, create_params(flow_id))["Data"]["TemplateCode"]
    msg.execute("SendChatappMessage", ACCOUNT, send_params(code))
    (sent,) = msg.messages.snapshot()
    assert (sent["TemplateCode"], sent["FlowToken"]) == (code, "tok-1")

    flows.set_status(flow_id, "DEPRECATED")
    with pytest.raises(CamsErrorAnswer) as refused:
        msg.execute("SendChatappMessage", ACCOUNT, send_params(code))
    assert refused.value.code == "Template.FlowNotPublished" and "DEPRECATED" in refused.value.message
    flows.reset()  # the flow is gone: no status in any scope
    with pytest.raises(CamsErrorAnswer) as gone:
        msg.execute("SendChatappMessage", ACCOUNT, send_params(code))
    assert "not found" in gone.value.message
    assert len(msg.messages.snapshot()) == 1


def test_reset_forgets_templates_and_messages() -> None:
    msg, flows = messaging()
    flow_id = flows.add_flow(ACCOUNT, "signup", ["SIGN_UP"], "PUBLISHED", SPACE, with_json=True)
    code = msg.execute("CreateChatappTemplate", ACCOUNT, create_params(flow_id))["Data"]["TemplateCode"]
    msg.execute("SendChatappMessage", ACCOUNT, send_params(code))
    msg.reset()
    assert msg.templates.snapshot() == {} and msg.messages.snapshot() == []


# --------------------------------------------------------------------------- the emulator's API
def test_seeded_templates_belong_to_the_emulators_account_and_reviews_follow_the_policy(
    free_emu: CamsEmulator,
) -> None:
    flow_id = free_emu.add_flow(
        "signup", ["SIGN_UP"], status="PUBLISHED", cust_space_id=SPACE, with_json=True
    )
    code = free_emu.add_template("signup", "en", components(flow_id), status="auditing", cust_space_id=SPACE)
    seeded_template = free_emu.templates()[code]
    assert (seeded_template["Account"], seeded_template["AuditStatus"]) == (
        free_emu.access_key_id,
        "auditing",
    )
    free_emu.review_template(code, "fail", "Too vague.")
    assert (free_emu.templates()[code]["AuditStatus"], free_emu.templates()[code]["Reason"]) == (
        "fail",
        "Too vague.",
    )

    free_emu.set_template_review(outcome="fail", reason="Link shortener.")
    assert free_emu.template_review == TemplateReview(0.0, "fail", "Link shortener.")
    free_emu.set_template_review(delay=5.0, outcome="manual")
    assert free_emu.template_review == TemplateReview(5.0, "manual")


# --------------------------------------------------------------------------- over real HTTP
def test_big_parameters_travel_in_the_signed_form_body_and_a_long_url_is_414(free_emu: CamsEmulator) -> None:
    _, code = seeded(free_emu)
    client = generic_client(free_emu)
    params = mass_params(code, 1000)
    assert len(params["SenderList"]) > 90_000
    body = {"SenderList": params.pop("SenderList")}
    answer = client.call_api(
        rpc_params("SendChatappMassMessage"), OpenApiRequest(query=params, body=body), RuntimeOptions()
    )
    assert answer["body"]["Code"] == "OK" and len(free_emu.messages()) == 1000
    (record,) = free_emu.requests()
    assert record.applied and len(json.loads(record.params["SenderList"])) == 1000

    # The SDK's own way (everything in the query) makes a request line over the gateway's limit.
    with pytest.raises(Exception) as info:
        client.call_api(
            rpc_params("SendChatappMassMessage"),
            OpenApiRequest(query=mass_params(code, 200)),
            RuntimeOptions(),
        )
    assert getattr(info.value, "status_code", None) == 414 or "414" in str(info.value)
    assert free_emu.requests()[-1].http_status == 414 and not free_emu.requests()[-1].applied
    assert len(free_emu.messages()) == 1000


def test_disagreeing_copies_in_the_query_and_the_signed_body_are_refused(free_emu: CamsEmulator) -> None:
    _, code = seeded(free_emu)
    params: dict[str, Any] = mass_params(code, 2)
    body = {"SenderList": params["SenderList"]}
    params["SenderList"] = mass_params(code, 1)["SenderList"]
    with pytest.raises(ClientException) as info:
        generic_client(free_emu).call_api(
            rpc_params("SendChatappMassMessage"), OpenApiRequest(query=params, body=body), RuntimeOptions()
        )
    assert info.value.code == "InvalidParameter" and "SenderList" in info.value.message
    assert free_emu.messages() == [] and not free_emu.requests()[-1].applied
