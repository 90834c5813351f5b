"""``CamsEmulator``: a local CAMS flow API on 127.0.0.1, speaking the real RPC wire protocol.

Every RPC request goes through the same pipeline as at the vendor, in this order:
parse (path, method, action, version) -> signature/auth -> per-AccessKeyId rate limit -> injected fault
-> the action. Each request is recorded (see ``RecordedRequest``) once its outcome is known, before any
fault delay, so tests can look at it while the client is still waiting.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from airflow_provider_cams.testing import flow_responses
from airflow_provider_cams.testing.assets import FETCH_TIMEOUT_SECONDS, HostedAssets, fetch
from airflow_provider_cams.testing.control import handle_control, is_control_path
from airflow_provider_cams.testing.dialects import Dialect, dialect_named
from airflow_provider_cams.testing.errors import (
    CamsErrorAnswer,
    access_denied_detail,
    error_body,
    new_request_id,
    success_body,
)
from airflow_provider_cams.testing.faults import Fault, FaultInjector
from airflow_provider_cams.testing.flow_responses import ACTIONS, API_VERSION
from airflow_provider_cams.testing.messaging import (
    MESSAGING_ACTIONS,
    Messaging,
    MessagingEmulator,
    request_line_too_long,
    request_params,
    uri_too_long,
)
from airflow_provider_cams.testing.ratelimit import SlidingWindowLimiter
from airflow_provider_cams.testing.records import RecordedRequest, RequestLog
from airflow_provider_cams.testing.server import EmulatorHTTPServer, WireRequest, WireResponse, real_stamp
from airflow_provider_cams.testing.signature import (
    Credential,
    CredentialStore,
    SignatureVerifier,
    header_map,
)
from airflow_provider_cams.testing.state import FlowStore, check_published_update
from airflow_provider_cams.testing.templates import TemplateReview

DEFAULT_REGION = "ap-southeast-1"
DEFAULT_RATE_LIMIT = 5.0  # the vendor's documented QPS per account
PROXY_ERROR_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    b"<hr><center>emulated gateway</center></body></html>"
)


@dataclass
class _Call:
    """What is known about one RPC call so far, for its record."""

    request: WireRequest
    request_id: str
    params: dict[str, str]
    action: str | None = None
    access_key_id: str | None = None
    credential: Credential | None = None
    admitted: bool = False
    extra_headers: list[tuple[str, str]] = field(default_factory=list)


class CamsEmulator(MessagingEmulator):
    """A local, stateful CAMS flow API ("moto for CAMS"): real HTTP, real signature checks, faults.

    Use as a context manager or with start()/stop(). ``endpoint`` goes into the SDK's
    ``Config(endpoint=..., protocol='HTTP')``; ``connection_uri_json()`` into an ``AIRFLOW_CONN_*`` variable.

    ``clock``: where arrival stamps come from (seconds, never decreasing). By default records carry
    ``time.time()`` and the rate limiter counts ``time.monotonic()``; a clock the test controls (e.g. one
    that stands still during a burst, then moves on) stamps both, so rate-limit tests decide the same way
    on a fast and on a loaded machine. Signature dates are always checked against the real time.

    ``dialect``: how every behaviour CAMS does not document is answered: a name (``"guess"``, the
    default, ``"renamed"``, ``"contrary"``) or a :class:`~airflow_provider_cams.testing.dialects.Dialect`
    (``dialect_named("renamed", wrong_status_http=400)``). ``published_update``, when given, overrides
    the dialect's switch of that name.

    ``rate_limit``: calls per second of each API per AccessKeyId, as the vendor documents for every flow
    API (None: no limit); ``api_limits``: APIs with another limit; ``shared_rate_limit=True``: all APIs
    count together against ``rate_limit`` (see ``testing/ratelimit.py``).

    ``template_review``: how Meta's review of templates ends (see ``testing/templates.py``); its delay
    counts on ``clock`` too.
    """

    def __init__(
        self,
        access_key_id: str = "test-ak",
        access_key_secret: str = "test-sk",
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: float | None = DEFAULT_RATE_LIMIT,
        sts_credentials: Mapping[str, tuple[str, str]] | None = None,
        require_flow_json: bool = True,
        region_id: str = DEFAULT_REGION,
        published_update: str | None = None,
        json_fetch_timeout: float = FETCH_TIMEOUT_SECONDS,
        clock: Callable[[], float] | None = None,
        *,
        dialect: str | Dialect | None = None,
        api_limits: Mapping[str, float] | None = None,
        shared_rate_limit: bool = False,
        template_review: TemplateReview | None = None,
    ) -> None:
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.region_id = region_id
        self._host = host
        self._port = port
        # ASSUMED: every identity belongs to the one emulated account (STS roles act inside the account),
        # so STS callers see the main key's flows.
        identities = [Credential(access_key_id, access_key_secret, account=access_key_id)]
        identities += [
            Credential(sts_id, secret, token, account=access_key_id)
            for sts_id, (secret, token) in (sts_credentials or {}).items()
        ]
        self._credentials = CredentialStore(identities)
        self._verifier = SignatureVerifier(self._credentials)
        self._limiter = SlidingWindowLimiter(rate_limit, api_limits=api_limits, shared=shared_rate_limit)
        self.json_fetch_timeout = json_fetch_timeout
        self._assets = HostedAssets()
        self._store = FlowStore(
            require_flow_json,
            published_update=published_update,
            fetch=lambda url: fetch(url, self.json_fetch_timeout),
            json_url=self.flow_json_url,
            dialect=dialect_named(dialect),
        )
        self._messaging = Messaging(self._store, template_review, clock or time.monotonic)
        self._log = RequestLog()
        self.faults: FaultInjector = FaultInjector([*ACTIONS, *MESSAGING_ACTIONS])
        self._clock = clock
        self._stop_event = threading.Event()
        self._lifecycle = threading.Lock()
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> CamsEmulator:
        """Bind and serve in a background thread (port 0 picks a free port)."""
        with self._lifecycle:
            if self._server is not None:
                raise RuntimeError("the emulator is already running")
            self._stop_event.clear()
            server = EmulatorHTTPServer(self._host, self._port, self, self._stop_event, self._stamp)
            self._port = server.server_port
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"cams-emulator-{self._port}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving: close the listening socket and every connection, wake sleeping faults, join."""
        with self._lifecycle:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None or thread is None:
            return
        self._stop_event.set()
        server.shutdown()
        server.server_close()
        server.close_connections()
        thread.join()

    def _stamp(self) -> tuple[float, float]:
        """A request's arrival stamp: (``received_at`` for the records, the rate limiter's time)."""
        if self._clock is None:
            return real_stamp()
        now = self._clock()
        return now, now

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> CamsEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- addresses
    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("port 0 is only resolved by start()")
        return self._port

    @property
    def endpoint(self) -> str:
        """host:port without a scheme, as the SDK's Config(endpoint=...) wants it."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def connection_uri_json(
        self, conn_extra_overrides: Mapping[str, Any] | None = None, cust_space_id: str | None = None
    ) -> str:
        """A JSON Airflow connection (for ``AIRFLOW_CONN_<ID>``) pointing at this emulator."""
        extra: dict[str, Any] = {"region_id": self.region_id, "endpoint": self.endpoint, "protocol": "http"}
        if cust_space_id:
            extra["cust_space_id"] = cust_space_id
        extra.update(conn_extra_overrides or {})
        conn = {"conn_type": "cams", "login": self.access_key_id, "password": self.access_key_secret}
        return json.dumps({**conn, "extra": extra})

    # ----------------------------------------------------------------- inspection and setup
    def requests(self, action: str | None = None) -> list[RecordedRequest]:
        """Recorded RPC requests (of one action if given), in arrival order."""
        return self._log.snapshot(action)

    def flows(self) -> dict[str, dict[str, Any]]:
        """A snapshot of every flow by FlowId."""
        return self._store.snapshot()

    def add_flow(
        self,
        name: str,
        categories: list[str],
        status: str = "DRAFT",
        cust_space_id: str | None = None,
        with_json: bool = False,
        endpoint_uri: str | None = None,
        json: bytes | str | Mapping[str, Any] | None = None,
    ) -> str:
        """Seed a flow for a test; returns its FlowId.

        ``json`` attaches that Flow JSON (bytes, str or dict; it must have ``version`` and ``screens``);
        ``with_json=True`` alone attaches a small default one (version 6.0). Without either, the flow has
        no JSON and PublishFlow refuses it (while ``require_flow_json`` is on, the default).
        """
        return self._store.add_flow(
            self.access_key_id, name, categories, status, cust_space_id, with_json, endpoint_uri, json
        )

    def seed_flow(
        self,
        name: str,
        categories: list[str],
        status: str = "DRAFT",
        json: bytes | str | Mapping[str, Any] | None = None,
        cust_space_id: str | None = None,
        endpoint_uri: str | None = None,
    ) -> str:
        """Deprecated: ``add_flow(name, categories, status, json=...)`` does the same (one way to seed)."""
        warnings.warn(
            "CamsEmulator.seed_flow is deprecated: use add_flow(name, categories, status, json=...), which "
            "takes the same arguments by keyword.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.add_flow(
            name, categories, status, cust_space_id=cust_space_id, endpoint_uri=endpoint_uri, json=json
        )

    def set_flow_status(self, flow_id: str, status: str, reason: str | None = None) -> None:
        """Force a flow into any status, e.g. Meta's THROTTLED or BLOCKED (health of endpoint flows).

        GetFlow reports it; ``reason`` shows only in ``flows()`` ("StatusReason"). KeyError for an unknown
        FlowId, ValueError for an unknown status.
        """
        self._store.set_status(flow_id, status, reason)

    def flow_json(self, flow_id: str) -> bytes | None:
        """The Flow JSON bytes stored for a flow (None: no JSON or no such flow)."""
        return self._store.flow_json(flow_id)

    def flow_json_url(self, flow_id: str) -> str:
        """Where the emulator serves a flow's stored JSON (GetFlowJSONAssest's FilePath)."""
        return f"{self._base_url()}/_emulator/flows/{flow_id}/json"

    def host_json(self, content: bytes | str | Mapping[str, Any], name: str | None = None) -> str:
        """Serve ``content`` (bytes as given, str as UTF-8, a dict as JSON) at a loopback URL and return it.

        The URL (``http://127.0.0.1:PORT/_emulator/assets/<name>``) is what tests pass as FilePath to
        UpdateFlowJSONAsset. ``name`` defaults to a random ``<hex>.json``; hosting a name again replaces it.
        Any content is served, valid Flow JSON or not, so tests can attach bad files too.
        """
        return self.asset_url(self._assets.put(content, name))

    def unhost_json(self, name_or_url: str) -> bool:
        """Stop serving a hosted file (by name or by the URL host_json returned); False if unknown."""
        return self._assets.delete(name_or_url.rsplit("/", 1)[-1])

    def hosted_json(self, name: str) -> bytes | None:
        """The bytes served at ``/_emulator/assets/<name>``."""
        return self._assets.get(name)

    def asset_url(self, name: str) -> str:
        return f"{self._base_url()}/_emulator/assets/{name}"

    def _base_url(self) -> str:
        return self.url if self._port else ""

    @property
    def dialect(self) -> Dialect:
        """How the emulator answers what CAMS does not document (see dialects.py)."""
        return self._store.dialect

    def set_dialect(self, dialect: str | Dialect | None = None, **switches: Any) -> None:
        """Switch at run time to a dialect (by name, None: keep the current one) with switches changed."""
        self._store.dialect = dialect_named(dialect or self._store.dialect, **switches)

    @property
    def published_update(self) -> str:
        """What UpdateFlowJSONAsset does on a PUBLISHED flow: "reject" (default) or "revert_to_draft"."""
        return self._store.published_update

    def set_published_update(self, mode: str) -> None:
        """Switch at run time between "reject" and "revert_to_draft" (CAMS documents neither)."""
        self._store.published_update = check_published_update(mode)

    @property
    def rate_limit(self) -> float | None:
        return self._limiter.rate

    def set_rate_limit(
        self,
        rate: float | None,
        *,
        api_limits: Mapping[str, float] | None = None,
        shared: bool | None = None,
    ) -> None:
        """Calls per second of each API per AccessKeyId (a sliding window each); None turns limiting off.

        ``api_limits``: APIs with another limit than ``rate`` (replaces the previous ones when given);
        ``shared``: count all APIs together against ``rate`` (left as it was when None)."""
        self._limiter.set_rate(rate)
        if api_limits is not None:
            self._limiter.set_api_limits(api_limits)
        if shared is not None:
            self._limiter.set_shared(shared)

    @property
    def api_limits(self) -> dict[str, float]:
        """The APIs limited otherwise than :attr:`rate_limit` (calls/s)."""
        return self._limiter.api_limits

    @property
    def shared_rate_limit(self) -> bool:
        """True when all APIs count together against :attr:`rate_limit` (else each API on its own)."""
        return self._limiter.shared

    @property
    def require_flow_json(self) -> bool:
        return self._store.require_flow_json

    @require_flow_json.setter
    def require_flow_json(self, value: bool) -> None:
        self._store.require_flow_json = value

    def expire_sts(self, access_key_id: str) -> None:
        """Expire an STS identity: its calls now fail with InvalidSecurityToken.Expired."""
        self._credentials.expire(access_key_id)

    def max_calls_in_window(
        self, window: float = 1.0, action: str | None = None, include_rejected: bool = False
    ) -> int:
        """Peak calls within any ``window`` seconds of arrival times; by default only admitted calls that
        were not throttled (auth failures and limiter rejections excluded)."""
        return self._log.max_calls_in_window(window, action, include_rejected)

    def max_calls_per_api(self, window: float = 1.0, include_rejected: bool = False) -> dict[str, int]:
        """:meth:`max_calls_in_window` of each API that was called: what each API's own limit bounds."""
        actions = {r.action for r in self._log.snapshot() if r.action}
        return {a: self._log.max_calls_in_window(window, a, include_rejected) for a in sorted(actions)}

    def reset(self) -> None:
        """Forget flows, hosted files, recorded requests, faults, seen nonces and rate-limit windows.

        Settings (rate limit, require_flow_json, the dialect and its published_update) are kept."""
        self._store.reset()
        self._messaging.reset()
        self._assets.clear()
        self._log.clear()
        self.faults.clear()
        self._verifier.reset()
        self._limiter.reset()

    # ----------------------------------------------------------------- request pipeline
    def handle(self, request: WireRequest) -> WireResponse:
        """Entry point of the HTTP layer."""
        if is_control_path(request.path):
            return handle_control(self, request)
        return self._rpc(request)

    def _rpc(self, request: WireRequest) -> WireResponse:
        call = _Call(request, new_request_id(), dict(parse_qsl(request.query, keep_blank_values=True)))
        if request_line_too_long(request):
            self._record(call, 414, None)
            return uri_too_long(call.request_id)
        try:
            call.params = params = request_params(request)  # the query and a signed form body
            call.action = _parse_action(request, params)
            verdict = self._verifier.verify(
                request.method, request.path, request.query, request.headers, request.body
            )
            call.access_key_id = verdict.access_key_id
            if not verdict.ok or verdict.credential is None:
                raise CamsErrorAnswer(
                    verdict.code or "IncompleteSignature", verdict.message, verdict.http_status
                )
            call.credential = verdict.credential
            # ASSUMED: the vendor's limiter sends no x-acs-retry-after header (the throttle fault can).
            if not self._limiter.try_acquire(
                verdict.credential.access_key_id, request.received_mono, call.action
            ):
                limited = CamsErrorAnswer("System.LimitControl")
                payload = self._error_payload(call, limited)
                return self._answer(call, limited.http_status, payload, throttled=True)
            call.admitted = True
        except CamsErrorAnswer as err:
            return self._answer(call, err.http_status, self._error_payload(call, err))
        fault = self.faults.draw(call.action)
        if fault is not None:
            return self._faulted(call, fault)
        applied, status, payload = self._apply(call)
        return self._answer(call, status, payload, applied=applied)

    def _apply(self, call: _Call) -> tuple[bool, int, dict[str, Any]]:
        """Run the action: (applied, HTTP status, body)."""
        assert call.action is not None and call.credential is not None
        try:
            if call.action in MESSAGING_ACTIONS:
                fields = self._messaging.execute(call.action, call.credential.account, call.params)
                return True, 200, {**success_body(call.request_id), **fields}
            data = flow_responses.execute(self._store, call.action, call.credential.account, call.params)
        except CamsErrorAnswer as err:
            return False, err.http_status, self._error_payload(call, err)
        return True, 200, success_body(call.request_id, data, ACTIONS[call.action].has_data)

    def _faulted(self, call: _Call, fault: Fault) -> WireResponse:
        spec, kind = fault.spec, fault.kind.value
        applied, status, payload = self._apply(call) if spec.applies else (False, 0, {})
        if spec.response == "normal":
            return self._answer(call, status, payload, applied=applied, fault=kind, delay=fault.delay)
        if spec.response == "drop":
            self._record(call, None, "DROPPED", applied=applied, fault=kind)
            return WireResponse(delay=fault.delay, drop=True)
        if spec.response == "html":
            status = fault.http_status or 502
            self._record(call, status, None, applied=applied, fault=kind)
            headers = (("Content-Type", "text/html"), ("x-acs-request-id", call.request_id))
            return WireResponse(status, headers, PROXY_ERROR_PAGE, fault.delay)
        err = CamsErrorAnswer(fault.code or "InternalError", fault.message, fault.http_status)
        if fault.retry_after_ms:
            call.extra_headers.append(("x-acs-retry-after", str(fault.retry_after_ms)))
        return self._answer(
            call,
            err.http_status,
            self._error_payload(call, err),
            applied=applied,
            throttled=spec.throttled,
            fault=kind,
            delay=fault.delay,
        )

    def _error_payload(self, call: _Call, err: CamsErrorAnswer) -> dict[str, Any]:
        denied = err.access_denied
        if denied is None and err.code == "Ram.PermissionDeny":
            denied = access_denied_detail(call.action, call.access_key_id)
        return error_body(err.code, err.message, call.request_id, denied)

    def _answer(
        self,
        call: _Call,
        status: int,
        payload: dict[str, Any],
        *,
        applied: bool = False,
        throttled: bool = False,
        fault: str | None = None,
        delay: float = 0.0,
    ) -> WireResponse:
        self._record(call, status, payload.get("Code"), applied=applied, throttled=throttled, fault=fault)
        headers = [("x-acs-request-id", call.request_id), *call.extra_headers]
        return WireResponse.json(status, payload, headers, delay)

    def _record(
        self,
        call: _Call,
        status: int | None,
        code: str | None,
        *,
        applied: bool = False,
        throttled: bool = False,
        fault: str | None = None,
    ) -> None:
        self._log.append(
            RecordedRequest(
                received_at=call.request.received_at,
                action=call.action,
                params=dict(call.params),
                access_key_id=call.access_key_id,
                http_status=status,
                code=code,
                request_id=call.request_id,
                fault=fault,
                applied=applied,
                throttled=throttled,
                admitted=call.admitted,
            )
        )


def _parse_action(request: WireRequest, params: Mapping[str, str]) -> str:
    """The action and version from the x-acs-* headers or the query (they must agree if both are given)."""
    if request.path != "/" or request.method not in ("GET", "POST"):
        raise CamsErrorAnswer("InvalidAction.NotFound")
    headers = header_map(request.headers)
    action = _header_or_query(headers, params, "x-acs-action", "Action")
    version = _header_or_query(headers, params, "x-acs-version", "Version")
    if version != API_VERSION:
        raise CamsErrorAnswer("InvalidVersion")
    if action not in ACTIONS and action not in MESSAGING_ACTIONS:
        raise CamsErrorAnswer("InvalidAction.NotFound")
    return action


def _header_or_query(headers: dict[str, list[str]], params: Mapping[str, str], header: str, name: str) -> str:
    from_header = (headers.get(header) or [""])[0].strip()
    from_query = params.get(name, "")
    if from_header and from_query and from_header != from_query:
        reason = f"{header} and the {name} query parameter disagree."
        raise CamsErrorAnswer("InvalidParameter", name=name, reason=reason)
    value = from_header or from_query
    if not value:
        raise CamsErrorAnswer("MissingParameter", name=name)
    return value
