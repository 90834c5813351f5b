"""Each CAMS API's own QPS limit per account, as the vendor documents it (one row per API, page cited).

CAMS limits every API on its own: a flow's PublishFlow and its GetFlow each get their own 5 calls per
second, and over the limit a call is dropped with ``System.LimitControl``. The pacer
(:mod:`airflow_provider_cams.utils.rate`) spends each API's budget separately; a connection can raise
or lower any row (extras ``rate_limit`` and ``rate_limits``, :mod:`airflow_provider_cams.hooks.connection`).

Where two vendor pages disagree (the quota page lists CreateFlow at 50/s, the API page at 5/s;
an older English SendChatappMessage page says 200/s, the SDK 250/s) the row keeps the SDK's API page
figure and notes the other: the connection may raise it. Nothing here imports Airflow or the SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Where each figure was read (see /work/shared/reference and docs/reference).
FLOW_PAGE = (
    "CAMS API reference, each flow API's page: 'up to 5 times per second per account' (cams-flow-api.md)"
)
SDK_DESCRIPTIONS = (
    "SDK alibabacloud-cams20200606 5.3.1 / Go SDK v6.3.0 action descriptions (sending-facts.md)"
)

FLOW_MANAGEMENT_LIMIT = 5.0  # documented for every flow API; the connection's ``rate_limit`` replaces it


@dataclass(frozen=True)
class ApiLimit:
    """One CAMS API's documented per-account QPS limit."""

    action: str
    calls_per_second: float
    source: str
    flow_management: bool = False  # follows the connection's ``rate_limit`` (the flow quota)
    note: str = ""


def _flow(action: str, note: str = "") -> ApiLimit:
    return ApiLimit(action, FLOW_MANAGEMENT_LIMIT, FLOW_PAGE, flow_management=True, note=note)


API_LIMITS: dict[str, ApiLimit] = {
    row.action: row
    for row in (
        _flow("CreateFlow", "the quota page lists 50/s; the API page's 5/s is the safe default"),
        _flow("ModifyFlow"),
        _flow("UpdateFlowJSONAsset"),
        _flow("PublishFlow"),
        _flow("DeprecateFlow"),
        _flow("DeleteFlow"),
        _flow("GetFlow"),
        _flow("ListFlow"),
        _flow("GetFlowJSONAssest"),  # sic: the vendor's action name
        _flow("GetFlowPreviewUrl"),
        ApiLimit("SendChatappMessage", 250.0, SDK_DESCRIPTIONS, note="an older English page says 200/s"),
        ApiLimit("SendChatappMassMessage", 10.0, SDK_DESCRIPTIONS, note="at most 1,000 numbers per request"),
        ApiLimit("CreateChatappTemplate", 50.0, SDK_DESCRIPTIONS),
        ApiLimit("ModifyChatappTemplate", 50.0, SDK_DESCRIPTIONS),
        ApiLimit("GetChatappTemplateDetail", 5.0, SDK_DESCRIPTIONS),
        ApiLimit("ListChatappTemplate", 5.0, SDK_DESCRIPTIONS),
        ApiLimit("DeleteChatappTemplate", 5.0, SDK_DESCRIPTIONS),
        ApiLimit("UpdatePhoneEncryptionPublicKey", 5.0, SDK_DESCRIPTIONS),
        ApiLimit("GetPhoneEncryptionPublicKey", 5.0, SDK_DESCRIPTIONS),
        ApiLimit("UpdatePhoneWebhook", 10.0, SDK_DESCRIPTIONS),
        ApiLimit("UpdateAccountWebhook", 10.0, SDK_DESCRIPTIONS),
    )
}


def documented_limits(flow_limit: float = FLOW_MANAGEMENT_LIMIT) -> dict[str, float]:
    """Calls/s per API: the table, with every flow-management API at ``flow_limit``."""
    return {
        name: (flow_limit if row.flow_management else row.calls_per_second)
        for name, row in API_LIMITS.items()
    }


def account_limits(
    flow_limit: float = FLOW_MANAGEMENT_LIMIT, overrides: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The account's calls/s per API: the documented table, the flow quota, then per-API overrides."""
    limits = documented_limits(flow_limit)
    limits.update(overrides or {})
    return limits
