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
    POST /_emulator/rate-limit             {"rate_limit": 5 | null, "api_limits": {API: n}, "shared": bool}
    POST /_emulator/reset                  reset()
    POST /_emulator/published-update       {"published_update": "reject" | "revert_to_draft"}
    GET  /_emulator/dialect                the dialect's name and every switch
    POST /_emulator/dialect                {"dialect": "renamed", "<switch>": value...} (both optional)
    POST /_emulator/require-flow-json      {"require_flow_json": true | false}
    POST /_emulator/flows/<FlowId>/status  set_flow_status(): {"status": "BLOCKED", "reason": "..."}
    GET  /_emulator/flows/<FlowId>/json    the flow's stored JSON, byte for byte (404 if none)
    GET  /_emulator/templates              template state by TemplateCode
    POST /_emulator/templates              seed a template: add_template() keyword arguments as JSON
    POST /_emulator/templates/<Code>/review  review_template(): {"status": "fail", "reason": "..."}
    POST /_emulator/template-review        set_template_review(): {"delay": 2, "outcome": "pass"}
    GET  /_emulator/messages               every recorded outbound message (messages())
    PUT  /_emulator/assets/<name>          host the raw body (any bytes) -> {"name", "url"}
    POST /_emulator/assets                 the same with a generated name
    GET  /_emulator/assets/<name>          the hosted bytes (404 if none)
    DELETE /_emulator/assets/<name>        stop hosting it

The ``json`` and ``assets`` routes carry raw bytes (``application/json``), not a JSON envelope.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qsl

from airflow_provider_cams.loopback import is_loopback_host
from airflow_provider_cams.testing.dialects import Dialect
from airflow_provider_cams.testing.faults import FaultInjector
from airflow_provider_cams.testing.records import RecordedRequest
from airflow_provider_cams.testing.server import WireRequest, WireResponse

PREFIX = "/_emulator"


class ControlledEmulator(Protocol):
    """What the control endpoints use of ``CamsEmulator``: stated here, so this module need not import
    ``emulator.py`` (which imports this one to route control paths: no circle)."""

    faults: FaultInjector
    require_flow_json: bool

    @property
    def endpoint(self) -> str: ...
    @property
    def rate_limit(self) -> float | None: ...
    @property
    def published_update(self) -> str: ...
    @property
    def dialect(self) -> Dialect: ...
    def requests(self, action: str | None = None) -> list[RecordedRequest]: ...
    def flows(self) -> dict[str, dict[str, Any]]: ...
    def add_flow(self, *args: Any, **kwargs: Any) -> str: ...
    def set_flow_status(self, flow_id: str, status: str, reason: str | None = None) -> None: ...
    def flow_json(self, flow_id: str) -> bytes | None: ...
    def host_json(self, content: bytes, name: str | None = None) -> str: ...
    def unhost_json(self, name_or_url: str) -> bool: ...
    def hosted_json(self, name: str) -> bytes | None: ...
    def set_rate_limit(self, *args: Any, **kwargs: Any) -> None: ...
    def set_published_update(self, mode: str) -> None: ...
    def set_dialect(self, *args: Any, **kwargs: Any) -> None: ...
    def reset(self) -> None: ...
    def templates(self) -> dict[str, dict[str, Any]]: ...
    def add_template(self, *args: Any, **kwargs: Any) -> str: ...
    def review_template(self, *args: Any, **kwargs: Any) -> None: ...
    def set_template_review(self, *args: Any, **kwargs: Any) -> None: ...
    def messages(self) -> list[dict[str, Any]]: ...


def _ok(command: Callable[[], object]) -> dict[str, bool]:
    command()
    return {"ok": True}


Route = Callable[[ControlledEmulator, dict[str, Any], dict[str, str]], Any]

ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/health"): lambda emu, body, q: {
        "status": "ok",
        "endpoint": emu.endpoint,
        "rate_limit": emu.rate_limit,
        "require_flow_json": emu.require_flow_json,
        "published_update": emu.published_update,
        "dialect": emu.dialect.name,
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
    ("POST", "/rate-limit"): lambda emu, body, q: _ok(
        lambda: emu.set_rate_limit(
            body.get("rate_limit"), api_limits=body.get("api_limits"), shared=body.get("shared")
        )
    ),
    ("POST", "/reset"): lambda emu, body, q: _ok(emu.reset),
    ("GET", "/templates"): lambda emu, body, q: emu.templates(),
    ("POST", "/templates"): lambda emu, body, q: {"TemplateCode": emu.add_template(**body)},
    ("POST", "/template-review"): lambda emu, body, q: _ok(lambda: emu.set_template_review(**body)),
    ("GET", "/messages"): lambda emu, body, q: emu.messages(),
    ("POST", "/published-update"): lambda emu, body, q: _ok(
        lambda: emu.set_published_update(body["published_update"])
    ),
    ("GET", "/dialect"): lambda emu, body, q: emu.dialect.as_dict(),
    ("POST", "/dialect"): lambda emu, body, q: _set_dialect(emu, body),
    ("POST", "/require-flow-json"): lambda emu, body, q: _ok(
        lambda: setattr(emu, "require_flow_json", _bool(body["require_flow_json"]))
    ),
}

