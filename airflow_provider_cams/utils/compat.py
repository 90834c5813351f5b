"""Every Airflow-version difference this provider meets, in one place (Airflow 3.1, 3.2 and 3.3).

The rest of the package imports Airflow names from here, never version-dependent paths itself. Names
that moved between 3.1 and 3.2 come from ``apache-airflow-providers-common-compat`` (``sdk``), the
mechanism the official providers use: it tries the newest location first and falls back to the old one.

Found by importing every module of the package and running the ``dag.test()`` integration tests on
3.1.8, 3.2.2 and 3.3.2:

==========================  ============================  ===========================
name                        Airflow 3.1                   Airflow >= 3.2
==========================  ============================  ===========================
``AirflowFailException``    ``airflow.exceptions``        ``airflow.sdk.exceptions``
``AirflowSensorTimeout``    ``airflow.exceptions``        ``airflow.sdk.exceptions``
``conf``                    ``airflow.configuration``     ``airflow.sdk`` (task SDK conf)
==========================  ============================  ===========================

Everything else the package imports from Airflow (``BaseHook``, ``BaseOperator``, ``Asset``,
``Context``, ``PokeReturnValue``, ``BaseOperatorLink`` and ``mask_secret`` from ``airflow.sdk``,
``BaseTrigger``/``TriggerEvent`` from ``airflow.triggers.base``, ``AirflowException`` from
``airflow.exceptions``, ``XCom`` from ``airflow.sdk.execution_time.xcom``) is at the same path on all
three, so those imports stay where they are. A name that moves in a future Airflow goes here.

Airflow's metrics backend moved in 3.3 (``airflow.stats.Stats`` -> ``airflow.sdk.observability.stats``,
which a process Airflow did not start must initialize itself): :func:`stats_backend` hides that.

Test-only differences (``dag.test()`` set-up: ``DagBag``, ``sync_bag_to_db``, the in-process Execution
API) live in :mod:`airflow_provider_cams.testing.dag_run`: the runtime never needs them.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

# common-compat resolves these lazily: airflow.sdk.exceptions / airflow.sdk.configuration on >= 3.2,
# airflow.exceptions / airflow.configuration on 3.1 (its TYPE_CHECKING block types them for mypy).
from airflow.providers.common.compat.sdk import AirflowFailException, AirflowSensorTimeout, conf

log = logging.getLogger(__name__)


def airflow_version() -> tuple[int, int, int]:
    """The running Airflow's (major, minor, micro)."""
    from airflow import __version__
    from packaging.version import Version

    version = Version(__version__)
    return version.major, version.minor, version.micro


AIRFLOW_V_3_3_PLUS: bool = airflow_version() >= (3, 3, 0)

_stats: Any = None

# Starting a task in the triggerer (``start_from_trigger``) with the triggerer rendering its templates
# (Airflow 3.3, apache/airflow#55068; 3.1 and 3.2 run such a task on a worker, as without it).
START_FROM_TRIGGER: bool = AIRFLOW_V_3_3_PLUS


def start_trigger_args(trigger_cls: str, next_method: str, timeout: timedelta) -> Any:
    """``StartTriggerArgs`` where the installed Airflow starts tasks in the triggerer, else None."""
    if not START_FROM_TRIGGER:
        return None
    from airflow.triggers.base import StartTriggerArgs

    return StartTriggerArgs(
        trigger_cls=trigger_cls, next_method=next_method, trigger_kwargs={}, next_kwargs=None, timeout=timeout
    )


def stats_backend() -> Any:
    """Airflow's stats module: ``airflow.sdk.observability.stats`` (3.3+), else ``airflow.stats.Stats``.

    Both have ``incr(name, count, tags=...)`` and ``timing(name, timedelta, tags=...)``. Imported on
    first use: a DAG file never pays for it.
    """
    global _stats
    if _stats is None:
        if AIRFLOW_V_3_3_PLUS:
            from airflow.sdk.observability import stats

            _initialize_stats_if_needed(stats)
        else:  # Stats configures itself from [metrics] on first use
            from airflow.stats import Stats as stats  # type: ignore[no-redef]
        _stats = stats
    return _stats


def _initialize_stats_if_needed(stats: Any) -> None:
    """Configure Airflow 3.3's stats backend from ``[metrics]`` where no Airflow entry point did.

    Airflow's processes (task runner, scheduler, triggerer...) initialize it when they start; a process
    Airflow did not start (``dag.test()`` in a script or a test) has none, and would drop every metric.
    This does what those entry points do, and nothing when one already did. Whether one did is only
    visible in a private module (``airflow.sdk._shared``): the package's one private Airflow access, read
    here and nowhere else, and any change in it leaves the backend as Airflow left it.
    """
    try:
        from airflow.sdk._shared.observability.metrics import stats as impl
        from airflow.sdk.observability.metrics import stats_utils

        if getattr(impl, "_factory", True) is None:
            stats.initialize(
                factory=stats_utils.get_stats_factory(),
                export_legacy_names=conf.getboolean("metrics", "legacy_names_on", fallback=True),
            )
    except Exception:  # private layout changed: use the backend as Airflow left it
        log.debug("Could not initialize Airflow's stats backend", exc_info=True)


__all__ = [
    "AIRFLOW_V_3_3_PLUS",
    "START_FROM_TRIGGER",
    "AirflowFailException",
    "AirflowSensorTimeout",
    "airflow_version",
    "conf",
    "start_trigger_args",
    "stats_backend",
]
