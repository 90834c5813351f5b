"""Pacing of CAMS calls: what makes an Airflow pool a real "no API above its own limit" guarantee.

CAMS limits each API on its own, per account (:mod:`airflow_provider_cams.vendor.limits`): API ``A``
may take ``L_A`` calls per second. The account's pool has ``N = floor(min_A L_A)`` slots; every CAMS
task of the account runs in it. Each slot is worth ``c_A = floor(L_A / N)`` calls *of each API* ``A``
per ``I = 1 + margin`` seconds (``margin`` = ``RATE_MARGIN``, 2 %). A task holding ``k`` slots

1. makes its first call (of any API) no sooner than ``I`` after its own start (its process, or its
   trigger when it starts in the triggerer), and
2. starts call ``j`` of API ``A`` (retries included) no sooner than ``I`` after the call ``k * c_A``
   calls of ``A`` earlier *returned*: at most ``k * c_A`` calls of ``A`` per ``I``-window, measured from
   returns (a sliding window per API; for ``k * c_A = 1`` the next call of ``A`` waits ``I`` after the
   previous one of ``A`` returned). Calls of other APIs do not wait for it.

Why it holds, for each API ``A`` on its own. A call reaches CAMS somewhere between its start and its
return, and a task's calls run one after another, so its calls of ``A`` reach CAMS in order. Rule 2
gives ``arrival(j) >= start(j) >= return(j - k c_A) + I >= arrival(j - k c_A) + I``: any ``k c_A + 1``
consecutive calls of ``A`` span more than ``I`` at the server, so a window shorter than ``I`` holds at
most ``k c_A`` of them. The task starts after the scheduler gave it its slots, hence after the previous
holders of those slots ended, hence after their last calls reached CAMS; with rule 1, a window shorter
than ``I`` never holds calls of both a task and an earlier holder of one of its slots. So in such a
window each slot serves at most one task, each task at most ``k c_A`` calls of ``A``, and the pool at
most ``N c_A = N floor(L_A / N) <= L_A`` calls of ``A``: across DAG runs, DAGs, workers, triggers and
executors, with no clock shared between machines (every rule is a duration on one client clock between
events in causal order). With one shared budget (``shared``: all APIs count as one, limit ``R``) the
same argument runs with one API: ``N = floor(R)``, ``c = 1``.

With a ``rate_store`` on the connection the account's slots live in one store that every process
draws from instead (:mod:`airflow_provider_cams.utils.rate_store`: the same virtual slots as
:class:`SharedSlotsPacer`, shared across processes, with its own proof); the pool then only caps
concurrency.

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
per ``I``-window: a task holding the whole 5-slot pool makes about ``5 / (1.02 + latency)`` calls/s of
each API.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)

DEFAULT_RATE_LIMIT = 5.0  # calls per second per account and flow API, as the vendor documents
RATE_MARGIN = 0.02
SHARED_KEY = "*"  # the one budget every call counts against when APIs are not told apart


def pool_size(rate_limit: float) -> int:
    """Slots of the account's pool: one per call the account may make each second."""
    return max(1, math.floor(rate_limit))


def slot_interval(task_slots: int = 1, margin: float = RATE_MARGIN) -> float:
    """Average seconds per call for a task holding ``task_slots`` slots (``I / k``; ``I`` for one slot)."""
    return (1.0 + margin) / max(1, task_slots)


