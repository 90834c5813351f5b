"""What a deferred CAMS sensor does with its trigger's one event (shared by every CAMS sensor)."""

from __future__ import annotations

from typing import Any

from airflow_provider_cams.exceptions import CamsError
from airflow_provider_cams.utils.compat import AirflowFailException, AirflowSensorTimeout


def resume_from_event(event: dict[str, Any], result_key: str, log: Any) -> dict[str, Any]:
    """``success``: the event's ``result_key`` (the XCom); ``failed`` fails the task without retries,
    ``timeout`` as a sensor timeout, anything else (``error``) as a CAMS error that retries may heal."""
    status, message = event.get("status"), event.get("message")
    if status == "success":
        log.info("%s", message)
        return dict(event.get(result_key) or {})
    if status == "failed":
        raise AirflowFailException(message)
    if status == "timeout":
        raise AirflowSensorTimeout(message)
    raise CamsError(str(message))
