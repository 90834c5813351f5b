"""The emulator's flow store: the ten CAMS flow actions, their validation and the flow lifecycle.

Kept independent of the provider's own action table on purpose: the emulator is a second, separate
reading of the vendor's reference, so a mistake in one shows up as a test failure against the other.

Lifecycle (vendor: CreateFlow gives DRAFT -> PublishFlow -> PUBLISHED -> DeprecateFlow -> DEPRECATED;
"only DRAFT flows can be deleted"). ASSUMED where the vendor is silent: ModifyFlow and
UpdateFlowJSONAsset only while DRAFT; PublishFlow only from DRAFT; DeprecateFlow only from PUBLISHED;
every other transition fails with Flow.StatusNotSupport. Flows are scoped per (account, CustSpaceId or
""): a FlowId from another scope is Flow.NotFound. All state sits behind one lock.

Other ASSUMED details: FlowIds are unique 15-digit strings; FlowName is at most 200 characters; an empty
category list is invalid and duplicates are kept; Page takes JSON integers only (Index >= 1, Size 1..100);
ListFlow lists in creation order; an empty parameter counts as missing; GetFlowJSONAssest answers
FilePath null before any UpdateFlowJSONAsset; GetFlowPreviewUrl works in every status and mints a new
link each call, which GetFlow then reports (null before the first one).
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_cams.testing.errors import CamsError

API_VERSION = "2020-06-06"
CATEGORIES = (
    "SIGN_UP",
    "SIGN_IN",
    "APPOINTMENT_BOOKING",
    "LEAD_GENERATION",
    "CONTACT_US",
    "CUSTOMER_SUPPORT",
    "SURVEY",
    "OTHER",
)
STATUSES = ("DRAFT", "PUBLISHED", "DEPRECATED")
MAX_FLOW_NAME = 200
MAX_PAGE_SIZE = 100
DEFAULT_PAGE = {"Index": 1, "Size": 20}
PREVIEW_TTL_MS = 30 * 24 * 3600 * 1000
# ASSUMED values: GetFlow reports these, the vendor does not say what they are for a new flow.
EMULATED_JSON_VERSION = "6.0"
EMULATED_DATA_API_VERSION = "3.0"

Scope = tuple[str, str]


@dataclass(frozen=True)
class ActionSpec:
    """Required query parameters and whether the success body carries ``Data``."""

    required: tuple[str, ...]
    has_data: bool


ACTIONS: dict[str, ActionSpec] = {
    "CreateFlow": ActionSpec(("FlowName", "Categories"), True),
    "ModifyFlow": ActionSpec(("FlowId", "FlowName", "Categories"), True),
    "GetFlow": ActionSpec(("FlowId",), True),
    "ListFlow": ActionSpec((), True),
    "PublishFlow": ActionSpec(("FlowId",), False),
    "DeprecateFlow": ActionSpec(("FlowId",), False),
    "DeleteFlow": ActionSpec(("FlowId",), False),
    "GetFlowJSONAssest": ActionSpec(("FlowId",), True),  # sic: the vendor's spelling
    "UpdateFlowJSONAsset": ActionSpec(("FlowId", "FilePath"), True),
    "GetFlowPreviewUrl": ActionSpec(("FlowId",), True),
}

# Which statuses allow an action on an existing flow (ASSUMED where the vendor is silent, see above).
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "ModifyFlow": ("DRAFT",),
    "UpdateFlowJSONAsset": ("DRAFT",),
    "PublishFlow": ("DRAFT",),
    "DeprecateFlow": ("PUBLISHED",),
    "DeleteFlow": ("DRAFT",),
}


@dataclass
class Flow:
    """One stored flow; ``as_dict`` is the snapshot the emulator API hands out."""

    flow_id: str
    name: str
    categories: list[str]
    account: str
    cust_space_id: str
    status: str = "DRAFT"
    endpoint_uri: str | None = None
    file_path: str | None = None
    preview_url: str | None = None
    preview_url_expires: int | None = None
    created_at: float = field(default_factory=time.time)

    @property
    def json_version(self) -> str | None:
        return EMULATED_JSON_VERSION if self.file_path else None

    @property
    def data_api_version(self) -> str | None:
        return EMULATED_DATA_API_VERSION if self.endpoint_uri else None

    def summary(self) -> dict[str, Any]:
        return {"FlowId": self.flow_id, "FlowName": self.name, "Categories": list(self.categories)}

    def details(self) -> dict[str, Any]:
        """GetFlow's Data."""
        return {
            **self.summary(),
            "Status": self.status,
            "JSONVersion": self.json_version,
            "DataApiVersion": self.data_api_version,
            "EndpointUri": self.endpoint_uri,
            "PreviewUrl": self.preview_url,
            "PreviewUrlExpires": self.preview_url_expires,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.details(),
            "FilePath": self.file_path,
            "CustSpaceId": self.cust_space_id or None,
            "Account": self.account,
            "CreatedAt": self.created_at,
        }


