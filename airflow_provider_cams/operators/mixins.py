"""What every CAMS operator and the sensor share (cf. the Amazon provider's ``utils/mixins.py``).

One cached ``hook`` built from ``_hook_parameters`` when the task runs (never at DAG parse time), the
connection id and CustSpaceId as template fields, and the task's extra links. A task that needs another
hook class names it in ``hook_class`` (a dotted path, so a DAG file that imports the task imports no hook).

It builds a hook and persists links, so it sits in the top layer, beside the operators (the sensor
imports it from here); the hook module is imported when the task first uses ``hook``, not when a DAG
file imports an operator.
"""

from __future__ import annotations

from functools import cached_property
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.links.flow import (
    FLOW_LINKS,
    CamsFlowConsoleLink,
    CamsFlowPreviewLink,
    console_flow_url,
)

if TYPE_CHECKING:
    from airflow_provider_cams.hooks.cams import CamsHook, FlowRef

# CamsHook keyword arguments a task may set (pool and pool_slots come from the task itself).
HOOK_PARAMS = frozenset({"max_attempts", "initial_wait", "max_wait", "retry_budget"})


def cams_template_fields(*template_fields: str) -> tuple[str, ...]:
    """A CAMS task's template fields: its own, then ``cust_space_id`` and ``cams_conn_id``."""
    return tuple(dict.fromkeys((*template_fields, "cust_space_id", "cams_conn_id")))


class CamsHookMixin:
    """Connection, CustSpaceId and hook of a CAMS task.

    :param cams_conn_id: the ``cams`` connection to use (templated).
    :param cust_space_id: CustSpaceId (templated); falls back to the connection's ``cust_space_id``.
    :param hook_params: extra keyword arguments for :class:`~airflow_provider_cams.hooks.cams.CamsHook`
        (``max_attempts``, ``initial_wait``, ``max_wait``, ``retry_budget``).
    """

    cams_conn_id: str
    cust_space_id: str | None
    hook_params: dict[str, Any]
    log: Any
    # The hook the task builds, as "module.Class": imported when the task first uses ``hook``.
    hook_class: ClassVar[str] = "airflow_provider_cams.hooks.cams.CamsHook"

    def init_cams(
        self, cams_conn_id: str, cust_space_id: str | None, hook_params: dict[str, Any] | None
    ) -> None:
        if hook_params is not None and not isinstance(hook_params, dict):
            raise CamsValidationError(f"hook_params must be a dict, got {type(hook_params).__name__}.")
        unknown = sorted(set(hook_params or {}) - HOOK_PARAMS)
        if unknown:
            raise CamsValidationError(
                f"hook_params has unknown key(s) {unknown}; the hook takes {sorted(HOOK_PARAMS)}."
            )
        self.cams_conn_id = cams_conn_id
        self.cust_space_id = cust_space_id
        self.hook_params = hook_params or {}

    @property
    def _hook_parameters(self) -> dict[str, Any]:
        """The hook's arguments: the connection, the task's pool share (for pacing), ``hook_params``."""
        return {
            "cams_conn_id": self.cams_conn_id,
            "pool": getattr(self, "pool", None),
            "pool_slots": getattr(self, "pool_slots", 1),
            **self.hook_params,
        }

    @cached_property
    def hook(self) -> CamsHook:
        """One ``hook_class`` per task run, built on first use; it paces calls for the task's pool share.

        Imported here, when the task runs, not at DAG parse time. A subclass with another hook class
        declares the narrower type under ``TYPE_CHECKING`` (``hook: CamsMessagingHook``)."""
        module, _, name = self.hook_class.rpartition(".")
        hook: CamsHook = getattr(import_module(module), name)(**self._hook_parameters)
        return hook

    def log_call_summary(self) -> None:
        """One line per task: calls, throttled calls, retries and pacing waits of its hook, if it made any."""
        hook = self.__dict__.get("hook")  # never build a hook (or read a connection) just for this
        transport = hook.__dict__.get("transport") if hook is not None else None
        if transport is not None:
            self.log.info("%s.", transport.counters.summary())

    def clear_links(self, context: Any) -> None:
        for link in FLOW_LINKS:
            type(link).clear(context)

    def persist_links(self, context: Any, ref: FlowRef, flow: dict[str, Any] | None = None) -> None:
        """Store the console link, and the preview link when the flow (as last read) has one."""
        flow = flow or {}
        CamsFlowConsoleLink.persist(context, console_flow_url(ref.flow_id, ref.cust_space_id))
        CamsFlowPreviewLink.persist(context, flow.get("PreviewUrl") or flow.get("preview_url"))
