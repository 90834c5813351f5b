"""Flows as code under the soak's faults: every deployment converges.

Three sub-customers deploy one Flow JSON (real Airflow, real HTTP, a real S3 server) while the emulator
faults ~30 % of the calls with every fault kind it has (seeded); then the file changes and they deploy
again. The suite runs under two emulator dialects (``guess``, and ``renamed``: every undocumented code
one the provider never saw, the wrong-status refusal as HTTP 200), each with one published-update
behaviour (``guess`` refuses updates of a PUBLISHED flow, ``renamed`` here sends it back to DRAFT), so
each dialect and each behaviour is soaked once. Whatever failed and whenever: one
live flow per sub-customer, PUBLISHED, holding exactly the file's JSON, each PublishFlow applied once
per version. Airflow retries heal what the hook gives up on.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.operators.flow import DeployFlowOperator
from airflow_provider_cams.testing import CamsEmulator, FaultKind
from tests.dag_helpers import run_dag, ti_states
from tests.provider.conftest import dag_kwargs

FLOW = Path(__file__).resolve().parents[2] / "example_dags" / "flows" / "signup.json"
SPACES = [f"cams-sub-{i}" for i in range(3)]
pytestmark = pytest.mark.cams_dialects()  # guess, and every undocumented code renamed (HTTP 200 wrong status)
KINDS = [k.value for k in FaultKind if k is not FaultKind.ERROR]


@pytest.fixture
def chaos(
    airflow_db: str, cams_dialect: str, monkeypatch: pytest.MonkeyPatch, flow_store: str
) -> Iterator[tuple[CamsEmulator, str]]:
    with CamsEmulator(access_key_id="soak-ak", access_key_secret="soak-sk", dialect=cams_dialect) as emu:
        conn = json.loads(emu.connection_uri_json())
        conn["extra"].update({"pacing": False, "read_timeout": 1.5})  # pacing is proven elsewhere
        monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", json.dumps(conn))
        emu.set_rate_limit(None)  # every failure is an injected one
        yield emu, flow_store


def _deploy(flow_json: str, bucket: str) -> Any:
    root = str(Path(flow_json).parent)
    with DAG(f"deploy_soak_{uuid.uuid4().hex[:8]}", **dag_kwargs()) as dag:
        DeployFlowOperator.partial(
            task_id="deploy",
            flow_name="signup",
            categories=["SIGN_UP"],
            flow_json=flow_json,
            flow_json_root=root,  # the file is in the test's tmp_path, not next to this module
            json_store=f"s3://{bucket}/soak/",
            json_store_conn_id="flow_store",
            retries=8,
            retry_delay=timedelta(seconds=0),
            hook_params={"max_attempts": 3, "initial_wait": 0.05, "max_wait": 0.2},
        ).expand(cust_space_id=SPACES)
    return run_dag(dag)


# One published-update behaviour per dialect (test time): both dialects and both behaviours are soaked.
PUBLISHED_UPDATE = {"guess": "reject", "renamed": "revert_to_draft"}


def test_every_deploy_converges_under_faults(
    chaos: tuple[CamsEmulator, str], tmp_path: Path, cams_dialect: str
) -> None:
    emu, bucket = chaos
    emu.set_published_update(PUBLISHED_UPDATE[cams_dialect])
    path = tmp_path / "signup.json"
    path.write_bytes(FLOW.read_bytes())
    injected: Counter[str] = Counter()
    for version in (1, 2):
        if version == 2:
            flow = json.loads(path.read_text())
            flow["screens"][0]["title"] = "Join us, version 2"
            path.write_text(json.dumps(flow, indent=1))
        emu.faults.random(0.3, kinds=KINDS, seed=7 + version, delay=2.0)
        run = _deploy(str(path), bucket)
        injected.update(emu.faults.injected())
        emu.faults.clear()
        assert set(ti_states(run).values()) == {"success"}, ti_states(run)
        live = [f for f in emu.flows().values() if f["Status"] != "DEPRECATED"]
        assert sorted(f["CustSpaceId"] for f in live) == SPACES, "one live flow per sub-customer"
        assert {f["Status"] for f in live} == {"PUBLISHED"}
        by_space = {f["CustSpaceId"]: fid for fid, f in emu.flows().items() if f["Status"] == "PUBLISHED"}
        assert {emu.flow_json(fid) for fid in by_space.values()} == {path.read_bytes()}
    publishes = Counter(
        (r.params.get("CustSpaceId"), r.params["FlowId"]) for r in emu.requests("PublishFlow") if r.applied
    )
    assert max(publishes.values()) <= 2, "a flow is published at most once per version"
    assert len(set(injected)) >= 6, injected
