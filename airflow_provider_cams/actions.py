"""Declarative table of the CAMS WhatsApp Flow actions the provider speaks.

Facts from the vendor's API reference (see docs/reference): parameter names, which are required,
which travel as one compact-JSON query value. ``mutating`` marks actions that change state: after an
ambiguous failure (timeout, dropped connection, 5xx) they are never re-sent without checking first.
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
    mutating: bool = False

    @property
    def params(self) -> tuple[str, ...]:
        return self.required + self.optional


FLOW_ACTIONS: dict[str, FlowAction] = {
    a.name: a
    for a in (
        FlowAction(
            "CreateFlow", ("FlowName", "Categories"), ("EndpointUri", "CustSpaceId"),
            json_params=("Categories",), mutating=True,
        ),
        FlowAction(
            "ModifyFlow", ("FlowId", "FlowName", "Categories"), ("EndpointUri", "CustSpaceId"),
            json_params=("Categories",), mutating=True,
        ),
        FlowAction("GetFlow", ("FlowId",)),
        FlowAction("ListFlow", (), ("FlowName", "Page", "CustSpaceId"), json_params=("Page",)),
        FlowAction("PublishFlow", ("FlowId",), mutating=True),
        FlowAction("DeprecateFlow", ("FlowId",), mutating=True),
        FlowAction("DeleteFlow", ("FlowId",), mutating=True),
        # Sic: the vendor's action name has this typo.
        FlowAction("GetFlowJSONAssest", ("FlowId",)),
        FlowAction("UpdateFlowJSONAsset", ("FlowId", "FilePath"), mutating=True),
        FlowAction("GetFlowPreviewUrl", ("FlowId",)),
    )
}

# WhatsApp Flow categories accepted by CreateFlow/ModifyFlow (Meta's list, which CAMS passes through).
FLOW_CATEGORIES = (
    "SIGN_UP", "SIGN_IN", "APPOINTMENT_BOOKING", "LEAD_GENERATION", "CONTACT_US",
    "CUSTOMER_SUPPORT", "SURVEY", "OTHER",
)

FLOW_STATUSES = ("DRAFT", "PUBLISHED", "DEPRECATED")
