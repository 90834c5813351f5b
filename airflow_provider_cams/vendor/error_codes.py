"""Every CAMS error code the provider knows: what it means, what we do, what the user should do.

``documented`` is True only for codes on the vendor's CAMS flow reference pages. The others are Alibaba
Cloud gateway codes or codes the bundled emulator uses where CAMS documents nothing (ASSUMED).
Codes not in the table are classified by their family, the part before the first dot
(``ERROR_FAMILIES``: ``InvalidParameter.PageInvalid`` is an invalid request). These tables drive
the exception type, the retry decision and the hint in every failure message, and the error guide in
the docs.
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
    NOT_FOUND = "not_found"  # observed: ListFlow does not list the flow (no code maps here)
    FLOW_STATE = "flow_state"  # observed: the flow's status does not allow the action (no code maps here)
    UNKNOWN = "unknown"  # anything else: explained by the flow's state, else fails (Airflow retries apply)


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
        ErrorKind.AUTH,
        False,
        "CAMS refused the request's date: the worker's clock is off (the gateway accepts about 15 "
        "minutes of difference). Synchronise the worker's clock with NTP (e.g. chrony or "
        "systemd-timesyncd); a retry with the same clock fails the same way.",
    ),
    "InvalidTimeStamp.Format": ErrorCode(
        ErrorKind.AUTH, False, "The request date format was rejected; report a provider bug."
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
    # Flow refusals: CAMS documents no code for any of these. The names are the emulator's guesses
    # (ASSUMED): they decide nothing (kind UNKNOWN: the flow is read to explain the refusal, see
    # exceptions.needs_explaining) and only add a hint to the message when CAMS happens to use them.
    "Flow.NotFound": ErrorCode(
        ErrorKind.UNKNOWN,
        False,
        "ASSUMED meaning (the emulator's code): no flow has this FlowId in this CustSpaceId; check the id "
        "and the connection's cust_space_id.",
    ),
    "Flow.StatusNotSupport": ErrorCode(
        ErrorKind.UNKNOWN,
        False,
        "ASSUMED meaning (the emulator's code): the flow's status does not allow this action (only DRAFT "
        "flows can be modified, published or deleted; only PUBLISHED flows can be deprecated).",
    ),
    "Flow.JSONNotFound": ErrorCode(
        ErrorKind.UNKNOWN,
        False,
        "ASSUMED meaning (the emulator's code): attach the flow JSON (UpdateFlowJSONAsset) before "
        "publishing.",
    ),
    "Flow.JsonAssetUnreachable": ErrorCode(
        ErrorKind.UNKNOWN,
        False,
        "ASSUMED meaning (the emulator's code): CAMS could not download the flow JSON; make file_path "
        "readable (e.g. a presigned URL that has not expired) and under 10 MB.",
    ),
    "Flow.JsonAssetInvalid": ErrorCode(
        ErrorKind.UNKNOWN,
        False,
        "ASSUMED meaning (the emulator's code): the file at file_path is not a flow JSON (an object with "
        "'version' and 'screens'); fix the file.",
    ),
}


CHATAPP_ERROR_PAGE = "https://www.alibabacloud.com/help/en/chatapp/developer-reference/api-error-codes"
CHATAPP_ERROR_PAGE_ZH = "https://help.aliyun.com/zh/chatapp/developer-reference/api-error-codes"


@dataclass(frozen=True)
class ErrorFamily:
    """Codes sharing a prefix (``InvalidParameter.*``): how the ones not listed one by one are treated.

    ``source`` says where the family is seen: a vendor page, or why it is ASSUMED.
    """

    kind: ErrorKind
    documented: bool
    example: str
    source: str
    hint: str


ERROR_FAMILIES: dict[str, ErrorFamily] = {
    "InvalidParameter": ErrorFamily(
        ErrorKind.INVALID,
        True,
        "InvalidParameter.PageInvalid",
        f"ChatApp API error codes ({CHATAPP_ERROR_PAGE}): some 30 InvalidParameter.* codes (message "
        "and template checks such as InvalidParameter.PageInvalid); none is specific to flows.",
        "CAMS rejected a parameter; the code names which check failed (see the message). Fix the "
        "value in the DAG: retrying sends the same value and fails the same way.",
    ),
    "MissingParameter": ErrorFamily(
        ErrorKind.INVALID,
        False,
        "MissingParameter.FlowId",
        "ASSUMED: an Alibaba Cloud gateway family (the code names the parameter); not on the CAMS "
        "pages. The provider checks required parameters before sending, so seeing one is a provider bug.",
        "A required parameter was not sent: check the task's arguments, and report a provider bug if "
        "they are set.",
    ),
    "Authentication": ErrorFamily(
        ErrorKind.AUTH,
        True,
        "Authentication.NoAuth",
        f"ChatApp API error codes, Chinese edition ({CHATAPP_ERROR_PAGE_ZH}): Authentication.NoAuth, "
        "'you have no permission to perform this operation'.",
        "This AccessKey may not perform the operation: check the connection's AccessKey, the RAM "
        "user's permissions (cams:<Action>, e.g. policy AliyunCAMSFullAccess) and that the "
        "CustSpaceId belongs to this account.",
    ),
    "InvalidTimeStamp": ErrorFamily(
        ErrorKind.AUTH,
        False,
        "InvalidTimeStamp.Expired",
        "ASSUMED to apply to CAMS: an Alibaba Cloud gateway family, not on the CAMS pages. Alibaba's SDK "
        "team answers that the gateway rejects a request whose timestamp is too far from the server's "
        "time (15 minutes) and that the fix is the local clock (https://developer.aliyun.com/ask/128316).",
        "CAMS refused the request's date: synchronise the worker's clock with NTP (e.g. chrony or "
        "systemd-timesyncd). Retrying with the same clock fails the same way.",
    ),
    "Throttling": ErrorFamily(
        ErrorKind.THROTTLED,
        False,
        "Throttling.User",
        "ASSUMED: Alibaba Cloud gateway throttling codes (Throttling, Throttling.User, Throttling.Api).",
        "Throttled by the gateway; retried with backoff.",
    ),
    "ServiceUnavailable": ErrorFamily(
        ErrorKind.TRANSIENT,
        False,
        "ServiceUnavailable.Busy",
        "ASSUMED: Alibaba Cloud gateway codes for a temporarily unavailable service.",
        "CAMS is unavailable; retried with backoff.",
    ),
    "InternalError": ErrorFamily(
        ErrorKind.TRANSIENT,
        False,
        "InternalError.Timeout",
        "ASSUMED: Alibaba Cloud gateway codes for a server-side failure.",
        "CAMS had an internal error; retried with backoff.",
    ),
}


def family_of(code: str) -> str:
    """The family of a code: the part before the first dot (``InvalidParameter.PageInvalid``)."""
    return code.split(".", 1)[0]


def lookup(code: str | None) -> ErrorCode | None:
    """Find a code, else its family (``InvalidParameter.X`` -> invalid, ``Throttling.Foo`` -> throttled).

    An exact entry wins; a family's entry carries the family's kind and hint.
    """
    if not code:
        return None
    if code in ERROR_CODES:
        return ERROR_CODES[code]
    prefix = family_of(code)
    if prefix.startswith("Throttling"):  # e.g. ThrottlingUser: gateways spell it more than one way
        prefix = "Throttling"
    family = ERROR_FAMILIES.get(prefix)
    if family is None:
        return None
    return ErrorCode(family.kind, family.documented, family.hint)
