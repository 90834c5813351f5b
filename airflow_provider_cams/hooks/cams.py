"""CamsHook: the CAMS connection, its signed client, and the flow lifecycle as idempotent methods.

Every call goes through one pipeline (:mod:`airflow_provider_cams.hooks.transport`): action + params ->
checked response body, or a typed error from :mod:`airflow_provider_cams.exceptions`. The lifecycle
methods return typed results (:mod:`airflow_provider_cams.hooks.results`) that keep the vendor's body
apart from the provider's own facts. Inputs are validated once, here, where they enter the hook.
The SDK is imported when the first client is built, never at module import, so DAG parsing stays cheap.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook

from airflow_provider_cams import __version__
from airflow_provider_cams.exceptions import (
    CamsApiError,
    CamsDuplicateFlowError,
    CamsError,
    CamsFlowNotFoundError,
    CamsFlowStateError,
    needs_explaining,
)
from airflow_provider_cams.hooks.connection import CamsConnectionSettings, raw_extra
from airflow_provider_cams.hooks.observed import Observation, is_listed, observe
from airflow_provider_cams.hooks.refs import FlowRef
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
from airflow_provider_cams.utils.connection_form import DEFAULT_CONN_ID
from airflow_provider_cams.utils.rate import CallPacer, Pacer
from airflow_provider_cams.utils.rate_store import StorePacer, store_pacer
from airflow_provider_cams.utils.validation import (
    check_categories,
    check_id,
    check_int,
    check_name,
    check_url,
)
from airflow_provider_cams.vendor.actions import PUBLISHED_STATUSES, STATUS_TRANSITIONS

if TYPE_CHECKING:
    from alibabacloud_tea_openapi.client import Client

# FlowRef is defined (and documented) in hooks/refs.py; importing it from here keeps working.
__all__ = ["Body", "CamsHook"]


class CamsHook(BaseHook):
    """Interact with Alibaba Cloud CAMS WhatsApp Flows.

    :param cams_conn_id: the ``cams`` connection (AccessKey ID as login, AccessKey Secret as password).
    :param max_attempts: attempts per call, retries of throttling, 5xx and network errors included.
    :param initial_wait: first backoff wait in seconds (doubles, with jitter, up to ``max_wait``).
    :param max_wait: longest single backoff wait in seconds.
    :param retry_budget: seconds after which a call stops retrying.
    :param pool: the Airflow pool the calling task runs in. When given, calls are paced so that the
        account's pool guarantees its rate limit (see :mod:`airflow_provider_cams.utils.rate`); operators pass
        their own. Without it nothing is paced, unless the connection names a ``rate_store`` (then every
        call of the account is paced through it).
    :param pool_slots: the pool slots the calling task holds (its share of the account's rate).
    :param pacer: an explicit pacer, instead of the one derived from ``pool``.
    """

    conn_name_attr = "cams_conn_id"
    default_conn_name = DEFAULT_CONN_ID
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

    def pool_pacer(self) -> CallPacer | StorePacer:
        """The pacer of a task in the account's pool: each API at its own limit (or one shared budget);
        with a ``rate_store``, the account's one budget shared by every process (pool or not)."""
        s = self.settings
        if s.rate_store and s.pacing:
            budget, timeout = s.rate_budget, s.connect_timeout + s.read_timeout
            self.log.info("Pacing account %r's CAMS calls by its rate store: %s.", s.pool, budget.describe())
            return store_pacer(s.rate_store, s.pool, budget, timeout=timeout)
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
        """Check a flow id and its CustSpaceId once.

        A :class:`~airflow_provider_cams.hooks.refs.FlowRef` passes through as it is.

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
        ignore: Collection[str] = (),
    ) -> FlowCreated:
        """CreateFlow, without ever making a duplicate.

        The flow name is what identifies a flow across retries. After an ambiguous failure, and
        before the first attempt when ``reuse_existing`` (operators set it on task retries), the hook
        looks for a flow with this exact name and categories: one match is reused (``reused=True``)
        instead of creating a duplicate; several matches fail with their ids. Flows in ``ignore``
        (ones the caller already knows, e.g. the flow a deployment replaces) are never reused.
        """
        name = check_name("flow_name", flow_name)
        cats = check_categories("categories", categories)
        space = self.cust_space(cust_space_id)
        params = {
            "FlowName": name,
            "Categories": cats,
            "EndpointUri": check_url("endpoint_uri", endpoint_uri) if endpoint_uri is not None else None,
            "CustSpaceId": space,
        }

        def existing() -> FlowCreated | None:
            # ListFlow's name filter may match more than the exact name (undocumented): check here.
            matches = [
                f
                for f in self.list_flows(name, space)
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
        directly (one call less); the operators do that on a task's first try and check first on its
        retries. Whatever code CAMS refuses it with, the refusal is explained by reading the flow
        (``hooks/observed.py``): already PUBLISHED is success
        (``already_done``); otherwise the task fails with CAMS's code, message and request id and what
        was observed. A PublishFlow whose outcome is unknown (timeout, dropped connection, 5xx) is
        re-sent only after GetFlow says the flow is still not PUBLISHED.
        """
        return self._transition("PublishFlow", self.flow_ref(flow_id, cust_space_id), check_first)

    def deprecate_flow(self, flow_id: str | FlowRef, cust_space_id: str | None = None) -> FlowTransition:
        """Deprecate a flow (PUBLISHED -> DEPRECATED), idempotently: an already DEPRECATED flow is
        success (see :meth:`publish_flow` for how a refusal is explained)."""
        return self._transition("DeprecateFlow", self.flow_ref(flow_id, cust_space_id), False)

    def _transition(self, action: str, ref: FlowRef, check_first: bool) -> FlowTransition:
        transition = STATUS_TRANSITIONS[action]
        # A THROTTLED flow is published (its delivery limited): publishing it again is already done.
        targets = PUBLISHED_STATUSES if transition.target == "PUBLISHED" else {transition.target}
        last: dict[str, Any] = {}  # the flow as GetFlow last showed it before sending (for preview links)

        def reached(seen: Observation) -> FlowTransition:
            body = {"RequestId": seen.request_id, "Data": seen.flow}
            return FlowTransition(ref.flow_id, ref.cust_space_id, transition.target, True, body, seen.flow)

        def done_already() -> FlowTransition | None:
            """Before sending, and after an ambiguous failure: the target reached, the source, or a stop."""
            seen = observe(self, ref)
            last.update(seen.flow)
            if seen.status in targets:
                return reached(seen)
            if seen.status == transition.source:
                return None
            if seen.read_error is not None:
                raise seen.read_error.explained(seen.describe(), _unread_type(seen))
            raise CamsFlowStateError(
                action=action,
                code=None,
                message=f"Flow {ref.flow_id} is {seen.status}: {transition.explain}",
                request_id=seen.request_id,
                observed=seen.describe(),
            )

        if check_first:
            done = done_already()
            if done is not None:
                return done
        try:
            answer = self.call(action, ref.params, reconcile=done_already)
        except CamsApiError as exc:
            if not needs_explaining(exc):
                raise
            seen = observe(self, ref)  # CAMS's code says nothing documented: the flow's state decides
            if seen.status in targets:
                self.log.info(
                    "CAMS refused %s (%s, RequestId %s) because flow %s already is %s.",
                    action,
                    exc.code,
                    exc.request_id,
                    ref.flow_id,
                    seen.status,
                )
                return reached(seen)
            if seen.status is not None and seen.status != transition.source:
                observed = f"{seen.describe()}: {transition.explain}"
                raise exc.explained(observed, CamsFlowStateError) from None
            raise exc.explained(seen.describe(), _unread_type(seen)) from None
        if isinstance(answer, FlowTransition):
            return answer
        return FlowTransition(ref.flow_id, ref.cust_space_id, transition.target, False, answer, dict(last))

    def delete_flow(
        self, flow_id: str | FlowRef, cust_space_id: str | None = None, *, missing_ok: bool = True
    ) -> FlowDeleted:
        """Delete a DRAFT flow. A flow that is already gone counts as deleted when ``missing_ok``.

        "Gone" is observed, never read from an error code: ListFlow of the flow's CustSpaceId does not
        list it. Any other refusal fails with CAMS's code, message and request id and the flow's status.
        """
        ref = self.flow_ref(flow_id, cust_space_id)

        def already_gone() -> FlowDeleted | None:  # after an ambiguous failure: did the delete happen?
            return None if is_listed(self, ref) else FlowDeleted(ref.flow_id, ref.cust_space_id, True, None)

        try:
            answer = self.call("DeleteFlow", ref.params, reconcile=already_gone)
        except CamsApiError as exc:
            if not needs_explaining(exc):
                raise
            seen = observe(self, ref)
            if seen.gone:
                if not missing_ok:
                    raise exc.explained(seen.describe(), CamsFlowNotFoundError) from None
                self.log.info(
                    "CAMS refused DeleteFlow (%s, RequestId %s): flow %s is not listed, so it is gone.",
                    exc.code,
                    exc.request_id,
                    ref.flow_id,
                )
                return FlowDeleted(ref.flow_id, ref.cust_space_id, True, exc.request_id)
            if seen.status not in (None, "DRAFT"):
                observed = f"{seen.describe()}: only DRAFT flows can be deleted; deprecate a published one"
                raise exc.explained(observed, CamsFlowStateError) from None
            raise exc.explained(seen.describe()) from None
        if isinstance(answer, FlowDeleted):
            return answer
        return FlowDeleted(ref.flow_id, ref.cust_space_id, False, answer.get("RequestId"))

    # ----------------------------------------------------------------- one call each
    def get_flow(self, flow_id: str | FlowRef, cust_space_id: str | None = None) -> Body:
        """GetFlow; ``Data`` holds the flow including its ``Status``."""
        body: Body = self.call("GetFlow", self.flow_ref(flow_id, cust_space_id).params)
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
        params = {
            **self.flow_ref(flow_id, cust_space_id).params,
            "FlowName": check_name("flow_name", flow_name),
            "Categories": check_categories("categories", categories),
            "EndpointUri": check_url("endpoint_uri", endpoint_uri) if endpoint_uri is not None else None,
        }
        return self.call("ModifyFlow", params)  # type: ignore[no-any-return]

    def update_flow_json_asset(
        self, flow_id: str | FlowRef, file_path: str, cust_space_id: str | None = None
    ) -> Body:
        """UpdateFlowJSONAsset: attach the flow JSON found at the URL ``file_path`` (DRAFT flows only)."""
        params = {
            **self.flow_ref(flow_id, cust_space_id).params,
            "FilePath": check_url("file_path", file_path),
        }
        return self.call("UpdateFlowJSONAsset", params)  # type: ignore[no-any-return]

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

    def list_flows(
        self,
        flow_name: str | None = None,
        cust_space_id: str | None = None,
        page_size: int = 100,
        max_pages: int = 1000,
    ) -> list[dict[str, Any]]:
        """Every flow (optionally with this exact name), walking ListFlow pages until a short page."""
        size = check_int("page_size", page_size, 1, 100)
        params = {
            "FlowName": check_name("flow_name", flow_name) if flow_name is not None else None,
            "CustSpaceId": self.cust_space(cust_space_id),
        }
        flows: list[dict[str, Any]] = []
        for index in range(1, max_pages + 1):
            page = self.call("ListFlow", {**params, "Page": {"Index": index, "Size": size}}).get("Data") or []
            flows.extend(page)
            if len(page) < size:
                return flows
        raise CamsError(f"ListFlow returned more than {max_pages} pages of {size}; narrow it by flow_name.")

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


def _unread_type(seen: Observation) -> type[CamsApiError] | None:
    """A flow that cannot be read and is not listed is missing; otherwise the refusal keeps its type."""
    return CamsFlowNotFoundError if seen.gone else None


def _mask(*secrets: str | None) -> None:
    from airflow.sdk.log import mask_secret

    for secret in secrets:
        if secret:
            mask_secret(secret)
