"""The emulator's QPS limiter: each CAMS API at its own limit per account, or one shared limit.

The vendor's pages give every API its own "QPS limit ... per account" (every flow API: 5 calls per
second). The emulator reads that independently of the provider's ``vendor/limits.py``: ``rate`` is the
limit of every API unless ``api_limits`` names another for it; ``shared=True`` counts all APIs
together against ``rate`` (the stricter reading, for tests of the provider's shared mode).

ASSUMED, as the vendor documents only the rates: the limit is a sliding window over *admitted* calls,
so calls rejected with System.LimitControl do not consume quota, and the key is the AccessKeyId (the
vendor says "per account"; an STS identity therefore has its own window here).
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left
from collections import deque
from collections.abc import Mapping

ANY_API = "*"


def window_for(rate: float) -> tuple[int, float]:
    """(calls, window seconds) for a rate: 5 -> 5 per 1 s; 2.5 -> 2 per 0.8 s; 0.5 -> 1 per 2 s."""
    if rate <= 0:
        raise ValueError("rate must be positive (use None to turn limiting off)")
    calls = max(1, math.floor(rate))
    return calls, calls / rate


def _fullest_window_with(now: float, stamps: deque[float], window: float) -> int:
    """The most admitted stamps in any half-open window ``[t, t + window)`` that also holds ``now``.

    Such windows start at ``t`` in ``(now - window, now]``; the count only changes where ``t`` passes a
    stamp, so the starts worth trying are ``now`` itself and the stamps in that range."""
    near = sorted(s for s in stamps if now - window < s < now + window)
    starts = [s for s in near if s <= now] + [now]
    return max(bisect_left(near, t + window) - bisect_left(near, t) for t in starts)


class SlidingWindowLimiter:
    """Admits at most ``calls`` stamps per (key, API) in any window of ``window`` seconds.

    Stamps are monotonic arrival times taken before any processing. Threads may decide out of arrival
    order (a call stamped earlier decides after one stamped later), so a stamp is admitted only if
    every half-open window ``[t, t + window)`` that would hold it, earlier and later admitted stamps
    alike, still holds at most ``calls``: exactly the guarantee ``CamsEmulator.max_calls_in_window``
    measures, and no stricter (a call is never refused when no window would go over). Each decision is
    atomic under one lock.
    """

    def __init__(
        self, rate: float | None, *, api_limits: Mapping[str, float] | None = None, shared: bool = False
    ) -> None:
        self._lock = threading.Lock()
        self._admitted: dict[tuple[str, str], deque[float]] = {}
        self._limit: tuple[int, float] | None = None
        self._api_limits: dict[str, tuple[int, float]] = {}
        self.shared = shared
        self.set_rate(rate)
        self.set_api_limits(api_limits)

    @property
    def rate(self) -> float | None:
        with self._lock:
            return None if self._limit is None else self._limit[0] / self._limit[1]

    @property
    def api_limits(self) -> dict[str, float]:
        """The APIs whose limit differs from ``rate`` (calls/s)."""
        with self._lock:
            return {api: calls / window for api, (calls, window) in self._api_limits.items()}

    def set_rate(self, rate: float | None) -> None:
        limit = None if rate is None else window_for(rate)
        with self._lock:
            self._limit = limit

    def set_api_limits(self, api_limits: Mapping[str, float] | None) -> None:
        limits = {api: window_for(rate) for api, rate in (api_limits or {}).items()}
        with self._lock:
            self._api_limits = limits

    def set_shared(self, shared: bool) -> None:
        with self._lock:
            self.shared = shared

    def limit_of(self, api: str | None) -> float | None:
        """Calls/s the limiter admits for ``api`` (None: unlimited)."""
        with self._lock:
            limit = self._window(api)
        return None if limit is None else limit[0] / limit[1]

    def _window(self, api: str | None) -> tuple[int, float] | None:
        if self._limit is None:
            return None
        if self.shared or api is None:
            return self._limit
        return self._api_limits.get(api, self._limit)

    def try_acquire(self, key: str, now: float, api: str | None = None) -> bool:
        """Admit (and count) one call of ``api`` stamped ``now``, or refuse it without counting it."""
        with self._lock:
            limit = self._window(api)
            if limit is None:
                return True
            calls, window = limit
            bucket = (key, ANY_API if self.shared or api is None else api)
            stamps = self._admitted.setdefault(bucket, deque())
            # Keep a spare window of history for calls that decide late on an earlier stamp.
            while stamps and stamps[0] <= now - 2 * window:
                stamps.popleft()
            if _fullest_window_with(now, stamps, window) >= calls:
                return False
            stamps.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._admitted.clear()
