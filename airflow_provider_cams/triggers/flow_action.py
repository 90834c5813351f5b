"""FlowActionTrigger: a one-call flow operator's task (publish, deprecate, delete) started in the triggerer.

Airflow (>= 3.3 here, ``utils/compat.py``) can start a deferrable task directly in
the triggerer (``start_from_trigger``): the scheduler defers it from ``DagRun.schedule_tis``, so it pays
no worker process start, but it also never passes the scheduler's pool check. Its calls are therefore
paced by the account's ``rate_store`` (connection extra: the account's one budget, every slot shared
with the workers, :mod:`airflow_provider_cams.utils.rate_store`), or else by its ``triggerer_slots``,
shared by every trigger of the account in this triggerer
(:func:`airflow_provider_cams.utils.rate.triggerer_pacer`) while the pool keeps the other slots: no API
goes above its own limit.

The trigger acts through the same function as the operator's ``act`` on a worker (``ACTIONS``: the
hook's ``publish_flow``, ``deprecate_flow`` or ``delete_flow``, with the same idempotency: GetFlow
first on a publish's retry, a refusal explained by reading the flow, "gone" decided by ListFlow), in a
thread, and ends the task itself with the XComs a worker pushes (``TaskSuccessEvent``). Whenever it
cannot finish the task cleanly (neither ``rate_store`` nor ``triggerer_slots`` on the connection,
arguments it cannot resolve here, any error) it hands the task to a worker instead (a plain event: the
operator's ``execute_complete`` runs the usual path, reading the flow first if a call may have been
sent), so nothing is lost and nothing is done twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from airflow.triggers.base import BaseTrigger, TaskSuccessEvent, TriggerEvent

from airflow_provider_cams.links.flow import CamsFlowConsoleLink, CamsFlowPreviewLink, console_flow_url
from airflow_provider_cams.utils.compat import start_trigger_args
from airflow_provider_cams.utils.connection_form import DEFAULT_CONN_ID

if TYPE_CHECKING:  # imported when the trigger runs: the operators import this module at DAG parsing
    from airflow_provider_cams.hooks.cams import CamsHook
    from airflow_provider_cams.hooks.refs import FlowRef

# Keyword arguments every one-call flow operator has, as they appear in a mapped task's partial_kwargs
# (an unmapped task passes them in the trigger's kwargs).
COMMON_ARGUMENTS = ("flow_id", "cust_space_id", "cams_conn_id", "hook_params")
RESUME = "resume"  # the event status that hands the task to a worker

# A deployment without a triggerer must not leave such tasks deferred forever: after this long the
# scheduler fails the task ("Trigger timeout"), and its retries apply.
START_TIMEOUT = timedelta(minutes=15)
TRIGGER_CLASS = "airflow_provider_cams.triggers.flow_action.FlowActionTrigger"

_EXECUTOR: ThreadPoolExecutor | None = None
_EXECUTOR_LOCK = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """The threads the triggerer's CAMS calls block in (the pacer waits there, not in the event loop)."""
    global _EXECUTOR
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(max_workers=8, thread_name_prefix="cams-flow-action")
        return _EXECUTOR


# ------------------------------------------------------------------ the actions, shared with the operators
class ActionResult(NamedTuple):
    """What an action gives: XCom fields, the RequestId, the flow if read (the fields of the operators'
    ``FlowOutcome``, which this layer cannot import)."""

    xcom: dict[str, Any]
    request_id: str | None
    flow: dict[str, Any]


def publish(hook: CamsHook, ref: FlowRef, args: dict[str, Any], log: Any) -> ActionResult:
    """PublishFlow (``args["check_first"]``: a bool, already resolved for this try)."""
    from airflow_provider_cams.hooks.results import transition_to_xcom

    published = hook.publish_flow(ref, check_first=bool(args["check_first"]))
    log.info(
        "Flow %s is PUBLISHED%s.",
        ref.flow_id,
        " (it already was: no second PublishFlow applied)" if published.already_done else "",
    )
    return ActionResult(transition_to_xcom(published), published.request_id, published.flow)


def deprecate(hook: CamsHook, ref: FlowRef, args: dict[str, Any], log: Any) -> ActionResult:
    """DeprecateFlow (an already DEPRECATED flow is success)."""
    from airflow_provider_cams.hooks.results import transition_to_xcom

    deprecated = hook.deprecate_flow(ref)
    log.info("Flow %s is DEPRECATED%s.", ref.flow_id, " (it already was)" if deprecated.already_done else "")
    return ActionResult(transition_to_xcom(deprecated), deprecated.request_id, deprecated.flow)


def delete(hook: CamsHook, ref: FlowRef, args: dict[str, Any], log: Any) -> ActionResult:
    """DeleteFlow; "gone" is decided by ListFlow in the hook (``args["missing_ok"]``)."""
    from airflow_provider_cams.hooks.results import deleted_to_xcom

    deleted = hook.delete_flow(ref, missing_ok=bool(args["missing_ok"]))
    if deleted.already_done:
        log.warning("Flow %s does not exist (already deleted?); nothing to delete.", ref.flow_id)
    return ActionResult(deleted_to_xcom(deleted), deleted.request_id, {})


