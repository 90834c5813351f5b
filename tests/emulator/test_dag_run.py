"""testing/dag_run.py's version shims: DagBag and sync_bag_to_db from where this Airflow has them, and
the in-process Execution API built once. run_dag itself runs in test_user_dag_example.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_cams.testing import dag_run

pytestmark = pytest.mark.compat  # the shims resolve differently on 3.1, 3.2 and 3.3


def test_dagbag_and_sync_bag_to_db_resolve_on_this_airflow(tmp_path: Path) -> None:
    from airflow_provider_cams.testing.dag_run import DagBag, sync_bag_to_db

    assert DagBag.__module__.startswith("airflow.") and callable(sync_bag_to_db)
    (tmp_path / "one.py").write_text(
        "from airflow.sdk import DAG\nwith DAG('shim_probe', schedule=None):\n    pass\n"
    )
    bag = DagBag(dag_folder=str(tmp_path))  # the class works, not just its name
    assert (list(bag.dag_ids), bag.import_errors) == (["shim_probe"], {})


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'DagBags'"):
        _ = dag_run.DagBags  # type: ignore[attr-defined]


def test_the_in_process_execution_api_is_cached_after_reuse() -> None:
    from airflow.sdk.execution_time import supervisor

    dag_run.reuse_in_process_execution_api()
    cached = supervisor.in_process_api_server
    dag_run.reuse_in_process_execution_api()  # a second call changes nothing
    assert supervisor.in_process_api_server is cached
    assert hasattr(cached, "cache_info")
