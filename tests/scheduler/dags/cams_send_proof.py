"""Loads for the send proofs (``tests/scheduler/test_sends_scheduler.py``) and ``benchmarks/sends.py``.

Every CAMS task runs in the account's pool ``cams_default`` (5 slots). The template, its flow, the
sender number and the audience files (``file://`` URLs) come in the run conf.

``cams_send_mass`` / ``cams_send_single``: one SendTemplateOperator holding the whole pool, by mass send
(10/s of up to 1,000 recipients) or by single sends (250/s): the benchmark's rows.
``cams_send_mixed``: a mass send (1 slot), a single-mode send (3 slots) and a flow publish (1 slot) at the
same time in one account: each API must stay at its own limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG

from airflow_provider_cams.operators.flow import PublishFlowOperator
from airflow_provider_cams.operators.send import SendTemplateOperator

POOL = "cams_default"
SEND: dict[str, Any] = {
    "template_code": "{{ dag_run.conf['template_code'] }}",
    "language": "en",
    "business_number": "{{ dag_run.conf['business_number'] }}",
    "flow_id": "{{ dag_run.conf['flow_id'] }}",
    "pool": POOL,
    "retries": 2,
    "retry_delay": timedelta(seconds=2),
}


def dag(dag_id: str) -> DAG:
    return DAG(dag_id, schedule=None, start_date=datetime(2026, 1, 1), catchup=False, max_active_tasks=16)


with dag("cams_send_mass"):
    SendTemplateOperator(
        task_id="send",
        send_mode="mass",
        pool_slots=5,
        max_workers=4,
        audience="{{ dag_run.conf['audience'] }}",
        **SEND,
    )

with dag("cams_send_single"):
    SendTemplateOperator(
        task_id="send",
        send_mode="single",
        pool_slots=5,
        max_workers=16,
        audience="{{ dag_run.conf['audience'] }}",
        **SEND,
    )

with dag("cams_send_mixed"):
    SendTemplateOperator(
        task_id="mass",
        send_mode="mass",
        pool_slots=1,
        max_workers=2,
        audience="{{ dag_run.conf['mass_audience'] }}",
        **SEND,
    )
    SendTemplateOperator(
        task_id="single",
        send_mode="single",
        pool_slots=3,
        audience="{{ dag_run.conf['single_audience'] }}",
        **SEND,
    )
    PublishFlowOperator(
        task_id="publish",
        pool=POOL,
        flow_id="{{ dag_run.conf['publish_flow_id'] }}",
        retries=2,
        retry_delay=timedelta(seconds=2),
    )
