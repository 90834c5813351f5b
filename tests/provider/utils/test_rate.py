"""The pacing argument of airflow_provider_cams.utils.rate, checked by simulation and on the real pacer.

A model pool hands slots to tasks in any order, with any start-up, work, call latency and hand-over
delays (hypothesis picks them); every task calls a mix of APIs and paces with a real CallPacer (built
by ``for_slots`` from a RateBudget, as in a task) on a simulated clock. Whatever the schedule, no 1 s
window may hold more calls of one API than that API's limit (per-API budgets), or more calls in all
than the shared limit (the shared switch). Each mutation of the rules (pacing off, the window counted
from call starts, no first-call rule, a window one call too wide, no margin, a slot's share of an API
not divided by the pool, the shared switch ignored) must break that bound on some schedule, so the
check can fail.
"""

from __future__ import annotations

import heapq
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_cams.utils.rate import (
    RATE_MARGIN,
    CallPacer,
    RateBudget,
    pool_size,
    slot_interval,
)


@dataclass
class Task:
    slots: int
    calls: int
    startup: float  # process start -> first call attempt
    gaps: list[float]  # work between calls
    teardown: float  # last call -> slot freed
    durations: list[float]  # call start -> return (the first call of a process is slow: SDK set-up)
    arrival: float  # where between start and return the call reaches the server (0..1)
    apis: tuple[str, ...] = ("A",)  # the APIs of its calls, in turn


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


# (slots, process start, clock, budget) -> the pacer a task uses
PacerFactory = Callable[[int, float, Clock, RateBudget], CallPacer]
Call = tuple[float, str]  # (server arrival, API)


def real_rules(k: int, started: float, clock: Clock, budget: RateBudget) -> CallPacer:
    return CallPacer.for_slots(k, started, budget=budget, clock=clock, sleep=clock.sleep)


def unpaced(k: int, started: float, clock: Clock, budget: RateBudget) -> CallPacer:
    return CallPacer(clock=clock, sleep=clock.sleep)


class FromStartPacer(CallPacer):
    """Mutation: the window counts from call *starts*, not returns."""

    def before_call(self, action: str | None = None) -> float:
        waited = super().before_call(action)
        self._started = self._clock()
        return waited

    def after_call(self, action: str | None = None) -> None:
        super().after_call(action)
        self._returns[self._key(action)][-1] = self._started


def from_start(k: int, started: float, clock: Clock, budget: RateBudget) -> CallPacer:
    i = slot_interval(1)
    return FromStartPacer(i, window=k, first_after=started + i, budget=budget, clock=clock, sleep=clock.sleep)


def no_first_rule(k: int, started: float, clock: Clock, budget: RateBudget) -> CallPacer:
    return CallPacer(slot_interval(1), window=k, budget=budget, clock=clock, sleep=clock.sleep)


def window_too_wide(k: int, started: float, clock: Clock, budget: RateBudget) -> CallPacer:
    return CallPacer.for_slots(k + 1, started, budget=budget, clock=clock, sleep=clock.sleep)


def no_margin(k: int, started: float, clock: Clock, budget: RateBudget) -> CallPacer:
    return CallPacer.for_slots(k, started, margin=0.0, budget=budget, clock=clock, sleep=clock.sleep)


class WholeLimitPerSlot(RateBudget):
    """Mutation: every slot may spend an API's whole limit (``floor(L_A)``, not ``floor(L_A / N)``)."""

    def per_slot(self, action: str | None) -> int:
        return math.floor(self.limits[action]) if action in self.limits else 1


def whole_limit_per_slot(k: int, started: float, clock: Clock, budget: RateBudget) -> CallPacer:
    return real_rules(k, started, clock, WholeLimitPerSlot(budget.limits))


def shared_ignored(k: int, started: float, clock: Clock, budget: RateBudget) -> CallPacer:
    """Mutation: the shared switch is ignored, each API paced on its own at the shared limit."""
    per_api = RateBudget(dict.fromkeys("ABCD", budget.shared or 1.0))
    return real_rules(k, started, clock, per_api)


