"""Run a DAG built inside a test with ``dag.test()`` (Airflow 3.3 needs it serialized in a bundle)."""

from __future__ import annotations

import os
from typing import Any

_bundles_synced = False


def run_dag(dag: Any, **kwargs: Any) -> Any:
    """Sync ``dag`` to the metadata DB, run it in-process and return the DagRun."""
    global _bundles_synced
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    if not _bundles_synced:
        DagBundlesManager().sync_bundles_to_db()
        _bundles_synced = True
    bag = DagBag(dag_folder=os.devnull, collect_dags=False)
    bag.bag_dag(dag)
    sync_bag_to_db(bag, "dags-folder", None)
    return dag.test(**kwargs)


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
