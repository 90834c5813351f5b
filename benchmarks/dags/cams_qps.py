"""Benchmark DAGs: the same publish of N flows done five ways (flow ids in the run conf), and one
Flow JSON deployed to many sub-customers (mapped tasks, or one batch task)."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, get_current_context, task

from airflow_provider_cams.operators.deploy import DeployFlowsOperator
from airflow_provider_cams.operators.flow import DeployFlowOperator, PublishFlowOperator, PublishFlowsOperator

POOL = "cams_default"
ARGS = {"start_date": datetime(2026, 1, 1), "schedule": None, "catchup": False, "max_active_tasks": 64}
CHUNKS = 5


@task
def flow_ids() -> list[str]:
    return list(get_current_context()["dag_run"].conf["flow_ids"])


@task
def chunks(count: int = CHUNKS) -> list[list[str]]:
    ids = list(get_current_context()["dag_run"].conf["flow_ids"])
    return [ids[i::count] for i in range(count) if ids[i::count]]


with DAG("qps_mapped", **ARGS):  # the operator's defaults: one PublishFlow per flow on the first try
    PublishFlowOperator.partial(task_id="publish", pool=POOL).expand(flow_id=flow_ids())

with DAG("qps_triggerer", **ARGS):  # started in the triggerer: connection cams_trig keeps 4 slots for it
    PublishFlowOperator.partial(
        task_id="publish", pool="cams_trig", cams_conn_id="cams_trig", start_from_trigger=True
    ).expand(flow_id=flow_ids())

with DAG("qps_triggerer_store", **ARGS):  # the same with a rate store: all 5 slots, shared with workers
    PublishFlowOperator.partial(
        task_id="publish", pool="cams_store", cams_conn_id="cams_store", start_from_trigger=True
    ).expand(flow_id=flow_ids())

with DAG("qps_pool_only", **ARGS):
    PublishFlowOperator.partial(task_id="publish", pool=POOL, cams_conn_id="cams_unpaced", retries=5).expand(
        flow_id=flow_ids()
    )

with DAG("qps_batch", **ARGS):
    PublishFlowsOperator(task_id="publish", pool=POOL, pool_slots=5, flow_ids=flow_ids())

with DAG("qps_batch_chunks", **ARGS):
    PublishFlowsOperator.partial(task_id="publish", pool=POOL, pool_slots=1).expand(flow_ids=chunks())


@task
def cust_space_ids() -> list[str]:
    return list(get_current_context()["dag_run"].conf["cust_space_ids"])


with DAG("qps_deploy", **ARGS):  # one Flow JSON to many sub-customers (flows as code)
    DeployFlowOperator.partial(
        task_id="publish",
        pool=POOL,
        flow_name="signup",
        categories=["SIGN_UP"],
        flow_json="{{ dag_run.conf['flow_json'] }}",
        json_store="{{ dag_run.conf['json_store'] }}",
        json_store_conn_id="flow_store",
    ).expand(cust_space_id=cust_space_ids())

with DAG("qps_deploy_batch", **ARGS):  # the same from one task holding the whole pool
    DeployFlowsOperator(
        task_id="publish",
        pool=POOL,
        pool_slots=5,
        flow_name="signup",
        categories=["SIGN_UP"],
        flow_json="{{ dag_run.conf['flow_json'] }}",
        json_store="{{ dag_run.conf['json_store'] }}",
        json_store_conn_id="flow_store",
        cust_space_ids=cust_space_ids(),
    )
