"""The two shapes of a CAMS operator: any CAMS task, and an action on one existing flow.

Imports no hook: a DAG file that imports an operator pays for neither the hook nor the SDK (the mixin
builds the hook when the task runs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator, Context

from airflow_provider_cams.exceptions import (
    CamsApiError,
    CamsFlowNotFoundError,
    CamsFlowStateError,
    needs_explaining,
)
from airflow_provider_cams.links.flow import FLOW_LINKS
from airflow_provider_cams.operators.mixins import CamsHookMixin, cams_template_fields
from airflow_provider_cams.utils.connection_form import DEFAULT_CONN_ID

if TYPE_CHECKING:
    from airflow_provider_cams.hooks.cams import FlowRef


class CamsBaseOperator(CamsHookMixin, BaseOperator):
    """Base class of the CAMS operators: subclasses implement :meth:`execute_cams`."""

    template_fields: Sequence[str] = cams_template_fields()
    operator_extra_links = FLOW_LINKS
    ui_color = "#ff6a00"

    def __init__(
        self,
        *,
        cams_conn_id: str = DEFAULT_CONN_ID,
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
        outcome = self.act(ref, context)
        self.persist_links(context, ref, {**outcome.flow, **outcome.xcom})
        self.log.info("Done: flow %s, RequestId %s.", ref.flow_id, outcome.request_id)
        from airflow_provider_cams.hooks.results import flow_task_xcom

        return flow_task_xcom(ref, outcome.xcom, outcome.request_id)

    def act(self, ref: FlowRef, context: Context) -> FlowOutcome:
        """Send this operator's action for the (checked) flow; ``context`` is the task's (e.g. its try)."""
        raise NotImplementedError

    def draft_only(self, ref: FlowRef, send: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Send a change CAMS allows on DRAFT flows only; a refusal is explained by the flow's status.

        CAMS documents no code for a wrong status, so the code decides nothing: GetFlow (or ListFlow)
        says what the flow is, and the task fails with CAMS's words plus that observation, at once when
        the flow is no longer DRAFT (no retry makes it one again).
        """
        try:
            return send()
        except CamsApiError as exc:
            if not needs_explaining(exc):
                raise
            from airflow_provider_cams.hooks.observed import observe

            seen = observe(self.hook, ref)
            if seen.status is not None and seen.status != "DRAFT":
                observed = f"{seen.describe()}: only DRAFT flows can be changed"
                raise exc.explained(observed, CamsFlowStateError) from None
            raise exc.explained(seen.describe(), CamsFlowNotFoundError if seen.gone else None) from None
