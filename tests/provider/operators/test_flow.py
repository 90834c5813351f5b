"""The flow operators (operators/flow.py) through real Airflow (``dag.test()`` on SQLite) over HTTP to the
emulator: results, re-runs, links, and PublishFlowOperator's checks, retries and errors."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pendulum
import pytest
from airflow.sdk import DAG

from airflow_provider_cams.hooks.cams import CamsHook
from airflow_provider_cams.operators.flow import (
    CreateFlowOperator,
    DeleteFlowOperator,
    DeprecateFlowOperator,
    GetFlowOperator,
    GetFlowPreviewUrlOperator,
    ListFlowsOperator,
    ModifyFlowOperator,
    PublishFlowOperator,
    UpdateFlowJSONAssetOperator,
)
from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.utils.compat import START_FROM_TRIGGER
from tests.dag_helpers import new_dag_id, output, run_dag, ti_states, xcom
from tests.provider.conftest import dag_kwargs

FLOW_JSON = {"version": "7.3", "screens": [{"id": "SIGN_UP"}]}


@pytest.mark.cams_dialects()
def test_full_lifecycle_with_every_operator(emulator: CamsEmulator) -> None:
    emulator.require_flow_json = True
    json_url = emulator.host_json(FLOW_JSON, name="signup.json")
    with DAG(new_dag_id("life"), **dag_kwargs()) as dag:
        create = CreateFlowOperator(task_id="create", flow_name="draft name", categories=["SIGN_UP"])
        fid = create.output["flow_id"]
        modify = ModifyFlowOperator(
            task_id="modify",
            flow_id=fid,
            flow_name="final name",
            categories=["SURVEY", "OTHER"],
            endpoint_uri="https://api.example.com/x",
        )
        attach = UpdateFlowJSONAssetOperator(task_id="attach", flow_id=fid, file_path=json_url)
        publish = PublishFlowOperator(task_id="publish", flow_id=fid)
        get = GetFlowOperator(task_id="get", flow_id=fid)
        preview = GetFlowPreviewUrlOperator(task_id="preview", flow_id=fid)
        listing = ListFlowsOperator(task_id="list", flow_name="final name")
        deprecate = DeprecateFlowOperator(task_id="deprecate", flow_id=fid)
        create >> modify >> attach >> publish >> get >> preview >> listing >> deprecate
    run = run_dag(dag)
    assert set(ti_states(run).values()) == {"success"}, ti_states(run)

    ((flow_id, flow),) = emulator.flows().items()
    assert (flow["FlowName"], flow["Status"], flow["FilePath"]) == ("final name", "DEPRECATED", json_url)
    assert xcom(run, "modify")["categories"] == ["SURVEY", "OTHER"]
    assert xcom(run, "attach")["file_path"] == json_url
    got = xcom(run, "get")
    assert (got["flow_id"], got["status"], got["flow_name"]) == (flow_id, "PUBLISHED", "final name")
    shown = xcom(run, "preview")
    assert shown["preview_url"] == flow["PreviewUrl"]
    expires = pendulum.parse(shown["preview_url_expires"])
    assert expires.tzinfo is not None and expires.utcoffset() == timedelta(0)
    assert int(expires.timestamp() * 1000) == flow["PreviewUrlExpires"]
    assert xcom(run, "list") == {
        "flows": [{"flow_id": flow_id, "flow_name": "final name", "categories": ["SURVEY", "OTHER"]}],
        "count": 1,
        "cust_space_id": None,
    }
    assert xcom(run, "deprecate")["already_deprecated"] is False


def test_publish_task_carries_console_and_preview_links(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], with_json=True)
    CamsHook().get_flow_preview_url(flow_id)  # GetFlow shows a preview URL once one was issued
    with DAG(new_dag_id("life"), **dag_kwargs()) as dag:
        # The preview URL comes from GetFlow, which the default sends only on retries.
        PublishFlowOperator(task_id="publish", flow_id=flow_id, check_first=True)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "success"}
    console = xcom(run, "publish", key="cams_flow_console_url")
    assert console.startswith("https://") and flow_id in console
    assert xcom(run, "publish", key="cams_flow_preview_url") == emulator.flows()[flow_id]["PreviewUrl"]
    assert xcom(run, "publish", key="_link_CamsFlowConsoleLink") == console
    assert xcom(run, "publish", key="_link_CamsFlowPreviewLink") == emulator.flows()[flow_id]["PreviewUrl"]


def test_publish_with_defaults_carries_the_console_link_only(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], with_json=True)
    with DAG(new_dag_id("life"), **dag_kwargs()) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id)
    run = run_dag(dag)
    assert [r.action for r in emulator.requests()] == ["PublishFlow"]
    assert flow_id in xcom(run, "publish", key="_link_CamsFlowConsoleLink")
    assert not xcom(run, "publish", key="_link_CamsFlowPreviewLink")


@pytest.mark.cams_dialects()
def test_rerunning_lifecycle_steps_doubles_nothing(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], with_json=True)
    with DAG(new_dag_id("life"), **dag_kwargs()) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id)
    for _ in range(2):
        assert ti_states(run_dag(dag)) == {"publish": "success"}
    # The re-run's PublishFlow is rejected (and explained by a GetFlow): the flow is published once.
    assert [(r.code, r.applied) for r in emulator.requests(action="PublishFlow")] == [
        ("OK", True),
        (emulator.dialect.wrong_status_code, False),
    ]

    with DAG(new_dag_id("life"), **dag_kwargs()) as dag2:
        DeprecateFlowOperator(task_id="deprecate", flow_id=flow_id)
    first, second = run_dag(dag2), run_dag(dag2)
    assert xcom(first, "deprecate")["already_deprecated"] is False
    assert xcom(second, "deprecate")["already_deprecated"] is True
    assert emulator.flows()[flow_id]["Status"] == "DEPRECATED"


@pytest.mark.cams_dialects()
def test_changing_a_published_flow_fails_once_saying_its_status(
    emulator: CamsEmulator, capfd: pytest.CaptureFixture[str]
) -> None:
    live = emulator.add_flow(name="p", categories=["OTHER"], status="PUBLISHED", with_json=True)
    url = emulator.host_json(FLOW_JSON)
    default_args = {"retries": 2, "retry_delay": timedelta(0)}
    with DAG(new_dag_id("life"), **dag_kwargs(default_args=default_args)) as dag:
        UpdateFlowJSONAssetOperator(task_id="attach", flow_id=live, file_path=url)
        ModifyFlowOperator(task_id="modify", flow_id=live, flow_name="q", categories=["OTHER"])
    assert ti_states(run_dag(dag)) == {"attach": "failed", "modify": "failed"}
    # One try each (no retry makes a PUBLISHED flow DRAFT), explained by GetFlow, not by the code.
    assert sorted(r.action for r in emulator.requests()) == [
        "GetFlow",
        "GetFlow",
        "ModifyFlow",
        "UpdateFlowJSONAsset",
    ]
    out = capfd.readouterr()
    text = out.out + out.err
    assert text.count(f"shows flow {live} PUBLISHED") >= 2 and "only DRAFT flows can be changed" in text
    assert emulator.dialect.wrong_status_code in text


@pytest.mark.cams_dialects()
def test_delete_is_idempotent_and_refuses_published_flows(emulator: CamsEmulator) -> None:
    draft = emulator.add_flow(name="d", categories=["OTHER"])
    live = emulator.add_flow(name="p", categories=["OTHER"], status="PUBLISHED")
    with DAG(
        new_dag_id("life"), **dag_kwargs(default_args={"retries": 2, "retry_delay": timedelta(0)})
    ) as dag:
        DeleteFlowOperator(task_id="delete", flow_id=draft)
        DeleteFlowOperator(task_id="delete_again", flow_id=draft)
        DeleteFlowOperator(task_id="delete_live", flow_id=live)
        DeleteFlowOperator(task_id="delete_strict", flow_id="404404404404404", missing_ok=False)
    run = run_dag(dag)
    states = ti_states(run)
    assert draft not in emulator.flows() and live in emulator.flows()
    assert states["delete_live"] == "failed"
    assert states["delete_strict"] == "failed"
    assert {states["delete"], states["delete_again"]} == {"success"}
    assert {xcom(run, "delete")["already_deleted"], xcom(run, "delete_again")["already_deleted"]} == {
        True,
        False,
    }


def test_list_walks_every_page(emulator: CamsEmulator) -> None:
    for i in range(7):
        emulator.add_flow(name=f"f{i}", categories=["OTHER"])
    with DAG(new_dag_id("life"), **dag_kwargs()) as dag:
        ListFlowsOperator(task_id="list", page_size=3)
    run = run_dag(dag)
    assert xcom(run, "list")["count"] == 7
    assert len(emulator.requests(action="ListFlow")) == 3


def test_ambiguous_create_reuses_the_flow_it_made(
    emulator: CamsEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_CAMS_DEFAULT", emulator.connection_uri_json(conn_extra_overrides={"read_timeout": 1})
    )
    emulator.faults.add("timeout_after_apply", action="CreateFlow", delay=3)
    with DAG(new_dag_id("life"), **dag_kwargs()) as dag:
        CreateFlowOperator(task_id="create", flow_name="unique name", categories=["OTHER"])
    run = run_dag(dag)
    assert ti_states(run) == {"create": "success"}
    assert len(emulator.flows()) == 1
    assert len(emulator.requests(action="CreateFlow")) == 1
    assert xcom(run, "create")["reused"] is True
    assert xcom(run, "create", key="flow_id") == next(iter(emulator.flows()))


def test_create_announces_the_flow_on_its_outlet_asset(emulator: CamsEmulator) -> None:
    from airflow.models.asset import AssetEvent
    from airflow.sdk import Asset
    from airflow.utils.session import create_session

    asset = Asset(f"cams://flows/{uuid.uuid4().hex}")
    with DAG(new_dag_id("life"), **dag_kwargs()) as dag:
        CreateFlowOperator(task_id="create", flow_name="n", categories=["OTHER"], outlets=[asset])
    run = run_dag(dag)
    assert ti_states(run) == {"create": "success"}
    with create_session() as session:
        events = [e for e in session.query(AssetEvent).all() if e.source_run_id == run.run_id]
    assert [e.extra for e in events] == [
        {"flow_id": next(iter(emulator.flows())), "flow_name": "n", "cust_space_id": None}
    ]


def test_batch_publish_reports_each_flow_and_fails_on_partial_failure(emulator: CamsEmulator) -> None:
    from airflow_provider_cams.operators.flow import PublishFlowsOperator

    good = [emulator.add_flow(name=f"g{i}", categories=["OTHER"], with_json=True) for i in range(3)]
    done = emulator.add_flow(name="done", categories=["OTHER"], status="PUBLISHED")
    missing = "404404404404404"
    old = emulator.add_flow(name="old", categories=["OTHER"], status="DEPRECATED")
    last = emulator.add_flow(name="last", categories=["OTHER"], with_json=True)
    with DAG(new_dag_id("life"), **dag_kwargs()) as dag:
        PublishFlowsOperator(task_id="batch", flow_ids=[*good, done, missing, old, good[0], last])
    run = run_dag(dag)
    assert ti_states(run) == {"batch": "failed"}
    assert all(emulator.flows()[f]["Status"] == "PUBLISHED" for f in good)
    assert xcom(run, "batch", key=good[0])["status"] == "PUBLISHED"
    assert xcom(run, "batch", key=done) == {**xcom(run, "batch", key=done), "already_published": True}
    failed = xcom(run, "batch", key=missing)
    assert failed["status"] == "FAILED" and "Flow.NotFound" in failed["error"]
    assert xcom(run, "batch", key=old)["status"] == "FAILED"
    assert "DEPRECATED" in xcom(run, "batch", key=old)["error"]
    applied = [r.params["FlowId"] for r in emulator.requests(action="PublishFlow") if r.applied]
    assert sorted(applied) == sorted([*good, last]), "a failing flow does not stop the batch"


def test_batch_publish_sends_one_call_per_flow_and_its_retry_skips_what_is_published(
    emulator: CamsEmulator,
) -> None:
    from airflow_provider_cams.operators.flow import PublishFlowsOperator

    flows = [emulator.add_flow(name=f"b{i}", categories=["OTHER"], with_json=True) for i in range(3)]
    # The first PublishFlow fails with a code retrying inside the task cannot heal: that flow fails,
    # the batch goes on, and the task fails at the end; Airflow retries it.
    emulator.faults.add("error", action="PublishFlow", code="Some.UnknownCode", http_status=400)
    default_args = {"retries": 1, "retry_delay": timedelta(0)}
    with DAG(new_dag_id("life"), **dag_kwargs(default_args=default_args)) as dag:
        PublishFlowsOperator(task_id="batch", flow_ids=flows)
    run = run_dag(dag)
    assert ti_states(run) == {"batch": "success"}
    calls = [(r.action, r.params["FlowId"], r.code) for r in emulator.requests()]
    # The unknown code is explained by reading the flow (still DRAFT: unexplained, so that flow fails).
    first_try = [
        ("PublishFlow", flows[0], "Some.UnknownCode"),
        ("GetFlow", flows[0], "OK"),
        *[("PublishFlow", f, "OK") for f in flows[1:]],
    ]
    retry = [
        ("GetFlow", flows[0], "OK"),
        ("PublishFlow", flows[0], "OK"),
        ("GetFlow", flows[1], "OK"),
        ("GetFlow", flows[2], "OK"),
    ]
    assert calls == first_try + retry
    assert [xcom(run, "batch", key=f)["already_published"] for f in flows] == [False, True, True]


@pytest.mark.parametrize("flow_ids", ["123", [], ["1", ""], None])
def test_batch_publish_refuses_bad_input_before_any_request(emulator: CamsEmulator, flow_ids: object) -> None:
    from airflow_provider_cams.operators.flow import PublishFlowsOperator

    with DAG(new_dag_id("life"), **dag_kwargs()) as dag:
        PublishFlowsOperator(task_id="batch", flow_ids=flow_ids)  # type: ignore[arg-type]
    assert ti_states(run_dag(dag)) == {"batch": "failed"}
    assert emulator.requests() == []


# --------------------------------------------------------------------------- PublishFlowOperator
def test_create_then_publish_through_output_and_jinja(emulator: CamsEmulator) -> None:
    emulator.require_flow_json = False  # about passing the new flow id on, not about its JSON
    with DAG(new_dag_id("it"), **dag_kwargs()) as dag:
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
    with DAG(new_dag_id("it"), **dag_kwargs(params={"space": space})) as dag:
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
    with DAG(new_dag_id("it"), **dag_kwargs()) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "success"}
    assert {r.params.get("CustSpaceId") for r in emulator.requests()} == {"cams-conn1"}


def test_first_try_sends_one_call_per_flow(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], with_json=True)
    with DAG(new_dag_id("it"), **dag_kwargs()) as dag:
        PublishFlowOperator(task_id="publish", flow_id=flow_id)
    run = run_dag(dag)
    assert ti_states(run) == {"publish": "success"}
    assert [(r.action, r.code) for r in emulator.requests()] == [("PublishFlow", "OK")]
    assert xcom(run, "publish")["already_published"] is False


@pytest.mark.cams_dialects()
def test_rerun_of_a_published_flow_succeeds_without_a_second_publish(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], status="PUBLISHED")
    with DAG(new_dag_id("it"), **dag_kwargs()) as dag:
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
    with DAG(new_dag_id("it"), **dag_kwargs(default_args=default_args)) as dag:
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
    with DAG(new_dag_id("it"), **dag_kwargs(default_args={"retries": 2, "retry_delay": timedelta(0)})) as dag:
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
    with DAG(new_dag_id("it"), **dag_kwargs(default_args={"retries": 3, "retry_delay": timedelta(0)})) as dag:
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
    with DAG(new_dag_id("it"), **dag_kwargs(default_args={"retries": 3, "retry_delay": timedelta(0)})) as dag:
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
    with DAG(new_dag_id("it"), **dag_kwargs(default_args={"retries": 2, "retry_delay": timedelta(0)})) as dag:
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
        with DAG(new_dag_id("it"), **dag_kwargs()) as dag:
            create = CreateFlowOperator(task_id="create", flow_name="sts flow", categories=["SURVEY"])
            PublishFlowOperator(task_id="publish", flow_id=create.output["flow_id"])
        run = run_dag(dag)
        assert ti_states(run) == {"create": "success", "publish": "success"}
        assert {r.access_key_id for r in emu.requests()} == {"STS.it-temp-ak"}
        assert all(r.code == "OK" for r in emu.requests())


def test_throttling_is_retried_inside_the_task(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], with_json=True)
    emulator.faults.add("throttle", action="PublishFlow", times=2, retry_after_ms=200)
    with DAG(new_dag_id("it"), **dag_kwargs()) as dag:
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
    with DAG(new_dag_id("it"), **dag_kwargs()) as dag:
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
    with DAG(new_dag_id("it"), **dag_kwargs()) as dag:
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
    with DAG(new_dag_id("it"), **dag_kwargs(default_args={"retries": 2, "retry_delay": timedelta(0)})) as dag:
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


@pytest.mark.skipif(START_FROM_TRIGGER, reason="Airflow >= 3.3 starts the task in the triggerer")
@pytest.mark.parametrize("operator", [DeprecateFlowOperator, DeleteFlowOperator])
def test_start_from_trigger_runs_deprecate_and_delete_on_a_worker_below_airflow_3_3(operator: type) -> None:
    """The other one-call operators take the same one code path below 3.3."""
    op = operator(task_id="t", flow_id="f1", start_from_trigger=True)
    assert not op.start_from_trigger and op.start_trigger_args is None
    assert operator.start_trigger_args is None
