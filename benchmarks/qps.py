"""Publish N flows through a real Airflow scheduler against the emulator, for each strategy.

Strategies: mapped PublishFlowOperator tasks with the operator's defaults on workers (``mapped``), the
same started in the triggerer (``triggerer``: connection ``cams_trig``, the same account with 4 of its 5
slots kept for the triggerer; ``triggerer_store``: connection ``cams_store``, the same account with a
file ``rate_store``, all 5 slots shared with the workers), one PublishFlowsOperator holding the whole
pool (``batch``), five mapped one-slot PublishFlowsOperator chunks (``batch_chunks``), the naive
baseline with pacing off (``pool_only``), and one Flow JSON deployed to 100 sub-customers by mapped
DeployFlowOperator tasks (``deploy``, then ``deploy_rerun``: the same again, unchanged), and the same by
one DeployFlowsOperator holding the whole pool (``deploy_batch``, ``deploy_batch_rerun``).

Per strategy, in one run: wall time from the first CAMS task start to the last CAMS task end, divided
by the floor (the most loaded API's calls over its own limit); each API's calls per second over that
time against its own limit (every call the emulator saw, rejected ones included); the most calls of
one API in any 1 s window (the guarantee: at most that API's limit); the PublishFlow rate from the
first to the last PublishFlow; throttled calls; published flows; and the machine.

Run: ``make bench`` (30 flows; mapped, triggerer, batch, deploy: a few minutes), or
``.venv/bin/python benchmarks/qps.py [--flows 30 500] [--strategies ...] [--executor ...]``; one row
alone, e.g. ``.venv/bin/python benchmarks/qps.py --strategies deploy_batch``.
Everything listens on 127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from airflow_provider_cams.testing import CamsEmulator  # noqa: E402
from tests.harness.airflow_stack import AirflowStack  # noqa: E402
from tests.harness.object_store import LocalS3  # noqa: E402

STRATEGIES = {
    "mapped": "qps_mapped",
    "triggerer": "qps_triggerer",
    "triggerer_store": "qps_triggerer_store",
    "batch": "qps_batch",
    "batch_chunks": "qps_batch_chunks",
    "pool_only": "qps_pool_only",
    "deploy": "qps_deploy",
    "deploy_rerun": "qps_deploy",
    "deploy_batch": "qps_deploy_batch",
    "deploy_batch_rerun": "qps_deploy_batch",
}
DEFAULT_STRATEGIES = ["mapped", "triggerer", "triggerer_store", "batch", "deploy", "deploy_batch"]
LABELS = {
    "mapped": "mapped PublishFlowOperator (defaults)",
    "triggerer": "mapped PublishFlowOperator, in the triggerer",
    "triggerer_store": "  the same, rate_store (file): all 5 slots",
    "batch": "PublishFlowsOperator, pool_slots=5",
    "batch_chunks": "5 PublishFlowsOperator chunks, 1 slot each",
    "pool_only": "pool alone, no pacing (baseline)",
    "deploy": "mapped DeployFlowOperator, sub-customers",
    "deploy_rerun": "  same again, unchanged (reads only)",
    "deploy_batch": "DeployFlowsOperator, pool_slots=5",
    "deploy_batch_rerun": "  same again, unchanged (reads only)",
}
DEPLOY_MAX = 100  # sub-customers in the deploy rows (issue 11: 100)
FLOW_JSON = ROOT / "example_dags" / "flows" / "signup.json"
RATE = 5.0  # every flow API's own limit (the emulator's default, as the vendor documents)


def machine() -> str:
    """CPU count and model, and the load average when the run ended (the machine may be shared)."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}; load average {load}"


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def run_strategy(
    stack: AirflowStack, emu: CamsEmulator, dag_id: str, flows: int, store: str = "", fresh: bool = True
) -> dict[str, Any]:
    if fresh:
        emu.reset()
    if dag_id.startswith("qps_deploy"):  # flows = sub-customers; the floor: their calls at the limit
        conf: dict[str, Any] = {
            "cust_space_ids": [f"cams-sub-{i:04d}" for i in range(flows)],
            "flow_json": FLOW_JSON.read_text(),  # the content: a path must stay inside the DAG's folder
            "json_store": store,
        }
    else:
        conf = {
            "flow_ids": [
                emu.add_flow(name=f"bench {i}", categories=["OTHER"], with_json=True) for i in range(flows)
            ]
        }
    seen = len(emu.requests())
    run_id = stack.trigger(dag_id, conf=conf)
    state = stack.wait_for_runs(dag_id, [run_id], timeout=120 + flows * 4)[run_id]
    tis = [ti for ti in stack.task_instances(dag_id, run_id) if ti["task_id"] == "publish"]
    start = min(_ts(ti["start_date"]) for ti in tis)
    end = max(_ts(ti["end_date"]) for ti in tis)
    requests = emu.requests()[seen:]
    published = sum(1 for f in emu.flows().values() if f["Status"] == "PUBLISHED")
    wall = end - start
    per_api = per_api_stats(requests, wall)
    publishes = [r.received_at for r in requests if r.action == "PublishFlow"]
    return {
        "state": state,
        "flows": flows,
        "wall": wall,
        "floor": max(stats["calls"] for stats in per_api.values()) / RATE,
        "writes": sum(1 for r in requests if r.action not in ("ListFlow", "GetFlow", "GetFlowJSONAssest")),
        "calls": len(requests),
        "per_api": per_api,
        "publish_rate": (len(publishes) - 1) / (publishes[-1] - publishes[0]) if len(publishes) > 1 else 0.0,
        "max_window": max(stats["max_window"] for stats in per_api.values()),
        "throttled": sum(1 for r in requests if r.code == "System.LimitControl"),
        "published": published,
    }


