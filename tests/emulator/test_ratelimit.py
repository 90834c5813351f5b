"""The per-AccessKeyId QPS limits (documented: 5 calls/s per flow API and account), max_calls_in_window."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import pytest
from alibabacloud_cams20200606 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.testing.ratelimit import SlidingWindowLimiter, window_for
from airflow_provider_cams.testing.records import max_in_window
from tests.emulator.helpers import (
    AK,
    SK,
    STS2_AK,
    STS2_SK,
    STS2_TOKEN,
    STS_AK,
    STS_SK,
    STS_TOKEN,
    cams_client,
)


class StoppedClock:
    """The emulator's arrival clock, under the test's control: it moves only when told to.

    A burst sent while it stands still arrives, as far as the limiter and the records are concerned, at
    one instant, however long the machine took to send it: the limiter's decisions are then fixed by
    the order of the calls alone, never by the machine's speed or load.
    """

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> StoppedClock:
    return StoppedClock()


@pytest.fixture
def emu(clock: StoppedClock) -> Iterator[CamsEmulator]:
    """The default 5 calls/s limit, two STS identities, arrival stamps from ``clock``."""
    sts = {STS_AK: (STS_SK, STS_TOKEN), STS2_AK: (STS2_SK, STS2_TOKEN)}
    with CamsEmulator(access_key_id=AK, access_key_secret=SK, sts_credentials=sts, clock=clock) as emulator:
        yield emulator


def _burst(emu: CamsEmulator, n: int, **client_kwargs: str) -> list[str]:
    """n sequential ListFlow calls; the Code each ended with."""
    client = cams_client(emu, **client_kwargs)
    codes = []
    for _ in range(n):
        try:
            codes.append(client.list_flow(m.ListFlowRequest()).body.code)
        except ClientException as exc:
            assert (exc.status_code, exc.retry_after) == (400, None)
            assert exc.data["Message"] == "The system is under flow control."
            codes.append(exc.code)
    return codes


def test_burst_of_8_admits_5_then_recovers(emu: CamsEmulator, clock: StoppedClock) -> None:
    codes = _burst(emu, 8)
    assert codes == ["OK"] * 5 + ["System.LimitControl"] * 3
    records = emu.requests()
    assert {r.received_at for r in records} == {clock.now}
    assert [r.throttled for r in records] == [False] * 5 + [True] * 3
    assert [r.admitted for r in records] == [True] * 5 + [False] * 3
    assert emu.max_calls_in_window() == 5
    assert emu.max_calls_in_window(include_rejected=True) == 8

    clock.advance(0.99)  # still inside the first call's window
    assert _burst(emu, 1) == ["System.LimitControl"]
    clock.advance(0.01)  # [t, t + 1 s) is half-open: a full second later the window has moved on
    assert _burst(emu, 5) == ["OK"] * 5


def test_rejected_calls_do_not_consume_quota(emu: CamsEmulator, clock: StoppedClock) -> None:
    emu.set_rate_limit(2)
    assert _burst(emu, 2) == ["OK", "OK"]
    clock.advance(0.5)
    assert _burst(emu, 4) == ["System.LimitControl"] * 4
    # One window after the admitted calls: had the rejected ones (0.5 s later) counted, all would fail.
    clock.advance(0.5)
    assert _burst(emu, 2) == ["OK", "OK"]


def test_no_limit_admits_all(emu: CamsEmulator) -> None:
    emu.set_rate_limit(None)
    assert emu.rate_limit is None
    assert _burst(emu, 8) == ["OK"] * 8
    assert emu.max_calls_in_window() == 8


def test_limit_is_per_access_key_id(emu: CamsEmulator) -> None:
    sts = {"access_key_id": STS_AK, "access_key_secret": STS_SK, "security_token": STS_TOKEN}
    assert _burst(emu, 5) == ["OK"] * 5
    assert _burst(emu, 5, **sts) == ["OK"] * 5
    assert _burst(emu, 1) == ["System.LimitControl"]
    assert _burst(emu, 1, **sts) == ["System.LimitControl"]


def test_concurrent_burst_is_decided_atomically(emu: CamsEmulator) -> None:
    client = cams_client(emu)
    codes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def one() -> None:
        start.wait()
        try:
            code = client.list_flow(m.ListFlowRequest()).body.code
        except ClientException as exc:
            code = exc.code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == ["OK"] * 5 + ["System.LimitControl"] * 7


def test_max_calls_in_window_by_action(free_emu: CamsEmulator) -> None:
    client = cams_client(free_emu)
    for _ in range(3):
        client.list_flow(m.ListFlowRequest())
    client.create_flow(m.CreateFlowRequest(flow_name="x", categories=["OTHER"]))
    assert free_emu.max_calls_in_window(action="ListFlow") == 3
    assert free_emu.max_calls_in_window(action="CreateFlow") == 1
    assert free_emu.max_calls_in_window(window=1e-9) == 1


# --------------------------------------------------------------------------- units
def test_limiter_many_threads_same_instant() -> None:
    limiter = SlidingWindowLimiter(5)
    admitted: list[bool] = []
    barrier = threading.Barrier(50)

    def go() -> None:
        barrier.wait()
        admitted.append(limiter.try_acquire("k", 100.0))

    threads = [threading.Thread(target=go) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert admitted.count(True) == 5


def test_limiter_windows_hold_for_out_of_order_stamps() -> None:
    limiter = SlidingWindowLimiter(2)
    assert limiter.try_acquire("k", 10.5)
    assert limiter.try_acquire("k", 10.0)  # decided later, arrived earlier
    assert not limiter.try_acquire("k", 9.6)  # [9.6, 10.6) would hold three
    assert limiter.try_acquire("k", 11.5)  # 10.5 is a full window away
    assert max_in_window([10.5, 10.0, 11.5], 1.0) == 2


def test_a_late_decision_is_refused_only_when_some_window_would_go_over() -> None:
    # 0.0 and 1.5 are admitted; 0.9 decides after both. Windows holding 0.9 start in (-0.1, 0.9]: none
    # of them reaches 1.5 together with 0.0, so no window would hold three, and 0.9 is admitted
    # (counting every stamp less than one window away in either direction would refuse it).
    limiter = SlidingWindowLimiter(2)
    assert limiter.try_acquire("k", 0.0)
    assert limiter.try_acquire("k", 1.5)
    assert limiter.try_acquire("k", 0.9)
    # Now [0.0, 1.0) and [0.9, 1.9) each hold two: 0.95 would make one of them three.
    assert not limiter.try_acquire("k", 0.95)
    assert max_in_window([0.0, 1.5, 0.9], 1.0) == 2


def test_late_decisions_never_leave_a_window_over_the_limit() -> None:
    """Random arrival stamps decided in a random order (within the limiter's spare window of history:
    real calls decide milliseconds late, not seconds): whatever is admitted, no window holds more than
    the limit, and every refused stamp would have made some window go over."""
    rng = random.Random(7)
    for _ in range(200):
        limiter = SlidingWindowLimiter(3)
        stamps = [round(rng.uniform(0, 1.9), 2) for _ in range(12)]
        admitted: list[float] = []
        for stamp in stamps:
            if limiter.try_acquire("k", stamp):
                admitted.append(stamp)
            else:
                assert max_in_window([*admitted, stamp], 1.0) > 3, (admitted, stamp)
        assert max_in_window(admitted, 1.0) <= 3


@pytest.mark.parametrize(("rate", "expected"), [(5, (5, 1.0)), (2.5, (2, 0.8)), (0.5, (1, 2.0))])
def test_window_for_fractional_rates(rate: float, expected: tuple[int, float]) -> None:
    assert window_for(rate) == pytest.approx(expected)


def test_window_for_rejects_non_positive() -> None:
    with pytest.raises(ValueError, match="None"):
        window_for(0)


# --------------------------------------------------------------------------- each API at its own limit
def _create_burst(emu: CamsEmulator, n: int) -> list[str]:
    """n sequential CreateFlow calls (another API than ListFlow); the Code each ended with."""
    client = cams_client(emu)
    codes = []
    for i in range(n):
        try:
            codes.append(
                client.create_flow(m.CreateFlowRequest(flow_name=f"f{i}", categories=["OTHER"])).body.code
            )
        except ClientException as exc:
            codes.append(exc.code)
    return codes


def test_each_api_has_its_own_limit(emu: CamsEmulator) -> None:
    assert _burst(emu, 5) == ["OK"] * 5
    assert _create_burst(emu, 6) == ["OK"] * 5 + ["System.LimitControl"]  # ListFlow's 5 do not count
    assert _burst(emu, 1) == ["System.LimitControl"]
    assert emu.max_calls_per_api() == {"CreateFlow": 5, "ListFlow": 5}
    assert emu.max_calls_in_window() == 10


def test_one_api_can_have_another_limit(emu: CamsEmulator) -> None:
    emu.set_rate_limit(5, api_limits={"CreateFlow": 2})
    assert emu.api_limits == {"CreateFlow": 2.0}
    assert _create_burst(emu, 3) == ["OK", "OK", "System.LimitControl"]
    assert _burst(emu, 6) == ["OK"] * 5 + ["System.LimitControl"]


def test_shared_limit_counts_every_api_together(emu: CamsEmulator) -> None:
    emu.set_rate_limit(5, shared=True)
    assert emu.shared_rate_limit
    assert _burst(emu, 3) == ["OK"] * 3
    assert _create_burst(emu, 3) == ["OK", "OK", "System.LimitControl"]
    assert emu.max_calls_in_window() == 5


def test_limiter_keys_apis_apart_unless_shared() -> None:
    limiter = SlidingWindowLimiter(1, api_limits={"B": 2})
    assert limiter.try_acquire("k", 1.0, "A") and not limiter.try_acquire("k", 1.0, "A")
    assert limiter.try_acquire("k", 1.0, "B") and limiter.try_acquire("k", 1.0, "B")
    assert not limiter.try_acquire("k", 1.0, "B")
    assert limiter.limit_of("A") == 1.0 and limiter.limit_of("B") == 2.0
    shared = SlidingWindowLimiter(2, api_limits={"B": 50}, shared=True)
    assert shared.try_acquire("k", 1.0, "A") and shared.try_acquire("k", 1.0, "B")
    assert not shared.try_acquire("k", 1.0, "B")
    assert shared.limit_of("B") == 2.0
