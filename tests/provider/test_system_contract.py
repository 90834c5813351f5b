"""The live contract test (``tests/system``) run as CI runs it: against the emulator, in two dialects.

The account is a local emulator and the JSON store a local S3 (moto), given to ``pytest tests/system`` in
a subprocess through exactly the variables an account holder sets. So the code a live run uses is
tested, and the report it writes must say what this emulator (in this dialect) actually answered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from airflow_provider_cams.testing import CamsEmulator
from tests.harness.object_store import LocalS3

ROOT = Path(__file__).resolve().parents[2]
SECRET = "system-secret-Qx7!"
SUITE = "tests/system"


@pytest.mark.parametrize("dialect", ["guess", "renamed"])
def test_live_contract_suite_against_the_emulator(local_s3: LocalS3, tmp_path: Path, dialect: str) -> None:
    bucket = f"system-{uuid.uuid4().hex[:10]}"
    local_s3.create_bucket(bucket)
    report_file = tmp_path / "report.json"
    with CamsEmulator(access_key_id="system-ak", access_key_secret=SECRET, dialect=dialect) as emu:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "PYTEST_"))},
            "AIRFLOW_CONN_CAMS_SYSTEM": emu.connection_uri_json(),
            "CAMS_SYSTEM_JSON_STORE": f"s3://{bucket}/system/",
            "AIRFLOW_CONN_CAMS_SYSTEM_STORE": local_s3.connection_json(),
            "CAMS_SYSTEM_REPORT": str(report_file),
        }
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q", SUITE],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-2000:]
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
        assert "3 passed" in summary and "skipped" not in summary, summary
        # Every throwaway flow was cleaned up: nothing left DRAFT or PUBLISHED.
        assert {f["Status"] for f in emu.flows().values()} == {"DEPRECATED"}
        d = emu.dialect

    text = report_file.read_text()
    assert SECRET not in text
    report = json.loads(text)
    found = report["findings"]
    assert report["account"]["endpoint"] == emu.endpoint

    def said(key: str) -> tuple[str | None, int | None]:
        return found[key]["code"], found[key]["http_status"]

    assert said("wrong_status_refusal") == (d.wrong_status_code, d.wrong_status_http)
    assert found["wrong_status_refusal"]["holds"] is True
    assert found["wrong_status_refusal"]["request_id"] in [r.request_id for r in emu.requests("PublishFlow")]
    assert said("deprecate_deprecated") == (d.wrong_status_code, d.wrong_status_http)
    assert said("delete_not_draft") == (d.wrong_status_code, d.wrong_status_http)
    assert said("delete_missing") == (d.not_found_code, d.not_found_http)
    assert found["delete_missing"]["holds"] is True
    assert said("publish_without_json") == (d.no_json_code, d.no_json_http)
    assert found["published_update"]["observed"].startswith(d.published_update)
    assert said("published_update") == (d.wrong_status_code, d.wrong_status_http)
    assert found["json_asset_url"]["observed"] == d.json_asset_url
    assert found["fetch_json"]["observed"] == d.fetch_json
    assert found["list_after_create"]["observed"] == "listed"
    assert found["list_name_filter"]["observed"] == "exact"
    assert "flow_id_order" in found  # the emulator's ids are random: only recorded
    done = {c["done"] for c in report["cleanup"]}
    assert done <= {"deleted", "deprecated", "already deprecated"} and "deleted" in done
