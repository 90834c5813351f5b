"""Secret hygiene: the AccessKey Secret and the STS token never show up anywhere Airflow keeps things.

Distinctive values are configured (a main AccessKey, an STS identity, and wrong variants of both), DAGs
that succeed and DAGs that fail in every way we can provoke are run through real Airflow against the
emulator, and then every place a secret could end up is searched: the console output of dag.test (task
logs), every file under AIRFLOW_HOME (log files and the SQLite metadata DB, byte for byte), XCom rows,
rendered template fields, trigger kwargs and events (in the DB and as handed to the inline triggerer),
exception texts, and the repr of the hook, its settings and its client. A value masked as ``***`` by
Airflow's secrets masker would count as not leaked, but under dag.test() the masker does not touch the
console output at all (checked by hand: a task printing or logging a registered secret shows it in
clear), so these checks see what the provider itself writes.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.exceptions import CamsError
from airflow_provider_cams.hooks.cams import CamsHook
from airflow_provider_cams.operators.flow import (
    CreateFlowOperator,
    DeprecateFlowOperator,
    GetFlowOperator,
    GetFlowPreviewUrlOperator,
    ListFlowsOperator,
    ModifyFlowOperator,
    PublishFlowOperator,
    PublishFlowsOperator,
    UpdateFlowJSONAssetOperator,
)
from airflow_provider_cams.sensors.flow import FlowStatusSensor
from airflow_provider_cams.testing import CamsEmulator
from tests.dag_helpers import new_dag_id, output, run_dag, ti_states
from tests.provider.conftest import dag_kwargs

AK = "leak-test-ak"
STS_AK = "STS.leak-test-ak"


def _distinct() -> str:
    return uuid.uuid4().hex[:8]


# Made at import, not written in this file: Airflow stores a DAG file's source in the metadata DB, so
# literal values here would be found there. Each has a distinctive 8-hex-digit part, checked on its own
# so that a truncated or partly masked copy is caught as well.
_S, _W, _T, _WT, _SS = (_distinct() for _ in range(5))
SECRET = f"SeCrEt-{_S}-DO-NOT-LEAK"
WRONG_SECRET = f"SeCrEt-{_W}-DO-NOT-LEAK"  # what a mistyped connection holds: must not show up either
STS_SECRET = f"StS-SeCrEt-{_SS}-DO-NOT-LEAK"
TOKEN = f"CAIS-ToKeN-{_T}-DO-NOT-LEAK/aGVsbG8="
WRONG_TOKEN = f"CAIS-ToKeN-{_WT}-DO-NOT-LEAK/aGVsbG8="
SECRETS = (SECRET, WRONG_SECRET, STS_SECRET, TOKEN, WRONG_TOKEN)
FRAGMENTS = (_S, _W, _T, _WT, _SS)
SIGNUP_JSON = (Path(__file__).resolve().parents[2] / "example_dags" / "flows" / "signup.json").read_bytes()


def leaks(text: str) -> list[str]:
    return [s for s in (*SECRETS, *FRAGMENTS) if s in text]


def assert_clean(where: str, text: str) -> None:
    found = leaks(text)
    assert not found, f"{where} contains {found}"


# ------------------------------------------------------------------------------------------- fixtures
@pytest.fixture
def emu(airflow_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CamsEmulator]:
    # These tests are about secrets, not Flow JSON: flows may be published without one.
    with CamsEmulator(
        access_key_id=AK,
        access_key_secret=SECRET,
        sts_credentials={STS_AK: (STS_SECRET, TOKEN)},
        require_flow_json=False,
    ) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", main_conn(emulator))
        yield emulator


def main_conn(emu: CamsEmulator, secret: str = SECRET, **extra: Any) -> str:
    conn = json.loads(emu.connection_uri_json(conn_extra_overrides=extra))
    conn["password"] = secret
    return json.dumps(conn)


def sts_conn(emu: CamsEmulator, token: str = TOKEN, **extra: Any) -> str:
    return json.dumps(
        {
            "conn_type": "cams",
            "login": STS_AK,
            "password": STS_SECRET,
            "extra": {"endpoint": emu.endpoint, "protocol": "http", "security_token": token, **extra},
        }
    )


@pytest.fixture
def triggers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What dag.test hands to its inline triggerer: the serialized trigger and the event it yields."""
    from airflow.sdk.definitions import dag as dag_module

    seen: list[str] = []
    original = dag_module._run_inline_trigger

    def recording(trigger: Any, task_sdk_ti: Any) -> Any:
        seen.append(repr(trigger.serialize()))
        event = original(trigger, task_sdk_ti)
        seen.append(repr(getattr(event, "payload", event)))
        return event

    monkeypatch.setattr(dag_module, "_run_inline_trigger", recording)
    return seen


