"""``run_dag``: run a DAG built in a test with ``dag.test()`` on Airflow 3.1, 3.2 and 3.3 alike.

What each version needs before ``dag.test()`` of a DAG that is not in a DAG file of a bundle:

- an Airflow home and a metadata DB with the current schema (all versions);
- the DAG serialized into the DB with a DAG version: 3.3 refuses to run a DAG it cannot find in a
  bundle; 3.1 and 3.2 look for a DAG version too and parse the dags folder when there is none, which
  does not contain a DAG defined in a test. Syncing the DAG ourselves is the one path that works on
  all three (and skips that parse).

What differs between those versions for this set-up, and only for it (the provider's runtime never
needs it, so it lives here rather than in ``utils/compat.py``):

==========================  ============================  ===========================
name                        Airflow 3.1                   Airflow >= 3.2
==========================  ============================  ===========================
``DagBag``                  ``airflow.models.dagbag``     ``airflow.dag_processing.dagbag``
``sync_bag_to_db``          ``airflow.models.dagbag``     ``airflow.dag_processing.dagbag``
==========================  ============================  ===========================

and the in-process Execution API app that ``dag.test()`` builds per task before 3.3
(``reuse_in_process_execution_api``).

This module imports nothing from Airflow at import time (``DagBag`` and ``sync_bag_to_db`` resolve on
first use, through the module's ``__getattr__``).
"""

from __future__ import annotations

import atexit
import importlib
import os
import shutil
import sys
import tempfile
import warnings
from typing import Any

_state: dict[str, Any] = {"home": None, "db_ready": False, "bundles_synced": False}


def prepare_airflow_home(*, warn: bool = True) -> str:
    """Point Airflow at a throwaway home (temp dir, SQLite, no examples) unless ``AIRFLOW_HOME`` is set.

    Only effective before Airflow is first imported in the process: Airflow reads its home and
    configuration once, at import. The ``cams_airflow_home`` fixture (which ``cams_emulator`` requests)
    calls it, so a test that builds its DAG inside the test body gets the throwaway home; call it at the
    top of a ``conftest.py`` if your test modules import Airflow at module level. The home is removed
    when the process exits. Returns the Airflow home in use; with ``warn``, a ``RuntimeWarning`` if
    Airflow was imported first.
    """
    if os.environ.get("AIRFLOW_HOME"):
        return os.environ["AIRFLOW_HOME"]
    if "airflow" in sys.modules:
        from airflow.configuration import AIRFLOW_HOME

        if not warn:
            return str(AIRFLOW_HOME)
        warnings.warn(
            "run_dag: airflow was imported before AIRFLOW_HOME was set, so it already uses "
            f"{AIRFLOW_HOME} and its database; run_dag cannot move it to a throwaway home. Set "
            "AIRFLOW_HOME, import Airflow inside the test, or call "
            "airflow_provider_cams.testing.prepare_airflow_home() in conftest.py first.",
            RuntimeWarning,
            stacklevel=3,
        )
        return str(AIRFLOW_HOME)
    home = tempfile.mkdtemp(prefix="cams-airflow-home-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.makedirs(os.path.join(home, "dags"), exist_ok=True)
    defaults = {
        "AIRFLOW_HOME": home,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__DAGS_FOLDER": os.path.join(home, "dags"),
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    os.environ["AIRFLOW_HOME"] = home
    _state["home"] = home
    return home


def _ensure_db() -> None:
    """Create the metadata DB, or migrate it to this Airflow's schema (``initdb`` does either)."""
    if _state["db_ready"]:
        return
    from airflow.utils import db

    db.initdb()
    _state["db_ready"] = True


def _sync_dag(dag: Any) -> None:
    """Serialize ``dag`` into the DB as part of the ``dags-folder`` bundle, with a DAG version."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    if not _state["bundles_synced"]:
        DagBundlesManager().sync_bundles_to_db()
        _state["bundles_synced"] = True
    bag = _core("DagBag")(dag_folder=os.devnull, collect_dags=False)
    bag.bag_dag(dag)
    _core("sync_bag_to_db")(bag, "dags-folder", None)


def run_dag(dag: Any, **dag_test_kwargs: Any) -> Any:
    """Run ``dag`` in this process with ``dag.test(**dag_test_kwargs)`` and return the finished DagRun.

    Works for a DAG defined inside a test, on Airflow 3.1, 3.2 and 3.3:

    1. no ``AIRFLOW_HOME`` and Airflow not imported yet: a throwaway home (temp dir, SQLite, no
       examples) is created and set in the environment (:func:`prepare_airflow_home`). If Airflow was
       already imported without ``AIRFLOW_HOME``, it keeps the home it picked at import (by default
       ``~/airflow``); a ``RuntimeWarning`` says so and the run uses that home's database.
    2. the metadata DB is created, or migrated if its schema is older (once per process);
    3. the DAG is serialized into the DB (``dags-folder`` bundle), as the dag processor would;
    4. ``dag.test(**dag_test_kwargs)``: every task runs in-process; pools are ignored. On Airflow
       3.1/3.2 the in-process Execution API app is built once per process instead of once per task
       (as 3.3 does; ``reuse_in_process_execution_api`` in this module).

    The returned DagRun has ``state`` and ``get_task_instances()``; a failed task does not raise.
    Connections come from ``AIRFLOW_CONN_<ID>`` environment variables, e.g. the ``cams_emulator``
    fixture's ``connection_uri_json()``.
    """
    prepare_airflow_home()
    _ensure_db()
    _sync_dag(dag)
    reuse_in_process_execution_api()
    return dag.test(**dag_test_kwargs)


def reuse_in_process_execution_api() -> None:
    """Make ``dag.test()`` build its in-process Execution API app once per process, as 3.3 does.

    Airflow 3.1 and 3.2 create a new ``InProcessExecutionAPI`` (a FastAPI + Cadwyn app) for every task
    ``dag.test()`` runs, and Cadwyn generates its versioned routers on the app's first request (the
    task's ``PATCH /task-instances/{id}/run``): seconds of CPU per task, the main reason the suite is
    ~3x slower on 3.2.2 than on 3.3.2. Airflow 3.3 caches the app (``functools.lru_cache`` on
    ``supervisor.in_process_api_server``); this applies the same cache where it is missing, so it does
    nothing on 3.3. The app holds no per-task state (``dag.test()`` re-points its DagBag override on
    each task).
    """
    import functools

    from airflow.sdk.execution_time import supervisor

    if not hasattr(supervisor.in_process_api_server, "cache_info"):
        supervisor.in_process_api_server = functools.lru_cache(maxsize=1)(supervisor.in_process_api_server)


# name: modules to try, newest Airflow first (airflow-core, scheduler side: imported on first use)
_CORE_LAZY: dict[str, tuple[str, ...]] = {
    "DagBag": ("airflow.dag_processing.dagbag", "airflow.models.dagbag"),
    "sync_bag_to_db": ("airflow.dag_processing.dagbag", "airflow.models.dagbag"),
}


def _core(name: str) -> Any:
    """``DagBag`` or ``sync_bag_to_db`` from where this Airflow has it."""
    for module_name in _CORE_LAZY[name]:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, name):
            return getattr(module, name)
    raise ImportError(f"{name} not found in {', '.join(_CORE_LAZY[name])}")


def __getattr__(name: str) -> Any:
    """``from airflow_provider_cams.testing.dag_run import DagBag, sync_bag_to_db`` on every version."""
    if name not in _CORE_LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = _core(name)
    globals()[name] = value
    return value
