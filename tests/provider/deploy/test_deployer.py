"""DeployFlowOperator through real Airflow (``dag.test()``), the emulator and a real S3 server (moto).

The emulator fetches the signed URL from the S3 server over HTTP, as CAMS would: the bytes it keeps
are what the store served.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.operators.flow import DeployFlowOperator
from airflow_provider_cams.testing import CamsEmulator
from tests.dag_helpers import run_dag, ti_states, xcom
from tests.harness.object_store import LocalS3
from tests.provider.conftest import dag_kwargs

FLOWS = Path(__file__).resolve().parents[3] / "example_dags" / "flows"
BUCKET = "whatsapp-flows"
WRITES = ("CreateFlow", "ModifyFlow", "UpdateFlowJSONAsset", "PublishFlow", "DeprecateFlow", "DeleteFlow")


@pytest.fixture
def s3(local_s3: LocalS3) -> LocalS3:
    return local_s3


@pytest.fixture
def store(flow_store: str) -> str:
    return flow_store


def deploy(flow_json: Any, bucket: str, **kwargs: Any) -> Any:
    """Run a one-task DAG that deploys ``flow_json``; returns the DagRun."""
    if isinstance(flow_json, str) and not flow_json.startswith("{"):
        kwargs.setdefault("flow_json_root", str(Path(flow_json).parent))  # the test's DAG file is elsewhere
    with DAG(f"deploy_{uuid.uuid4().hex[:10]}", **dag_kwargs()) as dag:
        DeployFlowOperator(
            task_id="deploy",
            flow_name=kwargs.pop("flow_name", "signup"),
            categories=kwargs.pop("categories", ["SIGN_UP"]),
            flow_json=flow_json,
            json_store=f"s3://{bucket}/flows/",
            json_store_conn_id="flow_store",
            **kwargs,
        )
    return run_dag(dag)


def writes(emulator: CamsEmulator, since: int = 0) -> list[str]:
    return [r.action for r in emulator.requests()[since:] if r.action in WRITES]


def live(emulator: CamsEmulator) -> dict[str, dict[str, Any]]:
    return {fid: f for fid, f in emulator.flows().items() if f["Status"] != "DEPRECATED"}


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
