"""The plugin's fixtures, as a user's test session sees them: run by pytest in a fresh process with only
this plugin loaded (the Airflow home is decided once per process, so it cannot be checked in this one)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DEFAULT_HOME = """
import os

def test_the_emulator_comes_with_a_throwaway_airflow_home(cams_emulator):
    home = os.environ["AIRFLOW_HOME"]
    assert os.path.basename(home).startswith("cams-airflow-home-")
    assert os.path.isdir(os.path.join(home, "dags"))
    assert cams_emulator.running
"""

OWN_HOME_CONFTEST = """
import pytest

@pytest.fixture
def cams_airflow_home(monkeypatch):
    monkeypatch.setenv("MY_OWN_HOME_SETUP", "ran")
    return "mine"
"""

OWN_HOME = """
import os

def test_an_overridden_home_fixture_is_used_instead(cams_emulator):
    assert os.environ.get("MY_OWN_HOME_SETUP") == "ran"
    assert "AIRFLOW_HOME" not in os.environ
    assert cams_emulator.running
"""


def test_the_airflow_home_fixture_is_explicit_and_overridable(tmp_path: Path) -> None:
    (tmp_path / "test_default.py").write_text(DEFAULT_HOME)
    own = tmp_path / "own"
    own.mkdir()
    (own / "conftest.py").write_text(OWN_HOME_CONFTEST)
    (own / "test_own.py").write_text(OWN_HOME)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    # The overriding directory first: the throwaway home, once set, stays for the process.
    args = ["-p", "airflow_provider_cams.testing.pytest_plugin", "-p", "no:cacheprovider", "-q"]
    out = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "own", "test_default.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 passed" in out.stdout
