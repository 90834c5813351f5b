"""The error guide in the docs matches the error table; the emulator speaks no code the provider lacks."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from airflow_provider_cams.testing import ASSUMED_ERROR_CODES, DOCUMENTED_ERROR_CODES
from airflow_provider_cams.vendor.error_codes import ERROR_CODES

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
