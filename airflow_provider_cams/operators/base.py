"""Shared shape of every CAMS operator: connection, hook, CustSpaceId, JSON-safe XCom."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from airflow.sdk import BaseOperator, Context

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.hooks.cams import Body, CamsHook
from airflow_provider_cams.validation import check_id


class CamsBaseOperator(BaseOperator):
    """Base class: subclasses implement :meth:`execute_cams` and list their own template fields.

    :param cams_conn_id: the ``cams`` connection to use.
    :param cust_space_id: CustSpaceId; falls back to the connection's ``cust_space_id`` extra.
    :param hook_params: extra keyword arguments for :class:`CamsHook` (``max_attempts``, ``max_wait``,
        ``retry_budget``...).
    """

    template_fields: Sequence[str] = ("cust_space_id",)
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
        self.cams_conn_id = cams_conn_id
        self.cust_space_id = cust_space_id
        if hook_params is not None and not isinstance(hook_params, dict):
            raise CamsValidationError(f"hook_params must be a dict, got {type(hook_params).__name__}.")
        self.hook_params = hook_params or {}

    @cached_property
    def hook(self) -> CamsHook:
        """One hook per task run, built on first use (never at DAG parse time)."""
        return CamsHook(cams_conn_id=self.cams_conn_id, **self.hook_params)

    def execute(self, context: Context) -> dict[str, Any]:
        return self.execute_cams(context)

    def execute_cams(self, context: Context) -> dict[str, Any]:
        raise NotImplementedError

    def space(self) -> str | None:
        """The CustSpaceId to send: the operator's, else the connection's (validated by the hook)."""
        return self.cust_space_id if self.cust_space_id is not None else self.hook.default_cust_space_id


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
        self.log.info("Done: flow %s, RequestId %s.", flow_id, body.get("RequestId"))
        return {"flow_id": flow_id, "cust_space_id": space, **result, "request_id": body.get("RequestId")}

    def call(self, flow_id: str, space: str | None) -> tuple[Body, dict[str, Any]]:
        """Send the action; return the response body and the operator's own XCom fields."""
        raise NotImplementedError
