"""Pacing of CAMS calls so that a pool slot means a share of the account's rate.

A task holding ``k`` slots of an ``N``-slot pool dedicated to an account limited to ``R`` calls/s
owns ``k * R / N`` calls/s: successive call starts inside the task are spaced by ``N / (k * R)``
seconds, and the task does not give its slot back until that long after its last call started
(:meth:`CallPacer.release`). Any 1 s window then holds at most ``R`` call starts across the pool.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class CallPacer:
    """Spaces call starts by ``interval`` seconds; ``interval=0`` disables pacing."""

    def __init__(
        self,
        interval: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if interval < 0:
            raise ValueError(f"interval must be >= 0, got {interval}")
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last_start: float | None = None

    def wait_time(self) -> float:
        """Seconds to wait before the next call may start."""
        if self._last_start is None or self.interval <= 0:
            return 0.0
        return max(0.0, self._last_start + self.interval - self._clock())

    def before_call(self) -> None:
        """Block until the next call may start, then mark its start."""
        delay = self.wait_time()
        if delay > 0:
            log.debug("Pacing: waiting %.3f s before the next CAMS call", delay)
            self._sleep(delay)
        self.mark_call()

    def mark_call(self) -> None:
        """Record that a call starts now (async callers wait :meth:`wait_time` themselves)."""
        self._last_start = self._clock()

    def release(self) -> float:
        """Block until the last call's share of the slot is used up; return the time waited."""
        delay = self.wait_time()
        if delay > 0:
            log.info("Holding the pool slot %.2f s more to keep the account's call rate", delay)
            self._sleep(delay)
        return delay
