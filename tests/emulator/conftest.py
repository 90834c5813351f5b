"""Fixtures for the emulator tests: real HTTP on 127.0.0.1, no proxies, fresh emulators per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_cams.testing import CamsEmulator

# The plugin's fixture, as the pytest11 entry point would provide it once the package is installed.
from airflow_provider_cams.testing.pytest_plugin import cams_airflow_home, cams_emulator  # noqa: F401
from tests.emulator.helpers import (
    AK,
    PROXY_VARIABLES,
    SK,
    STS2_AK,
    STS2_SK,
    STS2_TOKEN,
    STS_AK,
    STS_SK,
    STS_TOKEN,
)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK transport honours proxy variables but not NO_PROXY."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emu() -> Iterator[CamsEmulator]:
    """An emulator with the default 5 calls/s limit and two STS identities."""
    sts = {STS_AK: (STS_SK, STS_TOKEN), STS2_AK: (STS2_SK, STS2_TOKEN)}
    with CamsEmulator(access_key_id=AK, access_key_secret=SK, sts_credentials=sts) as emulator:
        yield emulator


@pytest.fixture
def free_emu() -> Iterator[CamsEmulator]:
    """An emulator without rate limiting, for tests that make many calls."""
    with CamsEmulator(access_key_id=AK, access_key_secret=SK, rate_limit=None) as emulator:
        yield emulator
