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

import json
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
STATUSES = ("DRAFT", "PUBLISHED", "DEPRECATED")  # the ones CAMS documents
# Meta's health statuses of published endpoint flows; CAMS does not document them (see the docstring).
HEALTH_STATUSES = ("THROTTLED", "BLOCKED")
ALL_STATUSES = STATUSES + HEALTH_STATUSES
PUBLISHED_FAMILY = ("PUBLISHED", "THROTTLED", "BLOCKED")
# What UpdateFlowJSONAsset does on a PUBLISHED (THROTTLED, BLOCKED) flow (PUBLISHED_UPDATE_MODES); CAMS
# documents neither: a switch of the dialect (dialects.py).
DEFAULT_PUBLISHED_UPDATE = "reject"
MAX_FLOW_NAME = 200
MAX_PAGE_SIZE = 100
DEFAULT_PAGE = {"Index": 1, "Size": 20}
PREVIEW_TTL_MS = 30 * 24 * 3600 * 1000

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


def parse_categories(raw: str) -> list[str]:
    """Categories travel as one compact-JSON list in the query."""
    try:
        value = json.loads(raw)
    except ValueError:
        raise CamsErrorAnswer(
            "InvalidParameter", name="Categories", reason="It must be a JSON list."
        ) from None
    return validate_categories(value)


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


def parse_page(raw: str | None) -> tuple[int, int]:
    """Page is one compact-JSON object {"Index": 1, "Size": 20}; Index >= 1, Size 1..100."""
    if raw is None or raw == "":
        return DEFAULT_PAGE["Index"], DEFAULT_PAGE["Size"]
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise CamsErrorAnswer("InvalidParameter", name="Page", reason="It must be a JSON object.")
    page = {**DEFAULT_PAGE, **value}
    index, size = page["Index"], page["Size"]
    if not _is_int(index) or index < 1:
        raise CamsErrorAnswer("InvalidParameter", name="Page", reason="Index must be an integer >= 1.")
    if not _is_int(size) or not 1 <= size <= MAX_PAGE_SIZE:
        reason = f"Size must be an integer 1..{MAX_PAGE_SIZE}."
        raise CamsErrorAnswer("InvalidParameter", name="Page", reason=reason)
    return index, size


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class FlowStore:
    """Thread-safe flow state. ``execute`` runs one action and returns its ``Data`` or raises CamsErrorAnswer.

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
            "GetFlowJSONAssest": self._json_asset,
            "GetFlowPreviewUrl": self._preview_url,
        }

    @property
    def published_update(self) -> str:
        return self.dialect.published_update

    @published_update.setter
    def published_update(self, mode: str) -> None:
        self.dialect = self.dialect.with_switches(published_update=check_published_update(mode))

    def execute(self, action: str, account: str, params: Mapping[str, str]) -> Any:
        """Validate the parameters, apply the action atomically and return the ``Data`` (or None).

        Refusals are raised under the emulator's ``guess`` codes and answered in the dialect's."""
        try:
            return self._execute(action, account, params)
        except CamsErrorAnswer as err:
            raise self.dialect.translate(err) from None

    def _execute(self, action: str, account: str, params: Mapping[str, str]) -> Any:
        for name in ACTIONS[action].required:
            if not params.get(name):
                raise CamsErrorAnswer("MissingParameter", name=name)
        scope = _scope(account, params.get("CustSpaceId"))
        if action == "UpdateFlowJSONAsset":
            return self._update_json(scope, params)  # takes the lock itself, around the download
        if action == "PublishFlow" and self.dialect.fetch_json == "publish":
            self._fetch_pending(scope, params["FlowId"])  # takes the lock itself, around the download
        with self._lock:
            if action in self._scope_actions:
                return self._scope_actions[action](scope, params)
            return self._flow_actions[action](self._find(action, scope, params["FlowId"]), params)

    def _allowed(self, action: str) -> tuple[str, ...] | None:
        if action == "UpdateFlowJSONAsset" and self.published_update == "revert_to_draft":
            return ("DRAFT", *PUBLISHED_FAMILY)
        return ALLOWED_FROM.get(action)

    def _find(self, action: str, scope: Scope, flow_id: str) -> Flow:
        flow = self._flows.get(flow_id)
        if flow is None or _scope(flow.account, flow.cust_space_id) != scope:
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
        # ASSUMED: CAMS documents no error for publishing a flow without JSON; the emulator refuses it.
        if self.require_flow_json and flow.flow_json is None:
            raise CamsErrorAnswer(NO_JSON, flow_id=flow.flow_id)
        flow.set_status("PUBLISHED")

    def _deprecate(self, flow: Flow, params: Mapping[str, str]) -> None:
        flow.set_status("DEPRECATED")

    def _delete(self, flow: Flow, params: Mapping[str, str]) -> None:
        del self._flows[flow.flow_id]

    def _json_asset(self, flow: Flow, params: Mapping[str, str]) -> dict[str, Any]:
        # ASSUMED: no FilePath key at all before any JSON (the vendor's SDK omits None fields too).
        if flow.flow_json is None and flow.pending_url is None:
            return {"FlowId": flow.flow_id}
        if self.dialect.json_asset_url == "given" and flow.file_path:
            return {"FlowId": flow.flow_id, "FilePath": flow.file_path}
        if flow.flow_json is None:  # fetch_json="publish", not downloaded yet: only the given URL exists
            return {"FlowId": flow.flow_id, "FilePath": flow.pending_url}
        return {"FlowId": flow.flow_id, "FilePath": self._json_url(flow.flow_id)}

    def _download(self, url: str) -> FlowJson:
        if self._fetch is None:
            raise CamsErrorAnswer(
                "Flow.JsonAssetUnreachable", file_path=url[:200], reason="No fetcher configured."
            )
        return read_flow_json(self._fetch(url))

    def _update_json(self, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
        """Check, download OUTSIDE the lock (the URL may be this emulator), read, then apply under it.

        With ``fetch_json="publish"`` only the URL is kept here; PublishFlow downloads it."""
        url = check_fetch_url(params["FilePath"])
        flow_id = params["FlowId"]
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


def _scope(account: str, cust_space_id: str | None) -> Scope:
    """Flows are visible per (account, CustSpaceId or "")."""
    return (account, cust_space_id or "")
