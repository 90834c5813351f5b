"""Operators for WhatsApp Flows in CAMS.

Importing this module imports no Alibaba SDK module and looks up no connection: DAG files that use
these operators parse as fast as any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import Context

from airflow_provider_cams.operators.base import CamsBaseOperator
from airflow_provider_cams.validation import check_categories, check_id, check_name, check_url


class CreateFlowOperator(CamsBaseOperator):
    """Create a WhatsApp Flow (it starts as DRAFT) and push its ``flow_id``.

    The result is pushed both as ``return_value`` and key by key (``multiple_outputs``), so
    ``create.output["flow_id"]`` and ``{{ ti.xcom_pull(task_ids='create', key='flow_id') }}`` both work.

    :param flow_name: name of the flow (templated).
    :param categories: WhatsApp Flow categories, e.g. ``["SIGN_UP"]`` (templated).
    :param endpoint_uri: optional data-exchange endpoint of the flow (templated).
    """

    template_fields: Sequence[str] = ("flow_name", "categories", "endpoint_uri", "cust_space_id")

    def __init__(
        self,
        *,
        flow_name: str,
        categories: list[str],
        endpoint_uri: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.flow_name = flow_name
        self.categories = categories
        self.endpoint_uri = endpoint_uri

    def execute_cams(self, context: Context) -> dict[str, Any]:
        flow_name = check_name("flow_name", self.flow_name)
        categories = check_categories("categories", self.categories)
        endpoint_uri = check_url("endpoint_uri", self.endpoint_uri) if self.endpoint_uri is not None else None
        space = self.space()
        self.log.info("Creating flow %r (categories %s).", flow_name, categories)
        body = self.hook.create_flow(flow_name, categories, endpoint_uri, space)
        data = body.get("Data") or {}
        flow_id = str(data.get("FlowId") or "")
        if not flow_id:
            raise RuntimeError(f"CAMS CreateFlow returned no FlowId (RequestId {body.get('RequestId')}).")
        self.log.info(
            "Created flow %s (%r), status DRAFT, RequestId %s.", flow_id, flow_name, body.get("RequestId")
        )
        return {
            "flow_id": flow_id,
            "flow_name": data.get("FlowName", flow_name),
            "categories": list(data.get("Categories") or categories),
            "cust_space_id": space,
            "request_id": body.get("RequestId"),
        }


class PublishFlowOperator(CamsBaseOperator):
    """Publish a WhatsApp Flow (DRAFT -> PUBLISHED).

    Idempotent: a flow that is already PUBLISHED succeeds without a second PublishFlow, a DEPRECATED
    flow fails with a message saying why, and after a timeout the retry checks before re-sending.

    :param flow_id: the flow to publish (templated), e.g. ``create.output["flow_id"]``.
    :param cust_space_id: CustSpaceId (templated); falls back to the connection's.
    :param check_first: read the flow's status (GetFlow) before publishing, so that re-runs send no
        second PublishFlow. ``False`` saves that call (half the calls per flow against the account's
        rate limit); a re-run then sends a PublishFlow that CAMS rejects, and a GetFlow explains it.
    """

    template_fields: Sequence[str] = ("flow_id", "cust_space_id")

    def __init__(self, *, flow_id: str, check_first: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flow_id = flow_id
        self.check_first = check_first

    def execute_cams(self, context: Context) -> dict[str, Any]:
        flow_id = check_id("flow_id", self.flow_id)
        space = self.space()
        self.log.info("Publishing flow %s (CustSpaceId %s).", flow_id, space or "-")
        body = self.hook.publish_flow(flow_id, space, check_first=self.check_first)
        already = bool(body.get("AlreadyDone"))
        self.log.info(
            "Flow %s is PUBLISHED%s, RequestId %s.",
            flow_id,
            " (it already was: no second PublishFlow sent)" if already else "",
            body.get("RequestId"),
        )
        return {
            "flow_id": flow_id,
            "cust_space_id": space,
            "status": "PUBLISHED",
            "already_published": already,
            "request_id": body.get("RequestId"),
        }
