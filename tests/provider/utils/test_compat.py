"""utils/compat.py: the Airflow names it resolves are the ones the running Airflow acts on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from airflow_provider_cams.utils import compat

pytestmark = pytest.mark.compat  # resolved differently on 3.1, 3.2 and 3.3: run on each


def test_airflow_version_is_the_running_one() -> None:
    import airflow

    assert ".".join(map(str, compat.airflow_version())) == airflow.__version__.split("+")[0].split("rc")[0]
    assert (compat.airflow_version() >= (3, 3, 0)) == compat.AIRFLOW_V_3_3_PLUS


def test_fail_and_sensor_timeout_are_what_the_task_runner_catches() -> None:
    """A CAMS error deriving from ``AirflowFailException`` must fail the task without retries."""
    import airflow.exceptions
    from airflow.sdk.execution_time import task_runner

    for name in ("AirflowFailException", "AirflowSensorTimeout"):
        # >= 3.2: imported by the task runner's module; 3.1: imported inside run() from airflow.exceptions
        caught = getattr(task_runner, name, None) or getattr(airflow.exceptions, name)
        assert getattr(compat, name) is caught, name


def test_conf_reads_airflow_configuration() -> None:
    assert isinstance(compat.conf.getboolean("operators", "default_deferrable", fallback=False), bool)


def test_the_stats_backend_is_resolved_once_and_takes_counters_and_timers() -> None:
    backend = compat.stats_backend()
    assert compat.stats_backend() is backend
    backend.incr("cams.compat_probe", 1, tags={"action": "probe"})
    backend.timing("cams.compat_probe_duration", timedelta(milliseconds=1), tags={"action": "probe"})
