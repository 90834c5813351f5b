"""RecordedRequest, RequestLog and max_in_window: what tests assert on (testing/records.py)."""

from __future__ import annotations

import threading

from airflow_provider_cams.testing.records import RecordedRequest, RequestLog, max_in_window


def record(at: float, action: str = "ListFlow", **flags: bool) -> RecordedRequest:
    return RecordedRequest(at, action, {}, "ak", 200, "OK", f"R{at}", **flags)


def test_max_in_window_is_half_open() -> None:
    assert max_in_window([0.0, 0.5, 1.0, 1.4], 1.0) == 3
    assert max_in_window([], 1.0) == 0


def test_snapshot_is_ordered_by_arrival_and_filters_by_action() -> None:
    log = RequestLog()
    for one in (record(2.0), record(1.0, "GetFlow"), record(0.5)):
        log.append(one)
    assert [r.received_at for r in log.snapshot()] == [0.5, 1.0, 2.0]
    assert [r.received_at for r in log.snapshot("ListFlow")] == [0.5, 2.0]
    log.clear()
    assert log.snapshot() == []


def test_only_admitted_unthrottled_calls_count_unless_asked() -> None:
    log = RequestLog()
    log.append(record(0.0, admitted=True))
    log.append(record(0.1, admitted=True, throttled=True))  # dropped with System.LimitControl
    log.append(record(0.2))  # refused before the limiter (bad signature, bad parameter)
    log.append(record(0.3, "GetFlow", admitted=True))
    assert log.max_calls_in_window() == 2
    assert log.max_calls_in_window(action="ListFlow") == 1
    assert log.max_calls_in_window(include_rejected=True) == 4


def test_appends_from_many_threads_are_all_kept() -> None:
    log = RequestLog()
    threads = [threading.Thread(target=lambda i=i: log.append(record(float(i)))) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(log.snapshot()) == 64


def test_as_dict_holds_every_field() -> None:
    assert record(1.0, admitted=True).as_dict() == {
        "received_at": 1.0,
        "action": "ListFlow",
        "params": {},
        "access_key_id": "ak",
        "http_status": 200,
        "code": "OK",
        "request_id": "R1.0",
        "fault": None,
        "applied": False,
        "throttled": False,
        "admitted": True,
    }
