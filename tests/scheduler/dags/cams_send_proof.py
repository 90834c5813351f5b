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


def send(task_id: str, mode: str, slots: int, workers: int, audience: str) -> SendTemplateOperator:
    """A send of ``mode`` holding ``slots`` of the pool, from ``workers`` threads, to conf[audience]."""
    return SendTemplateOperator(
        task_id=task_id,
        send_mode=mode,
        pool_slots=slots,
        max_workers=workers,
        audience=f"{{{{ dag_run.conf['{audience}'] }}}}",
        **SEND,
    )


with dag("cams_send_mass"):
    send("send", "mass", 5, 4, "audience")

with dag("cams_send_single"):
    send("send", "single", 5, 16, "audience")

with dag("cams_send_mixed"):
    send("mass", "mass", 1, 2, "mass_audience")
    send("single", "single", 3, 8, "single_audience")
    PublishFlowOperator(
        task_id="publish",
        pool=POOL,
        flow_id="{{ dag_run.conf['publish_flow_id'] }}",
        retries=2,
        retry_delay=timedelta(seconds=2),
    )