@dataclass(frozen=True)
class RateBudget:
    """An account's limits as the pacer spends them: calls/s of each API, or one budget shared by all.

    ``limits``: calls/s per API (from :func:`airflow_provider_cams.vendor.limits.account_limits`).
    ``shared``: when set, every call of every API counts against this one limit (the cautious mode).
    """

    limits: Mapping[str, float] = field(default_factory=dict)
    shared: float | None = None
    triggerer_slots: int = 0

    def __post_init__(self) -> None:
        if self.shared is None and not self.limits:
            raise ValueError("a RateBudget needs per-API limits or a shared limit")
        checked = {**self.limits, **({} if self.shared is None else {SHARED_KEY: self.shared})}
        for name, value in checked.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 1:
                raise ValueError(f"the limit of {name} must be a number >= 1 call/s, got {value!r}")
        t = self.triggerer_slots
        if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < self.slots:
            raise ValueError(
                f"triggerer_slots must be a whole number from 0 to {self.slots - 1} (the account has "
                f"{self.slots} slots and the pool keeps at least one), got {t!r}"
            )

    @property
    def slots(self) -> int:
        """``N``: the account's slots, one per call/s of the most limited API (of the shared limit)."""
        return pool_size(self.shared if self.shared is not None else min(self.limits.values()))

    @property
    def pool_slots(self) -> int:
        """Slots of the account's Airflow pool: ``N`` less the ``triggerer_slots`` kept for the triggerer."""
        return self.slots - self.triggerer_slots

    def key(self, action: str | None) -> str:
        """The budget a call of ``action`` counts against."""
        return SHARED_KEY if self.shared is not None or action is None else action

    def per_slot(self, action: str | None) -> int:
        """``c_A = floor(L_A / N)``: calls of ``action`` one slot may make per slot interval."""
        if self.shared is not None or action is None:
            return 1
        # ASSUMED: an API missing from the vendor table allows at least the smallest documented limit,
        # so one call per slot and interval (N calls/s at most) is safe for it.
        limit = self.limits.get(action)
        return 1 if limit is None else max(1, math.floor(limit / self.slots))

    def describe(self) -> str:
        """One log line: what the budget allows."""
        if self.shared is not None:
            text = f"one shared budget of {self.shared:g} calls/s for all APIs"
        else:
            text = f"each API at its own limit, the most limited at {self.slots} calls/s"
        if self.triggerer_slots:
            text += f"; {self.triggerer_slots} of {self.slots} slots kept for tasks started in the triggerer"
        return text


class Pacer(Protocol):
    """What the send pipeline needs of a pacer (:class:`CallPacer`, :class:`SharedSlotsPacer`)."""

    interval: float

    def before_call(self, action: str | None = None) -> float: ...

    def after_call(self, action: str | None = None) -> None: ...

    def wait_time(self, action: str | None = None) -> float: ...


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


