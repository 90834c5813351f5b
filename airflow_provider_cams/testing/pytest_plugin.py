"""pytest plugin (entry point ``pytest11: cams``): the ``cams_emulator`` and ``cams_airflow_home`` fixtures.

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
def cams_airflow_home() -> str:
    """The Airflow home ``run_dag`` will use, returned as a path.

    Unless ``AIRFLOW_HOME`` is set (or Airflow is imported already), it sets up a throwaway one for the
    process (``airflow_provider_cams.testing.prepare_airflow_home``). ``cams_emulator`` requests it; to
    keep your own set-up, override this fixture in your ``conftest.py``.
    """
    return prepare_airflow_home(warn=False)


@pytest.fixture
def cams_emulator(monkeypatch: pytest.MonkeyPatch, cams_airflow_home: str) -> Iterator[CamsEmulator]:
    """A started emulator (AccessKey "test-ak" / "test-sk", 5 calls/s), stopped after the test.

    Also unsets the proxy variables for the test, so SDK calls reach 127.0.0.1 directly. It requests
    ``cams_airflow_home``, so a test that builds and runs its DAG with ``run_dag`` has an Airflow home.
    """
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with CamsEmulator(access_key_id="test-ak", access_key_secret="test-sk") as emulator:
        yield emulator
