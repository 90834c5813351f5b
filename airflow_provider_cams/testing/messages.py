"""The emulator's sends: SendChatappMessage, SendChatappMassMessage and the per-recipient record.

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

import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_cams.testing.errors import CamsErrorAnswer
from airflow_provider_cams.testing.state import Scope
from airflow_provider_cams.testing.template_responses import parse_json
from airflow_provider_cams.testing.templates import Template, TemplateStore, invalid
from airflow_provider_cams.testing.wire import ActionSpec, parse_page

MAX_MASS_RECIPIENTS = 1000  # documented: SendChatappMassMessage takes at most 1,000 numbers
CHANNEL = "whatsapp"
SENDABLE_FLOW_STATUSES = ("PUBLISHED", "THROTTLED")
FLOW_ACTION_KEYS = ("FlowToken", "FlowActionData")
_NUMBER = re.compile(r"^\+?\d{6,15}$")

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


@dataclass(frozen=True)
class Recipient:
    """One checked recipient of a send."""

    to: str
    template_params: dict[str, str]
    flow_token: str | None
    flow_action_data: dict[str, Any] | None


@dataclass
class Message:
    """One recorded outbound message; ``listed()`` is its ListChatappMessage entry."""

    message_id: str
    scope: Scope
    business_number: str
    recipient: Recipient
    template: Template
    status: str = "Sent"
    fail_reason: str | None = None
    group_message_id: str | None = None
    task_id: str | None = None
    sent_at: float = field(default_factory=time.time)

    def listed(self) -> dict[str, Any]:
        return {
            "MessageId": self.message_id,
            "UserNumber": self.recipient.to,
            "BusinessNumber": self.business_number,
            "ChannelType": CHANNEL,
            "TemplateCode": self.template.code,
            "TemplateName": self.template.name,
            "LanguageCode": self.template.language,
            "MessageStatus": self.status,
            "FailReason": self.fail_reason,
            "SendTime": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.sent_at)),
            "EventAction": "DOWN",
            "Type": "template",
        }

    def as_dict(self) -> dict[str, Any]:
        """The emulator's snapshot: the listed fields plus what only the emulator sees."""
        return {
            **self.listed(),
            "GroupMessageId": self.group_message_id,
            "TaskId": self.task_id,
            "FlowToken": self.recipient.flow_token,
            "FlowActionData": self.recipient.flow_action_data,
            "TemplateParams": self.recipient.template_params,
            "CustSpaceId": self.scope[1] or None,
            "SentAt": self.sent_at,
        }


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


def valid_number(number: Any) -> bool:
    return isinstance(number, str) and bool(_NUMBER.match(number))


class MessageStore:
    """Thread-safe record of sends. ``flow_status(scope, flow_id)`` is a flow's status there (or None)."""

    def __init__(self, templates: TemplateStore, flow_status: Callable[[Scope, str], str | None]) -> None:
        self._templates = templates
        self._flow_status = flow_status
        self._lock = threading.Lock()
        self._messages: list[Message] = []
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

    def _record(
        self,
        scope: Scope,
        params: Mapping[str, str],
        template: Template,
        recipients: list[Recipient],
        group: str | None,
    ) -> list[Message]:
        now = time.time()
        with self._lock:
            made = []
            for recipient in recipients:
                ok = valid_number(recipient.to)
                made.append(
                    Message(
                        message_id=secrets.token_hex(12),
                        scope=scope,
                        business_number=params["From"],
                        recipient=recipient,
                        template=template,
                        status="Sent" if ok else "Failed",
                        fail_reason=None if ok else f"Invalid recipient number {recipient.to[:20]!r}.",
                        group_message_id=group,
                        task_id=params.get("TaskId") or None,
                        sent_at=now,
                    )
                )
            self._messages.extend(made)
            return made

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
        (message,) = self._record(scope, params, template, [recipient], None)
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
        self._record(scope, params, template, recipients, group)
        return {"GroupMessageId": group}

    def _list(self, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
        index, size = parse_page(params.get("Page"))
        if params["ChannelType"].lower() != CHANNEL:
            return {"Data": []}
        if params.get("EventAction") and params["EventAction"] != "DOWN":
            return {"Data": []}  # the emulator has no inbound messages
        start, end = _millis(params, "StartTime"), _millis(params, "EndTime")
        wanted = {
            "business_number": params["BusinessNumber"],
            "user_number": params.get("UserNumber"),
            "template_code": params.get("TemplateCode"),
            "group_message_id": params.get("GroupMessageId"),
            "status": params.get("MessageStatus"),
        }
        with self._lock:
            matches = [
                m.listed()
                for m in self._messages
                if m.scope == scope
                and _matches(m, wanted)
                and (start is None or m.sent_at * 1000 >= start)
                and (end is None or m.sent_at * 1000 <= end)
            ]
        return {"Data": matches[(index - 1) * size : index * size]}

    # ----------------------------------------------------------------- for tests
    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [m.as_dict() for m in self._messages]

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()


def _matches(message: Message, wanted: Mapping[str, str | None]) -> bool:
    actual = {
        "business_number": message.business_number,
        "user_number": message.recipient.to,
        "template_code": message.template.code,
        "group_message_id": message.group_message_id,
        "status": message.status,
    }
    return all(not value or actual[key] == value for key, value in wanted.items())


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
