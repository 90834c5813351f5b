"""Declarative table of the CAMS WhatsApp Flow actions the provider speaks.

Facts from the vendor's API reference (see docs/reference): parameter names, which are required,
which travel as one compact-JSON query value. ``idempotent`` marks actions that are safe to send again:
the others (create, publish, deprecate, delete) are never re-sent after an ambiguous failure (timeout,
dropped connection, 5xx) without checking first what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

API_VERSION = "2020-06-06"


@dataclass(frozen=True)
class FlowAction:
    name: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ("CustSpaceId",)
    json_params: tuple[str, ...] = ()
    idempotent: bool = True

    @property
    def params(self) -> tuple[str, ...]:
        return self.required + self.optional


FLOW_ACTIONS: dict[str, FlowAction] = {
    a.name: a
    for a in (
        FlowAction(
            "CreateFlow",
            ("FlowName", "Categories"),
            ("EndpointUri", "CustSpaceId"),
            json_params=("Categories",),
            idempotent=False,
        ),
        # Setting the same name/categories/JSON again leaves the same flow: safe to re-send.
        FlowAction(
            "ModifyFlow",
            ("FlowId", "FlowName", "Categories"),
            ("EndpointUri", "CustSpaceId"),
            json_params=("Categories",),
        ),
        FlowAction("GetFlow", ("FlowId",)),
        FlowAction("ListFlow", (), ("FlowName", "Page", "CustSpaceId"), json_params=("Page",)),
        FlowAction("PublishFlow", ("FlowId",), idempotent=False),
        FlowAction("DeprecateFlow", ("FlowId",), idempotent=False),
        FlowAction("DeleteFlow", ("FlowId",), idempotent=False),
        # Sic: the vendor's action name has this typo.
        FlowAction("GetFlowJSONAssest", ("FlowId",)),
        FlowAction("UpdateFlowJSONAsset", ("FlowId", "FilePath")),
        FlowAction("GetFlowPreviewUrl", ("FlowId",)),
    )
}

# WhatsApp Flow categories accepted by CreateFlow/ModifyFlow (Meta's list, which CAMS passes through).
FLOW_CATEGORIES = (
    "SIGN_UP",
    "SIGN_IN",
    "APPOINTMENT_BOOKING",
    "LEAD_GENERATION",
    "CONTACT_US",
    "CUSTOMER_SUPPORT",
    "SURVEY",
    "OTHER",
)

# In lifecycle order: a flow only ever moves forward in this tuple.
FLOW_STATUSES = ("DRAFT", "PUBLISHED", "DEPRECATED")


def status_unreachable(current: str | None, target: str) -> bool:
    """True when a flow in ``current`` can never reach ``target`` (statuses only move forward)."""
    if current not in FLOW_STATUSES:
        return False
    return FLOW_STATUSES.index(current) > FLOW_STATUSES.index(target)


@dataclass(frozen=True)
class StatusTransition:
    """A lifecycle step: the only status it starts from, the one it ends in, and why others fail."""

    source: str
    target: str
    explain: str


STATUS_TRANSITIONS: dict[str, StatusTransition] = {
    "PublishFlow": StatusTransition(
        "DRAFT",
        "PUBLISHED",
        "only DRAFT flows can be published; a DEPRECATED flow cannot be published again. Create a new "
        "flow (CreateFlowOperator) and publish that one.",
    ),
    "DeprecateFlow": StatusTransition(
        "PUBLISHED",
        "DEPRECATED",
        "only PUBLISHED flows can be deprecated; a DRAFT flow can be deleted instead.",
    ),
}