def persisted(run: Any) -> dict[str, str]:
    """Everything the metadata DB keeps about a run, as text, by place."""
    from airflow.models.dagrun import DagRun
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        xcoms = session.query(XComModel).filter_by(dag_id=run.dag_id).all()
        rtifs = session.query(RenderedTaskInstanceFields).filter_by(dag_id=run.dag_id).all()
        tis = session.query(TaskInstance).filter_by(dag_id=run.dag_id).all()
        runs = session.query(DagRun).filter_by(dag_id=run.dag_id).all()
        trigger_rows = session.query(Trigger).all()
        return {
            "xcom": repr([(x.task_id, x.key, x.value) for x in xcoms]),
            "rendered fields": repr([(r.task_id, r.rendered_fields) for r in rtifs]),
            "task instances": repr(
                [
                    (t.task_id, t.next_method, t.next_kwargs, t.rendered_map_index, t.custom_operator_name)
                    for t in tis
                ]
            ),
            "dag runs": repr([(r.run_id, r.conf) for r in runs]),
            "triggers": repr([(t.classpath, t.kwargs) for t in trigger_rows]),
        }


def airflow_home_files() -> Iterator[tuple[Path, bytes]]:
    home = Path(os.environ["AIRFLOW_HOME"])
    for path in home.rglob("*"):
        if path.is_file():
            yield path, path.read_bytes()


def assert_nothing_leaked(run: Any, console: str, extra_texts: dict[str, str] | None = None) -> None:
    assert_clean("the console output (task logs)", console)
    for where, text in persisted(run).items():
        assert_clean(f"the metadata DB ({where})", text)
    for path, data in airflow_home_files():
        found = [s for s in (*SECRETS, *FRAGMENTS) if s.encode() in data]
        assert not found, f"{path} contains {found}"
    for where, text in (extra_texts or {}).items():
        assert_clean(where, text)


def publish_after_first_poke(emu: CamsEmulator, flow_id: str) -> threading.Thread:
    """Publish ``flow_id`` (straight into the emulator's store via the hook) once a GetFlow was seen."""

    def act() -> None:
        deadline = time.monotonic() + 60
        while not any(r.params.get("FlowId") == flow_id for r in emu.requests("GetFlow")):
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        CamsHook().publish_flow(flow_id, check_first=False)

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread


# ------------------------------------------------------------------------------------------- succeeding
def test_successful_lifecycle_leaks_nothing(
    emu: CamsEmulator, capfd: pytest.CaptureFixture[str], triggers: list[str]
) -> None:
    other = emu.add_flow(name="batch", categories=["OTHER"])
    with DAG(new_dag_id("leak"), **dag_kwargs()) as dag:
        create = CreateFlowOperator(task_id="create", flow_name="leak {{ run_id }}", categories=["SIGN_UP"])
        fid = create.output["flow_id"]
        modify = ModifyFlowOperator(task_id="modify", flow_id=fid, flow_name="leak 2", categories=["SURVEY"])
        json_url = emu.host_json(SIGNUP_JSON)
        attach = UpdateFlowJSONAssetOperator(task_id="attach", flow_id=fid, file_path=json_url)
        publish = PublishFlowOperator(task_id="publish", flow_id=fid)
        wait = FlowStatusSensor(task_id="wait", flow_id=fid, poke_interval=0.5, timeout=30)
        get = GetFlowOperator(task_id="get", flow_id=fid)
        preview = GetFlowPreviewUrlOperator(task_id="preview", flow_id=fid)
        listing = ListFlowsOperator(task_id="list")
        batch = PublishFlowsOperator(task_id="batch", flow_ids=[other])
        deprecate = DeprecateFlowOperator(task_id="deprecate", flow_id=fid)
        create >> modify >> attach >> publish >> wait >> get >> preview >> listing >> batch >> deprecate
    run = run_dag(dag)
    assert set(ti_states(run).values()) == {"success"}, ti_states(run)
    assert_nothing_leaked(run, output(capfd), {"trigger": "\n".join(triggers)})


