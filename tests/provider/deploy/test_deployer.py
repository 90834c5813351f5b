"""DeployFlowOperator through real Airflow (``dag.test()``), the emulator and a real S3 server (moto).

The emulator fetches the signed URL from the S3 server over HTTP, as CAMS would: the bytes it keeps
are what the store served.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.operators.flow import DeployFlowOperator
from airflow_provider_cams.testing import CamsEmulator
from tests.dag_helpers import run_dag, ti_states, xcom
from tests.harness.object_store import LocalS3
from tests.provider.conftest import dag_kwargs
from tests.provider.deploy.conftest import FLOWS, deploy, live, sha, writes

ROOT = Path(__file__).resolve().parents[3]


def test_first_run_creates_hosts_attaches_and_publishes(
    emulator: CamsEmulator, s3: LocalS3, store: str
) -> None:
    path = FLOWS / "signup.json"
    run = deploy(str(path), store)
    assert ti_states(run) == {"deploy": "success"}
    result = xcom(run, "deploy")
    [(flow_id, flow)] = emulator.flows().items()
    assert (flow["Status"], flow["FlowName"]) == ("PUBLISHED", "signup")
    assert emulator.flow_json(flow_id) == path.read_bytes()  # the hosted bytes are the file's
    assert result["flow_id"] == flow_id and result["action"] == "created" and result["status"] == "PUBLISHED"
    assert result["sha256"] == __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    assert xcom(run, "deploy", key="flow_id") == flow_id
    assert writes(emulator) == ["CreateFlow", "UpdateFlowJSONAsset", "PublishFlow"]
    assert s3.uploads(store) == 1
    json.dumps(result)


def test_unchanged_rerun_only_reads_and_uploads_nothing(
    emulator: CamsEmulator, s3: LocalS3, store: str
) -> None:
    deploy(str(FLOWS / "signup.json"), store)
    seen = len(emulator.requests())
    run = deploy(str(FLOWS / "signup.json"), store)
    assert xcom(run, "deploy")["action"] == "unchanged"
    assert writes(emulator, seen) == []
    assert {r.action for r in emulator.requests()[seen:]} <= {"ListFlow", "GetFlow", "GetFlowJSONAssest"}
    assert s3.uploads(store) == 1


@pytest.mark.cams_dialects()  # the wrong-status refusal also under a code never seen, as HTTP 200
@pytest.mark.parametrize(("behaviour", "action"), [("revert_to_draft", "updated"), ("reject", "replaced")])
def test_changed_file_leaves_one_current_published_flow(
    emulator: CamsEmulator, s3: LocalS3, store: str, tmp_path: Path, behaviour: str, action: str
) -> None:
    emulator.set_published_update(behaviour)
    flow = json.loads((FLOWS / "signup.json").read_text())
    first = tmp_path / "signup.json"
    first.write_text(json.dumps(flow, indent=2))
    deploy(str(first), store)
    flow["screens"][0]["title"] = "Join us (v2)"
    first.write_text(json.dumps(flow, indent=2))
    run = deploy(str(first), store)
    result = xcom(run, "deploy")
    assert result["action"] == action
    [(flow_id, current)] = live(emulator).items()
    assert (current["Status"], result["flow_id"]) == ("PUBLISHED", flow_id)
    assert emulator.flow_json(flow_id) == first.read_bytes()
    # The next run recognises the current flow: nothing written, no third flow.
    seen, flows = len(emulator.requests()), len(emulator.flows())
    again = deploy(str(first), store)
    assert (xcom(again, "deploy")["action"], writes(emulator, seen)) == ("unchanged", [])
    assert len(emulator.flows()) == flows and s3.uploads(store) == 2


def test_broken_file_fails_with_the_validators_errors_and_sends_nothing(
    emulator: CamsEmulator, s3: LocalS3, store: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "version": "5.0",\n  "screens": []\n}\n')
    run = deploy(str(broken), store)
    assert ti_states(run) == {"deploy": "failed"}
    out = capfd.readouterr()
    text = out.out + out.err
    assert "Flow JSON is invalid" in text and "/version" in text and ":2:" in text
    assert emulator.requests() == [] and s3.uploads(store) == 0


def test_dict_and_text_sources_deploy_the_same_flow(emulator: CamsEmulator, store: str) -> None:
    flow = json.loads((FLOWS / "survey.json").read_text())
    run = deploy(flow, store, flow_name="survey", categories=["SURVEY"])
    assert xcom(run, "deploy")["action"] == "created"
    again = deploy(json.dumps(flow), store, flow_name="survey", categories=["SURVEY"])
    # Text is hosted as given, a dict in one canonical encoding: different bytes, so an update.
    assert xcom(again, "deploy")["action"] in ("updated", "replaced")
    assert len(live(emulator)) == 1


def test_endpoint_flow_needs_its_endpoint_uri(emulator: CamsEmulator, store: str) -> None:
    path = str(FLOWS / "appointment_booking.json")
    run = deploy(path, store, flow_name="booking", categories=["APPOINTMENT_BOOKING"])
    assert ti_states(run) == {"deploy": "failed"} and emulator.requests() == []
    ok = deploy(
        path,
        store,
        flow_name="booking",
        categories=["APPOINTMENT_BOOKING"],
        endpoint_uri="https://booking.example.com/whatsapp/flow",
    )
    assert xcom(ok, "deploy")["status"] == "PUBLISHED"


def test_mapped_over_sub_customers(emulator: CamsEmulator, s3: LocalS3, store: str) -> None:
    spaces = ["cams-isv-a", "cams-isv-b", "cams-isv-c"]
    with DAG(f"deploy_many_{uuid.uuid4().hex[:8]}", **dag_kwargs()) as dag:
        DeployFlowOperator.partial(
            task_id="deploy",
            flow_name="signup",
            categories=["SIGN_UP"],
            flow_json=str(FLOWS / "signup.json"),
            flow_json_root=str(FLOWS),
            json_store=f"s3://{store}/flows/",
            json_store_conn_id="flow_store",
        ).expand(cust_space_id=spaces)
    run = run_dag(dag)
    assert set(ti_states(run).values()) == {"success"}
    flows = emulator.flows()
    assert sorted(f["CustSpaceId"] for f in flows.values()) == spaces
    assert {f["Status"] for f in flows.values()} == {"PUBLISHED"}
    assert s3.uploads(store) == 1  # one content, one upload
    seen = len(emulator.requests())
    assert set(ti_states(run_dag(dag)).values()) == {"success"}
    assert writes(emulator, seen) == []


@pytest.mark.parametrize("kind", ["timeout_after_apply", "drop_after_apply", "server_error_after_apply"])
@pytest.mark.parametrize("action", ["CreateFlow", "UpdateFlowJSONAsset", "PublishFlow"])
def test_ambiguous_failures_converge(
    emulator: CamsEmulator, store: str, monkeypatch: pytest.MonkeyPatch, kind: str, action: str
) -> None:
    """The change is applied, the answer lost: one flow, published once, with the file's JSON."""
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", emulator.connection_uri_json({"read_timeout": 1}))
    emulator.faults.add(kind, action=action, delay=2.0 if kind == "timeout_after_apply" else None)
    run = deploy(str(FLOWS / "signup.json"), store)
    assert ti_states(run) == {"deploy": "success"}
    [(flow_id, flow)] = emulator.flows().items()
    assert flow["Status"] == "PUBLISHED"
    assert emulator.flow_json(flow_id) == (FLOWS / "signup.json").read_bytes()
    assert [
        r.action for r in emulator.requests() if r.applied and r.action in ("CreateFlow", "PublishFlow")
    ] == [
        "CreateFlow",
        "PublishFlow",
    ]


