"""CamsPollingTrigger's loop, narrowly: one event per run, from a scripted poll (triggers/polling.py).

The real triggers against the emulator are in test_flow.py and test_template.py. Here ``poll`` is the
test's own script and ``asyncio.sleep`` only records how long the loop asked to wait, so nothing depends
on the machine's speed.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from airflow_provider_cams.exceptions import CamsError
from airflow_provider_cams.triggers import polling
from airflow_provider_cams.triggers.polling import POLLING_FIELDS, CamsPollingTrigger


class Scripted(CamsPollingTrigger):
    """Answers each poll with the next verdict of its script (an exception is raised)."""

    own_fields = ("target",)

    def __init__(self, *, target: str, script: list[Any] | None = None, **polling_args: Any) -> None:
        super().__init__(**polling_args)
        self.target = target
        self.script = list(script or [])
        self.polls = 0

    def event_base(self) -> dict[str, Any]:
        return {"target": self.target}

    def timeout_message(self) -> str:
        return f"{self.target} not reached in time"

    async def poll(self, hook: Any) -> tuple[str, str, dict[str, Any]]:
        self.polls += 1
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        verdict: str = step
        return verdict, f"poll {self.polls}: {verdict}", {"seen": self.polls}


@pytest.fixture(autouse=True)
def connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connection ``c``: the loop reads its settings (pacing, rate store) before the first poll; the
    scripted polls never call it."""
    extra = {"region_id": "cn-hangzhou", "endpoint": "127.0.0.1:9", "protocol": "http"}
    monkeypatch.setenv(
        "AIRFLOW_CONN_C", json.dumps({"conn_type": "cams", "login": "id", "password": "pw", "extra": extra})
    )


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the loop asks for, without waiting."""
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)

    monkeypatch.setattr(polling.asyncio, "sleep", sleep)
    return asked


def events(trigger: CamsPollingTrigger) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(collect())


def test_serialize_gives_the_subclass_path_then_its_own_and_the_shared_arguments() -> None:
    trigger = Scripted(target="PUBLISHED", cams_conn_id="c", poll_interval=5, min_interval=0.5)
    path, kwargs = trigger.serialize()
    assert path == f"{__name__}.Scripted"
    assert list(kwargs) == ["target", *POLLING_FIELDS]
    assert kwargs == {
        "target": "PUBLISHED",
        "cams_conn_id": "c",
        "cust_space_id": None,
        "poll_interval": 5.0,
        "end_time": None,
        "min_interval": 0.5,
        "hook_params": {},
    }


@pytest.mark.parametrize(("last", "status"), [("done", "success"), ("fail", "failed")])
def test_polls_until_a_verdict_and_ends_with_one_event(sleeps: list[float], last: str, status: str) -> None:
    trigger = Scripted(target="T", script=["wait", "wait", last], cams_conn_id="c", poll_interval=2)
    assert events(trigger) == [{"target": "T", "status": status, "seen": 3, "message": f"poll 3: {last}"}]
    assert sleeps == [2.0, 2.0, 2.0]  # the first read comes one interval after the sensor's own poke


def test_never_polls_faster_than_the_pools_pacing(sleeps: list[float]) -> None:
    trigger = Scripted(target="T", script=["done"], cams_conn_id="c", poll_interval=1, min_interval=4)
    assert events(trigger)[0]["status"] == "success"
    assert sleeps == [4.0]


def test_a_cams_error_ends_the_wait_with_an_error_event(sleeps: list[float]) -> None:
    script = ["wait", CamsError("GetFlow failed")]
    trigger = Scripted(target="T", script=script, cams_conn_id="c", poll_interval=1)
    assert events(trigger) == [{"target": "T", "status": "error", "message": "GetFlow failed"}]


def test_a_deadline_too_close_for_another_poll_times_out_without_polling(sleeps: list[float]) -> None:
    trigger = Scripted(target="T", cams_conn_id="c", poll_interval=60, end_time=time.time() - 1)
    assert events(trigger) == [{"target": "T", "status": "timeout", "message": "T not reached in time"}]
    assert trigger.polls == 0 and sleeps == [0.0]  # the deadline has passed: nothing left to wait
