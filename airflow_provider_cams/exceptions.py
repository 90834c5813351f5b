"""The provider's exception types.

Every SDK failure becomes one of these, carrying the vendor's code, its original message, the
request id, the HTTP status, ``AccessDeniedDetail`` and ``Recommend``. Errors that cannot heal by
retrying also derive from ``AirflowFailException``, so Airflow fails the task without using its
retries.
"""

from __future__ import annotations

from typing import Any

from airflow.exceptions import AirflowException

# common-compat, not utils/compat: exceptions sit below utils (see docs/architecture.rst).
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_cams.vendor.error_codes import ErrorKind, lookup


class CamsError(AirflowException):
    """Base class of every error raised by this provider."""


class CamsConfigError(CamsError, AirflowFailException, ValueError):
    """The connection is misconfigured. Raised before any request is sent."""


class CamsValidationError(CamsError, AirflowFailException, ValueError):
    """An operator or hook argument is invalid. Raised before any request is sent."""


class CamsApiError(CamsError):
    """CAMS answered with an error (HTTP 4xx/5xx, or HTTP 200 with ``Code != "OK"``)."""

    kind: ErrorKind = ErrorKind.UNKNOWN

    def __init__(
        self,
        *,
        action: str,
        code: str | None,
        message: str | None,
        request_id: str | None = None,
        http_status: int | None = None,
        access_denied_detail: Any = None,
        recommend: str | None = None,
        retry_after: float | None = None,
        observed: str | None = None,
    ) -> None:
        self.action = action
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        self.access_denied_detail = access_denied_detail
        self.recommend = recommend
        self.retry_after = retry_after
        self.observed = observed
        super().__init__(self._render())

    @property
    def hint(self) -> str | None:
        known = lookup(self.code)
        return known.hint.replace("<Action>", self.action) if known else None

    def _render(self) -> str:
        parts = [f"CAMS {self.action} failed: {self.code or 'no error code'}"]
        if self.http_status is not None:
            parts[0] += f" (HTTP {self.http_status})"
        if self.message:
            parts.append(str(self.message).strip())
        parts.append(f"RequestId: {self.request_id or 'none'}")
        if self.observed:
            parts.append(f"Observed: {self.observed}")
        if self.access_denied_detail not in (None, "", "None"):
            parts.append(f"AccessDeniedDetail: {self.access_denied_detail}")
        if self.hint:
            parts.append(f"What to do: {self.hint}")
        if self.recommend:
            parts.append(f"Troubleshoot: {self.recommend}")
        return ". ".join(p.rstrip(".") for p in parts) + "."

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (for XCom, trigger events and logs)."""
        return {
            "action": self.action,
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "http_status": self.http_status,
            "observed": self.observed,
        }

    def explained(self, observed: str, as_type: type[CamsApiError] | None = None) -> CamsApiError:
        """This refusal once the flow was read: CAMS's code, message and request id verbatim, plus what
        was observed; ``as_type`` when the observation decides the outcome (e.g. a DEPRECATED flow)."""
        return (as_type or type(self))(
            action=self.action,
            code=self.code,
            message=self.message,
            request_id=self.request_id,
            http_status=self.http_status,
            access_denied_detail=self.access_denied_detail,
            recommend=self.recommend,
            retry_after=self.retry_after,
            observed=observed,
        )


class CamsThrottledError(CamsApiError):
    """``System.LimitControl`` or ``Throttling*``: the account's rate limit was exceeded."""

    kind = ErrorKind.THROTTLED


class CamsTransientError(CamsApiError):
    """HTTP 5xx or a transient gateway code; retried."""

    kind = ErrorKind.TRANSIENT


class CamsAuthError(CamsApiError, AirflowFailException):
    """Credentials, signature, permission, subscription or ownership: retrying cannot help."""

    kind = ErrorKind.AUTH


class CamsInvalidRequestError(CamsApiError, AirflowFailException):
    """CAMS rejected a parameter."""

    kind = ErrorKind.INVALID


class CamsFlowNotFoundError(CamsApiError):
    """No flow with this FlowId in this CustSpaceId, as observed (ListFlow does not list it).

    Raised only from an observation: CAMS documents no code for a missing flow, so no code maps here.
    """

    kind = ErrorKind.NOT_FOUND


class CamsFlowStateError(CamsApiError, AirflowFailException):
    """The flow's observed status does not allow the action (e.g. publishing a DEPRECATED flow); no
    retry heals it. Raised only from an observation (GetFlow): CAMS documents no wrong-status code."""

    kind = ErrorKind.FLOW_STATE


class CamsDuplicateFlowError(CamsError, AirflowFailException):
    """Several flows share the name a retried CreateFlow looks for: the provider will not guess."""

    def __init__(self, flow_name: str, flow_ids: list[str]) -> None:
        self.flow_name = flow_name
        self.flow_ids = flow_ids
        super().__init__(
            f"{len(flow_ids)} flows are named {flow_name!r} with these categories "
            f"({', '.join(flow_ids)}), so a retried CreateFlow cannot tell which one it created. "
            "Delete the extra DRAFT flows or give each flow a unique name (e.g. include {{ run_id }})."
        )


class CamsTransportError(CamsError):
    """No usable HTTP response: connection refused or dropped, timeout, or a non-JSON body.

    ``maybe_applied`` is True when the request may have reached CAMS (the change may have happened);
    a retry of a non-idempotent action must then check state before sending it again.
    """

    def __init__(
        self, *, action: str, reason: str, maybe_applied: bool, http_status: int | None = None
    ) -> None:
        self.action = action
        self.reason = reason
        self.maybe_applied = maybe_applied
        self.http_status = http_status
        status = f" (HTTP {http_status})" if http_status else ""
        super().__init__(f"CAMS {action} got no usable response{status}: {reason}")


_BY_KIND: dict[ErrorKind, type[CamsApiError]] = {
    ErrorKind.THROTTLED: CamsThrottledError,
    ErrorKind.TRANSIENT: CamsTransientError,
    ErrorKind.AUTH: CamsAuthError,
    ErrorKind.INVALID: CamsInvalidRequestError,
}  # NOT_FOUND and FLOW_STATE come from an observed state, never from a code (see needs_explaining)


# Kinds whose meaning only the flow's observed state can tell: CAMS documents no code for a wrong status,
# a missing flow or most business refusals, so such an answer is read as "something was refused" and the
# flow is read back (GetFlow, ListFlow, GetFlowJSONAssest) before the task decides.
EXPLAINED_BY_STATE = frozenset({ErrorKind.UNKNOWN, ErrorKind.FLOW_STATE, ErrorKind.NOT_FOUND})


def needs_explaining(exc: BaseException) -> bool:
    """True for a CAMS business refusal (HTTP 4xx, or 200 with ``Code != "OK"``) that is neither
    throttling, authentication/permission, an invalid parameter nor a server fault: what it means is
    decided from the flow's observed state, never from its (undocumented) code."""
    return isinstance(exc, CamsApiError) and exc.kind in EXPLAINED_BY_STATE


def api_error_class(code: str | None, http_status: int | None) -> type[CamsApiError]:
    """Pick the exception type for a code; unknown codes fall back on the HTTP status."""
    known = lookup(code)
    if known is not None:
        return _BY_KIND.get(known.kind, CamsApiError)
    if http_status is not None and http_status >= 500:
        return CamsTransientError
    if http_status in (401, 403):
        return CamsAuthError
    return CamsApiError