@dataclasses.dataclass(frozen=True)
class FlowAction:
    """One one-call flow action: its operator's own arguments (besides ``COMMON_ARGUMENTS``) and
    what it sends."""

    arguments: tuple[str, ...]
    # run(hook, ref, the action's arguments, a logger: the operator's or the trigger's, of different types)
    run: Callable[[CamsHook, FlowRef, dict[str, Any], Any], ActionResult]


ACTIONS: dict[str, FlowAction] = {
    "publish": FlowAction(("check_first",), publish),
    "deprecate": FlowAction((), deprecate),
    "delete": FlowAction(("missing_ok",), delete),
}


def action_named(action: str) -> FlowAction:
    try:
        return ACTIONS[action]
    except KeyError:
        raise ValueError(f"Unknown flow action {action!r}: use one of {sorted(ACTIONS)}.") from None


def task_arguments(action: str) -> tuple[str, ...]:
    """Every keyword argument of the action's operator the trigger needs."""
    return COMMON_ARGUMENTS + action_named(action).arguments


def task_xcoms(ref: FlowRef, outcome: ActionResult) -> dict[str, Any]:
    """What ``FlowOperator.execute_cams`` pushes on a worker: its result, and its extra links."""
    from airflow_provider_cams.hooks.results import flow_task_xcom

    seen = {**outcome.flow, **outcome.xcom}
    return {
        "return_value": flow_task_xcom(ref, outcome.xcom, outcome.request_id),
        CamsFlowConsoleLink.key: console_flow_url(ref.flow_id, ref.cust_space_id),
        CamsFlowPreviewLink.key: str(seen.get("PreviewUrl") or seen.get("preview_url") or ""),
    }


class FlowActionTrigger(BaseTrigger):
    """Publish, deprecate or delete one flow from the triggerer and end its task (see the module doc).

    :param action: ``"publish"``, ``"deprecate"`` or ``"delete"`` (``ACTIONS``).
    :param flow_id: the flow (rendered by the triggerer); None for a mapped task, whose map index's
        value is read from the task here.
    :param cust_space_id: CustSpaceId, as on the operator.
    :param cams_conn_id: the ``cams`` connection.
    :param hook_params: extra :class:`~airflow_provider_cams.hooks.cams.CamsHook` arguments.
    :param check_first: publish only, as on the operator (None: GetFlow first only on a retry).
    :param missing_ok: delete only, as on the operator.
    """

    template_fields = ("flow_id", "cust_space_id", "cams_conn_id")

    def __init__(
        self,
        *,
        action: str,
        flow_id: str | None = None,
        cust_space_id: str | None = None,
        cams_conn_id: str = DEFAULT_CONN_ID,
        hook_params: dict[str, Any] | None = None,
        check_first: bool | None = None,
        missing_ok: bool = True,
    ) -> None:
        super().__init__()
        action_named(action)
        self.action = action
        self.flow_id = flow_id
        self.cust_space_id = cust_space_id
        self.cams_conn_id = cams_conn_id
        self.hook_params = hook_params or {}
        self.check_first = check_first
        self.missing_ok = missing_ok

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", {
            "action": self.action,
            **{name: getattr(self, name) for name in task_arguments(self.action)},
        }

    async def run(self) -> AsyncIterator[TriggerEvent]:
        loop = asyncio.get_running_loop()
        try:
            event = await loop.run_in_executor(_executor(), self._act)
        except Exception as exc:  # the worker decides with a fresh look at the flow
            self.log.warning("%s from the triggerer failed (%s); a worker takes over.", self.action, exc)
            event = TriggerEvent({"status": RESUME, "reason": str(exc), "maybe_sent": True})
        yield event

    # ------------------------------------------------------------------ in the executor's thread
    def _act(self) -> TriggerEvent:
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
        if "check_first" in args and args["check_first"] is None:
            args["check_first"] = ti.try_number > 1  # as resolve_check_first on a worker
        self.log.info(
            "%s flow %s from the triggerer (CustSpaceId %s).", self.action, ref.flow_id, ref.cust_space_id
        )
        outcome = action_named(self.action).run(hook, ref, args, self.log)
        return TaskSuccessEvent(xcoms=task_xcoms(ref, outcome))

    def _arguments(self) -> dict[str, Any] | None:
        """The task's arguments: the trigger's own, or for a mapped task its map index's (None: unknown)."""
        names = task_arguments(self.action)
        own = {name: getattr(self, name) for name in names}
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
        args = {**own, **{k: partial[k] for k in names if k in partial}, "flow_id": values[ti.map_index]}
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


def action_start_args(action: str) -> Any:
    """An operator class's ``start_trigger_args`` (a mapped task's too: the action is in its kwargs);
    None where Airflow cannot start tasks in the triggerer."""
    base = start_trigger_args(TRIGGER_CLASS, "execute_complete", START_TIMEOUT)
    return None if base is None else dataclasses.replace(base, trigger_kwargs={"action": action})


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
    action = base.trigger_kwargs["action"]
    kwargs = {"action": action, **{name: getattr(operator, name) for name in task_arguments(action)}}
    return dataclasses.replace(base, trigger_kwargs=kwargs)