def simulate(
    pool: int, tasks: list[Task], handover: list[float], make_pacer: PacerFactory, budget: RateBudget
) -> list[Call]:
    """Server arrivals of the calls of ``tasks``, run in FIFO order through a ``pool``-slot pool."""
    free_at = [0.0] * pool  # heap of the times each slot becomes free
    heapq.heapify(free_at)
    calls: list[Call] = []
    for i, task in enumerate(tasks):
        k = min(task.slots, pool)
        granted = max(heapq.heappop(free_at) for _ in range(k))  # waits for its k slots
        clock = Clock()
        clock.now = granted + handover[i % len(handover)]  # the task's process starts after the grant
        pacer = make_pacer(k, clock.now, clock, budget)
        clock.sleep(task.startup)
        for n in range(task.calls):
            api = task.apis[n % len(task.apis)]
            pacer.before_call(api)
            duration = task.durations[n % len(task.durations)]
            calls.append((clock.now + task.arrival * duration, api))  # what the server sees
            clock.sleep(duration)
            pacer.after_call(api)
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


def peaks(calls: list[Call], window: float = 1.0) -> dict[str, int]:
    """Most calls of each API in any closed window, and of all APIs together (key ``*``)."""
    by_api: dict[str, list[float]] = defaultdict(list)
    for t, api in calls:
        by_api[api].append(t)
    found = {api: max_in_window(times, window) for api, times in by_api.items()}
    found["*"] = max_in_window([t for t, _ in calls], window)
    return found


def over_limit(calls: list[Call], budget: RateBudget, window: float) -> dict[str, tuple[int, float]]:
    """The budgets some window broke: API (or ``*`` for the shared one) -> (peak, limit)."""
    seen = peaks(calls, window)
    if budget.shared is not None:
        limits = {"*": float(budget.slots)}
    else:
        limits = {api: budget.limits[api] for api in seen if api != "*"}
    return {api: (seen[api], limit) for api, limit in limits.items() if seen[api] > limit}


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
        apis=st.lists(st.sampled_from("ABCD"), min_size=1, max_size=5).map(tuple),
    ),
    min_size=1,
    max_size=40,
)
# Four APIs with their own limits: two at the flow APIs' 5/s (or another smallest limit), one a few
# times higher, one far higher (like SendChatappMessage's 250/s).
budgets_strategy = st.one_of(
    st.builds(
        lambda low, mid, high: RateBudget({"A": low, "B": low, "C": mid, "D": high}),
        low=st.sampled_from([1.0, 2.0, 5.0, 7.5]),
        mid=st.sampled_from([7.5, 10.0, 12.0, 50.0]),
        high=st.sampled_from([50.0, 250.0]),
    ),
    st.builds(lambda r: RateBudget(shared=r), st.sampled_from([1.0, 2.0, 5.0, 7.5, 10.0])),
)


@settings(max_examples=300, deadline=None)
@given(
    budget=budgets_strategy,
    tasks=tasks_strategy,
    handover=st.lists(st.floats(0, 0.4), min_size=1, max_size=5),
)
def test_paced_pool_keeps_every_api_within_its_own_limit_in_any_second(
    budget: RateBudget, tasks: list[Task], handover: list[float]
) -> None:
    calls = simulate(budget.pool_slots, tasks, handover, real_rules, budget)
    assert over_limit(calls, budget, CHECKED_WINDOW) == {}


