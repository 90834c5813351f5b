"""The /_emulator/ control endpoints (airflow_provider_cams.testing.control)."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_cams20200606 import models as m
from alibabacloud_tea_openapi.exceptions import ServerException, ThrottlingException

from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.testing.control import handle_control, is_control_path
from airflow_provider_cams.testing.server import WireRequest
from tests.emulator.helpers import cams_client, control, send_raw, spec_sign


def test_control_endpoints(emu: CamsEmulator) -> None:
    base = f"{emu.url}/_emulator"
    status, seeded = control(f"{base}/flows", "POST", {"name": "seed", "categories": ["OTHER"]})
    assert status == 200
    flow_id = seeded["FlowId"]
    assert control(f"{base}/flows")[1][flow_id]["Status"] == "DRAFT"

    assert (
        control(
            f"{base}/faults", "POST", {"kind": "throttle", "action": "PublishFlow", "retry_after_ms": 100}
        )[0]
        == 200
    )
    assert control(f"{base}/faults")[1]["rules"][0]["kind"] == "throttle"
    client = cams_client(emu)
    with pytest.raises(ThrottlingException):  # not a ClientException subclass
        client.publish_flow(m.PublishFlowRequest(flow_id=flow_id))
    client.get_flow(m.GetFlowRequest(flow_id=flow_id))
    assert control(f"{base}/faults")[1]["injected"] == {"throttle": 1}

    records = control(f"{base}/requests")[1]
    assert [(r["action"], r["fault"], r["throttled"]) for r in records] == [
        ("PublishFlow", "throttle", True),
        ("GetFlow", None, False),
    ]
    assert [r["action"] for r in control(f"{base}/requests?action=GetFlow")[1]] == ["GetFlow"]
    health = control(f"{base}/health")[1]
    assert health == {
        "status": "ok",
        "endpoint": emu.endpoint,
        "rate_limit": 5.0,
        "require_flow_json": True,
        "published_update": "reject",
        "dialect": "guess",
        "flows": 1,
        "requests": 2,
    }

    assert control(f"{base}/rate-limit", "POST", {"rate_limit": None})[1] == {"ok": True}
    assert emu.rate_limit is None
    random_faults = {"rate": 1.0, "kinds": ["server_error"], "seed": 1}
    assert control(f"{base}/faults/random", "POST", random_faults)[0] == 200
    with pytest.raises(ServerException):
        client.list_flow(m.ListFlowRequest())
    assert control(f"{base}/faults/clear", "POST")[0] == 200
    assert control(f"{base}/reset", "POST")[1] == {"ok": True}
    assert (emu.flows(), emu.requests()) == ({}, [])
    assert len(emu.requests()) == 0, "control calls are never recorded"


@pytest.mark.parametrize(
    ("path", "method", "body", "status"),
    [
        ("/_emulator/nope", "GET", None, 404),
        ("/_emulator/reset", "GET", None, 405),
        ("/_emulator/faults", "POST", {"kind": "explode"}, 400),
        ("/_emulator/faults", "POST", {"kind": "slow", "bogus": 1}, 400),
        ("/_emulator/faults", "POST", [1, 2], 400),
        ("/_emulator/flows", "POST", {"name": "x", "categories": []}, 400),
    ],
)
def test_control_errors(emu: CamsEmulator, path: str, method: str, body: Any, status: int) -> None:
    code, payload = control(emu.url + path, method, body)
    assert code == status and "error" in payload


def test_control_answers_loopback_only(emu: CamsEmulator) -> None:
    request = WireRequest("GET", "/_emulator/health", "", [], b"", 0.0, 0.0, "10.1.2.3")
    assert handle_control(emu, request).status == 403
    for host in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        request = WireRequest("GET", "/_emulator/health", "", [], b"", 0, 0, host)
        assert handle_control(emu, request).status == 200


def test_control_and_rpc_paths_never_mix(emu: CamsEmulator) -> None:
    assert is_control_path("/_emulator") and is_control_path("/_emulator/health")
    assert not is_control_path("/_emulatorx") and not is_control_path("/")
    # A signed RPC request sent to a control path is answered by the control API, not as RPC.
    signed_get = spec_sign(emu.endpoint, "ListFlow", {}, method="GET")
    status, body, _ = send_raw(emu, signed_get.with_target("/_emulator/health"))
    assert (status, body["status"]) == (200, "ok")
    # A look-alike path is an RPC path error, never control.
    status, body, _ = send_raw(emu, spec_sign(emu.endpoint, "ListFlow", {}).with_target("/_emulatorx"))
    assert (status, body["Code"]) == (404, "InvalidAction.NotFound")
    assert [r.code for r in emu.requests()] == ["InvalidAction.NotFound"]
