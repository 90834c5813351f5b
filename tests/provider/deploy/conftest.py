"""Shared by the flows-as-code tests: the store bucket, deploying through a one-task DAG, reading back."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.testing import CamsEmulator
from tests.dag_helpers import run_dag
from tests.harness.object_store import LocalS3
from tests.provider.conftest import dag_kwargs

FLOWS = Path(__file__).resolve().parents[3] / "example_dags" / "flows"
WRITES = ("CreateFlow", "ModifyFlow", "UpdateFlowJSONAsset", "PublishFlow", "DeprecateFlow", "DeleteFlow")


@pytest.fixture
def s3(local_s3: LocalS3) -> LocalS3:
    return local_s3


@pytest.fixture
def store(flow_store: str) -> str:
    return flow_store


def deploy(flow_json: Any, bucket: str, **kwargs: Any) -> Any:
    """Run a one-task DAG that deploys ``flow_json``; returns the DagRun."""
    from airflow_provider_cams.operators.flow import DeployFlowOperator

    if isinstance(flow_json, str) and not flow_json.startswith("{"):
        kwargs.setdefault("flow_json_root", str(Path(flow_json).parent))  # the test's DAG file is elsewhere
    with DAG(f"deploy_{uuid.uuid4().hex[:10]}", **dag_kwargs()) as dag:
        DeployFlowOperator(
            task_id="deploy",
            flow_name=kwargs.pop("flow_name", "signup"),
            categories=kwargs.pop("categories", ["SIGN_UP"]),
            flow_json=flow_json,
            json_store=kwargs.pop("json_store", f"s3://{bucket}/flows/"),
            json_store_conn_id=kwargs.pop("json_store_conn_id", "flow_store"),
            **kwargs,
        )
    return run_dag(dag)


def writes(emulator: CamsEmulator, since: int = 0) -> list[str]:
    return [r.action for r in emulator.requests()[since:] if r.action in WRITES]


def live(emulator: CamsEmulator, name: str | None = None) -> dict[str, dict[str, Any]]:
    """Flows that are not DEPRECATED (optionally of one name)."""
    return {
        fid: f
        for fid, f in emulator.flows().items()
        if f["Status"] != "DEPRECATED" and (name is None or f["FlowName"] == name)
    }


def sha(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None
