"""resume_from_event: a deferred sensor's trigger event to XCom or to the right failure (resume.py)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from airflow_provider_cams.exceptions import CamsError
from airflow_provider_cams.sensors.resume import resume_from_event
from airflow_provider_cams.utils.compat import AirflowFailException, AirflowSensorTimeout

LOG = logging.getLogger(__name__)


def test_success_returns_a_copy_of_the_result_and_logs_the_message(caplog: pytest.LogCaptureFixture) -> None:
    flow = {"FlowId": "42", "Status": "PUBLISHED"}
    with caplog.at_level(logging.INFO, logger=__name__):
        result = resume_from_event({"status": "success", "message": "reached", "flow": flow}, "flow", LOG)
    assert result == flow and result is not flow
    assert caplog.messages == ["reached"]


def test_success_without_the_result_key_is_an_empty_result() -> None:
    assert resume_from_event({"status": "success", "message": "ok"}, "flow", LOG) == {}


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("failed", AirflowFailException),  # no retries: the target cannot be reached
        ("timeout", AirflowSensorTimeout),
        ("error", CamsError),  # retries may heal it
        ("anything else", CamsError),
    ],
)
def test_every_other_status_fails_with_its_message(status: str, error: type[Exception]) -> None:
    event: dict[str, Any] = {"status": status, "message": f"why: {status}"}
    with pytest.raises(error, match=f"why: {status}") as raised:
        resume_from_event(event, "flow", LOG)
    if error is CamsError:
        assert not isinstance(raised.value, AirflowFailException | AirflowSensorTimeout)
