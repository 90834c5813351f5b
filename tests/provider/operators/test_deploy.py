"""DeployFlowOperator at its boundary: every store and input defect fails before any CAMS request;
``flow_json`` content is deployed verbatim, never rendered."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.operators.deploy import FlowJsonContent
from airflow_provider_cams.operators.flow import DeployFlowOperator
from airflow_provider_cams.testing import CamsEmulator
from tests.dag_helpers import run_dag, ti_states, xcom
from tests.provider.conftest import dag_kwargs
from tests.provider.deploy.conftest import FLOWS, live, writes


def test_defects_fail_before_any_cams_request_and_content_is_verbatim(
    emulator: CamsEmulator, flow_store: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    dags = tmp_path / "dags"
    (dags / "flows").mkdir(parents=True)
    good = dags / "flows" / "signup.json"
    good.write_bytes((FLOWS / "signup.json").read_bytes())
    (tmp_path / "outside.json").write_bytes(good.read_bytes())
    (dags / "flows" / "link.json").symlink_to(tmp_path / "outside.json")
    store = f"s3://{flow_store}/flows/"
    defects = [
        {"json_store": f"s3://no-such-bucket-{uuid.uuid4().hex[:6]}/f/"},
        {"json_store": "oss://bucket/flows/"},
        {"json_store": "gs://bucket/flows/"},
        {"json_store": "gopher://bucket/flows/"},
        {"json_store": "s3:///flows/"},
        {"json_store_conn_id": "flow_stroe"},
        {"flow_json": str(dags / "flows" / ".." / ".." / "outside.json")},
        {"flow_json": str(tmp_path / "outside.json")},
        {"flow_json": str(dags / "flows" / "link.json")},
    ]
    flow = json.loads(good.read_text())
    flow["screens"][0]["title"] = "{{ 7*7 }} {{ conn.cams_default.password }}"
    with DAG(f"deploy_defects_{uuid.uuid4().hex[:8]}", **dag_kwargs()) as dag:
        DeployFlowOperator.partial(
            task_id="defect",
            flow_name="defect",
            categories=["SIGN_UP"],
            flow_json_root=str(dags),
        ).expand_kwargs(
            [
                {"flow_json": str(good), "json_store": store, "json_store_conn_id": "flow_store", **d}
                for d in defects
            ]
        )
        verbatim = DeployFlowOperator(
            task_id="verbatim",
            flow_name="verbatim",
            categories=["SIGN_UP"],
            flow_json=flow,  # a dict with Jinja in a text: deployed as written
            json_store=store,
            json_store_conn_id="flow_store",
        )
    assert isinstance(verbatim.flow_json, FlowJsonContent)
    run = run_dag(dag)
    states = ti_states(run)
    assert [s for t, s in states.items() if t.startswith("defect")] == ["failed"] * len(defects), states
    assert not [r for r in emulator.requests() if r.params.get("FlowName") == "defect"]
    assert {f["FlowName"] for f in emulator.flows().values()} == {"verbatim"}
    [flow_id] = emulator.flows()
    published = json.loads(emulator.flow_json(flow_id) or b"{}")
    assert published["screens"][0]["title"] == "{{ 7*7 }} {{ conn.cams_default.password }}"
    assert xcom(run, "verbatim")["action"] == "created"
    out = capfd.readouterr()
    text = out.out + out.err
    for says in (
        "does not exist or connection",
        "only s3:// can",
        "names no bucket",
        "'flow_stroe' does not exist",
        "outside",
    ):
        assert says in text, says
    assert "ValueError" not in text and "ImportError" not in text


def test_batch_deploys_each_sub_customer_once_and_a_rerun_only_reads(
    emulator: CamsEmulator, flow_store: str
) -> None:
    """Six sub-customers in one task, one of them blocked: five deploy at once at the per-API limit, the
    blocked one is named with CAMS's code, and a re-run writes and uploads nothing."""
    spaces = [f"cs-{i}" for i in range(6)]
    blocked = emulator.add_flow("batch", ["SIGN_UP"], "PUBLISHED", cust_space_id="cs-3", with_json=True)
    emulator.set_flow_status(blocked, "BLOCKED")

    def run() -> object:
        return run_batch(flow_store, spaces, pool_slots=5)

    first = run()
    assert ti_states(first) == {"batch": "failed"}
    done = {s: xcom(first, "batch", key=s) for s in spaces}
    assert done["cs-3"]["status"] == "FAILED" and done["cs-3"]["code"] == "Flow.Blocked", done["cs-3"]
    ok = [s for s in spaces if s != "cs-3"]
    assert {s: done[s]["action"] for s in ok} == dict.fromkeys(ok, "created")
    assert sum(done[s]["uploaded"] for s in ok) == 1  # hosted once for the whole batch
    flows = live(emulator, "batch")
    assert sorted(f["CustSpaceId"] for f in flows.values() if f["Status"] == "PUBLISHED") == ok
    assert writes(emulator).count("CreateFlow") == 5 and writes(emulator).count("PublishFlow") == 5
    assert max(emulator.max_calls_per_api(1.0, include_rejected=True).values()) <= 5
    assert not [r for r in emulator.requests() if r.throttled]

    emulator.set_flow_status(blocked, "DEPRECATED")  # the operator fixes the endpoint: cs-3 can deploy
    since = len(emulator.requests())
    second = run()
    assert ti_states(second) == {"batch": "success"}
    again = xcom(second, "batch")["deployments"]
    assert {s: again[s]["action"] for s in ok} == dict.fromkeys(ok, "unchanged")
    assert again["cs-3"]["action"] == "created" and again["cs-3"]["status"] == "PUBLISHED"
    assert writes(emulator, since) == ["CreateFlow", "UpdateFlowJSONAsset", "PublishFlow"]
    assert not any(again[s]["uploaded"] for s in spaces)  # the content was hosted by the first run

    since = len(emulator.requests())
    third = run()
    assert {r["action"] for r in xcom(third, "batch")["deployments"].values()} == {"unchanged"}
    assert writes(emulator, since) == [] and not any(
        r["uploaded"] for r in xcom(third, "batch")["deployments"].values()
    )


