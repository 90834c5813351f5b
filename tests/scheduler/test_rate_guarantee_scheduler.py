"""The rate guarantee on a real Airflow deployment (api-server, dag-processor, scheduler; SQLite).

Three concurrent DAG runs, each with 10 mapped PublishFlowOperator tasks, a PublishFlowsOperator
publishing 6 flows with 2 slots (windowed pacing) and a status reader, share the account's pool; the
emulator enforces 5 calls/s and records every call. Paced: every task succeeds, nothing is throttled,
no 1 s window holds more than 5 calls. Unpaced (negative control, the pool alone): the same load puts
more than 5 calls into some 1 s window. Once with LocalExecutor, once with CeleryExecutor and two
workers (``make test-distributed``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_cams.testing import CamsEmulator
from tests.harness.airflow_stack import AirflowStack

pytestmark = [pytest.mark.scheduler, pytest.mark.timeout(900)]

DAGS = Path(__file__).parent / "dags"
RUNS, PER_RUN, PER_BATCH = 3, 10, 6


def connections(emu: CamsEmulator) -> dict[str, str]:
    base = json.loads(emu.connection_uri_json())
    unpaced = {**base, "extra": {**base["extra"], "pool": "cams_default", "pacing": False}}
    return {"AIRFLOW_CONN_CAMS_DEFAULT": json.dumps(base), "AIRFLOW_CONN_CAMS_UNPACED": json.dumps(unpaced)}


@pytest.fixture(scope="module")
def emulator() -> Iterator[CamsEmulator]:
    with CamsEmulator(access_key_id="proof-ak", access_key_secret="proof-secret-value") as emu:
        yield emu


@pytest.fixture(
    scope="module",
    params=[
        "LocalExecutor",
        pytest.param("CeleryExecutor", marks=pytest.mark.distributed),
    ],
)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, emulator: CamsEmulator
) -> Iterator[AirflowStack]:
    executor = request.param
    if executor == "CeleryExecutor" and shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: run `make test-distributed`")
    home = tmp_path_factory.mktemp(f"airflow-{executor}")
    dags = home / "dags"
    shutil.copytree(DAGS, dags, ignore=shutil.ignore_patterns("__pycache__"))
    with AirflowStack(
        home, dags, executor=executor, parallelism=16, extra_env=connections(emulator)
    ) as stack:
        stack.start()
        cams_pool = Path(sys.executable).with_name("cams-pool")
        out = subprocess.run([str(cams_pool)], env=stack.env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        for dag_id in ("cams_rate_paced", "cams_rate_unpaced"):
            stack.wait_for_dag(dag_id)
        yield stack


def run_load(stack: AirflowStack, emu: CamsEmulator, dag_id: str) -> dict[str, str]:
    emu.reset()
    confs = []
    for _ in range(RUNS):
        ids = [emu.add_flow(name=f"proof {i}", categories=["OTHER"], with_json=True) for i in range(PER_RUN)]
        batch = [
            emu.add_flow(name=f"proof batch {i}", categories=["OTHER"], with_json=True)
            for i in range(PER_BATCH)
        ]
        confs.append({"flow_ids": ids, "batch_flow_ids": batch, "reader_flow_id": ids[0]})
    run_ids = [stack.trigger(dag_id, conf=conf) for conf in confs]
    return stack.wait_for_runs(dag_id, run_ids, timeout=600)


def test_paced_pool_keeps_every_second_within_the_limit(stack: AirflowStack, emulator: CamsEmulator) -> None:
    states = run_load(stack, emulator, "cams_rate_paced")
    assert set(states.values()) == {"success"}, states
    calls = emulator.requests()
    assert [c for c in calls if c.code == "System.LimitControl"] == []
    # One call per flow: PublishFlow only (no GetFlow first on a first try), published once each.
    assert len(emulator.requests(action="PublishFlow")) == RUNS * (PER_RUN + PER_BATCH)
    assert len(emulator.requests(action="GetFlow")) >= RUNS  # the readers
    assert all(f["Status"] == "PUBLISHED" for f in emulator.flows().values())
    assert emulator.max_calls_in_window(1.0, include_rejected=True) <= 5
    if stack.worker_hostnames:
        hosts = {ti.get("hostname") for run in states for ti in stack.task_instances("cams_rate_paced", run)}
        assert set(stack.worker_hostnames) <= hosts, "both Celery workers ran CAMS tasks"


def test_unpaced_pool_alone_breaks_the_limit(stack: AirflowStack, emulator: CamsEmulator) -> None:
    run_load(stack, emulator, "cams_rate_unpaced")
    assert emulator.max_calls_in_window(1.0, include_rejected=True) > 5
