"""SendTemplateOperator through real Airflow (run_dag) against the emulator: faults and a task retry in
the middle, and still every recipient has exactly one message with its own flow token."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.hooks.sending import flow_token
from airflow_provider_cams.operators.send import SendTemplateOperator, to_recipient
from airflow_provider_cams.testing import CamsEmulator, FaultKind
from tests.dag_helpers import run_dag, ti_states, xcom
from tests.provider.conftest import AK, SK, dag_kwargs
from tests.provider.hooks.test_messaging import spec

SPACE = "cs-op"
BUSINESS = "6580000001"


@pytest.fixture
def emu(airflow_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CamsEmulator]:
    with CamsEmulator(AK, SK, rate_limit=None) as emulator:
        # No pacing: these tests prove what is sent, not the rate (tests/scheduler prove the rate).
        conn = emulator.connection_uri_json({"pacing": False}, cust_space_id=SPACE)
        monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", conn)
        yield emulator


def test_retry_in_the_middle_and_lost_answers_still_send_each_person_once(emu: CamsEmulator) -> None:
    flow_id = emu.add_flow("f", ["OTHER"], status="PUBLISHED", cust_space_id=SPACE, with_json=True)
    code = emu.add_template("invite", "en", spec(flow_id).components(), cust_space_id=SPACE)
    numbers = [f"65{90000000 + i}" for i in range(1200)]
    people = [{"to": n, "template_params": {"1": f"p{i}", "2": "x"}} for i, n in enumerate(numbers)]
    # Chunk 1: answer lost after CAMS applied it. Chunk 2: refused (the task fails, then retries).
    emu.faults.add(FaultKind.DROP_AFTER_APPLY, action="SendChatappMassMessage")
    emu.faults.add(FaultKind.ERROR, action="SendChatappMassMessage", code="Emulated.Refusal")
    default_args = {"retries": 1, "retry_delay": timedelta(seconds=0)}
    with DAG(f"send_{uuid.uuid4().hex[:8]}", **dag_kwargs(default_args=default_args)) as dag:
        SendTemplateOperator(
            task_id="send",
            template_code=code,
            language="en",
            business_number=BUSINESS,
            flow_id=flow_id,
            recipients=[*people, "12-34", numbers[0]],
        )
    run = run_dag(dag)
    assert ti_states(run) == {"send": "success"}
    assert Counter(m["UserNumber"] for m in emu.messages()) == Counter({n: 1 for n in numbers})
    tokens = {m["UserNumber"]: m["FlowToken"] for m in emu.messages()}
    assert tokens == {n: flow_token(run.run_id, flow_id, n) for n in numbers}
    result = xcom(run, "send")
    assert result["by_status"] == {"already_sent": 1000, "accepted": 200, "invalid": 1, "duplicate": 1}
    assert [o["to"] for o in result["outcomes"][:2]] == numbers[:2]


def test_recipients_are_checked_before_anything_is_sent() -> None:
    assert to_recipient("+6591234567", "r", "f").to == "6591234567"
    with pytest.raises(CamsValidationError, match="unknown key"):
        to_recipient({"to": "6591234567", "name": "Ana"}, "r", "f")
    with pytest.raises(CamsValidationError, match="phone number or a mapping"):
        to_recipient(["6591234567"], "r", "f")
