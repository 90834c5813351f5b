"""Run a DAG built inside a test with ``dag.test()`` (Airflow 3.3 needs it serialized in a bundle)."""

from __future__ import annotations

import uuid
from typing import Any


def run_dag(dag: Any, **kwargs: Any) -> Any:
    """Sync ``dag`` to the metadata DB, run it in-process and return the DagRun (every Airflow version)."""
    from airflow_provider_cams.testing import run_dag as _run_dag

    return _run_dag(dag, **kwargs)


def ti_states(dag_run: Any) -> dict[str, str]:
    return {
        ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]": ti.state
        for ti in dag_run.get_task_instances()
    }


def xcom(dag_run: Any, task_id: str, key: str = "return_value") -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = (
            session.query(XComModel)
            .filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id, task_id=task_id, key=key)
            .one_or_none()
        )
        return None if row is None else row.value


def new_dag_id(prefix: str) -> str:
    """A DAG id no other test uses: runs share one metadata DB per session."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def output(capfd: Any) -> str:
    """Everything printed so far: under dag.test() task logs go to the console."""
    captured = capfd.readouterr()
    return str(captured.out + captured.err)
