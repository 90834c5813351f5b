"""CamsHook against the emulator: test_connection, credentials, the async path, secret hygiene."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_provider_cams.exceptions import (
    CamsApiError,
    CamsDuplicateFlowError,
    CamsValidationError,
)
from airflow_provider_cams.hooks.cams import CamsHook
from airflow_provider_cams.testing import CamsEmulator
from tests.provider.conftest import SK

ROOT = Path(__file__).resolve().parents[3]


def test_test_connection_succeeds_with_one_cheap_read(emulator: CamsEmulator) -> None:
    ok, message = CamsHook().test_connection()
    assert ok, message
    assert emulator.endpoint in message
    (call,) = emulator.requests()
    assert call.action == "ListFlow"
    assert call.request_id in message


def test_test_connection_reports_a_wrong_secret_without_raising(
    emulator: CamsEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = json.loads(emulator.connection_uri_json())
    conn["password"] = "wrong-secret-value"
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", json.dumps(conn))
    ok, message = CamsHook().test_connection()
    assert not ok
    assert "SignatureDoesNotMatch" in message
    assert "wrong-secret-value" not in message
    assert len(emulator.requests()) == 1, "the Test button does not retry"


def test_test_connection_reports_a_misconfigured_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_CAMS_DEFAULT",
        json.dumps({"conn_type": "cams", "login": "AK", "password": "SK", "extra": {"endpoint": "http://x"}}),
    )
    ok, message = CamsHook().test_connection()
    assert not ok and "no scheme" in message


def test_repr_and_errors_never_show_the_secret(emulator: CamsEmulator) -> None:
    hook = CamsHook()
    hook.get_flow(emulator.add_flow(name="f", categories=["OTHER"]))
    for text in (repr(hook), repr(hook.settings), repr(hook.client)):
        assert SK not in text
    with pytest.raises(CamsApiError) as err:
        hook.get_flow("404404404404404")
    assert SK not in str(err.value) and "Flow.NotFound" in str(err.value)


def test_async_reads_go_through_the_same_checks(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], status="PUBLISHED")
    hook = CamsHook()
    body = asyncio.run(hook.acall("GetFlow", {"FlowId": flow_id}))
    assert body["Data"]["Status"] == "PUBLISHED"
    with pytest.raises(CamsApiError, match=r"Flow\.NotFound"):
        asyncio.run(CamsHook().acall("GetFlow", {"FlowId": "1"}))
    with pytest.raises(CamsValidationError, match="only idempotent"):
        asyncio.run(CamsHook().acall("PublishFlow", {"FlowId": flow_id}))


def test_list_flows_walks_every_page(emulator: CamsEmulator) -> None:
    ids = {emulator.add_flow(name=f"flow {i}", categories=["OTHER"]) for i in range(7)}
    flows = CamsHook().list_flows(page_size=3)
    assert {f["FlowId"] for f in flows} == ids
    assert len(emulator.requests(action="ListFlow")) == 3


def test_default_credential_chain_is_used_when_the_connection_has_no_access_key(
    emulator: CamsEmulator,
) -> None:
    """The chain reads its env vars at import time, so this runs in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    env.update(
        ALIBABA_CLOUD_ACCESS_KEY_ID="it-access-key",
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=SK,
        ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",
        AIRFLOW_CONN_CAMS_DEFAULT=json.dumps(
            {"conn_type": "cams", "extra": {"endpoint": emulator.endpoint, "protocol": "http"}}
        ),
        PYTHONPATH=str(ROOT),
    )
    code = (
        "from airflow_provider_cams.hooks.cams import CamsHook; h = CamsHook(); "
        "print(h.settings.uses_default_credential_chain, h.list_flows())"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "True []" in out.stdout
    (call,) = emulator.requests()
    assert (call.access_key_id, call.code) == ("it-access-key", "OK")


def test_retried_create_reuses_and_refuses_to_guess(emulator: CamsEmulator) -> None:
    hook = CamsHook()
    made = hook.create_flow("name", ["OTHER"])
    assert (made.reused, made.body["Code"] if made.body else None) == (False, "OK")
    again = hook.create_flow("name", ["OTHER"], reuse_existing=True)
    assert (again.flow_id, again.reused, again.body) == (made.flow_id, True, None)
    assert len(emulator.requests(action="CreateFlow")) == 1
    emulator.add_flow(name="name", categories=["OTHER"])
    with pytest.raises(CamsDuplicateFlowError, match="2 flows are named 'name'"):
        hook.create_flow("name", ["OTHER"], reuse_existing=True)


def test_the_pool_pacer_spends_each_api_budget_apart(
    emulator: CamsEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_cams.utils.rate import CallPacer

    class Recording(CallPacer):
        seen: list[tuple[str, str | None]] = []

        def before_call(self, action: str | None = None) -> float:
            self.seen.append(("before", action))
            return super().before_call(action)

        def wait_time(self, action: str | None = None) -> float:
            self.seen.append(("wait", action))
            return super().wait_time(action)

        def after_call(self, action: str | None = None) -> None:
            self.seen.append(("after", action))
            super().after_call(action)

    pool_hook = CamsHook(pool="cams_default", pool_slots=2)
    budget = pool_hook.pacer.budget
    assert budget is not None and budget.shared is None
    assert (pool_hook.pacer.window_for("GetFlow"), pool_hook.pacer.window_for("SendChatappMessage")) == (
        2,
        100,
    )
    pacer = Recording()
    hook = CamsHook(pacer=pacer)
    flow_id = emulator.add_flow(name="paced", categories=["OTHER"])
    hook.get_flow(flow_id)
    asyncio.run(hook.aget_flow(flow_id))
    sync, async_ = (
        [("before", "GetFlow"), ("wait", "GetFlow"), ("after", "GetFlow")],
        [("wait", "GetFlow"), ("after", "GetFlow")],
    )
    assert pacer.seen == sync + async_
    conn = json.loads(emulator.connection_uri_json())
    conn["extra"]["rate_shared"] = True
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", json.dumps(conn))
    shared = CamsHook(pool="cams_default").pacer
    assert shared.budget is not None and shared.budget.shared == 5.0 and shared.window_for("GetFlow") == 1
