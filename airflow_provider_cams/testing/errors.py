"""Error codes the CAMS emulator answers with, and the vendor-style error body.

Two tables, so every undocumented choice is visible in one place:

* ``DOCUMENTED_ERROR_CODES``: the codes on the vendor's CAMS flow reference pages (all HTTP 400).
* ``ASSUMED_ERROR_CODES``: everything else. Alibaba Cloud gateway codes (signature, timestamp, nonce, STS,
  version, action) are the gateway's common codes, ASSUMED to apply to CAMS as to other RPC products; the
  business codes (``MissingParameter``, ``InvalidParameter``, ``Flow.*``) are the emulator's own names for
  cases CAMS documents no code for (ASSUMED). Messages containing ``{...}`` are ``str.format`` templates.
"""

from __future__ import annotations

import uuid
from typing import Any

HOST_ID = "cams.ap-southeast-1.aliyuncs.com"

# code -> (http_status, message). From the vendor's reference pages (e.g. PublishFlow).
DOCUMENTED_ERROR_CODES: dict[str, tuple[int, str]] = {
    "Product.Unsubscript": (400, "You have not subscribed to the specified product."),
    "Ram.PermissionDeny": (400, "You are not authorized to perform the operation."),
    "System.LimitControl": (400, "The system is under flow control."),
    "Unknown.ResourceOwnerId": (400, "The resource does not belong to the current user."),
}

# code -> (http_status, message template, when the emulator answers with it). ALL ASSUMED.
ASSUMED_ERROR_CODES: dict[str, tuple[int, str, str]] = {
    "IncompleteSignature": (
        400,
        "The request signature does not conform to Aliyun standards. {reason}",
        "No Authorization header, a non ACS3-HMAC-SHA256 scheme (e.g. the v2 HMAC-SHA1 query signature), "
        "a malformed Authorization, a required header (host, x-acs-date, x-acs-signature-nonce, "
        "x-acs-content-sha256) missing or unsigned, or any x-acs-* header left unsigned.",
    ),
    "InvalidAccessKeyId.NotFound": (
        404,
        "Specified access key is not found.",
        "The Credential's AccessKeyId is not configured.",
    ),
    "SignatureDoesNotMatch": (
        400,
        "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}",
        "The signature (or x-acs-content-sha256 versus the actual body) does not verify.",
    ),
    "InvalidTimeStamp.Expired": (
        400,
        "Specified time stamp or date value is expired. {reason}",
        "x-acs-date is more than 15 minutes away from the emulator's clock.",
    ),
    "InvalidTimeStamp.Format": (
        400,
        "Specified time stamp or date value is not well formatted.",
        "x-acs-date is not %Y-%m-%dT%H:%M:%SZ.",
    ),
    "SignatureNonceUsed": (
        400,
        "Specified signature nonce was used already.",
        "The same x-acs-signature-nonce was seen for this AccessKeyId within its validity window.",
    ),
    "InvalidSecurityToken.Expired": (
        400,
        "Specified SecurityToken is expired.",
        "The STS identity was expired with expire_sts().",
    ),
    "InvalidSecurityToken.Malformed": (
        400,
        "Specified SecurityToken is malformed. {reason}",
        "An STS AccessKeyId without x-acs-security-token, or a token the emulator never issued.",
    ),
    "InvalidSecurityToken.MismatchWithAccessKey": (
        400,
        "Specified SecurityToken mismatch with the AccessKey.",
        "A token issued for another AccessKeyId (x-acs-security-token or x-acs-accesskey-id).",
    ),
    "InvalidVersion": (
        400,
        "Specified parameter Version is not valid.",
        "Version is not 2020-06-06.",
    ),
    "InvalidAction.NotFound": (
        404,
        "Specified api is not found, please check your url and method.",
        "Unknown action, a path other than / (and /_emulator/...), or a method other than GET/POST.",
    ),
    "MissingParameter": (
        400,
        'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
        "A required parameter (or Action/Version) is absent or empty.",
    ),
    "InvalidParameter": (
        400,
        'The specified parameter "{name}" is not valid. {reason}',
        "Bad JSON in Categories/Page, unknown or no category, FlowName over 200 characters, Page out of "
        "range, x-acs-action and the Action query parameter disagree, or a FilePath the emulator will not "
        "download (not http/https, or a host that is not loopback: see assets.py).",
    ),
    "Flow.NotFound": (
        400,
        'The specified flow "{flow_id}" does not exist.',
        "No flow with this FlowId in the caller's (account, CustSpaceId) scope.",
    ),
    "Flow.StatusNotSupport": (
        400,
        'The flow "{flow_id}" is {status}: {action} is not supported in this status.',
        "A lifecycle transition that is not allowed (see state.py), including UpdateFlowJSONAsset on a "
        'PUBLISHED/THROTTLED/BLOCKED flow when published_update="reject" (the default).',
    ),
    "Flow.JSONNotFound": (
        400,
        'The flow "{flow_id}" has no flow JSON: call UpdateFlowJSONAsset before publishing.',
        "PublishFlow of a flow without a JSON asset (require_flow_json, on by default).",
    ),
    "Flow.JsonAssetUnreachable": (
        400,
        'The flow JSON could not be downloaded from "{file_path}". {reason}',
        "UpdateFlowJSONAsset: FilePath refused the connection, answered other than 2xx (redirects "
        "included), took longer than the fetch timeout, or is larger than 10 MB.",
    ),
    "Flow.JsonAssetInvalid": (
        400,
        "The file at FilePath is not a flow JSON. {reason}",
        'UpdateFlowJSONAsset: the downloaded file is not a UTF-8 JSON object with a "version" string and a '
        'non-empty "screens" list (the emulator\'s own minimal reading, not a full validator).',
    ),
    "ServiceUnavailable": (
        503,
        "The request has failed due to a temporary failure of the server.",
        "Injected fault server_error.",
    ),
    "InternalError": (
        500,
        "The request processing has failed due to some unknown error, exception or failure.",
        "Injected faults server_error_after_apply and error_200 (the latter with HTTP 200).",
    ),
}


