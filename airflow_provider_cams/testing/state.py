"""The emulator's flow store: the ten CAMS flow actions, their validation and the flow lifecycle.

Kept independent of the provider's own action table on purpose: the emulator is a second, separate
reading of the vendor's reference, so a mistake in one shows up as a test failure against the other.

Lifecycle (vendor: CreateFlow gives DRAFT -> PublishFlow -> PUBLISHED -> DeprecateFlow -> DEPRECATED;
"only DRAFT flows can be deleted"). ASSUMED where the vendor is silent: ModifyFlow only while DRAFT (also
on a PUBLISHED flow: refused); UpdateFlowJSONAsset while DRAFT, and on a PUBLISHED flow as
``published_update`` says ("reject", the default: refused; "revert_to_draft": accepted, the flow goes
back to DRAFT, as AWS End User Messaging Social documents); PublishFlow only from DRAFT and only with a
flow JSON attached (``require_flow_json``, on by default: Flow.JSONNotFound); DeprecateFlow only from
PUBLISHED; every other transition fails with Flow.StatusNotSupport. Flows are scoped per (account,
CustSpaceId or ""): a FlowId from another scope is Flow.NotFound. All state sits behind one lock.

THROTTLED and BLOCKED are statuses Meta documents for the health monitoring of flows with a data
endpoint; CAMS documents only DRAFT, PUBLISHED and DEPRECATED. Tests force them with
``set_flow_status``; GetFlow reports them. ASSUMED: they are states of a published flow, so every action
treats them like PUBLISHED (DeprecateFlow allowed; PublishFlow, ModifyFlow and DeleteFlow refused;
UpdateFlowJSONAsset as ``published_update`` says).

Flow JSON (UpdateFlowJSONAsset, ASSUMED, see assets.py): FilePath is downloaded (loopback hosts only)
during the call, OUTSIDE the store lock (the URL may point at this emulator), checked minimally and kept;
GetFlow's JSONVersion and DataApiVersion come from its ``version`` and ``data_api_version`` fields (null
when absent or before any JSON). GetFlowJSONAssest answers a FilePath where the emulator serves the stored
bytes (``/_emulator/flows/<FlowId>/json``), and no FilePath at all when no JSON is attached (the SDK model
reads both an absent and a null FilePath as None).

Every refusal here is raised under the emulator's own (``guess``) code; the store's :class:`Dialect`
(dialects.py) decides the code and HTTP status the client sees, what ``published_update`` does, when
FilePath is downloaded (``fetch_json``) and what GetFlowJSONAssest returns (``json_asset_url``).

Other ASSUMED details: FlowIds are unique 15-digit strings; FlowName is at most 200 characters; an empty
category list is invalid and duplicates are kept; Page takes JSON integers only (Index >= 1, Size 1..100);
ListFlow lists in creation order; an empty parameter counts as missing; GetFlowPreviewUrl works in every
status and mints a new link each call, which GetFlow then reports (null before the first one).
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_cams.testing.assets import (
    DEFAULT_FLOW_JSON,
    FlowJson,
    check_fetch_url,
    read_flow_json,
    to_bytes,
)
from airflow_provider_cams.testing.dialects import (
    NO_JSON,
    NOT_FOUND,
    PUBLISHED_UPDATE_MODES,
    WRONG_STATUS,
    Dialect,
    dialect_named,
)
from airflow_provider_cams.testing.errors import CamsErrorAnswer

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
STATUSES = ("DRAFT", "PUBLISHED", "DEPRECATED")  # the ones CAMS documents
# Meta's health statuses of published endpoint flows; CAMS does not document them (see the docstring).
HEALTH_STATUSES = ("THROTTLED", "BLOCKED")
ALL_STATUSES = STATUSES + HEALTH_STATUSES
PUBLISHED_FAMILY = ("PUBLISHED", "THROTTLED", "BLOCKED")
# What UpdateFlowJSONAsset does on a PUBLISHED (THROTTLED, BLOCKED) flow (PUBLISHED_UPDATE_MODES); CAMS
# documents neither: a switch of the dialect (dialects.py).
DEFAULT_PUBLISHED_UPDATE = "reject"
MAX_FLOW_NAME = 200
PREVIEW_TTL_MS = 30 * 24 * 3600 * 1000

Scope = tuple[str, str]


# Which statuses allow an action on an existing flow (ASSUMED where the vendor is silent, see above).
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "ModifyFlow": ("DRAFT",),
    "UpdateFlowJSONAsset": ("DRAFT",),
    "PublishFlow": ("DRAFT",),
    "DeprecateFlow": PUBLISHED_FAMILY,
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
    file_path: str | None = None  # the URL the JSON was (or, fetch_json="publish", will be) read from
    pending_url: str | None = None  # fetch_json="publish": attached, downloaded at PublishFlow
    flow_json: FlowJson | None = None
    status_reason: str | None = None  # set_flow_status(reason=...), emulator-only
    preview_url: str | None = None
    preview_url_expires: int | None = None
    created_at: float = field(default_factory=time.time)

    @property
    def json_version(self) -> str | None:
        return self.flow_json.version if self.flow_json else None

    @property
    def data_api_version(self) -> str | None:
        return self.flow_json.data_api_version if self.flow_json else None

    def set_status(self, status: str, reason: str | None = None) -> None:
        self.status, self.status_reason = status, reason

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

    def as_dict(self, json_url: str | None = None) -> dict[str, Any]:
        """The emulator's snapshot: GetFlow's Data plus what only the emulator knows."""
        return {
            **self.details(),
            "FilePath": self.file_path,
            "JsonUrl": json_url if self.flow_json else None,
            "JsonSize": len(self.flow_json.content) if self.flow_json else None,
            "StatusReason": self.status_reason,
            "CustSpaceId": self.cust_space_id or None,
            "Account": self.account,
            "CreatedAt": self.created_at,
        }


def validate_categories(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise CamsErrorAnswer(
            "InvalidParameter", name="Categories", reason="It must be a JSON list of strings."
        )
    if not value:
        raise CamsErrorAnswer(
            "InvalidParameter", name="Categories", reason="At least one category is required."
        )
    unknown = [c for c in value if c not in CATEGORIES]
    if unknown:
        raise CamsErrorAnswer(
            "InvalidParameter",
            name="Categories",
            reason=f"Unknown category {unknown[0]!r}; allowed: {', '.join(CATEGORIES)}.",
        )
    return list(value)


def validate_flow_name(name: str) -> str:
    if len(name) > MAX_FLOW_NAME:
        raise CamsErrorAnswer(
            "InvalidParameter", name="FlowName", reason=f"It is longer than {MAX_FLOW_NAME} characters."
        )
    return name


class FlowStore:
    """Thread-safe flow state: the flow actions as typed methods, which raise CamsErrorAnswer.

    The wire (``flow_responses.py``) parses and checks the query strings and calls these; refusals are
    raised under the emulator's own (``guess``) codes, which the wire answers in ``dialect``'s.
    ``fetch(url) -> bytes`` downloads a FilePath (raising CamsErrorAnswer); ``json_url(flow_id) -> str`` is
    where the emulator serves a flow's stored JSON (GetFlowJSONAssest's FilePath). ``dialect`` says how
    every undocumented refusal and behaviour is answered (``published_update``, when given, overrides
    its switch of that name).
    """

    def __init__(
        self,
        require_flow_json: bool = True,
        clock: Callable[[], float] = time.time,
        *,
        published_update: str | None = None,
        fetch: Callable[[str], bytes] | None = None,
        json_url: Callable[[str], str] | None = None,
        dialect: Dialect | None = None,
    ) -> None:
        self.require_flow_json = require_flow_json
        self.dialect = dialect or dialect_named()
        if published_update is not None:
            self.published_update = published_update
        self._clock = clock
        self._fetch = fetch
        self._json_url = json_url or (lambda flow_id: f"/_emulator/flows/{flow_id}/json")
        self._lock = threading.Lock()
        self._flows: dict[str, Flow] = {}
        self._rng = random.Random()

    @property
    def published_update(self) -> str:
        return self.dialect.published_update

    @published_update.setter
    def published_update(self, mode: str) -> None:
        self.dialect = self.dialect.with_switches(published_update=check_published_update(mode))

    # ----------------------------------------------------------------- the actions, typed
    def create(
        self, scope: Scope, name: str, categories: list[str], endpoint_uri: str | None
    ) -> dict[str, Any]:
        """CreateFlow: a new DRAFT flow; its summary."""
        with self._lock:
            account, cust = scope
            new = Flow(
                flow_id=self._new_id(),
                name=name,
                categories=categories,
                account=account,
                cust_space_id=cust,
                endpoint_uri=endpoint_uri,
                created_at=self._clock(),
            )
            self._flows[new.flow_id] = new
            return new.summary()

    def list_flows(self, scope: Scope, index: int, size: int, name: str | None) -> list[dict[str, Any]]:
        """ListFlow: one page of the scope's flows in creation order, optionally by exact name."""
        with self._lock:
            matches = [
                f.summary()
                for f in self._flows.values()
                if flow_scope(f.account, f.cust_space_id) == scope and (not name or f.name == name)
            ]
        return matches[(index - 1) * size : index * size]

    def get(self, scope: Scope, flow_id: str) -> dict[str, Any]:
        """GetFlow's Data."""
        with self._lock:
            return self._find("GetFlow", scope, flow_id).details()

    def modify(
        self, scope: Scope, flow_id: str, name: str, categories: list[str], endpoint_uri: str | None
    ) -> dict[str, Any]:
        """ModifyFlow: new name and categories; the endpoint only when one is given."""
        with self._lock:
            flow = self._find("ModifyFlow", scope, flow_id)
            flow.name, flow.categories = name, categories
            if endpoint_uri:
                flow.endpoint_uri = endpoint_uri
            return {**flow.summary(), "EndpointUri": flow.endpoint_uri}

    def publish(self, scope: Scope, flow_id: str) -> None:
        """PublishFlow (with fetch_json="publish", the attached URL is downloaded first, outside the lock)."""
        if self.dialect.fetch_json == "publish":
            self._fetch_pending(scope, flow_id)
        with self._lock:
            flow = self._find("PublishFlow", scope, flow_id)
            # ASSUMED: CAMS documents no error for publishing a flow without JSON; the emulator refuses it.
            if self.require_flow_json and flow.flow_json is None:
                raise CamsErrorAnswer(NO_JSON, flow_id=flow.flow_id)
            flow.set_status("PUBLISHED")

    def deprecate(self, scope: Scope, flow_id: str) -> None:
        with self._lock:
            self._find("DeprecateFlow", scope, flow_id).set_status("DEPRECATED")

    def delete(self, scope: Scope, flow_id: str) -> None:
        with self._lock:
            del self._flows[self._find("DeleteFlow", scope, flow_id).flow_id]

    def json_asset(self, scope: Scope, flow_id: str) -> dict[str, Any]:
        """GetFlowJSONAssest's Data."""
        with self._lock:
            flow = self._find("GetFlowJSONAssest", scope, flow_id)
            # ASSUMED: no FilePath key at all before any JSON (the vendor's SDK omits None fields too).
            if flow.flow_json is None and flow.pending_url is None:
                return {"FlowId": flow.flow_id}
            if self.dialect.json_asset_url == "given" and flow.file_path:
                return {"FlowId": flow.flow_id, "FilePath": flow.file_path}
            if flow.flow_json is None:  # fetch_json="publish", not downloaded yet: only the given URL exists
                return {"FlowId": flow.flow_id, "FilePath": flow.pending_url}
            return {"FlowId": flow.flow_id, "FilePath": self._json_url(flow.flow_id)}

    def preview_url(self, scope: Scope, flow_id: str) -> dict[str, Any]:
        """GetFlowPreviewUrl: a fresh preview link each call, valid 30 days."""
        with self._lock:
            flow = self._find("GetFlowPreviewUrl", scope, flow_id)
            flow.preview_url = f"https://preview.cams-emulator.invalid/flows/{flow.flow_id}?token={secrets.token_urlsafe(16)}"
            flow.preview_url_expires = int(self._clock() * 1000) + PREVIEW_TTL_MS
            return {
                "FlowId": flow.flow_id,
                "PreviewUrl": flow.preview_url,
                "PreviewUrlExpires": flow.preview_url_expires,
            }

    def _allowed(self, action: str) -> tuple[str, ...] | None:
        if action == "UpdateFlowJSONAsset" and self.published_update == "revert_to_draft":
            return ("DRAFT", *PUBLISHED_FAMILY)
        return ALLOWED_FROM.get(action)

    def _find(self, action: str, scope: Scope, flow_id: str) -> Flow:
        flow = self._flows.get(flow_id)
        if flow is None or flow_scope(flow.account, flow.cust_space_id) != scope:
            raise CamsErrorAnswer(NOT_FOUND, flow_id=flow_id)
        allowed = self._allowed(action)
        if allowed is not None and flow.status not in allowed:
            raise CamsErrorAnswer(WRONG_STATUS, flow_id=flow.flow_id, status=flow.status, action=action)
        return flow

    def _new_id(self) -> str:
        while True:
            flow_id = str(self._rng.randrange(10**14, 10**15))
            if flow_id not in self._flows:
                return flow_id

    def _download(self, url: str) -> FlowJson:
        if self._fetch is None:
            raise CamsErrorAnswer(
                "Flow.JsonAssetUnreachable", file_path=url[:200], reason="No fetcher configured."
            )
        return read_flow_json(self._fetch(url))

    def update_json(self, scope: Scope, flow_id: str, file_path: str) -> dict[str, Any]:
        """UpdateFlowJSONAsset: check, download OUTSIDE the lock (the URL may be this emulator), read, then
        apply under it. With ``fetch_json="publish"`` only the URL is kept here; PublishFlow downloads it."""
        url = check_fetch_url(file_path)
        at_update = self.dialect.fetch_json == "update"
        with self._lock:
            self._find("UpdateFlowJSONAsset", scope, flow_id)  # fail fast, before any download
        parsed = self._download(url) if at_update else None
        with self._lock:
            flow = self._find("UpdateFlowJSONAsset", scope, flow_id)  # it may have changed meanwhile
            flow.file_path = url
            if parsed is not None:
                flow.flow_json, flow.pending_url = parsed, None
            else:
                flow.pending_url = url
            if flow.status != "DRAFT":  # only reachable with published_update="revert_to_draft"
                flow.set_status("DRAFT")
            return {"FlowId": flow.flow_id}

    def _fetch_pending(self, scope: Scope, flow_id: str) -> None:
        """fetch_json="publish": download a flow's attached URL (outside the lock) before PublishFlow."""
        with self._lock:
            url = self._find("PublishFlow", scope, flow_id).pending_url
        if url is None:
            return
        parsed = self._download(url)
        with self._lock:
            flow = self._find("PublishFlow", scope, flow_id)
            if flow.pending_url == url:  # not re-attached meanwhile
                flow.flow_json, flow.pending_url = parsed, None

    # ----------------------------------------------------------------- direct access for tests
    def add_flow(
        self,
        account: str,
        name: str,
        categories: list[str],
        status: str = "DRAFT",
        cust_space_id: str | None = None,
        with_json: bool = False,
        endpoint_uri: str | None = None,
        json: bytes | str | Mapping[str, Any] | None = None,
    ) -> str:
        """Seed a flow directly (tests), bypassing the wire; raises ValueError for bad input.

        ``json`` attaches that Flow JSON (it must pass the emulator's minimal reading); ``with_json``
        without ``json`` attaches ``DEFAULT_FLOW_JSON``.
        """
        check_status(status)
        try:
            cats = validate_categories(list(categories))
            validate_flow_name(name)
            if json is None and with_json:
                json = DEFAULT_FLOW_JSON
            flow_json = read_flow_json(to_bytes(json)) if json is not None else None
        except CamsErrorAnswer as exc:
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
                flow_json=flow_json,
                created_at=self._clock(),
            )
            self._flows[flow.flow_id] = flow
            return flow.flow_id

    def set_status(self, flow_id: str, status: str, reason: str | None = None) -> None:
        """Force a flow into any status (e.g. THROTTLED/BLOCKED); KeyError for an unknown FlowId."""
        check_status(status)
        with self._lock:
            if flow_id not in self._flows:
                raise KeyError(f"no flow {flow_id!r}")
            self._flows[flow_id].set_status(status, reason)

    def flow_json(self, flow_id: str) -> bytes | None:
        """The stored JSON bytes of a flow (None: unknown flow or no JSON)."""
        with self._lock:
            flow = self._flows.get(flow_id)
            return flow.flow_json.content if flow and flow.flow_json else None

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {fid: f.as_dict(self._json_url(fid)) for fid, f in self._flows.items()}

    def reset(self) -> None:
        with self._lock:
            self._flows.clear()


def check_status(status: str) -> str:
    if status not in ALL_STATUSES:
        raise ValueError(f"status must be one of {', '.join(ALL_STATUSES)}, got {status!r:.40}")
    return status


def check_published_update(mode: str) -> str:
    """The mode if it is one of PUBLISHED_UPDATE_MODES, else a ValueError saying which are."""
    if mode not in PUBLISHED_UPDATE_MODES:
        modes = ", ".join(PUBLISHED_UPDATE_MODES)
        raise ValueError(f"published_update must be one of {modes}, got {mode!r:.40}")
    return mode


def flow_scope(account: str, cust_space_id: str | None) -> Scope:
    """Flows are visible per (account, CustSpaceId or "")."""
    return (account, cust_space_id or "")
