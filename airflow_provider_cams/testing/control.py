"""The ``/_emulator/...`` control endpoints: the in-process API over HTTP, for out-of-process users.

No signature is needed, so they answer loopback clients only. They are never recorded as RPC calls.

    GET  /_emulator/health                 liveness and counters
    GET  /_emulator/requests[?action=X]    recorded requests (RecordedRequest.as_dict())
    GET  /_emulator/flows                  flow state by FlowId
    POST /_emulator/flows                  seed a flow: add_flow() keyword arguments as JSON
    GET  /_emulator/faults                 rules and injected counts
    POST /_emulator/faults                 faults.add() keyword arguments as JSON
    POST /_emulator/faults/random          faults.random() keyword arguments as JSON
    POST /_emulator/faults/clear           faults.clear()
    POST /_emulator/rate-limit             {"rate_limit": 5 | null}
    POST /_emulator/reset                  reset()
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from airflow_provider_cams.testing.server import WireRequest, WireResponse

if TYPE_CHECKING:
    from airflow_provider_cams.testing.emulator import CamsEmulator

PREFIX = "/_emulator"


def _ok(command: Callable[[], object]) -> dict[str, bool]:
    command()
    return {"ok": True}


Route = Callable[["CamsEmulator", dict[str, Any], dict[str, str]], Any]

ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/health"): lambda emu, body, q: {
        "status": "ok",
        "endpoint": emu.endpoint,
        "rate_limit": emu.rate_limit,
        "flows": len(emu.flows()),
        "requests": len(emu.requests()),
    },
    ("GET", "/requests"): lambda emu, body, q: [r.as_dict() for r in emu.requests(q.get("action"))],
    ("GET", "/flows"): lambda emu, body, q: emu.flows(),
    ("POST", "/flows"): lambda emu, body, q: {"FlowId": emu.add_flow(**body)},
    ("GET", "/faults"): lambda emu, body, q: {
        "rules": [r.as_dict() for r in emu.faults.rules()],
        "injected": emu.faults.injected(),
    },
    ("POST", "/faults"): lambda emu, body, q: {"ok": True, "rule": emu.faults.add(**body).as_dict()},
    ("POST", "/faults/random"): lambda emu, body, q: _ok(lambda: emu.faults.random(**body)),
    ("POST", "/faults/clear"): lambda emu, body, q: _ok(emu.faults.clear),
    ("POST", "/rate-limit"): lambda emu, body, q: _ok(lambda: emu.set_rate_limit(body.get("rate_limit"))),
    ("POST", "/reset"): lambda emu, body, q: _ok(emu.reset),
}


def is_control_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _is_loopback(host: str) -> bool:
    try:
        addr = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped.is_loopback
    return addr.is_loopback


def handle_control(emu: CamsEmulator, request: WireRequest) -> WireResponse:
    """Answer one control request with JSON."""
    if not _is_loopback(request.client_host):
        return WireResponse.json(403, {"error": "control endpoints answer loopback clients only"})
    sub = request.path[len(PREFIX) :].rstrip("/") or "/"
    route = ROUTES.get((request.method, sub))
    if route is None:
        known = any(path == sub for _, path in ROUTES)
        return WireResponse.json(405 if known else 404, {"error": f"no {request.method} {request.path}"})
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        result = route(emu, body, dict(parse_qsl(request.query)))
    except (ValueError, TypeError, KeyError) as exc:
        return WireResponse.json(400, {"error": str(exc)})
    return WireResponse.json(200, result)