# --------------------------------------------------------------------- overlapping deployments
def deploy_direct(
    name: str, content: bytes, bucket: str, attempts: int = 3, retried: bool = False, publish: bool = True
) -> dict[str, Any]:
    """One deployment with its own hook, as a task would run it; a DeploymentContention is retried the
    way Airflow retries the task (``take_over_drafts`` on the retry)."""
    from airflow_provider_cams.deploy.deployer import DeploymentContention, FlowDeployer, FlowSpec
    from airflow_provider_cams.deploy.json_store import JsonStore
    from airflow_provider_cams.deploy.results import deployment_to_xcom
    from airflow_provider_cams.flowjson.source import source_from_content
    from airflow_provider_cams.hooks.cams import CamsHook

    hook = CamsHook()
    spec = FlowSpec(name, ["SIGN_UP"], None, hook.cust_space(None), source_from_content(content), publish)
    store = JsonStore(f"s3://{bucket}/race/", "flow_store")
    for attempt in range(attempts):
        deployer = FlowDeployer(
            hook,
            store,
            logging.getLogger(f"race.{name}"),
            take_over_drafts=retried or attempt > 0,
            poll_interval=0.1,
        )
        try:
            return deployment_to_xcom(deployer.deploy(spec))
        except DeploymentContention:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def race(name: str, contents: list[bytes], bucket: str) -> list[dict[str, Any]]:
    """Start one deployment per content at the same instant (threads, each with its own hook)."""
    start = threading.Barrier(len(contents))

    def one(content: bytes) -> dict[str, Any]:
        start.wait()
        return deploy_direct(name, content, bucket)

    with ThreadPoolExecutor(len(contents)) as pool:
        return list(pool.map(one, contents))


