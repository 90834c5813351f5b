"""FlowStatusTrigger: its serialised arguments, and its run loop against the emulator over real HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.triggers.flow import FlowStatusTrigger
from tests.provider.conftest import SK


def _events(trigger: FlowStatusTrigger) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(collect())


def _trigger(flow_id: str, target: str, **kwargs: Any) -> FlowStatusTrigger:
    return FlowStatusTrigger(
        flow_id=flow_id,
        target_status=target,
        cams_conn_id="cams_default",
        poll_interval=0.05,
        hook_params={"max_attempts": 1},
        **kwargs,
    )


def test_trigger_arguments_are_json_and_hold_no_secret() -> None:
    trigger = FlowStatusTrigger(
        flow_id="1",
        target_status="PUBLISHED",
        cams_conn_id="cams_default",
        cust_space_id="cams-x",
        poll_interval=5,
        end_time=1.0,
        min_interval=2.0,
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_cams.triggers.flow.FlowStatusTrigger"
    text = json.dumps(kwargs)
    assert SK not in text and "password" not in text
    assert FlowStatusTrigger(**kwargs).serialize() == (classpath, kwargs)


def test_run_yields_success_with_the_flow(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow("trigger ok", ["OTHER"], status="PUBLISHED")
    [event] = _events(_trigger(flow_id, "PUBLISHED"))
    assert (event["status"], event["flow"]["flow_id"], event["flow"]["status"]) == (
        "success",
        flow_id,
        "PUBLISHED",
    )
    assert [r.action for r in emulator.requests()] == ["GetFlow"]


def test_run_yields_failed_when_the_target_cannot_be_reached(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow("trigger gone", ["OTHER"], status="DEPRECATED")
    [event] = _events(_trigger(flow_id, "PUBLISHED"))
    assert event["status"] == "failed" and "can never become PUBLISHED" in event["message"]


@pytest.mark.cams_dialects()
def test_run_yields_error_for_an_unknown_flow(emulator: CamsEmulator) -> None:
    [event] = _events(_trigger("999999", "PUBLISHED"))
    assert event["status"] == "error" and "999999" in event["message"]
    # CAMS's code and request id as CAMS sent them, whatever the code is called.
    (record,) = emulator.requests("GetFlow")
    assert emulator.dialect.not_found_code in event["message"] and record.request_id in event["message"]


def test_run_yields_timeout_at_end_time(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow("trigger slow", ["OTHER"])
    [event] = _events(_trigger(flow_id, "PUBLISHED", end_time=time.time() + 0.01))
    assert event["status"] == "timeout"
    assert emulator.requests() == []