@pytest.mark.parametrize(
    ("spaces", "says"),
    [
        ("cs-1", "must be a list of CustSpaceIds, got str"),
        ([], "cust_space_ids is empty"),
        (["cs-1", None], r"cust_space_ids\[1\]"),
        (["cs-1", " cs-2"], r"cust_space_ids\[1\]"),
    ],
)
def test_batch_refuses_bad_cust_space_ids_before_any_request(spaces: object, says: str) -> None:
    from airflow_provider_cams.exceptions import CamsValidationError
    from airflow_provider_cams.operators.deploy import DeployFlowsOperator

    task = DeployFlowsOperator(
        task_id="batch",
        flow_name="batch",
        categories=["SIGN_UP"],
        flow_json="flows/signup.json",
        json_store="s3://bucket/flows/",
        cust_space_ids=spaces,  # type: ignore[arg-type]
    )
    with pytest.raises(CamsValidationError, match=says):
        task._spaces()
    assert DeployFlowsOperator(
        task_id="dups",
        flow_name="batch",
        categories=["SIGN_UP"],
        flow_json="flows/signup.json",
        json_store="s3://bucket/flows/",
        cust_space_ids=["cs-2", "cs-1", "cs-2"],
    )._spaces() == ["cs-2", "cs-1"]
    with pytest.raises(CamsValidationError, match="do not also give cust_space_id"):
        DeployFlowsOperator(
            task_id="both",
            flow_name="batch",
            categories=["SIGN_UP"],
            flow_json="flows/signup.json",
            json_store="s3://bucket/flows/",
            cust_space_ids=["cs-1"],
            cust_space_id="cs-1",
        )


def test_a_sub_customers_foreign_error_reaches_xcom_without_a_signature() -> None:
    from airflow_provider_cams.operators.deploy import _failure

    error = OSError("GET https://b.s3.example/k.json?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA failed")
    failed = _failure(error)
    assert failed["status"] == "FAILED" and failed["code"] is None
    assert failed["error"].startswith("OSError: GET https://b.s3.example/k.json")
    assert "deadbeef" not in failed["error"] and "AKIA" not in failed["error"]


def test_batch_stops_at_a_credential_error_and_names_the_skipped(
    emulator: CamsEmulator, flow_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong AccessKey secret fails every sub-customer the same way: the batch stops at the first
    refusal, reports the rest as not attempted, and writes nothing."""
    import json as _json

    conn = _json.loads(emulator.connection_uri_json())
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_WRONG", _json.dumps({**conn, "password": "not-the-secret"}))
    spaces = [f"cs-{i}" for i in range(12)]
    run = run_batch(flow_store, spaces, cams_conn_id="cams_wrong", max_workers=2)
    assert ti_states(run) == {"batch": "failed"}
    results = [xcom(run, "batch", key=s) for s in spaces]
    assert {r["status"] for r in results} == {"FAILED", "SKIPPED"}
    assert (
        sum(r["status"] == "SKIPPED" for r in results) >= len(spaces) - 2
    )  # two threads at most had started
    assert all(r["code"] for r in results if r["status"] == "FAILED")
    assert not writes(emulator) and not emulator.flows()


def run_batch(flow_store: str, spaces: list[str], **kwargs: object) -> Any:
    """Run a one-task DAG deploying the example signup flow as "batch" to ``spaces``; the DagRun."""
    from airflow_provider_cams.operators.deploy import DeployFlowsOperator

    with DAG(f"deploy_batch_{uuid.uuid4().hex[:8]}", **dag_kwargs()) as dag:
        DeployFlowsOperator(
            task_id="batch",
            flow_name="batch",
            categories=["SIGN_UP"],
            flow_json=str(FLOWS / "signup.json"),
            flow_json_root=str(FLOWS),
            json_store=f"s3://{flow_store}/flows/",
            json_store_conn_id="flow_store",
            cust_space_ids=spaces,
            **kwargs,  # type: ignore[arg-type]
        )
    return run_dag(dag)
