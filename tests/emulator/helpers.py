"""Test-only helpers: SDK clients, a raw request capture and replay, and an independent ACS3 signer.

The signer here is written from the vendor's spec, separately from the emulator's verifier, so that a
shared mistake cannot hide: tests check that both it and the SDK produce requests the verifier accepts.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from alibabacloud_cams20200606.client import Client as CamsClient
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.utils import Utils
from alibabacloud_tea_openapi.utils_models import Config, OpenApiRequest, Params
from darabonba.runtime import RuntimeOptions

from airflow_provider_cams.testing import CamsEmulator

AK, SK = "AK-test", "SK-test+/=secret"
STS_AK, STS_SK, STS_TOKEN = "STS.NT1abc", "sts-secret", "CAIS-token-1=="
STS2_AK, STS2_SK, STS2_TOKEN = "STS.NT2xyz", "sts-secret-2", "CAIS-token-2=="
VERSION = "2020-06-06"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


def config(endpoint: str, access_key_id: str = AK, access_key_secret: str = SK, **extra: Any) -> Config:
    return Config(
        access_key_id=access_key_id,
        access_key_secret=access_key_secret,
        endpoint=endpoint,
        protocol="HTTP",
        **extra,
    )


def cams_client(emu: CamsEmulator, **kwargs: Any) -> CamsClient:
    """The official typed CAMS client, pointed at the emulator."""
    return CamsClient(config(emu.endpoint, **kwargs))


def generic_client(emu: CamsEmulator, **kwargs: Any) -> OpenApiClient:
    return OpenApiClient(config(emu.endpoint, **kwargs))


def rpc_params(action: str) -> Params:
    return Params(
        action=action,
        version=VERSION,
        protocol="HTTPS",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )


def call(client: OpenApiClient, action: str, runtime: RuntimeOptions | None = None, **params: Any) -> Any:
    """One generic ``call_api`` call; lists/objects are JSON-encoded into one query value like the SDK."""
    query = {k: v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for k, v in params.items()}
    request = OpenApiRequest(query=Utils.query(query))
    return client.call_api(rpc_params(action), request, runtime or RuntimeOptions())["body"]


def code_of(client: OpenApiClient, action: str, **params: Any) -> str:
    """The Code a call ends with, whether the SDK returns it or raises it."""
    try:
        return str(call(client, action, **params)["Code"])
    except AlibabaCloudException as exc:
        return str(exc.code)


# --------------------------------------------------------------------------- raw capture and replay
@dataclass(frozen=True)
class RawRequest:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    def with_target(self, target: str) -> RawRequest:
        return RawRequest(self.method, target, self.headers, self.body)

    def with_header(self, name: str, value: str) -> RawRequest:
        """Replace (or add) one header, keeping the rest exactly as captured."""
        kept = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        return RawRequest(self.method, self.target, [*kept, (name, value)], self.body)


def capture(send: Callable[[str], object]) -> RawRequest:
    """Let ``send(endpoint)`` make one real SDK call to a one-shot socket; return the bytes it sent.

    The capture answers with a canned success body so the SDK call completes.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    endpoint = f"127.0.0.1:{listener.getsockname()[1]}"
    raw: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            while len(body) < length:
                body += conn.recv(65536)
            raw.append(head + b"\r\n\r\n" + body)
            reply = b'{"RequestId":"CAPTURED","Code":"OK","Message":"None","AccessDeniedDetail":"None"}'
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(reply)}\r\n\r\n".encode()
                + reply
            )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        send(endpoint)
        thread.join(5)
    finally:
        listener.close()
    head, _, body = raw[0].partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])]
    return RawRequest(method, target, headers, body)


def send_raw(emu: CamsEmulator, request: RawRequest) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Send a request byte for byte (Host included) with http.client; (status, JSON body, headers)."""
    conn = http.client.HTTPConnection(emu.host, emu.port, timeout=10)
    try:
        conn.putrequest(request.method, request.target, skip_host=True, skip_accept_encoding=True)
        for name, value in request.headers:
            conn.putheader(name, value)
        conn.endheaders(request.body or None)
        response = conn.getresponse()
        body = json.loads(response.read())
        return response.status, body, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


# --------------------------------------------------------------------------- independent test signer
def spec_sign(
    host: str,
    action: str,
    query: Mapping[str, str],
    access_key_id: str = AK,
    access_key_secret: str = SK,
    *,
    date: datetime | None = None,
    body: bytes = b"",
    declared_body_hash: str | None = None,
    security_token: str | None = None,
    method: str = "POST",
    version: str = VERSION,
) -> RawRequest:
    """Build a signed ACS3-HMAC-SHA256 RPC request from the spec (not from the emulator's code)."""
    when = (date or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body_hash = declared_body_hash or hashlib.sha256(body).hexdigest()
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": when,
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": body_hash,
        "accept": "application/json",
    }
    if security_token:
        headers["x-acs-security-token"] = security_token
    names = sorted(headers)
    canonical = "\n".join(
        [
            method,
            "/",
            "&".join(f"{k}={quote(query[k], safe='~')}" for k in sorted(query)),
            "".join(f"{n}:{headers[n].strip()}\n" for n in names),
            ";".join(names),
            body_hash,
        ]
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(
        access_key_secret.encode(), f"ACS3-HMAC-SHA256\n{digest}".encode(), hashlib.sha256
    ).hexdigest()
    headers["Authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={access_key_id},SignedHeaders={';'.join(names)},Signature={signature}"
    )
    headers["Content-Length"] = str(len(body))
    target = "/?" + urlencode(dict(query)) if query else "/"
    return RawRequest(method, target, list(headers.items()), body)


# --------------------------------------------------------------------------- control API and console script
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
REPO_ROOT = Path(__file__).resolve().parents[2]


def control(url: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    """Run ``cams-emulator`` on a free port; returns the process and its host:port once it listens."""
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


def plain_http(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes, str]:
    """(status, raw body, content type) of one plain HTTP request."""
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type", "")
