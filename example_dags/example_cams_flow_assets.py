"""Cross-DAG: a publishing DAG runs after a CreateFlow DAG, through an Airflow 3 Asset.

The create task's outlet is the Asset; CreateFlowOperator attaches the flow id to the asset event's
``extra``, and the consumer DAG reads it from the event that triggered its run.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset

from airflow_provider_cams.operators.flow import (
    CreateFlowOperator,
    PublishFlowOperator,
    UpdateFlowJSONAssetOperator,
)

# [START howto_cams_flow_asset]
SIGNUP_FLOW = Asset("cams://flows/signup", group="cams")

with DAG(
    dag_id="example_cams_create_flow_asset",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"pool": "cams_default", "retries": 2},
    tags=["cams", "example"],
):
    CreateFlowOperator(
        task_id="create_flow",
        flow_name="signup {{ run_id }}",
        categories=["SIGN_UP"],
        outlets=[SIGNUP_FLOW],  # the asset event's extra gets flow_id, flow_name, cust_space_id
    )

with DAG(
    dag_id="example_cams_publish_flow_asset",
    schedule=[SIGNUP_FLOW],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"pool": "cams_default", "retries": 2},
    tags=["cams", "example"],
):
    flow_id = "{{ (triggering_asset_events.values() | first | last).extra['flow_id'] }}"
    attach = UpdateFlowJSONAssetOperator(
        task_id="attach_flow_json",
        flow_id=flow_id,
        file_path="{{ var.value.cams_flow_json_url }}",  # where the Flow JSON is hosted
    )
    attach >> PublishFlowOperator(task_id="publish_flow", flow_id=flow_id)
# [END howto_cams_flow_asset]
