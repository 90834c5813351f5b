"""Emulator dialects: every CAMS behaviour the vendor does not document, as a switch.

CAMS documents four error codes for its flow actions (``Product.Unsubscript``, ``Ram.PermissionDeny``,
``System.LimitControl``, ``Unknown.ResourceOwnerId``) and nothing about a wrong flow status, a missing
flow, a flow without JSON, an unreadable FilePath, updating a PUBLISHED flow, when FilePath is downloaded
or what GetFlowJSONAssest answers. The emulator has to answer something; a :class:`Dialect` says what.
Code that is right against the real CAMS must pass under every dialect, so the test suites run under
at least two (see ``tests/conftest.py``):

* ``guess``: the emulator's original guesses (``Flow.StatusNotSupport`` ... as HTTP 400, FilePath
  downloaded at UpdateFlowJSONAsset, GetFlowJSONAssest pointing at the emulator's own copy).
* ``renamed``: the same behaviour, but every undocumented code renamed to one the provider has never
  seen, the wrong-status and no-JSON refusals as HTTP 200 with ``Code`` != ``OK``, not-found as HTTP 404.
* ``contrary``: ``renamed`` plus the other choice of every behaviour switch (an update of a PUBLISHED
  flow is accepted and reverts it to DRAFT; FilePath is downloaded at PublishFlow; GetFlowJSONAssest
  returns the FilePath it was given).

Templates: CreateChatappTemplate of a Name and Language that already exist is refused (ASSUMED), with a
code CAMS does not document either: ``Template.Duplicate`` HTTP 400 (guess), ``Template.NameExists`` as
HTTP 200 with ``Code`` != ``OK`` (renamed), ``Template.NameConflict`` HTTP 409 (contrary).

Each switch can be overridden on its own: ``dialect_named("renamed", wrong_status_http=400)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_cams.testing.errors import CamsErrorAnswer

# The emulator's own names for refusals CAMS documents no code for (the ``guess`` dialect's codes).
WRONG_STATUS = "Flow.StatusNotSupport"
NOT_FOUND = "Flow.NotFound"
NO_JSON = "Flow.JSONNotFound"
JSON_UNREACHABLE = "Flow.JsonAssetUnreachable"
JSON_INVALID = "Flow.JsonAssetInvalid"
DUPLICATE_TEMPLATE = "Template.Duplicate"

PUBLISHED_UPDATE_MODES = ("reject", "revert_to_draft")
FETCH_JSON_MODES = ("update", "publish")
JSON_ASSET_URL_MODES = ("copy", "given")
DEFAULT_DIALECT = "guess"


@dataclass(frozen=True)
class Dialect:
    """One answer to every question the CAMS reference leaves open.

    :param wrong_status_code: the code of a lifecycle action the flow's status does not allow.
    :param wrong_status_http: its HTTP status (200 means HTTP 200 with ``Code`` != ``OK``).
    :param not_found_code: the code for a FlowId unknown in the caller's CustSpaceId.
    :param not_found_http: its HTTP status.
    :param no_json_code: the code for PublishFlow of a flow without JSON (``require_flow_json``).
    :param no_json_http: its HTTP status.
    :param json_unreachable_code: the code when FilePath cannot be downloaded (HTTP 400).
    :param json_invalid_code: the code when the downloaded file is not a Flow JSON (HTTP 400).
    :param published_update: UpdateFlowJSONAsset on a PUBLISHED flow: ``reject`` (wrong status) or
        ``revert_to_draft`` (accepted; the flow goes back to DRAFT, as AWS documents for Meta's flows).
    :param fetch_json: when FilePath is downloaded: ``update`` (during UpdateFlowJSONAsset) or
        ``publish`` (UpdateFlowJSONAsset keeps the URL, PublishFlow downloads it).
    :param json_asset_url: GetFlowJSONAssest's FilePath: ``copy`` (a URL of the emulator's own copy)
        or ``given`` (the URL given to UpdateFlowJSONAsset).
    :param duplicate_template_code: the code of CreateChatappTemplate for a Name and Language that exist.
    :param duplicate_template_http: its HTTP status.
    """

    name: str = DEFAULT_DIALECT
    wrong_status_code: str = WRONG_STATUS
    wrong_status_http: int = 400
    not_found_code: str = NOT_FOUND
    not_found_http: int = 400
    no_json_code: str = NO_JSON
    no_json_http: int = 400
    json_unreachable_code: str = JSON_UNREACHABLE
    json_invalid_code: str = JSON_INVALID
    published_update: str = "reject"
    fetch_json: str = "update"
    json_asset_url: str = "copy"
    duplicate_template_code: str = DUPLICATE_TEMPLATE
    duplicate_template_http: int = 400

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_code") and (not isinstance(value, str) or not value or value == "OK"):
                raise ValueError(f"{f.name} must be a non-empty error code other than OK, got {value!r:.40}")
            is_status = type(value) is int and (value == 200 or 400 <= value < 500)
            if f.name.endswith("_http") and not is_status:
                raise ValueError(f"{f.name} must be 200 (Code != OK) or a 4xx status, got {value!r:.40}")
        _one_of("published_update", self.published_update, PUBLISHED_UPDATE_MODES)
        _one_of("fetch_json", self.fetch_json, FETCH_JSON_MODES)
        _one_of("json_asset_url", self.json_asset_url, JSON_ASSET_URL_MODES)

    def with_switches(self, **switches: Any) -> Dialect:
        """This dialect with some switches changed (``name`` stays; ``as_dict`` shows every switch)."""
        known = switch_names()
        unknown = sorted(set(switches) - set(known))
        if unknown:
            raise ValueError(f"unknown dialect switch(es) {unknown}; known: {', '.join(known)}")
        return dataclasses.replace(self, **switches)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def translate(self, err: CamsErrorAnswer) -> CamsErrorAnswer:
        """A refusal raised under its ``guess`` code, as this dialect answers it (others unchanged)."""
        renamed = {
            WRONG_STATUS: (self.wrong_status_code, self.wrong_status_http),
            NOT_FOUND: (self.not_found_code, self.not_found_http),
            NO_JSON: (self.no_json_code, self.no_json_http),
            JSON_UNREACHABLE: (self.json_unreachable_code, 400),
            JSON_INVALID: (self.json_invalid_code, 400),
            DUPLICATE_TEMPLATE: (self.duplicate_template_code, self.duplicate_template_http),
        }.get(err.code)
        if renamed is None or renamed == (err.code, err.http_status):
            return err
        code, status = renamed
        return CamsErrorAnswer(code, err.message, status, err.access_denied)


def _one_of(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r:.40}")


def switch_names() -> tuple[str, ...]:
    """Every switch a dialect has (all fields but ``name``)."""
    return tuple(f.name for f in dataclasses.fields(Dialect) if f.name != "name")


_RENAMED = Dialect(
    name="renamed",
    wrong_status_code="Flow.StatusNotAllowed",
    wrong_status_http=200,
    not_found_code="Resource.FlowNotExist",
    not_found_http=404,
    no_json_code="Flow.AssetMissing",
    no_json_http=200,
    json_unreachable_code="Flow.FileDownloadFailed",
    json_invalid_code="Flow.FileContentIllegal",
    duplicate_template_code="Template.NameExists",
    duplicate_template_http=200,
)

DIALECTS: dict[str, Dialect] = {
    "guess": Dialect(),
    "renamed": _RENAMED,
    "contrary": dataclasses.replace(
        _RENAMED,
        name="contrary",
        published_update="revert_to_draft",
        fetch_json="publish",
        json_asset_url="given",
        duplicate_template_code="Template.NameConflict",
        duplicate_template_http=409,
    ),
}


def dialect_named(dialect: str | Dialect | None = None, **switches: Any) -> Dialect:
    """A dialect by name (or as given; None: ``guess``), with ``switches`` overriding single switches."""
    if dialect is None:
        dialect = DEFAULT_DIALECT
    if isinstance(dialect, str):
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r:.40}; known: {', '.join(DIALECTS)}")
        dialect = DIALECTS[dialect]
    return dialect.with_switches(**switches) if switches else dialect


def dialect_from_mapping(body: Mapping[str, Any]) -> Dialect:
    """``{"dialect": "renamed", "wrong_status_http": 400}`` (control endpoint) -> a Dialect."""
    switches = {k: v for k, v in body.items() if k != "dialect"}
    return dialect_named(body.get("dialect"), **switches)