def assert_one_current(emulator: CamsEmulator, name: str, contents: list[bytes]) -> str:
    """Exactly one live flow of the name, PUBLISHED, holding one of the contents; returns its id."""
    current = live(emulator, name)
    assert len(current) == 1, {fid: f["Status"] for fid, f in current.items()}
    [(flow_id, flow)] = current.items()
    assert flow["Status"] == "PUBLISHED"
    assert emulator.flow_json(flow_id) in contents
    return flow_id


def assert_truthful(emulator: CamsEmulator, flow_id: str, results: list[dict[str, Any]]) -> None:
    """Every result names the flow CAMS holds, its status and the content CAMS serves for it."""
    held = sha(emulator.flow_json(flow_id))
    for result in results:
        assert (result["flow_id"], result["status"], result["sha256"]) == (flow_id, "PUBLISHED", held), result


def signup(title: str) -> bytes:
    flow = json.loads((FLOWS / "signup.json").read_text())
    flow["screens"][0]["title"] = title
    return json.dumps(flow, indent=2).encode()


@pytest.mark.cams_dialects()
@pytest.mark.parametrize(
    ("scenario", "behaviour"), [("first", "reject"), ("changed", "reject"), ("changed", "revert_to_draft")]
)
def test_two_overlapping_deployments_leave_one_published_flow(
    emulator: CamsEmulator, store: str, scenario: str, behaviour: str
) -> None:
    """The issue's race (threads: 8 of 8 ended with two PUBLISHED flows), 10 times in a row."""
    emulator.set_rate_limit(None)  # the race, not the throttle, is under test
    emulator.set_published_update(behaviour)
    v1, v2 = signup("Join us"), signup("Join us (v2)")
    for rep in range(10):
        name = f"race-{scenario}-{rep}"
        if scenario == "changed":
            deploy_direct(name, v1, store)
        results = race(name, [v2, v2], store)
        flow_id = assert_one_current(emulator, name, [v2])
        assert_truthful(emulator, flow_id, results)
        assert {r["action"] for r in results} <= {"created", "updated", "replaced", "unchanged"}
        assert any(r["action"] != "unchanged" for r in results), results


def test_overlapping_deployments_of_different_contents_converge(emulator: CamsEmulator, store: str) -> None:
    """Two runs with different files at once: one PUBLISHED flow holding one of them; the run that
    succeeds last reports what CAMS holds."""
    emulator.set_rate_limit(None)
    contents = [signup("Join us (a)"), signup("Join us (b)")]
    for rep in range(3):
        name = f"race-different-{rep}"
        deploy_direct(name, signup("Join us"), store)
        results = race(name, contents, store)
        flow_id = assert_one_current(emulator, name, contents)
        assert sha(emulator.flow_json(flow_id)) in {r["sha256"] for r in results}


