"""Load for the rate-guarantee proof: mapped PublishFlowOperator tasks, a PublishFlowsOperator holding
two slots (the windowed pacing) and a status reader, all in one pool, with the operators' defaults.

Two DAGs with the same shape: ``cams_rate_paced`` uses connection ``cams_default`` (pacing on), and
``cams_rate_unpaced`` uses ``cams_unpaced`` (same account and pool, extra ``pacing: false``), the
negative control. The flow ids come in the run conf.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, get_current_context, task

from airflow_provider_cams.operators.flow import PublishFlowOperator, PublishFlowsOperator
from airflow_provider_cams.sensors.flow import FlowStatusSensor

POOL = "cams_default"

for dag_id, conn_id in (("cams_rate_paced", "cams_default"), ("cams_rate_unpaced", "cams_unpaced")):
    with DAG(dag_id, schedule=None, start_date=datetime(2026, 1, 1), catchup=False, max_active_tasks=64):

        @task
        def flow_ids() -> list[str]:
            return list(get_current_context()["dag_run"].conf["flow_ids"])

        @task
        def batch_flow_ids() -> list[str]:
            return list(get_current_context()["dag_run"].conf["batch_flow_ids"])

        ids = flow_ids()
        PublishFlowOperator.partial(task_id="publish", cams_conn_id=conn_id, pool=POOL, retries=3).expand(
            flow_id=ids
        )
        PublishFlowsOperator(
            task_id="publish_batch",
            cams_conn_id=conn_id,
            pool=POOL,
            pool_slots=2,
            flow_ids=batch_flow_ids(),
            retries=3,
        )
        FlowStatusSensor(
            task_id="read_status",
            cams_conn_id=conn_id,
            pool=POOL,
            flow_id="{{ dag_run.conf['reader_flow_id'] }}",
            target_status="PUBLISHED",
            poke_interval=1,
            timeout=300,
            mode="poke",
        )
