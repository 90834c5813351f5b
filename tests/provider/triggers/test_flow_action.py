"""FlowActionTrigger (PublishFlowTrigger here too: its old name for publishing): reading a mapped task's
arguments, the operators' start arguments, and each action over real HTTP to the emulator with the
XComs the worker path pushes (the old serialized form: ``test_publish.py``).

The trigger itself runs for real in the triggerer in ``tests/scheduler/test_rate_guarantee_scheduler.py``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.operators.flow import (
    CreateFlowOperator,
    DeleteFlowOperator,
    DeprecateFlowOperator,
    PublishFlowOperator,
)
from airflow_provider_cams.triggers.flow_action import FlowActionTrigger
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
    event = trigger_for(mapped_ti({"flow_id": ["f0"]}, 3))._act()
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
    event = trigger_for(SimpleNamespace(map_index=-1, try_number=1), flow_id=flow_id)._act()
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
    event = trigger_for(SimpleNamespace(map_index=-1, try_number=1), flow_id=flow_id)._act()
    assert isinstance(event, TaskSuccessEvent)
    assert [r.params["FlowId"] for r in emulator.requests("PublishFlow")] == [flow_id]
    state = json.loads((tmp_path / "cams-rate.cams_default.PublishFlow.json").read_text())
    assert len(state["slots"]) == 5 and all(holder is None for _, holder, _ in state["slots"])


@pytest.mark.parametrize(
    ("operator", "kwargs", "expected"),
    [
        (DeprecateFlowOperator, {}, {"action": "deprecate"}),
        (DeleteFlowOperator, {"missing_ok": False}, {"action": "delete", "missing_ok": False}),
    ],
)
def test_the_other_one_call_operators_start_in_the_triggerer_with_their_action(
    operator: Any, kwargs: dict[str, Any], expected: dict[str, Any]
) -> None:
    """The start arguments build a trigger Airflow can create from them; a mapped task's class-level
    arguments carry the action (the trigger reads the rest from the task)."""
    from importlib import import_module

    op = operator(task_id="t", flow_id="{{ params.f }}", start_from_trigger=True, **kwargs)
    args = op.start_trigger_args
    assert op.start_from_trigger and args.timeout is not None
    assert args.trigger_kwargs.items() >= expected.items()
    module, _, name = args.trigger_cls.rpartition(".")
    trigger = getattr(import_module(module), name)(**args.trigger_kwargs)
    assert trigger.serialize() == (args.trigger_cls, args.trigger_kwargs)
    assert type(op).start_trigger_args.trigger_kwargs == {"action": expected["action"]}
    assert operator(task_id="u", flow_id="f1").start_trigger_args is None


def test_a_mapped_delete_reads_missing_ok_from_its_partial_arguments() -> None:
    trigger = FlowActionTrigger(action="delete")
    trigger._task_instance = mapped_ti({"flow_id": ["f0", "f1"]}, 0, missing_ok=False)
    assert trigger._arguments() == {
        "flow_id": "f0",
        "cust_space_id": None,
        "cams_conn_id": "cams_default",
        "hook_params": {},
        "missing_ok": False,
    }
    with pytest.raises(ValueError, match="Unknown flow action 'archive'"):
        FlowActionTrigger(action="archive")


def _same_shape(xcoms: dict[str, Any], flow_id: str) -> dict[str, Any]:
    """The XComs with this flow's id and the call's RequestId taken out (they differ between flows)."""
    import json

    rid = xcoms["return_value"]["request_id"]
    assert rid, "a RequestId is pushed"
    return json.loads(json.dumps(xcoms).replace(flow_id, "<flow>").replace(rid, "<request>"))


def test_each_action_pushes_the_same_xcoms_from_the_triggerer_as_from_a_worker(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Publish, deprecate, delete and delete of a flow already gone (ListFlow decides): one DAG run on a
    worker (dag.test) and the trigger, each on its own flow in the same state, push equal XComs."""
    from airflow.triggers.base import TaskSuccessEvent

    from tests.dag_helpers import run_dag, ti_states, xcom
    from tests.provider.conftest import dag_kwargs

    _connection(monkeypatch, emulator, rate_store=f"file://{tmp_path}")
    cases = {  # task: (operator, kwargs, the flow's status before, its status after)
        "publish": (PublishFlowOperator, {}, "DRAFT", "PUBLISHED"),
        "deprecate": (DeprecateFlowOperator, {}, "PUBLISHED", "DEPRECATED"),
        "delete": (DeleteFlowOperator, {}, "DRAFT", None),
        "delete_gone": (DeleteFlowOperator, {}, None, None),
    }
    keys = ("return_value", "cams_flow_console_url", "cams_flow_preview_url")

    def seed(status: str | None, gone_id: str) -> str:
        return gone_id if status is None else emulator.add_flow("t", ["OTHER"], status=status, with_json=True)

    worker_flows = {task: seed(before, "880000001") for task, (_, _, before, _) in cases.items()}
    with DAG("same_xcoms", **dag_kwargs()) as dag:
        for task, (operator, kwargs, _, _) in cases.items():
            operator(task_id=task, flow_id=worker_flows[task], **kwargs)
    run = run_dag(dag)
    assert set(ti_states(run).values()) == {"success"}, ti_states(run)

    for task, (operator, kwargs, before, after) in cases.items():
        flow_id = seed(before, "880000002")
        trigger = FlowActionTrigger(action=operator.action, flow_id=flow_id, **kwargs)
        trigger._task_instance = SimpleNamespace(map_index=-1, try_number=1)
        event = trigger._act()
        assert isinstance(event, TaskSuccessEvent), (task, event.payload)
        from_worker = {key: xcom(run, task, key) for key in keys}
        assert _same_shape(event.xcoms, flow_id) == _same_shape(from_worker, worker_flows[task]), task
        status = emulator.flows().get(flow_id, {}).get("Status")
        assert status == after, (task, status)
    assert _same_shape(event.xcoms, flow_id)["return_value"]["already_deleted"] is True
