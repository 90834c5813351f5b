"""Shared shape of every CAMS task: connection, one cached hook, CustSpaceId, links, JSON-safe XCom."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from airflow.sdk import BaseOperator, Context

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.hooks.cams import Body, CamsHook
from airflow_provider_cams.links.flow import (
    FLOW_LINKS,
    CamsFlowConsoleLink,
    CamsFlowPreviewLink,
    console_flow_url,
)
from airflow_provider_cams.validation import check_id

# CamsHook keyword arguments a task may set (pool and pool_slots come from the task itself).
HOOK_PARAMS = frozenset({"max_attempts", "initial_wait", "max_wait", "retry_budget"})


class CamsHookMixin:
    """What operators and sensors share (cf. the Amazon provider's ``AwsBaseHookMixin``).

    :param cams_conn_id: the ``cams`` connection to use.
    :param cust_space_id: CustSpaceId (templated); falls back to the connection's ``cust_space_id``.
    :param hook_params: extra keyword arguments for :class:`~airflow_provider_cams.hooks.cams.CamsHook`
        (``max_attempts``, ``max_wait``,
        ``retry_budget``...).
    """

    cams_conn_id: str
    cust_space_id: str | None
    hook_params: dict[str, Any]

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

    @cached_property
    def hook(self) -> CamsHook:
        """One hook per task run, built on first use (never at DAG parse time).

        It paces its calls for the task's pool and ``pool_slots`` (see :mod:`airflow_provider_cams.rate`).
        """
        params: dict[str, Any] = {
            "pool": getattr(self, "pool", None),
            "pool_slots": getattr(self, "pool_slots", 1),
            **self.hook_params,
        }
        return CamsHook(cams_conn_id=self.cams_conn_id, **params)

    def space(self) -> str | None:
        """The CustSpaceId to send: the task's, else the connection's (validated by the hook)."""
        return self.cust_space_id if self.cust_space_id is not None else self.hook.default_cust_space_id

    def clear_links(self, context: Context) -> None:
        for link in FLOW_LINKS:
            type(link).clear(context)

    def persist_links(self, context: Context, flow_id: str, space: str | None, flow: dict[str, Any]) -> None:
        CamsFlowConsoleLink.persist(context, console_flow_url(flow_id, space))
        CamsFlowPreviewLink.persist(context, flow.get("PreviewUrl") or flow.get("preview_url"))


class CamsBaseOperator(CamsHookMixin, BaseOperator):
    """Base class of the CAMS operators: subclasses implement :meth:`execute_cams`."""

    template_fields: Sequence[str] = ("cust_space_id",)
    operator_extra_links = FLOW_LINKS
    ui_color = "#ff6a00"

    def __init__(
        self,
        *,
        cams_conn_id: str = CamsHook.default_conn_name,
        cust_space_id: str | None = None,
        hook_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.init_cams(cams_conn_id, cust_space_id, hook_params)

    def execute(self, context: Context) -> dict[str, Any]:
        self.clear_links(context)
        return self.execute_cams(context)

    def execute_cams(self, context: Context) -> dict[str, Any]:
        raise NotImplementedError


class FlowOperator(CamsBaseOperator):
    """An action on one existing flow: subclasses say what :meth:`call` sends and what it returns.

    :param flow_id: the flow (templated), e.g. ``create.output["flow_id"]``.
    """

    template_fields: Sequence[str] = ("flow_id", "cust_space_id")
    verb = "Calling CAMS for"

    def __init__(self, *, flow_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flow_id = flow_id

    def execute_cams(self, context: Context) -> dict[str, Any]:
        flow_id = check_id("flow_id", self.flow_id)
        space = self.space()
        self.log.info("%s flow %s (CustSpaceId %s).", self.verb, flow_id, space or "-")
        body, result = self.call(flow_id, space)
        self.persist_links(context, flow_id, space, {**(body.get("Flow") or {}), **result})
        self.log.info("Done: flow %s, RequestId %s.", flow_id, body.get("RequestId"))
        return {"flow_id": flow_id, "cust_space_id": space, **result, "request_id": body.get("RequestId")}

    def call(self, flow_id: str, space: str | None) -> tuple[Body, dict[str, Any]]:
        """Send the action; return the response body and the operator's own XCom fields."""
        raise NotImplementedError
