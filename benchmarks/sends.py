"""Sends through a real Airflow scheduler against the emulator: the issue 19 rows of ``make bench``.

Rows: 100,000 recipients by mass send (``SendChatappMassMessage``, 1,000 a request; floor: 100 requests
at 10/s = 10 s) and 10,000 by single sends (``SendChatappMessage``; floor: 40 s at 250/s), each one
SendTemplateOperator holding the account's whole 5-slot pool, its audience a CSV file (``file://``).
Per row, in one run: wall time from the first to the last send call over the floor (target: <= 1.11 for
mass, <= 1.25 for single), the send API's calls per second against its limit, the most calls of each
API in any 1 s window, throttled calls, recipients with exactly one message, and the machine.

The DAG file is the scheduler proof's (``tests/scheduler/dags/cams_send_proof.py``); the machine report
and per-API statistics come from ``benchmarks/qps.py``. Run: ``make bench`` (after qps.py), or
``.venv/bin/python benchmarks/sends.py [--mass 100000] [--single 10000]``. Everything listens on
127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from airflow_provider_cams.testing import CamsEmulator  # noqa: E402
from benchmarks.qps import machine, per_api_stats  # noqa: E402
from tests.harness.airflow_stack import AirflowStack  # noqa: E402
from tests.scheduler.test_sends_scheduler import (  # noqa: E402
    BUSINESS,
    SEND_LIMITS,
    SPACE,
    button_template,
    send_deployment,
    write_audience,
)

ROWS = {
    "mass": ("cams_send_mass", "SendChatappMassMessage"),
    "single": ("cams_send_single", "SendChatappMessage"),
}
TARGETS = {"mass": 1.11, "single": 1.25}  # wall / floor: 90% and 80% of the API's limit
PER_CALL = {"mass": 1000, "single": 1}


def run_row(stack: AirflowStack, emu: CamsEmulator, row: str, people: int, folder: Path) -> dict[str, Any]:
    emu.reset()
    dag_id, api = ROWS[row]
    flow_id = emu.add_flow("f", ["OTHER"], status="PUBLISHED", cust_space_id=SPACE, with_json=True)
    numbers = [f"{6590000000 + i}" for i in range(people)]
    conf = {
        "template_code": button_template(emu, flow_id),
        "business_number": BUSINESS,
        "flow_id": flow_id,
        "audience": write_audience(folder / f"{row}.csv", numbers),
    }
    run_id = stack.trigger(dag_id, conf=conf)
    state = stack.wait_for_runs(dag_id, [run_id], timeout=600)[run_id]
    requests = emu.requests()
    sends = [r.received_at for r in requests if r.action == api]
    wall = sends[-1] - sends[0] if len(sends) > 1 else float("nan")
    limit = SEND_LIMITS[api]
    floor = (-(-people // PER_CALL[row])) / limit
    per_api = per_api_stats(requests, wall)
    once = Counter(Counter(m["UserNumber"] for m in emu.messages()).values())
    return {
        "state": state,
        "people": people,
        "api": api,
        "calls": len(sends),
        "wall": wall,
        "floor": floor,
        "rate": (len(sends) - 1) / wall if len(sends) > 1 else 0.0,
        "limit": limit,
        "per_api": per_api,
        "throttled": sum(1 for r in requests if r.code == "System.LimitControl"),
        "exactly_once": once.get(1, 0) if set(once) == {1} else f"NO: {dict(once)}",
    }


def print_table(rows: dict[str, dict[str, Any]], where: str) -> None:
    print(f"\n{where}")
    print(
        f"{'row':<34}{'state':<9}{'calls':>7}{'wall s':>8}{'floor s':>8}{'wall/floor':>11}{'target':>8}"
        f"{'calls/s':>9}{'of limit':>9}{'throttled':>10}{'once':>8}  most calls in any 1 s, each API"
    )
    for name, r in rows.items():
        label = f"{r['people']:,} recipients, {name} send"
        most = "; ".join(f"{api} {st['max_window']:.0f}" for api, st in r["per_api"].items())
        print(
            f"{label:<34}{r['state']!s:<9}{r['calls']:>7}{r['wall']:>8.1f}{r['floor']:>8.1f}"
            f"{r['wall'] / r['floor']:>11.2f}{TARGETS[name]:>8.2f}{r['rate']:>9.1f}"
            f"{r['rate'] / r['limit']:>9.0%}{r['throttled']:>10}{r['exactly_once']!s:>8}  {most}",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mass", type=int, default=100_000, help="recipients of the mass row (0: skip)")
    parser.add_argument("--single", type=int, default=10_000, help="recipients of the single row (0: skip)")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="cams-sends-"))
    rows: dict[str, dict[str, Any]] = {}
    try:
        with send_deployment(home, "bench-ak") as (stack, emu):
            print(f"Airflow up in {stack.time_to_healthy:.1f} s (LocalExecutor)", flush=True)
            for name, people in (("mass", args.mass), ("single", args.single)):
                if people > 0:
                    print(f"running {name} send to {people:,} recipients...", flush=True)
                    rows[name] = run_row(stack, emu, name, people, home)
                    print_table({name: rows[name]}, "")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print_table(rows, f"machine: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
