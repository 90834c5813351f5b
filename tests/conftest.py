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

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Property tests must not depend on the machine's speed: no per-example deadline, no "too slow" health
# check (a test's own @settings still sets max_examples and the like on top of this profile).
settings.register_profile("cams", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cams")

# Where the Airflow version matters: real Airflow runs (dag.test(), triggers), provider registration and
# the connection form, the pool CLI, secrets masking. Marked ``compat`` here, by path; a test elsewhere
# can add ``@pytest.mark.compat`` itself. `make test-compat AIRFLOW_VERSION=<lower>` runs these.
COMPAT_PATHS = (
    "tests/provider/operators/",
    "tests/provider/sensors/",
    "tests/provider/triggers/",
    "tests/provider/cli/",
    "tests/provider/hooks/test_cams.py",
    "tests/provider/hooks/test_connection.py",
    "tests/provider/test_example_dags.py",
    "tests/reliability/test_secrets.py",
)
_ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = item.path.resolve().relative_to(_ROOT).as_posix()
        if where.startswith(COMPAT_PATHS):
            item.add_marker(pytest.mark.compat)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """Create the SQLite metadata DB once per session."""
    from airflow.utils import db

    db.initdb()
    return _HOME
