"""Test session setup: a throwaway AIRFLOW_HOME with SQLite, set before anything imports airflow."""

from __future__ import annotations

import os
import shutil
import tempfile

_HOME = tempfile.mkdtemp(prefix="cams-test-airflow-home-")
os.environ["AIRFLOW_HOME"] = _HOME
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_HOME}/airflow.db"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = os.path.join(_HOME, "dags")
os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO"
os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
# The SDK transport honours HTTP(S)_PROXY but not NO_PROXY: tests only talk to 127.0.0.1.
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_var, None)

import pytest  # noqa: E402


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """Create the SQLite metadata DB once per session."""
    from airflow.utils import db

    from airflow_provider_cams.utils.compat import reuse_in_process_execution_api

    db.initdb()
    reuse_in_process_execution_api()  # one in-process Execution API app per session on 3.1/3.2, as 3.3
    return _HOME
