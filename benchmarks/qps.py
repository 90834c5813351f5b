"""Publish 50 flows through a real Airflow scheduler against the emulator, for each strategy.

Strategies: mapped PublishFlowOperator tasks (paced), one PublishFlowsOperator task holding the whole
pool (batch), five mapped PublishFlowsOperator chunks of 10 (batch_chunks), and the naive baseline:
mapped tasks with pacing off (the pool alone). Prints one table: wall time from the first CAMS task
start to the last CAMS task end, achieved calls/s as a fraction of the 5/s limit, the physical floor
(50 / 5 = 10 s), the most calls the emulator saw in any 1 s window, and throttled calls.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/qps.py [--flows 50] [--executor LocalExecutor]``).
Everything listens on 127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from airflow_provider_cams.testing import CamsEmulator  # noqa: E402
from tests.harness.airflow_stack import AirflowStack  # noqa: E402

STRATEGIES = {
    "mapped": "qps_mapped",
    "batch": "qps_batch",
    "batch_chunks": "qps_batch_chunks",
    "pool_only": "qps_pool_only",
}
RATE = 5.0


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def run_strategy(stack: AirflowStack, emu: CamsEmulator, dag_id: str, flows: int) -> dict[str, object]:
    emu.reset()
    ids = [emu.add_flow(name=f"bench {i}", categories=["OTHER"], with_json=True) for i in range(flows)]
    run_id = stack.trigger(dag_id, conf={"flow_ids": ids})
    state = stack.wait_for_runs(dag_id, [run_id], timeout=900)[run_id]
    tis = [ti for ti in stack.task_instances(dag_id, run_id) if ti["task_id"] == "publish"]
    start = min(_ts(ti["start_date"]) for ti in tis)
    end = max(_ts(ti["end_date"]) for ti in tis)
    calls = [r for r in emu.requests() if r.action == "PublishFlow"]
    ok = sum(1 for r in calls if r.code == "OK")
    published = sum(1 for f in emu.flows().values() if f["Status"] == "PUBLISHED")
    wall = end - start
    return {
        "state": state,
        "wall": wall,
        "rate": ok / wall,
        "fraction": ok / wall / RATE,
        "max_window": emu.max_calls_in_window(1.0, include_rejected=True),
        "throttled": sum(1 for r in emu.requests() if r.code == "System.LimitControl"),
        "published": published,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=50)
    parser.add_argument("--executor", default="LocalExecutor", choices=["LocalExecutor", "CeleryExecutor"])
    parser.add_argument("--strategies", nargs="*", default=list(STRATEGIES), choices=list(STRATEGIES))
    parser.add_argument("--dump", type=Path, help="write each strategy's request log (JSON) into this folder")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="cams-qps-"))
    dags = home / "dags"
    shutil.copytree(ROOT / "benchmarks" / "dags", dags, ignore=shutil.ignore_patterns("__pycache__"))
    results: dict[str, dict[str, object]] = {}
    try:
        with CamsEmulator(access_key_id="bench-ak", access_key_secret="bench-secret-value") as emu:
            base = json.loads(emu.connection_uri_json())
            unpaced = {**base, "extra": {**base["extra"], "pool": "cams_default", "pacing": False}}
            env = {
                "AIRFLOW_CONN_CAMS_DEFAULT": json.dumps(base),
                "AIRFLOW_CONN_CAMS_UNPACED": json.dumps(unpaced),
            }
            with AirflowStack(home, dags, executor=args.executor, parallelism=16, extra_env=env) as stack:
                stack.start()
                cams_pool = Path(sys.executable).with_name("cams-pool")
                subprocess.run([str(cams_pool)], env=stack.env, check=True, capture_output=True)
                for dag_id in STRATEGIES.values():
                    stack.wait_for_dag(dag_id)
                print(
                    f"Airflow up in {stack.time_to_healthy:.1f} s ({args.executor}); warming up...",
                    flush=True,
                )
                run_strategy(stack, emu, STRATEGIES["mapped"], 10)  # the first task slots are cold
                for name in args.strategies:
                    print(f"running {name}...", flush=True)
                    results[name] = run_strategy(stack, emu, STRATEGIES[name], args.flows)
                    if args.dump:
                        args.dump.mkdir(parents=True, exist_ok=True)
                        log = [r.as_dict() for r in emu.requests()]
                        (args.dump / f"{name}.json").write_text(json.dumps(log, indent=1))
                        shutil.copytree(stack.log_dir, args.dump / f"{name}-logs", dirs_exist_ok=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    floor = args.flows / RATE
    print(f"\n{args.flows} flows, limit {RATE:g} calls/s, physical floor {floor:.1f} s, {args.executor}")
    print(
        f"{'strategy':<14}{'state':<9}{'wall s':>8}{'calls/s':>9}{'of limit':>10}{'max/1s':>8}"
        f"{'throttled':>11}{'published':>11}"
    )
    for name, r in results.items():
        print(
            f"{name:<14}{r['state']!s:<9}{r['wall']:>8.1f}{r['rate']:>9.2f}{r['fraction']:>10.0%}"
            f"{r['max_window']:>8}{r['throttled']:>11}{r['published']:>11}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
