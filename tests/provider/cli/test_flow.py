"""``cams-flow validate`` run as a real subprocess: exit codes and the output format."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.provider.flowjson.conftest import base_flow, dump

REPO = Path(__file__).resolve().parents[3]
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<pointer>/\S*): (?P<message>.+)$")


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "airflow_provider_cams.cli.flow", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        input=stdin,
    )


def test_valid_files_exit_0() -> None:
    done = run("validate", *sorted(str(p) for p in (REPO / "example_dags" / "flows").glob("*.json")))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""
    assert "3 file(s) valid" in done.stderr


def test_invalid_file_exits_1_with_one_line_per_error(tmp_path: Path) -> None:
    flow = base_flow()
    flow["version"] = "3.1"
    flow["screens"][0]["id"] = "welcome screen"
    bad = tmp_path / "bad.json"
    bad.write_text(dump(flow))
    good = tmp_path / "good.json"
    good.write_text(dump(base_flow()))
    done = run("validate", str(good), str(bad))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) >= 2
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert {m["file"] for m in parsed if m} == {str(bad)}
    by_pointer = {m["pointer"]: m for m in parsed if m}
    assert by_pointer["/version"]["line"] == "2" and "frozen" in by_pointer["/version"]["message"]
    assert "/screens/0/id" in by_pointer
    assert re.search(r"\d+ error\(s\) in 1 of 2 file\(s\)", done.stderr)


def test_syntax_error_position(tmp_path: Path) -> None:
    path = tmp_path / "syntax.json"
    path.write_text('{\n  "version": "7.3",\n  "screens": [],\n}\n')
    done = run("validate", "-q", str(path))
    assert done.returncode == 1
    assert done.stdout.startswith(f"{path}:4:1: /: invalid JSON")
    assert done.stderr == ""


def test_stdin(tmp_path: Path) -> None:
    assert run("validate", "-", stdin=json.dumps(base_flow())).returncode == 0
    done = run("validate", "-", stdin="[]")
    assert done.returncode == 1 and done.stdout.startswith("-:1:1: /: ")


def test_strict_json_duplicate_key_and_nan(tmp_path: Path) -> None:
    text = dump(base_flow()).replace('"version": "7.3",', '"version": "7.3",\n  "version": "7.2",', 1)
    text = text.replace('"Hello there"', "NaN", 1)
    done = run("validate", "-q", "-", stdin=text)
    assert done.returncode == 1
    assert '-:3:3: /version: duplicate key "version"' in done.stdout
    assert "/screens/0/layout/children/0/text: NaN is not JSON" in done.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = run("validate", str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert "nope.json: no such file" in missing.stderr and missing.stdout == ""
    assert run("validate", str(tmp_path)).returncode == 2
    assert run("validate").returncode == 2
    assert run().returncode == 2
    assert run("lint", "x.json").returncode == 2
