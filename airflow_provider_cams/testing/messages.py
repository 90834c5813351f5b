"""The wire of the emulator's sends: SendChatappMessage, SendChatappMassMessage and ListChatappMessage.

Like moto's ``responses.py``: each handler reads and checks its parameters (JSON strings, numbers, the
template and its flow, FlowAction), calls one typed method of the record (``message_model.MessageLog``)
and returns the action's answer.

An independent reading of the vendor's pages (parameter names from the official SDK 5.3.1): a template
send names the template by TemplateCode or TemplateName (+ Language), carries ``TemplateParams`` and a
``FlowAction`` {``FlowToken``, ``FlowActionData``}; a mass send carries ``SenderList`` (at most 1,000
recipients, documented) and answers one ``GroupMessageId``; ``ListChatappMessage`` lists what was sent
(filters ``CustSpaceId``, ``ChannelType``, ``BusinessNumber``, ``UserNumber``, ``TemplateCode``,
``GroupMessageId``, ``EventAction``, ``MessageStatus``, ``StartTime``/``EndTime`` in ms, ``Page``;
CustSpaceId, ChannelType, BusinessNumber and Page required, as the SDK says).

ASSUMED where CAMS is silent:

* A send is refused as a whole (nothing recorded) when its template is not approved (``pass``:
  ``Template.NotApproved``), when the template's FLOW button points at a flow that is not PUBLISHED (or
  THROTTLED) in the sender's scope (``Template.FlowNotPublished``), or when a FlowAction is not a JSON
  object of only ``FlowToken`` (a non-empty string) and ``FlowActionData`` (an object), or is given for a
  template without a FLOW button (``InvalidParameter``). ChannelType must be WhatsApp (any case); only
  ``Type=template`` is emulated (free-form messages need a conversation window the emulator has no
  inbound messages for).
* Numbers are digits with the country code (an optional leading ``+``, 6 to 15 digits). A single send to
  a bad number is ``InvalidParameter``; in a mass send, that recipient is recorded with MessageStatus
  ``Failed`` and a FailReason while the others go out (Meta fails numbers one by one).
* Recorded messages have MessageStatus ``Sent`` (the ChatAppStatus receipt's spelling); MessageId and
  GroupMessageId are 24 hex characters; SendTime is ``yyyy-MM-dd HH:mm:ss`` UTC; ListChatappMessage lists
  outbound (``DOWN``) messages in send order, Page Size 1..100, and answers ``Data`` only.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from airflow_provider_cams.testing.errors import CamsErrorAnswer
from airflow_provider_cams.testing.message_model import (
    CHANNEL,
    MessageLog,
    MessageQuery,
    Recipient,
    valid_number,
)
from airflow_provider_cams.testing.state import Scope
from airflow_provider_cams.testing.template_responses import parse_json
from airflow_provider_cams.testing.templates import Template, TemplateStore, invalid
from airflow_provider_cams.testing.wire import ActionSpec, parse_page

MAX_MASS_RECIPIENTS = 1000  # documented: SendChatappMassMessage takes at most 1,000 numbers
SENDABLE_FLOW_STATUSES = ("PUBLISHED", "THROTTLED")
FLOW_ACTION_KEYS = ("FlowToken", "FlowActionData")

MESSAGE_ACTIONS: dict[str, ActionSpec] = {
    "SendChatappMessage": ActionSpec(("ChannelType", "Type", "From", "To"), False),
    # SenderList is not marked required in the SDK, but a mass send without recipients sends nothing.
    "SendChatappMassMessage": ActionSpec(("ChannelType", "From", "Language", "SenderList"), False),
    "ListChatappMessage": ActionSpec(("ChannelType", "BusinessNumber", "CustSpaceId", "Page"), True),
}

MESSAGE_ERRORS: dict[str, str] = {  # the emulator's own codes (ASSUMED)
    "Template.NotApproved": 'The template "{code}" is {status}: only approved (pass) templates can be sent.',
    "Template.FlowNotPublished": (
        'The FLOW button of template "{code}" points at flow "{flow_id}", which is {status} in this space: '
        "publish the flow first."
    ),
}


def message_error(error_code: str, **fields: Any) -> CamsErrorAnswer:
    return CamsErrorAnswer(error_code, MESSAGE_ERRORS[error_code].format(**fields), 400)


def check_flow_action(value: Any, name: str) -> tuple[str | None, dict[str, Any] | None]:
    """A FlowAction object: (FlowToken, FlowActionData)."""
    if not isinstance(value, dict):
        raise invalid(name, "FlowAction must be a JSON object.")
    unknown = [k for k in value if k not in FLOW_ACTION_KEYS]
    if unknown:
        raise invalid(
            name, f"FlowAction has unknown key {unknown[0]!r:.40}; allowed: {', '.join(FLOW_ACTION_KEYS)}."
        )
    token, data = value.get("FlowToken"), value.get("FlowActionData")
    if token is not None and (not isinstance(token, str) or not token):
        raise invalid(name, "FlowAction.FlowToken must be a non-empty string.")
    if data is not None and not isinstance(data, dict):
        raise invalid(name, "FlowAction.FlowActionData must be a JSON object.")
    return token, data


def check_template_params(value: Any, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise invalid(name, "TemplateParams must be a JSON object of strings.")
    return dict(value)


class MessageResponses:
    """The message actions' wire over a :class:`MessageLog`. ``flow_status(scope, flow_id)`` is a flow's
    status there (or None)."""

    def __init__(self, templates: TemplateStore, flow_status: Callable[[Scope, str], str | None]) -> None:
        self._templates = templates
        self._flow_status = flow_status
        self.log = MessageLog()
        self._actions: dict[str, Callable[[Scope, Mapping[str, str]], dict[str, Any]]] = {
            "SendChatappMessage": self._send,
            "SendChatappMassMessage": self._send_mass,
            "ListChatappMessage": self._list,
        }

    def execute(self, action: str, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
        return self._actions[action](scope, params)

    # ----------------------------------------------------------------- checks shared by both sends
    def _sendable(self, scope: Scope, params: Mapping[str, str]) -> Template:
        if params["ChannelType"].lower() != CHANNEL:
            raise invalid("ChannelType", "The emulator sends WhatsApp messages only.")
        template = self._templates.approved(scope, params)
        if template.status != "pass":
            raise message_error("Template.NotApproved", code=template.code, status=template.status)
        button = template.flow_button
        if button is not None:
            status = self._flow_status(scope, button["FlowId"])
            if status not in SENDABLE_FLOW_STATUSES:
                fields = {"code": template.code, "flow_id": button["FlowId"], "status": status or "not found"}
                raise message_error("Template.FlowNotPublished", **fields)
        return template

    def _recipient(self, template: Template, to: Any, params: Any, action: Any, name: str) -> Recipient:
        token, data = None, None
        if action is not None:
            if template.flow_button is None:
                raise invalid(name, "FlowAction is given but the template has no FLOW button.")
            token, data = check_flow_action(action, name)
        return Recipient(str(to), check_template_params(params, name), token, data)

    # ----------------------------------------------------------------- actions
    def _send(self, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
        if params["Type"] != "template":
            raise invalid("Type", "The emulator sends templates only (Type=template).")
        if not valid_number(params["To"]):
            raise invalid("To", "It must be a phone number with its country code, digits only.")
        template = self._sendable(scope, params)
        action = _json_or_none(params, "FlowAction")
        values = _json_or_none(params, "TemplateParams")
        recipient = self._recipient(template, params["To"], values, action, "FlowAction")
        (message,) = self.log.record(
            scope, params["From"], template, [recipient], task_id=params.get("TaskId") or None
        )
        return {"MessageId": message.message_id}

    def _send_mass(self, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
        senders = parse_json("SenderList", params["SenderList"], list)
        if not senders:
            raise invalid("SenderList", "It needs at least one recipient.")
        if len(senders) > MAX_MASS_RECIPIENTS:
            reason = f"It has {len(senders)} recipients; at most {MAX_MASS_RECIPIENTS} are allowed."
            raise invalid("SenderList", reason)
        template = self._sendable(scope, params)
        recipients = []
        for i, sender in enumerate(senders):
            name = f"SenderList[{i}]"
            if not isinstance(sender, dict) or not isinstance(sender.get("To"), str) or not sender["To"]:
                raise invalid(name, "Every recipient must be a JSON object with a To number.")
            values, action = sender.get("TemplateParams"), sender.get("FlowAction")
            recipients.append(self._recipient(template, sender["To"], values, action, name))
        group = secrets.token_hex(12)
        task_id = params.get("TaskId") or None
        self.log.record(scope, params["From"], template, recipients, group_message_id=group, task_id=task_id)
        return {"GroupMessageId": group}

    def _list(self, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
        index, size = parse_page(params.get("Page"))
        if params["ChannelType"].lower() != CHANNEL:
            return {"Data": []}
        if params.get("EventAction") and params["EventAction"] != "DOWN":
            return {"Data": []}  # the emulator has no inbound messages
        query = MessageQuery(
            business_number=params["BusinessNumber"],
            user_number=params.get("UserNumber") or None,
            template_code=params.get("TemplateCode") or None,
            group_message_id=params.get("GroupMessageId") or None,
            status=params.get("MessageStatus") or None,
            start_ms=_millis(params, "StartTime"),
            end_ms=_millis(params, "EndTime"),
        )
        page = self.log.find(scope, query)[(index - 1) * size : index * size]
        return {"Data": [m.listed() for m in page]}

    # ----------------------------------------------------------------- for tests
    def snapshot(self) -> list[dict[str, Any]]:
        return self.log.snapshot()

    def reset(self) -> None:
        self.log.reset()


def _json_or_none(params: Mapping[str, str], name: str) -> Any:
    return parse_json(name, params[name], dict) if params.get(name) else None


def _millis(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise invalid(name, "It must be a UNIX time in milliseconds.") from None
