"""TemplateReviewTrigger: waits in the triggerer for Meta's review of a template.

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
from airflow_provider_cams.vendor.messaging import TEMPLATE_TYPE, review_verdict


def review_to_xcom(template_code: str, data: dict[str, Any]) -> dict[str, Any]:
    """The review as the sensor returns it (snake_case, JSON-safe)."""
    return {
        "template_code": template_code,
        "template_name": data.get("Name"),
        "language": data.get("Language"),
        "audit_status": data.get("AuditStatus"),
        "reason": data.get("Reason"),
        "category": data.get("Category"),
    }


class TemplateReviewTrigger(BaseTrigger):
    """Poll GetChatappTemplateDetail every ``poll_interval`` seconds (never faster than ``min_interval``).

    Yields one event: ``status`` ``success`` (approved), ``failed`` (rejected, with CAMS's reason, or
    disabled/paused), ``timeout`` or ``error`` (a CAMS error the hook could not retry away); each with a
    ``message`` and the ``template`` as last read. The first poll comes one interval after the start: the
    sensor has just poked.
    """

    def __init__(
        self,
        template_code: str,
        language: str,
        cams_conn_id: str,
        cust_space_id: str | None = None,
        poll_interval: float = 60.0,
        end_time: float | None = None,
        min_interval: float = 0.0,
        hook_params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.template_code = template_code
        self.language = language
        self.cams_conn_id = cams_conn_id
        self.cust_space_id = cust_space_id
        self.poll_interval = float(poll_interval)
        self.end_time = end_time
        self.min_interval = float(min_interval)
        self.hook_params = hook_params or {}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        kwargs = {
            name: getattr(self, name)
            for name in (
                "template_code",
                "language",
                "cams_conn_id",
                "cust_space_id",
                "poll_interval",
                "end_time",
                "min_interval",
                "hook_params",
            )
        }
        return f"{type(self).__module__}.{type(self).__qualname__}", kwargs

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_cams.hooks.cams import CamsHook

        hook = CamsHook(self.cams_conn_id, pacer=CallPacer(self.min_interval), **self.hook_params)
        params = {
            "TemplateCode": self.template_code,
            "Language": self.language,
            "TemplateType": TEMPLATE_TYPE,
            "CustSpaceId": self.cust_space_id,
        }
        interval = max(self.poll_interval, self.min_interval)
        base = {"template_code": self.template_code}
        while self.end_time is None or time.time() + interval <= self.end_time:
            await asyncio.sleep(interval)
            try:
                body = await hook.acall("GetChatappTemplateDetail", params)
            except CamsError as exc:
                yield TriggerEvent({**base, "status": "error", "message": str(exc)})
                return
            template = review_to_xcom(self.template_code, body.get("Data") or {})
            verdict, message = review_verdict(
                self.template_code, template["audit_status"], template["reason"]
            )
            self.log.info("%s RequestId %s.", message, body.get("RequestId"))
            if verdict != "wait":
                outcome = "success" if verdict == "done" else "failed"
                yield TriggerEvent({**base, "status": outcome, "template": template, "message": message})
                return
        await asyncio.sleep(max(0.0, (self.end_time or 0.0) - time.time()))
        message = f"Template {self.template_code} was not reviewed in time."
        yield TriggerEvent({**base, "status": "timeout", "message": message})
