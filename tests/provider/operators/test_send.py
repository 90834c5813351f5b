"""SendTemplateOperator through real Airflow (run_dag) against the emulator: faults and a task retry in
the middle, and still every recipient has exactly one message with its own flow token."""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.hooks.sending import flow_token
from airflow_provider_cams.operators.send import SendTemplateOperator, to_recipient
from airflow_provider_cams.testing import CamsEmulator, FaultKind
from tests.dag_helpers import run_dag, ti_states, xcom
from tests.harness.object_store import LocalS3
from tests.provider.conftest import StartEmulator, dag_kwargs
from tests.provider.hooks.test_messaging import spec

SPACE = "cs-op"
BUSINESS = "6580000001"


@pytest.fixture
def emu(start_emulator: StartEmulator) -> CamsEmulator:
    """No pacing: these tests prove what is sent, not the rate (tests/scheduler prove the rate)."""
    return start_emulator(SPACE, pacing=False)


def run_send(retries: int, code: str, flow_id: str, **audience: Any) -> Any:
    """One SendTemplateOperator task in a fresh DAG, run through real Airflow with ``retries``."""
    default_args = {"retries": retries, "retry_delay": timedelta(seconds=0)}
    with DAG(f"send_{uuid.uuid4().hex[:8]}", **dag_kwargs(default_args=default_args)) as dag:
        SendTemplateOperator(
            task_id="send",
            template_code=code,
            language="en",
            business_number=BUSINESS,
            flow_id=flow_id,
            **audience,
        )
    run = run_dag(dag)
    assert ti_states(run) == {"send": "success"}
    return run


def assert_each_once(emu: CamsEmulator, run_id: str, flow_id: str, numbers: list[str]) -> dict[str, str]:
    """Every number has exactly one message, with its own flow token; returns the tokens by number."""
    assert Counter(m["UserNumber"] for m in emu.messages()) == Counter(dict.fromkeys(numbers, 1))
    tokens = {m["UserNumber"]: m["FlowToken"] for m in emu.messages()}
    assert tokens == {n: flow_token(run_id, flow_id, n) for n in numbers}
    return tokens


def test_retry_in_the_middle_and_lost_answers_still_send_each_person_once(emu: CamsEmulator) -> None:
    flow_id = emu.add_flow("f", ["OTHER"], status="PUBLISHED", cust_space_id=SPACE, with_json=True)
    code = emu.add_template("invite", "en", spec(flow_id).components(), cust_space_id=SPACE)
    numbers = [f"65{90000000 + i}" for i in range(1200)]
    people = [{"to": n, "template_params": {"1": f"p{i}", "2": "x"}} for i, n in enumerate(numbers)]
    # Chunk 1: answer lost after CAMS applied it. Chunk 2: refused (the task fails, then retries).
    emu.faults.add(FaultKind.DROP_AFTER_APPLY, action="SendChatappMassMessage")
    emu.faults.add(FaultKind.ERROR, action="SendChatappMassMessage", code="Emulated.Refusal")
    run = run_send(1, code, flow_id, recipients=[*people, "12-34", numbers[0]])
    assert_each_once(emu, run.run_id, flow_id, numbers)
    result = xcom(run, "send")
    assert result["by_status"] == {"already_sent": 1000, "accepted": 200, "invalid": 1, "duplicate": 1}
    assert [o["to"] for o in result["outcomes"][:2]] == numbers[:2]


def test_recipients_are_checked_before_anything_is_sent() -> None:
    assert to_recipient("+6591234567", "r", "f").to == "6591234567"
    with pytest.raises(CamsValidationError, match="unknown key"):
        to_recipient({"to": "6591234567", "name": "Ana"}, "r", "f")
    with pytest.raises(CamsValidationError, match="phone number or a mapping"):
        to_recipient(["6591234567"], "r", "f")