# Routes with a path parameter: (method, first segment, last segment or None) -> handler(emu, param, body).
RawRoute = Callable[[ControlledEmulator, Any, WireRequest], WireResponse]


def _set_dialect(emu: ControlledEmulator, body: dict[str, Any]) -> dict[str, Any]:
    switches = {k: v for k, v in body.items() if k != "dialect"}
    emu.set_dialect(body.get("dialect"), **switches)
    return {"ok": True, "dialect": emu.dialect.as_dict()}


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("require_flow_json must be true or false")
    return value


def _raw(content: bytes | None, what: str) -> WireResponse:
    if content is None:
        return WireResponse.json(404, {"error": f"no {what}"})
    return WireResponse(200, (("Content-Type", "application/json"),), content)


def _put_asset(emu: ControlledEmulator, name: str | None, request: WireRequest) -> WireResponse:
    url = emu.host_json(request.body, name)
    return WireResponse.json(200, {"name": url.rsplit("/", 1)[-1], "url": url})


def _flow_status(emu: ControlledEmulator, flow_id: str, request: WireRequest) -> WireResponse:
    body = _json_object(request.body)
    if not isinstance(body.get("status"), str):
        raise ValueError('the body must be {"status": "...", "reason": "..." (optional)}')
    emu.set_flow_status(flow_id, body["status"], body.get("reason"))
    return WireResponse.json(200, {"ok": True})


def _ok_json(command: Callable[[], object]) -> WireResponse:
    return WireResponse.json(200, _ok(command))


def _delete_asset(emu: ControlledEmulator, name: str, request: WireRequest) -> WireResponse:
    if not emu.unhost_json(name):
        return WireResponse.json(404, {"error": f"no asset {name}"})
    return WireResponse.json(200, {"ok": True})


PARAM_ROUTES: dict[tuple[str, str, str | None], RawRoute] = {
    ("GET", "flows", "json"): lambda emu, fid, req: _raw(emu.flow_json(fid), f"flow JSON for flow {fid}"),
    ("POST", "flows", "status"): _flow_status,
    ("POST", "templates", "review"): lambda emu, code, req: _ok_json(
        lambda: emu.review_template(code, **_json_object(req.body))
    ),
    ("PUT", "assets", None): _put_asset,
    ("GET", "assets", None): lambda emu, name, req: _raw(emu.hosted_json(name), f"asset {name}"),
    ("DELETE", "assets", None): _delete_asset,
}


def _json_object(raw: bytes) -> dict[str, Any]:
    body = json.loads(raw or b"{}")
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _param_route(method: str, sub: str) -> tuple[RawRoute, str | None] | None:
    """/flows/<id>/json, /flows/<id>/status, /assets[/<name>]; None if the path is none of these."""
    if (method, sub) == ("POST", "/assets"):
        return _put_asset, None
    parts = sub.strip("/").split("/")
    if len(parts) == 3:
        route = PARAM_ROUTES.get((method, parts[0], parts[2]))
    elif len(parts) == 2:
        route = PARAM_ROUTES.get((method, parts[0], None))
    else:
        return None
    return (route, parts[1]) if route is not None and parts[1] else None


def is_control_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def handle_control(emu: ControlledEmulator, request: WireRequest) -> WireResponse:
    """Answer one control request with JSON."""
    if not is_loopback_host(request.client_host):
        return WireResponse.json(403, {"error": "control endpoints answer loopback clients only"})
    sub = request.path[len(PREFIX) :].rstrip("/") or "/"
    param_route = _param_route(request.method, sub)
    if param_route is not None:
        handler, param = param_route
        try:
            return handler(emu, param, request)
        except KeyError as exc:  # an unknown FlowId
            return WireResponse.json(404, {"error": str(exc)})
        except (ValueError, TypeError) as exc:
            return WireResponse.json(400, {"error": str(exc)})
    route = ROUTES.get((request.method, sub))
    if route is None:
        known = any(path == sub for _, path in ROUTES)
        return WireResponse.json(405 if known else 404, {"error": f"no {request.method} {request.path}"})
    try:
        result = route(emu, _json_object(request.body), dict(parse_qsl(request.query)))
    except (ValueError, TypeError, KeyError) as exc:
        return WireResponse.json(400, {"error": str(exc)})
    return WireResponse.json(200, result)
