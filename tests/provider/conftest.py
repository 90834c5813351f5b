"""Shared fixtures: real emulators on 127.0.0.1 (``cams_default`` points at them), a recording context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any, Protocol

import pytest

from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.testing.emulator import DEFAULT_RATE_LIMIT

AK = "it-access-key"
SK = "it-secret-Zq9!x"


class StartEmulator(Protocol):
    """The ``start_emulator`` fixture's call (see there)."""

    def __call__(
        self,
        cust_space_id: str | None = None,
        *,
        pacing: bool = True,
        cls: type[CamsEmulator] = CamsEmulator,
        **options: Any,
    ) -> CamsEmulator: ...


@pytest.fixture
def start_emulator(
    airflow_db: str, cams_dialect: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StartEmulator]:
    """Start an emulator (stopped after the test) and point ``cams_default`` at it, in ``cust_space_id``.

    The one way the provider's tests get their emulator, so that a module states only how its own
    differs: ``options`` go to ``cls`` (default: no rate limit, as most tests make bursts of calls; the
    test's dialect, see ``cams_dialect``); ``pacing=False`` turns the hook's client-side pacing off where
    what is sent, not the rate, is under test.
    """
    with ExitStack() as stack:

        def start(
            cust_space_id: str | None = None,
            *,
            pacing: bool = True,
            cls: type[CamsEmulator] = CamsEmulator,
            **options: Any,
        ) -> CamsEmulator:
            options = {"rate_limit": None, "dialect": cams_dialect, **options}
            emu = stack.enter_context(cls(AK, SK, **options))
            extra = None if pacing else {"pacing": False}
            monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", emu.connection_uri_json(extra, cust_space_id))
            return emu

        yield start


@pytest.fixture
def emulator(start_emulator: StartEmulator) -> CamsEmulator:
    """A started emulator with the vendor's rate limit, in the test's dialect, ``cams_default`` at it."""
    return start_emulator(rate_limit=DEFAULT_RATE_LIMIT)


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


class RecordingTaskInstance:
    """Just the part of a task instance that links and mixins touch: ``xcom_push``, recorded in order."""

    try_number = 1

    def __init__(self) -> None:
        self.pushed: list[tuple[str, Any]] = []

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed.append((key, value))

    @property
    def xcom(self) -> dict[str, Any]:
        """The last value pushed under each key."""
        return dict(self.pushed)


@pytest.fixture
def recording_context() -> dict[str, Any]:
    """A task context whose ``ti`` records XCom pushes (narrow unit tests of links and operators)."""
    return {"ti": RecordingTaskInstance()}
