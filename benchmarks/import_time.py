"""What importing the provider's DAG-facing modules adds to DAG parse time (goal: at most 20 ms).

A DAG file imports ``airflow.sdk`` and then the operators (and perhaps the sensor or the trigger's
module). For each of ``operators.flow``, ``sensors.flow``, ``triggers.flow`` and all three together,
this measures fresh interpreter processes importing ``airflow.sdk`` alone against ``airflow.sdk`` +
that module, interleaved (so drift on a shared machine hits both alike), and prints the medians in ms
and as a ratio measured in this one run. ``-X importtime`` gives a second view: the cumulative import
time of the module itself, after ``airflow.sdk``. It also lists the modules a task needs only when it
runs (hook, transport, the SDK, tenacity, jsonschema) that the import added to those Airflow imports
itself (``tests/harness/import_probe.py``): there must be none.

Run: ``.venv/bin/python benchmarks/import_time.py [N]`` (N fresh processes per variant, default 9).
Exit status 1 if a run-time-only module was imported; the timing is reported, never asserted.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.harness.import_probe import DAG_FACING, modules_added, run_time_only  # noqa: E402

BASELINE = "import airflow.sdk"
MODULES = {
    "operators.flow": ("airflow_provider_cams.operators.flow",),
    "sensors.flow": ("airflow_provider_cams.sensors.flow",),
    "triggers.flow": ("airflow_provider_cams.triggers.flow",),
    "all three": DAG_FACING,
}
GOAL_MS = 20.0


def _imports(modules: tuple[str, ...]) -> str:
    return BASELINE + "".join(f"; import {m}" for m in modules)


def _time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def own_cumulative_ms(module: str) -> float:
    """``-X importtime``'s cumulative time of ``module`` imported after airflow.sdk: what it adds."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _imports((module,))],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    for line in out.splitlines():
        if line.rstrip().endswith(f"| {module}"):
            return int(line.split("|")[1]) / 1000
    raise RuntimeError(f"{module} not in -X importtime output")


def main(n: int = 9) -> int:
    _time(BASELINE)  # warm the OS file cache
    print(f"fresh processes: {n} per variant, interleaved; goal: at most {GOAL_MS:.0f} ms added")
    leaked: list[str] = []
    for label, modules in MODULES.items():
        base, prov = [], []
        for _ in range(n):
            base.append(_time(BASELINE))
            prov.append(_time(_imports(modules)))
        mb, mp = statistics.median(base), statistics.median(prov)
        print(
            f"{label:15s} airflow.sdk {mb * 1000:6.1f} ms, with it {mp * 1000:6.1f} ms: "
            f"added {(mp - mb) * 1000:5.1f} ms ({mp / mb:.3f}x)"
        )
        leaked += run_time_only(modules_added(modules))
    for module in MODULES["all three"]:
        own = statistics.median(own_cumulative_ms(module) for _ in range(n))
        print(f"-X importtime, {module} after airflow.sdk: median {own:5.1f} ms")
    print(f"run-time-only modules imported: {', '.join(sorted(set(leaked))) or 'none'}")
    return 1 if leaked else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 9))
