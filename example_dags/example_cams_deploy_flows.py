"""Flows as code: every Flow JSON in ``flows/`` next to this file becomes a published WhatsApp Flow.

One mapped DeployFlowOperator task per file. Each run validates the JSON locally first, hosts it in the
object store under its content hash, and makes CAMS match it: a new file creates and publishes a flow,
a changed file updates (or replaces) it, an unchanged file only reads. Set the Airflow Variable
``cams_flow_store`` to your bucket (``s3://bucket/prefix/``; Alibaba OSS through its S3-compatible
endpoint) and the ``flow_store`` connection to its credentials.

``max_active_runs=1``: overlapping runs are safe (they converge on one PUBLISHED flow per file, see the
flows-as-code docs), but a second run that starts while the first is still deploying only waits for it.
"""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow.sdk import DAG

from airflow_provider_cams.operators.flow import DeployFlowOperator

FLOWS_DIR = Path(__file__).parent / "flows"
BOOKING_ENDPOINT = "{{ var.value.get('booking_endpoint', 'https://booking.example.com/whatsapp/flow') }}"
# Each file's CAMS categories and data endpoint; a file not listed here is deployed as OTHER.
# [START howto_cams_flows_manifest]
MANIFEST: dict[str, dict[str, object]] = {
    "signup": {"categories": ["SIGN_UP"]},
    "survey": {"categories": ["SURVEY"]},
    "appointment_booking": {
        "categories": ["APPOINTMENT_BOOKING"],
        "endpoint_uri": BOOKING_ENDPOINT,
    },
}
# [END howto_cams_flows_manifest]

with DAG(
    dag_id="example_cams_deploy_flows",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"pool": "cams_default", "retries": 2},
    tags=["cams", "example", "flows-as-code"],
) as dag:
    # [START howto_operator_cams_deploy_flow]
    DeployFlowOperator.partial(
        task_id="deploy_flow",
        json_store="{{ var.value.get('cams_flow_store', 's3://my-bucket/whatsapp-flows/') }}",
        json_store_conn_id="flow_store",
        map_index_template="{{ task.flow_name }}",
    ).expand_kwargs(
        [
            {
                "flow_name": path.stem,
                "flow_json": f"flows/{path.name}",  # relative to this file's folder
                "categories": MANIFEST.get(path.stem, {}).get("categories", ["OTHER"]),
                "endpoint_uri": MANIFEST.get(path.stem, {}).get("endpoint_uri"),
            }
            for path in sorted(FLOWS_DIR.glob("*.json"))
        ]
    )
    # [END howto_operator_cams_deploy_flow]