# Each mutation and a schedule on which it breaks the bound (the real rules keep it on the same one).
FLOW = RateBudget({"A": 5.0, "B": 5.0, "C": 12.0, "D": 250.0})
SHARED = RateBudget(shared=5.0)
SLOW_FIRST_CALL = [Task(5, 6, 0.0, [0.0], 0.0, [0.8, 0.0, 0.0, 0.0, 0.0, 0.0], 1.0)]
BACK_TO_BACK = [Task(5, 5, 0.0, [0.0], 0.0, [0.0], 0.0) for _ in range(2)]
ONE_BURST = [Task(5, 6, 0.0, [0.0], 0.0, [0.0], 0.0)]
SINGLE_SLOT_TASKS = [Task(1, 2, 0.0, [0.0], 0.0, [0.0], 0.0) for _ in range(5)]
HIGH_LIMIT_BURSTS = [Task(1, 3, 0.0, [0.0], 0.0, [0.0], 0.0, ("C",)) for _ in range(5)]
MIXED_APIS = [Task(5, 6, 0.0, [0.0], 0.0, [0.0], 0.0, ("A", "B"))]
MUTATIONS = {
    "pacing off": (unpaced, ONE_BURST, FLOW),
    "window from call starts": (from_start, SLOW_FIRST_CALL, FLOW),
    "no first-call rule": (no_first_rule, BACK_TO_BACK, FLOW),
    "window one call too wide": (window_too_wide, ONE_BURST, FLOW),
    "no margin": (no_margin, SINGLE_SLOT_TASKS, FLOW),
    "a slot's share not divided by the pool": (whole_limit_per_slot, HIGH_LIMIT_BURSTS, FLOW),
    "shared switch ignored": (shared_ignored, MIXED_APIS, SHARED),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_every_mutation_of_the_rules_is_caught(mutation: str) -> None:
    make_pacer, tasks, budget = MUTATIONS[mutation]
    pool = budget.pool_slots
    assert over_limit(simulate(pool, tasks, [0.0], make_pacer, budget), budget, CHECKED_WINDOW) != {}
    assert over_limit(simulate(pool, tasks, [0.0], real_rules, budget), budget, CHECKED_WINDOW) == {}


def test_the_same_load_unpaced_breaks_the_limit() -> None:
    tasks = [Task(1, 1, 0.05, [0.0], 0.05, [0.01], 0.5) for _ in range(30)]
    assert over_limit(simulate(5, tasks, [0.1], unpaced, FLOW), FLOW, 1.0) != {}
    assert over_limit(simulate(5, tasks, [0.1], real_rules, FLOW), FLOW, 1.0) == {}


def test_a_task_holding_the_pool_runs_at_the_full_rate_less_one_latency_per_window() -> None:
    # 500 calls of 10 ms each from a task holding all 5 slots: 5 calls per (I + 10 ms), on a model clock.
    latency = 0.01
    calls = simulate(5, [Task(5, 500, 0.0, [0.0], 0.0, [latency], 0.0)], [0.0], real_rules, FLOW)
    times = [t for t, _ in calls]
    interval = slot_interval(1)
    assert times[0] == pytest.approx(interval)  # the first-call rule
    # group g of 5 calls starts at I + g * (I + latency); within a group the calls follow each other
    assert times[-1] - times[0] == pytest.approx(99 * (interval + latency) + 4 * latency)
    assert 500 / (times[-1] - times[0] + interval) / 5 > 0.95
    assert peaks(calls, CHECKED_WINDOW)["A"] == 5


def test_each_api_runs_at_its_own_limit_side_by_side() -> None:
    # One task, the whole pool, three APIs in turn: each at its own 5/s, not a third of one 5/s budget.
    mixed = Task(5, 300, 0.0, [0.0], 0.0, [0.001], 0.0, ("A", "B", "C"))
    found = peaks(simulate(5, [mixed], [0.0], real_rules, FLOW), 1.0)
    assert (found["A"], found["B"], found["C"], found["*"]) == (5, 5, 5, 15)
    # An API with a higher limit: 5 slots x floor(12 / 5) = 10 calls per window.
    only_c = Task(5, 100, 0.0, [0.0], 0.0, [0.001], 0.0, ("C",))
    assert peaks(simulate(5, [only_c], [0.0], real_rules, FLOW), CHECKED_WINDOW)["C"] == 10
    # The shared switch: all APIs together within 5.
    assert peaks(simulate(5, [mixed], [0.0], real_rules, SHARED), CHECKED_WINDOW)["*"] == 5


def test_budget_pool_slots_and_shares() -> None:
    assert FLOW.pool_slots == 5
    assert [FLOW.per_slot(a) for a in ("A", "C", "D", "unknown", None)] == [1, 2, 50, 1, 1]
    assert FLOW.key("A") == "A" and SHARED.key("A") == SHARED.key("B") == "*"
    assert SHARED.pool_slots == 5 and SHARED.per_slot("D") == 1
    assert RateBudget({"A": 7.5, "B": 20.0}).pool_slots == 7


@pytest.mark.parametrize(
    ("limits", "shared", "match"),
    [
        ({}, None, "per-API limits or a shared"),
        ({"A": 0.5}, None, "limit of A"),
        ({}, 0, "limit of"),
        ({"A": True}, None, "A"),
    ],
)
def test_budget_rejects_bad_limits(limits: dict[str, float], shared: float | None, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        RateBudget(limits, shared)


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


# --------------------------------------------------------------------------- the triggerer's shared slots
def test_shared_slots_keep_concurrent_callers_within_the_slots_per_interval() -> None:
    """8 threads, 2 slots: any span shorter than the interval holds at most 2 call starts of one API,
    whatever the machine's speed (a slow machine only spreads the calls further)."""
    import threading

    from airflow_provider_cams.utils.rate import SharedSlotsPacer

    interval = 0.05
    pacer = SharedSlotsPacer(2, budget=RateBudget({"A": 5.0, "B": 5.0}, triggerer_slots=2), interval=interval)
    starts: dict[str, list[float]] = {"A": [], "B": []}
    lock = threading.Lock()

    def caller(api: str) -> None:
        for _ in range(4):
            pacer.before_call(api)
            with lock:
                starts[api].append(time.monotonic())
            pacer.after_call(api)

    threads = [threading.Thread(target=caller, args=("AB"[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for api, times in starts.items():
        assert len(times) == 16
        assert max_in_window(sorted(times), interval * 0.99) <= 2, api  # the slot's return-to-start rule


def test_shared_slots_per_api_and_misuse() -> None:
    from airflow_provider_cams.utils.rate import SharedSlotsPacer

    pacer = SharedSlotsPacer(1, budget=FLOW, interval=60.0)
    assert pacer.before_call("A") == pytest.approx(0.0, abs=0.05)
    assert pacer.before_call("B") == pytest.approx(0.0, abs=0.05), "API B does not wait for A's slot"
    assert pacer.window_for("D") == 50
    with pytest.raises(RuntimeError, match="sync calls only"):
        pacer.wait_time("A")
    pacer.after_call("B")
    with pytest.raises(RuntimeError, match="without before_call"):
        pacer.after_call("A")
    with pytest.raises(ValueError, match="slots"):
        SharedSlotsPacer(0)


def test_triggerer_slots_come_out_of_the_pool() -> None:
    budget = RateBudget({"A": 5.0}, triggerer_slots=4)
    assert (budget.slots, budget.pool_slots, budget.per_slot("A")) == (5, 1, 1)
    assert "4 of 5 slots kept for tasks started in the triggerer" in budget.describe()
    for bad in (5, -1, True):
        with pytest.raises(ValueError, match="triggerer_slots"):
            RateBudget({"A": 5.0}, triggerer_slots=bad)


@pytest.mark.parametrize("threaded", [True, False], ids=["for_threads", "single-caller (control)"])
def test_for_threads_keeps_each_window_whatever_the_threads(threaded: bool) -> None:
    """Eight threads released at once through one task's 2-slot pacer: at no instant do more than 2 calls
    of the API hold a slot (from start to return + interval). The single-caller pacer, shared the same
    way, lets all of them start before any returns (the control: why a batch task needs ``for_threads``)."""
    import threading

    interval, window, threads = 0.05, 2, 8
    single = CallPacer(interval, window=window, budget=RateBudget(limits={"ListFlow": 5.0}))
    pacer = single.for_threads() if threaded else single
    start, in_flight = threading.Barrier(threads), threading.Barrier(threads)
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def call() -> None:
        start.wait()
        for i in range(3):
            pacer.before_call("ListFlow")
            began = time.monotonic()
            if not threaded and i == 0:
                in_flight.wait()  # the control: every first call started before any returned
            time.sleep(0.002)
            returned = time.monotonic()
            pacer.after_call("ListFlow")
            with lock:
                spans.append((began, returned + interval))

    workers = [threading.Thread(target=call) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    held = max(sum(1 for b, e in spans if b <= t < e) for t, _ in spans)
    if threaded:
        assert held == window  # reached, never exceeded
    else:
        assert held > window
