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
``DagBag``                  ``airflow.models.dagbag``     ``airflow.dag_processing.dagbag``
``sync_bag_to_db``          ``airflow.models.dagbag``     ``airflow.dag_processing.dagbag``
==========================  ============================  ===========================

``DagBag`` and ``sync_bag_to_db`` are airflow-core (scheduler side, never task code): they are imported
on first use (module ``__getattr__``), so importing this module stays as cheap as ``airflow.sdk``.

Everything else the package imports from Airflow (``BaseHook``, ``BaseOperator``, ``Asset``,
``Context``, ``PokeReturnValue``, ``BaseOperatorLink`` and ``mask_secret`` from ``airflow.sdk``,
``BaseTrigger``/``TriggerEvent`` from ``airflow.triggers.base``, ``AirflowException`` from
``airflow.exceptions``, ``XCom`` from ``airflow.sdk.execution_time.xcom``) is at the same path on all
three, so those imports stay where they are. A name that moves in a future Airflow goes here.

``dag.test()`` set-up differences (serialising a DAG built in a test) live in
:mod:`airflow_provider_cams.testing.dag_run`, which reads the version flags below.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

# common-compat resolves these lazily: airflow.sdk.exceptions / airflow.sdk.configuration on >= 3.2,
# airflow.exceptions / airflow.configuration on 3.1 (its TYPE_CHECKING block types them for mypy).
from airflow.providers.common.compat.sdk import AirflowFailException, AirflowSensorTimeout, conf


def airflow_version() -> tuple[int, int, int]:
    """The running Airflow's (major, minor, micro)."""
    from airflow import __version__
    from packaging.version import Version

    version = Version(__version__)
    return version.major, version.minor, version.micro


AIRFLOW_V_3_2_PLUS: bool = airflow_version() >= (3, 2, 0)
AIRFLOW_V_3_3_PLUS: bool = airflow_version() >= (3, 3, 0)


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


def reuse_in_process_execution_api() -> None:
    """Make ``dag.test()`` build its in-process Execution API app once per process, as 3.3 does.

    Airflow 3.1 and 3.2 create a new ``InProcessExecutionAPI`` (a FastAPI + Cadwyn app) for every task
    ``dag.test()`` runs, and Cadwyn generates its versioned routers on the app's first request (the
    task's ``PATCH /task-instances/{id}/run``): seconds of CPU per task, the main reason the suite is
    ~3x slower on 3.2.2 than on 3.3.2. Airflow 3.3 caches the app (``functools.lru_cache`` on
    ``supervisor.in_process_api_server``); this applies the same cache on older versions. The app holds
    no per-task state (``dag.test()`` re-points its DagBag override on each task).
    """
    if AIRFLOW_V_3_3_PLUS:
        return
    import functools

    from airflow.sdk.execution_time import supervisor

    if not hasattr(supervisor.in_process_api_server, "cache_info"):
        supervisor.in_process_api_server = functools.lru_cache(maxsize=1)(supervisor.in_process_api_server)


_CORE_LAZY: dict[str, tuple[str, ...]] = {
    # name: modules to try, newest Airflow first
    "DagBag": ("airflow.dag_processing.dagbag", "airflow.models.dagbag"),
    "sync_bag_to_db": ("airflow.dag_processing.dagbag", "airflow.models.dagbag"),
}


def __getattr__(name: str) -> Any:
    if name not in _CORE_LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for module_name in _CORE_LAZY[name]:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, name):
            value = getattr(module, name)
            globals()[name] = value
            return value
    raise ImportError(f"{name} not found in {', '.join(_CORE_LAZY[name])}")


# Also DagBag and sync_bag_to_db, through __getattr__.
__all__ = [
    "AIRFLOW_V_3_2_PLUS",
    "AIRFLOW_V_3_3_PLUS",
    "START_FROM_TRIGGER",
    "AirflowFailException",
    "AirflowSensorTimeout",
    "airflow_version",
    "conf",
    "reuse_in_process_execution_api",
    "start_trigger_args",
]
