"""needs_explaining: which CAMS answers are decided from the flow's observed state, not their code."""

from __future__ import annotations

import pytest

from airflow_provider_cams.exceptions import (
    CamsApiError,
    CamsConfigError,
    CamsTransportError,
    api_error_class,
    needs_explaining,
)


def _error(code: str | None, http_status: int | None) -> CamsApiError:
    return api_error_class(code, http_status)(
        action="PublishFlow", code=code, message="m", request_id="r", http_status=http_status
    )


@pytest.mark.parametrize(
    ("code", "http_status"),
    [
        ("Flow.StatusNotAllowed", 400),  # a code the provider has never seen, as HTTP 400
        ("Flow.StatusNotAllowed", 200),  # ... and as HTTP 200 with Code != OK
        ("SomethingElse", 409),
        (None, 400),
    ],
)
def test_unknown_business_refusals_need_explaining(code: str | None, http_status: int) -> None:
    assert needs_explaining(_error(code, http_status))


@pytest.mark.parametrize(
    ("code", "http_status"),
    [
        ("System.LimitControl", 400),  # documented: throttled
        ("Ram.PermissionDeny", 400),  # documented: permission
        ("Authentication.NoAuth", 400),
        ("InvalidParameter.PageInvalid", 400),
        ("MissingParameter.FlowId", 400),
        ("Whatever", 503),  # a server fault
        ("Whatever", 403),
    ],
)
def test_throttling_auth_invalid_and_server_faults_do_not(code: str, http_status: int) -> None:
    assert not needs_explaining(_error(code, http_status))


def test_non_api_errors_do_not() -> None:
    assert not needs_explaining(CamsConfigError("x"))
    assert not needs_explaining(CamsTransportError(action="A", reason="r", maybe_applied=True))
    assert not needs_explaining(ValueError("x"))
