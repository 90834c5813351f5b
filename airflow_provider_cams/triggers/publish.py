"""PublishFlowTrigger: a ``PublishFlowOperator`` task started in the triggerer, with no worker at all.

Airflow (>= 3.3 here, ``utils/compat.py``) can start a deferrable task directly in
the triggerer (``start_from_trigger``): the scheduler defers it from ``DagRun.schedule_tis``, so it pays
no worker process start, but it also never passes the scheduler's pool check. Its calls are therefore
paced by the account's ``rate_store`` (connection extra: the account's one budget, every slot shared
with the workers, :mod:`airflow_provider_cams.utils.rate_store`), or else by its ``triggerer_slots``,
shared by every trigger of the account in this triggerer
(:func:`airflow_provider_cams.utils.rate.triggerer_pacer`) while the pool keeps the other slots: no API
goes above its own limit.

The trigger publishes through the hook's own ``publish_flow`` (the same idempotency: one PublishFlow on
a first try, GetFlow first on a retry, a refusal explained by GetFlow), in a thread, and ends the task
itself with its XComs (``TaskSuccessEvent``). Whenever it cannot finish the task cleanly (neither
``rate_store`` nor ``triggerer_slots`` on the connection, arguments it cannot resolve here, any error)
it hands the task to a worker instead (a plain event: the operator's ``execute_complete`` runs the
usual path, reading the flow first if a PublishFlow may have been sent), so nothing is lost and nothing
is published twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TaskSuccessEvent, TriggerEvent

from airflow_provider_cams.links.flow import CamsFlowConsoleLink, CamsFlowPreviewLink, console_flow_url
from airflow_provider_cams.utils.compat import start_trigger_args
from airflow_provider_cams.utils.connection_form import DEFAULT_CONN_ID

if TYPE_CHECKING:  # the hook is imported when the trigger runs: PublishFlowOperator imports this module
    from airflow_provider_cams.hooks.refs import FlowRef

# Keyword arguments of PublishFlowOperator the trigger needs, as they appear in a mapped task's
# partial_kwargs (an unmapped task passes them in the trigger's kwargs).
TASK_ARGUMENTS = ("flow_id", "cust_space_id", "cams_conn_id", "hook_params", "check_first")
RESUME = "resume"  # the event status that hands the task to a worker

# A deployment without a triggerer must not leave such tasks deferred forever: after this long the
# scheduler fails the task ("Trigger timeout"), and its retries apply.
START_TIMEOUT = timedelta(minutes=15)
TRIGGER_CLASS = "airflow_provider_cams.triggers.publish.PublishFlowTrigger"

_EXECUTOR: ThreadPoolExecutor | None = None
_EXECUTOR_LOCK = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """The threads the triggerer's CAMS calls block in (the pacer waits there, not in the event loop)."""
    global _EXECUTOR
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(max_workers=8, thread_name_prefix="cams-publish")
        return _EXECUTOR


