"""Every fault kind: what the official SDK raises (sync and async) and whether the state change happened.

These tests double as the reference the hook's error mapping relies on, so they pin the exception
classes and attributes exactly.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest
from alibabacloud_cams20200606 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from darabonba.exceptions import RetryError, UnretryableException
from darabonba.runtime import RuntimeOptions

from airflow_provider_cams.testing import CamsEmulator, FaultKind
from tests.emulator.helpers import call, cams_client, code_of, generic_client

# The client gives up after READ_TIMEOUT_MS only where the emulator holds the answer back 30 s (the
# timeout kind); every other answer, the 0.2 s "slow" one included, gets ANSWER_TIMEOUT_MS, so a loaded
# machine's slow answer is never mistaken for a timeout.
READ_TIMEOUT_MS = 400
ANSWER_TIMEOUT_MS = 60_000


@dataclass(frozen=True)
class Expect:
    kwargs: dict[str, Any]
    raises: type[Exception] | None
    applied: bool
    code: str | None  # exc.code, or the returned body's Code
    status: int | None  # exc.status_code / the recorded HTTP status
    recorded_code: str | None


EXPECTATIONS: dict[FaultKind, Expect] = {
    FaultKind.SERVER_ERROR: Expect(
        {}, ServerException, False, "ServiceUnavailable", 503, "ServiceUnavailable"
    ),
    FaultKind.SERVER_ERROR_AFTER_APPLY: Expect(
        {}, ServerException, True, "InternalError", 500, "InternalError"
    ),
    FaultKind.TIMEOUT_AFTER_APPLY: Expect({}, UnretryableException, True, None, 200, "OK"),
    FaultKind.SLOW: Expect({"delay": 0.2}, None, True, "OK", 200, "OK"),
    FaultKind.DROP_BEFORE: Expect({}, UnretryableException, False, None, None, "DROPPED"),
    FaultKind.DROP_AFTER_APPLY: Expect({}, UnretryableException, True, None, None, "DROPPED"),
    FaultKind.THROTTLE: Expect(
        {"retry_after_ms": 250}, ThrottlingException, False, "System.LimitControl", 400, "System.LimitControl"
    ),
    FaultKind.ERROR_200: Expect({}, None, False, "InternalError", 200, "InternalError"),
    FaultKind.NON_JSON: Expect({}, UnretryableException, False, None, 502, None),
    FaultKind.ERROR: Expect(
        {"code": "Ram.PermissionDeny"},
        ClientException,
        False,
        "Ram.PermissionDeny",
        400,
        "Ram.PermissionDeny",
    ),
}


def _publish(emu: CamsEmulator, flow_id: str, use_async: bool, read_timeout_ms: int) -> Any:
    client = cams_client(emu)
    request, runtime = m.PublishFlowRequest(flow_id=flow_id), RuntimeOptions(read_timeout=read_timeout_ms)
    if use_async:
        return asyncio.run(client.publish_flow_with_options_async(request, runtime))
    return client.publish_flow_with_options(request, runtime)


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("kind", list(FaultKind), ids=[k.value for k in FaultKind])
def test_each_fault_kind(emu: CamsEmulator, kind: FaultKind, use_async: bool) -> None:
    expect = EXPECTATIONS[kind]
    flow_id = emu.add_flow("f", ["OTHER"], with_json=True)
    emu.faults.add(kind, action="PublishFlow", **expect.kwargs)
    timeout = READ_TIMEOUT_MS if kind is FaultKind.TIMEOUT_AFTER_APPLY else ANSWER_TIMEOUT_MS
    if expect.raises is None:
        assert _publish(emu, flow_id, use_async, timeout).body.code == expect.code
    else:
        with pytest.raises(expect.raises) as info:
            _publish(emu, flow_id, use_async, timeout)
        exc = info.value
        assert type(exc) is expect.raises  # ThrottlingException is no ClientException subclass: check exactly
        if expect.code is not None:
            assert (exc.code, exc.status_code) == (expect.code, expect.status)  # type: ignore[attr-defined]
    assert emu.flows()[flow_id]["Status"] == ("PUBLISHED" if expect.applied else "DRAFT")
    (record,) = emu.requests()
    assert (record.fault, record.applied, record.code, record.http_status) == (
        kind.value,
        expect.applied,
        expect.recorded_code,
        expect.status,
    )
    assert record.throttled is (kind is FaultKind.THROTTLE)
    assert emu.faults.injected() == {kind.value: 1}


def test_sdk_exception_details(free_emu: CamsEmulator) -> None:
    """The attributes a client maps errors from."""
    emu = free_emu
    flow_id = emu.add_flow("f", ["OTHER"], with_json=True)
    emu.faults.add("throttle", retry_after_ms=1500)
    with pytest.raises(ThrottlingException) as throttled:
        _publish(emu, flow_id, False, ANSWER_TIMEOUT_MS)
    assert throttled.value.retry_after == 1500
    assert throttled.value.data["Code"] == "System.LimitControl"

    emu.faults.add("throttle")  # no retry-after header: a plain ClientException
    with pytest.raises(ClientException) as plain:
        _publish(emu, flow_id, False, ANSWER_TIMEOUT_MS)
    assert (plain.value.code, plain.value.retry_after) == ("System.LimitControl", None)

    emu.faults.add("error", code="Ram.PermissionDeny")
    with pytest.raises(ClientException) as denied:
        _publish(emu, flow_id, False, ANSWER_TIMEOUT_MS)
    detail = denied.value.access_denied_detail
    assert detail["AuthAction"] == "cams:PublishFlow" and detail == denied.value.data["AccessDeniedDetail"]
    assert denied.value.data["Message"] == "You are not authorized to perform the operation."
    assert denied.value.request_id == emu.requests()[-1].request_id

    emu.faults.add("error", code="Throttling.User", http_status=500, message="custom")
    with pytest.raises(ServerException) as server:
        _publish(emu, flow_id, False, ANSWER_TIMEOUT_MS)
    assert (server.value.code, server.value.status_code, server.value.data["Message"]) == (
        "Throttling.User",
        500,
        "custom",
    )

    emu.faults.add("drop_before")
    with pytest.raises(UnretryableException) as dropped:
        _publish(emu, flow_id, False, ANSWER_TIMEOUT_MS)
    assert isinstance(dropped.value.inner_exception, RetryError)
    assert "RemoteDisconnected" in dropped.value.inner_exception.message

    emu.faults.add("non_json")
    with pytest.raises(UnretryableException) as html:
        _publish(emu, flow_id, False, ANSWER_TIMEOUT_MS)
    assert isinstance(html.value.inner_exception, RuntimeError)
    assert "Failed to parse the value as json format" in str(html.value.inner_exception)


def test_timeout_fault_does_not_block_others_or_stop(free_emu: CamsEmulator) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], with_json=True)
    # An answer held back an hour: were stop() to wait for it, pytest-timeout would fail the test.
    free_emu.faults.add("timeout_after_apply", action="PublishFlow", delay=3600)
    failure: list[BaseException] = []

    def publish() -> None:
        try:
            cams_client(free_emu, read_timeout=20_000).publish_flow(m.PublishFlowRequest(flow_id=flow_id))
        except BaseException as exc:
            failure.append(exc)

    waiter = threading.Thread(target=publish)
    waiter.start()
    while not free_emu.requests("PublishFlow"):  # recorded once applied; the answer is held back
        time.sleep(0.01)
    # The sleeper holds its own thread: other calls are answered meanwhile.
    assert cams_client(free_emu).get_flow(m.GetFlowRequest(flow_id=flow_id)).body.data.status == "PUBLISHED"

    free_emu.stop()  # must not wait for the held-back answer: it drops the connection instead
    waiter.join()
    assert len(failure) == 1 and isinstance(failure[0], UnretryableException), failure


def test_rules_times_action_filter_and_order(free_emu: CamsEmulator) -> None:
    client = generic_client(free_emu)
    free_emu.faults.add("error_200", action="GetFlow", times=2, code="Boom")
    free_emu.faults.add("error_200", times=None, code="Always")
    assert call(client, "ListFlow")["Code"] == "Always"  # the GetFlow rule does not match ListFlow
    assert [call(client, "GetFlow", FlowId="1")["Code"] for _ in range(3)] == ["Boom", "Boom", "Always"]
    assert [r.kind.value for r in free_emu.faults.rules()] == ["error_200"]
    assert free_emu.faults.injected() == {"error_200": 4}
    free_emu.faults.clear()
    assert call(client, "ListFlow")["Code"] == "OK"
    assert free_emu.faults.injected() == {}


def test_random_faults_are_reproducible_with_a_seed(free_emu: CamsEmulator) -> None:
    client = generic_client(free_emu)

    def run() -> list[str | None]:
        free_emu.reset()
        free_emu.faults.random(
            rate=0.5, kinds=["server_error", "error_200", "throttle"], seed=7, actions=["ListFlow"]
        )
        for _ in range(20):
            code_of(client, "ListFlow")
        assert code_of(client, "GetFlow", FlowId="1") == "Flow.NotFound"  # not in actions: never faulted
        return [r.fault for r in free_emu.requests()]

    first = run()
    assert first == run()
    assert first[-1] is None
    assert 3 <= sum(f is not None for f in first) <= 17
    assert set(first) - {None} <= {"server_error", "error_200", "throttle"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "explode"}, "explode"),
        ({"kind": "error"}, "needs a code"),
        ({"kind": "slow", "action": "PublishFlows"}, "unknown action"),
        ({"kind": "slow", "times": 0}, "times"),
        ({"kind": "throttle", "retry_after_ms": 0}, "retry_after_ms"),
        ({"kind": "error", "code": "X", "http_status": 700}, "http_status"),
    ],
)
def test_bad_fault_rules_are_refused(emu: CamsEmulator, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        emu.faults.add(**kwargs)


def test_random_refuses_bad_settings(emu: CamsEmulator) -> None:
    with pytest.raises(ValueError):
        emu.faults.random(rate=1.5)
    with pytest.raises(ValueError):
        emu.faults.random(kinds=["error"])
