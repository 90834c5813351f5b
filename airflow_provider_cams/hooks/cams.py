"""CamsHook: the one call path from Airflow to CAMS.

action + params -> checked response body, or a typed error from :mod:`airflow_provider_cams.exceptions`.
Requests are signed by ``alibabacloud-tea-openapi`` (ACS3-HMAC-SHA256); the SDK is imported only when
the first client is built, never at module import, so DAG parsing stays cheap.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from airflow_provider_cams import __version__
from airflow_provider_cams.actions import API_VERSION, FLOW_ACTIONS, STATUS_TRANSITIONS, FlowAction
from airflow_provider_cams.exceptions import (
    CamsApiError,
    CamsAuthError,
    CamsDuplicateFlowError,
    CamsError,
    CamsFlowNotFoundError,
    CamsFlowStateError,
    CamsThrottledError,
    CamsTransientError,
    CamsTransportError,
    CamsValidationError,
    api_error_class,
)
from airflow_provider_cams.hooks.connection import CamsConnectionSettings, raw_extra
from airflow_provider_cams.rate import CallPacer, pool_size
from airflow_provider_cams.validation import check_categories, check_id, check_int, check_name, check_url

if TYPE_CHECKING:
    from alibabacloud_tea_openapi.client import Client

Body = dict[str, Any]
# Called before re-sending a non-idempotent action after an ambiguous failure: returns the body to use
# if the change already happened, or None to send the action again.
Reconcile = Callable[[], Body | None]

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_INITIAL_WAIT = 0.5
DEFAULT_MAX_WAIT = 20.0
DEFAULT_RETRY_BUDGET = 120.0


def encode_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Query values must be strings: lists/objects become compact JSON, None is left out."""
    query: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple, dict)):
            query[key] = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        else:
            query[key] = str(value)
    return query


