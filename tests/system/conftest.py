"""Fixtures of the live contract test: the account's hook, the session's report, throwaway flows."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from airflow_provider_cams.hooks.cams import CamsHook
from tests.system.contract import (
    CONN_ID,
    STORE_VARIABLE,
    ContractReport,
    report_path,
    throwaway_name,
)

# Statuses a throwaway flow is left in: DRAFT is deleted, anything published is deprecated.
PUBLISHED_FAMILY = ("PUBLISHED", "THROTTLED", "BLOCKED")


@pytest.fixture(scope="session")
def contract() -> Iterator[ContractReport]:
    """The session's report; written when the session ends, whatever happened."""
    report = ContractReport(report_path())
    yield report
    report.write()


@pytest.fixture
def account(airflow_db: str, contract: ContractReport) -> CamsHook:
    """A hook on the account (``AIRFLOW_CONN_CAMS_SYSTEM``); its endpoint goes into the report."""
    hook = CamsHook(CONN_ID)
    s = hook.settings
    contract.account = {"endpoint": s.endpoint, "region_id": s.region_id, "cust_space_id": s.cust_space_id}
    return hook


@pytest.fixture
def json_store() -> str:
    store = os.environ.get(STORE_VARIABLE, "")
    if urlsplit(store).scheme in ("", "file"):
        pytest.fail(
            f"{STORE_VARIABLE} must name the object store CAMS downloads the Flow JSON from, e.g. "
            "s3://bucket/prefix/, with its Amazon connection in AIRFLOW_CONN_CAMS_SYSTEM_STORE."
        )
    return store


@pytest.fixture
def throwaway(account: CamsHook, contract: ContractReport) -> Iterator[Callable[[str], str]]:
    """``throwaway("what")`` gives a unique flow name; at teardown every flow of those names is cleaned
    up, whatever the test did: DRAFT flows deleted, published ones deprecated."""
    names: list[str] = []

    def make(what: str) -> str:
        names.append(throwaway_name(what))
        return names[-1]

    yield make
    problems = []
    for name in names:
        for listed in account.list_flows(name):
            if listed.get("FlowName") != name:
                continue
            ref = account.flow_ref(str(listed["FlowId"]))
            try:
                status = (account.get_flow(ref).get("Data") or {}).get("Status")
                if status == "DRAFT":
                    account.delete_flow(ref)
                    done = "deleted"
                elif status in PUBLISHED_FAMILY:
                    account.deprecate_flow(ref)
                    done = "deprecated"
                else:
                    done = "already deprecated" if status == "DEPRECATED" else "left as it is"
            except Exception as exc:  # every flow gets its chance; the test fails after
                problems.append(f"{ref.flow_id}: {exc}")
                status, done = None, f"cleanup failed: {type(exc).__name__}"
            contract.cleanup.append({"flow_id": ref.flow_id, "name": name, "status": status, "done": done})
    assert not problems, "throwaway flows not cleaned up: " + "; ".join(problems)
