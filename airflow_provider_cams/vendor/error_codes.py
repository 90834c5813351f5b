"""Every CAMS error code the provider knows: what it means, what we do, what the user should do.

``documented`` is True only for codes on the vendor's CAMS reference pages. The others are Alibaba
Cloud gateway codes or codes the bundled emulator uses where CAMS documents nothing (ASSUMED).
This table drives the exception type, the retry decision and the hint in every failure message,
and the error guide in the docs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ErrorKind(str, enum.Enum):
    """How the provider treats an error."""

    THROTTLED = "throttled"  # retried in the task with backoff, honouring x-acs-retry-after
    TRANSIENT = "transient"  # retried (server side or network trouble)
    AUTH = "auth"  # fails the task at once, no Airflow retries: cannot heal by retrying
    INVALID = "invalid"  # bad request: fails at once, no Airflow retries
    NOT_FOUND = "not_found"  # the flow does not exist (in this CustSpaceId)
    FLOW_STATE = "flow_state"  # the flow's status does not allow the action
    UNKNOWN = "unknown"  # anything else: fails the task, Airflow retries apply


@dataclass(frozen=True)
class ErrorCode:
    kind: ErrorKind
    documented: bool
    hint: str


_PERM = "Grant the RAM user or role the cams:<Action> permission (e.g. policy AliyunCAMSFullAccess)."

ERROR_CODES: dict[str, ErrorCode] = {
    # Documented on every CAMS flow operation (HTTP 400).
    "System.LimitControl": ErrorCode(
        ErrorKind.THROTTLED,
        True,
        "The account exceeded its CAMS QPS (5 calls/s by default). Run every CAMS task of this account "
        "in the account's pool (see 'cams-pool') and check no other client shares the account.",
    ),
    "Ram.PermissionDeny": ErrorCode(ErrorKind.AUTH, True, _PERM),
    "Product.Unsubscript": ErrorCode(
        ErrorKind.AUTH,
        True,
        "Activate Chat App Message Service for this Alibaba Cloud account in the console.",
    ),
    "Unknown.ResourceOwnerId": ErrorCode(
        ErrorKind.AUTH,
        True,
        "The resource belongs to another account: check the AccessKey and the CustSpaceId.",
    ),
    # Alibaba Cloud gateway codes (not on the CAMS pages: ASSUMED to apply to CAMS as to other products).
    "InvalidAccessKeyId.NotFound": ErrorCode(
        ErrorKind.AUTH, False, "The AccessKey ID is unknown: fix the connection's login (AccessKey ID)."
    ),
    "InvalidAccessKeyId.Inactive": ErrorCode(
        ErrorKind.AUTH, False, "The AccessKey is disabled: enable it or use another one."
    ),
    "SignatureDoesNotMatch": ErrorCode(
        ErrorKind.AUTH,
        False,
        "The AccessKey Secret does not match the AccessKey ID: fix the connection's password.",
    ),
    "IncompleteSignature": ErrorCode(
        ErrorKind.AUTH, False, "The request signature is incomplete: check the connection's credentials."
    ),
    "InvalidSecurityToken.Expired": ErrorCode(
        ErrorKind.AUTH, False, "The STS token expired: refresh the connection's security_token."
    ),
    "InvalidSecurityToken.Malformed": ErrorCode(
        ErrorKind.AUTH, False, "The STS token is malformed: copy it again into security_token."
    ),
    "InvalidSecurityToken.MismatchWithAccessKey": ErrorCode(
        ErrorKind.AUTH, False, "The STS token belongs to another AccessKey ID: update both together."
    ),
    "InvalidTimeStamp.Expired": ErrorCode(
        ErrorKind.TRANSIENT, False, "The request date was rejected: check the worker's clock (NTP)."
    ),
    "InvalidTimeStamp.Format": ErrorCode(
        ErrorKind.INVALID, False, "The request date format was rejected; report a provider bug."
    ),
    "SignatureNonceUsed": ErrorCode(
        ErrorKind.TRANSIENT, False, "A signature nonce was reused; a fresh request is signed on retry."
    ),
    "InvalidCredentials": ErrorCode(
        ErrorKind.AUTH,
        False,
        "No credentials were found: set login/password on the connection or configure the Alibaba default "
        "credential chain (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET, profile, RAM role).",
    ),
    "Throttling": ErrorCode(ErrorKind.THROTTLED, False, "Throttled by the gateway; retried with backoff."),
    "Throttling.User": ErrorCode(
        ErrorKind.THROTTLED, False, "Throttled by the gateway; retried with backoff."
    ),
    "Throttling.Api": ErrorCode(
        ErrorKind.THROTTLED, False, "Throttled by the gateway; retried with backoff."
    ),
    "ServiceUnavailable": ErrorCode(ErrorKind.TRANSIENT, False, "CAMS is unavailable; retried with backoff."),
    "InternalError": ErrorCode(
        ErrorKind.TRANSIENT, False, "CAMS had an internal error; retried with backoff."
    ),
    "InvalidVersion": ErrorCode(ErrorKind.INVALID, False, "The API version is wrong; report a provider bug."),
    "InvalidAction.NotFound": ErrorCode(
        ErrorKind.INVALID, False, "The endpoint does not know this action: check region_id/endpoint."
    ),
    "MissingParameter": ErrorCode(ErrorKind.INVALID, False, "A required parameter is missing."),
    "InvalidParameter": ErrorCode(ErrorKind.INVALID, False, "A parameter was rejected: check its value."),
    # Flow errors: CAMS documents no code for these. The names are the emulator's (ASSUMED).
    "Flow.NotFound": ErrorCode(
        ErrorKind.NOT_FOUND,
        False,
        "No flow has this FlowId in this CustSpaceId: check the id and the connection's cust_space_id.",
    ),
    "Flow.StatusNotSupport": ErrorCode(
        ErrorKind.FLOW_STATE,
        False,
        "The flow's status does not allow this action (only DRAFT flows can be modified, published or "
        "deleted; only PUBLISHED flows can be deprecated).",
    ),
    "Flow.JSONNotFound": ErrorCode(
        ErrorKind.FLOW_STATE, False, "Attach the flow JSON (UpdateFlowJSONAsset) before publishing."
    ),
    "Flow.JsonAssetUnreachable": ErrorCode(
        ErrorKind.INVALID,
        False,
        "CAMS could not download the flow JSON: make file_path readable (e.g. a presigned URL that has "
        "not expired) and under 10 MB.",
    ),
    "Flow.JsonAssetInvalid": ErrorCode(
        ErrorKind.INVALID,
        False,
        "The file at file_path is not a flow JSON (an object with 'version' and 'screens'): fix the file.",
    ),
}


def lookup(code: str | None) -> ErrorCode | None:
    """Find a code, also by family (``Throttling.Foo`` -> throttled, ``InternalError.X`` -> transient)."""
    if not code:
        return None
    if code in ERROR_CODES:
        return ERROR_CODES[code]
    family = code.split(".", 1)[0]
    if family.startswith("Throttling"):
        return ERROR_CODES["Throttling"]
    if family in ("ServiceUnavailable", "InternalError"):
        return ERROR_CODES[family]
    return None
