"""AudienceSender: a template to many people, by mass send or one single send each, never twice to one
person.

* Modes: ``mass`` (``SendChatappMassMessage``, 10/s, up to 1,000 recipients a request) or ``single``
  (one ``SendChatappMessage`` per recipient, 250/s, from ``max_workers`` threads sharing the hook's pacer
  through ``CallPacer.for_threads``: one per-API budget, whatever the number of threads). Everything
  else (checks, duplicates, checkpoint, listing, reconciliation) is the same code for both.

* Flow tokens: :func:`flow_token` (run, flow, recipient) -> ``cams1-`` + 40 hex digits of SHA-256, the same
  on every retry, so a flow's reply (it carries the token) is matched to its send and a re-send could not
  mint a second token.
* Chunks of at most 1,000 recipients (documented) and of at most ``max_body_bytes`` of form-encoded
  ``SenderList`` (ASSUMED 1 MB: the gateway's body limit is not documented), which travels in the signed
  POST body.
* An unknown outcome (timeout, dropped connection, 5xx after the send may have been applied) is resolved
  by ``ListChatappMessage`` (the chunk's first number or the single send's number, template, business
  number, time window: one call) before anything is sent again: listed means the send was accepted and
  nothing is re-sent; only when it is not listed is it sent again.
* Single sends: a recipient CAMS refuses with ``InvalidParameter`` (a documented code, e.g. a number
  Meta cannot reach) is reported ``rejected`` and not retried; any other refusal stops the task after
  the sends in flight return and their outcomes are checkpointed (its retry resumes).
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
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote_plus

from airflow_provider_cams.exceptions import (
    CamsInvalidRequestError,
    CamsTransientError,
    CamsTransportError,
    CamsValidationError,
)
from airflow_provider_cams.hooks.messaging import CamsMessagingHook, Recipient, check_recipient
from airflow_provider_cams.hooks.results import Body
from airflow_provider_cams.utils.rate import CallPacer
from airflow_provider_cams.vendor.messaging import MAX_MASS_RECIPIENTS

FLOW_TOKEN_PREFIX = "cams1-"
MAX_BODY_BYTES = 1 << 20  # ASSUMED, see the module docstring
DEFAULT_CLOCK_SKEW = 60.0  # seconds, ASSUMED
MAX_SENDS_PER_CHUNK = 3  # a chunk proven not sent (nothing listed) is sent again at most this often
SEND_MODES = ("mass", "single")
DEFAULT_SINGLE_WORKERS = 8  # threads for single sends: 250/s needs ~250 x the call's latency in flight
CHECKPOINT_EVERY = 250  # single sends: outcomes per checkpoint (about one second at 250/s)


def flow_token(run_id: str, flow_id: str, number: str) -> str:
    """The documented, deterministic flow token of one recipient in one run of one flow."""
    digest = hashlib.sha256(f"{run_id}\n{flow_id}\n{number}".encode()).hexdigest()
    return FLOW_TOKEN_PREFIX + digest[:40]


@dataclass
class RecipientOutcome:
    """What happened to one recipient. ``status``: ``accepted`` (in a send CAMS accepted),
    ``already_sent`` (listed before this task sent anything), ``invalid`` (not a phone number: not
    sent), ``duplicate`` (the same number earlier in the audience: not sent), ``rejected`` (single send:
    CAMS refused this recipient with ``InvalidParameter``; not retried; ``error`` says why) or ``failed``
    (every attempt had an unknown outcome and CAMS listed none: not sent as far as CAMS shows)."""

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
        mode: str = "mass",
        max_workers: int | None = None,
    ) -> list[RecipientOutcome]:
        """Send to every valid, distinct recipient once; one outcome per input recipient, in order.

        ``acknowledged``: outcomes an earlier try recorded (the outcomes file's checkpoint), by number:
        kept as they are, not sent. ``on_chunk`` gets each mass send's outcomes before the next is sent
        (single sends: every ``CHECKPOINT_EVERY`` outcomes, and what is done when a refusal stops them).
        ``mode``: ``mass`` or ``single``; ``max_workers``: threads (default: 8 for single sends, 1 for
        mass sends, which then go one after another; more help when a 1,000-recipient call takes over
        0.1 s). Threads share the hook's pacer (``for_threads``): more never means faster than allowed."""
        if mode not in SEND_MODES:
            raise CamsValidationError(f"mode must be one of {', '.join(SEND_MODES)}, got {mode!r:.20}.")
        if mode == "single" or (max_workers or 1) > 1:
            self._share_pacer()  # before the first call (the resume listing included)
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
        people = [r for _, r in todo]
        workers = max_workers or (DEFAULT_SINGLE_WORKERS if mode == "single" else 1)
        if mode == "single":
            batches = self._threaded([[r] for r in people], True, workers)
        elif workers > 1:
            batches = self._threaded(list(chunks(people, max_bytes=self.max_body_bytes)), False, workers)
        else:
            batches = self._mass(people)
        sent = 0
        for batch, done in batches:
            for recipient, outcome in zip(batch, done, strict=True):
                outcomes[index[id(recipient)]] = outcome
            if on_chunk is not None:
                on_chunk(done)
            sent += len(batch)
            self.hook.log.info("Sent %d of %d recipients.", sent, len(todo))
        return [o for o in outcomes if o is not None]

    def _mass(self, people: list[Recipient]) -> Iterator[tuple[list[Recipient], list[RecipientOutcome]]]:
        """One mass send per chunk, one after another: (chunk, its outcomes)."""
        for chunk in chunks(people, max_bytes=self.max_body_bytes):
            yield chunk, self._deliver(chunk, single=False)

    def _threaded(
        self, units: list[list[Recipient]], single: bool, max_workers: int
    ) -> Iterator[tuple[list[Recipient], list[RecipientOutcome]]]:
        """Each unit (one recipient, or a mass send's chunk) sent by one of ``max_workers`` threads:
        (recipients, outcomes) after every chunk, or every ``CHECKPOINT_EVERY`` single sends. A refusal
        (other than ``InvalidParameter`` of a single send: ``rejected``) stops the units not yet started;
        what finished is yielded (checkpointed), then the refusal is raised."""
        stop: list[BaseException] = []
        stopping = threading.Event()

        def send(unit: list[Recipient]) -> list[RecipientOutcome] | None:
            if stopping.is_set():
                return None
            try:
                return self._deliver(unit, single)
            except BaseException as exc:
                if single and isinstance(exc, CamsInvalidRequestError):
                    return [RecipientOutcome(unit[0].to, unit[0].flow_token, "rejected", error=str(exc))]
                stop.append(exc)
                stopping.set()
                return None

        flush_at = CHECKPOINT_EVERY if single else 1
        pool = ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(units))), thread_name_prefix="send")
        done: list[tuple[Recipient, RecipientOutcome]] = []
        try:
            futures = {pool.submit(send, unit): unit for unit in units}
            for future in as_completed(futures):
                outcomes = future.result()
                if outcomes is not None:
                    done += zip(futures[future], outcomes, strict=True)
                if len(done) >= flush_at:
                    yield [r for r, _ in done], [o for _, o in done]
                    done = []
        except BaseException:  # the task is stopped (timeout, kill): start no more sends
            stopping.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if done:
            yield [r for r, _ in done], [o for _, o in done]
        if stop:
            raise stop[0]

    def _share_pacer(self) -> None:
        """Give the hook's threads one per-API budget (the pool pacer's ``for_threads``), before any call."""
        pacer = self.hook.pacer
        if isinstance(pacer, CallPacer) and pacer.interval > 0:  # off (interval 0) holds no state
            self.hook.pacer = pacer.for_threads()
        _ = self.hook.transport, self.hook.client  # built once here, not raced for by the threads

    def _call(self, batch: list[Recipient], single: bool) -> Body:
        """One send of ``batch``: a single send of its one recipient, or a mass send of the chunk."""
        kwargs: dict[str, Any] = {
            "template_code": self.template_code,
            "language": self.language,
            "cust_space_id": self.cust_space_id,
            "prechecked": True,  # send() checked every recipient before the first call
        }
        if single:
            return self.hook.send_message(self.business_number, batch[0], **kwargs)
        return self.hook.send_mass_message(self.business_number, batch, **kwargs)

    def _deliver(self, batch: list[Recipient], single: bool) -> list[RecipientOutcome]:
        """Send ``batch`` once: an unknown outcome is re-sent only when CAMS does not list its first
        number since the attempt started."""
        what = "Single" if single else "Mass"
        for _ in range(MAX_SENDS_PER_CHUNK):
            started_ms = int(self._clock() * 1000)
            try:
                answer = self._call(batch, single)
            except (CamsTransportError, CamsTransientError) as exc:
                first = batch[0].to
                listed = self._listed(started_ms, first)
                if first in listed:
                    self.hook.log.warning(
                        "%s send outcome unknown (%s); CAMS lists it: not re-sent.", what, exc
                    )
                    mid = listed[first] if single else None
                    return [RecipientOutcome(r.to, r.flow_token, "accepted", message_id=mid) for r in batch]
                self.hook.log.warning(
                    "%s send outcome unknown (%s); CAMS does not list it: sending again.", what, exc
                )
                continue
            group, mid = answer.get("GroupMessageId"), answer.get("MessageId")
            return [RecipientOutcome(r.to, r.flow_token, "accepted", group, mid) for r in batch]
        error = f"not sent: {MAX_SENDS_PER_CHUNK} attempts had an unknown outcome and none was listed"
        return [RecipientOutcome(r.to, r.flow_token, "failed", error=error) for r in batch]

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
