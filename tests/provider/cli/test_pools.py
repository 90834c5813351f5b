"""cams-pool: provisions and checks the account's pool through Airflow's own CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CAMS_POOL = str(Path(sys.executable).with_name("cams-pool"))


def run(*args: str, conn: dict | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["AIRFLOW_CONN_CAMS_DEFAULT"] = json.dumps(
        conn or {"conn_type": "cams", "login": "AK", "password": "SK"}
    )
    return subprocess.run([CAMS_POOL, *args], env=env, capture_output=True, text=True, timeout=180)


def test_checked_in_pools_json_is_what_the_command_prints() -> None:
    out = run("--print-json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == json.loads((ROOT / "pools.json").read_text())


def test_create_then_check_then_detect_drift(airflow_db: str) -> None:
    conn = {
        "conn_type": "cams",
        "login": "AK",
        "password": "SK",
        "extra": {"pool": "cams_it_pool", "rate_limit": 7.5, "rate_shared": True},
    }
    missing = run("--check", conn=conn)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    created = run(conn=conn)
    assert created.returncode == 0, created.stderr
    assert "'cams_it_pool' set: 7 slots" in created.stdout
    ok = run("--check", conn=conn)
    assert ok.returncode == 0, ok.stderr
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "pools", "set", "cams_it_pool", "9", "drifted"], check=True, capture_output=True)
    drift = run("--check", conn=conn)
    assert drift.returncode == 1
    assert "has 9 slots" in drift.stderr and "does not count deferred" in drift.stderr


def test_per_api_pool_has_a_slot_per_call_of_the_most_limited_api() -> None:
    # flow APIs raised to 20/s, but template reads stay at their documented 5/s: 5 slots
    raised = {"conn_type": "cams", "login": "AK", "password": "SK", "extra": {"rate_limit": 20}}
    out = run("--print-json", conn=raised)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["cams_default"]["slots"] == 5
    lowered = {**raised, "extra": {"rate_limits": {"GetFlow": 3}}}
    assert json.loads(run("--print-json", conn=lowered).stdout)["cams_default"]["slots"] == 3


def test_bad_connection_is_reported() -> None:
    out = run(conn={"conn_type": "cams", "login": "AK", "password": "SK", "extra": {"rate_limit": 0}})
    assert out.returncode == 2
    assert "rate_limit" in out.stderr


@pytest.mark.parametrize("flag", ["--help"])
def test_help(flag: str) -> None:
    out = run(flag)
    assert out.returncode == 0 and "cams-pool" in out.stdout


def test_reads_a_connection_stored_in_the_metadata_db(airflow_db: str) -> None:
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run(
        [
            airflow,
            "connections",
            "add",
            "cams_in_db",
            "--conn-type",
            "cams",
            "--conn-login",
            "AK",
            "--conn-password",
            "SK-in-db",
            "--conn-extra",
            '{"pool": "cams_db_pool", "rate_limit": 3}',
        ],
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [CAMS_POOL, "--conn-id", "cams_in_db", "--print-json"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["cams_db_pool"]["slots"] == 3
