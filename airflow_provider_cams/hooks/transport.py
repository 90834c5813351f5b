"""The wire: one send pipeline, shared by the hook's sync and async paths.

action + params -> checked request -> pace -> signed HTTP call (``alibabacloud-tea-openapi``) -> checked
body (``Code == "OK"``), or a typed error from :mod:`airflow_provider_cams.exceptions`. Retries of what
can heal (throttling, 5xx, network) use ``tenacity``; an action that is not safe to send twice is re-sent
after an ambiguous failure only once its ``reconcile`` callback says the change did not happen.
The SDK is imported when the first request is built, never at module import.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from airflow_provider_cams.exceptions import (
    CamsApiError,
    CamsAuthError,
    CamsError,
    CamsThrottledError,
    CamsTransientError,
    CamsTransportError,
    CamsValidationError,
    api_error_class,
)
from airflow_provider_cams.hooks.results import Body
from airflow_provider_cams.utils.metrics import CallCounters
from airflow_provider_cams.utils.rate import Pacer
from airflow_provider_cams.vendor.actions import API_VERSION, FLOW_ACTIONS
from airflow_provider_cams.vendor.messaging import MESSAGING_ACTIONS, body_params

if TYPE_CHECKING:
    from alibabacloud_tea_openapi.client import Client

# Called before re-sending a non-idempotent action after an ambiguous failure: returns what to answer if
# the change already happened, or None to send the action again.
Reconcile = Callable[[], Any]

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_INITIAL_WAIT = 0.5
DEFAULT_MAX_WAIT = 20.0
DEFAULT_RETRY_BUDGET = 120.0


@dataclass(frozen=True)
class RetryPolicy:
    """How long a call keeps trying: attempts, backoff (exponential with jitter) and a time budget."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    initial_wait: float = DEFAULT_INITIAL_WAIT
    max_wait: float = DEFAULT_MAX_WAIT
    retry_budget: float = DEFAULT_RETRY_BUDGET

    def __post_init__(self) -> None:
        if (
            not isinstance(self.max_attempts, int)
            or isinstance(self.max_attempts, bool)
            or self.max_attempts < 1
        ):
            raise CamsValidationError(f"max_attempts must be a whole number >= 1, got {self.max_attempts!r}.")
        for name in ("initial_wait", "max_wait", "retry_budget"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise CamsValidationError(f"{name} must be a number of seconds >= 0, got {value!r}.")

    def wait(self, state: RetryCallState) -> float:
        """Backoff with jitter; a server's ``x-acs-retry-after`` wins (capped at ``max_wait``)."""
        exc = state.outcome.exception() if state.outcome else None
        backoff = wait_exponential_jitter(initial=self.initial_wait, max=self.max_wait)(state)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            return float(min(max(retry_after, 0.0), self.max_wait) + backoff * 0.1)
        return float(backoff)


@dataclass
class Exchange:
    """One action on its way: the checked query, and what failed attempts have taught so far."""

    action: str
    query: dict[str, str]
    resend_unsafe: bool
    can_reconcile: bool
    # Parameters sent in the signed form body instead of the URL (big ones: vendor/messaging.py).
    body: dict[str, str] = field(default_factory=dict)
    # True after a failure that may have come after CAMS applied a non-idempotent action.
    outcome_unknown: bool = field(default=False, init=False)

    def should_retry(self, exc: BaseException) -> bool:
        """Retry what can heal; a maybe-applied unsafe action only if it can be reconciled first."""
        if not is_retryable(exc):
            return False
        if self.resend_unsafe and maybe_applied(exc):
            self.outcome_unknown = True
            return self.can_reconcile
        return True


class Transport:
    """Builds, paces, sends and checks CAMS calls for one hook (one client, one pacer, one policy)."""

    def __init__(
        self,
        client: Callable[[], Client],
        protocol: str,
        pacer: Pacer,
        policy: RetryPolicy,
        log: logging.Logger | Any,
    ) -> None:
        self._client = client
        self._protocol = protocol.upper()
        self.pacer = pacer
        self.policy = policy
        self.log = log
        self.counters = CallCounters()  # also emitted as Airflow metrics (utils/metrics.py)

    # --------------------------------------------------------------- the two entry points
    def call(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        reconcile: Reconcile | None = None,
        max_attempts: int | None = None,
    ) -> Any:
        """Send ``action`` (retrying what can heal) and return its checked body.

        After an ambiguous failure of an action that is not safe to re-send, ``reconcile`` runs first:
        its non-None answer is returned instead of sending again.
        """
        exchange = prepare(action, params, can_reconcile=reconcile is not None)
        for attempt in Retrying(**self._retry_kwargs(exchange, max_attempts)):
            with attempt:
                if exchange.outcome_unknown and reconcile is not None:
                    done = reconcile()
                    if done is not None:
                        self.log.info("CAMS %s had already taken effect; not sending it again.", action)
                        return done
                    exchange.outcome_unknown = False
                request = self._request(exchange)  # SDK set-up before the pacing wait
                waited = self.pacer.before_call(action)
                self.counters.record_wait(action, waited)
                if waited > 0.05:
                    self.log.info("Waited %.2f s for the account's call rate before %s.", waited, action)
                with self._sending(exchange):
                    return check_response(action, self._client().call_api(*request))
        raise AssertionError("unreachable")  # pragma: no cover - tenacity reraises

    async def acall(
        self, action: str, params: Mapping[str, Any] | None = None, *, max_attempts: int | None = None
    ) -> Body:
        """Async :meth:`call`, for triggers: reads only, which are safe to retry after any failure."""
        exchange = prepare(action, params, can_reconcile=False)
        if exchange.resend_unsafe:
            raise CamsValidationError(f"acall sends only idempotent CAMS actions, not {action}.")
        async for attempt in AsyncRetrying(**self._retry_kwargs(exchange, max_attempts)):
            with attempt:
                request = self._request(exchange)
                waited = 0.0
                while (delay := self.pacer.wait_time(action)) > 0:  # 0: may send (a store pacer: slot taken)
                    await asyncio.sleep(delay)
                    waited += delay
                self.counters.record_wait(action, waited)
                with self._sending(exchange):
                    return check_response(action, await self._client().call_api_async(*request))
        raise AssertionError("unreachable")  # pragma: no cover - tenacity reraises

    # --------------------------------------------------------------- shared steps
    @contextmanager
    def _sending(self, exchange: Exchange) -> Iterator[None]:
        """Around one HTTP exchange and its check: SDK errors become typed errors, the pacer learns the
        call returned, and the call is counted by outcome (metrics)."""
        started = time.monotonic()
        outcome = "interrupted"  # cancelled (trigger) or interrupted before an answer
        try:
            yield
            outcome = "ok"
        except CamsError as exc:
            outcome = outcome_of(exc)
            raise
        except Exception as exc:
            error = translate_sdk_error(exchange.action, exc)
            outcome = outcome_of(error)
            raise error from None
        finally:
            self.pacer.after_call(exchange.action)
            self.counters.record_call(exchange.action, outcome, time.monotonic() - started)

    def _request(self, exchange: Exchange) -> tuple[Any, Any, Any]:
        from alibabacloud_tea_openapi.utils_models import OpenApiRequest, Params
        from darabonba.runtime import RuntimeOptions

        params = Params(
            action=exchange.action,
            version=API_VERSION,
            protocol=self._protocol,
            pathname="/",
            method="POST",
            auth_type="AK",
            style="RPC",
            req_body_type="formData",
            body_type="json",
        )
        return params, OpenApiRequest(query=exchange.query, body=exchange.body or None), RuntimeOptions()

    def _retry_kwargs(self, exchange: Exchange, max_attempts: int | None) -> dict[str, Any]:
        return {
            "stop": stop_after_attempt(max_attempts or self.policy.max_attempts)
            | stop_after_delay(self.policy.retry_budget),
            "wait": self.policy.wait,
            "retry": retry_if_exception(exchange.should_retry),
            "before_sleep": lambda state: self._log_retry(state, exchange.action),
            "reraise": True,
        }

    def _log_retry(self, state: RetryCallState, action: str) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        self.counters.record_retry(action)
        self.log.warning(
            "CAMS call attempt %d failed (%s); retrying in %.2f s.", state.attempt_number, _short(exc), wait
        )


# --------------------------------------------------------------------- pure steps (unit-tested)
def encode_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Query values must be strings: lists/objects become compact JSON, None is left out."""
    query: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple, dict)):
            query[key] = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        else:
            query[key] = str(value)
    return query


def prepare(action: str, params: Mapping[str, Any] | None, *, can_reconcile: bool) -> Exchange:
    """Encode the query and check the action's required parameters (the SDK checks none)."""
    spec = FLOW_ACTIONS.get(action) or MESSAGING_ACTIONS.get(action)
    query = encode_params(params)
    if spec is not None:
        missing = [p for p in spec.required if not query.get(p)]
        if missing:
            raise CamsValidationError(f"CAMS {action} needs parameter(s) {missing}; none was sent.")
    body = {name: query.pop(name) for name in body_params(action) if name in query}
    return Exchange(
        action,
        query,
        resend_unsafe=not spec.idempotent if spec else True,
        can_reconcile=can_reconcile,
        body=body,
    )


def check_response(action: str, response: Any) -> Body:
    """Turn the SDK's ``{'body','headers','statusCode'}`` into a checked body or a typed error."""
    body = response.get("body") if isinstance(response, dict) else None
    status = response.get("statusCode") if isinstance(response, dict) else None
    if not isinstance(body, dict):
        raise CamsTransportError(
            action=action,
            reason=f"the response body is not a JSON object ({type(body).__name__})",
            maybe_applied=True,
            http_status=status,
        )
    code = body.get("Code")
    if code != "OK":
        raise api_error_class(code, status)(
            action=action,
            code=code,
            message=body.get("Message"),
            request_id=body.get("RequestId"),
            http_status=status,
            access_denied_detail=body.get("AccessDeniedDetail"),
            recommend=body.get("Recommend"),
        )
    return body


def translate_sdk_error(action: str, exc: Exception) -> CamsError:
    """Map a tea-openapi / darabonba / credentials exception to the provider's own type."""
    code = getattr(exc, "code", None)
    if code in ("None", ""):  # the SDK formats a missing Code with an f-string
        code = None
    data = getattr(exc, "data", None)
    if code is not None and (isinstance(data, dict) or getattr(exc, "status_code", None) is not None):
        data = data if isinstance(data, dict) else {}
        status = getattr(exc, "status_code", None)
        retry_after_ms = getattr(exc, "retry_after", None)
        cls = api_error_class(code, status)
        if retry_after_ms is not None and not issubclass(cls, CamsThrottledError):
            cls = CamsThrottledError
        return cls(
            action=action,
            code=code,
            message=data.get("Message") or getattr(exc, "message", None),
            request_id=data.get("RequestId") or getattr(exc, "request_id", None),
            http_status=status,
            access_denied_detail=data.get("AccessDeniedDetail") or getattr(exc, "access_denied_detail", None),
            recommend=data.get("Recommend"),
            retry_after=(retry_after_ms / 1000.0) if retry_after_ms else None,
        )
    inner = getattr(exc, "inner_exception", None) or exc
    name = type(inner).__name__
    if name == "CredentialException" or "credential" in type(exc).__module__:
        return CamsAuthError(action=action, code="InvalidCredentials", message=str(exc))
    return CamsTransportError(
        action=action, reason=f"{name}: {_scrub(str(inner))}", maybe_applied=not _never_sent(inner)
    )


# The sync transport wraps requests' errors in a RetryError that keeps only their text.
_NEVER_SENT_MARKERS = (
    "Connection refused",
    "Failed to establish a new connection",
    "connect timeout=",
    "Cannot connect to host",
)


def _never_sent(exc: BaseException) -> bool:
    """True when the request surely never reached the server (refused, or connect timeout)."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        name = type(cur).__name__
        text = str(cur)
        if name in ("ConnectTimeout", "NewConnectionError", "ClientConnectorError", "ConnectionRefusedError"):
            return True
        if any(marker in text for marker in _NEVER_SENT_MARKERS):
            return True
        cur = (
            cur.__cause__
            or cur.__context__
            or (cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None)
        )
    return False


def outcome_of(exc: BaseException) -> str:
    """The ``outcome`` tag of a failed call: the error's kind, ``no_response`` or ``error``."""
    if isinstance(exc, CamsApiError):
        return str(exc.kind.value)
    if isinstance(exc, CamsTransportError):
        return "no_response"
    return "error"


def is_retryable(exc: BaseException) -> bool:
    """Throttling, 5xx / transient codes and transport failures can heal; nothing else is retried."""
    return isinstance(exc, (CamsThrottledError, CamsTransientError, CamsTransportError))


def maybe_applied(exc: BaseException) -> bool:
    """Whether CAMS may have applied the change before this failure (its outcome is unknown)."""
    if isinstance(exc, CamsTransportError):
        return exc.maybe_applied
    # A 5xx or an HTTP 200 with a server error code may come after the change was applied.
    return isinstance(exc, CamsTransientError)


def _scrub(text: str) -> str:
    """Keep transport error texts short; they carry URLs (with the query) but never credentials."""
    return text if len(text) <= 300 else text[:300] + "..."


def _short(exc: BaseException | None) -> str:
    if isinstance(exc, CamsApiError):
        return f"{exc.code}, RequestId {exc.request_id}"
    return f"{type(exc).__name__}: {exc}" if exc else "unknown"
