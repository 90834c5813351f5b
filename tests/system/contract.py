"""The live contract test's account, its report of what CAMS answered, and its throwaway flows.

Interface (public, keep it exactly): the account is the connection ``AIRFLOW_CONN_CAMS_SYSTEM`` (Airflow's
JSON form, endpoint and protocol included), the JSON store ``CAMS_SYSTEM_JSON_STORE`` (e.g.
``s3://bucket/prefix/``) with the Amazon connection ``AIRFLOW_CONN_CAMS_SYSTEM_STORE``, and the report
goes to ``CAMS_SYSTEM_REPORT`` (default ``cams-system-report.json``). Without ``AIRFLOW_CONN_CAMS_SYSTEM``
every test here is skipped. The report never holds a secret: codes, messages, HTTP statuses, request ids.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_cams.exceptions import CamsApiError

CONN_ID = "cams_system"
STORE_CONN_ID = "cams_system_store"
ACCOUNT_VARIABLE = "AIRFLOW_CONN_CAMS_SYSTEM"
STORE_VARIABLE = "CAMS_SYSTEM_JSON_STORE"
REPORT_VARIABLE = "CAMS_SYSTEM_REPORT"
DEFAULT_REPORT = "cams-system-report.json"
NAME_PREFIX = "cams-system-test"

requires_account = pytest.mark.skipif(
    not os.environ.get(ACCOUNT_VARIABLE),
    reason=f"live contract test: set {ACCOUNT_VARIABLE} (and {STORE_VARIABLE}, "
    "AIRFLOW_CONN_CAMS_SYSTEM_STORE) to run it against a CAMS account",
)


@dataclass
class Finding:
    """What CAMS answered where the provider assumes something (one key of docs/assumptions.rst)."""

    assumption: str
    expected: str
    observed: str
    action: str | None = None
    code: str | None = None
    http_status: int | None = None
    message: str | None = None
    request_id: str | None = None
    holds: bool | None = None  # does the answer fit what the provider needs? None: only recorded


@dataclass
class Answer:
    """One probe call's outcome: OK, or CAMS's refusal as CAMS sent it."""

    action: str
    code: str | None
    http_status: int | None
    message: str | None
    request_id: str | None
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.code != "OK"


@dataclass
class ContractReport:
    """Collects findings during the session and writes them as JSON at its end."""

    path: Path
    started_at: float = field(default_factory=time.time)
    findings: dict[str, Finding] = field(default_factory=dict)
    cleanup: list[dict[str, Any]] = field(default_factory=list)
    account: dict[str, Any] = field(default_factory=dict)

    def record(self, finding: Finding) -> Finding:
        self.findings[finding.assumption] = finding
        return finding

    def answered(
        self, assumption: str, expected: str, answer: Answer, observed: str, holds: bool | None
    ) -> None:
        self.record(
            Finding(
                assumption,
                expected,
                observed,
                answer.action,
                answer.code,
                answer.http_status,
                answer.message,
                answer.request_id,
                holds,
            )
        )

    def write(self) -> None:
        document = {
            "account": self.account,
            "started_at": self.started_at,
            "finished_at": time.time(),
            "findings": {key: asdict(f) for key, f in sorted(self.findings.items())},
            "cleanup": self.cleanup,
        }
        self.path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def report_path() -> Path:
    return Path(os.environ.get(REPORT_VARIABLE) or DEFAULT_REPORT)


def throwaway_name(what: str) -> str:
    """A flow name no one else uses: the cleanup deletes or deprecates every flow of that name."""
    return f"{NAME_PREFIX}-{what}-{uuid.uuid4().hex[:10]}"


def probe(hook: Any, action: str, params: dict[str, Any]) -> Answer:
    """Send one call (retrying only throttling and transport trouble) and keep CAMS's answer verbatim."""
    try:
        body = hook.call(action, params, max_attempts=3)
    except CamsApiError as exc:
        return Answer(action, exc.code, exc.http_status, exc.message, exc.request_id)
    return Answer(action, "OK", 200, body.get("Message"), body.get("RequestId"), body)
