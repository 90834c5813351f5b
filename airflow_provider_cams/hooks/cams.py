"""CamsHook: the CAMS connection, its signed client, and the flow lifecycle as idempotent methods.

Every call goes through one pipeline (:mod:`airflow_provider_cams.hooks.transport`): action + params ->
checked response body, or a typed error from :mod:`airflow_provider_cams.exceptions`. The lifecycle
methods return typed results (:mod:`airflow_provider_cams.hooks.results`) that keep the vendor's body
apart from the provider's own facts. Inputs are validated once, here, where they enter the hook.
The SDK is imported when the first client is built, never at module import, so DAG parsing stays cheap.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook

from airflow_provider_cams import __version__
from airflow_provider_cams.exceptions import (
    CamsDuplicateFlowError,
    CamsError,
    CamsFlowNotFoundError,
    CamsFlowStateError,
)
from airflow_provider_cams.hooks.connection import CamsConnectionSettings, raw_extra
from airflow_provider_cams.hooks.results import Body, FlowCreated, FlowDeleted, FlowTransition
from airflow_provider_cams.hooks.transport import (
    DEFAULT_INITIAL_WAIT,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_WAIT,
    DEFAULT_RETRY_BUDGET,
    Reconcile,
    RetryPolicy,
    Transport,
)
from airflow_provider_cams.utils.rate import CallPacer, Pacer
from airflow_provider_cams.utils.validation import (
    check_categories,
    check_id,
    check_int,
    check_name,
    check_url,
)
from airflow_provider_cams.vendor.actions import STATUS_TRANSITIONS

if TYPE_CHECKING:
    from alibabacloud_tea_openapi.client import Client

__all__ = ["Body", "CamsHook", "FlowRef"]


@dataclass(frozen=True)
class FlowRef:
    """A checked reference to one flow: its id and the CustSpaceId to send (None: the account's own).

    Made by :meth:`CamsHook.flow_ref`; hook methods accept it instead of a raw id, so a value checked
    once at the boundary is not checked again on the way down.
    """

    flow_id: str
    cust_space_id: str | None

    @property
    def params(self) -> dict[str, Any]:
        return {"FlowId": self.flow_id, "CustSpaceId": self.cust_space_id}


class CamsHook(BaseHook):
    """Interact with Alibaba Cloud CAMS WhatsApp Flows.

    :param cams_conn_id: the ``cams`` connection (AccessKey ID as login, AccessKey Secret as password).
    :param max_attempts: attempts per call, retries of throttling, 5xx and network errors included.
    :param initial_wait: first backoff wait in seconds (doubles, with jitter, up to ``max_wait``).
    :param max_wait: longest single backoff wait in seconds.
    :param retry_budget: seconds after which a call stops retrying.
    :param pool: the Airflow pool the calling task runs in. When given, calls are paced so that the
        account's pool guarantees its rate limit (see :mod:`airflow_provider_cams.utils.rate`); operators pass
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
        pacer: Pacer | None = None,
    ) -> None:
        super().__init__()
        self.cams_conn_id = cams_conn_id
        self.retry_policy = RetryPolicy(max_attempts, initial_wait, max_wait, retry_budget)
        self.pool = pool
        self.pool_slots = pool_slots
        self._pacer = pacer
        self._settings: CamsConnectionSettings | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cams_conn_id={self.cams_conn_id!r})"

    # ----------------------------------------------------------------- connection and client
    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """The UI field behaviour the provider info declares (read by Airflow < 3.2)."""
        from airflow_provider_cams.utils.connection_form import ui_field_behaviour

        return ui_field_behaviour()

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """The extra fields of ``conn-fields`` as wtforms fields (read by Airflow < 3.2)."""
        from airflow_provider_cams.utils.connection_form import form_widgets

        return form_widgets()

    @property
    def settings(self) -> CamsConnectionSettings:
        """The connection's checked settings (read once); secrets are registered with the masker."""
        if self._settings is None:
            self._settings = self._settings_from(self.get_connection(self.cams_conn_id))
        return self._settings

    async def asettings(self) -> CamsConnectionSettings:
        """:attr:`settings` for async code (triggers): the connection is fetched without blocking."""
        if self._settings is None:
            self._settings = self._settings_from(await self.aget_connection(self.cams_conn_id))
        return self._settings

    def _settings_from(self, conn: Any) -> CamsConnectionSettings:
        if conn.conn_type and conn.conn_type != "cams":
            self.log.warning("Connection %r has type %r, expected 'cams'.", self.cams_conn_id, conn.conn_type)
        settings = CamsConnectionSettings.from_connection(
            self.cams_conn_id, conn.login, conn.password, raw_extra(self.cams_conn_id, conn.extra)
        )
        _mask(settings.access_key_secret, settings.security_token)
        return settings

    @property
    def pacer(self) -> Pacer:
        """Pacing for a task in the account's pool (needs the connection: built on first call)."""
        if self._pacer is None:
            self._pacer = self.pool_pacer()
        return self._pacer

    @pacer.setter
    def pacer(self, pacer: Pacer) -> None:
        """Pace with ``pacer`` (e.g. the triggerer's shared one), before the first call is sent."""
        if "transport" in self.__dict__:
            raise RuntimeError("the hook has already sent calls with its pacer")
        self._pacer = pacer

    def pool_pacer(self) -> CallPacer:
        """The pacer of a task in the account's pool: each API at its own limit (or one shared budget)."""
        s = self.settings
        if self.pool is None or not s.pacing:
            if self.pool is not None:
                self.log.warning(
                    "Pacing is off for connection %r (extra pacing=false): the pool caps concurrent tasks "
                    "but not calls per second, so CAMS may throttle.",
                    self.cams_conn_id,
                )
            return CallPacer()
        budget = s.rate_budget
        if self.pool != s.pool:
            self.log.warning(
                "This task runs in pool %r, but connection %r's account pool is %r: the guarantee (%s) "
                "holds only if every CAMS task of the account runs in %r.",
                self.pool,
                self.cams_conn_id,
                s.pool,
                budget.describe(),
                s.pool,
            )
        pacer = CallPacer.for_pool_task(self.pool_slots, budget=budget)
        self.log.info(
            "Pacing CAMS calls for pool %r: %d of %d slots, %s; per slot %.2f s, counted from returns.",
            self.pool,
            self.pool_slots,
            budget.pool_slots,
            budget.describe(),
            pacer.interval,
        )
        return pacer

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

    @cached_property
    def transport(self) -> Transport:
        """The send pipeline of this hook (one client, one pacer, one retry policy)."""
        return Transport(lambda: self.client, self.settings.protocol, self.pacer, self.retry_policy, self.log)

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
    ) -> Any:
        """Call ``action`` and return its checked body (``Code == "OK"``), retrying what can heal.

        Throttling, 5xx and network errors are retried with exponential backoff and jitter
        (``x-acs-retry-after`` honoured). A non-idempotent action whose outcome is unknown (timeout,
        dropped connection, 5xx) is re-sent only after ``reconcile`` says the change did not happen
        (its non-None answer is returned instead); without ``reconcile`` it is not retried at all.
        """
        return self.transport.call(action, params, reconcile=reconcile, max_attempts=max_attempts)

    async def acall(
        self, action: str, params: Mapping[str, Any] | None = None, *, max_attempts: int | None = None
    ) -> Body:
        """Async :meth:`call` for triggers; reads only (they are safe to retry after any failure)."""
        await self.asettings()
        return await self.transport.acall(action, params, max_attempts=max_attempts)

    # ----------------------------------------------------------------- checked inputs
    def cust_space(self, cust_space_id: str | None) -> str | None:
        """The CustSpaceId to send, checked: the given one, else the connection's, else none."""
        space = cust_space_id if cust_space_id is not None else self.default_cust_space_id
        return check_id("cust_space_id", space) if space is not None else None

    def flow_ref(
        self, flow_id: str | FlowRef, cust_space_id: str | None = None, *, param: str = "flow_id"
    ) -> FlowRef:
        """Check a flow id and its CustSpaceId once; a :class:`FlowRef` passes through as it is.

        ``param`` names the argument in the error, e.g. ``flow_ids[3]``.
        """
        if isinstance(flow_id, FlowRef):
            return flow_id
        return FlowRef(check_id(param, flow_id), self.cust_space(cust_space_id))

    # ----------------------------------------------------------------- the flow lifecycle
    def create_flow(
        self,
        flow_name: str,
        categories: list[str],
        endpoint_uri: str | None = None,
        cust_space_id: str | None = None,
        *,
        reuse_existing: bool = False,
    ) -> FlowCreated:
        """CreateFlow, without ever making a duplicate.

        The flow name is what identifies a flow across retries. After an ambiguous failure, and
        before the first attempt when ``reuse_existing`` (operators set it on task retries), the hook
        looks for a flow with this exact name and categories: one match is reused (``reused=True``)
        instead of creating a duplicate; several matches fail with their ids.
        """
        return self._create(
            check_name("flow_name", flow_name),
            check_categories("categories", categories),
            check_url("endpoint_uri", endpoint_uri) if endpoint_uri is not None else None,
            self.cust_space(cust_space_id),
            reuse_existing=reuse_existing,
        )

    def _create(
        self,
        name: str,
        cats: list[str],
        endpoint_uri: str | None,
        space: str | None,
        *,
        reuse_existing: bool,
        ignore: Collection[str] = (),
    ) -> FlowCreated:
        """CreateFlow with checked arguments; flows in ``ignore`` (known older ones) are never reused."""
        params = {"FlowName": name, "Categories": cats, "EndpointUri": endpoint_uri, "CustSpaceId": space}

        def existing() -> FlowCreated | None:
            # ListFlow's name filter may match more than the exact name (undocumented): check here.
            matches = [
                f
                for f in self._list_flows(name, space, 100)
                if f.get("FlowName") == name
                and sorted(f.get("Categories") or []) == sorted(cats)
                and str(f.get("FlowId")) not in ignore
            ]
            if len(matches) > 1:
                raise CamsDuplicateFlowError(name, [str(m.get("FlowId")) for m in matches])
            if not matches:
                return None
            return FlowCreated(str(matches[0].get("FlowId")), name, cats, space, reused=True, body=None)

        if reuse_existing:
            found = existing()
            if found is not None:
                return found
        answer = self.call("CreateFlow", params, reconcile=existing)
        if isinstance(answer, FlowCreated):
            return answer
        data = answer.get("Data") or {}
        if not data.get("FlowId"):
            raise CamsError(f"CAMS CreateFlow returned no FlowId (RequestId {answer.get('RequestId')}).")
        return FlowCreated(
            str(data["FlowId"]),
            data.get("FlowName", name),
            list(data.get("Categories") or cats),
            space,
            reused=False,
            body=answer,
        )

    def publish_flow(
        self, flow_id: str | FlowRef, cust_space_id: str | None = None, *, check_first: bool = True
    ) -> FlowTransition:
        """Publish a flow (DRAFT -> PUBLISHED), idempotently.

        With ``check_first`` (the hook's default) GetFlow runs first: a PUBLISHED flow is reported as
        such and no PublishFlow is sent; a DEPRECATED flow fails at once. Without it PublishFlow is sent
        directly (one call less) and a rejection is explained by a GetFlow; the operators do that on a
        task's first try and check first on its retries. In both cases a PublishFlow
        whose outcome is unknown (timeout, dropped connection, 5xx) is re-sent only after GetFlow says
        the flow is still not PUBLISHED.
        """
        return self._transition("PublishFlow", self.flow_ref(flow_id, cust_space_id), check_first)

    def deprecate_flow(self, flow_id: str | FlowRef, cust_space_id: str | None = None) -> FlowTransition:
        """Deprecate a flow (PUBLISHED -> DEPRECATED), idempotently (see :meth:`publish_flow`)."""
        return self._transition("DeprecateFlow", self.flow_ref(flow_id, cust_space_id), False)

    def _transition(self, action: str, ref: FlowRef, check_first: bool) -> FlowTransition:
        transition = STATUS_TRANSITIONS[action]
        seen: dict[str, Any] = {}  # the flow as GetFlow last showed it (for preview links)

        def done_already() -> FlowTransition | None:
            body = self._get_flow(ref)
            seen.update(body.get("Data") or {})
            status = seen.get("Status")
            if status == transition.target:
                return FlowTransition(ref.flow_id, ref.cust_space_id, status, True, body, dict(seen))
            if status != transition.source:
                raise CamsFlowStateError(
                    action=action,
                    code="Flow.StatusNotSupport",
                    request_id=body.get("RequestId"),
                    message=f"Flow {ref.flow_id} is {status}: {transition.explain}",
                )
            return None

        if check_first:
            done = done_already()
            if done is not None:
                return done
        try:
            answer = self.call(action, ref.params, reconcile=done_already)
        except CamsFlowStateError:
            done = done_already()  # explains the rejection, or finds the flow already there
            if done is None:
                raise
            return done
        if isinstance(answer, FlowTransition):
            return answer
        return FlowTransition(ref.flow_id, ref.cust_space_id, transition.target, False, answer, dict(seen))

    def delete_flow(
        self, flow_id: str | FlowRef, cust_space_id: str | None = None, *, missing_ok: bool = True
    ) -> FlowDeleted:
        """Delete a DRAFT flow. A flow that is already gone counts as deleted when ``missing_ok``."""
        ref = self.flow_ref(flow_id, cust_space_id)

        def gone(exc: CamsFlowNotFoundError) -> FlowDeleted:
            return FlowDeleted(ref.flow_id, ref.cust_space_id, True, exc.request_id)

        def already_gone() -> FlowDeleted | None:
            try:
                self._get_flow(ref)
            except CamsFlowNotFoundError as exc:
                return gone(exc)
            return None

        try:
            answer = self.call("DeleteFlow", ref.params, reconcile=already_gone)
        except CamsFlowNotFoundError as exc:
            if not missing_ok:
                raise
            return gone(exc)
        if isinstance(answer, FlowDeleted):
            return answer
        return FlowDeleted(ref.flow_id, ref.cust_space_id, False, answer.get("RequestId"))

    # ----------------------------------------------------------------- one call each
    def get_flow(self, flow_id: str | FlowRef, cust_space_id: str | None = None) -> Body:
        """GetFlow; ``Data`` holds the flow including its ``Status``."""
        return self._get_flow(self.flow_ref(flow_id, cust_space_id))

    def _get_flow(self, ref: FlowRef) -> Body:
        body: Body = self.call("GetFlow", ref.params)
        return body

    async def aget_flow(self, flow_id: str | FlowRef, cust_space_id: str | None = None) -> Body:
        """Async GetFlow, for triggers."""
        await self.asettings()
        return await self.acall("GetFlow", self.flow_ref(flow_id, cust_space_id).params)

    def modify_flow(
        self,
        flow_id: str | FlowRef,
        flow_name: str,
        categories: list[str],
        endpoint_uri: str | None = None,
        cust_space_id: str | None = None,
    ) -> Body:
        """ModifyFlow (DRAFT flows only). Setting the same values twice is harmless, so it is retried."""
        return self._modify(
            self.flow_ref(flow_id, cust_space_id),
            check_name("flow_name", flow_name),
            check_categories("categories", categories),
            check_url("endpoint_uri", endpoint_uri) if endpoint_uri is not None else None,
        )

    def _modify(self, ref: FlowRef, name: str, cats: list[str], endpoint_uri: str | None) -> Body:
        """ModifyFlow with checked arguments."""
        params = {**ref.params, "FlowName": name, "Categories": cats, "EndpointUri": endpoint_uri}
        return self.call("ModifyFlow", params)  # type: ignore[no-any-return]

    def update_flow_json_asset(
        self, flow_id: str | FlowRef, file_path: str, cust_space_id: str | None = None
    ) -> Body:
        """UpdateFlowJSONAsset: attach the flow JSON found at the URL ``file_path`` (DRAFT flows only)."""
        return self._attach_json(self.flow_ref(flow_id, cust_space_id), check_url("file_path", file_path))

    def _attach_json(self, ref: FlowRef, file_path: str) -> Body:
        """UpdateFlowJSONAsset with a checked URL."""
        return self.call("UpdateFlowJSONAsset", {**ref.params, "FilePath": file_path})  # type: ignore[no-any-return]

    def get_flow_json_asset(self, flow_id: str | FlowRef, cust_space_id: str | None = None) -> Body:
        """GetFlowJSONAssest (the vendor's spelling): ``Data`` is {FlowId, FilePath}."""
        return self.call(  # type: ignore[no-any-return]
            "GetFlowJSONAssest", self.flow_ref(flow_id, cust_space_id).params
        )

    def get_flow_preview_url(self, flow_id: str | FlowRef, cust_space_id: str | None = None) -> Body:
        """GetFlowPreviewUrl: ``Data`` is {FlowId, PreviewUrl, PreviewUrlExpires (epoch ms)}."""
        return self.call(  # type: ignore[no-any-return]
            "GetFlowPreviewUrl", self.flow_ref(flow_id, cust_space_id).params
        )

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
        name = check_name("flow_name", flow_name) if flow_name is not None else None
        return self._list_page(name, page_index, page_size, self.cust_space(cust_space_id))

    def _list_page(self, name: str | None, index: int, size: int, space: str | None) -> Body:
        return self.call(  # type: ignore[no-any-return]
            "ListFlow", {"FlowName": name, "Page": {"Index": index, "Size": size}, "CustSpaceId": space}
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
        name = check_name("flow_name", flow_name) if flow_name is not None else None
        return self._list_flows(name, self.cust_space(cust_space_id), page_size, max_pages)

    def _list_flows(
        self, name: str | None, space: str | None, page_size: int, max_pages: int = 1000
    ) -> list[dict[str, Any]]:
        flows: list[dict[str, Any]] = []
        for index in range(1, max_pages + 1):
            page = self._list_page(name, index, page_size, space).get("Data") or []
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


def _mask(*secrets: str | None) -> None:
    from airflow.sdk.log import mask_secret

    for secret in secrets:
        if secret:
            mask_secret(secret)
