"""The emulator's record of sends, typed (moto's ``models.py`` for messages; the wire is ``messages.py``).

Records outbound messages and answers lookups on them; parses no wire strings. Lookups by recipient
number use an index, and time windows a bisect on the send order, so that reconciliations stay cheap
next to a 100,000-message record. What a send must satisfy (approved template, published flow, a well
formed FlowAction) is checked by the wire before anything is recorded.

ASSUMED where CAMS is silent (see ``messages.py``): a recipient number that is not a phone number is
recorded with MessageStatus ``Failed`` and a FailReason (Meta fails numbers one by one); the others are
``Sent``. MessageId and GroupMessageId are 24 hex characters; SendTime is ``yyyy-MM-dd HH:mm:ss`` UTC.
"""

from __future__ import annotations

import bisect
import re
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_cams.testing.state import Scope
from airflow_provider_cams.testing.templates import Template

CHANNEL = "whatsapp"
_NUMBER = re.compile(r"^\+?\d{6,15}$")


def valid_number(number: Any) -> bool:
    """Digits with the country code, an optional leading ``+``, 6 to 15 digits (ASSUMED: Meta's E.164)."""
    return isinstance(number, str) and bool(_NUMBER.match(number))


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


@dataclass(frozen=True)
class MessageQuery:
    """ListChatappMessage's filters, typed: None (or empty) matches anything; times in ms."""

    business_number: str
    user_number: str | None = None
    template_code: str | None = None
    group_message_id: str | None = None
    status: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None

    def matches(self, message: Message) -> bool:
        return (
            message.business_number == self.business_number
            and (not self.user_number or message.recipient.to == self.user_number)
            and (not self.template_code or message.template.code == self.template_code)
            and (not self.group_message_id or message.group_message_id == self.group_message_id)
            and (not self.status or message.status == self.status)
            and (self.start_ms is None or message.sent_at * 1000 >= self.start_ms)
            and (self.end_ms is None or message.sent_at * 1000 <= self.end_ms)
        )


class MessageLog:
    """Thread-safe record of sends, in send order, indexed by (scope, recipient number)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        self._sent_at: list[float] = []  # the messages' send times, in order (for bisect)
        self._by_number: dict[tuple[Scope, str], list[Message]] = {}

    def record(
        self,
        scope: Scope,
        business_number: str,
        template: Template,
        recipients: Sequence[Recipient],
        *,
        group_message_id: str | None = None,
        task_id: str | None = None,
    ) -> list[Message]:
        """One message per recipient, sent now; a recipient without a phone number is ``Failed``."""
        made = []
        for recipient in recipients:
            ok = valid_number(recipient.to)
            made.append(
                Message(
                    message_id=secrets.token_hex(12),
                    scope=scope,
                    business_number=business_number,
                    recipient=recipient,
                    template=template,
                    status="Sent" if ok else "Failed",
                    fail_reason=None if ok else f"Invalid recipient number {recipient.to[:20]!r}.",
                    group_message_id=group_message_id,
                    task_id=task_id,
                )
            )
        with self._lock:
            now = max(self._clock(), self._sent_at[-1] if self._sent_at else 0.0)  # kept in send order
            for message in made:
                message.sent_at = now
                self._by_number.setdefault((scope, message.recipient.to), []).append(message)
            self._messages.extend(made)
            self._sent_at.extend([now] * len(made))
        return made

    def find(self, scope: Scope, query: MessageQuery) -> list[Message]:
        """The messages of ``scope`` that match ``query``, in send order."""
        with self._lock:
            if query.user_number:
                candidates: Sequence[Message] = list(self._by_number.get((scope, query.user_number), ()))
            else:
                first = 0
                if query.start_ms is not None:
                    first = bisect.bisect_left(
                        self._sent_at, query.start_ms / 1000 - 0.001
                    )  # matches() decides
                candidates = self._messages[first:]
        return [m for m in candidates if m.scope == scope and query.matches(m)]

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            messages = list(self._messages)
        return [m.as_dict() for m in messages]

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()
            self._sent_at.clear()
            self._by_number.clear()
