"""FlowStatusTrigger: waits in the triggerer until a flow reaches a status.

Its arguments are JSON-serialisable and hold no secret: the connection is read in the triggerer by id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_cams.triggers.polling import CamsPollingTrigger
from airflow_provider_cams.vendor.actions import wait_verdict

if TYPE_CHECKING:
    from airflow_provider_cams.hooks.cams import CamsHook


class FlowStatusTrigger(CamsPollingTrigger):
    """Poll GetFlow every ``poll_interval`` seconds (never faster than ``min_interval``).

    Yields one event: ``status`` is ``success`` (``flow`` holds the flow), ``failed`` (the target can no
    longer be reached), ``timeout`` or ``error`` (a CAMS error the hook could not retry away); each
    with a ``message``. The first poll comes one interval after the trigger starts: the sensor has just
    poked, and the pool's pacing counts from that call.

    :param flow_id: the flow to watch.
    :param target_status: ``DRAFT``, ``PUBLISHED`` or ``DEPRECATED``.
    :param cams_conn_id: the ``cams`` connection, read in the triggerer (no secret travels here).
    :param cust_space_id: CustSpaceId, or None for the connection's.
    :param poll_interval: seconds between GetFlow calls.
    :param end_time: Unix time (seconds) at which to give up with a ``timeout`` event; None: never.
    :param min_interval: seconds the pool's pacing requires between calls (the task's share of the rate).
    :param hook_params: extra keyword arguments for the hook.
    """

    own_fields = ("flow_id", "target_status")

    def __init__(
        self,
        flow_id: str,
        target_status: str,
        cams_conn_id: str,
        cust_space_id: str | None = None,
        *,
        poll_interval: float = 30.0,
        **polling: Any,
    ) -> None:
        super().__init__(
            cams_conn_id=cams_conn_id, cust_space_id=cust_space_id, poll_interval=poll_interval, **polling
        )
        self.flow_id = flow_id
        self.target_status = target_status

    def event_base(self) -> dict[str, Any]:
        return {"flow_id": self.flow_id, "target_status": self.target_status}

    def timeout_message(self) -> str:
        return f"Flow {self.flow_id} did not reach {self.target_status} in time."

    async def poll(self, hook: CamsHook) -> tuple[str, str, dict[str, Any]]:
        from airflow_provider_cams.hooks.refs import FlowRef
        from airflow_provider_cams.hooks.results import flow_to_xcom

        body = await hook.aget_flow(FlowRef(self.flow_id, self.cust_space_id))  # checked by the sensor
        flow = flow_to_xcom(body.get("Data") or {})
        verdict, message = wait_verdict(self.flow_id, flow.get("status"), self.target_status)
        self.log.info("%s RequestId %s.", message, body.get("RequestId"))
        return verdict, message, {"flow": flow}
