"""The /_emulator/ control endpoints and the ``cams-emulator`` console script."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_cams20200606 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException

from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.testing.control import handle_control, is_control_path
from airflow_provider_cams.testing.server import WireRequest
from tests.emulator.helpers import PROXY_VARIABLES, cams_client, config, send_raw, spec_sign

REPO_ROOT = Path(__file__).resolve().parents[2]
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def control(url: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


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


# --------------------------------------------------------------------------- console script
def _start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    proc = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_cams.testing.cli", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    if not selector.select(timeout=120):  # detects a CLI that never listens; a slow start is fine
        proc.kill()
        pytest.fail(f"no listening line; stderr: {proc.communicate()[1]}")
    line = proc.stdout.readline().strip()
    prefix = "CAMS emulator listening on http://"
    assert line.startswith(prefix), line
    return proc, line[len(prefix) :]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_cli_serves_until_signalled(stop_signal: signal.Signals) -> None:
    proc, endpoint = _start_cli(
        "--access-key-id",
        "cli-ak",
        "--access-key-secret",
        "cli-sk",
        "--sts",
        "STS.cli:sts-sk:tok:with:colons",
        "--no-rate-limit",
        "--require-flow-json",
    )
    try:
        host, port = endpoint.rsplit(":", 1)
        assert host == "127.0.0.1" and int(port) > 0
        from alibabacloud_cams20200606.client import Client

        client = Client(config(endpoint, "cli-ak", "cli-sk"))
        created = client.create_flow(m.CreateFlowRequest(flow_name="cli", categories=["OTHER"]))
        flow_id = created.body.data.flow_id
        with pytest.raises(ClientException) as info:  # --require-flow-json is on
            client.publish_flow(m.PublishFlowRequest(flow_id=flow_id))
        assert info.value.code == "Flow.JSONNotFound"
        sts = Client(config(endpoint, "STS.cli", "sts-sk", security_token="tok:with:colons"))
        assert sts.get_flow(m.GetFlowRequest(flow_id=flow_id)).body.data.status == "DRAFT"
        records = control(f"http://{endpoint}/_emulator/requests")[1]
        assert [r["access_key_id"] for r in records] == ["cli-ak", "cli-ak", "STS.cli"]
    finally:
        proc.send_signal(stop_signal)
        returncode = proc.wait(timeout=60)
    assert returncode == 0, proc.communicate()[1]


def test_cli_random_faults() -> None:
    proc, endpoint = _start_cli("--fault-rate", "1", "--fault-kinds", "server_error", "--seed", "3")
    try:
        from alibabacloud_cams20200606.client import Client

        with pytest.raises(ServerException):
            Client(config(endpoint, "test-ak", "test-sk")).list_flow(m.ListFlowRequest())
    finally:
        proc.terminate()
        assert proc.wait(timeout=60) == 0


@pytest.mark.parametrize("args", [["--sts", "only-two:parts"], ["--rate-limit", "3", "--no-rate-limit"]])
def test_cli_rejects_bad_arguments(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from airflow_provider_cams.testing.cli import main

    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2


def test_cli_listening_line_means_it_accepts_connections() -> None:
    """The listening line is printed only once the socket accepts connections: no polling needed."""
    proc, endpoint = _start_cli()
    try:
        assert control(f"http://{endpoint}/_emulator/health")[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=60)
