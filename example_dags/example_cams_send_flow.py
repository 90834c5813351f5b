"""A WhatsApp Flow reaches people: deploy the flow, deploy its template, wait for Meta's review, send.

``deploy_flow`` hosts ``flows/signup.json`` in the object store and publishes it; ``deploy_template``
makes CAMS hold a template with a FLOW button that opens it (reads only when nothing changed);
``wait_for_review`` waits for Meta's review (a rejection fails with CAMS's reason); ``send`` sends the
template to everyone in the audience file, never twice to one person, and writes each person's outcome
next to the file (``<audience>.outcomes/<run_id>.jsonl``).

Set the Airflow Variables ``cams_flow_store`` (``s3://bucket/prefix/`` for the Flow JSON),
``cams_audience`` (the audience file: CSV with ``to`` and ``1`` columns, or JSON Lines) and
``cams_business_number`` (your WhatsApp sender number), and the ``flow_store`` and ``audience_store``
object-storage connections. The CAMS connection needs its ``cust_space_id`` (ListChatappMessage, which a
retry reads to skip whoever was already sent, requires it).

Parses without touching any connection: connections are read only when a task runs.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_cams.operators.flow import DeployFlowOperator
from airflow_provider_cams.operators.send import SendTemplateOperator
from airflow_provider_cams.operators.template import DeployTemplateOperator
from airflow_provider_cams.sensors.template import TemplateReviewSensor

with DAG(
    dag_id="example_cams_send_flow",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"pool": "cams_default", "retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["cams", "example", "send"],
) as dag:
    deploy_flow = DeployFlowOperator(
        task_id="deploy_flow",
        flow_name="signup",
        categories=["SIGN_UP"],
        flow_json="flows/signup.json",
        json_store="{{ var.value.get('cams_flow_store', 's3://my-bucket/whatsapp-flows/') }}",
        json_store_conn_id="flow_store",
    )

    # [START howto_operator_cams_send_flow]
    deploy_template = DeployTemplateOperator(
        task_id="deploy_template",
        template_name="signup_invite",
        language="en",
        body_text="Hi {{1}}, sign up in two taps.",
        examples={"1": "Ana"},
        button_text="Sign up",
        flow_id=deploy_flow.output["flow_id"],
        navigate_screen="SIGN_UP",
    )
    wait_for_review = TemplateReviewSensor(
        task_id="wait_for_review",
        template_code=deploy_template.output["template_code"],
        language="en",
        poke_interval=60,
        timeout=2 * 24 * 3600,  # Meta reviews most templates within minutes, some within 48 hours
        mode="reschedule",
    )
    send = SendTemplateOperator(
        task_id="send",
        template_code=deploy_template.output["template_code"],
        language="en",
        business_number="{{ var.value.get('cams_business_number', '6580000001') }}",
        flow_id=deploy_flow.output["flow_id"],
        audience="{{ var.value.get('cams_audience', 's3://my-bucket/campaign/people.csv') }}",
        audience_conn_id="audience_store",
    )
    # [END howto_operator_cams_send_flow]

    wait_for_review >> send
