"""The rate guarantee on a real Airflow deployment (api-server, dag-processor, scheduler; SQLite).

The emulator enforces 5 calls/s and records every call's arrival. Realistic load: three concurrent DAG
runs, each with 10 mapped PublishFlowOperator tasks (the operator's defaults), a PublishFlowsOperator
publishing 6 flows with 2 slots (windowed pacing) and a status reader, share the account's pool; every
task succeeds, nothing is throttled, no 1 s window holds more than 5 calls. Paired control: five tasks
that fill the pool and burst GetFlow calls after a barrier (``dags/cams_rate_proof.py``); paced they
stay within 5 calls/s, unpaced (the pool alone) they break it, on any machine (see the negative
control's docstring). Once with LocalExecutor, once with CeleryExecutor and two workers
(``make test-distributed``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_cams.testing import CamsEmulator
from tests.harness.airflow_stack import AirflowStack
from tests.harness.object_store import LocalS3

pytestmark = [pytest.mark.scheduler, pytest.mark.timeout(900)]

DAGS = Path(__file__).parent / "dags"
RUNS, PER_RUN, PER_BATCH = 3, 10, 6
BURST_TASKS = 5  # the pool's slots: cams-pool gives floor(5 calls/s) = 5
BURST_CALLS = 5  # GetFlow calls per burst task: one before the barrier, four after it


def connections(emu: CamsEmulator, store_dir: Path) -> dict[str, str]:
    base = json.loads(emu.connection_uri_json())
    unpaced = {**base, "extra": {**base["extra"], "pool": "cams_default", "pacing": False}}
    # The same account with 4 of its 5 slots kept for tasks started in the triggerer (pool: 1 slot).
    trig = {**base, "extra": {**base["extra"], "pool": "cams_trig", "triggerer_slots": 4}}
    # The same account with a rate store on this machine: every worker and the triggerer share its slots.
    store = {**base, "extra": {**base["extra"], "pool": "cams_store", "rate_store": f"file://{store_dir}"}}
    return {
        "AIRFLOW_CONN_CAMS_DEFAULT": json.dumps(base),
        "AIRFLOW_CONN_CAMS_UNPACED": json.dumps(unpaced),
        "AIRFLOW_CONN_CAMS_TRIG": json.dumps(trig),
        "AIRFLOW_CONN_CAMS_STORE": json.dumps(store),
    }


@pytest.fixture(scope="module")
def emulator() -> Iterator[CamsEmulator]:
    with CamsEmulator(access_key_id="proof-ak", access_key_secret="proof-secret-value") as emu:
        yield emu


@pytest.fixture(scope="module")
def s3() -> Iterator[LocalS3]:
    """Where the batch deploy of ``cams_store_mixed`` hosts its Flow JSON."""
    with LocalS3() as store:
        store.create_bucket("flows")
        yield store


@pytest.fixture(
    scope="module",
    params=[
        "LocalExecutor",
        pytest.param("CeleryExecutor", marks=pytest.mark.distributed),
    ],
)
def stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    emulator: CamsEmulator,
    s3: LocalS3,
) -> Iterator[AirflowStack]:
    executor = request.param
    if executor == "CeleryExecutor" and shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: run `make test-distributed`")
    home = tmp_path_factory.mktemp(f"airflow-{executor}")
    dags = home / "dags"
    shutil.copytree(DAGS, dags, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**connections(emulator, home / "rate-store"), "AIRFLOW_CONN_FLOW_STORE": s3.connection_json()}
    with AirflowStack(
        home, dags, executor=executor, parallelism=16, with_triggerer=True, extra_env=env
    ) as stack:
        stack.start()
        cams_pool = Path(sys.executable).with_name("cams-pool")
        for conn_id in ("cams_default", "cams_trig", "cams_store"):
            out = subprocess.run(
                [str(cams_pool), "--conn-id", conn_id],
                env=stack.env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert out.returncode == 0, out.stderr
        stack.set_pool("cams_store_deploy", 5, "the store's batch deploy: the store makes the rate")
        dag_ids = ("cams_rate_paced", "cams_burst_paced", "cams_burst_unpaced", "cams_triggerer_mixed")
        for dag_id in (*dag_ids, "cams_store_mixed"):
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
    assert max(emulator.max_calls_per_api(1.0, include_rejected=True).values()) <= 5
    if stack.worker_hostnames:
        hosts = {ti.get("hostname") for run in states for ti in stack.task_instances("cams_rate_paced", run)}
        assert set(stack.worker_hostnames) <= hosts, "both Celery workers ran CAMS tasks"


def run_burst(stack: AirflowStack, emu: CamsEmulator, dag_id: str) -> tuple[str, list[str]]:
    """One run of a burst DAG: as many tasks as the pool has slots, one flow each."""
    emu.reset()
    ids = [emu.add_flow(name=f"burst {i}", categories=["OTHER"]) for i in range(BURST_TASKS)]
    run_id = stack.trigger(dag_id, conf={"flow_ids": ids, "calls": BURST_CALLS})
    return stack.wait_for_runs(dag_id, [run_id], timeout=600)[run_id], ids


def burst_timeline(emu: CamsEmulator, ids: list[str]) -> str:
    """Per task: its calls' arrivals in seconds after the barrier opened (for failure messages)."""
    calls = {i: [r.received_at for r in emu.requests("GetFlow") if r.params.get("FlowId") == i] for i in ids}
    opened = max(stamps[0] for stamps in calls.values() if stamps)
    return "; ".join(
        f"task {n}: " + " ".join(f"{t - opened:+.2f}" for t in stamps)
        for n, stamps in enumerate(calls.values())
    )


