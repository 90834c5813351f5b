"""Flows as code through a real scheduler: many sub-customers, one pool, the rate guarantee kept.

One Flow JSON is deployed to every sub-customer by mapped DeployFlowOperator tasks in the account's
5-slot pool (api-server, dag-processor, scheduler, LocalExecutor; a real S3 server). Every sub-customer
ends with one PUBLISHED flow holding the file; no 1 s window holds more than 5 calls and nothing is
throttled; the re-run only reads. ``benchmarks/qps.py`` runs the same DAG for 100 sub-customers.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_cams.testing import CamsEmulator
from tests.harness.airflow_stack import AirflowStack
from tests.harness.object_store import LocalS3

pytestmark = [pytest.mark.scheduler, pytest.mark.timeout(900)]

DAGS = Path(__file__).parent / "dags"
FLOW = Path(__file__).resolve().parents[2] / "example_dags" / "flows" / "signup.json"
SPACES = [f"cams-sub-{i:03d}" for i in range(10)]
READS = {"ListFlow", "GetFlow", "GetFlowJSONAssest"}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AirflowStack, CamsEmulator, LocalS3]]:
    home = tmp_path_factory.mktemp("airflow-deploy")
    dags = home / "dags"
    dags.mkdir()
    shutil.copy(DAGS / "cams_deploy_proof.py", dags)
    (dags / "flows").mkdir()
    shutil.copy(FLOW, dags / "flows")  # the documented layout: dags/flows/<name>.json
    with (
        CamsEmulator(access_key_id="proof-ak", access_key_secret="proof-secret-value") as emu,
        LocalS3() as s3,
    ):
        s3.create_bucket("flows")
        env = {
            "AIRFLOW_CONN_CAMS_DEFAULT": emu.connection_uri_json(),
            "AIRFLOW_CONN_FLOW_STORE": s3.connection_json(),
        }
        with AirflowStack(home, dags, parallelism=16, extra_env=env) as stack:
            stack.start()
            cams_pool = Path(sys.executable).with_name("cams-pool")
            out = subprocess.run([str(cams_pool)], env=stack.env, capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr
            stack.wait_for_dag("cams_deploy_many")
            yield stack, emu, s3


def test_many_sub_customers_deploy_within_the_limit_and_rerun_only_reads(
    setup: tuple[AirflowStack, CamsEmulator, LocalS3],
) -> None:
    stack, emu, s3 = setup
    conf = {"cust_space_ids": SPACES, "flow_json": "flows/signup.json", "json_store": "s3://flows/deploy/"}
    first = stack.wait_for_runs(
        "cams_deploy_many", [stack.trigger("cams_deploy_many", conf=conf)], timeout=600
    )
    assert set(first.values()) == {"success"}, first
    flows = emu.flows()
    assert sorted(f["CustSpaceId"] for f in flows.values()) == SPACES
    assert {f["Status"] for f in flows.values()} == {"PUBLISHED"}
    assert {emu.flow_json(fid) for fid in flows} == {FLOW.read_bytes()}
    # One content, one key: tasks running at the same moment may each write it (the same bytes).
    uploads = s3.uploads("flows")
    assert 1 <= uploads <= 5
    seen = len(emu.requests())
    again = stack.wait_for_runs(
        "cams_deploy_many", [stack.trigger("cams_deploy_many", conf=conf)], timeout=600
    )
    assert set(again.values()) == {"success"}, again
    assert {r.action for r in emu.requests()[seen:]} <= READS, "a re-run sends no write"
    assert s3.uploads("flows") == uploads, "a re-run uploads nothing"
    assert [r for r in emu.requests() if r.code == "System.LimitControl"] == []
    assert max(emu.max_calls_per_api(1.0, include_rejected=True).values()) <= 5  # each API at its own limit
