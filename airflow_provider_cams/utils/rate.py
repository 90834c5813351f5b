"""Pacing of CAMS calls: what makes an Airflow pool a real "at most R calls per second" guarantee.

The account's pool has ``N = floor(R)`` slots; every CAMS task of the account runs in it. Each slot is
worth one call per ``I = 1 + margin`` seconds (margin 5 %: network and clock jitter). A task holding
``k`` slots

1. makes its first call no sooner than ``I`` after its own process started, and
2. starts each further call (retries included) at least ``I / k`` after the previous one *returned*.

Why it holds: the task's process starts after the scheduler gave it its slots, hence after the
previous holders of those slots ended, hence after their last calls reached CAMS. So (1) keeps every
1 s window from holding calls of both a task and the previous holders of its slots, and (2) gives a
``k``-slot task at most ``k`` calls in any 1 s window (``floor(k / (1 + margin)) + 1 <= k``). Counting
from the return, not the start, of a call is what makes (2) hold at the server: a call reaches CAMS
somewhere between its start and its return, and the SDK's first call in a process spends a good part
of a second on the client before it sends anything. Summed over the
pool: at most ``N <= R`` calls in any 1 s window, across DAG runs, DAGs, workers and executors, with no
clock shared between machines. Waiting from the process start, not from the call, lets the task's
own start-up time count towards the slot's pause.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

DEFAULT_RATE_LIMIT = 5.0  # calls per second per account, as the vendor documents
RATE_MARGIN = 0.05


def pool_size(rate_limit: float) -> int:
    """Slots of the account's pool: one per call the account may make each second."""
    return max(1, math.floor(rate_limit))


def slot_interval(task_slots: int, margin: float = RATE_MARGIN) -> float:
    """Seconds between call starts for a task holding ``task_slots`` slots of the account's pool."""
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
    """Spaces call starts by ``interval`` seconds; ``interval=0`` disables pacing.

    ``first_after``: monotonic time before which no call may start (for pool pacing: process start +
    one slot interval).
    """

    def __init__(
        self,
        interval: float = 0.0,
        *,
        first_after: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if interval < 0:
            raise ValueError(f"interval must be >= 0, got {interval}")
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next_allowed = first_after if first_after is not None else float("-inf")

    @classmethod
    def for_pool_task(cls, task_slots: int, margin: float = RATE_MARGIN) -> CallPacer:
        """The pacer of a task holding ``task_slots`` slots of its account's pool (see module doc)."""
        now = time.monotonic()
        age = process_age()
        started = now - age if age is not None else now  # unknown: count from now (later is safe)
        return cls(slot_interval(task_slots, margin), first_after=started + slot_interval(1, margin))

    def wait_time(self) -> float:
        """Seconds to wait before the next call may start."""
        return max(0.0, self._next_allowed - self._clock())

    def before_call(self) -> float:
        """Block until the next call may start; return the time waited."""
        delay = self.wait_time()
        if delay > 0:
            log.debug("Pacing: waiting %.3f s before the next CAMS call", delay)
            self._sleep(delay)
        return delay

    def after_call(self) -> None:
        """Record that a call just returned (or failed): the next may start ``interval`` from now."""
        self._next_allowed = max(self._next_allowed, self._clock() + self.interval)