@pytest.fixture
def audience_bucket(local_s3: LocalS3, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket behind the ``audience_store`` connection; returns its name."""
    bucket = f"people-{uuid.uuid4().hex[:10]}"
    local_s3.create_bucket(bucket, versioned=False)
    monkeypatch.setenv("AIRFLOW_CONN_AUDIENCE_STORE", local_s3.connection_json())
    return bucket


def test_an_audience_file_with_faults_and_a_retry_sends_each_person_once(
    emu: CamsEmulator, local_s3: LocalS3, audience_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The never-twice proof: 30% of sends faulted (after-apply timeouts and drops included), a refusal
    that fails the task in the middle, a retry. ``CAMS_AUDIENCE_PROOF_SIZE`` sets the audience's size."""
    size = int(os.environ.get("CAMS_AUDIENCE_PROOF_SIZE", "10000"))
    conn = emu.connection_uri_json({"pacing": False, "read_timeout": 1.0}, cust_space_id=SPACE)
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", conn)
    flow_id = emu.add_flow("f", ["OTHER"], status="PUBLISHED", cust_space_id=SPACE, with_json=True)
    code = emu.add_template("invite", "en", spec(flow_id).components(), cust_space_id=SPACE)
    numbers = [f"65{80000000 + i}" for i in range(size)]
    rows = "".join(f"{n},p{i},x\n" for i, n in enumerate(numbers))
    body = f"to,1,2\n{rows}12-34,bad,x\n{numbers[0]},again,x\n"
    local_s3.client().put_object(Bucket=audience_bucket, Key="campaign/people.csv", Body=body.encode())
    mass = "SendChatappMassMessage"
    emu.faults.add(FaultKind.SLOW, action=mass, delay=0.0)  # chunk 1 goes out
    emu.faults.add(FaultKind.TIMEOUT_AFTER_APPLY, action=mass, delay=2.0)  # chunk 2: sent, answer late
    emu.faults.add(FaultKind.DROP_AFTER_APPLY, action=mass)  # chunk 3: sent, answer lost
    emu.faults.add(FaultKind.DROP_BEFORE, action=mass)  # chunk 4: not sent, answer lost
    emu.faults.add(FaultKind.ERROR, action=mass, code="Emulated.Refusal")  # chunk 4 again: the task fails
    after_apply = [
        FaultKind.TIMEOUT_AFTER_APPLY,
        FaultKind.DROP_AFTER_APPLY,
        FaultKind.SERVER_ERROR_AFTER_APPLY,
    ]
    kinds = [*after_apply, FaultKind.DROP_BEFORE, FaultKind.SERVER_ERROR]
    emu.faults.random(0.3, kinds=kinds, seed=19, actions=[mass], delay=2.0)  # then 30% of the sends
    audience = f"s3://{audience_bucket}/campaign/people.csv"
    run = run_send(3, code, flow_id, audience=audience, audience_conn_id="audience_store")
    injected = emu.faults.injected()
    assert injected.get("error") == 1 and all(injected.get(k.value) for k in after_apply[:2])
    assert sum(injected.values()) - injected["slow"] >= 0.3 * len(emu.requests(mass))
    tokens = assert_each_once(emu, run.run_id, flow_id, numbers)
    result = xcom(run, "send")
    assert "outcomes" not in result and result["recipients"] == size + 2
    assert result["by_status"]["invalid"] == 1 and result["by_status"]["duplicate"] == 1
    key = result["outcomes_url"].removeprefix(f"s3://{audience_bucket}/")
    assert key.startswith("campaign/people.csv.outcomes/")
    lines = local_s3.client().get_object(Bucket=audience_bucket, Key=key)["Body"].read().splitlines()
    outcomes = [json.loads(line) for line in lines]
    assert [o["to"] for o in outcomes[:size]] == numbers
    assert {o["status"] for o in outcomes[:size]} <= {"accepted", "already_sent"}
    assert [o["flow_token"] for o in outcomes[:size]] == [tokens[n] for n in numbers]


def test_single_sends_with_faults_and_a_retry_send_each_person_once(
    emu: CamsEmulator, local_s3: LocalS3, audience_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """send_mode="single": one SendChatappMessage each from threads, after-apply timeouts and drops, a
    refusal that fails the first try in the middle, 30% faults after it; the retry resumes from the
    checkpoint and CAMS's list. Every person exactly one message, with their own flow token."""
    conn = emu.connection_uri_json({"pacing": False, "read_timeout": 1.0}, cust_space_id=SPACE)
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", conn)
    flow_id = emu.add_flow("f", ["OTHER"], status="PUBLISHED", cust_space_id=SPACE, with_json=True)
    code = emu.add_template("invite", "en", spec(flow_id).components(), cust_space_id=SPACE)
    numbers = [f"65{70000000 + i}" for i in range(300)]
    body = "".join(
        json.dumps({"to": n, "template_params": {"1": f"p{i}", "2": "x"}}) + "\n"
        for i, n in enumerate(numbers)
    )
    local_s3.client().put_object(Bucket=audience_bucket, Key="people.jsonl", Body=body.encode())
    single = "SendChatappMessage"
    emu.faults.add(FaultKind.TIMEOUT_AFTER_APPLY, action=single, times=4, delay=2.0)
    emu.faults.add(FaultKind.DROP_AFTER_APPLY, action=single, times=4)
    emu.faults.add(FaultKind.SLOW, action=single, times=100, delay=0.0)
    emu.faults.add(FaultKind.ERROR, action=single, code="Emulated.Refusal")  # the first try fails here
    kinds = [FaultKind.TIMEOUT_AFTER_APPLY, FaultKind.DROP_AFTER_APPLY, FaultKind.DROP_BEFORE]
    emu.faults.random(0.3, kinds=kinds, seed=19, actions=[single], delay=2.0)
    audience = f"s3://{audience_bucket}/people.jsonl"
    # Two retries: a recipient whose three attempts all drop before CAMS applies them (p ~ 0.001 each) is
    # "failed" and fails its try; the next try sends it. Every outcome is still checked below.
    run = run_send(2, code, flow_id, audience=audience, audience_conn_id="audience_store", send_mode="single")
    injected = emu.faults.injected()
    assert (
        injected["error"] == 1 and injected["timeout_after_apply"] >= 4 and injected["drop_after_apply"] >= 4
    )
    assert not emu.requests("SendChatappMassMessage")
    tokens = assert_each_once(emu, run.run_id, flow_id, numbers)
    result = xcom(run, "send")
    assert result["send_mode"] == "single" and result["recipients"] == 300
    assert result["by_status"] == {"accepted": 300}  # the first try's checkpoint kept as recorded
    key = result["outcomes_url"].removeprefix(f"s3://{audience_bucket}/")
    lines = local_s3.client().get_object(Bucket=audience_bucket, Key=key)["Body"].read().splitlines()
    outcomes = [json.loads(line) for line in lines]
    assert [(o["to"], o["flow_token"]) for o in outcomes] == [(n, tokens[n]) for n in numbers]


def test_send_mode_defaults_to_single_for_one_recipient_and_is_checked(emu: CamsEmulator) -> None:
    flow_id = emu.add_flow("f", ["OTHER"], status="PUBLISHED", cust_space_id=SPACE, with_json=True)
    code = emu.add_template("invite", "en", spec(flow_id).components(), cust_space_id=SPACE)
    run = run_send(
        0, code, flow_id, recipients=[{"to": "6591230000", "template_params": {"1": "a", "2": "b"}}]
    )
    assert xcom(run, "send")["send_mode"] == "single" and emu.requests("SendChatappMessage")
    two = ["6591230001", "6591230002"]
    people = [{"to": n, "template_params": {"1": "a", "2": "b"}} for n in two]
    assert xcom(run_send(0, code, flow_id, recipients=people), "send")["send_mode"] == "mass"
    op = SendTemplateOperator(
        task_id="t",
        template_code=code,
        language="en",
        business_number=BUSINESS,
        flow_id=flow_id,
        recipients=two,
        send_mode="bulk",
    )
    with pytest.raises(CamsValidationError, match="send_mode must be 'mass', 'single' or None"):
        op._mode()
