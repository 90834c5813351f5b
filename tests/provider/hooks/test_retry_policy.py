"""Unit tests of the send pipeline's retry decisions, with a scripted client in place of HTTP.

Integration tests prove the same against the emulator over HTTP; these pin down each branch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import pytest
from tenacity import RetryCallState, Retrying

from airflow_provider_cams.exceptions import (
    CamsAuthError,
    CamsThrottledError,
    CamsTransientError,
    CamsTransportError,
    CamsValidationError,
)
from airflow_provider_cams.hooks.cams import CamsHook
from airflow_provider_cams.hooks.transport import RetryPolicy, Transport
from airflow_provider_cams.utils.rate import CallPacer

OK = {"Code": "OK", "RequestId": "OK-1"}


class ScriptedHook:
    """The real pipeline (:class:`Transport`) over a client that answers from a script."""

    def __init__(self, script: Iterable[Any], max_attempts: int = 5) -> None:
        self.script = list(script)
        self.sent: list[str] = []
        policy = RetryPolicy(max_attempts=max_attempts, initial_wait=0, max_wait=0)
        self.transport = Transport(lambda: self, "HTTP", CallPacer(), policy, logging.getLogger(__name__))
        self.call = self.transport.call

    def call_api(self, params: Any, request: Any, runtime: Any) -> dict[str, Any]:
        self.sent.append(params.action)
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return {"body": step, "statusCode": 200, "headers": {}}


def throttled() -> CamsThrottledError:
    return CamsThrottledError(action="X", code="System.LimitControl", message="flow control", request_id="T")


def ambiguous() -> CamsTransportError:
    return CamsTransportError(action="X", reason="ReadTimeout", maybe_applied=True)


def test_throttling_is_retried_until_success() -> None:
    hook = ScriptedHook([throttled(), throttled(), OK])
    assert hook.call("GetFlow", {"FlowId": "1"}) == OK
    assert hook.sent == ["GetFlow"] * 3


def test_retries_stop_at_max_attempts_and_reraise_the_last_error() -> None:
    hook = ScriptedHook([throttled()] * 3, max_attempts=3)
    with pytest.raises(CamsThrottledError):
        hook.call("GetFlow", {"FlowId": "1"})
    assert len(hook.sent) == 3


def test_auth_errors_are_not_retried() -> None:
    hook = ScriptedHook([CamsAuthError(action="X", code="Ram.PermissionDeny", message="no")])
    with pytest.raises(CamsAuthError):
        hook.call("GetFlow", {"FlowId": "1"})
    assert hook.sent == ["GetFlow"]


def test_reads_are_retried_after_ambiguous_failures() -> None:
    hook = ScriptedHook([ambiguous(), CamsTransientError(action="X", code="InternalError", message=""), OK])
    assert hook.call("GetFlow", {"FlowId": "1"}) == OK
    assert len(hook.sent) == 3


def test_non_idempotent_action_without_reconcile_is_never_resent_after_ambiguous_failure() -> None:
    hook = ScriptedHook([ambiguous(), OK])
    with pytest.raises(CamsTransportError):
        hook.call("PublishFlow", {"FlowId": "1"})
    assert hook.sent == ["PublishFlow"]


def test_non_idempotent_action_is_resent_after_a_failure_that_surely_did_not_apply() -> None:
    refused = CamsTransportError(action="X", reason="refused", maybe_applied=False)
    hook = ScriptedHook([refused, throttled(), OK])
    assert hook.call("PublishFlow", {"FlowId": "1"}) == OK
    assert hook.sent == ["PublishFlow"] * 3


def test_reconcile_that_finds_the_change_done_stops_the_resend() -> None:
    hook = ScriptedHook([ambiguous()])
    done = object()  # whatever the reconcile callback answers is returned as it is
    assert hook.call("PublishFlow", {"FlowId": "1"}, reconcile=lambda: done) is done
    assert hook.sent == ["PublishFlow"]


def test_reconcile_that_finds_nothing_lets_the_action_be_resent_once_more() -> None:
    checks: list[int] = []
    hook = ScriptedHook([ambiguous(), throttled(), OK])

    def reconcile() -> None:
        checks.append(1)
        return None

    assert hook.call("PublishFlow", {"FlowId": "1"}, reconcile=reconcile) == OK
    assert hook.sent == ["PublishFlow"] * 3
    assert checks == [1]  # the throttled re-send surely did not apply: no second check


def test_missing_required_parameter_is_refused_before_sending() -> None:
    hook = ScriptedHook([OK])
    with pytest.raises(CamsValidationError, match="FlowId"):
        hook.call("PublishFlow", {"FlowId": ""})
    assert hook.sent == []


def test_wait_honours_retry_after() -> None:
    policy = RetryPolicy(initial_wait=0.5, max_wait=20)
    state = RetryCallState(Retrying(), None, (), {})
    exc = CamsThrottledError(action="X", code="System.LimitControl", message="", retry_after=2.0)
    state.set_exception((type(exc), exc, None))
    assert 2.0 <= policy.wait(state) <= 2.2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"max_attempts": 1.5},
        {"max_wait": -1},
        {"retry_budget": "x"},
        {"initial_wait": True},
    ],
)
def test_bad_retry_settings_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(CamsValidationError):
        CamsHook(**kwargs)