def new_request_id() -> str:
    """A RequestId in the vendor's shape (upper-case UUID)."""
    return str(uuid.uuid4()).upper()


def default_status(code: str) -> int:
    """The HTTP status the emulator uses for a code; 400 for codes in neither table."""
    if code in DOCUMENTED_ERROR_CODES:
        return DOCUMENTED_ERROR_CODES[code][0]
    if code in ASSUMED_ERROR_CODES:
        return ASSUMED_ERROR_CODES[code][0]
    return 400


def default_message(code: str, **fields: Any) -> str:
    """The message for a code, with template fields filled; the code itself for unknown codes."""
    if code in DOCUMENTED_ERROR_CODES:
        return DOCUMENTED_ERROR_CODES[code][1]
    if code in ASSUMED_ERROR_CODES:
        template = ASSUMED_ERROR_CODES[code][1]
        try:
            return template.format(**fields).strip()
        except (KeyError, IndexError):
            return template
    return code


def access_denied_detail(action: str | None, access_key_id: str | None) -> dict[str, str]:
    """An AccessDeniedDetail object for Ram.PermissionDeny.

    ASSUMED shape: Alibaba Cloud's RAM denial detail (the CAMS pages only say "string").
    """
    return {
        "AuthAction": f"cams:{action or '*'}",
        "AuthPrincipalDisplayName": access_key_id or "",
        "AuthPrincipalOwnerId": "1234567890123456",
        "AuthPrincipalType": "SubUser",
        "NoPermissionType": "ImplicitDeny",
        "PolicyType": "AccountLevelIdentityBasedPolicy",
        "EncodedDiagnosticMessage": "emulator",
    }


class CamsErrorAnswer(Exception):
    """A CAMS error answer: raised by validation and state code, turned into an error body by the server.

    Not ``CamsError``: that is the provider's own exception (``airflow_provider_cams.exceptions``), which a
    test may catch in the same file.
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        http_status: int | None = None,
        access_denied: dict[str, str] | None = None,
        **fields: Any,
    ) -> None:
        self.code = code
        self.message = message if message is not None else default_message(code, **fields)
        self.http_status = http_status if http_status is not None else default_status(code)
        self.access_denied = access_denied
        super().__init__(f"{code}: {self.message}")


#: Deprecated alias of :class:`CamsErrorAnswer` (the old name shadowed ``exceptions.CamsError``); kept
#: because the API page documented it.
CamsError = CamsErrorAnswer


def error_body(
    code: str, message: str, request_id: str, access_denied: dict[str, str] | None = None
) -> dict[str, Any]:
    """The vendor-style error body (RequestId, HostId, Code, Message, Recommend[, AccessDeniedDetail]).

    ASSUMED: the Recommend URL format is the one other Alibaba Cloud products return.
    """
    body: dict[str, Any] = {
        "RequestId": request_id,
        "HostId": HOST_ID,
        "Code": code,
        "Message": message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=cams&requestId={request_id}",
    }
    if access_denied is not None:
        body["AccessDeniedDetail"] = access_denied
    return body


def success_body(request_id: str, data: Any = None, with_data: bool = False) -> dict[str, Any]:
    """The vendor-style success body; ``Data`` only for actions that return data."""
    body: dict[str, Any] = {
        "RequestId": request_id,
        "Code": "OK",
        "Message": "None",
        "AccessDeniedDetail": "None",
    }
    if with_data:
        body["Data"] = data
    return body
