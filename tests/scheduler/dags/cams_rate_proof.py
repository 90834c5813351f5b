"""Loads for the rate-guarantee proof; every CAMS task runs in the account's pool ``cams_default``.

``cams_rate_paced``: mapped PublishFlowOperator tasks with the operator's defaults, a
PublishFlowsOperator holding two slots (the windowed pacing) and a status reader (connection
``cams_default``, pacing on), the realistic load. The flow ids come in the run conf.

``cams_burst_paced`` / ``cams_burst_unpaced``: the paired control. Five mapped tasks, as many as the
pool has slots, each reading its own flow with GetFlow ``calls`` times (run conf): once, then at a
barrier until all five tasks have made that first call (seen in the emulator's request log), then the
rest back to back. The two DAGs differ only in the connection: ``cams_default`` (pacing on) or
``cams_unpaced`` (same account and pool, extra ``pacing: false``). The barrier makes the five tasks
overlap by construction rather than by the scheduler's timing; the test module explains why that forces
the unpaced burst over 5 calls/s on any machine.

``cams_triggerer_mixed``: tasks started in the triggerer next to worker tasks of the same account (below).

``cams_store_mixed``: the same with the account's rate store: the triggerer on all slots, a batch
deploy beside it (below).
"""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import datetime

from airflow.sdk import DAG, get_current_context, task

from airflow_provider_cams.hooks.cams import CamsHook
from airflow_provider_cams.operators.deploy import DeployFlowsOperator
from airflow_provider_cams.operators.flow import PublishFlowOperator, PublishFlowsOperator
from airflow_provider_cams.sensors.flow import FlowStatusSensor

POOL = "cams_default"
# Only a broken pool (fewer than 5 tasks running at once) keeps the barrier shut this long.
BARRIER_GIVE_UP = 300.0

with DAG(
    "cams_rate_paced", schedule=None, start_date=datetime(2026, 1, 1), catchup=False, max_active_tasks=64
):

    @task
    def flow_ids() -> list[str]:
        return list(get_current_context()["dag_run"].conf["flow_ids"])

    @task
    def batch_flow_ids() -> list[str]:
        return list(get_current_context()["dag_run"].conf["batch_flow_ids"])

    ids = flow_ids()
    PublishFlowOperator.partial(task_id="publish", cams_conn_id="cams_default", pool=POOL, retries=3).expand(
        flow_id=ids
    )
    PublishFlowsOperator(
        task_id="publish_batch",
        cams_conn_id="cams_default",
        pool=POOL,
        pool_slots=2,
        flow_ids=batch_flow_ids(),
        retries=3,
    )
    FlowStatusSensor(
        task_id="read_status",
        cams_conn_id="cams_default",
        pool=POOL,
        flow_id="{{ dag_run.conf['reader_flow_id'] }}",
        target_status="PUBLISHED",
        poke_interval=1,
        timeout=300,
        mode="poke",
    )


