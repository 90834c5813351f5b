"""The emulator's per-AccessKeyId QPS limiter (CAMS documents 5 calls per second per account).

ASSUMED, as the vendor documents only the rate: the limit is a sliding window over *admitted* calls, so
calls rejected with System.LimitControl do not consume quota, and the key is the AccessKeyId (the vendor
says "per account"; an STS identity therefore has its own window here).
"""

from __future__ import annotations

import math
import threading
from collections import deque


def window_for(rate: float) -> tuple[int, float]:
    """(calls, window seconds) for a rate: 5 -> 5 per 1 s; 2.5 -> 2 per 0.8 s; 0.5 -> 1 per 2 s."""
    if rate <= 0:
        raise ValueError("rate must be positive (use None to turn limiting off)")
    calls = max(1, math.floor(rate))
    return calls, calls / rate


class SlidingWindowLimiter:
    """Admits at most ``calls`` stamps per key in any window of ``window`` seconds.

    Stamps are monotonic arrival times taken before any processing. Threads may decide out of arrival
    order, so a stamp counts against another when they are less than one window apart in either
    direction: this keeps the guarantee for every window of arrival stamps, which is what
    ``CamsEmulator.max_calls_in_window`` measures. Each decision is atomic under one lock.
    """

    def __init__(self, rate: float | None) -> None:
        self._lock = threading.Lock()
        self._admitted: dict[str, deque[float]] = {}
        self._limit: tuple[int, float] | None = None
        self.set_rate(rate)

    @property
    def rate(self) -> float | None:
        with self._lock:
            return None if self._limit is None else self._limit[0] / self._limit[1]

    def set_rate(self, rate: float | None) -> None:
        limit = None if rate is None else window_for(rate)
        with self._lock:
            self._limit = limit

    def try_acquire(self, key: str, now: float) -> bool:
        """Admit (and count) one call stamped ``now``, or refuse it without counting it."""
        with self._lock:
            if self._limit is None:
                return True
            calls, window = self._limit
            stamps = self._admitted.setdefault(key, deque())
            # Keep a spare window of history for calls that decide late on an earlier stamp.
            while stamps and stamps[0] <= now - 2 * window:
                stamps.popleft()
            if sum(1 for s in stamps if abs(s - now) < window) >= calls:
                return False
            stamps.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._admitted.clear()
