"""The error guide in the docs matches the error table; the emulator speaks no code the provider lacks."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from airflow_provider_cams.exceptions import (
    CamsApiError,
    CamsAuthError,
    CamsInvalidRequestError,
    CamsThrottledError,
    CamsTransientError,
    api_error_class,
)
from airflow_provider_cams.hooks.transport import is_retryable
from airflow_provider_cams.testing import ASSUMED_ERROR_CODES, DOCUMENTED_ERROR_CODES
from airflow_provider_cams.vendor.error_codes import ERROR_CODES, ERROR_FAMILIES, ErrorKind, lookup

ROOT = Path(__file__).resolve().parents[3]


def test_docs_error_guide_is_generated_from_the_table() -> None:
    spec = importlib.util.spec_from_file_location("gen_error_guide", ROOT / "scripts" / "gen_error_guide.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "errors.rst").read_text(encoding="utf-8") == module.render(), (
        "docs/errors.rst is stale: run scripts/gen_error_guide.py"
    )


def test_every_code_the_emulator_sends_is_known_to_the_provider() -> None:
    assert set(DOCUMENTED_ERROR_CODES) | set(ASSUMED_ERROR_CODES) <= set(ERROR_CODES)


def test_documented_flags_match_the_vendor_pages() -> None:
    documented = {code for code, info in ERROR_CODES.items() if info.documented}
    assert documented == set(DOCUMENTED_ERROR_CODES)


@pytest.mark.parametrize(
    ("code", "kind", "exception"),
    [
        ("InvalidParameter.PageInvalid", ErrorKind.INVALID, CamsInvalidRequestError),
        ("InvalidParameter.Anything.Deeper", ErrorKind.INVALID, CamsInvalidRequestError),
        ("MissingParameter.FlowId", ErrorKind.INVALID, CamsInvalidRequestError),
        ("Authentication.NoAuth", ErrorKind.AUTH, CamsAuthError),
        ("InvalidTimeStamp.Expired", ErrorKind.AUTH, CamsAuthError),
        ("InvalidTimeStamp.SomethingNew", ErrorKind.AUTH, CamsAuthError),
        ("Throttling.Whatever", ErrorKind.THROTTLED, CamsThrottledError),
        ("InternalError.Timeout", ErrorKind.TRANSIENT, CamsTransientError),
    ],
)
def test_codes_are_classified_by_their_family(
    code: str, kind: ErrorKind, exception: type[CamsApiError]
) -> None:
    known = lookup(code)
    assert known is not None and known.kind is kind
    assert api_error_class(code, 400) is exception
    assert not is_retryable(exception(action="PublishFlow", code=code, message=None)) or kind in (
        ErrorKind.THROTTLED,
        ErrorKind.TRANSIENT,
    )


def test_families_do_not_swallow_other_codes_or_override_exact_entries() -> None:
    assert lookup("InvalidParameterX") is None  # a family is the whole part before the first dot
    assert lookup("Flow.Unheard") is None
    assert lookup("SignatureDoesNotMatch") is ERROR_CODES["SignatureDoesNotMatch"]
    assert lookup("InvalidParameter") is ERROR_CODES["InvalidParameter"]
    assert api_error_class("Some.Unknown", 503) is CamsTransientError  # HTTP status fallback stays


def test_a_wrong_clock_says_to_sync_ntp() -> None:
    for code in ("InvalidTimeStamp.Expired", "InvalidTimeStamp.Other"):
        hint = lookup(code)
        assert hint is not None and "NTP" in hint.hint
    assert all(family.source for family in ERROR_FAMILIES.values())
    # what is not on a vendor page says it is assumed
    assert all("ASSUMED" in f.source for f in ERROR_FAMILIES.values() if not f.documented)
