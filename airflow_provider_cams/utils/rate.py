"""Pacing of CAMS calls: what makes an Airflow pool a real "at most R calls per second" guarantee.

The account's pool has ``N = floor(R)`` slots; every CAMS task of the account runs in it. Each slot is
worth one call per ``I = 1 + margin`` seconds (``margin`` = ``RATE_MARGIN``, 2 %). A task
holding ``k`` slots

1. makes its first call no sooner than ``I`` after its own process started, and
2. starts call ``j`` (retries included) no sooner than ``I`` after call ``j - k`` *returned*: at most
   ``k`` calls per ``I``-window, measured from returns (a sliding window of ``k``; for ``k = 1`` the
   next call waits ``I`` after the previous one returned).

Why it holds. A call reaches CAMS somewhere between its start and its return, and a task's calls run
one after another, so they reach CAMS in order. Rule 2 then gives, for any ``j``,
``arrival(j) >= start(j) >= return(j - k) + I >= arrival(j - k) + I``: any ``k + 1`` consecutive calls
of a task span more than ``I`` at the server, so a window shorter than ``I`` holds at most ``k`` of
them. The task's process starts after the scheduler gave it its slots, hence after the previous
holders of those slots ended, hence after their last calls reached CAMS; with rule 1, a window
shorter than ``I`` never holds calls of both a task and an earlier holder of one of its slots. So in
such a window each slot serves at most one task, each task at most as many calls as it holds slots,
and the pool at most ``N <= R`` calls: across DAG runs, DAGs, workers and executors, with no clock
shared between machines (every rule is a duration on one client clock between events in causal order).

Counting from the return, not the start, of a call is what makes this hold at the server: the SDK's
first call in a process spends a good part of a second on the client before it sends anything.
Waiting from the process start, not from the call, lets the task's own start-up time count towards the
slot's pause.

The margin. Client-side delays (network, the SDK, a slow machine) only make the real gaps longer,
because the rules count from events the server has already seen. What the margin absorbs is the
server's own stamping: its clock's rate and, on a distributed gateway, the offsets between the nodes
that stamp calls of one account (NTP keeps those to milliseconds). 2 % of a second (20 ms) covers that
with room to spare; the bundled emulator stamps every call on one clock between the call's start and
its return, so it sees gaps of at least ``I``. The cost of the rule is the margin plus one call latency
per ``I``-window: a task holding the whole 5-slot pool makes about ``5 / (1.02 + latency)`` calls/s.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

DEFAULT_RATE_LIMIT = 5.0  # calls per second per account, as the vendor documents
RATE_MARGIN = 0.02


def pool_size(rate_limit: float) -> int:
    """Slots of the account's pool: one per call the account may make each second."""
    return max(1, math.floor(rate_limit))


def slot_interval(task_slots: int = 1, margin: float = RATE_MARGIN) -> float:
    """Average seconds per call for a task holding ``task_slots`` slots (``I / k``; ``I`` for one slot)."""
    return (1.0 + margin) / max(1, task_slots)


def process_age(now_monotonic: Callable[[], float] = time.monotonic) -> float | None:
    """Seconds since this process started (Linux ``/proc``), or None where that is not known.

    Rounded down by one clock tick so that the start is never placed earlier than it was.
    """
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as uptime:
            up = float(uptime.read().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        started = int(fields[19]) / ticks  # field 22 of stat: starttime, in ticks after boot
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, up - started - 1.0 / ticks)


class CallPacer:
    """At most ``window`` call starts per ``interval`` seconds, counted from the calls' returns.

    Call ``j`` may start ``interval`` seconds after call ``j - window`` returned (``window=1``: after the
    previous call returned); ``interval=0`` disables pacing. ``first_after``: monotonic time before
    which no call may start (for pool pacing: process start + one slot interval).
    """

    def __init__(
        self,
        interval: float = 0.0,
        *,
        window: int = 1,
        first_after: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if interval < 0:
            raise ValueError(f"interval must be >= 0, got {interval}")
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise ValueError(f"window must be a whole number >= 1, got {window!r}")
        self.interval = interval
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._first_after = first_after if first_after is not None else float("-inf")
        self._returns: deque[float] = deque(maxlen=window)  # the last `window` return times

    @classmethod
    def for_pool_task(cls, task_slots: int, margin: float = RATE_MARGIN) -> CallPacer:
        """The pacer of a task holding ``task_slots`` slots of its account's pool (see module doc)."""
        now = time.monotonic()
        age = process_age()
        started = now - age if age is not None else now  # unknown: count from now (later is safe)
        return cls.for_slots(task_slots, started, margin)

    @classmethod
    def for_slots(
        cls,
        task_slots: int,
        process_started: float,
        margin: float = RATE_MARGIN,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> CallPacer:
        """Rules 1 and 2 of the module doc for ``task_slots`` slots and a process started then."""
        interval = slot_interval(1, margin)
        return cls(
            interval,
            window=max(1, task_slots),
            first_after=process_started + interval,
            clock=clock,
            sleep=sleep,
        )

    @property
    def rate(self) -> float:
        """Calls per second this pacer allows at most (infinite when off)."""
        return self.window / self.interval if self.interval > 0 else math.inf

    def next_allowed(self) -> float:
        """Monotonic time at which the next call may start."""
        if self.interval <= 0:
            return self._first_after
        if len(self._returns) < self.window:
            return self._first_after
        return max(self._first_after, self._returns[0] + self.interval)

    def wait_time(self) -> float:
        """Seconds to wait before the next call may start."""
        return max(0.0, self.next_allowed() - self._clock())

    def before_call(self) -> float:
        """Block until the next call may start; return the time waited."""
        delay = self.wait_time()
        if delay > 0:
            log.debug("Pacing: waiting %.3f s before the next CAMS call", delay)
            self._sleep(delay)
        return delay

    def after_call(self) -> None:
        """Record that a call just returned (or failed); it counts in the window for ``interval``."""
        self._returns.append(self._clock())
