"""Create and publish through real Airflow (``dag.test()`` on SQLite) over HTTP to the emulator."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.operators.flow import CreateFlowOperator, PublishFlowOperator
from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.utils.compat import START_FROM_TRIGGER
from tests.dag_helpers import run_dag, ti_states, xcom
from tests.provider.conftest import dag_kwargs


def output(capfd: pytest.CaptureFixture[str]) -> str:
    """Everything printed so far: under dag.test() task logs go to the console."""
    captured = capfd.readouterr()
    return captured.out + captured.err


def _dag_id() -> str:
    return f"it_{uuid.uuid4().hex[:10]}"


def test_create_then_publish_through_output_and_jinja(emulator: CamsEmulator) -> None:
    emulator.require_flow_json = False  # about passing the new flow id on, not about its JSON
    with DAG(_dag_id(), **dag_kwargs()) as dag:
        create = CreateFlowOperator(task_id="create", flow_name="signup {{ run_id }}", categories=["SIGN_UP"])
        publish = PublishFlowOperator(task_id="publish", flow_id=create.output["flow_id"])
        again = PublishFlowOperator(
            task_id="publish_jinja", flow_id="{{ ti.xcom_pull(task_ids='create', key='flow_id') }}"
        )
        create >> publish >> again
    run = run_dag(dag)
    assert ti_states(run) == {"create": "success", "publish": "success", "publish_jinja": "success"}

    flows = emulator.flows()
    assert len(flows) == 1
    ((flow_id, flow),) = flows.items()
    assert flow["Status"] == "PUBLISHED"
    assert flow["FlowName"] == f"signup {run.run_id}"

    created = xcom(run, "create")
    assert created["flow_id"] == flow_id
    assert xcom(run, "create", key="flow_id") == flow_id
    json.dumps(created)

    published = xcom(run, "publish")
    # The second task sends PublishFlow once (check_first only on retries): CAMS rejects it, GetFlow
    # explains it, and the flow is published once.
    publish_calls = emulator.requests(action="PublishFlow")
    assert [(c.code, c.applied) for c in publish_calls] == [("OK", True), ("Flow.StatusNotSupport", False)]
    assert published == {
        "flow_id": flow_id,
        "cust_space_id": None,
        "status": "PUBLISHED",
        "already_published": False,
        "request_id": publish_calls[0].request_id,
    }
    assert xcom(run, "publish_jinja")["already_published"] is True


def test_templated_ids_arrive_exactly_as_rendered(emulator: CamsEmulator) -> None:
    space = "cams-space ~*+&=/é 中文"
    flow_id = emulator.add_flow(name="odd ~* name", categories=["OTHER"], cust_space_id=space, with_json=True)
    with DAG(_dag_id(), **dag_kwargs(params={"space": space})) as dag:
        PublishFlowOperator(
            task_id="publish",
            flow_id="{{ params.fid }}",
            cust_space_id="{{ params.space }}",
            params={"fid": flow_id},
            check_first=False,
        )
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "success"}
    (call,) = emulator.requests(action="PublishFlow")
    assert call.params["FlowId"] == flow_id
    assert call.params["CustSpaceId"] == space
    assert call.code == "OK"
    assert emulator.flows()[flow_id]["Status"] == "PUBLISHED"


def test_cust_space_id_falls_back_to_the_connections(
    emulator: CamsEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", emulator.connection_uri_json(cust_space_id="cams-conn1"))
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], cust_space_id="cams-conn1", with_json=True)
    with DAG(_dag_id(), **dag_kwargs()) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "success"}
    assert {r.params.get("CustSpaceId") for r in emulator.requests()} == {"cams-conn1"}


def test_first_try_sends_one_call_per_flow(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], with_json=True)
    with DAG(_dag_id(), **dag_kwargs()) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "success"}
    assert [(r.action, r.code) for r in emulator.requests()] == [("PublishFlow", "OK")]
    assert xcom(run, "publish")["already_published"] is False


@pytest.mark.cams_dialects()
def test_rerun_of_a_published_flow_succeeds_without_a_second_publish(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], status="PUBLISHED")
    with DAG(_dag_id(), **dag_kwargs()) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "success"}
    # PublishFlow is rejected (nothing applied), and GetFlow explains the rejection, whatever its code.
    assert [(r.action, r.code) for r in emulator.requests()] == [
        ("PublishFlow", emulator.dialect.wrong_status_code),
        ("GetFlow", "OK"),
    ]
    assert not emulator.requests(action="PublishFlow")[0].applied
    assert xcom(run, "publish")["already_published"] is True


def test_a_retried_task_reads_the_flow_first_and_publishes_once(emulator: CamsEmulator) -> None:
    # Try 1: PublishFlow is applied, then CAMS answers 500 and the hook has no attempt left to reconcile:
    # the task fails. Try 2 (try_number 2) reads the flow first and sends no second PublishFlow.
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], with_json=True)
    emulator.faults.add("server_error_after_apply", action="PublishFlow")
    default_args = {"retries": 1, "retry_delay": timedelta(0)}
    with DAG(_dag_id(), **dag_kwargs(default_args=default_args)) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id, hook_params={"max_attempts": 1})
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "success"}
    assert [(r.action, r.code) for r in emulator.requests()] == [
        ("PublishFlow", "InternalError"),
        ("GetFlow", "OK"),
    ]
    assert emulator.requests(action="PublishFlow")[0].applied
    assert xcom(run, "publish")["already_published"] is True


@pytest.mark.cams_dialects()
@pytest.mark.parametrize(
    ("check_first", "expected"),
    [
        (None, [("PublishFlow", "refused"), ("GetFlow", "OK")]),
        (False, [("PublishFlow", "refused"), ("GetFlow", "OK")]),
        (True, [("GetFlow", "OK")]),
    ],
)
def test_publishing_a_deprecated_flow_fails_and_says_why(
    emulator: CamsEmulator,
    capfd: pytest.CaptureFixture[str],
    check_first: bool | None,
    expected: list[tuple[str, str]],
) -> None:
    flow_id = emulator.add_flow(name="old", categories=["OTHER"], status="DEPRECATED")
    with DAG(_dag_id(), **dag_kwargs(default_args={"retries": 2, "retry_delay": timedelta(0)})) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id, check_first=check_first)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "failed"}
    # One try only (no Airflow retry for a DEPRECATED flow), and nothing applied.
    refused = emulator.dialect.wrong_status_code
    assert [(r.action, r.code) for r in emulator.requests()] == [
        (action, refused if code == "refused" else code) for action, code in expected
    ]
    assert emulator.flows()[flow_id]["Status"] == "DEPRECATED"
    text = output(capfd)
    assert re.search(rf"[Ff]low {flow_id} (is )?DEPRECATED", text)
    assert "cannot be published again" in text
    if check_first is not True:  # CAMS's own code and request id, verbatim
        assert f"{refused} (HTTP {emulator.dialect.wrong_status_http})" in text
        assert emulator.requests("PublishFlow")[0].request_id in text


@pytest.mark.parametrize("code", ["Ram.PermissionDeny", "Product.Unsubscript", "Unknown.ResourceOwnerId"])
def test_unhealable_codes_fail_once_with_code_request_id_and_hint(
    emulator: CamsEmulator, capfd: pytest.CaptureFixture[str], code: str
) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], with_json=True)
    emulator.faults.add("error", action="PublishFlow", code=code, http_status=400, times=10)
    with DAG(_dag_id(), **dag_kwargs(default_args={"retries": 3, "retry_delay": timedelta(0)})) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id, check_first=False)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "failed"}
    (call,) = emulator.requests(action="PublishFlow")  # one try, no hook retry, no Airflow retry
    text = output(capfd)
    assert code in text
    assert call.request_id in text
    assert "What to do:" in text


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        ("InvalidParameter.PageInvalid", "Fix the value in the DAG"),
        ("MissingParameter.FlowId", "A required parameter was not sent"),
        ("Authentication.NoAuth", "may not perform the operation"),
        ("InvalidTimeStamp.Expired", "NTP"),
    ],
)
def test_error_families_fail_the_first_try_after_one_request(
    emulator: CamsEmulator, capfd: pytest.CaptureFixture[str], code: str, needle: str
) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"])
    emulator.faults.add("error", action="PublishFlow", code=code, http_status=400, times=None)
    with DAG(_dag_id(), **dag_kwargs(default_args={"retries": 3, "retry_delay": timedelta(0)})) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "failed"}
    # One request in all: no hook retry, no explaining GetFlow, no Airflow retry.
    (call,) = emulator.requests()
    assert (call.action, call.code) == ("PublishFlow", code)
    text = output(capfd)
    assert call.request_id in text
    assert needle in text


def test_wrong_secret_fails_fast_with_signature_error(
    emulator: CamsEmulator, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    conn = json.loads(emulator.connection_uri_json())
    conn["password"] = "not-the-secret"
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", json.dumps(conn))
    with DAG(_dag_id(), **dag_kwargs(default_args={"retries": 2, "retry_delay": timedelta(0)})) as dag:
        PublishFlowOperator(task_id="publish", flow_id="123456789012345", check_first=False)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "failed"}
    assert len(emulator.requests()) == 1
    text = output(capfd)
    assert "SignatureDoesNotMatch" in text
    assert "not-the-secret" not in text


def test_sts_credentials_are_signed_and_accepted(airflow_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sts = {"STS.it-temp-ak": ("it-temp-secret", "it-sts-token-value")}
    with CamsEmulator("ak", "sk", sts_credentials=sts, require_flow_json=False) as emu:
        conn = {
            "conn_type": "cams",
            "login": "STS.it-temp-ak",
            "password": "it-temp-secret",
            "extra": {"endpoint": emu.endpoint, "protocol": "http", "security_token": "it-sts-token-value"},
        }
        monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", json.dumps(conn))
        with DAG(_dag_id(), **dag_kwargs()) as dag:
            create = CreateFlowOperator(task_id="create", flow_name="sts flow", categories=["SURVEY"])
            PublishFlowOperator(task_id="publish", flow_id=create.output["flow_id"])
        run = run_dag(dag)
        assert ti_states(run) == {"create": "success", "publish": "success"}
        assert {r.access_key_id for r in emu.requests()} == {"STS.it-temp-ak"}
        assert all(r.code == "OK" for r in emu.requests())


def test_throttling_is_retried_inside_the_task(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], with_json=True)
    emulator.faults.add("throttle", action="PublishFlow", times=2, retry_after_ms=200)
    with DAG(_dag_id(), **dag_kwargs()) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id, check_first=False)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "success"}
    codes = [r.code for r in emulator.requests(action="PublishFlow")]
    assert codes == ["System.LimitControl", "System.LimitControl", "OK"]


@pytest.mark.parametrize("fault", ["timeout_after_apply", "drop_after_apply", "server_error_after_apply"])
def test_ambiguous_publish_failure_is_checked_not_resent(
    emulator: CamsEmulator, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_CAMS_DEFAULT", emulator.connection_uri_json(conn_extra_overrides={"read_timeout": 1})
    )
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], with_json=True)
    emulator.faults.add(fault, action="PublishFlow", delay=3)
    with DAG(_dag_id(), **dag_kwargs()) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id, check_first=False)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "success"}
    assert len(emulator.requests(action="PublishFlow")) == 1
    assert emulator.flows()[flow_id]["Status"] == "PUBLISHED"
    assert xcom(run, "publish")["already_published"] is True


@pytest.mark.parametrize("fault", ["server_error", "drop_before", "non_json", "error_200"])
def test_failures_before_apply_are_retried_and_publish_once(emulator: CamsEmulator, fault: str) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], with_json=True)
    emulator.faults.add(fault, action="PublishFlow")
    with DAG(_dag_id(), **dag_kwargs()) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id, check_first=False)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "success"}
    applied = [r for r in emulator.requests(action="PublishFlow") if r.applied]
    assert len(applied) == 1
    assert emulator.flows()[flow_id]["Status"] == "PUBLISHED"


@pytest.mark.parametrize(
    ("flow_id", "needle"),
    [
        ("", "flow_id is empty"),
        ("   ", "whitespace only"),
        ("12\n34", "control characters"),
        ("9" * 500, "the limit is 128"),
        ("{{ dag_run.conf.get('flow_id', '') }}", "flow_id is empty"),
    ],
)
def test_bad_flow_ids_fail_before_any_request(
    emulator: CamsEmulator, capfd: pytest.CaptureFixture[str], flow_id: str, needle: str
) -> None:
    with DAG(_dag_id(), **dag_kwargs(default_args={"retries": 2, "retry_delay": timedelta(0)})) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "failed"}
    assert emulator.requests() == []
    assert needle in output(capfd)


@pytest.mark.skipif(START_FROM_TRIGGER, reason="Airflow >= 3.3 starts the task in the triggerer")
def test_start_from_trigger_runs_on_a_worker_below_airflow_3_3() -> None:
    """One code path: below 3.3 ``start_from_trigger=True`` is accepted and the task runs as today."""
    op = PublishFlowOperator(task_id="p", flow_id="f1", start_from_trigger=True)
    assert not op.start_from_trigger and op.start_trigger_args is None
    assert type(op).start_trigger_args is None