class CamsHook(BaseHook):
    """Interact with Alibaba Cloud CAMS WhatsApp Flows.

    :param cams_conn_id: the ``cams`` connection (AccessKey ID as login, AccessKey Secret as password).
    :param max_attempts: attempts per call, retries of throttling, 5xx and network errors included.
    :param initial_wait: first backoff wait in seconds (doubles, with jitter, up to ``max_wait``).
    :param max_wait: longest single backoff wait in seconds.
    :param retry_budget: seconds after which a call stops retrying.
    :param pool: the Airflow pool the calling task runs in. When given, calls are paced so that the
        account's pool guarantees its rate limit (see :mod:`airflow_provider_cams.rate`); operators pass
        their own. Without it nothing is paced.
    :param pool_slots: the pool slots the calling task holds (its share of the account's rate).
    :param pacer: an explicit pacer, instead of the one derived from ``pool``.
    """

    conn_name_attr = "cams_conn_id"
    default_conn_name = "cams_default"
    conn_type = "cams"
    hook_name = "Alibaba Cloud CAMS"

    def __init__(
        self,
        cams_conn_id: str = default_conn_name,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        initial_wait: float = DEFAULT_INITIAL_WAIT,
        max_wait: float = DEFAULT_MAX_WAIT,
        retry_budget: float = DEFAULT_RETRY_BUDGET,
        pool: str | None = None,
        pool_slots: int = 1,
        pacer: CallPacer | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(max_attempts, int) or isinstance(max_attempts, bool) or max_attempts < 1:
            raise CamsValidationError(f"max_attempts must be a whole number >= 1, got {max_attempts!r}.")
        for name, value in (
            ("initial_wait", initial_wait),
            ("max_wait", max_wait),
            ("retry_budget", retry_budget),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise CamsValidationError(f"{name} must be a number of seconds >= 0, got {value!r}.")
        self.cams_conn_id = cams_conn_id
        self.max_attempts = max_attempts
        self.initial_wait = float(initial_wait)
        self.max_wait = float(max_wait)
        self.retry_budget = float(retry_budget)
        self.pool = pool
        self.pool_slots = pool_slots
        if pacer is not None:
            self.__dict__["pacer"] = pacer

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cams_conn_id={self.cams_conn_id!r})"

    # ----------------------------------------------------------------- connection and client
    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """The UI field behaviour the provider info declares (read by Airflow < 3.2)."""
        from airflow_provider_cams.connection_form import ui_field_behaviour

        return ui_field_behaviour()

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """The extra fields of ``conn-fields`` as wtforms fields (read by Airflow < 3.2)."""
        from airflow_provider_cams.connection_form import form_widgets

        return form_widgets()

    @cached_property
    def settings(self) -> CamsConnectionSettings:
        """The connection's checked settings; secrets are registered with the secrets masker."""
        return self._settings_from(self.get_connection(self.cams_conn_id))

    def _settings_from(self, conn: Any) -> CamsConnectionSettings:
        if conn.conn_type and conn.conn_type != "cams":
            self.log.warning("Connection %r has type %r, expected 'cams'.", self.cams_conn_id, conn.conn_type)
        settings = CamsConnectionSettings.from_connection(
            self.cams_conn_id, conn.login, conn.password, raw_extra(self.cams_conn_id, conn.extra)
        )
        _mask(settings.access_key_secret, settings.security_token)
        return settings

    @cached_property
    def pacer(self) -> CallPacer:
        """Pacing for a task in the account's pool (needs the connection: built on first call)."""
        s = self.settings
        if self.pool is None or not s.pacing:
            if self.pool is not None:
                self.log.warning(
                    "Pacing is off for connection %r (extra pacing=false): the pool caps concurrent tasks "
                    "but not calls per second, so CAMS may throttle.",
                    self.cams_conn_id,
                )
            return CallPacer()
        if self.pool != s.pool:
            self.log.warning(
                "This task runs in pool %r, but connection %r's account pool is %r: the %g calls/s "
                "guarantee holds only if every CAMS task of the account runs in %r.",
                self.pool,
                self.cams_conn_id,
                s.pool,
                s.rate_limit,
                s.pool,
            )
        pacer = CallPacer.for_pool_task(self.pool_slots)
        self.log.info(
            "Pacing CAMS calls for pool %r: %.2f s apart (%d of %d slots, %g calls/s).",
            self.pool,
            pacer.interval,
            self.pool_slots,
            pool_size(s.rate_limit),
            s.rate_limit,
        )
        return pacer

    async def asettings(self) -> CamsConnectionSettings:
        """:attr:`settings` for async code (triggers): the connection is fetched without blocking."""
        if "settings" not in self.__dict__:
            conn = await self.aget_connection(self.cams_conn_id)
            self.__dict__["settings"] = self._settings_from(conn)
        return self.settings

    @cached_property
    def client(self) -> Client:
        """One signed tea-openapi client per hook, built on first use."""
        from alibabacloud_tea_openapi.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        s = self.settings
        config = Config(
            endpoint=s.endpoint,
            protocol=s.protocol.upper(),
            region_id=s.region_id,
            connect_timeout=int(s.connect_timeout * 1000),
            read_timeout=int(s.read_timeout * 1000),
            user_agent=f"airflow-provider-cams/{__version__}",
        )
        if s.is_loopback:
            config.no_proxy = s.endpoint.rsplit(":", 1)[0]
        elif s.protocol == "http":
            self.log.warning(
                "INSECURE: connection %r sends signed CAMS requests over plain http to %s "
                "(extra allow_insecure_http=true). Anyone on the path can read and replay them.",
                self.cams_conn_id,
                s.endpoint,
            )
        if s.uses_default_credential_chain:
            from alibabacloud_credentials.client import Client as CredentialClient

            self.log.info(
                "Connection %r has no AccessKey: using the Alibaba default credential chain.",
                self.cams_conn_id,
            )
            config.credential = CredentialClient()
        else:
            config.access_key_id = s.access_key_id
            config.access_key_secret = s.access_key_secret
            config.security_token = s.security_token
        return Client(config)

    def get_conn(self) -> Client:
        return self.client

    @property
    def default_cust_space_id(self) -> str | None:
        return self.settings.cust_space_id

    # ----------------------------------------------------------------- the call path
    def call(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        reconcile: Reconcile | None = None,
        max_attempts: int | None = None,
    ) -> Body:
        """Call ``action`` and return its checked body (``Code == "OK"``), retrying what can heal.

        Throttling, 5xx and network errors are retried with exponential backoff and jitter
        (``x-acs-retry-after`` honoured). A non-idempotent action whose outcome is unknown (timeout,
        dropped connection, 5xx) is re-sent only after ``reconcile`` says the change did not happen;
        without ``reconcile`` it is not retried at all.
        """
        spec, query = self._prepare(action, params)
        resend_unsafe = not spec.idempotent if spec else True
        outcome_unknown = False

        def should_retry(exc: BaseException) -> bool:
            nonlocal outcome_unknown
            if resend_unsafe and is_retryable(exc) and _maybe_applied(exc):
                outcome_unknown = True
                return reconcile is not None
            return is_retryable(exc)

        for attempt in Retrying(**self._retry_kwargs(should_retry, max_attempts)):
            with attempt:
                if outcome_unknown and reconcile is not None:
                    done = reconcile()
                    if done is not None:
                        self.log.info("CAMS %s had already taken effect; not sending it again.", action)
                        return done
                    outcome_unknown = False
                return self._send(action, query)
        raise AssertionError("unreachable")  # pragma: no cover - tenacity reraises

    def _send(self, action: str, query: dict[str, str]) -> Body:
        """One paced HTTP call: the checked body, or a typed error."""
        client, request = self.client, self._sdk_request(action, query)  # SDK set-up before the wait
        waited = self.pacer.before_call()
        if waited > 0.05:
            self.log.info("Waited %.2f s for the account's call rate before %s.", waited, action)
        try:
            response = client.call_api(*request)
        except Exception as exc:
            raise translate_sdk_error(action, exc) from None
        finally:
            self.pacer.after_call()
        return check_response(action, response)

    async def acall(
        self, action: str, params: Mapping[str, Any] | None = None, *, max_attempts: int | None = None
    ) -> Body:
        """Async :meth:`call` for triggers; reads only (they are safe to retry after any failure)."""
        spec, query = self._prepare(action, params)
        if spec is None or not spec.idempotent:
            raise CamsValidationError(f"acall sends only idempotent CAMS actions, not {action}.")
        await self.asettings()
        async for attempt in AsyncRetrying(**self._retry_kwargs(is_retryable, max_attempts)):
            with attempt:
                client, request = self.client, self._sdk_request(action, query)
                await asyncio.sleep(self.pacer.wait_time())
                try:
                    response = await client.call_api_async(*request)
                except Exception as exc:
                    raise translate_sdk_error(action, exc) from None
                finally:
                    self.pacer.after_call()
                return check_response(action, response)
        raise AssertionError("unreachable")  # pragma: no cover - tenacity reraises

    def _prepare(
        self, action: str, params: Mapping[str, Any] | None
    ) -> tuple[FlowAction | None, dict[str, str]]:
        spec = FLOW_ACTIONS.get(action)
        query = encode_params(params)
        if spec is not None:
            missing = [p for p in spec.required if not query.get(p)]
            if missing:
                raise CamsValidationError(f"CAMS {action} needs parameter(s) {missing}; none was sent.")
        return spec, query

    def _retry_kwargs(
        self, retry: Callable[[BaseException], bool], max_attempts: int | None
    ) -> dict[str, Any]:
        return {
            "stop": stop_after_attempt(max_attempts or self.max_attempts)
            | stop_after_delay(self.retry_budget),
            "wait": self._wait,
            "retry": retry_if_exception(retry),
            "before_sleep": self._log_retry,
            "reraise": True,
        }

    def _sdk_request(self, action: str, query: dict[str, str]) -> tuple[Any, Any, Any]:
        from alibabacloud_tea_openapi.utils_models import OpenApiRequest, Params
        from darabonba.runtime import RuntimeOptions

        params = Params(
            action=action,
            version=API_VERSION,
            protocol=self.settings.protocol.upper(),
            pathname="/",
            method="POST",
            auth_type="AK",
            style="RPC",
            req_body_type="formData",
            body_type="json",
        )
        return params, OpenApiRequest(query=query), RuntimeOptions()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        backoff = wait_exponential_jitter(initial=self.initial_wait, max=self.max_wait)(state)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            return float(min(max(retry_after, 0.0), self.max_wait) + backoff * 0.1)
        return float(backoff)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        self.log.warning(
            "CAMS call attempt %d failed (%s); retrying in %.2f s.",
            state.attempt_number,
            _short(exc),
            wait,
        )

    # ----------------------------------------------------------------- typed methods
    def _space(self, cust_space_id: str | None) -> str | None:
        space = cust_space_id if cust_space_id is not None else self.default_cust_space_id
        return check_id("cust_space_id", space) if space is not None else None

    def _flow_params(self, flow_id: str, cust_space_id: str | None, **params: Any) -> dict[str, Any]:
        return {"FlowId": check_id("flow_id", flow_id), "CustSpaceId": self._space(cust_space_id), **params}

    def create_flow(
        self,
        flow_name: str,
        categories: list[str],
        endpoint_uri: str | None = None,
        cust_space_id: str | None = None,
        *,
        reuse_existing: bool = False,
    ) -> Body:
        """CreateFlow; ``Data`` is {FlowId, FlowName, Categories}.

        The flow name is what identifies a flow across retries. After an ambiguous failure, and
        before the first attempt when ``reuse_existing`` (operators set it on task retries), the hook
        looks for a flow with this exact name and categories: one match is reused (``Reused: True``)
        instead of creating a duplicate; several matches fail with their ids.
        """
        name = check_name("flow_name", flow_name)
        cats = check_categories("categories", categories)
        space = self._space(cust_space_id)
        params = {
            "FlowName": name,
            "Categories": cats,
            "EndpointUri": check_url("endpoint_uri", endpoint_uri) if endpoint_uri is not None else None,
            "CustSpaceId": space,
        }

        def existing() -> Body | None:
            # ListFlow's name filter may match more than the exact name (undocumented): check here.
            matches = [
                f
                for f in self.list_flows(name, space)
                if f.get("FlowName") == name and sorted(f.get("Categories") or []) == sorted(cats)
            ]
            if len(matches) > 1:
                raise CamsDuplicateFlowError(name, [str(m.get("FlowId")) for m in matches])
            return {"Code": "OK", "RequestId": None, "Data": matches[0], "Reused": True} if matches else None

        if reuse_existing:
            found = existing()
            if found is not None:
                return found
        return self.call("CreateFlow", params, reconcile=existing)

    def publish_flow(
        self, flow_id: str, cust_space_id: str | None = None, *, check_first: bool = True
    ) -> Body:
        """Publish a flow (DRAFT -> PUBLISHED), idempotently.

        With ``check_first`` (the default) GetFlow runs first: a PUBLISHED flow is reported as such and
        no PublishFlow is sent; a DEPRECATED flow fails at once. Without it PublishFlow is sent
        directly (one call less) and a rejection is explained by a GetFlow. In both cases a PublishFlow
        whose outcome is unknown (timeout, dropped connection, 5xx) is re-sent only after GetFlow says
        the flow is still not PUBLISHED. The body has ``AlreadyDone`` and ``Status``.
        """
        return self._transition("PublishFlow", flow_id, cust_space_id, check_first=check_first)

    def deprecate_flow(self, flow_id: str, cust_space_id: str | None = None) -> Body:
        """Deprecate a flow (PUBLISHED -> DEPRECATED), idempotently (see :meth:`publish_flow`)."""
        return self._transition("DeprecateFlow", flow_id, cust_space_id, check_first=False)

    def _transition(self, action: str, flow_id: str, cust_space_id: str | None, *, check_first: bool) -> Body:
        transition = STATUS_TRANSITIONS[action]
        params = self._flow_params(flow_id, cust_space_id)
        seen: dict[str, Any] = {}  # the flow as GetFlow last showed it (for preview links)

        def done_already() -> Body | None:
            flow = self.get_flow(params["FlowId"], params["CustSpaceId"])
            seen.update(flow.get("Data") or {})
            status = seen.get("Status")
            if status == transition.target:
                return {**flow, "Data": None, "Flow": seen, "AlreadyDone": True, "Status": status}
            if status != transition.source:
                raise CamsFlowStateError(
                    action=action,
                    code="Flow.StatusNotSupport",
                    request_id=flow.get("RequestId"),
                    message=f"Flow {params['FlowId']} is {status}: {transition.explain}",
                )
            return None

        if check_first:
            done = done_already()
            if done is not None:
                return done
        try:
            body = self.call(action, params, reconcile=done_already)
        except CamsFlowStateError:
            done = done_already()  # explains the rejection, or finds the flow already there
            if done is None:
                raise
            return done
        return {"AlreadyDone": False, **body, "Flow": seen, "Status": transition.target}

    def delete_flow(self, flow_id: str, cust_space_id: str | None = None, *, missing_ok: bool = True) -> Body:
        """Delete a DRAFT flow. A flow that is already gone counts as deleted when ``missing_ok``."""
        params = self._flow_params(flow_id, cust_space_id)

        def gone() -> Body | None:
            try:
                self.get_flow(params["FlowId"], params["CustSpaceId"])
            except CamsFlowNotFoundError as exc:
                return {"Code": "OK", "RequestId": exc.request_id, "AlreadyDone": True}
            return None

        try:
            return {"AlreadyDone": False, **self.call("DeleteFlow", params, reconcile=gone)}
        except CamsFlowNotFoundError as exc:
            if not missing_ok:
                raise
            return {"Code": "OK", "RequestId": exc.request_id, "AlreadyDone": True}

    def get_flow(self, flow_id: str, cust_space_id: str | None = None) -> Body:
        """GetFlow; ``Data`` holds the flow including its ``Status``."""
        return self.call("GetFlow", self._flow_params(flow_id, cust_space_id))

    async def aget_flow(self, flow_id: str, cust_space_id: str | None = None) -> Body:
        """Async GetFlow, for triggers."""
        await self.asettings()
        return await self.acall("GetFlow", self._flow_params(flow_id, cust_space_id))

    def modify_flow(
        self,
        flow_id: str,
        flow_name: str,
        categories: list[str],
        endpoint_uri: str | None = None,
        cust_space_id: str | None = None,
    ) -> Body:
        """ModifyFlow (DRAFT flows only). Setting the same values twice is harmless, so it is retried."""
        return self.call(
            "ModifyFlow",
            self._flow_params(
                flow_id,
                cust_space_id,
                FlowName=check_name("flow_name", flow_name),
                Categories=check_categories("categories", categories),
                EndpointUri=check_url("endpoint_uri", endpoint_uri) if endpoint_uri is not None else None,
            ),
        )

    def update_flow_json_asset(self, flow_id: str, file_path: str, cust_space_id: str | None = None) -> Body:
        """UpdateFlowJSONAsset: attach the flow JSON found at the URL ``file_path`` (DRAFT flows only)."""
        return self.call(
            "UpdateFlowJSONAsset",
            self._flow_params(flow_id, cust_space_id, FilePath=check_url("file_path", file_path)),
        )

    def get_flow_json_asset(self, flow_id: str, cust_space_id: str | None = None) -> Body:
        """GetFlowJSONAssest (the vendor's spelling): ``Data`` is {FlowId, FilePath}."""
        return self.call("GetFlowJSONAssest", self._flow_params(flow_id, cust_space_id))

    def get_flow_preview_url(self, flow_id: str, cust_space_id: str | None = None) -> Body:
        """GetFlowPreviewUrl: ``Data`` is {FlowId, PreviewUrl, PreviewUrlExpires (epoch ms)}."""
        return self.call("GetFlowPreviewUrl", self._flow_params(flow_id, cust_space_id))

    def list_flows_page(
        self,
        flow_name: str | None = None,
        page_index: int = 1,
        page_size: int = 20,
        cust_space_id: str | None = None,
    ) -> Body:
        """One ListFlow page (``page_size`` 1 to 100)."""
        check_int("page_size", page_size, 1, 100)
        check_int("page_index", page_index, 1, 1_000_000)
        return self.call(
            "ListFlow",
            {
                "FlowName": check_name("flow_name", flow_name) if flow_name is not None else None,
                "Page": {"Index": page_index, "Size": page_size},
                "CustSpaceId": self._space(cust_space_id),
            },
        )

    def list_flows(
        self,
        flow_name: str | None = None,
        cust_space_id: str | None = None,
        page_size: int = 100,
        max_pages: int = 1000,
    ) -> list[dict[str, Any]]:
        """Every flow (optionally with this exact name), walking ListFlow pages until a short page."""
        check_int("page_size", page_size, 1, 100)
        flows: list[dict[str, Any]] = []
        for index in range(1, max_pages + 1):
            page = self.list_flows_page(flow_name, index, page_size, cust_space_id).get("Data") or []
            flows.extend(page)
            if len(page) < page_size:
                return flows
        raise CamsError(
            f"ListFlow returned more than {max_pages} pages of {page_size}; narrow it by flow_name."
        )

    # ----------------------------------------------------------------- UI "Test" button
    def test_connection(self) -> tuple[bool, str]:
        """One cheap read call (ListFlow, page size 1), no retries; never raises."""
        try:
            body = self.call(
                "ListFlow",
                {"Page": {"Index": 1, "Size": 1}, "CustSpaceId": self.default_cust_space_id},
                max_attempts=1,
            )
        except Exception as exc:
            return False, str(exc)
        return True, (
            f"Connected to CAMS at {self.settings.endpoint} as AccessKey "
            f"{self.settings.access_key_id or '(default credential chain)'}; ListFlow RequestId "
            f"{body.get('RequestId')}."
        )


# --------------------------------------------------------------------- helpers (pure, unit-tested)
def check_response(action: str, response: Any) -> Body:
    """Turn the SDK's ``{'body','headers','statusCode'}`` into a checked body or a typed error."""
    body = response.get("body") if isinstance(response, dict) else None
    status = response.get("statusCode") if isinstance(response, dict) else None
    if not isinstance(body, dict):
        raise CamsTransportError(
            action=action,
            reason=f"the response body is not a JSON object ({type(body).__name__})",
            maybe_applied=True,
            http_status=status,
        )
    code = body.get("Code")
    if code != "OK":
        raise api_error_class(code, status)(
            action=action,
            code=code,
            message=body.get("Message"),
            request_id=body.get("RequestId"),
            http_status=status,
            access_denied_detail=body.get("AccessDeniedDetail"),
            recommend=body.get("Recommend"),
        )
    return body


def translate_sdk_error(action: str, exc: Exception) -> CamsError:
    """Map a tea-openapi / darabonba / credentials exception to the provider's own type."""
    code = getattr(exc, "code", None)
    if code in ("None", ""):  # the SDK formats a missing Code with an f-string
        code = None
    data = getattr(exc, "data", None)
    if code is not None and (isinstance(data, dict) or getattr(exc, "status_code", None) is not None):
        data = data if isinstance(data, dict) else {}
        status = getattr(exc, "status_code", None)
        retry_after_ms = getattr(exc, "retry_after", None)
        cls = api_error_class(code, status)
        if retry_after_ms is not None and not issubclass(cls, CamsThrottledError):
            cls = CamsThrottledError
        return cls(
            action=action,
            code=code,
            message=data.get("Message") or getattr(exc, "message", None),
            request_id=data.get("RequestId") or getattr(exc, "request_id", None),
            http_status=status,
            access_denied_detail=data.get("AccessDeniedDetail") or getattr(exc, "access_denied_detail", None),
            recommend=data.get("Recommend"),
            retry_after=(retry_after_ms / 1000.0) if retry_after_ms else None,
        )
    inner = getattr(exc, "inner_exception", None) or exc
    name = type(inner).__name__
    if name == "CredentialException" or "credential" in type(exc).__module__:
        return CamsAuthError(action=action, code="InvalidCredentials", message=str(exc))
    return CamsTransportError(
        action=action, reason=f"{name}: {_scrub(str(inner))}", maybe_applied=not _never_sent(inner)
    )


# The sync transport wraps requests' errors in a RetryError that keeps only their text.
_NEVER_SENT_MARKERS = (
    "Connection refused",
    "Failed to establish a new connection",
    "connect timeout=",
    "Cannot connect to host",
)


def _never_sent(exc: BaseException) -> bool:
    """True when the request surely never reached the server (refused, or connect timeout)."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        name = type(cur).__name__
        text = str(cur)
        if name in ("ConnectTimeout", "NewConnectionError", "ClientConnectorError", "ConnectionRefusedError"):
            return True
        if any(marker in text for marker in _NEVER_SENT_MARKERS):
            return True
        cur = (
            cur.__cause__
            or cur.__context__
            or (cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None)
        )
    return False


def is_retryable(exc: BaseException) -> bool:
    """Throttling, 5xx / transient codes and transport failures can heal; nothing else is retried."""
    return isinstance(exc, (CamsThrottledError, CamsTransientError, CamsTransportError))


def _maybe_applied(exc: BaseException) -> bool:
    if isinstance(exc, CamsTransportError):
        return exc.maybe_applied
    # A 5xx or an HTTP 200 with a server error code may come after the change was applied.
    return isinstance(exc, CamsTransientError)


def _scrub(text: str) -> str:
    """Keep transport error texts short; they carry URLs (with the query) but never credentials."""
    return text if len(text) <= 300 else text[:300] + "..."


def _short(exc: BaseException | None) -> str:
    if isinstance(exc, CamsApiError):
        return f"{exc.code}, RequestId {exc.request_id}"
    return f"{type(exc).__name__}: {exc}" if exc else "unknown"


def _mask(*secrets: str | None) -> None:
    from airflow.sdk.log import mask_secret

    for secret in secrets:
        if secret:
            mask_secret(secret)
