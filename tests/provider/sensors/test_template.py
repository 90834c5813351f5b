"""TemplateReviewSensor through real Airflow (run_dag): a rejection fails at once with CAMS's reason.

The deferred wait for an approval (its ``template`` as XCom): tests/provider/operators/test_template.py;
what each trigger event does on resuming: tests/provider/sensors/test_resume.py."""

from __future__ import annotations

import uuid

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.sensors.template import TemplateReviewSensor
from airflow_provider_cams.testing import CamsEmulator
from tests.dag_helpers import run_dag, ti_states
from tests.provider.conftest import StartEmulator, dag_kwargs

SPACE = "cs-sensor"


@pytest.fixture
def emu(start_emulator: StartEmulator) -> CamsEmulator:
    return start_emulator(SPACE)


def test_rejected_review_fails_the_sensor_with_cams_reason(
    emu: CamsEmulator, capfd: pytest.CaptureFixture[str]
) -> None:
    code = emu.add_template("survey_invite", "en", [{"Type": "BODY", "Text": "x"}], cust_space_id=SPACE)
    emu.review_template(code, "fail", "The body contains a link shortener.")
    with DAG(f"tmpl_{uuid.uuid4().hex[:8]}", **dag_kwargs()) as dag:
        TemplateReviewSensor(
            task_id="wait_review", template_code=code, language="en", poke_interval=0.2, timeout=30
        )
    run = run_dag(dag)
    assert ti_states(run) == {"wait_review": "failed"}
    assert "The body contains a link shortener." in capfd.readouterr().out
    assert len(emu.requests("GetChatappTemplateDetail")) == 1
