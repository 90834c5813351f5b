"""docs/examples/test_user_dag.py, verbatim, as a user would run it: a fresh pytest, no AIRFLOW_HOME.

It runs from a copy in an empty directory with ``-c /dev/null`` and its own rootdir, so neither this
repository's conftest.py (which sets AIRFLOW_HOME) nor its pytest settings apply: ``run_dag`` and the
``cams_emulator`` fixture must manage on their own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "test_user_dag.py"


def test_user_dag_example_passes_verbatim(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k != "PYTHONPATH"}
    env["HOME"] = str(tmp_path)  # were run_dag to miss AIRFLOW_HOME, ~/airflow would land here
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            EXAMPLE.name,
            "-p",
            "no:cacheprovider",
            "-c",
            os.devnull,
            "--rootdir",
            str(tmp_path),
            "-q",
            "-W",
            "error::RuntimeWarning",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    tail = (out.stdout + out.stderr)[-4000:]
    assert out.returncode == 0, tail
    assert "1 passed" in out.stdout, tail
    if (tmp_path / "airflow").exists():
        pytest.fail(f"the example wrote to ~/airflow instead of a throwaway home:\n{tail}")
