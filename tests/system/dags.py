"""The DAGs of the live contract test: one per step, the provider's public operators only."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG

from airflow_provider_cams.operators.flow import DeployFlowOperator
from tests.dag_helpers import run_dag, ti_states, xcom
from tests.system.contract import CONN_ID, STORE_CONN_ID

FLOW_JSON: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "example_dags" / "flows" / "signup.json").read_text()
)


def system_dag(what: str) -> DAG:
    """A DAG for one step: every CAMS task uses the account's connection, no retries hide a failure."""
    return DAG(
        f"cams_system_{what}_{uuid.uuid4().hex[:8]}",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        default_args={"retries": 0, "cams_conn_id": CONN_ID},
    )


def succeeded(run: Any) -> dict[str, str]:
    states = ti_states(run)
    assert set(states.values()) == {"success"}, states
    return states


def deploy(name: str, flow_json: dict[str, Any], json_store: str, *, publish: bool = True) -> dict[str, Any]:
    """Run a one-task DAG of DeployFlowOperator; returns its XCom result."""
    with system_dag("deploy") as dag:
        DeployFlowOperator(
            task_id="deploy",
            flow_name=name,
            categories=["OTHER"],
            flow_json=flow_json,
            json_store=json_store,
            json_store_conn_id=STORE_CONN_ID,
            publish=publish,
        )
    run = run_dag(dag)
    succeeded(run)
    result: dict[str, Any] = xcom(run, "deploy")
    return result