def parse_categories(raw: str) -> list[str]:
    """Categories travel as one compact-JSON list in the query."""
    try:
        value = json.loads(raw)
    except ValueError:
        raise CamsError("InvalidParameter", name="Categories", reason="It must be a JSON list.") from None
    return validate_categories(value)


def validate_categories(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise CamsError("InvalidParameter", name="Categories", reason="It must be a JSON list of strings.")
    if not value:
        raise CamsError("InvalidParameter", name="Categories", reason="At least one category is required.")
    unknown = [c for c in value if c not in CATEGORIES]
    if unknown:
        raise CamsError(
            "InvalidParameter",
            name="Categories",
            reason=f"Unknown category {unknown[0]!r}; allowed: {', '.join(CATEGORIES)}.",
        )
    return list(value)


def validate_flow_name(name: str) -> str:
    if len(name) > MAX_FLOW_NAME:
        raise CamsError(
            "InvalidParameter", name="FlowName", reason=f"It is longer than {MAX_FLOW_NAME} characters."
        )
    return name


def parse_page(raw: str | None) -> tuple[int, int]:
    """Page is one compact-JSON object {"Index": 1, "Size": 20}; Index >= 1, Size 1..100."""
    if raw is None or raw == "":
        return DEFAULT_PAGE["Index"], DEFAULT_PAGE["Size"]
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise CamsError("InvalidParameter", name="Page", reason="It must be a JSON object.")
    page = {**DEFAULT_PAGE, **value}
    index, size = page["Index"], page["Size"]
    if not _is_int(index) or index < 1:
        raise CamsError("InvalidParameter", name="Page", reason="Index must be an integer >= 1.")
    if not _is_int(size) or not 1 <= size <= MAX_PAGE_SIZE:
        reason = f"Size must be an integer 1..{MAX_PAGE_SIZE}."
        raise CamsError("InvalidParameter", name="Page", reason=reason)
    return index, size


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class FlowStore:
    """Thread-safe flow state. ``execute`` runs one action and returns its ``Data`` or raises CamsError."""

    def __init__(self, require_flow_json: bool = False, clock: Callable[[], float] = time.time) -> None:
        self.require_flow_json = require_flow_json
        self._clock = clock
        self._lock = threading.Lock()
        self._flows: dict[str, Flow] = {}
        self._rng = random.Random()
        # Actions on the scope (no FlowId) and actions on one existing flow.
        self._scope_actions: dict[str, Callable[[Scope, Mapping[str, str]], Any]] = {
            "CreateFlow": self._create,
            "ListFlow": self._list,
        }
        self._flow_actions: dict[str, Callable[[Flow, Mapping[str, str]], Any]] = {
            "ModifyFlow": self._modify,
            "GetFlow": lambda flow, params: flow.details(),
            "PublishFlow": self._publish,
            "DeprecateFlow": self._deprecate,
            "DeleteFlow": self._delete,
            "GetFlowJSONAssest": lambda flow, params: {"FlowId": flow.flow_id, "FilePath": flow.file_path},
            "UpdateFlowJSONAsset": self._update_json,
            "GetFlowPreviewUrl": self._preview_url,
        }

    def execute(self, action: str, account: str, params: Mapping[str, str]) -> Any:
        """Validate the parameters, apply the action atomically and return the ``Data`` (or None)."""
        for name in ACTIONS[action].required:
            if not params.get(name):
                raise CamsError("MissingParameter", name=name)
        scope = _scope(account, params.get("CustSpaceId"))
        with self._lock:
            if action in self._scope_actions:
                return self._scope_actions[action](scope, params)
            return self._flow_actions[action](self._find(action, scope, params["FlowId"]), params)

    def _find(self, action: str, scope: Scope, flow_id: str) -> Flow:
        flow = self._flows.get(flow_id)
        if flow is None or _scope(flow.account, flow.cust_space_id) != scope:
            raise CamsError("Flow.NotFound", flow_id=flow_id)
        allowed = ALLOWED_FROM.get(action)
        if allowed is not None and flow.status not in allowed:
            raise CamsError("Flow.StatusNotSupport", flow_id=flow.flow_id, status=flow.status, action=action)
        return flow

    def _new_id(self) -> str:
        while True:
            flow_id = str(self._rng.randrange(10**14, 10**15))
            if flow_id not in self._flows:
                return flow_id

    def _create(self, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
        account, cust = scope
        new = Flow(
            flow_id=self._new_id(),
            name=validate_flow_name(params["FlowName"]),
            categories=parse_categories(params["Categories"]),
            account=account,
            cust_space_id=cust,
            endpoint_uri=params.get("EndpointUri") or None,
            created_at=self._clock(),
        )
        self._flows[new.flow_id] = new
        return new.summary()

    def _list(self, scope: Scope, params: Mapping[str, str]) -> list[dict[str, Any]]:
        index, size = parse_page(params.get("Page"))
        name = params.get("FlowName")
        matches = [
            f.summary()
            for f in self._flows.values()
            if _scope(f.account, f.cust_space_id) == scope and (not name or f.name == name)
        ]
        return matches[(index - 1) * size : index * size]

    def _modify(self, flow: Flow, params: Mapping[str, str]) -> dict[str, Any]:
        name = validate_flow_name(params["FlowName"])
        categories = parse_categories(params["Categories"])
        flow.name, flow.categories = name, categories
        if params.get("EndpointUri"):
            flow.endpoint_uri = params["EndpointUri"]
        return {**flow.summary(), "EndpointUri": flow.endpoint_uri}

    def _publish(self, flow: Flow, params: Mapping[str, str]) -> None:
        if self.require_flow_json and not flow.file_path:
            raise CamsError("Flow.JSONNotFound", flow_id=flow.flow_id)
        flow.status = "PUBLISHED"

    def _deprecate(self, flow: Flow, params: Mapping[str, str]) -> None:
        flow.status = "DEPRECATED"

    def _delete(self, flow: Flow, params: Mapping[str, str]) -> None:
        del self._flows[flow.flow_id]

    def _update_json(self, flow: Flow, params: Mapping[str, str]) -> dict[str, Any]:
        flow.file_path = params["FilePath"]
        return {"FlowId": flow.flow_id}

    def _preview_url(self, flow: Flow, params: Mapping[str, str]) -> dict[str, Any]:
        """A fresh preview link each call, valid 30 days."""
        flow.preview_url = (
            f"https://preview.cams-emulator.invalid/flows/{flow.flow_id}?token={secrets.token_urlsafe(16)}"
        )
        flow.preview_url_expires = int(self._clock() * 1000) + PREVIEW_TTL_MS
        return {
            "FlowId": flow.flow_id,
            "PreviewUrl": flow.preview_url,
            "PreviewUrlExpires": flow.preview_url_expires,
        }

    def add_flow(
        self,
        account: str,
        name: str,
        categories: list[str],
        status: str = "DRAFT",
        cust_space_id: str | None = None,
        with_json: bool = False,
        endpoint_uri: str | None = None,
    ) -> str:
        """Seed a flow directly (tests), bypassing the wire; raises ValueError for bad input."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        try:
            cats = validate_categories(list(categories))
            validate_flow_name(name)
        except CamsError as exc:
            raise ValueError(exc.message) from None
        with self._lock:
            flow = Flow(
                flow_id=self._new_id(),
                name=name,
                categories=cats,
                account=account,
                cust_space_id=cust_space_id or "",
                status=status,
                endpoint_uri=endpoint_uri,
                created_at=self._clock(),
            )
            if with_json:
                flow.file_path = f"https://cams-emulator.invalid/flows/{flow.flow_id}/flow.json"
            self._flows[flow.flow_id] = flow
            return flow.flow_id

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {fid: f.as_dict() for fid, f in self._flows.items()}

    def reset(self) -> None:
        with self._lock:
            self._flows.clear()


def _scope(account: str, cust_space_id: str | None) -> Scope:
    """Flows are visible per (account, CustSpaceId or "")."""
    return (account, cust_space_id or "")
