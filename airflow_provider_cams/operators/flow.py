"""Operators for the WhatsApp Flow lifecycle in CAMS.

create -> attach JSON / modify (DRAFT) -> publish -> (wait: ``sensors.flow``) -> deprecate, or delete a
DRAFT. Each operator validates its rendered arguments before any request and returns a JSON-safe dict
to XCom. Importing this module imports no Alibaba SDK module and looks up no connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, Context

from airflow_provider_cams.exceptions import CamsAuthError, CamsConfigError, CamsError, CamsValidationError
from airflow_provider_cams.operators.base import CamsBaseOperator, FlowOperator, FlowOutcome
from airflow_provider_cams.operators.mixins import cams_template_fields

if TYPE_CHECKING:
    from airflow_provider_cams.hooks.cams import FlowRef

# What only a running task needs (the hook, its results, validation, the deployer) is imported inside
# execute_cams / act: a DAG file that imports this module pays for none of it (docs/architecture.rst).


def __getattr__(name: str) -> Any:
    """``DeployFlowOperator`` lives in :mod:`airflow_provider_cams.operators.deploy`; it is imported from
    here only when asked for, so DAGs that do not deploy flows do not pay for it."""
    if name == "DeployFlowOperator":
        from airflow_provider_cams.operators.deploy import DeployFlowOperator

        return DeployFlowOperator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        from airflow_provider_cams.hooks.cams import FlowRef
        from airflow_provider_cams.hooks.results import created_to_xcom

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


class _StartTriggerArgs:
    """A one-call operator class's ``start_trigger_args``, built on first read (None where Airflow cannot
    start tasks in the triggerer). Airflow keeps ``StartTriggerArgs`` in ``airflow.triggers.base``: a DAG
    file need not import it (the DAG processor has it already when it serializes the task)."""

    def __init__(self, action: str) -> None:
        self.action = action

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        from airflow_provider_cams.triggers.flow_action import action_start_args

        return action_start_args(self.action)


class OneCallFlowOperator(FlowOperator):
    """A flow operator that can start in the triggerer: its ``act`` is its ``action`` in ``ACTIONS`` of
    :mod:`airflow_provider_cams.triggers.flow_action`, the same function on a worker and in the
    triggerer, so both paths push the same XComs.

    Subclasses set ``action`` and ``start_trigger_args = _StartTriggerArgs(action)``, and call
    :meth:`start_in_triggerer` at the end of ``__init__`` (once their own arguments are set).
    """

    action = ""
    start_trigger_args: Any = None

    def start_in_triggerer(self, start_from_trigger: bool) -> None:
        """Start this task in the triggerer if asked and possible (Airflow >= 3.3, a plain flow_id)."""
        if start_from_trigger:
            from airflow_provider_cams.triggers.flow_action import start_args_for

            self.start_trigger_args = start_args_for(self)
        else:
            self.start_trigger_args = None
        self.start_from_trigger = self.start_trigger_args is not None

    def action_arguments(self, context: Context) -> dict[str, Any]:
        """The action's own arguments for this try."""
        return {}

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """A task started in the triggerer that a worker finishes (the trigger said why)."""
        event = event or {}
        self.log.info(
            "Continuing on a worker after the triggerer: %s.", event.get("reason", "no reason given")
        )
        if event.get("maybe_sent"):
            self.resume_after_maybe_sent()
        return self.execute(context)

    def resume_after_maybe_sent(self) -> None:
        """The trigger may have sent the call: make the worker's try safe to repeat it (the hook already
        explains a refusal by reading the flow)."""

    def act(self, ref: FlowRef, context: Context) -> FlowOutcome:
        from airflow_provider_cams.triggers.flow_action import action_named

        result = action_named(self.action).run(self.hook, ref, self.action_arguments(context), self.log)
        return FlowOutcome(*result)


