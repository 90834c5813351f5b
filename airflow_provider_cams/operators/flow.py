"""Operators for the WhatsApp Flow lifecycle in CAMS.

create -> attach JSON / modify (DRAFT) -> publish -> (wait: ``sensors.flow``) -> deprecate, or delete a
DRAFT. Each operator validates its rendered arguments before any request and returns a JSON-safe dict
to XCom. Importing this module imports no Alibaba SDK module and looks up no connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, Context

if TYPE_CHECKING:
    from airflow_provider_cams.hooks.deploy import FlowSpec

from airflow_provider_cams.exceptions import CamsAuthError, CamsConfigError, CamsError, CamsValidationError
from airflow_provider_cams.hooks.cams import FlowRef
from airflow_provider_cams.hooks.json_store import DEFAULT_URL_EXPIRY, JsonStore
from airflow_provider_cams.hooks.results import (
    created_to_xcom,
    deleted_to_xcom,
    flow_to_xcom,
    preview_to_xcom,
    transition_to_xcom,
)
from airflow_provider_cams.operators.base import CamsBaseOperator, FlowOperator, FlowOutcome
from airflow_provider_cams.triggers.publish import publish_start_args, start_args_for
from airflow_provider_cams.utils.mixins import cams_template_fields
from airflow_provider_cams.utils.validation import check_categories, check_int, check_name, check_url


def announce_on_outlets(task: CamsBaseOperator, context: Context, extra: dict[str, Any]) -> None:
    """Put the flow's ids in the ``extra`` of every outlet Asset event, for DAGs scheduled on it."""
    for outlet in task.outlets or ():
        if isinstance(outlet, Asset):
            context["outlet_events"][outlet].extra.update(extra)


