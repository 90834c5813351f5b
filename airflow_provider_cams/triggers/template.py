"""TemplateReviewTrigger: waits in the triggerer for Meta's review of a template.

Its arguments are JSON-serialisable and hold no secret: the connection is read in the triggerer by id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_cams.triggers.polling import CamsPollingTrigger
from airflow_provider_cams.vendor.messaging import TEMPLATE_TYPE, review_verdict

if TYPE_CHECKING:
    from airflow_provider_cams.hooks.cams import CamsHook


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


class TemplateReviewTrigger(CamsPollingTrigger):
    """Poll GetChatappTemplateDetail every ``poll_interval`` seconds (never faster than ``min_interval``).

    Yields one event: ``status`` ``success`` (approved), ``failed`` (rejected, with CAMS's reason, or
    disabled/paused), ``timeout`` or ``error`` (a CAMS error the hook could not retry away); each with a
    ``message`` and the ``template`` as last read. The first poll comes one interval after the start: the
    sensor has just poked.
    """

    own_fields = ("template_code", "language")

    def __init__(
        self,
        template_code: str,
        language: str,
        cams_conn_id: str,
        cust_space_id: str | None = None,
        *,
        poll_interval: float = 60.0,
        **polling: Any,
    ) -> None:
        super().__init__(
            cams_conn_id=cams_conn_id, cust_space_id=cust_space_id, poll_interval=poll_interval, **polling
        )
        self.template_code = template_code
        self.language = language

    def event_base(self) -> dict[str, Any]:
        return {"template_code": self.template_code}

    def timeout_message(self) -> str:
        return f"Template {self.template_code} was not reviewed in time."

    async def poll(self, hook: CamsHook) -> tuple[str, str, dict[str, Any]]:
        params = {
            "TemplateCode": self.template_code,
            "Language": self.language,
            "TemplateType": TEMPLATE_TYPE,
            "CustSpaceId": self.cust_space_id,
        }
        body = await hook.acall("GetChatappTemplateDetail", params)
        template = review_to_xcom(self.template_code, body.get("Data") or {})
        verdict, message = review_verdict(self.template_code, template["audit_status"], template["reason"])
        self.log.info("%s RequestId %s.", message, body.get("RequestId"))
        return verdict, message, {"template": template}