def test_sts_dag_with_deferrable_sensors_leaks_nothing(
    emu: CamsEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    triggers: list[str],
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", sts_conn(emu))
    draft = emu.add_flow(name="published later", categories=["OTHER"])
    never = emu.add_flow(name="never published", categories=["OTHER"])
    publisher = publish_after_first_poke(emu, draft)
    with DAG(new_dag_id("leak"), **dag_kwargs()) as dag:
        create = CreateFlowOperator(task_id="create", flow_name="sts {{ run_id }}", categories=["SIGN_IN"])
        PublishFlowOperator(task_id="publish", flow_id=create.output["flow_id"])
        FlowStatusSensor(task_id="wait_ok", flow_id=draft, poke_interval=0.5, timeout=60, deferrable=True)
        FlowStatusSensor(task_id="wait_timeout", flow_id=never, poke_interval=0.5, timeout=2, deferrable=True)
    run = run_dag(dag)
    publisher.join(60)
    states = ti_states(run)
    assert states == {
        "create": "success",
        "publish": "success",
        "wait_ok": "success",
        "wait_timeout": "failed",
    }
    assert {r.access_key_id for r in emu.requests()} == {STS_AK}
    assert len(triggers) >= 4, "both sensors deferred to the (inline) triggerer"
    assert_nothing_leaked(run, output(capfd), {"trigger": "\n".join(triggers)})


# ------------------------------------------------------------------------------------------- failing
def _wrong_secret(emu: CamsEmulator, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("AIRFLOW_CONN_CAMS_DEFAULT", main_conn(emu, secret=WRONG_SECRET))


def _wrong_token(emu: CamsEmulator, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("AIRFLOW_CONN_CAMS_DEFAULT", sts_conn(emu, token=WRONG_TOKEN))


def _expired_token(emu: CamsEmulator, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("AIRFLOW_CONN_CAMS_DEFAULT", sts_conn(emu))
    emu.expire_sts(STS_AK)


def _unknown_key(emu: CamsEmulator, mp: pytest.MonkeyPatch) -> None:
    conn = json.loads(main_conn(emu))
    conn["login"] = "no-such-access-key"
    mp.setenv("AIRFLOW_CONN_CAMS_DEFAULT", json.dumps(conn))


def _permission_denied(emu: CamsEmulator, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("AIRFLOW_CONN_CAMS_DEFAULT", sts_conn(emu))
    emu.faults.add("error", code="Ram.PermissionDeny", times=None)


def _throttled(emu: CamsEmulator, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("AIRFLOW_CONN_CAMS_DEFAULT", sts_conn(emu))
    emu.faults.add("throttle", times=None, retry_after_ms=50)


def _timeouts(emu: CamsEmulator, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("AIRFLOW_CONN_CAMS_DEFAULT", sts_conn(emu, read_timeout=1))
    emu.faults.add("timeout_after_apply", times=None, delay=2)


def _garbage_answers(emu: CamsEmulator, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("AIRFLOW_CONN_CAMS_DEFAULT", sts_conn(emu))
    emu.faults.random(1.0, kinds=["non_json", "drop_before", "error_200", "server_error"], seed=1)


def _bad_connection(emu: CamsEmulator, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("AIRFLOW_CONN_CAMS_DEFAULT", sts_conn(emu, pacing="maybe"))


def _secret_in_a_wrong_field(emu: CamsEmulator, mp: pytest.MonkeyPatch) -> None:
    conn = json.loads(main_conn(emu))
    conn["extra"]["access_key_secret"] = SECRET  # a field that does not exist
    mp.setenv("AIRFLOW_CONN_CAMS_DEFAULT", json.dumps(conn))


def _malformed_extra(emu: CamsEmulator, mp: pytest.MonkeyPatch) -> None:
    # A Python dict written where JSON is expected (single quotes), the token first.
    extra = {"security_token": TOKEN, "endpoint": emu.endpoint, "protocol": "http"}
    conn = {"conn_type": "cams", "login": STS_AK, "password": STS_SECRET, "extra": str(extra)}
    mp.setenv("AIRFLOW_CONN_CAMS_DEFAULT", json.dumps(conn))


def _flow_not_found(emu: CamsEmulator, mp: pytest.MonkeyPatch) -> None:
    mp.setenv("AIRFLOW_CONN_CAMS_DEFAULT", sts_conn(emu))


# scenario -> (set-up, what the task log must say: proof that this failure really happened)
FAILURES: dict[str, tuple[Callable[[CamsEmulator, pytest.MonkeyPatch], None], str]] = {
    "wrong-secret": (_wrong_secret, "SignatureDoesNotMatch"),
    "wrong-sts-token": (_wrong_token, "InvalidSecurityToken.Malformed"),
    "expired-sts-token": (_expired_token, "InvalidSecurityToken.Expired"),
    "unknown-access-key": (_unknown_key, "InvalidAccessKeyId.NotFound"),
    "permission-denied": (_permission_denied, "Ram.PermissionDeny"),
    "throttled": (_throttled, "System.LimitControl"),
    "timeouts": (_timeouts, "Read timed out"),
    "garbage-answers": (_garbage_answers, "got no usable response"),
    "bad-connection": (_bad_connection, "extra 'pacing' must be true or false"),
    "secret-in-unknown-extra": (_secret_in_a_wrong_field, "unknown extra field(s) ['access_key_secret']"),
    "token-in-malformed-extra": (_malformed_extra, "the extra is not valid JSON"),
    "flow-not-found": (_flow_not_found, "Flow.NotFound"),
}


LEAKY: dict[str, str] = {}  # failure scenarios known to leak (none: each one found was fixed)


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(s, marks=[pytest.mark.xfail(strict=True, reason=LEAKY[s])] if s in LEAKY else [])
        for s in FAILURES
    ],
)
def test_failing_dags_leak_nothing(
    emu: CamsEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    triggers: list[str],
    scenario: str,
) -> None:
    existing = (
        "404404404404404" if scenario == "flow-not-found" else emu.add_flow(name="f", categories=["OTHER"])
    )
    set_up, proof = FAILURES[scenario]
    set_up(emu, monkeypatch)
    fast = {"max_attempts": 2, "max_wait": 0.2, "initial_wait": 0.05}
    with DAG(new_dag_id("leak"), **dag_kwargs()) as dag:
        GetFlowOperator(task_id="get", flow_id=existing, hook_params=fast)
        PublishFlowOperator(task_id="publish", flow_id=existing, hook_params=fast)
        PublishFlowsOperator(task_id="batch", flow_ids=[existing, "505505505505505"], hook_params=fast)
        CreateFlowOperator(
            task_id="create", flow_name="x {{ run_id }}", categories=["OTHER"], hook_params=fast
        )
        FlowStatusSensor(
            task_id="wait", flow_id=existing, poke_interval=0.5, timeout=5, deferrable=True, hook_params=fast
        )
    run = run_dag(dag)
    states = ti_states(run)
    assert "failed" in states.values(), states
    console = output(capfd)
    assert proof in console

    hook_texts: dict[str, str] = {}
    hook = CamsHook(max_attempts=1)
    try:
        hook.get_flow(existing)
    except Exception as exc:  # the same failure, straight from the hook
        hook_texts["exception str/repr/args"] = f"{exc}\n{exc!r}\n{exc.args!r}\n{vars(exc)!r}"
        if hasattr(exc, "to_dict"):
            hook_texts["exception to_dict"] = repr(exc.to_dict())
    hook_texts["test_connection"] = repr(CamsHook(max_attempts=1).test_connection())
    hook_texts["hook repr"] = repr(hook)
    if "settings" in hook.__dict__:
        hook_texts["settings repr/str"] = f"{hook.settings!r}\n{hook.settings!s}"
    if "client" in hook.__dict__:
        hook_texts["client repr"] = repr(hook.client)
    assert_nothing_leaked(run, console, {"trigger": "\n".join(triggers), **hook_texts})


def test_trigger_error_event_leaks_nothing(
    emu: CamsEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    triggers: list[str],
) -> None:
    """The first poke works; the triggerer's poll then fails (auth): its event message is stored."""
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", sts_conn(emu))
    flow_id = emu.add_flow(name="f", categories=["OTHER"])

    def deny_after_first_poke() -> None:
        deadline = time.monotonic() + 60
        while not emu.requests("GetFlow") and time.monotonic() < deadline:
            time.sleep(0.02)
        emu.faults.add("error", action="GetFlow", code="InvalidSecurityToken.Expired", times=None)

    thread = threading.Thread(target=deny_after_first_poke, daemon=True)
    thread.start()
    with DAG(new_dag_id("leak"), **dag_kwargs()) as dag:
        FlowStatusSensor(task_id="wait", flow_id=flow_id, poke_interval=0.5, timeout=30, deferrable=True)
    run = run_dag(dag)
    thread.join(60)
    assert ti_states(run) == {"wait": "failed"}
    assert any("InvalidSecurityToken.Expired" in t for t in triggers), triggers
    assert_nothing_leaked(run, output(capfd), {"trigger": "\n".join(triggers)})


# ------------------------------------------------------------------------------------------- objects
def test_the_detector_finds_a_real_leak(emu: CamsEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Positive control: the connection's password and extra, as Airflow hands them over, are caught."""
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", sts_conn(emu))
    conn = CamsHook.get_connection("cams_default")
    # Airflow >= 3.2's Connection repr shows both; 3.1's shows neither, so use the fields themselves.
    assert set(leaks(f"{conn!r} {conn.password} {conn.extra}")) == {STS_SECRET, TOKEN, _SS, _T}


def test_hook_settings_client_and_errors_keep_secrets_out_of_repr(
    emu: CamsEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", sts_conn(emu))
    hook = CamsHook()
    hook.list_flows()
    texts = {
        "hook repr/str": f"{hook!r}\n{hook!s}",
        "settings repr/str": f"{hook.settings!r}\n{hook.settings!s}",
        "client repr/str": f"{hook.client!r}\n{hook.client!s}",
        "pacer repr": repr(hook.pacer),
    }
    for where, text in texts.items():
        assert_clean(where, text)
    # The provider keeps no Airflow Connection object (whose own repr shows password and extra).
    from airflow.sdk import Connection

    assert not any(isinstance(v, Connection) for v in vars(hook).values())
    errors: list[BaseException] = []
    for call in (lambda: hook.get_flow("404404404404404"), lambda: hook.publish_flow("404404404404404")):
        with pytest.raises(CamsError) as info:
            call()
        errors.append(info.value)
    for exc in errors:
        assert_clean("exception", f"{exc}\n{exc!r}\n{exc.args!r}\n{vars(exc)!r}")


def test_a_successful_publish_logs_no_error_lines(
    emu: CamsEmulator, capfd: pytest.CaptureFixture[str]
) -> None:
    """Regression (found here, fixed in b49c207): the extra links read XCom keys nobody had written, so
    every CAMS task without a preview URL logged '[error] XCom not found'."""
    with DAG(new_dag_id("leak"), **dag_kwargs()) as dag:
        create = CreateFlowOperator(task_id="create", flow_name="clean {{ run_id }}", categories=["OTHER"])
        PublishFlowOperator(task_id="publish", flow_id=create.output["flow_id"])
    run = run_dag(dag)
    assert ti_states(run) == {"create": "success", "publish": "success"}
    errors = [line for line in output(capfd).splitlines() if "[error" in line]
    assert errors == []
