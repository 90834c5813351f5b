"""The shared rate store (airflow_provider_cams.utils.rate_store): its rule by simulation and mutation, and
both stores for real (file: several processes on one store; redis: a real redis-server on 127.0.0.1).

The simulation runs the store's own acquire/release rule (``_take`` / ``_give_back``) on a simulated
clock for callers with any call durations, arrival points, release delays and crashes (hypothesis picks
them): on each budget no window shorter than ``I`` may hold more than the budget's slots of arrivals.
Each mutation of the rule (no lease, release stamped at the call's start, free_at without ``I``, a lease
without ``I``, one slot too many) must break that bound on some schedule, so the check can fail.
"""

from __future__ import annotations

import asyncio
import heapq
import multiprocessing
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_cams.utils.rate import RateBudget
from airflow_provider_cams.utils.rate_store import (
    FileRateStore,
    RateStoreError,
    RedisRateStore,
    StorePacer,
    Taken,
    _give_back,
    _take,
    check_store_url,
    open_store,
    redacted,
)
from tests.harness.airflow_stack import free_port

I = 1.02  # noqa: E741 - the slot interval of the module doc
TIMEOUT = 3.0  # a call's client timeout in the simulation: it reaches the server within it


# ------------------------------------------------------------------------------ the rule, simulated
class SimStore:
    """The store's rule on a simulated clock (one budget); subclasses are the mutations."""

    slots_extra = 0

    def __init__(self, slots: int) -> None:
        self.table: list[list[Any]] = [[0.0, None, 0.0] for _ in range(slots + self.slots_extra)]
        self.started: dict[str, float] = {}

    def take(self, now: float, holder: str, lease: float) -> Taken:
        taken = _take(self.table, now, holder, lease)
        if taken.index is not None:
            self.started[holder] = now
        return taken

    def give_back(self, index: int, now: float, holder: str) -> None:
        _give_back(self.table[index], now, holder, I)


class NoLease(SimStore):
    def take(self, now: float, holder: str, lease: float) -> Taken:
        taken = super().take(now, holder, lease)
        if taken.index is not None:
            self.table[taken.index][1] = None  # not marked busy: another caller may take it at once
        return taken

    def give_back(self, index: int, now: float, holder: str) -> None:
        self.table[index][:] = [now + I, None, 0.0]


class ReleaseFromStart(SimStore):
    def give_back(self, index: int, now: float, holder: str) -> None:
        if self.table[index][1] == holder:
            self.table[index][:] = [self.started[holder] + I, None, 0.0]


class FreeWithoutInterval(SimStore):
    def give_back(self, index: int, now: float, holder: str) -> None:
        if self.table[index][1] == holder:
            self.table[index][:] = [now, None, 0.0]


class LeaseWithoutInterval(SimStore):
    def take(self, now: float, holder: str, lease: float) -> Taken:
        return super().take(now, holder, lease - I)


class OneSlotTooMany(SimStore):
    slots_extra = 1


@dataclass
class Caller:
    durations: list[float]  # acquire -> return of each call (<= TIMEOUT)
    arrival: float  # where between acquire and return a call reaches the server (0..1)
    release_delay: float  # return -> release
    crash_at: int | None  # the call after which the caller dies without releasing


def simulate(callers: list[Caller], slots: int, store: SimStore) -> list[float]:
    """Arrival times at the server of every call, callers running side by side."""
    arrivals: list[float] = []
    events: list[tuple[float, int, int, str]] = [(0.0, i, 0, "try") for i in range(len(callers))]
    heapq.heapify(events)
    held: dict[int, tuple[int, str]] = {}
    while events:
        now, who, call, what = heapq.heappop(events)
        caller = callers[who]
        if what == "try":
            holder = f"{who}.{call}"
            taken = store.take(now, holder, TIMEOUT + I)
            if taken.index is None:
                heapq.heappush(events, (now + taken.wait, who, call, "try"))
                continue
            held[who] = (taken.index, holder)
            d = caller.durations[call]
            arrivals.append(now + caller.arrival * d)
            if caller.crash_at == call:
                continue  # dies holding the slot: never releases
            heapq.heappush(events, (now + d + caller.release_delay, who, call, "release"))
        else:
            index, holder = held.pop(who)
            store.give_back(index, now, holder)
            if call + 1 < len(caller.durations):
                heapq.heappush(events, (now, who, call + 1, "try"))
    return sorted(arrivals)


def most_in_a_window(arrivals: list[float], window: float = I) -> int:
    """The most arrivals in any window shorter than ``window`` (1e-9: float noise)."""
    best, first = 0, 0
    for last, t in enumerate(arrivals):
        while t - arrivals[first] >= window - 1e-9:
            first += 1
        best = max(best, last - first + 1)
    return best


