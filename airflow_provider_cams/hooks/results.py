"""What the hook's lifecycle methods return, and the one place they become JSON-safe XCom dicts
(a deployment's result, which is not the hook's, has its own in ``deploy/results.py``).

A result keeps the vendor's response body (``body``, CAMS's own PascalCase keys, untouched) apart from
the provider's own facts about it (the change was already done, a flow was reused, the flow as it was
last read). XCom gets snake_case keys and ISO-8601 UTC times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pendulum

# A CAMS answer as the SDK decodes it (Code, Message, RequestId, Data...): the one definition.
Body = dict[str, Any]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_EXPIRY_KEYS = ("PreviewUrlExpires",)


@dataclass(frozen=True)
class FlowCreated:
    """CreateFlow's outcome. ``reused``: an existing flow of that exact name and categories was taken
    instead of creating a duplicate (after a retry); then ``body`` is None (no CreateFlow answered)."""

    flow_id: str
    flow_name: str
    categories: list[str]
    cust_space_id: str | None
    reused: bool
    body: Body | None

    @property
    def request_id(self) -> str | None:
        return (self.body or {}).get("RequestId")


@dataclass(frozen=True)
class FlowTransition:
    """A lifecycle step (PublishFlow, DeprecateFlow). ``already_done``: the flow was found in ``status``
    already, so nothing was sent; ``body`` is then GetFlow's answer. ``flow`` is GetFlow's ``Data`` as it
    was last read on the way (empty when no GetFlow was needed)."""

    flow_id: str
    cust_space_id: str | None
    status: str
    already_done: bool
    body: Body
    flow: Body = field(default_factory=dict)

    @property
    def request_id(self) -> str | None:
        return self.body.get("RequestId")


@dataclass(frozen=True)
class FlowDeleted:
    """DeleteFlow's outcome. ``already_done``: the flow did not exist (any more)."""

    flow_id: str
    cust_space_id: str | None
    already_done: bool
    request_id: str | None


# --------------------------------------------------------------------- to XCom
def snake(name: str) -> str:
    """``PreviewUrlExpires`` -> ``preview_url_expires``, ``JSONVersion`` -> ``json_version``."""
    return _CAMEL.sub("_", name).lower()


def epoch_ms_to_iso(value: Any) -> str | None:
    """CAMS gives expiry times as epoch milliseconds; XCom and logs get ISO-8601 UTC."""
    if value in (None, ""):
        return None
    return pendulum.from_timestamp(int(value) / 1000, tz="UTC").to_iso8601_string()


def flow_to_xcom(data: dict[str, Any]) -> dict[str, Any]:
    """A flow from GetFlow/ListFlow/ModifyFlow, with ``flow_id`` always a string."""
    out = {snake(k): (epoch_ms_to_iso(v) if k in _EXPIRY_KEYS else v) for k, v in data.items()}
    if out.get("flow_id") is not None:
        out["flow_id"] = str(out["flow_id"])
    return out


def preview_to_xcom(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "preview_url": data.get("PreviewUrl"),
        "preview_url_expires": epoch_ms_to_iso(data.get("PreviewUrlExpires")),
    }


def created_to_xcom(result: FlowCreated) -> dict[str, Any]:
    return {
        "flow_id": result.flow_id,
        "flow_name": result.flow_name,
        "categories": list(result.categories),
        "cust_space_id": result.cust_space_id,
        "reused": result.reused,
        "request_id": result.request_id,
    }


def flow_task_xcom(ref: Any, xcom: dict[str, Any], request_id: str | None) -> dict[str, Any]:
    """The XCom of a task acting on one flow (``ref``: a ``FlowRef``), on a worker or in the triggerer."""
    return {"flow_id": ref.flow_id, "cust_space_id": ref.cust_space_id, **xcom, "request_id": request_id}


def transition_to_xcom(result: FlowTransition) -> dict[str, Any]:
    """``already_published`` / ``already_deprecated``: the key names the status reached."""
    return {"status": result.status, f"already_{result.status.lower()}": result.already_done}


def deleted_to_xcom(result: FlowDeleted) -> dict[str, Any]:
    return {"deleted": True, "already_deleted": result.already_done}