def test_paced_burst_stays_within_the_limit(stack: AirflowStack, emulator: CamsEmulator) -> None:
    """The positive half of the paired control: the same burst as below, pacing on."""
    state, ids = run_burst(stack, emulator, "cams_burst_paced")
    assert state == "success"
    calls = emulator.requests("GetFlow")
    assert [c for c in calls if c.throttled] == []
    assert sorted(c.params["FlowId"] for c in calls) == sorted(ids * BURST_CALLS)
    assert emulator.max_calls_in_window(1.0, include_rejected=True) <= 5, burst_timeline(emulator, ids)


def test_unpaced_pool_alone_breaks_the_limit(stack: AirflowStack, emulator: CamsEmulator) -> None:
    """Negative control: the pool alone (pacing off) lets more than 5 calls into one second.

    Why this holds on a quiet and on a busy machine alike, rather than only when load happens to bunch
    task starts together:

    * Overlap by construction. Each of the 5 tasks (the pool's 5 slots) makes one GetFlow, then waits
      until the emulator has recorded a GetFlow for all 5 flows. Let R be the arrival of the last of those
      first calls. No task passes the barrier before R, and none ends before passing it, so after R all 5
      run at once, however slowly the scheduler started them.
    * Counting. After R each task makes ``BURST_CALLS - 1 = 4`` more calls, so at least 20 calls arrive at
      or after R. If no 1 s window held more than 5, the windows [R, R+1), [R+1, R+2) and [R+2, R+3)
      would hold at most 15 of them, so some task would still be calling 3 s after R: it would have
      needed over 3 s to notice the barrier and make 4 calls. With pacing off nothing in the provider
      waits between calls, so that means the machine needs about 0.75 s for one GetFlow on a warm
      client, against a few tens of ms on a loaded 2-core machine (the failure message shows the
      timeline). A machine that slow could not put 6 calls in a second in any configuration.
    * Throttling cannot hide it. The emulator refuses a call only when 5 were admitted less than 1 s
      before it, i.e. when a window already holds 6 arrivals; until then no call is refused, so no retry
      backoff slows the burst down. Retries only add arrivals.

    So more than 5 calls in some 1 s window, and CAMS throttling some of them, follows from the pool
    admitting 5 tasks at once and pacing being off, not from the machine's speed. The paced test above
    runs the same DAG with pacing on.
    """
    _, ids = run_burst(stack, emulator, "cams_burst_unpaced")
    timeline = burst_timeline(emulator, ids)
    print(f"unpaced burst, s after the barrier opened: {timeline}")  # shown with -rP: the real margin
    assert {c.params["FlowId"] for c in emulator.requests("GetFlow")} == set(ids), timeline
    assert emulator.max_calls_in_window(1.0, include_rejected=True) > 5, timeline
    assert [c for c in emulator.requests() if c.code == "System.LimitControl"] != [], timeline


TRIGGER_FLOWS, DEPLOYS = 30, 4


def triggerer_flows(emu: CamsEmulator, prefix: str) -> list[str]:
    return [
        emu.add_flow(name=f"{prefix} {i}", categories=["OTHER"], with_json=True) for i in range(TRIGGER_FLOWS)
    ]


