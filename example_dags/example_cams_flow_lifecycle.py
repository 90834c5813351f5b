"""The whole WhatsApp Flow lifecycle: create -> attach JSON -> publish -> wait PUBLISHED -> preview URL.

Every CAMS task runs in the account's pool (``cams-pool`` creates it); the sensor waits in the
triggerer when deferrable (the pool counts deferred tasks, so the rate guarantee holds).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_cams.operators.flow import (
    CreateFlowOperator,
    GetFlowPreviewUrlOperator,
    PublishFlowOperator,
    UpdateFlowJSONAssetOperator,
)
from airflow_provider_cams.sensors.flow import FlowStatusSensor

with DAG(
    dag_id="example_cams_flow_lifecycle",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"pool": "cams_default", "retries": 2, "retry_delay": timedelta(seconds=30)},
    params={
        "flow_name": "airflow-lifecycle",
        "flow_json_url": "https://assets.example.com/whatsapp-flows/signup-v1.json",
    },
    tags=["cams", "example"],
) as dag:
    # [START howto_cams_lifecycle]
    create = CreateFlowOperator(
        task_id="create_flow",
        flow_name="{{ params.flow_name }} {{ run_id }}",
        categories=["SIGN_UP", "LEAD_GENERATION"],
    )
    attach_json = UpdateFlowJSONAssetOperator(
        task_id="attach_flow_json",
        flow_id=create.output["flow_id"],
        file_path="{{ var.value.get('cams_flow_json_url', params.flow_json_url) }}",
    )
    publish = PublishFlowOperator(task_id="publish_flow", flow_id=create.output["flow_id"])
    wait_published = FlowStatusSensor(
        task_id="wait_published",
        flow_id=create.output["flow_id"],
        target_status="PUBLISHED",
        poke_interval=5,
        timeout=600,
        deferrable=True,
    )
    preview = GetFlowPreviewUrlOperator(task_id="preview_url", flow_id=create.output["flow_id"])

    create >> attach_json >> publish >> wait_published >> preview
    # [END howto_cams_lifecycle]
