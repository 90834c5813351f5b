"""Templates as code through real Airflow (run_dag) against the emulator: deploy, wait for the review
(deferred), re-run with reads only; flow by name."""

from __future__ import annotations

import threading
import uuid

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.operators.template import DeployTemplateOperator
from airflow_provider_cams.sensors.template import TemplateReviewSensor
from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.testing.templates import TemplateReview
from tests.dag_helpers import run_dag, ti_states, xcom
from tests.provider.conftest import StartEmulator, dag_kwargs

SPACE = "cs-dag"
BODY = "Hello {{1}}, tell us what you think."


@pytest.fixture
def emu(start_emulator: StartEmulator) -> CamsEmulator:
    return start_emulator(SPACE, template_review=TemplateReview(outcome="manual"))


def deploy(**overrides: object) -> DeployTemplateOperator:
    kwargs: dict = {
        "task_id": "deploy_template",
        "template_name": "survey_invite",
        "language": "en",
        "body_text": BODY,
        "button_text": "Answer",
        "flow_name": "survey",
        "navigate_screen": "QUESTION_ONE",
        "examples": {"1": "Ana"},
    }
    return DeployTemplateOperator(**{**kwargs, **overrides})


def approve_when_polled(emu: CamsEmulator, stop: threading.Event) -> threading.Thread:
    """Approve the template once the sensor has read it (no deadline: timing decides nothing)."""

    def act() -> None:
        while not emu.requests("GetChatappTemplateDetail"):
            if stop.wait(0.05):
                return
        (code,) = emu.templates()
        emu.review_template(code, "pass")

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread


def test_deploy_then_deferred_wait_for_approval_then_rerun_reads_only(emu: CamsEmulator) -> None:
    emu.add_flow("survey", ["SURVEY"], status="DEPRECATED", cust_space_id=SPACE)  # an older version
    flow_id = emu.add_flow("survey", ["SURVEY"], status="PUBLISHED", cust_space_id=SPACE, with_json=True)
    with DAG(f"tmpl_{uuid.uuid4().hex[:8]}", **dag_kwargs()) as dag:
        made = deploy()
        made >> TemplateReviewSensor(
            task_id="wait_review",
            template_code=made.output["template_code"],
            language="en",
            poke_interval=0.2,
            timeout=120,
            deferrable=True,
        )
    stop = threading.Event()
    thread = approve_when_polled(emu, stop)
    try:
        run = run_dag(dag)
    finally:
        stop.set()
        thread.join()
    assert ti_states(run) == {"deploy_template": "success", "wait_review": "success"}
    deployed = xcom(run, "deploy_template")
    assert (deployed["action"], deployed["flow_id"], deployed["audit_status"]) == (
        "created",
        flow_id,
        "auditing",
    )
    assert xcom(run, "wait_review")["audit_status"] == "pass"
    button = emu.templates()[deployed["template_code"]]["Components"][-1]["Buttons"][0]
    assert (button["FlowId"], button["NavigateScreen"]) == (flow_id, "QUESTION_ONE")

    with DAG(f"tmpl_{uuid.uuid4().hex[:8]}", **dag_kwargs()) as again:
        deploy(flow_name=None, flow_id=flow_id)
    before = len(emu.requests())
    rerun = run_dag(again)
    assert xcom(rerun, "deploy_template")["action"] == "unchanged"
    assert {r.action for r in emu.requests()[before:]} == {"ListChatappTemplate", "GetChatappTemplateDetail"}


def test_flow_by_name_needs_exactly_one_published_flow(emu: CamsEmulator) -> None:
    emu.add_flow("survey", ["SURVEY"], status="DRAFT", cust_space_id=SPACE)
    operator = deploy()
    with pytest.raises(CamsValidationError, match="exactly one published flow"):
        operator.execute_cams({})  # type: ignore[arg-type]
    assert "CreateChatappTemplate" not in {r.action for r in emu.requests()}
    with pytest.raises(CamsValidationError, match="exactly one of flow_id and flow_name"):
        deploy(flow_id="1")
