"""Load for the flows-as-code proof: one Flow JSON deployed to many sub-customers, one pool.

The sub-customers (CustSpaceIds), the file and the store come in the run conf.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, get_current_context, task

from airflow_provider_cams.operators.flow import DeployFlowOperator

with DAG(
    "cams_deploy_many", schedule=None, start_date=datetime(2026, 1, 1), catchup=False, max_active_tasks=64
):

    @task
    def spaces() -> list[str]:
        return list(get_current_context()["dag_run"].conf["cust_space_ids"])

    DeployFlowOperator.partial(
        task_id="deploy",
        pool="cams_default",
        flow_name="signup",
        categories=["SIGN_UP"],
        flow_json="{{ dag_run.conf['flow_json'] }}",
        json_store="{{ dag_run.conf['json_store'] }}",
        json_store_conn_id="flow_store",
        retries=3,
    ).expand(cust_space_id=spaces())
