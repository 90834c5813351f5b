"""The pacing argument of airflow_provider_cams.utils.rate, checked by simulation and on the real pacer.

A model pool hands slots to tasks in any order, with any start-up, work, call latency and hand-over
delays (hypothesis picks them); every task paces with a real CallPacer (built by ``for_slots``, as in a
task) on a simulated clock. Whatever the schedule, no 1 s window may hold more calls than the pool has
slots. Each mutation of the rules (pacing off, the window counted from call starts, no first-call
rule, a window one call too wide, no margin) must break that bound on some schedule, so the check
can fail.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_cams.utils.rate import RATE_MARGIN, CallPacer, pool_size, slot_interval


@dataclass
class Task:
    slots: int
    calls: int
    startup: float  # process start -> first call attempt
    gaps: list[float]  # work between calls
    teardown: float  # last call -> slot freed
    durations: list[float]  # call start -> return (the first call of a process is slow: SDK set-up)
    arrival: float  # where between start and return the call reaches the server (0..1)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


# (slots, process start, clock) -> the pacer a task uses
PacerFactory = Callable[[int, float, Clock], CallPacer]


def real_rules(k: int, started: float, clock: Clock) -> CallPacer:
    return CallPacer.for_slots(k, started, clock=clock, sleep=clock.sleep)


def unpaced(k: int, started: float, clock: Clock) -> CallPacer:
    return CallPacer(clock=clock, sleep=clock.sleep)


class FromStartPacer(CallPacer):
    """Mutation: the window counts from call *starts*, not returns."""

    def before_call(self) -> float:
        waited = super().before_call()
        self._started = self._clock()
        return waited

    def after_call(self) -> None:
        self._returns.append(self._started)


def from_start(k: int, started: float, clock: Clock) -> CallPacer:
    i = slot_interval(1)
    return FromStartPacer(i, window=k, first_after=started + i, clock=clock, sleep=clock.sleep)


def no_first_rule(k: int, started: float, clock: Clock) -> CallPacer:
    return CallPacer(slot_interval(1), window=k, clock=clock, sleep=clock.sleep)


def window_too_wide(k: int, started: float, clock: Clock) -> CallPacer:
    return CallPacer.for_slots(k + 1, started, clock=clock, sleep=clock.sleep)


def no_margin(k: int, started: float, clock: Clock) -> CallPacer:
    return CallPacer.for_slots(k, started, margin=0.0, clock=clock, sleep=clock.sleep)


def simulate(pool: int, tasks: list[Task], handover: list[float], make_pacer: PacerFactory) -> list[float]:
    """Server arrival times of the calls of ``tasks``, run in FIFO order through a ``pool``-slot pool."""
    free_at = [0.0] * pool  # heap of the times each slot becomes free
    heapq.heapify(free_at)
    calls: list[float] = []
    for i, task in enumerate(tasks):
        k = min(task.slots, pool)
        granted = max(heapq.heappop(free_at) for _ in range(k))  # waits for its k slots
        clock = Clock()
        clock.now = granted + handover[i % len(handover)]  # the task's process starts after the grant
        pacer = make_pacer(k, clock.now, clock)
        clock.sleep(task.startup)
        for n in range(task.calls):
            pacer.before_call()
            duration = task.durations[n % len(task.durations)]
            calls.append(clock.now + task.arrival * duration)  # what the server sees
            clock.sleep(duration)
            pacer.after_call()
            if n < task.calls - 1:
                clock.sleep(task.gaps[n % len(task.gaps)])
        clock.sleep(task.teardown)
        for _ in range(k):
            heapq.heappush(free_at, clock.now)
    return sorted(calls)


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Most calls in any closed window of ``window`` seconds."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] > window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


# The server counts arrivals in 1 s windows; checking a slightly longer closed window (most of the
# margin) shows the margin is really there for the server's clock and window edges.
CHECKED_WINDOW = 1.0 + RATE_MARGIN * 0.9

tasks_strategy = st.lists(
    st.builds(
        Task,
        slots=st.integers(1, 6),
        calls=st.integers(1, 12),
        startup=st.floats(0, 2),
        gaps=st.lists(st.floats(0, 0.3), min_size=1, max_size=4),
        teardown=st.floats(0, 0.5),
        durations=st.lists(st.floats(0, 0.8), min_size=1, max_size=3),
        arrival=st.floats(0, 1),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    rate=st.sampled_from([1.0, 2.0, 5.0, 7.5, 10.0]),
    tasks=tasks_strategy,
    handover=st.lists(st.floats(0, 0.4), min_size=1, max_size=5),
)
def test_paced_pool_never_exceeds_its_slots_in_any_second(
    rate: float, tasks: list[Task], handover: list[float]
) -> None:
    pool = pool_size(rate)
    calls = simulate(pool, tasks, handover, real_rules)
    assert max_in_window(calls, window=CHECKED_WINDOW) <= pool <= rate


# Each mutation and a schedule on which it breaks the bound (the real rules keep it on the same one).
SLOW_FIRST_CALL = [Task(5, 6, 0.0, [0.0], 0.0, [0.8, 0.0, 0.0, 0.0, 0.0, 0.0], 1.0)]
BACK_TO_BACK = [Task(5, 5, 0.0, [0.0], 0.0, [0.0], 0.0) for _ in range(2)]
ONE_BURST = [Task(5, 6, 0.0, [0.0], 0.0, [0.0], 0.0)]
SINGLE_SLOT_TASKS = [Task(1, 2, 0.0, [0.0], 0.0, [0.0], 0.0) for _ in range(5)]
MUTATIONS = {
    "pacing off": (unpaced, ONE_BURST),
    "window from call starts": (from_start, SLOW_FIRST_CALL),
    "no first-call rule": (no_first_rule, BACK_TO_BACK),
    "window one call too wide": (window_too_wide, ONE_BURST),
    "no margin": (no_margin, SINGLE_SLOT_TASKS),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_every_mutation_of_the_rules_is_caught(mutation: str) -> None:
    make_pacer, tasks = MUTATIONS[mutation]
    assert max_in_window(simulate(5, tasks, [0.0], make_pacer), CHECKED_WINDOW) > 5
    assert max_in_window(simulate(5, tasks, [0.0], real_rules), CHECKED_WINDOW) <= 5


def test_the_same_load_unpaced_breaks_the_limit() -> None:
    tasks = [Task(1, 1, 0.05, [0.0], 0.05, [0.01], 0.5) for _ in range(30)]
    assert max_in_window(simulate(5, tasks, [0.1], unpaced)) > 5
    assert max_in_window(simulate(5, tasks, [0.1], real_rules)) <= 5


def test_a_task_holding_the_pool_runs_at_the_full_rate_less_one_latency_per_window() -> None:
    # 500 calls of 10 ms each from a task holding all 5 slots: 5 calls per (I + 10 ms), on a model clock.
    latency = 0.01
    calls = simulate(5, [Task(5, 500, 0.0, [0.0], 0.0, [latency], 0.0)], [0.0], real_rules)
    interval = slot_interval(1)
    assert calls[0] == pytest.approx(interval)  # the first-call rule
    # group g of 5 calls starts at I + g * (I + latency); within a group the calls follow each other
    assert calls[-1] - calls[0] == pytest.approx(99 * (interval + latency) + 4 * latency)
    assert 500 / (calls[-1] - calls[0] + interval) / 5 > 0.95
    assert max_in_window(calls, CHECKED_WINDOW) == 5


def test_pool_size_and_intervals() -> None:
    assert [pool_size(r) for r in (1, 4.9, 5, 7.5)] == [1, 4, 5, 7]
    assert slot_interval(1) == pytest.approx(1.02)
    assert slot_interval(5) == pytest.approx(0.204)


def test_pacer_waits_from_first_after_then_spaces_calls_from_their_return() -> None:
    clock = Clock()
    pacer = CallPacer(0.5, first_after=1.0, clock=clock, sleep=clock.sleep)
    starts = []
    for duration in (0.25, 0.0, 0.0):
        pacer.before_call()
        starts.append(clock.now)
        clock.sleep(duration)
        pacer.after_call()
    assert starts == [1.0, 1.75, 2.25]
    clock.sleep(2.0)  # slow work between calls: no extra wait
    assert pacer.before_call() == 0.0


def test_windowed_pacer_lets_k_calls_through_then_waits_for_the_oldest_return() -> None:
    clock = Clock()
    pacer = CallPacer(1.0, window=3, first_after=0.5, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(7):
        pacer.before_call()
        starts.append(clock.now)
        clock.sleep(0.1)
        pacer.after_call()
    # calls 0-2 one after another; call 3 waits for 1.0 after call 0 returned (0.6), and so on
    assert starts == pytest.approx([0.5, 0.6, 0.7, 1.6, 1.7, 1.8, 2.7])
    assert pacer.rate == pytest.approx(3.0)


def test_pacer_rejects_a_bad_window() -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="window"):
            CallPacer(1.0, window=bad)  # type: ignore[arg-type]


def test_unpaced_pacer_never_waits() -> None:
    pacer = CallPacer()
    assert [pacer.before_call() for _ in range(3)] == [0.0, 0.0, 0.0]


def test_process_age_is_known_on_linux() -> None:
    from airflow_provider_cams.utils.rate import process_age

    age = process_age()
    assert age is not None and 0 <= age < 24 * 3600
