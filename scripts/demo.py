"""`make demo`: run the example DAG end-to-end against the bundled CAMS emulator.

Starts the emulator on a free 127.0.0.1 port, points the ``cams_default`` connection at it, runs
``example_cams_publish_flow`` with ``dag.test()`` on a throwaway SQLite metadata DB, prints the flow's
journey as the emulator saw it, and stops the emulator. Exits non-zero unless the flow ends PUBLISHED.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAG_ID = "example_cams_publish_flow"


def _prepare_environment(home: str) -> None:
    """Airflow reads its settings at import time: set them first."""
    os.environ.update(
        AIRFLOW_HOME=home,
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "example_dags"),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home}/airflow.db",
        AIRFLOW__LOGGING__LOGGING_LEVEL=os.environ.get("DEMO_LOG_LEVEL", "WARNING"),
        ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",
    )
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(var, None)


def main() -> int:
    home = tempfile.mkdtemp(prefix="cams-demo-")
    _prepare_environment(home)
    from airflow_provider_cams.testing import CamsEmulator

    try:
        with CamsEmulator(access_key_id="demo-ak", access_key_secret="demo-sk") as emulator:
            os.environ["AIRFLOW_CONN_CAMS_DEFAULT"] = emulator.connection_uri_json()
            # The Flow JSON must be hosted where CAMS can fetch it: here, by the emulator itself.
            signup = (ROOT / "example_dags" / "flows" / "signup.json").read_bytes()
            os.environ["AIRFLOW_VAR_CAMS_FLOW_JSON_URL"] = emulator.host_json(signup, "signup.json")
            print(f"CAMS emulator listening on {emulator.url} (rate limit 5 calls/s, signatures checked)")
            state = _run_dag()
            return _report(emulator, state)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _run_dag() -> str:
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.utils import db

    from airflow_provider_cams.utils.compat import DagBag, sync_bag_to_db

    print("Setting up a throwaway Airflow metadata DB (SQLite)...")
    db.initdb()
    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(dag_folder=str(ROOT / "example_dags"))
    if bag.import_errors:
        raise SystemExit(f"example DAGs failed to import: {bag.import_errors}")
    sync_bag_to_db(bag, "dags-folder", None)
    print(f"Running DAG {DAG_ID} with dag.test()...")
    dag_run = bag.get_dag(DAG_ID).test()
    print("\nTasks:")
    for ti in sorted(dag_run.get_task_instances(), key=lambda t: t.start_date or t.end_date):
        print(f"  {ti.task_id:<20} {ti.state:<8} {_summary(ti.xcom_pull(task_ids=ti.task_id))}")
    return str(dag_run.state)


def _summary(result: dict | None) -> str:
    """One line from a task's XCom: the flow, its status and the CAMS request id."""
    if not result:
        return ""
    if "file_path" in result:
        return f"flow {result['flow_id']} JSON attached, RequestId {result.get('request_id')}"
    status = result.get("status", "DRAFT (created)")
    if result.get("already_published"):
        status += " (already was: no second PublishFlow)"
    return f"flow {result['flow_id']} {status}, RequestId {result.get('request_id')}"


def _report(emulator: object, dag_state: str) -> int:
    requests = emulator.requests()  # type: ignore[attr-defined]
    flows = emulator.flows()  # type: ignore[attr-defined]
    print("\nThe flow's journey, as CAMS (the emulator) saw it:")
    for req in requests:
        flow_id = req.params.get("FlowId") or ""
        print(f"  {req.action:<12} FlowId={flow_id or '-':<16} -> {req.code:<22} RequestId {req.request_id}")
    print("\nFlows in CAMS now:")
    for flow_id, flow in flows.items():
        print(f"  {flow_id}  {flow['FlowName']!r}  status {flow['Status']}")
    published = [f for f in flows.values() if f["Status"] == "PUBLISHED"]
    ok = dag_state == "success" and len(flows) == 1 and len(published) == 1
    print(f"\nDAG run {dag_state}; flow {'PUBLISHED' if ok else 'NOT published'}.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
