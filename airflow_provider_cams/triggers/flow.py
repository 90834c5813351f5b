"""FlowStatusTrigger: waits in the triggerer until a flow reaches a status.

Its arguments are JSON-serialisable and hold no secret: the connection is read in the triggerer by id.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_cams.exceptions import CamsError
from airflow_provider_cams.utils.rate import CallPacer
from airflow_provider_cams.vendor.actions import wait_verdict


class FlowStatusTrigger(BaseTrigger):
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

    def __init__(
        self,
        flow_id: str,
        target_status: str,
        cams_conn_id: str,
        cust_space_id: str | None = None,
        poll_interval: float = 30.0,
        end_time: float | None = None,
        min_interval: float = 0.0,
        hook_params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.flow_id = flow_id
        self.target_status = target_status
        self.cams_conn_id = cams_conn_id
        self.cust_space_id = cust_space_id
        self.poll_interval = float(poll_interval)
        self.end_time = end_time
        self.min_interval = float(min_interval)
        self.hook_params = hook_params or {}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "flow_id": self.flow_id,
                "target_status": self.target_status,
                "cams_conn_id": self.cams_conn_id,
                "cust_space_id": self.cust_space_id,
                "poll_interval": self.poll_interval,
                "end_time": self.end_time,
                "min_interval": self.min_interval,
                "hook_params": self.hook_params,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_cams.hooks.cams import CamsHook, FlowRef  # in the triggerer, when it runs
        from airflow_provider_cams.hooks.results import flow_to_xcom

        hook = CamsHook(self.cams_conn_id, pacer=CallPacer(self.min_interval), **self.hook_params)
        ref = FlowRef(self.flow_id, self.cust_space_id)  # checked by the sensor before it deferred
        interval = max(self.poll_interval, self.min_interval)
        base = {"flow_id": self.flow_id, "target_status": self.target_status}
        while True:
            if self.end_time is not None and time.time() + interval > self.end_time:
                await asyncio.sleep(max(0.0, self.end_time - time.time()))
                yield TriggerEvent(
                    {
                        **base,
                        "status": "timeout",
                        "message": f"Flow {self.flow_id} did not reach {self.target_status} in time.",
                    }
                )
                return
            await asyncio.sleep(interval)
            try:
                body = await hook.aget_flow(ref)
            except CamsError as exc:
                yield TriggerEvent({**base, "status": "error", "message": str(exc)})
                return
            flow = flow_to_xcom(body.get("Data") or {})
            status = flow.get("status")
            verdict, message = wait_verdict(self.flow_id, status, self.target_status)
            self.log.info("%s RequestId %s.", message, body.get("RequestId"))
            if verdict != "wait":
                outcome = "success" if verdict == "done" else "failed"
                yield TriggerEvent({**base, "status": outcome, "flow": flow, "message": message})
                return
