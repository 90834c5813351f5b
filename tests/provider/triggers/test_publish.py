"""PublishFlowTrigger's narrow parts: reading a mapped task's arguments, and the operator's start arguments.

The trigger itself runs for real in the triggerer in ``tests/scheduler/test_rate_guarantee_scheduler.py``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.operators.flow import CreateFlowOperator, PublishFlowOperator
from airflow_provider_cams.triggers.publish import RESUME, PublishFlowTrigger, start_args_for
from airflow_provider_cams.utils.compat import START_FROM_TRIGGER

# Airflow < 3.3 never starts a task in the triggerer (the operator runs on a worker there, tested in
# tests/provider/operators), and its triggers keep their task instance elsewhere: nothing here applies.
pytestmark = pytest.mark.skipif(not START_FROM_TRIGGER, reason="Airflow < 3.3 starts these tasks on a worker")


def mapped_ti(values: Any, map_index: int = 1, **partial: Any) -> SimpleNamespace:
    task = SimpleNamespace(expand_input=SimpleNamespace(value=values), partial_kwargs=partial)
    return SimpleNamespace(task=task, map_index=map_index, try_number=1, dag_id="d", run_id="r")


def trigger_for(ti: SimpleNamespace, **kwargs: Any) -> PublishFlowTrigger:
    trigger = PublishFlowTrigger(**kwargs)
    trigger._task_instance = ti  # the triggerer sets it (its setter reads a real task)
    return trigger


def test_a_mapped_task_reads_its_map_index_flow_and_partial_arguments() -> None:
    ti = mapped_ti({"flow_id": ["f0", "f1", "f2"]}, 1, cust_space_id="cs-1", cams_conn_id="acct2")
    args = trigger_for(ti)._arguments()
    assert args is not None
    assert (args["flow_id"], args["cust_space_id"], args["cams_conn_id"]) == ("f1", "cs-1", "acct2")


@pytest.mark.parametrize(
    ("values", "partial"),
    [
        ({"flow_id": ["f0", "f1"], "cust_space_id": ["a", "b"]}, {}),  # a cross product: left to a worker
        ({"flow_id": ["f0"]}, {}),  # map index 1 out of range
        ({"flow_id": ["f0", "f1"]}, {"cust_space_id": "{{ params.space }}"}),  # a template
        ({"flow_id": object()}, {}),  # neither a list nor an upstream task's output
    ],
)
def test_what_the_triggerer_cannot_resolve_goes_to_a_worker(values: Any, partial: dict[str, Any]) -> None:
    assert trigger_for(mapped_ti(values, 1, **partial))._arguments() is None


def test_an_unmapped_task_uses_the_trigger_kwargs() -> None:
    trigger = trigger_for(SimpleNamespace(map_index=-1, try_number=2), flow_id="f9", check_first=False)
    assert trigger._arguments() == {
        "flow_id": "f9",
        "cust_space_id": None,
        "cams_conn_id": "cams_default",
        "hook_params": {},
        "check_first": False,
    }
    assert trigger.serialize()[0] == "airflow_provider_cams.triggers.publish.PublishFlowTrigger"


def test_unresolvable_arguments_resume_on_a_worker_before_any_call() -> None:
    event = trigger_for(mapped_ti({"flow_id": ["f0"]}, 3))._publish()
    assert event.payload == {"status": RESUME, "reason": event.payload["reason"], "maybe_sent": False}


def test_the_operator_starts_in_the_triggerer_only_with_a_plain_flow_id() -> None:
    op = PublishFlowOperator(task_id="p", flow_id="{{ params.f }}", start_from_trigger=True, check_first=True)
    assert op.start_from_trigger and op.start_trigger_args is not None
    assert op.start_trigger_args.trigger_kwargs["flow_id"] == "{{ params.f }}"  # the triggerer renders it
    assert op.start_trigger_args.timeout is not None, (
        "no triggerer: the task fails instead of waiting forever"
    )
    with DAG("d", schedule=None):
        create = CreateFlowOperator(task_id="create", flow_name="n", categories=["OTHER"])
        from_upstream = PublishFlowOperator(
            task_id="q", flow_id=create.output["flow_id"], start_from_trigger=True
        )
    assert not from_upstream.start_from_trigger, "an XComArg flow_id starts on a worker"
    assert start_args_for(from_upstream) is None
    plain = PublishFlowOperator(task_id="r", flow_id="f1")
    assert not plain.start_from_trigger and plain.start_trigger_args is None


def _connection(monkeypatch: pytest.MonkeyPatch, emulator: Any, **extra: Any) -> None:
    import json

    conn = json.loads(emulator.connection_uri_json())
    conn["extra"].update(extra)
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", json.dumps(conn))


def test_without_a_store_or_triggerer_slots_the_task_resumes_on_a_worker(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    flow_id = emulator.add_flow(name="t", categories=["OTHER"], with_json=True)
    event = trigger_for(SimpleNamespace(map_index=-1, try_number=1), flow_id=flow_id)._publish()
    assert (
        event.payload["status"] == RESUME
        and "neither a rate_store nor triggerer_slots" in event.payload["reason"]
    )
    assert emulator.requests("PublishFlow") == []


def test_with_a_rate_store_the_trigger_publishes_through_the_store(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Real HTTP to the emulator; the PublishFlow took and gave back a slot of the account's file store."""
    import json

    from airflow.triggers.base import TaskSuccessEvent

    _connection(monkeypatch, emulator, rate_store=f"file://{tmp_path}")
    flow_id = emulator.add_flow(name="t", categories=["OTHER"], with_json=True)
    event = trigger_for(SimpleNamespace(map_index=-1, try_number=1), flow_id=flow_id)._publish()
    assert isinstance(event, TaskSuccessEvent)
    assert [r.params["FlowId"] for r in emulator.requests("PublishFlow")] == [flow_id]
    state = json.loads((tmp_path / "cams-rate.cams_default.PublishFlow.json").read_text())
    assert len(state["slots"]) == 5 and all(holder is None for _, holder, _ in state["slots"])
