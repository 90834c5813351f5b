"""AudienceSender: a template to many people by mass send, never twice to one person.

* Flow tokens: :func:`flow_token` (run, flow, recipient) -> ``cams1-`` + 40 hex digits of SHA-256, the same
  on every retry, so a flow's reply (it carries the token) is matched to its send and a re-send could not
  mint a second token.
* Chunks of at most 1,000 recipients (documented) and of at most ``max_body_bytes`` of form-encoded
  ``SenderList`` (ASSUMED 1 MB: the gateway's body limit is not documented), which travels in the signed
  POST body.
* An unknown outcome (timeout, dropped connection, 5xx after the send may have been applied) is resolved
  by ``ListChatappMessage`` (the chunk's first number, template, business number, time window: one call)
  before anything is sent again: listed means the mass send was accepted and nothing is re-sent; only
  when it is not listed is the chunk sent again.
* ``resume=True`` (the operator sets it on task retries): recipients that ``ListChatappMessage`` already
  shows with this template since ``since_ms`` are skipped (``already_sent``), so a retried or cleared task
  does not message them again.

ASSUMED, where CAMS is silent: a mass send is accepted or refused as a whole (so one listed recipient
stands for its chunk); ``ListChatappMessage`` lists an accepted message before the reconciliation reads
it (if it lags, "not listed" is taken for "not sent" and the chunk is re-sent: the gap the docs name);
SendTime and the worker's clock differ by less than ``clock_skew`` seconds; no other send of this
template to these numbers falls in the window.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote_plus

from airflow_provider_cams.exceptions import CamsTransientError, CamsTransportError, CamsValidationError
from airflow_provider_cams.hooks.messaging import CamsMessagingHook, Recipient, check_recipient
from airflow_provider_cams.vendor.messaging import MAX_MASS_RECIPIENTS

FLOW_TOKEN_PREFIX = "cams1-"
MAX_BODY_BYTES = 1 << 20  # ASSUMED, see the module docstring
DEFAULT_CLOCK_SKEW = 60.0  # seconds, ASSUMED
MAX_SENDS_PER_CHUNK = 3  # a chunk proven not sent (nothing listed) is sent again at most this often


def flow_token(run_id: str, flow_id: str, number: str) -> str:
    """The documented, deterministic flow token of one recipient in one run of one flow."""
    digest = hashlib.sha256(f"{run_id}\n{flow_id}\n{number}".encode()).hexdigest()
    return FLOW_TOKEN_PREFIX + digest[:40]


@dataclass
class RecipientOutcome:
    """What happened to one recipient. ``status``: ``accepted`` (in a mass send CAMS accepted),
    ``already_sent`` (listed before this task sent anything), ``invalid`` (not a phone number: not
    sent), ``duplicate`` (the same number earlier in the audience: not sent) or ``failed`` (every attempt
    had an unknown outcome and CAMS listed none: not sent as far as CAMS shows; ``error`` says so)."""

    to: str
    flow_token: str | None
    status: str
    group_message_id: str | None = None
    message_id: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sender_bytes(recipient: Recipient) -> int:
    """The form-encoded size of one SenderList entry (with its separator)."""
    text = json.dumps(recipient.sender(), separators=(",", ":"), ensure_ascii=False)
    return len(quote_plus(text)) + 3  # the "," between entries, percent-encoded


def chunks(
    recipients: Sequence[Recipient], max_count: int = MAX_MASS_RECIPIENTS, max_bytes: int = MAX_BODY_BYTES
) -> Iterator[list[Recipient]]:
    """Consecutive chunks of at most ``max_count`` recipients and ``max_bytes`` of encoded SenderList."""
    chunk: list[Recipient] = []
    size = 0
    for recipient in recipients:
        need = sender_bytes(recipient)
        if need > max_bytes:
            raise CamsValidationError(
                f"Recipient {recipient.to} alone needs {need} bytes of SenderList (limit {max_bytes}): "
                "shorten its template_params or flow_action_data."
            )
        if chunk and (len(chunk) == max_count or size + need > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(recipient)
        size += need
    if chunk:
        yield chunk


class AudienceSender:
    """Sends one approved template to an audience through ``hook`` (see the module docstring)."""

    def __init__(
        self,
        hook: CamsMessagingHook,
        business_number: str,
        template_code: str,
        language: str,
        cust_space_id: str | None = None,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        clock_skew: float = DEFAULT_CLOCK_SKEW,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.hook = hook
        self.business_number = business_number
        self.template_code = template_code
        self.language = language
        self.cust_space_id = cust_space_id
        self.max_body_bytes = max_body_bytes
        self.clock_skew = clock_skew
        self._clock = clock

    def send(
        self,
        recipients: Sequence[Recipient],
        *,
        resume: bool = False,
        since_ms: int | None = None,
        acknowledged: Mapping[str, RecipientOutcome] | None = None,
        on_chunk: Callable[[list[RecipientOutcome]], None] | None = None,
    ) -> list[RecipientOutcome]:
        """Send to every valid, distinct recipient once; one outcome per input recipient, in order.

        ``acknowledged``: outcomes an earlier try recorded (the outcomes file's checkpoint), by number:
        kept as they are, not sent. ``on_chunk`` gets each mass send's outcomes before the next is sent."""
        acknowledged = acknowledged or {}
        outcomes: list[RecipientOutcome | None] = [None] * len(recipients)
        todo: list[tuple[int, Recipient]] = []
        seen: set[str] = set()
        for i, recipient in enumerate(recipients):
            try:
                checked = check_recipient(f"recipients[{i}]", recipient)
            except CamsValidationError as exc:
                outcomes[i] = RecipientOutcome(
                    str(recipient.to), recipient.flow_token, "invalid", error=str(exc)
                )
                continue
            if checked.to in seen:
                outcomes[i] = RecipientOutcome(checked.to, checked.flow_token, "duplicate")
                continue
            seen.add(checked.to)
            if checked.to in acknowledged:
                outcomes[i] = acknowledged[checked.to]
                continue
            todo.append((i, checked))
        if resume and todo:
            listed = self._listed(since_ms)
            for i, recipient in todo:
                if recipient.to in listed:
                    outcomes[i] = RecipientOutcome(
                        recipient.to, recipient.flow_token, "already_sent", message_id=listed[recipient.to]
                    )
            todo = [(i, r) for i, r in todo if outcomes[i] is None]
        index = {id(r): i for i, r in todo}
        sent = 0
        for chunk in chunks([r for _, r in todo], max_bytes=self.max_body_bytes):
            done = self._send_chunk(chunk)
            for recipient, outcome in zip(chunk, done, strict=True):
                outcomes[index[id(recipient)]] = outcome
            if on_chunk is not None:
                on_chunk(done)
            sent += len(chunk)
            self.hook.log.info("Sent %d of %d recipients.", sent, len(todo))
        return [o for o in outcomes if o is not None]

    def _send_chunk(self, chunk: list[Recipient]) -> list[RecipientOutcome]:
        for _ in range(MAX_SENDS_PER_CHUNK):
            started_ms = int(self._clock() * 1000)
            try:
                answer = self.hook.send_mass_message(
                    self.business_number,
                    chunk,
                    template_code=self.template_code,
                    language=self.language,
                    cust_space_id=self.cust_space_id,
                )
            except (CamsTransportError, CamsTransientError) as exc:
                first = chunk[0].to
                if first in self._listed(started_ms, first):
                    self.hook.log.warning("Mass send outcome unknown (%s); CAMS lists it: not re-sent.", exc)
                    return [RecipientOutcome(r.to, r.flow_token, "accepted") for r in chunk]
                self.hook.log.warning(
                    "Mass send outcome unknown (%s); CAMS does not list it: sending again.", exc
                )
                continue
            group = answer.get("GroupMessageId")
            return [RecipientOutcome(r.to, r.flow_token, "accepted", group_message_id=group) for r in chunk]
        error = f"not sent: {MAX_SENDS_PER_CHUNK} attempts had an unknown outcome and none was listed"
        return [RecipientOutcome(r.to, r.flow_token, "failed", error=error) for r in chunk]

    def _listed(self, since_ms: int | None, user_number: str | None = None) -> dict[str, str | None]:
        """Numbers CAMS lists with this template since ``since_ms`` (minus the clock skew): MessageId."""
        start = None if since_ms is None else int(since_ms - self.clock_skew * 1000)
        messages = self.hook.list_messages(
            self.business_number,
            self.cust_space_id,
            user_number=user_number,
            template_code=self.template_code,
            start_time_ms=start,
        )
        return {str(m.get("UserNumber")): m.get("MessageId") for m in messages}


def summarize(outcomes: Sequence[RecipientOutcome]) -> dict[str, Any]:
    """Counts by status and the group ids: the XCom summary of a send."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    groups = sorted({o.group_message_id for o in outcomes if o.group_message_id})
    return {"recipients": len(outcomes), "by_status": counts, "group_message_ids": groups}
