"""The two shapes of a CAMS operator: any CAMS task, and an action on one existing flow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow.sdk import BaseOperator, Context

from airflow_provider_cams.hooks.cams import CamsHook, FlowRef
from airflow_provider_cams.hooks.results import flow_task_xcom
from airflow_provider_cams.links.flow import FLOW_LINKS
from airflow_provider_cams.utils.mixins import CamsHookMixin, cams_template_fields


class CamsBaseOperator(CamsHookMixin, BaseOperator):
    """Base class of the CAMS operators: subclasses implement :meth:`execute_cams`."""

    template_fields: Sequence[str] = cams_template_fields()
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
        try:
            return self.execute_cams(context)
        finally:
            self.log_call_summary()

    def execute_cams(self, context: Context) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class FlowOutcome:
    """What an action on one flow gives its operator: XCom fields, the RequestId, the flow if read."""

    xcom: dict[str, Any]
    request_id: str | None
    flow: dict[str, Any] = field(default_factory=dict)


class FlowOperator(CamsBaseOperator):
    """An action on one existing flow: subclasses say in :meth:`act` what they send and return.

    :param flow_id: the flow (templated), e.g. ``create.output["flow_id"]``.
    """

    template_fields: Sequence[str] = cams_template_fields("flow_id")
    verb = "Calling CAMS for"

    def __init__(self, *, flow_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flow_id = flow_id

    def execute_cams(self, context: Context) -> dict[str, Any]:
        ref = self.hook.flow_ref(self.flow_id, self.cust_space_id)
        self.log.info("%s flow %s (CustSpaceId %s).", self.verb, ref.flow_id, ref.cust_space_id or "-")
        outcome = self.act(ref)
        self.persist_links(context, ref, {**outcome.flow, **outcome.xcom})
        self.log.info("Done: flow %s, RequestId %s.", ref.flow_id, outcome.request_id)
        return flow_task_xcom(ref, outcome.xcom, outcome.request_id)

    def act(self, ref: FlowRef) -> FlowOutcome:
        """Send this operator's action for the (checked) flow."""
        raise NotImplementedError