def _check_whole(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")


def budget_share(budget: RateBudget | None, slots: int, action: str | None) -> tuple[str, int]:
    """(the budget a call of ``action`` counts against, its calls per interval for ``slots`` slots)."""
    if budget is None:
        return SHARED_KEY, slots
    return budget.key(action), slots * budget.per_slot(action)


def process_started() -> float:
    """Monotonic time this process started (unknown: now, which is later and so safe)."""
    now = time.monotonic()
    age = process_age()
    return now - age if age is not None else now


class CallPacer:
    """At most ``window`` call starts per ``interval`` seconds per budget, counted from the calls' returns.

    Call ``j`` of a budget may start ``interval`` seconds after the call ``window`` calls of that budget
    earlier returned (``window=1``: after the previous one returned); ``interval=0`` disables pacing.
    Without ``budget`` every call counts against one budget; with it, each API has its own, of
    ``window * budget.per_slot(action)`` calls (``window`` is then the task's pool slots).
    ``first_after``: monotonic time before which no call may start (for pool pacing: the task's start
    + one slot interval). For one caller at a time: threads calling side by side use
    :meth:`for_threads`.
    """

    def __init__(
        self,
        interval: float = 0.0,
        *,
        window: int = 1,
        first_after: float | None = None,
        budget: RateBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if interval < 0:
            raise ValueError(f"interval must be >= 0, got {interval}")
        self.interval = interval
        _check_whole("window", window)
        self.window = window
        self.budget = budget
        self._clock = clock
        self._sleep = sleep
        self._first_after = first_after if first_after is not None else float("-inf")
        self._returns: dict[str, deque[float]] = {}  # per budget: its last `window_for` return times

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(interval={self.interval:g}, window={self.window}, budget={self.budget!r})"
        )

    @classmethod
    def for_pool_task(
        cls, task_slots: int, margin: float = RATE_MARGIN, *, budget: RateBudget | None = None
    ) -> CallPacer:
        """The pacer of a task holding ``task_slots`` slots of its account's pool (see module doc)."""
        return cls.for_slots(task_slots, process_started(), margin, budget=budget)

    @classmethod
    def for_slots(
        cls,
        task_slots: int,
        process_started: float,
        margin: float = RATE_MARGIN,
        *,
        budget: RateBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> CallPacer:
        """Rules 1 and 2 of the module doc for ``task_slots`` slots and a task started then."""
        interval = slot_interval(1, margin)
        return cls(
            interval,
            window=max(1, task_slots),
            first_after=process_started + interval,
            budget=budget,
            clock=clock,
            sleep=sleep,
        )

    def window_for(self, action: str | None = None) -> int:
        """Calls of ``action`` allowed per ``interval`` (``k * c_A``)."""
        return budget_share(self.budget, self.window, action)[1]

    def for_threads(self) -> Pacer:
        """This pacer's budget for concurrent callers (threads of one task), e.g. a batch deploy.

        A ``CallPacer`` is for one caller: its rule counts from returns of calls that run one after
        another, and two threads could both find a free place before either call returns. The task's
        ``window`` slots become :class:`SharedSlotsPacer` virtual slots (a call holds one until it
        returns, and it frees ``interval`` later), with the same start (``first_after``) and budget:
        the same calls per window of each API, whatever the number of threads. Off (``interval=0``)
        stays off.
        """
        if self.interval <= 0:
            return CallPacer(0.0, first_after=self._first_after, clock=self._clock, sleep=self._sleep)
        return SharedSlotsPacer(
            self.window,
            budget=self.budget,
            interval=self.interval,
            first_after=self._first_after,
            clock=self._clock,
        )

    def rate_for(self, action: str | None = None) -> float:
        """Calls per second of ``action`` this pacer allows at most (infinite when off)."""
        return self.window_for(action) / self.interval if self.interval > 0 else math.inf

    @property
    def rate(self) -> float:
        """Calls per second allowed of a call without an API name (infinite when off)."""
        return self.rate_for(None)

    def _key(self, action: str | None) -> str:
        return budget_share(self.budget, self.window, action)[0]

    def next_allowed(self, action: str | None = None) -> float:
        """Monotonic time at which the next call of ``action`` may start."""
        if self.interval <= 0:
            return self._first_after
        returns = self._returns.get(self._key(action))
        if returns is None or len(returns) < self.window_for(action):
            return self._first_after
        return max(self._first_after, returns[0] + self.interval)

    def wait_time(self, action: str | None = None) -> float:
        """Seconds to wait before the next call of ``action`` may start."""
        return max(0.0, self.next_allowed(action) - self._clock())

    def before_call(self, action: str | None = None) -> float:
        """Block until the next call of ``action`` may start; return the time waited."""
        delay = self.wait_time(action)
        if delay > 0:
            log.debug("Pacing: waiting %.3f s before the next CAMS call (%s)", delay, action or "any API")
            self._sleep(delay)
        return delay

    def after_call(self, action: str | None = None) -> None:
        """Record that a call of ``action`` just returned (or failed); it counts for ``interval``."""
        key = self._key(action)
        returns = self._returns.get(key)
        if returns is None:
            returns = self._returns[key] = deque(maxlen=self.window_for(action))
        returns.append(self._clock())


class SharedSlotsPacer:
    """One pacer for many concurrent callers (threads): the account's ``triggerer_slots`` in the triggerer,
    or one task's pool slots shared by its threads (:meth:`CallPacer.for_threads`).

    Tasks started in the triggerer never pass the scheduler's pool check (Airflow defers them straight
    from ``DagRun.schedule_tis``), so they cannot use pool slots; instead the account keeps ``slots``
    of its ``N`` slots out of the pool (``cams-pool`` provisions ``N - slots``) and every trigger of the
    account in this process shares them here. Each slot is a *virtual task* holding one slot for the
    process's whole life: a call of API ``A`` takes one of the ``slots * c_A`` virtual slots of ``A``
    that is free, holds it until it returns, and frees it ``interval`` after its return; no slot is free
    before ``first_after`` (this process's start + one interval: a restarted triggerer never overlaps the
    previous one's calls). On each virtual slot the calls follow each other ``interval`` apart from
    return to start, so a window shorter than ``interval`` holds at most ``slots * c_A`` calls of ``A``,
    and with the pool's ``N - slots`` at most ``N c_A <= L_A``: the module doc's argument, per slot.
    Sync calls only (each call's ``before_call`` and ``after_call`` run in one thread).
    """

    def __init__(
        self,
        slots: int,
        *,
        budget: RateBudget | None = None,
        interval: float = slot_interval(1),
        first_after: float = float("-inf"),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        _check_whole("slots", slots)
        self.slots = slots
        self.budget = budget
        self.interval = interval
        self._first_after = first_after
        self._clock = clock
        self._cond = threading.Condition()
        self._free_at: dict[str, list[float]] = {}  # per budget: when each virtual slot is free (inf: busy)
        self._held = threading.local()  # the (budget, slot) the current thread's call holds

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(slots={self.slots}, interval={self.interval:g}, budget={self.budget!r})"
        )

    def window_for(self, action: str | None = None) -> int:
        """Calls of ``action`` allowed per ``interval`` across all callers (``slots * c_A``)."""
        return budget_share(self.budget, self.slots, action)[1]

    def _key(self, action: str | None) -> str:
        return budget_share(self.budget, self.slots, action)[0]

    def before_call(self, action: str | None = None) -> float:
        """Block until a virtual slot of ``action`` is free and take it; return the time waited."""
        key = self._key(action)
        began = self._clock()
        with self._cond:
            free_at = self._free_at.setdefault(key, [self._first_after] * self.window_for(action))
            while True:
                index = min(range(len(free_at)), key=free_at.__getitem__)
                delay = free_at[index] - self._clock()
                if delay <= 0:
                    free_at[index] = math.inf
                    break
                self._cond.wait(None if math.isinf(delay) else delay)
        self._held.slot = (key, index)
        return self._clock() - began

    def after_call(self, action: str | None = None) -> None:
        """The call this thread holds a slot for returned (or failed): free the slot one interval on."""
        held = getattr(self._held, "slot", None)
        if held is None:
            raise RuntimeError("after_call without before_call in this thread")
        self._held.slot = None
        key, index = held
        with self._cond:
            self._free_at[key][index] = self._clock() + self.interval
            self._cond.notify_all()

    def wait_time(self, action: str | None = None) -> float:
        """Not offered: an async call would not hold its slot (use the sync path in a thread)."""
        raise RuntimeError("SharedSlotsPacer paces sync calls only; run the hook's method in a thread")


_TRIGGERER_PACERS: dict[str, SharedSlotsPacer] = {}
_TRIGGERER_LOCK = threading.Lock()


def triggerer_pacer(account: str, budget: RateBudget) -> SharedSlotsPacer:
    """The one pacer of ``account``'s ``triggerer_slots`` in this (triggerer) process, made on first use.

    Kept for the process's life: a changed connection (limits, ``triggerer_slots``) applies after the
    triggerer restarts (logged), so two pacers never spend one account's slots side by side.
    """
    with _TRIGGERER_LOCK:
        pacer = _TRIGGERER_PACERS.get(account)
        if pacer is None:
            pacer = SharedSlotsPacer(
                budget.triggerer_slots, budget=budget, first_after=process_started() + slot_interval(1)
            )
            _TRIGGERER_PACERS[account] = pacer
        elif pacer.budget != budget:
            log.warning(
                "The rate settings of account %r changed; this triggerer keeps pacing with the ones it "
                "started with until it restarts.",
                account,
            )
        return pacer
