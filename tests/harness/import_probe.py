"""What importing the provider's DAG-facing modules adds to a fresh interpreter, by module name.

Shared by ``tests/provider/test_packaging.py`` (asserts none of ``RUN_TIME_ONLY`` is added) and
``benchmarks/import_time.py`` (reports them beside the timings).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable

DAG_FACING = (
    "airflow_provider_cams.operators.flow",
    "airflow_provider_cams.sensors.flow",
    "airflow_provider_cams.triggers.flow",
)
# What Airflow itself imports for a DAG file with an operator, a sensor and a trigger. Airflow may bring
# tenacity or jsonschema on its own (3.3 does, in airflow.sdk): only what the provider adds counts.
AIRFLOW_BASE = ("airflow.sdk", "airflow.sdk.bases.sensor", "airflow.triggers.base")
# What only a running task needs; a DAG file never pays for it.
RUN_TIME_ONLY = (
    "airflow_provider_cams.hooks.transport",
    "airflow_provider_cams.hooks.cams",
    "alibabacloud_",
    "darabonba",
    "tenacity",
    "jsonschema",
)


def modules_added(modules: Iterable[str]) -> list[str]:
    """The modules a fresh interpreter imports for ``modules`` once Airflow's base is imported."""
    code = (
        "import importlib, sys\n"
        f"for name in {AIRFLOW_BASE!r}: importlib.import_module(name)\n"
        "before = set(sys.modules)\n"
        f"for name in {tuple(modules)!r}: importlib.import_module(name)\n"
        "print('\\n'.join(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"importing {modules} failed:\n{out.stderr[-3000:]}")
    return out.stdout.split()


def run_time_only(names: Iterable[str]) -> list[str]:
    return sorted(name for name in names if name.startswith(RUN_TIME_ONLY))
