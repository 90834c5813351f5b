"""The operator shapes, narrowly: what FlowOperator checks, calls and returns around a subclass's act().

The real operators over HTTP to the emulator are in test_flow.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.hooks.cams import FlowRef
from airflow_provider_cams.operators.base import CamsBaseOperator, FlowOperator, FlowOutcome


class Probe(FlowOperator):
    """Records the refs act() gets and answers like a CAMS action would."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.acted: list[FlowRef] = []

    def act(self, ref: FlowRef, context: Any) -> FlowOutcome:
        self.acted.append(ref)
        return FlowOutcome({"status": "PUBLISHED"}, "REQ-1", {"PreviewUrl": "https://preview/42"})


def test_flow_operator_checks_the_flow_then_returns_ids_result_and_request_id(
    recording_context: dict[str, Any],
) -> None:
    task = Probe(task_id="probe", flow_id="42", cust_space_id="space-1")
    result = task.execute(recording_context)
    assert task.acted == [FlowRef("42", "space-1")]
    assert result == {
        "flow_id": "42",
        "cust_space_id": "space-1",
        "status": "PUBLISHED",
        "request_id": "REQ-1",
    }
    stored = recording_context["ti"].xcom
    assert stored["cams_flow_console_url"].endswith("flowId=42&custSpaceId=space-1")
    assert stored["cams_flow_preview_url"] == "https://preview/42"


def test_a_bad_flow_id_fails_before_act_and_leaves_no_stale_link(recording_context: dict[str, Any]) -> None:
    task = Probe(task_id="probe", flow_id="", cust_space_id="space-1")
    with pytest.raises(CamsValidationError, match="flow_id"):
        task.execute(recording_context)
    assert task.acted == []
    assert recording_context["ti"].xcom == {"cams_flow_console_url": "", "cams_flow_preview_url": ""}


def test_the_base_operator_defaults_to_the_default_connection_and_needs_execute_cams(
    recording_context: dict[str, Any],
) -> None:
    task = CamsBaseOperator(task_id="bare")
    assert task.cams_conn_id == "cams_default"
    with pytest.raises(NotImplementedError):
        task.execute(recording_context)
