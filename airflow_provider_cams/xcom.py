"""JSON-safe XCom shapes of CAMS responses: snake_case keys, times as ISO-8601 UTC strings."""

from __future__ import annotations

import re
from typing import Any

import pendulum

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_EXPIRY_KEYS = ("PreviewUrlExpires",)


def snake(name: str) -> str:
    """``PreviewUrlExpires`` -> ``preview_url_expires``, ``JSONVersion`` -> ``json_version``."""
    return _CAMEL.sub("_", name).lower()


def epoch_ms_to_iso(value: Any) -> str | None:
    """CAMS gives expiry times as epoch milliseconds; XCom and logs get ISO-8601 UTC."""
    if value in (None, ""):
        return None
    return pendulum.from_timestamp(int(value) / 1000, tz="UTC").to_iso8601_string()


def flow_to_xcom(data: dict[str, Any]) -> dict[str, Any]:
    """A flow from GetFlow/ListFlow/ModifyFlow, with ``flow_id`` always a string."""
    out = {snake(k): (epoch_ms_to_iso(v) if k in _EXPIRY_KEYS else v) for k, v in data.items()}
    if out.get("flow_id") is not None:
        out["flow_id"] = str(out["flow_id"])
    return out


def preview_to_xcom(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "preview_url": data.get("PreviewUrl"),
        "preview_url_expires": epoch_ms_to_iso(data.get("PreviewUrlExpires")),
    }
