"""Checks of rendered operator/hook arguments, run before any request is sent.

Each failure raises :class:`CamsValidationError` naming the parameter, what is wrong and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.vendor.actions import FLOW_CATEGORIES

MAX_ID_LENGTH = 128
MAX_NAME_LENGTH = 200
MAX_URL_LENGTH = 2048
# Jinja's delimiters: no CAMS id, name or URL contains them, a template that was not rendered does.
TEMPLATE_MARKERS = ("{{", "}}", "{%", "%}")


def _has_control(value: str) -> bool:
    return any(ord(c) < 32 or 127 <= ord(c) < 160 or c in "\u2028\u2029" for c in value)


def check_text(param: str, value: Any, max_length: int, what: str) -> str:
    if value is None:
        raise CamsValidationError(f"{param} is required but is None. Pass {what}.")
    if not isinstance(value, str):
        raise CamsValidationError(
            f"{param} must be a string, got {type(value).__name__} {value!r:.80}. Pass {what} as a str."
        )
    if not value.strip():
        raise CamsValidationError(
            f"{param} is empty{' (whitespace only)' if value else ''}. Pass {what}; if it is templated, "
            "check that the template renders a value (e.g. the upstream XCom exists)."
        )
    if value != value.strip():
        raise CamsValidationError(f"{param} {value!r:.80} has leading or trailing whitespace; remove it.")
    if _has_control(value):
        raise CamsValidationError(f"{param} {value!r:.80} contains control characters; remove them.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CamsValidationError(
            f"{param} {value!r:.80} is not valid Unicode text (a lone surrogate, e.g. half of an emoji); "
            "pass the whole character."
        ) from None
    marker = next((m for m in TEMPLATE_MARKERS if m in value), None)
    if marker is not None:
        raise CamsValidationError(
            f"{param} {value!r:.80} contains {marker!r}: it looks like an unrendered Jinja template. Was "
            "it rendered twice (a template whose value is itself a template), or passed to an argument "
            "that is not templated? Pass the rendered value."
        )
    if len(value) > max_length:
        raise CamsValidationError(
            f"{param} is {len(value)} characters long; the limit is {max_length}. Check that the right "
            "value is passed."
        )
    return value


def check_id(param: str, value: Any) -> str:
    """A FlowId / CustSpaceId: non-empty string, no control characters, bounded length."""
    return check_text(
        param, value, MAX_ID_LENGTH, "the id shown in the CAMS console or returned by CreateFlow"
    )


def check_name(param: str, value: Any) -> str:
    return check_text(param, value, MAX_NAME_LENGTH, "a flow name")


def check_url(param: str, value: Any) -> str:
    url = check_text(param, value, MAX_URL_LENGTH, "an https URL")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise CamsValidationError(f"{param} must be an absolute http(s) URL, got {url!r:.120}.")
    return url


def check_int(param: str, value: Any, low: int, high: int) -> int:
    """A whole number in [low, high] (a rendered template's "20" is refused: say it as an int)."""
    if isinstance(value, bool) or not isinstance(value, int) or not (low <= value <= high):
        raise CamsValidationError(
            f"{param} must be a whole number from {low} to {high}, got {type(value).__name__} {value!r:.40}."
        )
    return value


def check_categories(param: str, value: Any) -> list[str]:
    """Flow categories: a non-empty list of known category names."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise CamsValidationError(
            f"{param} must be a list of category names such as ['SIGN_UP'], got {type(value).__name__} "
            f"{value!r:.80}. Known categories: {', '.join(FLOW_CATEGORIES)}."
        )
    if not value:
        raise CamsValidationError(f"{param} is empty; give at least one of: {', '.join(FLOW_CATEGORIES)}.")
    unknown = [c for c in value if c not in FLOW_CATEGORIES]
    if unknown:
        raise CamsValidationError(
            f"{param} has unknown categories {unknown!r:.120}; use: {', '.join(FLOW_CATEGORIES)}."
        )
    return list(dict.fromkeys(value))