callers_st = st.lists(
    st.builds(
        Caller,
        durations=st.lists(st.floats(0.0, TIMEOUT), min_size=1, max_size=5),
        arrival=st.floats(0.0, 1.0),
        release_delay=st.floats(0.0, 0.5),
        crash_at=st.none() | st.integers(0, 4),
    ),
    min_size=1,
    max_size=9,
)


@settings(max_examples=150, deadline=None)
@given(callers=callers_st, slots=st.integers(1, 5))
def test_store_rule_keeps_any_window_shorter_than_the_interval_within_the_slots(
    callers: list[Caller], slots: int
) -> None:
    arrivals = simulate(callers, slots, SimStore(slots))
    assert most_in_a_window(arrivals) <= slots


def _burst(n: int, duration: float = 0.01, arrival: float = 1.0, **kw: Any) -> list[Caller]:
    return [Caller([duration] * 3, arrival, 0.0, None, **kw) for _ in range(n)]


# Each mutation and a schedule on which it breaks the bound (the real rule keeps it on the same one).
MUTATIONS: dict[str, tuple[type[SimStore], list[Caller], int]] = {
    # slow calls that reach the server at their end: without busy, a second caller takes the slot
    "no lease": (NoLease, _burst(2, duration=0.9), 1),
    # a long call stamped free from its start: the next one goes right after its late arrival
    "release stamped at start": (ReleaseFromStart, [Caller([1.5, 0.0], 1.0, 0.0, None)], 1),
    "free_at without I": (FreeWithoutInterval, _burst(2), 1),
    # a crashed holder whose call arrives at its timeout: without I, the next call follows at once
    "lease without I": (
        LeaseWithoutInterval,
        [Caller([TIMEOUT], 1.0, 0.0, 0), Caller([0.0] * 2, 0.0, 0.0, None)],
        1,
    ),
    "one slot too many": (OneSlotTooMany, _burst(3), 2),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_every_mutation_of_the_store_rule_is_caught(mutation: str) -> None:
    mutant, callers, slots = MUTATIONS[mutation]
    assert most_in_a_window(simulate(callers, slots, SimStore(slots))) <= slots
    assert most_in_a_window(simulate(callers, slots, mutant(slots))) > slots


def test_a_crashed_holders_slot_comes_back_after_its_lease() -> None:
    store = SimStore(1)
    assert store.take(0.0, "dead", 2.0).index == 0
    assert store.take(1.9, "next", 2.0) == Taken(None, 0.05)  # busy: poll
    assert store.take(2.0, "next", 2.0).index == 0
    store.give_back(0, 2.5, "dead")  # a late release of the dead holder changes nothing
    assert store.table[0][1] == "next"


# ------------------------------------------------------------------------------ configuration
@pytest.mark.parametrize(
    "url",
    [
        "file:///var/lib/cams-rate",
        "redis://127.0.0.1:6379/0",
        "rediss://user:pw@redis.example:6380",
        "redis://h",
    ],
)
def test_store_urls_accepted(url: str) -> None:
    assert check_store_url(url) == url


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("/var/lib/cams", "scheme"),
        ("memcached://h:1", "scheme"),
        ("file://host/dir", "absolute directory and no host"),
        ("file:relative", "absolute directory"),
        ("redis://:secret@/0", "needs a host"),
        ("redis://h:99999/0", "valid port"),
        ("redis://h:6379/zero", "database number"),
    ],
)
def test_bad_store_urls_say_what_to_write(url: str, match: str) -> None:
    with pytest.raises(ValueError, match=match) as info:
        check_store_url(url)
    assert "secret" not in str(info.value)


def test_a_redis_password_never_shows() -> None:
    url = "redis://user:s3cret@127.0.0.1:1/0"
    assert "s3cret" not in redacted(url) and "s3cret" not in repr(RedisRateStore(url, "acct"))
    with pytest.raises(RateStoreError) as info:  # nothing listens on port 1
        RedisRateStore(url, "acct").acquire("A", 1, "h", 1.0, I)
    assert "s3cret" not in str(info.value) and "cannot be used" in str(info.value)


def test_an_unwritable_file_store_is_a_clear_error(tmp_path: Any) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(RateStoreError, match="make it a directory"):
        FileRateStore(str(blocker / "sub"), "acct").acquire("A", 1, "h", 1.0, I)


# ------------------------------------------------------------------------------ the real stores
BUDGET = RateBudget({"A": 5.0, "B": 10.0})  # N = 5 slots; A: 5 per interval, B: 10
FAST = 0.2  # a short interval keeps the real tests fast; the rule does not depend on its length


def _hammer(url: str, account: str, calls: int, stamps: Any, seed: int) -> None:
    """One process: ``calls`` calls of A through the store pacer, each stamped while it holds its slot."""
    import random

    rng = random.Random(seed)
    pacer = StorePacer(open_store(url, account), BUDGET, lease=5.0, interval=FAST)
    for _ in range(calls):
        pacer.before_call("A")
        time.sleep(rng.uniform(0, 0.01))
        stamps.put(time.monotonic())  # the "server" arrival: between acquire and release
        time.sleep(rng.uniform(0, 0.01))
        pacer.after_call("A")


