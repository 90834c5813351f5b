"""Create a WhatsApp Flow in CAMS, attach its Flow JSON, then publish it.

The Flow JSON must be hosted where CAMS can fetch it: set the Airflow Variable ``cams_flow_json_url``
(or the ``flow_json_url`` param) to its URL. ``DeployFlowOperator`` hosts it for you (see
``example_cams_deploy_flows.py``).

Parses without touching any connection: the CAMS connection is read only when a task runs.
Every CAMS task of an account runs in that account's pool (``cams-pool`` creates it), with
retries for what the hook's own retries could not absorb.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_cams.operators.flow import (
    CreateFlowOperator,
    PublishFlowOperator,
    UpdateFlowJSONAssetOperator,
)

# [START howto_cams_default_args]
CAMS_POOL = "cams_default"  # one pool per CAMS account; created by `cams-pool`

default_args = {
    "cams_conn_id": "cams_default",
    "pool": CAMS_POOL,
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
}
# [END howto_cams_default_args]

with DAG(
    dag_id="example_cams_publish_flow",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={
        "flow_name": "airflow-signup",
        "flow_json_url": "https://assets.example.com/whatsapp-flows/signup-v1.json",
    },
    tags=["cams", "example"],
) as dag:
    # [START howto_operator_cams_create_flow]
    create_flow = CreateFlowOperator(
        task_id="create_flow",
        flow_name="{{ params.flow_name }} {{ run_id }}",
        categories=["SIGN_UP"],
    )
    # [END howto_operator_cams_create_flow]

    attach_json = UpdateFlowJSONAssetOperator(
        task_id="attach_flow_json",
        flow_id=create_flow.output["flow_id"],
        file_path="{{ var.value.get('cams_flow_json_url', params.flow_json_url) }}",
    )

    # [START howto_operator_cams_publish_flow]
    publish_flow = PublishFlowOperator(
        task_id="publish_flow",
        flow_id=create_flow.output["flow_id"],
    )
    # [END howto_operator_cams_publish_flow]

    # The same flow id through Jinja, as a string template.
    # [START howto_operator_cams_publish_flow_jinja]
    publish_again = PublishFlowOperator(
        task_id="publish_flow_jinja",
        flow_id="{{ ti.xcom_pull(task_ids='create_flow', key='flow_id') }}",
    )
    # [END howto_operator_cams_publish_flow_jinja]

    create_flow >> attach_json >> publish_flow >> publish_again