def check_triggerer_run(
    stack: AirflowStack, emu: CamsEmulator, dag_id: str, conf: dict[str, Any]
) -> tuple[str, list[Any], dict[str, int]]:
    """Run ``dag_id``; it must succeed with nothing throttled, no API above 5 calls in any second, every
    flow published, each of ``conf["flow_ids"]`` once, by a task started in the triggerer.
    Returns the run id, those PublishFlow requests and each API's peak."""
    ids = conf["flow_ids"]
    run_id = stack.trigger(dag_id, conf=conf)
    state = stack.wait_for_runs(dag_id, [run_id], timeout=600)[run_id]
    tis = stack.task_instances(dag_id, run_id)
    assert state == "success", tis
    assert [c for c in emu.requests() if c.code == "System.LimitControl"] == []
    peaks = emu.max_calls_per_api(1.0, include_rejected=True)
    assert max(peaks.values()) <= 5, peaks
    publishes = [r for r in emu.requests("PublishFlow") if r.params.get("FlowId") in ids]
    assert sorted(r.params["FlowId"] for r in publishes) == sorted(ids), "one PublishFlow per flow"
    assert all(f["Status"] == "PUBLISHED" for f in emu.flows().values())
    started_in_triggerer = [ti for ti in tis if ti["task_id"] == "publish_in_triggerer"]
    assert len(started_in_triggerer) == TRIGGER_FLOWS
    assert all(ti["queued_when"] is None for ti in started_in_triggerer), "no worker ran them"
    return run_id, publishes, peaks


def test_publishing_started_in_the_triggerer_keeps_every_api_within_its_limit(
    stack: AirflowStack, emulator: CamsEmulator
) -> None:
    """30 mapped publishes started in the triggerer (no worker) while a worker task of the same account
    creates, attaches and publishes flows: each flow published once, nothing throttled, no API above 5
    calls in any second. The publish rate first to last PublishFlow is printed (``-rP``) and measured
    by ``make bench``; a rate is never asserted (it depends on the machine)."""
    emulator.reset()
    ids = triggerer_flows(emulator, "trig")
    conf = {
        "flow_ids": ids,
        "deploy_names": [f"deployed {i}" for i in range(DEPLOYS)],
        "json_url": emulator.flow_json_url(ids[0]),
    }
    run_id, publishes, peaks = check_triggerer_run(stack, emulator, "cams_triggerer_mixed", conf)
    # The trigger ended each task with the operator's XCom (no worker pushed it).
    xcom_path = (
        f"/api/v2/dags/cams_triggerer_mixed/dagRuns/{urllib.parse.quote(run_id, safe='')}"
        "/taskInstances/publish_in_triggerer/xcomEntries/return_value?map_index=7&deserialize=true"
    )
    xcom = stack.request("GET", xcom_path)["value"]
    xcom = json.loads(xcom) if isinstance(xcom, str) else xcom
    assert (xcom["flow_id"], xcom["status"], xcom["already_published"]) == (ids[7], "PUBLISHED", False), xcom
    span = publishes[-1].received_at - publishes[0].received_at
    rate = (len(publishes) - 1) / span
    print(f"triggerer: {len(publishes)} PublishFlow in {span:.2f} s, {rate:.2f}/s; peaks {peaks}")


FLOW_JSON = Path(__file__).resolve().parents[2] / "example_dags" / "flows" / "signup.json"


def test_with_a_rate_store_the_triggerer_and_a_batch_deploy_share_every_slot(
    stack: AirflowStack, emulator: CamsEmulator
) -> None:
    """One account with a file rate store: 30 mapped publishes started in the triggerer (on all 5 slots)
    while a batch DeployFlowsOperator of the same account deploys to 12 sub-customers on a worker, in
    a pool of its own. Each flow published once, nothing throttled, no API above 5 calls in any second.
    The publish rate, first to last PublishFlow of the triggerer's flows, is printed (``-rP``) and
    measured by ``make bench``; a rate is never asserted (it depends on the machine)."""
    emulator.reset()
    ids = triggerer_flows(emulator, "store")
    conf = {"flow_ids": ids, "flow_json": FLOW_JSON.read_text(), "json_store": "s3://flows/store/"}
    _, publishes, peaks = check_triggerer_run(stack, emulator, "cams_store_mixed", conf)
    spaces = [f.get("CustSpaceId") for f in emulator.flows().values() if f.get("CustSpaceId")]
    assert sorted(spaces) == [f"cams-store-sub-{i:03d}" for i in range(12)], "one flow per sub-customer"
    deploy_calls = [r.received_at for r in emulator.requests() if r.params.get("FlowId") not in ids]
    span = publishes[-1].received_at - publishes[0].received_at
    overlap = min(publishes[-1].received_at, max(deploy_calls)) - max(
        publishes[0].received_at, min(deploy_calls)
    )
    print(
        f"store: {len(publishes)} PublishFlow from the triggerer in {span:.2f} s, "
        f"{(len(publishes) - 1) / span:.2f}/s; deploy calls overlapped them for {max(0.0, overlap):.1f} s; "
        f"peaks {peaks}"
    )