class CreateFlowOperator(CamsBaseOperator):
    """Create a WhatsApp Flow (it starts as DRAFT) and push its ``flow_id``.

    The result is pushed both as ``return_value`` and key by key (``multiple_outputs``), so
    ``create.output["flow_id"]`` and ``{{ ti.xcom_pull(task_ids='create', key='flow_id') }}`` both work.

    The flow name identifies the flow across retries: when the task is retried (or a CreateFlow call
    timed out), a flow with the same name and categories is reused instead of creating a duplicate
    (``reused: true`` in the XCom), and several such flows fail the task with their ids. Give flows
    unique names, e.g. with ``{{ run_id }}``.

    With ``outlets=[Asset(...)]`` the asset event's ``extra`` carries ``flow_id``, ``flow_name`` and
    ``cust_space_id``, so a DAG scheduled on the asset knows which flow to publish.

    :param flow_name: name of the flow (templated).
    :param categories: WhatsApp Flow categories, e.g. ``["SIGN_UP"]`` (templated).
    :param endpoint_uri: optional data-exchange endpoint of the flow (templated).
    """

    template_fields: Sequence[str] = cams_template_fields("flow_name", "categories", "endpoint_uri")

    def __init__(
        self,
        *,
        flow_name: str,
        categories: list[str],
        endpoint_uri: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.flow_name = flow_name
        self.categories = categories
        self.endpoint_uri = endpoint_uri

    def execute_cams(self, context: Context) -> dict[str, Any]:
        retried = context["ti"].try_number > 1
        self.log.info(
            "Creating flow %r (categories %s)%s.",
            self.flow_name,
            self.categories,
            "; retry: reusing a flow of that name if the first try created one" if retried else "",
        )
        created = self.hook.create_flow(
            self.flow_name, self.categories, self.endpoint_uri, self.cust_space_id, reuse_existing=retried
        )
        self.persist_links(context, FlowRef(created.flow_id, created.cust_space_id))
        announce_on_outlets(
            self,
            context,
            {
                "flow_id": created.flow_id,
                "flow_name": created.flow_name,
                "cust_space_id": created.cust_space_id,
            },
        )
        self.log.info(
            "%s flow %s (%r), RequestId %s.",
            "Reusing existing" if created.reused else "Created DRAFT",
            created.flow_id,
            created.flow_name,
            created.request_id,
        )
        return created_to_xcom(created)


class PublishFlowOperator(FlowOperator):
    """Publish a WhatsApp Flow (DRAFT -> PUBLISHED) with one CAMS call.

    The first try sends PublishFlow directly: one call per flow against the account's rate. Idempotent
    all the same: a flow that is already PUBLISHED (a re-run) makes CAMS reject the PublishFlow, and a
    GetFlow then explains it, so the task succeeds with ``already_published: true`` and no flow is ever
    published twice; a DEPRECATED flow fails with a message saying why; after a timeout the hook reads
    the flow before re-sending.

    :param flow_id: the flow to publish (templated), e.g. ``create.output["flow_id"]``.
    :param cust_space_id: CustSpaceId (templated); falls back to the connection's.
    :param check_first: read the flow's status (GetFlow) before publishing. ``None`` (the default): only
        when the task is retried (``try_number > 1``), where the first try may already have published
        it. ``True``: always (two calls per flow; a re-run then sends no PublishFlow at all).
        ``False``: never, not even on retries.
    :param start_from_trigger: start in the triggerer, without a worker (Airflow >= 3.3, and
        ``triggerer_slots`` on the connection: :doc:`/rate_limit`); otherwise the task runs on a worker
        as usual. Mapped: ``.partial(start_from_trigger=True)``.
    """

    verb = "Publishing"
    start_trigger_args = publish_start_args()

    def __init__(
        self,
        *,
        flow_id: str,
        check_first: bool | None = None,
        start_from_trigger: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(flow_id=flow_id, **kwargs)
        self.check_first = check_first
        self.start_trigger_args = start_args_for(self) if start_from_trigger else None
        self.start_from_trigger = self.start_trigger_args is not None

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """A task started in the triggerer that a worker finishes (the trigger said why)."""
        event = event or {}
        self.log.info(
            "Continuing on a worker after the triggerer: %s.", event.get("reason", "no reason given")
        )
        if event.get("maybe_sent"):
            self.check_first = True  # a PublishFlow may have gone out: read the flow first
        return self.execute(context)

    def execute_cams(self, context: Context) -> dict[str, Any]:
        self._check_first_now = resolve_check_first(self.check_first, context)
        return super().execute_cams(context)

    def act(self, ref: FlowRef) -> FlowOutcome:
        published = self.hook.publish_flow(ref, check_first=self._check_first_now)
        self.log.info(
            "Flow %s is PUBLISHED%s.",
            ref.flow_id,
            " (it already was: no second PublishFlow applied)" if published.already_done else "",
        )
        return FlowOutcome(transition_to_xcom(published), published.request_id, published.flow)


def resolve_check_first(check_first: bool | None, context: Context) -> bool:
    """``check_first`` for this try: as given, or (None) only when the task is retried."""
    if check_first is not None:
        return bool(check_first)
    return bool(context["ti"].try_number > 1)


class DeprecateFlowOperator(FlowOperator):
    """Deprecate a PUBLISHED flow (PUBLISHED -> DEPRECATED); an already DEPRECATED flow succeeds.

    :param flow_id: the flow (templated).
    """

    verb = "Deprecating"

    def act(self, ref: FlowRef) -> FlowOutcome:
        deprecated = self.hook.deprecate_flow(ref)
        self.log.info(
            "Flow %s is DEPRECATED%s.", ref.flow_id, " (it already was)" if deprecated.already_done else ""
        )
        return FlowOutcome(transition_to_xcom(deprecated), deprecated.request_id, deprecated.flow)


class DeleteFlowOperator(FlowOperator):
    """Delete a DRAFT flow. A flow that no longer exists counts as deleted (re-runs stay green).

    :param flow_id: the flow (templated).
    :param missing_ok: if False, a flow that does not exist fails the task.
    """

    verb = "Deleting"

    def __init__(self, *, flow_id: str, missing_ok: bool = True, **kwargs: Any) -> None:
        super().__init__(flow_id=flow_id, **kwargs)
        self.missing_ok = missing_ok

    def act(self, ref: FlowRef) -> FlowOutcome:
        deleted = self.hook.delete_flow(ref, missing_ok=self.missing_ok)
        if deleted.already_done:
            self.log.warning("Flow %s does not exist (already deleted?); nothing to delete.", ref.flow_id)
        return FlowOutcome(deleted_to_xcom(deleted), deleted.request_id)


class GetFlowOperator(FlowOperator):
    """Read a flow (GetFlow): name, categories, status, JSON version, preview URL...

    :param flow_id: the flow (templated).
    """

    verb = "Reading"

    def act(self, ref: FlowRef) -> FlowOutcome:
        body = self.hook.get_flow(ref)
        flow = flow_to_xcom(body.get("Data") or {})
        self.log.info("Flow %s is %s.", ref.flow_id, flow.get("status"))
        return FlowOutcome(flow, body.get("RequestId"))


class GetFlowPreviewUrlOperator(FlowOperator):
    """Get a flow's preview URL and its expiry (``preview_url_expires``, ISO-8601 UTC).

    The URL is also stored for the task's "Flow preview" extra link.

    :param flow_id: the flow (templated).
    """

    verb = "Getting the preview URL of"

    def act(self, ref: FlowRef) -> FlowOutcome:
        body = self.hook.get_flow_preview_url(ref)
        preview = preview_to_xcom(body.get("Data") or {})
        self.log.info("Preview URL of flow %s expires %s.", ref.flow_id, preview["preview_url_expires"])
        return FlowOutcome(preview, body.get("RequestId"))


class UpdateFlowJSONAssetOperator(FlowOperator):
    """Attach the flow's JSON (UpdateFlowJSONAsset) to a DRAFT flow.

    :param flow_id: the flow (templated).
    :param file_path: URL of the flow JSON file, as CAMS expects it (templated).
    """

    template_fields: Sequence[str] = cams_template_fields("flow_id", "file_path")
    verb = "Attaching JSON to"

    def __init__(self, *, flow_id: str, file_path: str, **kwargs: Any) -> None:
        super().__init__(flow_id=flow_id, **kwargs)
        self.file_path = file_path

    def act(self, ref: FlowRef) -> FlowOutcome:
        body = self.hook.update_flow_json_asset(ref, self.file_path)
        return FlowOutcome({"file_path": self.file_path}, body.get("RequestId"))


class ModifyFlowOperator(FlowOperator):
    """Change a DRAFT flow's name, categories and endpoint (ModifyFlow).

    :param flow_id: the flow (templated).
    :param flow_name: new name (templated).
    :param categories: new categories (templated).
    :param endpoint_uri: new data-exchange endpoint (templated).
    """

    template_fields: Sequence[str] = cams_template_fields(
        "flow_id", "flow_name", "categories", "endpoint_uri"
    )
    verb = "Modifying"

    def __init__(
        self,
        *,
        flow_id: str,
        flow_name: str,
        categories: list[str],
        endpoint_uri: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(flow_id=flow_id, **kwargs)
        self.flow_name = flow_name
        self.categories = categories
        self.endpoint_uri = endpoint_uri

    def act(self, ref: FlowRef) -> FlowOutcome:
        body = self.hook.modify_flow(ref, self.flow_name, self.categories, self.endpoint_uri)
        return FlowOutcome(flow_to_xcom(body.get("Data") or {}), body.get("RequestId"))


class ListFlowsOperator(CamsBaseOperator):
    """List every flow (walking all ListFlow pages), optionally only those with an exact name.

    Returns ``{"flows": [{"flow_id", "flow_name", "categories"}...], "count": n}``. ListFlow reports no
    status: use :class:`GetFlowOperator` for that.

    :param flow_name: only flows with exactly this name (templated).
    :param page_size: flows per ListFlow call (1-100); each page is one call against the rate limit.
    """

    template_fields: Sequence[str] = cams_template_fields("flow_name")

    def __init__(self, *, flow_name: str | None = None, page_size: int = 100, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flow_name = flow_name
        self.page_size = page_size

    def execute_cams(self, context: Context) -> dict[str, Any]:
        space = self.hook.cust_space(self.cust_space_id)
        flows = self.hook.list_flows(self.flow_name, space, page_size=self.page_size)
        self.log.info(
            "Found %d flow(s)%s.",
            len(flows),
            f" named {self.flow_name!r}" if self.flow_name is not None else "",
        )
        return {"flows": [flow_to_xcom(f) for f in flows], "count": len(flows), "cust_space_id": space}


class PublishFlowsOperator(CamsBaseOperator):
    """Publish a list of flows from one task, paced at the task's share of the account's rate.

    One task with ``pool_slots=k`` makes ``k`` calls per second at most (the whole pool: the account's
    full rate), without paying Airflow's per-task start-up for every flow: use it to publish many
    flows fast; use mapped :class:`PublishFlowOperator` tasks when each flow needs its own task
    (separate retries, per-flow downstream tasks). Each flow's result is pushed under its flow id, and
    the task fails at the end, listing them, if any flow failed; a retry skips what is already
    PUBLISHED. Credential, permission and connection errors stop the batch at once (the next flow would
    fail the same way); any other error is recorded for its flow and the batch goes on.

    :param flow_ids: the flows to publish (templated; a list, e.g. from an upstream XCom).
    :param check_first: as for :class:`PublishFlowOperator`: ``None`` (the default) reads each flow
        first only when the task is retried; ``True`` always, ``False`` never.
    """

    template_fields: Sequence[str] = cams_template_fields("flow_ids")

    def __init__(self, *, flow_ids: list[str], check_first: bool | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flow_ids = flow_ids
        self.check_first = check_first

    def execute_cams(self, context: Context) -> dict[str, Any]:
        if isinstance(self.flow_ids, str) or not isinstance(self.flow_ids, (list, tuple)):
            raise CamsValidationError(
                f"flow_ids must be a list of flow ids, got {type(self.flow_ids).__name__}. If it is "
                "templated, render it as a list (render_template_as_native_obj=True) or pass an XComArg."
            )
        if not self.flow_ids:
            raise CamsValidationError("flow_ids is empty: give at least one flow id.")
        space = self.hook.cust_space(self.cust_space_id)
        # Every id is checked before the first request: a bad one fails the batch, not half of it.
        refs = [self.hook.flow_ref(f, space, param=f"flow_ids[{i}]") for i, f in enumerate(self.flow_ids)]
        flows = {ref.flow_id: ref for ref in refs}
        check_first = resolve_check_first(self.check_first, context)
        self.log.info("Publishing %d flow(s), %d slot(s) of the pool.", len(flows), self.pool_slots)
        results: dict[str, dict[str, Any]] = {}
        for flow_id, ref in flows.items():
            try:
                published = self.hook.publish_flow(ref, check_first=check_first)
            except (CamsAuthError, CamsConfigError):
                raise  # the next flow would fail the same way
            except CamsError as exc:
                results[flow_id] = {"status": "FAILED", "error": str(exc)}
                self.log.error("Flow %s failed: %s", flow_id, exc)
            else:
                results[flow_id] = {**transition_to_xcom(published), "request_id": published.request_id}
                self.log.info(
                    "Flow %s is PUBLISHED%s, RequestId %s.",
                    flow_id,
                    " (already was)" if published.already_done else "",
                    published.request_id,
                )
            context["ti"].xcom_push(key=flow_id, value=results[flow_id])
        failed = {f: r["error"] for f, r in results.items() if r["status"] == "FAILED"}
        if failed:
            raise CamsError(
                f"{len(failed)} of {len(flows)} flows failed to publish: "
                + "; ".join(f"{f}: {e}" for f, e in failed.items())
            )
        return {"flows": results, "published": len(results), "cust_space_id": space}


class DeployFlowOperator(CamsBaseOperator):
    """Flows as code: make CAMS hold a published flow with exactly this Flow JSON, idempotently.

    The JSON is validated locally first (every error at once, before any request or upload), hosted in
    ``json_store`` under a content-addressed key with a time-limited signed URL, attached and published.
    The flow is identified by ``flow_name`` in its CustSpaceId: a re-run with the same file only reads
    (no write, no upload); a changed file updates and re-publishes the flow, or, where CAMS refuses to
    update a PUBLISHED flow, replaces it with a new flow and deprecates the old one. Every step is safe
    to retry. Map it over ``cust_space_id`` to deploy one flow to many sub-customers within the pool.

    Returns ``flow_id``, ``action`` (``created``, ``updated``, ``replaced`` or ``unchanged``), ``status``,
    ``sha256`` (of the hosted JSON), ``preview_url`` (when CAMS gives one), ``uploaded`` and
    ``retired_flow_ids``; ``flow_id`` is also pushed as its own key.

    :param flow_name: the flow's name: what identifies it across runs (templated).
    :param categories: WhatsApp Flow categories, e.g. ``["SIGN_UP"]`` (templated).
    :param flow_json: a path to a ``.json`` file (relative paths: from the DAG file's folder), a dict,
        or JSON text (templated).
    :param json_store: where to host the JSON, e.g. ``s3://bucket/whatsapp-flows/`` (templated); any
        object storage Airflow's ``ObjectStoragePath`` can sign URLs for. Alibaba OSS: ``s3://`` with an
        Amazon connection whose ``endpoint_url`` is OSS's S3-compatible endpoint.
    :param json_store_conn_id: the connection for ``json_store`` (templated).
    :param endpoint_uri: the flow's data endpoint, required when the JSON has ``data_api_version``.
    :param publish: publish the flow (default); False leaves it DRAFT with the JSON attached.
    :param deprecate_replaced: deprecate older flows of the same name once the new one is published.
    :param json_url_expiry: seconds the signed URL given to CAMS stays valid.
    """

    template_fields: Sequence[str] = cams_template_fields(
        "flow_name", "categories", "flow_json", "json_store", "json_store_conn_id", "endpoint_uri"
    )
    template_fields_renderers = {"flow_json": "json"}

    def __init__(
        self,
        *,
        flow_name: str,
        categories: list[str],
        flow_json: str | dict[str, Any],
        json_store: str,
        json_store_conn_id: str | None = None,
        endpoint_uri: str | None = None,
        publish: bool = True,
        deprecate_replaced: bool = True,
        json_url_expiry: int = DEFAULT_URL_EXPIRY,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.flow_name = flow_name
        self.categories = categories
        self.flow_json = flow_json
        self.json_store = json_store
        self.json_store_conn_id = json_store_conn_id
        self.endpoint_uri = endpoint_uri
        self.publish = publish
        self.deprecate_replaced = deprecate_replaced
        self.json_url_expiry = json_url_expiry

    def execute_cams(self, context: Context) -> dict[str, Any]:
        from airflow_provider_cams.hooks.deploy import FlowDeployer  # not at DAG parse time

        spec = self._spec()  # every input checked before any request or upload
        expiry = check_int("json_url_expiry", self.json_url_expiry, 60, 7 * 86400)
        store = JsonStore(self.json_store, self.json_store_conn_id, expiry)
        self.log.info(
            "Deploying %s (sha256 %s) as flow %r (CustSpaceId %s).",
            spec.source.origin,
            spec.source.sha256[:12],
            spec.name,
            spec.cust_space_id or "-",
        )
        result = FlowDeployer(self.hook, store, self.log).deploy(spec)
        self.persist_links(
            context, FlowRef(result.flow_id, result.cust_space_id), {"PreviewUrl": result.preview_url}
        )
        self.log.info(
            "Flow %s %s: %s%s.",
            result.flow_id,
            result.action,
            result.status,
            f", retired {result.retired}" if result.retired else "",
        )
        return result.to_xcom()

    def _spec(self) -> FlowSpec:
        # The validator (jsonschema) is imported when the task runs, never at DAG parse time.
        from airflow_provider_cams.flowjson import FlowJsonInvalid
        from airflow_provider_cams.flowjson.source import check_endpoint, load_flow_json
        from airflow_provider_cams.hooks.deploy import FlowSpec

        base_dir = Path(self.dag.fileloc).parent if self.has_dag() and self.dag.fileloc else None
        try:
            source = load_flow_json(self.flow_json, base_dir)
            check_endpoint(source, self.endpoint_uri)
        except FlowJsonInvalid as exc:
            raise CamsValidationError(f"flow_json {_describe(self.flow_json)}: {exc}") from None
        except ValueError as exc:
            raise CamsValidationError(str(exc)) from None
        return FlowSpec(
            name=check_name("flow_name", self.flow_name),
            categories=check_categories("categories", self.categories),
            endpoint_uri=check_url("endpoint_uri", self.endpoint_uri)
            if self.endpoint_uri is not None
            else None,
            cust_space_id=self.hook.cust_space(self.cust_space_id),
            source=source,
            publish=bool(self.publish),
            deprecate_replaced=bool(self.deprecate_replaced),
        )


def _describe(flow_json: Any) -> str:
    """A short name for a flow_json argument in an error: the path, or what kind of value it was."""
    if isinstance(flow_json, str) and not flow_json.lstrip().startswith("{") and len(flow_json) < 300:
        return repr(flow_json)
    return f"(a {type(flow_json).__name__})"