def _run_processes(url: str, account: str, processes: int = 4, calls: int = 8) -> list[float]:
    ctx = multiprocessing.get_context("fork")
    stamps = ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(url, account, calls, stamps, i)) for i in range(processes)]
    for p in procs:
        p.start()
    got = [stamps.get(timeout=60) for _ in range(processes * calls)]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return sorted(got)


def _crash_holder(url: str, account: str) -> None:
    pacer = StorePacer(open_store(url, account), BUDGET, lease=0.5, interval=FAST)
    pacer.before_call("shared-test")  # an API not in the table: one slot per N
    os._exit(0)  # dies holding the slot


def _check_crash_recovery(url: str, account: str) -> None:
    """Every slot of one budget held by crashed processes: none is free until their leases end."""
    ctx = multiprocessing.get_context("fork")
    began = time.monotonic()
    holders = [ctx.Process(target=_crash_holder, args=(url, account)) for _ in range(5)]
    for p in holders:
        p.start()
    for p in holders:
        p.join(timeout=60)
    store = open_store(url, account)
    taken = store.acquire("shared-test", 5, "next", 1.0, FAST)
    assert taken.index is None  # all five held by dead processes
    deadline = time.monotonic() + 30
    while (taken := store.acquire("shared-test", 5, "next", 1.0, FAST)).index is None:
        assert time.monotonic() < deadline
        time.sleep(taken.wait)
    # each lease is 0.5 s + the interval from its holder's acquire, which came after `began`
    assert time.monotonic() - began >= 0.5 + FAST


def test_file_store_several_processes_never_exceed_the_slots(tmp_path: Any) -> None:
    url = f"file://{tmp_path}"
    arrivals = _run_processes(url, "acct")
    assert len(arrivals) == 32
    assert most_in_a_window(arrivals, FAST) <= 5


def test_file_store_crashed_holders_slots_come_back(tmp_path: Any) -> None:
    _check_crash_recovery(f"file://{tmp_path}", "acct")


def test_file_store_budgets_and_accounts_are_apart(tmp_path: Any) -> None:
    store = FileRateStore(str(tmp_path), "acct", clock=lambda: 100.0)
    # a fresh slot is free one interval after it is first seen
    assert store.acquire("A", 1, "h", 1.0, FAST) == Taken(None, pytest.approx(FAST))
    later = FileRateStore(str(tmp_path), "acct", clock=lambda: 100.0 + FAST)
    assert later.acquire("A", 1, "h", 1.0, FAST) == Taken(0)
    assert later.acquire("A", 1, "h2", 1.0, FAST).index is None  # busy
    assert (
        FileRateStore(str(tmp_path), "other", clock=lambda: 100.0 + FAST).acquire("A", 1, "h", 1, FAST).index
        is None
    )
    assert later.release("A", 0, "h2", FAST) is False  # not its holder
    assert later.release("A", 0, "h", FAST) is True
    assert sorted(os.listdir(tmp_path)) == ["cams-rate.acct.A.json", "cams-rate.other.A.json"]


def test_store_pacer_threads_and_asyncio_share_one_budget(tmp_path: Any) -> None:
    """Threads and asyncio tasks of one process: each call holds its own slot until after_call."""
    pacer = StorePacer(open_store(f"file://{tmp_path}", "acct"), BUDGET, lease=5.0, interval=FAST)
    assert pacer.for_threads() is pacer and pacer.window_for("A") == 5 and pacer.window_for("B") == 10
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(3):
            pacer.before_call("A")
            with lock:
                stamps.append(time.monotonic())
            pacer.after_call("A")

    async def task() -> None:
        for _ in range(3):
            while (delay := pacer.wait_time("A")) > 0:
                await asyncio.sleep(delay)
            stamps.append(time.monotonic())
            await asyncio.sleep(0)
            pacer.after_call("A")

    async def tasks() -> None:
        await asyncio.gather(*(task() for _ in range(4)))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    asyncio.run(tasks())
    for t in threads:
        t.join()
    assert len(stamps) == 24
    assert most_in_a_window(sorted(stamps), FAST) <= 5
    with pytest.raises(RuntimeError, match="after_call without a slot"):
        pacer.after_call("A")


# ------------------------------------------------------------------------------ redis (make test-distributed)
@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: Any) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run `make redis` (make test-distributed does)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path_factory.mktemp("redis"),
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline and proc.poll() is None, "redis-server did not start"
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.distributed
def test_redis_store_several_processes_never_exceed_the_slots(redis_url: str) -> None:
    arrivals = _run_processes(redis_url, "acct-hammer")
    assert len(arrivals) == 32
    assert most_in_a_window(arrivals, FAST) <= 5


@pytest.mark.distributed
def test_redis_store_crashed_holders_slots_come_back(redis_url: str) -> None:
    _check_crash_recovery(redis_url, "acct-crash")
