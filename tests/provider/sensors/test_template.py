"""TemplateReviewSensor through real Airflow (run_dag): a rejection fails at once with CAMS's reason;
what each trigger event does. The deferred wait for an approval: tests/provider/operators/test_template.py."""

from __future__ import annotations

import uuid

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.exceptions import CamsError
from airflow_provider_cams.sensors.template import TemplateReviewSensor
from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.utils.compat import AirflowFailException, AirflowSensorTimeout
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


@pytest.mark.parametrize(
    ("event", "raises"),
    [
        ({"status": "failed", "message": "rejected"}, AirflowFailException),
        ({"status": "timeout", "message": "late"}, AirflowSensorTimeout),
        ({"status": "error", "message": "boom"}, CamsError),
    ],
)
def test_resuming_from_a_bad_event_fails_with_its_message(event: dict, raises: type) -> None:
    sensor = TemplateReviewSensor(task_id="t", template_code="c", language="en")
    with pytest.raises(raises, match=event["message"]):
        sensor.execute_complete({}, event)  # type: ignore[arg-type]
    ok = {"status": "success", "message": "approved", "template": {"audit_status": "pass"}}
    assert sensor.execute_complete({}, ok) == {"audit_status": "pass"}  # type: ignore[arg-type]
