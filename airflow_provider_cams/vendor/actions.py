"""Declarative table of the CAMS WhatsApp Flow actions the provider speaks.

Facts from the vendor's API reference (see docs/reference), only those the code reads: an action's
required parameters (the transport refuses a call that lacks one, before sending) and ``idempotent``,
which marks actions that are safe to send again: the others (create, publish, deprecate, delete) are
never re-sent after an ambiguous failure (timeout, dropped connection, 5xx) without checking first what
happened. Optional parameters and JSON-valued ones need no entry: the hook passes what it has, and the
transport JSON-encodes any list or dict value.
"""

from __future__ import annotations

from dataclasses import dataclass

API_VERSION = "2020-06-06"


@dataclass(frozen=True)
class FlowAction:
    """A CAMS action: its parameters that must be present, and whether re-sending it is safe."""

    name: str
    required: tuple[str, ...] = ()
    idempotent: bool = True


FLOW_ACTIONS: dict[str, FlowAction] = {
    a.name: a
    for a in (
        FlowAction("CreateFlow", ("FlowName", "Categories"), idempotent=False),
        # Setting the same name/categories/JSON again leaves the same flow: safe to re-send.
        FlowAction("ModifyFlow", ("FlowId", "FlowName", "Categories")),
        FlowAction("GetFlow", ("FlowId",)),
        FlowAction("ListFlow"),
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

# The statuses CAMS documents (GetFlow), in lifecycle order.
FLOW_STATUSES = ("DRAFT", "PUBLISHED", "DEPRECATED")
# Meta also documents THROTTLED and BLOCKED for flows with a data endpoint (health monitoring); CAMS
# passes Meta's flows through, so GetFlow may report them (ASSUMED: CAMS documents only the three above).
HEALTH_STATUSES = ("THROTTLED", "BLOCKED")
ALL_STATUSES = FLOW_STATUSES + HEALTH_STATUSES
# A THROTTLED flow is published, its delivery limited; a BLOCKED one cannot be sent.
PUBLISHED_STATUSES = frozenset({"PUBLISHED", "THROTTLED"})
# Flows a deployment may still use (not deprecated, not blocked).
LIVE_STATUSES = frozenset({"DRAFT", "PUBLISHED", "THROTTLED"})


def status_unreachable(current: str | None, target: str) -> bool:
    """True when a flow in ``current`` can never reach ``target``.

    ASSUMED (CAMS documents no transitions but its three actions): DEPRECATED is final, as Meta
    documents. A PUBLISHED flow *can* become DRAFT again (Meta and AWS: updating its JSON), so "statuses
    only move forward" holds only for DEPRECATED here.
    """
    return current == "DEPRECATED" and target != "DEPRECATED"


def wait_verdict(flow_id: str, current: str | None, target: str) -> tuple[str, str]:
    """What a wait for ``target`` does on seeing ``current``: ``done``, ``wait`` or ``fail``, and why.

    BLOCKED fails at once (WhatsApp stopped the flow: waiting cannot help); THROTTLED counts as
    PUBLISHED, reported; DEPRECATED can never become anything else.
    """
    if current == target:
        return "done", f"Flow {flow_id} is {current}."
    if current == "THROTTLED" and target == "PUBLISHED":
        return "done", (
            f"Flow {flow_id} is THROTTLED: published, but WhatsApp limits its delivery because its data "
            "endpoint is slow or failing. Check the endpoint's health."
        )
    if current == "BLOCKED":
        return "fail", (
            f"Flow {flow_id} is BLOCKED by WhatsApp (its data endpoint failed health checks) and cannot "
            f"become {target} by waiting. Fix the endpoint, then deprecate it and publish a new flow."
        )
    if status_unreachable(current, target):
        return "fail", (
            f"Flow {flow_id} is {current} and can never become {target} (DEPRECATED is final). Check the "
            "flow id, or create and publish a new flow."
        )
    return "wait", f"Flow {flow_id} is {current} (waiting for {target})."


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
