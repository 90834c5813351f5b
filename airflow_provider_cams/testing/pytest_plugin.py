"""pytest plugin (entry point ``pytest11: cams``): the ``cams_emulator`` fixture.

Imports neither Airflow nor the Alibaba SDK, so loading the plugin costs nothing for unrelated tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_cams.testing.dag_run import prepare_airflow_home
from airflow_provider_cams.testing.emulator import CamsEmulator

# The SDK transport honours these but not NO_PROXY: left set, calls to 127.0.0.1 would go to the proxy.
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")


@pytest.fixture
def cams_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[CamsEmulator]:
    """A started emulator (AccessKey "test-ak" / "test-sk", 5 calls/s), stopped after the test.

    Also unsets the proxy variables for the test, so SDK calls reach 127.0.0.1 directly, and, when
    ``AIRFLOW_HOME`` is unset and Airflow not imported yet, sets up a throwaway Airflow home for the
    process (``airflow_provider_cams.testing.prepare_airflow_home``).
    """
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    prepare_airflow_home(warn=False)  # a throwaway Airflow home for run_dag, unless one is set already
    with CamsEmulator(access_key_id="test-ak", access_key_secret="test-sk") as emulator:
        yield emulator
