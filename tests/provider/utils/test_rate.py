"""The pacing argument of airflow_provider_cams.utils.rate, checked by simulation and on the real pacer.

A model pool hands slots to tasks in any order, with any start-up, work and hand-over delays
(hypothesis picks them); every task paces with a real CallPacer on a simulated clock. Whatever the
schedule, no 1 s window may hold more calls than the pool has slots. The same model with pacing off
must break that bound, so the check can fail.
"""

from __future__ import annotations

import heapq
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


def simulate(pool: int, tasks: list[Task], handover: list[float], paced: bool) -> list[float]:
    """Call start times of ``tasks`` run in FIFO order through a ``pool``-slot pool."""
    free_at = [0.0] * pool  # heap of the times each slot becomes free
    heapq.heapify(free_at)
    calls: list[float] = []
    for i, task in enumerate(tasks):
        k = min(task.slots, pool)
        granted = max(heapq.heappop(free_at) for _ in range(k))  # waits for its k slots
        clock = Clock()
        clock.now = granted + handover[i % len(handover)]  # the task's process starts after the grant
        interval = slot_interval(k) if paced else 0.0
        first = clock.now + slot_interval(1) if paced else None
        pacer = CallPacer(interval, first_after=first, clock=clock, sleep=clock.sleep)
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
    """Most call starts in any closed window of ``window`` seconds."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] > window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


tasks_strategy = st.lists(
    st.builds(
        Task,
        slots=st.integers(1, 6),
        calls=st.integers(1, 6),
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
    calls = simulate(pool, tasks, handover, paced=True)
    # The server counts arrivals; the margin is left over for its clock and window edges.
    assert max_in_window(calls, window=1.0 + RATE_MARGIN * 0.9) <= pool <= rate


def test_the_same_load_unpaced_breaks_the_limit() -> None:
    tasks = [Task(1, 1, 0.05, [0.0], 0.05, [0.01], 0.5) for _ in range(30)]
    assert max_in_window(simulate(5, tasks, [0.1], paced=False)) > 5
    assert max_in_window(simulate(5, tasks, [0.1], paced=True)) <= 5


def test_pool_size_and_intervals() -> None:
    assert [pool_size(r) for r in (1, 4.9, 5, 7.5)] == [1, 4, 5, 7]
    assert slot_interval(1) == pytest.approx(1.05)
    assert slot_interval(5) == pytest.approx(0.21)


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


def test_unpaced_pacer_never_waits() -> None:
    pacer = CallPacer()
    assert [pacer.before_call() for _ in range(3)] == [0.0, 0.0, 0.0]


def test_process_age_is_known_on_linux() -> None:
    from airflow_provider_cams.utils.rate import process_age

    age = process_age()
    assert age is not None and 0 <= age < 24 * 3600
