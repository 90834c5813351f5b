"""Benchmark DAGs: the same 50-flow publish done three ways (flow ids in the run conf)."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, get_current_context, task

from airflow_provider_cams.operators.flow import PublishFlowOperator, PublishFlowsOperator

POOL = "cams_default"
ARGS = {"start_date": datetime(2026, 1, 1), "schedule": None, "catchup": False, "max_active_tasks": 64}


@task
def flow_ids() -> list[str]:
    return list(get_current_context()["dag_run"].conf["flow_ids"])


@task
def chunks(size: int = 10) -> list[list[str]]:
    ids = list(get_current_context()["dag_run"].conf["flow_ids"])
    return [ids[i : i + size] for i in range(0, len(ids), size)]


with DAG("qps_mapped", **ARGS):
    PublishFlowOperator.partial(task_id="publish", pool=POOL, check_first=False).expand(flow_id=flow_ids())

with DAG("qps_pool_only", **ARGS):
    PublishFlowOperator.partial(
        task_id="publish", pool=POOL, check_first=False, cams_conn_id="cams_unpaced", retries=5
    ).expand(flow_id=flow_ids())

with DAG("qps_batch", **ARGS):
    PublishFlowsOperator(task_id="publish", pool=POOL, pool_slots=5, flow_ids=flow_ids())

with DAG("qps_batch_chunks", **ARGS):
    PublishFlowsOperator.partial(task_id="publish", pool=POOL, pool_slots=1).expand(flow_ids=chunks())