def per_api_stats(requests: list[Any], wall: float) -> dict[str, dict[str, float]]:
    """Per API: calls, calls/s over ``wall``, and the most calls in any 1 s window."""
    from airflow_provider_cams.testing.records import max_in_window

    stats: dict[str, dict[str, float]] = {}
    for action in sorted({r.action for r in requests if r.action}):
        stamps = [r.received_at for r in requests if r.action == action]
        stats[action] = {
            "calls": len(stamps),
            "rate": len(stamps) / wall,
            "max_window": max_in_window(stamps, 1.0),
        }
    return stats


def print_table(flows: int, executor: str, rows: dict[str, dict[str, Any]]) -> None:
    print(
        f"\n{flows} flows (deploy: {DEPLOY_MAX} sub-customers), each API's limit {RATE:g} calls/s, {executor}"
    )
    print(
        f"{'strategy':<44}{'state':<9}{'wall s':>8}{'wall/floor':>11}{'calls':>7}{'max/1s':>8}"
        f"{'publish/s':>11}{'throttled':>11}{'published':>11}  each API: calls/s (of its limit), max in 1 s"
    )
    for name, r in rows.items():
        apis = "; ".join(
            f"{api} {st['rate']:.2f} ({st['rate'] / RATE:.0%}) max {st['max_window']:.0f}"
            for api, st in r["per_api"].items()
        )
        print(
            f"{LABELS[name]:<44}{r['state']!s:<9}{r['wall']:>8.1f}{r['wall'] / r['floor']:>11.2f}"
            f"{r['calls']:>7}{r['max_window']:>8.0f}{r['publish_rate']:>11.2f}{r['throttled']:>11}"
            f"{r['published']:>11}  {apis}",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, nargs="+", default=[30])
    parser.add_argument("--executor", default="LocalExecutor", choices=["LocalExecutor", "CeleryExecutor"])
    parser.add_argument("--strategies", nargs="*", default=DEFAULT_STRATEGIES, choices=list(STRATEGIES))
    parser.add_argument("--dump", type=Path, help="write each strategy's request log (JSON) into this folder")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="cams-qps-"))
    dags = home / "dags"
    shutil.copytree(ROOT / "benchmarks" / "dags", dags, ignore=shutil.ignore_patterns("__pycache__"))
    results: dict[int, dict[str, dict[str, Any]]] = {}
    try:
        with (
            CamsEmulator(access_key_id="bench-ak", access_key_secret="bench-secret-value") as emu,
            LocalS3() as s3,
        ):
            base = json.loads(emu.connection_uri_json())
            unpaced = {**base, "extra": {**base["extra"], "pool": "cams_default", "pacing": False}}
            trig = {**base, "extra": {**base["extra"], "pool": "cams_trig", "triggerer_slots": 4}}
            rate_store = f"file://{home / 'rate-store'}"
            store = {**base, "extra": {**base["extra"], "pool": "cams_store", "rate_store": rate_store}}
            env = {
                "AIRFLOW_CONN_CAMS_DEFAULT": json.dumps(base),
                "AIRFLOW_CONN_CAMS_UNPACED": json.dumps(unpaced),
                "AIRFLOW_CONN_CAMS_TRIG": json.dumps(trig),
                "AIRFLOW_CONN_CAMS_STORE": json.dumps(store),
                "AIRFLOW_CONN_FLOW_STORE": s3.connection_json(),
            }
            s3.create_bucket("bench-flows")
            with AirflowStack(
                home, dags, executor=args.executor, parallelism=16, with_triggerer=True, extra_env=env
            ) as stack:
                stack.start()
                cams_pool = Path(sys.executable).with_name("cams-pool")
                for conn_id in ("cams_default", "cams_trig", "cams_store"):
                    subprocess.run(
                        [str(cams_pool), "--conn-id", conn_id], env=stack.env, check=True, capture_output=True
                    )
                for dag_id in STRATEGIES.values():
                    stack.wait_for_dag(dag_id)
                print(
                    f"Airflow up in {stack.time_to_healthy:.1f} s ({args.executor}); warming up...",
                    flush=True,
                )
                run_strategy(stack, emu, STRATEGIES["mapped"], 10)  # the first task slots are cold
                for flows in args.flows:
                    results[flows] = {}
                    for name in args.strategies:
                        count = DEPLOY_MAX if name.startswith("deploy") else flows
                        print(f"running {name} with {count} flows...", flush=True)
                        results[flows][name] = run_strategy(
                            stack,
                            emu,
                            STRATEGIES[name],
                            count,
                            store=f"s3://bench-flows/{flows}/",
                            fresh=not name.endswith("_rerun"),
                        )
                        if args.dump:
                            args.dump.mkdir(parents=True, exist_ok=True)
                            log = [r.as_dict() for r in emu.requests()]
                            (args.dump / f"{name}-{flows}.json").write_text(json.dumps(log, indent=1))
                            shutil.copytree(
                                stack.log_dir, args.dump / f"{name}-{flows}-logs", dirs_exist_ok=True
                            )
                    print_table(flows, args.executor, results[flows])
    finally:
        shutil.rmtree(home, ignore_errors=True)

    print(f"\nmachine: {machine()}")
    for flows, rows in results.items():
        print_table(flows, args.executor, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
