"""CamsWaitSensor, narrowly: poke once then defer with the task's pacing and deadline (sensors/base.py).

The real sensors (poke and deferred) through Airflow against the emulator are in test_flow.py and
test_template.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from airflow.sdk import PokeReturnValue

from airflow_provider_cams.sensors.base import CamsWaitSensor
from airflow_provider_cams.utils.compat import AirflowFailException
from airflow_provider_cams.utils.rate import CallPacer

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Probe(CamsWaitSensor):
    """Pokes from a script; its trigger is the arguments it was given."""

    result_key = "flow"

    def __init__(self, *, pokes: list[PokeReturnValue], **kwargs: Any) -> None:
        super().__init__(cams_conn_id="c", cust_space_id=None, hook_params=None, **kwargs)
        self.pokes = pokes
        self.waits_begun = 0

    def before_wait(self, context: Any) -> None:
        self.waits_begun += 1

    def poke(self, context: Any) -> PokeReturnValue:
        return self.pokes.pop(0)

    def trigger(self, **polling: Any) -> Any:
        return polling


@pytest.fixture
def context(recording_context: dict[str, Any]) -> dict[str, Any]:
    recording_context["ti"].start_date = START
    return recording_context


def test_a_first_poke_that_is_done_returns_its_xcom_without_deferring(context: dict[str, Any]) -> None:
    sensor = Probe(pokes=[PokeReturnValue(True, {"Status": "PUBLISHED"})], task_id="s", deferrable=True)
    assert sensor.execute(context) == {"Status": "PUBLISHED"}
    assert sensor.waits_begun == 1


def test_deferring_hands_the_trigger_the_pacing_and_the_deadline(context: dict[str, Any]) -> None:
    pokes = [PokeReturnValue(False)]
    sensor = Probe(pokes=pokes, task_id="s", deferrable=True, poke_interval=30, timeout=600)
    sensor.hook.pacer = CallPacer(0.25)
    # TaskDeferred lives in airflow.sdk.exceptions from 3.2 and airflow.exceptions before: the test
    # checks what was raised by its name and fields instead of importing a version's location.
    with pytest.raises(BaseException) as deferred:  # TaskDeferred is a BaseException
        sensor.execute(context)
    assert type(deferred.value).__name__ == "TaskDeferred"
    assert deferred.value.trigger == {
        "cams_conn_id": "c",
        "poll_interval": 30,
        "end_time": START.timestamp() + 600,
        "min_interval": 0.25,
        "hook_params": {},
    }
    assert deferred.value.method_name == "execute_complete"
    assert deferred.value.timeout == timedelta(seconds=600)


def test_the_trigger_event_comes_back_as_the_result_or_a_failure(context: dict[str, Any]) -> None:
    sensor = Probe(pokes=[], task_id="s", deferrable=True)
    done = {"status": "success", "message": "ok", "flow": {"Status": "PUBLISHED"}}
    assert sensor.execute_complete(context, done) == {"Status": "PUBLISHED"}
    with pytest.raises(AirflowFailException, match="never"):
        sensor.execute_complete(context, {"status": "failed", "message": "never"})
