"""Checks of AirflowStack against a real scheduler: pools hold, Celery spreads work, stop() cleans up.

Each test starts its own deployment (15 to 25 s on two cores) and runs 16 one-second tasks through a
2-slot pool, so these are slow: select them with ``-m stack`` or deselect with ``-m 'not stack'``.
Run with ``-s`` to see the measured figures (time to healthy, slot gaps, memory).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from tests.harness.airflow_stack import AirflowStack, port_is_free

pytestmark = [pytest.mark.stack, pytest.mark.timeout(900)]

DAGS = Path(__file__).parent / "dags"
DAG_ID = "stack_smoke"
POOL = "stack_smoke_pool"
SLOTS = 2
MAPPED = 8
RUNS = 2


def _dags_copy(tmp_path: Path) -> Path:
    """The DAG folder copied out of the repo, so parsing never writes into the work tree."""
    target = tmp_path / "dags"
    shutil.copytree(DAGS, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _records(record_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(record_dir.glob("*.json"))]


def _max_concurrency(records: list[dict[str, Any]]) -> int:
    """Most tasks inside their recorded [start, end] at one instant (an end before a start at a tie)."""
    events = sorted([(r["start"], 1) for r in records] + [(r["end"], -1) for r in records])
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    return peak


def _slot_gaps(records: list[dict[str, Any]], slots: int) -> list[float]:
    """Seconds from the k-th task end to the (k+slots)-th task start: a slot freeing to its reuse."""
    starts = sorted(r["start"] for r in records)
    ends = sorted(r["end"] for r in records)
    return [starts[i] - ends[i - slots] for i in range(slots, len(starts))]


def _pss_mib(pids: list[int]) -> int:
    """Proportional set size of a process tree (shared pages split between sharers), in MiB."""
    total_kib = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return total_kib // 1024


def _pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _processes_with_home(home: Path) -> list[int]:
    """Live processes whose environment points at this stack's AIRFLOW_HOME (catches re-parented ones)."""
    needle = f"AIRFLOW_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0") and _pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _assert_all_gone(stack: AirflowStack, pids: list[int]) -> None:
    alive = [pid for pid in pids if _pid_alive(pid)]
    assert not alive, f"processes left after stop(): {alive}"
    assert not _processes_with_home(stack.home), "a process with the stack's AIRFLOW_HOME is still alive"
    ports = [stack.api_port] + ([stack.redis_port] if stack.redis_port else [])
    busy = [port for port in ports if not port_is_free(port)]
    assert not busy, f"ports still bound after stop(): {busy}"


def _run_smoke(stack: AirflowStack, record_dir: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """Two concurrent runs of 8 mapped 1 s tasks through the 2-slot pool; check and report."""
    record_dir.mkdir()
    stack.set_pool(POOL, SLOTS, "stack smoke test")
    stack.wait_for_dag(DAG_ID)
    began = time.monotonic()
    conf = {"record_dir": str(record_dir), "overlap": SLOTS}
    run_ids = [stack.trigger(DAG_ID, conf) for _ in range(RUNS)]
    # Deadlines here only detect a stuck stack: generous, as a loaded machine is slow, not wrong.
    states = stack.wait_for_runs(DAG_ID, run_ids, timeout=600)
    elapsed = time.monotonic() - began
    assert states == dict.fromkeys(run_ids, "success")

    records = _records(record_dir)
    assert len(records) == RUNS * MAPPED
    assert all("end" in record for record in records)
    peak = _max_concurrency(records)
    assert peak <= SLOTS, f"{peak} tasks ran at once in a {SLOTS}-slot pool"
    assert peak == SLOTS, "the pool was never used to capacity (the first tasks wait for each other)"

    gaps = _slot_gaps(records, SLOTS)
    print(
        f"\n[{stack.executor}] healthy after {stack.time_to_healthy:.1f}s; {RUNS}x{MAPPED} tasks in "
        f"{elapsed:.1f}s; slot-free -> next start: median {statistics.median(gaps):.3f}s "
        f"min {min(gaps):.3f}s max {max(gaps):.3f}s; all gaps {[round(g, 2) for g in gaps]}; "
        f"stack PSS {_pss_mib(stack.process_tree())} MiB"
    )
    return run_ids, records


def test_local_executor_pool_caps_concurrency(tmp_path: Path) -> None:
    stack = AirflowStack(tmp_path / "home", _dags_copy(tmp_path), parallelism=8)
    with stack:
        run_ids, _ = _run_smoke(stack, tmp_path / "records")
        tis = [ti for run_id in run_ids for ti in stack.task_instances(DAG_ID, run_id)]
        assert sorted(ti["map_index"] for ti in tis) == sorted(list(range(MAPPED)) * RUNS)
        assert {ti["pool"] for ti in tis} == {POOL}
        tree = stack.process_tree()
    _assert_all_gone(stack, tree)


@pytest.mark.distributed
def test_celery_executor_two_workers(tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip(
            "redis-server not on PATH: run `make test-distributed` or apt-get install -y redis-server"
        )
    try:
        metadata.distribution("apache-airflow-providers-celery")
    except metadata.PackageNotFoundError:
        pytest.skip("apache-airflow-providers-celery not installed: run `make test-distributed`")
    stack = AirflowStack(
        tmp_path / "home",
        _dags_copy(tmp_path),
        executor="CeleryExecutor",
        parallelism=8,
        celery_workers=2,
        worker_concurrency=4,
    )
    with stack:
        run_ids, _ = _run_smoke(stack, tmp_path / "records")
        tis = [ti for run_id in run_ids for ti in stack.task_instances(DAG_ID, run_id)]
        assert len(tis) == RUNS * MAPPED
        hostnames = {ti["hostname"] for ti in tis}
        assert set(stack.worker_hostnames) <= hostnames, f"not every worker ran a task: {hostnames}"
        tree = stack.process_tree()
    _assert_all_gone(stack, tree)


def test_stop_kills_running_tasks_and_frees_ports(tmp_path: Path) -> None:
    """stop() while tasks sleep (they ignore SIGTERM, in groups of their own) leaves nothing behind."""
    record_dir = tmp_path / "records"
    record_dir.mkdir()
    stack = AirflowStack(tmp_path / "home", _dags_copy(tmp_path), parallelism=4)
    stack.start()
    try:
        stack.set_pool(POOL, SLOTS)
        stack.wait_for_dag(DAG_ID)
        stack.trigger(DAG_ID, {"record_dir": str(record_dir), "sleep": 120})
        deadline = time.monotonic() + 300
        while len(_records(record_dir)) < SLOTS:
            assert time.monotonic() < deadline, "tasks did not start"
            time.sleep(0.2)
        task_pids = [record["pid"] for record in _records(record_dir)]
        tree = stack.process_tree()
        assert set(task_pids) <= set(tree), "task processes are not tracked as part of the stack"
        assert all(_pid_alive(pid) for pid in task_pids)
    finally:
        began = time.monotonic()
        stack.stop()
        took = time.monotonic() - began
    print(f"\nstop() with {len(tree)} processes incl. {len(task_pids)} running tasks took {took:.1f}s")
    _assert_all_gone(stack, tree)
    stack.stop()  # idempotent