class PublishFlowTrigger(BaseTrigger):
    """Publish one flow from the triggerer and end its task (see the module doc).

    :param flow_id: the flow (rendered by the triggerer); None for a mapped task, whose map index's
        value is read from the task here.
    :param cust_space_id: CustSpaceId, as on the operator.
    :param cams_conn_id: the ``cams`` connection.
    :param hook_params: extra :class:`~airflow_provider_cams.hooks.cams.CamsHook` arguments.
    :param check_first: as on the operator (None: GetFlow first only on a retry).
    """

    template_fields = ("flow_id", "cust_space_id", "cams_conn_id")

    def __init__(
        self,
        *,
        flow_id: str | None = None,
        cust_space_id: str | None = None,
        cams_conn_id: str = DEFAULT_CONN_ID,
        hook_params: dict[str, Any] | None = None,
        check_first: bool | None = None,
    ) -> None:
        super().__init__()
        self.flow_id = flow_id
        self.cust_space_id = cust_space_id
        self.cams_conn_id = cams_conn_id
        self.hook_params = hook_params or {}
        self.check_first = check_first

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", {
            "flow_id": self.flow_id,
            "cust_space_id": self.cust_space_id,
            "cams_conn_id": self.cams_conn_id,
            "hook_params": self.hook_params,
            "check_first": self.check_first,
        }

    async def run(self) -> AsyncIterator[TriggerEvent]:
        loop = asyncio.get_running_loop()
        try:
            event = await loop.run_in_executor(_executor(), self._publish)
        except Exception as exc:  # the worker decides with a fresh look at the flow
            self.log.warning("Publishing from the triggerer failed (%s); a worker takes over.", exc)
            event = TriggerEvent({"status": RESUME, "reason": str(exc), "maybe_sent": True})
        yield event

    # ------------------------------------------------------------------ in the executor's thread
    def _publish(self) -> TriggerEvent:
        from airflow_provider_cams.hooks.cams import CamsHook
        from airflow_provider_cams.utils.rate import triggerer_pacer

        args = self._arguments()
        if args is None:
            return _resume("this mapped task's arguments cannot be read in the triggerer")
        hook = CamsHook(args["cams_conn_id"], **(args["hook_params"] or {}))
        settings = hook.settings
        if settings.rate_store:  # the account's whole budget, shared with its workers
            hook.pacer = hook.pool_pacer()
        elif settings.rate_budget.triggerer_slots:
            hook.pacer = triggerer_pacer(settings.pool, settings.rate_budget)
        else:
            return _resume(f"connection {hook.cams_conn_id!r} has neither a rate_store nor triggerer_slots")
        ref = hook.flow_ref(args["flow_id"], args["cust_space_id"])
        ti: Any = self.task_instance  # the triggerer's RuntimeTaskInstance (with .task) on 3.3
        check_first = args["check_first"] if args["check_first"] is not None else ti.try_number > 1
        self.log.info(
            "Publishing flow %s from the triggerer (CustSpaceId %s).", ref.flow_id, ref.cust_space_id
        )
        published = hook.publish_flow(ref, check_first=check_first)
        return TaskSuccessEvent(xcoms=_xcoms(ref, published))

    def _arguments(self) -> dict[str, Any] | None:
        """The task's arguments: the trigger's own, or for a mapped task its map index's (None: unknown)."""
        own = {name: getattr(self, name) for name in TASK_ARGUMENTS}
        ti: Any = self.task_instance  # the triggerer's RuntimeTaskInstance (with .task) on 3.3
        if self.flow_id is not None:
            return own
        task = getattr(ti, "task", None)
        expand = getattr(task, "expand_input", None)
        if expand is None or ti.map_index < 0 or set(expand.value) != {"flow_id"}:
            return None
        values = expand.value["flow_id"]
        if not isinstance(values, (list, tuple)):
            values = _upstream_list(values, ti)
        if values is None or ti.map_index >= len(values):
            return None
        partial = getattr(task, "partial_kwargs", {})
        args = {
            **own,
            **{k: partial[k] for k in TASK_ARGUMENTS if k in partial},
            "flow_id": values[ti.map_index],
        }
        if any(isinstance(v, str) and "{" in v for v in args.values()):
            return None  # a template only a worker renders
        return args


def _upstream_list(arg: Any, ti: Any) -> list[Any] | None:
    """The list an unmapped upstream task returned (a mapped task's ``expand(flow_id=upstream)``)."""
    from airflow.sdk.execution_time.xcom import XCom

    operator, key = getattr(arg, "operator", None), getattr(arg, "key", None)
    if operator is None or key is None or getattr(operator, "is_mapped", False):
        return None
    value = XCom.get_one(key=key, dag_id=ti.dag_id, task_id=operator.task_id, run_id=ti.run_id, map_index=-1)
    return list(value) if isinstance(value, (list, tuple)) else None


def _resume(reason: str) -> TriggerEvent:
    return TriggerEvent({"status": RESUME, "reason": reason, "maybe_sent": False})


def _xcoms(ref: FlowRef, published: Any) -> dict[str, Any]:
    """What the operator pushes on a worker: its result, and its extra links."""
    from airflow_provider_cams.hooks.results import flow_task_xcom, transition_to_xcom

    flow = published.flow or {}
    return {
        "return_value": flow_task_xcom(ref, transition_to_xcom(published), published.request_id),
        CamsFlowConsoleLink.key: console_flow_url(ref.flow_id, ref.cust_space_id),
        CamsFlowPreviewLink.key: str(flow.get("PreviewUrl") or ""),
    }


def publish_start_args() -> Any:
    """``PublishFlowOperator.start_trigger_args``: None where Airflow cannot start tasks in the triggerer."""
    return start_trigger_args(TRIGGER_CLASS, "execute_complete", START_TIMEOUT)


def start_args_for(operator: Any) -> Any:
    """The start arguments of one (unmapped) operator with ``start_from_trigger=True``, or None when it
    must start on a worker: an Airflow without the feature, or a ``flow_id`` that is another task's
    output (the triggerer renders templates, but cannot resolve an XComArg)."""
    base = type(operator).start_trigger_args
    if base is None:
        operator.log.warning(
            "start_from_trigger needs Airflow >= 3.3; %s starts on a worker.", operator.task_id
        )
        return None
    if not isinstance(operator.flow_id, str):
        operator.log.info("%s: flow_id comes from another task; it starts on a worker.", operator.task_id)
        return None
    kwargs = {name: getattr(operator, name) for name in TASK_ARGUMENTS}
    return dataclasses.replace(base, trigger_kwargs=kwargs)
