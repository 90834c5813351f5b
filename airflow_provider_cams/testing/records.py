"""What the emulator saw: one immutable record per RPC request, for assertions in tests."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    """One RPC request and how the emulator answered it.

    ``received_at`` is ``time.time()`` when the request line arrived, before any processing.
    ``code`` is the answer's Code ("DROPPED" when the connection was closed without an answer, None for
    the non-JSON fault). ``applied`` says the action ran successfully (for mutating actions: the state
    changed). ``throttled``: rejected with System.LimitControl, by the limiter or by an injected fault.
    ``admitted``: passed parsing, authentication and the rate limiter (only admitted calls use quota).
    """

    received_at: float
    action: str | None
    params: dict[str, str]
    access_key_id: str | None
    http_status: int | None
    code: str | None
    request_id: str
    fault: str | None = None
    applied: bool = False
    throttled: bool = False
    admitted: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def max_in_window(stamps: list[float], window: float) -> int:
    """The most stamps inside any half-open interval [t, t + window)."""
    ordered = sorted(stamps)
    best = start = 0
    for end, stamp in enumerate(ordered):
        while stamp - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class RequestLog:
    """Thread-safe, append-only list of records in arrival order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RecordedRequest] = []

    def append(self, record: RecordedRequest) -> None:
        with self._lock:
            self._records.append(record)

    def snapshot(self, action: str | None = None) -> list[RecordedRequest]:
        """Records (of one action if given), ordered by received_at."""
        with self._lock:
            records = [r for r in self._records if action is None or r.action == action]
        return sorted(records, key=lambda r: r.received_at)

    def max_calls_in_window(
        self, window: float = 1.0, action: str | None = None, include_rejected: bool = False
    ) -> int:
        """Peak number of calls in any ``window`` seconds; by default only calls that were admitted and
        not throttled (what counts against the vendor's QPS)."""
        stamps = [
            r.received_at
            for r in self.snapshot(action)
            if include_rejected or (r.admitted and not r.throttled)
        ]
        return max_in_window(stamps, window)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
