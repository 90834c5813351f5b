"""`make demo`: run the example DAGs end-to-end against the bundled CAMS emulator.

Starts the emulator on a free 127.0.0.1 port, points the ``cams_default`` connection at it, runs
``example_cams_publish_flow`` (create, attach the Flow JSON, publish) with ``dag.test()`` on a throwaway
SQLite metadata DB and prints the flow's journey as the emulator saw it. Then flows as code:
``example_cams_deploy_flows`` deploys every file of ``example_dags/flows/`` through a local S3 server
(moto), twice: the second run only reads. Exits non-zero unless every flow ends PUBLISHED.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the local S3 server lives in the test harness, not in the package
DAG_ID = "example_cams_publish_flow"
DEPLOY_DAG_ID = "example_cams_deploy_flows"


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
            published = _report(emulator, state)
            return published or _deploy_flows(emulator)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _run_dag() -> str:
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.utils import db

    from airflow_provider_cams.testing.dag_run import DagBag, sync_bag_to_db

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
        status += " (it already was: CAMS refused a second publish)"
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


def _deploy_flows(emulator: object) -> int:
    """Flows as code: deploy example_dags/flows/*.json twice; the second run must write nothing."""
    from airflow_provider_cams.testing.dag_run import DagBag
    from tests.harness.object_store import LocalS3

    emulator.reset()  # type: ignore[attr-defined]
    files = sorted(p.name for p in (ROOT / "example_dags" / "flows").glob("*.json"))
    print(f"\nFlows as code: deploying {', '.join(files)} (DAG {DEPLOY_DAG_ID}), JSON hosted in a local S3")
    with LocalS3() as s3:
        s3.create_bucket("demo-flows")
        os.environ["AIRFLOW_CONN_FLOW_STORE"] = s3.connection_json()
        os.environ["AIRFLOW_VAR_CAMS_FLOW_STORE"] = "s3://demo-flows/whatsapp-flows/"
        dag = DagBag(dag_folder=str(ROOT / "example_dags")).get_dag(DEPLOY_DAG_ID)
        actions = []
        for attempt in ("first run", "second run, nothing changed"):
            run = dag.test()
            results = [
                ti.xcom_pull(task_ids="deploy_flow", map_indexes=ti.map_index)
                for ti in run.get_task_instances()
            ]
            actions.append({r["action"] for r in results if r})
            print(f"  {attempt}: DAG run {run.state}")
            for r in results:
                if r:
                    print(f"    flow {r['flow_id']} {r['action']:<9} {r['status']:<10} {r['sha256'][:12]}")
        uploads = s3.uploads("demo-flows")
    writes = [
        r.action for r in emulator.requests() if r.action not in ("ListFlow", "GetFlow", "GetFlowJSONAssest")
    ]  # type: ignore[attr-defined]
    flows = emulator.flows()  # type: ignore[attr-defined]
    ok = (
        actions == [{"created"}, {"unchanged"}]
        and len(flows) == len(files)
        and all(f["Status"] == "PUBLISHED" for f in flows.values())
    )
    print(f"  {len(writes)} writes to CAMS in all, {uploads} uploads to S3; every flow PUBLISHED: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
