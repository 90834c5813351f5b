"""FlowStatusSensor: wait until a WhatsApp Flow reaches a status (PUBLISHED by default)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import Context, PokeReturnValue

from airflow_provider_cams.exceptions import (
    CamsApiError,
    CamsFlowNotFoundError,
    CamsValidationError,
    needs_explaining,
)
from airflow_provider_cams.links.flow import FLOW_LINKS
from airflow_provider_cams.operators.mixins import cams_template_fields
from airflow_provider_cams.sensors.base import CamsWaitSensor
from airflow_provider_cams.triggers.flow import FlowStatusTrigger
from airflow_provider_cams.utils.compat import AirflowFailException, conf
from airflow_provider_cams.utils.connection_form import DEFAULT_CONN_ID
from airflow_provider_cams.vendor.actions import FLOW_STATUSES, HEALTH_STATUSES, wait_verdict

if TYPE_CHECKING:  # the hook and its results are imported when the sensor runs, not at DAG parse time
    from airflow_provider_cams.hooks.cams import FlowRef


class FlowStatusSensor(CamsWaitSensor):
    """Wait until a flow's status (GetFlow) is ``target_status``; fail at once if it never can be.

    Every poke is one GetFlow call against the account's rate limit: keep ``poke_interval`` (the poll
    interval, seconds) reasonable and run the sensor in the account's pool. With ``deferrable=True`` the
    wait happens in the triggerer and frees the worker slot (see the docs on pools: the pool should
    count deferred tasks). ``timeout`` bounds the whole wait as for any sensor.

    :param flow_id: the flow (templated).
    :param target_status: ``DRAFT``, ``PUBLISHED`` (default) or ``DEPRECATED`` (templated).
    :param cams_conn_id: the ``cams`` connection to use.
    :param cust_space_id: CustSpaceId (templated); falls back to the connection's ``cust_space_id``.
    :param hook_params: extra keyword arguments for :class:`~airflow_provider_cams.hooks.cams.CamsHook`.
    :param deferrable: wait in the triggerer; defaults to Airflow's ``[operators] default_deferrable``.
    """

    template_fields: Sequence[str] = cams_template_fields("flow_id", "target_status")
    operator_extra_links = FLOW_LINKS
    ui_color = "#ffb366"
    result_key = "flow"

    def __init__(
        self,
        *,
        flow_id: str,
        target_status: str = "PUBLISHED",
        cams_conn_id: str = DEFAULT_CONN_ID,
        cust_space_id: str | None = None,
        hook_params: dict[str, Any] | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(
            cams_conn_id=cams_conn_id,
            cust_space_id=cust_space_id,
            hook_params=hook_params,
            deferrable=deferrable,
            **kwargs,
        )
        self.flow_id = flow_id
        self.target_status = target_status
        self._ref: FlowRef | None = None

    @property
    def ref(self) -> FlowRef:
        """The rendered flow id and CustSpaceId (and target status), checked once for all pokes."""
        if self._ref is None:
            if self.target_status not in FLOW_STATUSES:
                raise CamsValidationError(
                    f"target_status {self.target_status!r} is not a flow status; use one of "
                    f"{', '.join(FLOW_STATUSES)}."
                )
            self._ref = self.hook.flow_ref(self.flow_id, self.cust_space_id)
        return self._ref

    def poke(self, context: Context) -> PokeReturnValue:
        from airflow_provider_cams.hooks.results import flow_to_xcom

        ref, target = self.ref, self.target_status
        flow_id = ref.flow_id
        body = self._read(ref)
        flow = flow_to_xcom(body.get("Data") or {})
        status = flow.get("status")
        self.persist_links(context, ref, flow)
        verdict, message = wait_verdict(flow_id, status, target)
        self.log.log(
            logging.WARNING if status in HEALTH_STATUSES else logging.INFO,
            "%s RequestId %s.",
            message,
            body.get("RequestId"),
        )
        if verdict == "fail":
            raise AirflowFailException(message)
        return PokeReturnValue(is_done=verdict == "done", xcom_value=flow)

    def _read(self, ref: FlowRef) -> dict[str, Any]:
        """GetFlow. A refusal (whatever its code) is explained by ListFlow before the poke fails: a flow
        it does not list is missing (:class:`CamsFlowNotFoundError`), else CAMS's refusal stands."""
        try:
            return self.hook.get_flow(ref)
        except CamsApiError as exc:
            if not needs_explaining(exc):
                raise
            from airflow_provider_cams.hooks.observed import Observation, is_listed

            seen = Observation(ref, listed=is_listed(self.hook, ref), read_error=exc)
            raise exc.explained(seen.describe(), CamsFlowNotFoundError if seen.gone else None) from None

    def before_wait(self, context: Context) -> None:
        self.clear_links(context)

    def trigger(self, **polling: Any) -> FlowStatusTrigger:
        return FlowStatusTrigger(
            flow_id=self.ref.flow_id,
            target_status=self.target_status,
            cust_space_id=self.ref.cust_space_id,
            **polling,
        )
