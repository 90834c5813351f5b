"""What a deployment did, and its JSON-safe XCom shape (the deployer's counterpart of
:mod:`airflow_provider_cams.hooks.results`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACTIONS = ("created", "updated", "replaced", "unchanged")


@dataclass
class FlowDeployment:
    """What a deployment left in CAMS, as re-read before it is reported.

    ``action``: ``created`` (a new flow), ``updated`` (the same flow, new JSON or settings),
    ``replaced`` (a new flow took over from a PUBLISHED one) or ``unchanged`` (CAMS already held this
    content, e.g. written by an overlapping run). ``retired``: older flows of the name this run
    deprecated or deleted.
    """

    flow_id: str
    cust_space_id: str | None
    action: str
    status: str
    sha256: str
    preview_url: str | None = None
    uploaded: bool = False
    retired: list[str] = field(default_factory=list)


def deployment_to_xcom(result: FlowDeployment) -> dict[str, Any]:
    return {
        "flow_id": result.flow_id,
        "cust_space_id": result.cust_space_id,
        "action": result.action,
        "status": result.status,
        "sha256": result.sha256,
        "preview_url": result.preview_url,
        "uploaded": result.uploaded,
        "retired_flow_ids": list(result.retired),
    }