class PublishFlowOperator(OneCallFlowOperator):
    """Publish a WhatsApp Flow (DRAFT -> PUBLISHED) with one CAMS call.

    The first try sends PublishFlow directly: one call per flow against the account's rate. Idempotent
    all the same: a flow that is already PUBLISHED (a re-run) makes CAMS refuse the PublishFlow, and a
    GetFlow then explains it, whatever code (documented or not) and HTTP form CAMS refused it with, so
    the task succeeds with ``already_published: true`` and no flow is ever published twice; a
    DEPRECATED flow fails at once, and any other refusal fails with CAMS's code, message and request id
    and the flow's observed status; after a timeout the hook reads the flow before re-sending.

    :param flow_id: the flow to publish (templated), e.g. ``create.output["flow_id"]``.
    :param cust_space_id: CustSpaceId (templated); falls back to the connection's.
    :param check_first: read the flow's status (GetFlow) before publishing. ``None`` (the default): only
        when the task is retried (``try_number > 1``), where the first try may already have published
        it. ``True``: always (two calls per flow; a re-run then sends no PublishFlow at all).
        ``False``: never, not even on retries.
    :param start_from_trigger: start in the triggerer, without a worker (Airflow >= 3.3, and
        ``rate_store`` or ``triggerer_slots`` on the connection: :doc:`/rate_limit`); otherwise on a worker
        as usual. Mapped: ``.partial(start_from_trigger=True)``.
    """

    verb = "Publishing"
    action = "publish"
    start_trigger_args = _StartTriggerArgs("publish")

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
        self.start_in_triggerer(start_from_trigger)

    def resume_after_maybe_sent(self) -> None:
        self.check_first = True  # a PublishFlow may have gone out: read the flow first

    def action_arguments(self, context: Context) -> dict[str, Any]:
        return {"check_first": resolve_check_first(self.check_first, context)}


def resolve_check_first(check_first: bool | None, context: Context) -> bool:
    """``check_first`` for this try: as given, or (None) only when the task is retried."""
    if check_first is not None:
        return bool(check_first)
    return bool(context["ti"].try_number > 1)


class DeprecateFlowOperator(OneCallFlowOperator):
    """Deprecate a PUBLISHED flow (PUBLISHED -> DEPRECATED); an already DEPRECATED flow succeeds.

    :param flow_id: the flow (templated).
    :param start_from_trigger: start in the triggerer, without a worker, as for
        :class:`PublishFlowOperator` (Airflow >= 3.3 and ``rate_store`` or ``triggerer_slots``).
    """

    verb = "Deprecating"
    action = "deprecate"
    start_trigger_args = _StartTriggerArgs("deprecate")

    def __init__(self, *, flow_id: str, start_from_trigger: bool = False, **kwargs: Any) -> None:
        super().__init__(flow_id=flow_id, **kwargs)
        self.start_in_triggerer(start_from_trigger)


class DeleteFlowOperator(OneCallFlowOperator):
    """Delete a DRAFT flow. A flow that no longer exists counts as deleted (re-runs stay green).

    :param flow_id: the flow (templated).
    :param missing_ok: if False, a flow that does not exist fails the task.
    :param start_from_trigger: start in the triggerer, without a worker, as for
        :class:`PublishFlowOperator` (Airflow >= 3.3 and ``rate_store`` or ``triggerer_slots``).
    """

    verb = "Deleting"
    action = "delete"
    start_trigger_args = _StartTriggerArgs("delete")

    def __init__(
        self, *, flow_id: str, missing_ok: bool = True, start_from_trigger: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(flow_id=flow_id, **kwargs)
        self.missing_ok = missing_ok
        self.start_in_triggerer(start_from_trigger)

    def action_arguments(self, context: Context) -> dict[str, Any]:
        return {"missing_ok": self.missing_ok}


class GetFlowOperator(FlowOperator):
    """Read a flow (GetFlow): name, categories, status, JSON version, preview URL...

    :param flow_id: the flow (templated).
    """

    verb = "Reading"

    def act(self, ref: FlowRef, context: Context) -> FlowOutcome:
        from airflow_provider_cams.hooks.results import flow_to_xcom

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

    def act(self, ref: FlowRef, context: Context) -> FlowOutcome:
        from airflow_provider_cams.hooks.results import preview_to_xcom

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

    def act(self, ref: FlowRef, context: Context) -> FlowOutcome:
        body = self.draft_only(ref, lambda: self.hook.update_flow_json_asset(ref, self.file_path))
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

    def act(self, ref: FlowRef, context: Context) -> FlowOutcome:
        from airflow_provider_cams.hooks.results import flow_to_xcom

        body = self.draft_only(
            ref, lambda: self.hook.modify_flow(ref, self.flow_name, self.categories, self.endpoint_uri)
        )
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
        from airflow_provider_cams.hooks.results import flow_to_xcom

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
        from airflow_provider_cams.hooks.results import transition_to_xcom

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
