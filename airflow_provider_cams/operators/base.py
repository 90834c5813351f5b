"""Shared shape of every CAMS operator: connection, hook, CustSpaceId, JSON-safe XCom."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from airflow.sdk import BaseOperator, Context

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.hooks.cams import CamsHook


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
