"""Extra links on CAMS tasks: the flow in the CAMS console, and its preview when known.

Airflow 3 computes links on the worker when the task ends; the operators persist the URLs to XCom
while they run, and these links read them back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator, Context
    from airflow.sdk.types import TaskInstanceKey

# ASSUMED: the vendor documents no deep link to a WhatsApp Flow; this opens the CAMS console on it.
CONSOLE_FLOW_URL = "https://chatapp.console.alibabacloud.com/#/flow/detail?flowId={flow_id}"


def console_flow_url(flow_id: str, cust_space_id: str | None = None) -> str:
    url = CONSOLE_FLOW_URL.format(flow_id=quote(flow_id, safe=""))
    return f"{url}&custSpaceId={quote(cust_space_id, safe='')}" if cust_space_id else url


class _XComLink(BaseOperatorLink):
    key: str

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow.sdk.execution_time.xcom import XCom

        return str(XCom.get_value(key=self.key, ti_key=ti_key) or "")

    @classmethod
    def persist(cls, context: Context, url: Any) -> None:
        if url:
            context["ti"].xcom_push(key=cls.key, value=str(url))

    @classmethod
    def clear(cls, context: Context) -> None:
        """Store "no link yet": Airflow computes links even for failed tasks, and a missing key logs an
        error line on every task end."""
        context["ti"].xcom_push(key=cls.key, value="")


class CamsFlowConsoleLink(_XComLink):
    """The flow in the CAMS console."""

    name = "CAMS Flow"
    key = "cams_flow_console_url"


class CamsFlowPreviewLink(_XComLink):
    """The flow's preview URL (from GetFlow or GetFlowPreviewUrl; it expires)."""

    name = "Flow preview"
    key = "cams_flow_preview_url"


FLOW_LINKS = (CamsFlowConsoleLink(), CamsFlowPreviewLink())
