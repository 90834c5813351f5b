"""Integration fixtures: a real emulator on 127.0.0.1 and a ``cams_default`` connection pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_cams.testing import CamsEmulator

AK = "it-access-key"
SK = "it-secret-Zq9!x"


@pytest.fixture
def emulator(airflow_db: str, cams_dialect: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CamsEmulator]:
    """A started emulator in the test's dialect (see ``cams_dialect``) and ``cams_default`` pointing at it."""
    with CamsEmulator(access_key_id=AK, access_key_secret=SK, dialect=cams_dialect) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", emu.connection_uri_json())
        yield emu


def dag_kwargs(**overrides: Any) -> dict[str, Any]:
    import pendulum

    kwargs: dict[str, Any] = {
        "schedule": None,
        "start_date": pendulum.datetime(2026, 1, 1, tz="UTC"),
        "catchup": False,
        "default_args": {"retries": 0},
    }
    kwargs.update(overrides)
    return kwargs