def _first_calls_seen(endpoint: str, flow_ids: list[str]) -> set[str]:
    """The flows among ``flow_ids`` that the emulator has recorded a GetFlow for (control API)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://{endpoint}/_emulator/requests?action=GetFlow", timeout=30) as answer:
        records = json.load(answer)
    return {r["params"].get("FlowId") for r in records} & set(flow_ids)


def burst_dag(dag_id: str, conn_id: str) -> DAG:
    with DAG(
        dag_id, schedule=None, start_date=datetime(2026, 1, 1), catchup=False, max_active_tasks=64
    ) as dag:

        @task
        def burst_flow_ids() -> list[str]:
            return list(get_current_context()["dag_run"].conf["flow_ids"])

        @task(pool=POOL, retries=0)
        def burst(flow_id: str) -> int:
            """GetFlow once, wait until every burst task has done so, then GetFlow back to back."""
            conf = get_current_context()["dag_run"].conf
            everyone, calls = list(conf["flow_ids"]), int(conf["calls"])
            # Paced from the connection as the operators are: the hook is told the task's pool.
            hook = CamsHook(conn_id, pool=POOL, max_attempts=10)
            hook.get_flow(flow_id)
            give_up = time.monotonic() + BARRIER_GIVE_UP
            while (seen := _first_calls_seen(hook.settings.endpoint, everyone)) != set(everyone):
                if time.monotonic() > give_up:
                    raise RuntimeError(
                        f"Only {len(seen)} of {len(everyone)} burst tasks made their first call: the pool "
                        "did not run them at once."
                    )
                time.sleep(0.02)
            for _ in range(calls - 1):
                hook.get_flow(flow_id)
            return calls

        burst.expand(flow_id=burst_flow_ids())
    return dag


burst_dag("cams_burst_paced", "cams_default")
burst_dag("cams_burst_unpaced", "cams_unpaced")


# ``cams_triggerer_mixed``: one account (connection ``cams_trig``: triggerer_slots 4, pool ``cams_trig`` of
# the one slot left) publishing mapped flows started in the triggerer while, on a worker in the same
# account, a deploy-like task creates, attaches and publishes flows (CreateFlow, UpdateFlowJSONAsset,
# PublishFlow, GetFlow, ListFlow on retries): no API above its own limit across the two.
TRIG_POOL = "cams_trig"

with DAG(
    "cams_triggerer_mixed", schedule=None, start_date=datetime(2026, 1, 1), catchup=False, max_active_tasks=64
):

    @task
    def trigger_flow_ids() -> list[str]:
        return list(get_current_context()["dag_run"].conf["flow_ids"])

    PublishFlowOperator.partial(
        task_id="publish_in_triggerer",
        cams_conn_id="cams_trig",
        pool=TRIG_POOL,
        start_from_trigger=True,
        retries=3,
    ).expand(flow_id=trigger_flow_ids())

    @task(pool=TRIG_POOL, retries=3)
    def deploy_on_worker() -> list[str]:
        conf = get_current_context()["dag_run"].conf
        hook = CamsHook("cams_trig", pool=TRIG_POOL)
        published = []
        for name in conf["deploy_names"]:
            created = hook.create_flow(name, ["OTHER"])
            hook.update_flow_json_asset(created.flow_id, conf["json_url"])
            published.append(hook.publish_flow(created.flow_id, check_first=True).flow_id)
        return published

    deploy_on_worker()


# ``cams_store_mixed``: one account with a rate store (connection ``cams_store``: extra rate_store, a
# file store every process of this machine shares) publishing mapped flows started in the triggerer,
# drawing on all 5 slots, while a batch DeployFlowsOperator of the same account deploys on a worker. The
# store, not the pool, makes the rate: the deploy runs in its own pool beside the deferred publishes.
STORE_SPACES = [f"cams-store-sub-{i:03d}" for i in range(12)]

with DAG(
    "cams_store_mixed", schedule=None, start_date=datetime(2026, 1, 1), catchup=False, max_active_tasks=64
):

    @task
    def store_flow_ids() -> list[str]:
        return list(get_current_context()["dag_run"].conf["flow_ids"])

    PublishFlowOperator.partial(
        task_id="publish_in_triggerer",
        cams_conn_id="cams_store",
        pool="cams_store",
        start_from_trigger=True,
        retries=3,
    ).expand(flow_id=store_flow_ids())
    DeployFlowsOperator(  # no upstream: it starts with store_flow_ids and runs while the triggerer publishes
        task_id="deploy_batch",
        cams_conn_id="cams_store",
        pool="cams_store_deploy",
        pool_slots=5,
        flow_name="signup",
        categories=["SIGN_UP"],
        flow_json="{{ dag_run.conf['flow_json'] }}",
        json_store="{{ dag_run.conf['json_store'] }}",
        json_store_conn_id="flow_store",
        cust_space_ids=STORE_SPACES,
        retries=3,
    )
