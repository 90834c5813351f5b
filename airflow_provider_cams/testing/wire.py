"""Wire parsing shared by every emulated action: what one action requires, and the Page parameter.

Standard library only and free of state: the action modules (``flow_responses.py``, ``templates.py``,
``messages.py``) turn query strings into typed values with these before the model sees them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_cams.testing.errors import CamsErrorAnswer

MAX_PAGE_SIZE = 100
DEFAULT_PAGE = {"Index": 1, "Size": 20}


@dataclass(frozen=True)
class ActionSpec:
    """Required query parameters and whether the success body carries ``Data``."""

    required: tuple[str, ...]
    has_data: bool

    def check_required(self, params: Mapping[str, str]) -> None:
        """MissingParameter for the first required parameter that is absent or empty (ASSUMED: empty
        counts as missing)."""
        for name in self.required:
            if not params.get(name):
                raise CamsErrorAnswer("MissingParameter", name=name)


def parse_page(raw: str | None) -> tuple[int, int]:
    """Page is one compact-JSON object {"Index": 1, "Size": 20}; Index >= 1, Size 1..100 (ASSUMED)."""
    if raw is None or raw == "":
        return DEFAULT_PAGE["Index"], DEFAULT_PAGE["Size"]
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise CamsErrorAnswer("InvalidParameter", name="Page", reason="It must be a JSON object.")
    page = {**DEFAULT_PAGE, **value}
    index, size = page["Index"], page["Size"]
    if not _is_int(index) or index < 1:
        raise CamsErrorAnswer("InvalidParameter", name="Page", reason="Index must be an integer >= 1.")
    if not _is_int(size) or not 1 <= size <= MAX_PAGE_SIZE:
        reason = f"Size must be an integer 1..{MAX_PAGE_SIZE}."
        raise CamsErrorAnswer("InvalidParameter", name="Page", reason=reason)
    return index, size


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