def test_two_processes_deploying_at_once_converge(emulator: CamsEmulator, store: str, tmp_path: Path) -> None:
    """Two OS processes (as two workers would run two DAG runs' tasks) deploy a changed JSON at once."""
    emulator.set_rate_limit(None)
    v1, v2 = signup("Join us"), signup("Join us (v2)")
    emulator.set_published_update("reject")  # the replacement path: the longest race window
    deploy_direct("race-processes", v1, store)
    for scenario, content in (("changed", v2),):
        path = tmp_path / f"{scenario}.json"
        path.write_bytes(content)
        go = tmp_path / f"go-{scenario}"
        code = (
            "import json, os, sys, time\n"
            "from tests.provider.deploy.test_deployer import deploy_direct\n"
            f"while not os.path.exists({str(go)!r}): time.sleep(0.01)\n"
            f"content = open({str(path)!r}, 'rb').read()\n"
            f"print(json.dumps(deploy_direct('race-processes', content, {store!r})))\n"
        )
        procs = [
            subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=str(ROOT), text=True)
            for _ in range(2)
        ]
        go.touch()  # both start their deployment once both are up
        outs = [p.communicate(timeout=300)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        results = [json.loads(out.strip().splitlines()[-1]) for out in outs]
        flow_id = assert_one_current(emulator, "race-processes", [content])
        assert_truthful(emulator, flow_id, results)


# --------------------------------------------------------------------- CAMS could not download the JSON
UNREACHABLE = {
    "code": "Flow.JsonAssetUnreachable",
    "http_status": 400,
    "message": "Could not GET https://bucket.example/x.json?X-Amz-Credential=AKIDSECRET&X-Amz-Signature=SIGSECRET",
}


def test_an_unreachable_json_is_attached_again_with_a_fresh_url(emulator: CamsEmulator, store: str) -> None:
    emulator.set_rate_limit(None)
    emulator.faults.add("error", action="UpdateFlowJSONAsset", **UNREACHABLE)
    result = deploy_direct("unreachable-once", signup("Join us"), store, attempts=1)
    assert (result["action"], result["status"]) == ("created", "PUBLISHED")
    assert len(emulator.requests("UpdateFlowJSONAsset")) == 2  # the second with a URL signed again


def test_an_unreachable_json_twice_is_left_to_airflow_retries_without_secrets(
    emulator: CamsEmulator, store: str
) -> None:
    from airflow_provider_cams.exceptions import CamsError
    from airflow_provider_cams.utils.compat import AirflowFailException

    emulator.set_rate_limit(None)
    emulator.faults.add("error", action="UpdateFlowJSONAsset", times=2, **UNREACHABLE)
    with pytest.raises(CamsError) as caught:
        deploy_direct("unreachable-twice", signup("Join us"), store, attempts=1)
    text = str(caught.value)
    assert not isinstance(caught.value, AirflowFailException)  # the task's retry signs a new URL
    assert "Flow.JsonAssetUnreachable" in text and "HTTP 400" in text and "RequestId" in text
    assert "SIGSECRET" not in text and "AKIDSECRET" not in text and "X-Amz" not in text
    # The task's next try (a new signed URL) finishes its DRAFT.
    result = deploy_direct("unreachable-twice", signup("Join us"), store, retried=True)
    assert (result["action"], result["status"]) == ("created", "PUBLISHED")


def test_publish_false_leaves_a_draft_holding_the_json(emulator: CamsEmulator, store: str) -> None:
    emulator.set_rate_limit(None)
    result = deploy_direct("draft-only", signup("Join us"), store, attempts=1, publish=False)
    [(flow_id, flow)] = live(emulator, "draft-only").items()
    assert (result["flow_id"], result["status"], flow["Status"]) == (flow_id, "DRAFT", "DRAFT")
    assert result["sha256"] == sha(emulator.flow_json(flow_id))
    seen = len(emulator.requests())
    again = deploy_direct("draft-only", signup("Join us"), store, attempts=1, publish=False)
    assert (again["action"], writes(emulator, seen)) == ("unchanged", [])


@pytest.mark.parametrize(
    ("dialect", "behaviour", "http"),
    [
        ("renamed", "reject", 400),
        ("renamed", "reject", 200),
        ("renamed", "revert_to_draft", 400),
        ("renamed", "revert_to_draft", 200),
        ("contrary", "reject", 200),  # also: FilePath fetched at PublishFlow, GetFlowJSONAssest = given URL
    ],
)
def test_a_changed_json_deploys_whatever_code_and_form_the_refusal_takes(
    emulator: CamsEmulator, store: str, dialect: str, behaviour: str, http: int
) -> None:
    """The issue's first defect: a never-seen wrong-status code, as HTTP 400 and as HTTP 200."""
    emulator.set_rate_limit(None)
    emulator.set_dialect(dialect, wrong_status_http=http, published_update=behaviour)
    name = f"changed-{dialect}-{behaviour}-{http}"
    deploy_direct(name, signup("Join us"), store, attempts=1)
    result = deploy_direct(name, signup("Join us (v2)"), store, attempts=1)
    flow_id = assert_one_current(emulator, name, [signup("Join us (v2)")])
    assert_truthful(emulator, flow_id, [result])
    assert result["action"] == ("replaced" if behaviour == "reject" else "updated")
