"""HTTP-level behaviour: keep-alive, chunked bodies, lifecycle of the server, import cost."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from airflow_provider_cams.testing import CamsEmulator
from tests.emulator.helpers import AK, SK, spec_sign

REPO_ROOT = Path(__file__).resolve().parents[2]


def _request(conn: http.client.HTTPConnection, action: str) -> tuple[int, dict[str, object], str | None]:
    raw = spec_sign(f"{conn.host}:{conn.port}", action, {})
    conn.putrequest(raw.method, raw.target, skip_host=True, skip_accept_encoding=True)
    for name, value in raw.headers:
        conn.putheader(name, value)
    conn.endheaders()
    response = conn.getresponse()
    return response.status, json.loads(response.read()), response.getheader("Content-Length")


def test_keep_alive_serves_many_requests_on_one_connection(free_emu: CamsEmulator) -> None:
    conn = http.client.HTTPConnection(free_emu.host, free_emu.port, timeout=10)
    try:
        _request(conn, "ListFlow")
        sock = conn.sock
        for action in ("ListFlow", "GetFlow", "NoSuchAction", "ListFlow"):
            length = _request(conn, action)[2]
            assert length is not None and int(length) > 0
            assert conn.sock is sock, "the server must keep the connection open"
        assert [r.code for r in free_emu.requests()] == [
            "OK",
            "OK",
            "MissingParameter",
            "InvalidAction.NotFound",
            "OK",
        ]
    finally:
        conn.close()


def test_chunked_request_body_is_read_and_hashed(free_emu: CamsEmulator) -> None:
    body = b'{"chunked": "body"}'
    raw = spec_sign(free_emu.endpoint, "ListFlow", {}, body=body)
    headers = {k: v for k, v in raw.headers if k != "Content-Length"}
    conn = http.client.HTTPConnection(free_emu.host, free_emu.port, timeout=10)
    try:
        conn.request("POST", "/", body=iter([body[:5], body[5:]]), headers=headers, encode_chunked=True)
        response = conn.getresponse()
        assert json.loads(response.read())["Code"] == "OK"
    finally:
        conn.close()


def test_stop_closes_idle_keep_alive_connections() -> None:
    emu = CamsEmulator(AK, SK).start()
    conn = http.client.HTTPConnection(emu.host, emu.port, timeout=5)
    _request(conn, "ListFlow")
    assert conn.sock is not None
    emu.stop()
    assert conn.sock.recv(1) == b"", "the idle connection must see EOF"
    conn.close()
    with pytest.raises(OSError), socket.create_connection((emu.host, emu.port), timeout=2):
        pass


def test_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        emu = CamsEmulator(AK, SK, host="::1").start()
    except OSError:
        pytest.skip("::1 is not available")
    try:
        assert emu.endpoint == f"[::1]:{emu.port}"
        conn = http.client.HTTPConnection("::1", emu.port, timeout=5)
        assert _request(conn, "ListFlow")[1]["Code"] == "OK"
        conn.close()
    finally:
        emu.stop()


def test_received_at_is_taken_on_arrival(free_emu: CamsEmulator) -> None:
    free_emu.faults.add("slow", delay=0.3)
    conn = http.client.HTTPConnection(free_emu.host, free_emu.port, timeout=10)
    before = time.time()
    _request(conn, "ListFlow")
    after = time.time()
    conn.close()
    (record,) = free_emu.requests()
    # The 0.3 s delay runs after the stamp, so the answer comes at least 0.3 s after it, however slow the
    # machine (0.25: slack for wall-clock slewing). A stamp taken after handling would be ~0 s before.
    assert before <= record.received_at <= after - 0.25
    json.dumps(record.as_dict())


def test_importing_the_package_is_cheap() -> None:
    code = (
        "import sys, airflow_provider_cams.testing, airflow_provider_cams.testing.pytest_plugin, "
        "airflow_provider_cams.testing.cli;"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('airflow', "
        "'alibabacloud_tea_openapi', 'alibabacloud_cams20200606', 'darabonba', 'Tea', 'requests'));"
        "print(heavy)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"
