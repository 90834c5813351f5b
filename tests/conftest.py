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

import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Property tests must not depend on the machine's speed: no per-example deadline, no "too slow" health
# check (a test's own @settings still sets max_examples and the like on top of this profile).
if TYPE_CHECKING:
    from tests.harness.object_store import LocalS3

settings.register_profile("cams", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("cams")

# Where the Airflow version matters: real Airflow runs (dag.test(), triggers), provider registration and
# the connection form, the pool CLI, secrets masking. Marked ``compat`` here, by path; a test elsewhere
# can add ``@pytest.mark.compat`` itself. `make test-compat AIRFLOW_VERSION=<lower>` runs these.
COMPAT_PATHS = (
    "tests/provider/operators/",
    "tests/provider/sensors/",
    "tests/provider/triggers/",
    "tests/provider/cli/test_pools.py",
    "tests/provider/cli/test_flow_docs.py",
    "tests/provider/hooks/test_cams.py",
    "tests/provider/hooks/test_connection.py",
    "tests/provider/test_example_dags.py",
    "tests/provider/utils/test_connection_form.py",
    "tests/provider/test_user_dag_example.py",
    "tests/reliability/test_secrets.py",
)
_ROOT = Path(__file__).resolve().parent.parent


# Fault matrices inside those paths exercise the provider's own retry logic, which no Airflow version
# changes: they run once, on the newest Airflow.
NOT_VERSION_SENSITIVE = frozenset({"test_ambiguous_failures_converge"})


# Emulator dialects (airflow_provider_cams.testing.dialects) a suite runs under when it opts in with
# ``pytestmark = pytest.mark.cams_dialects()`` (or names its own: ``cams_dialects("guess", "contrary")``):
# each test then runs once per dialect, and the ``cams_dialect`` fixture (which ``emulator`` in
# tests/provider/conftest.py uses) gives the dialect's name. Unmarked tests get "guess".
SUITE_DIALECTS = ("guess", "renamed")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cams_dialects(*names): run once per emulator dialect (default: guess and renamed)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("cams_dialects")
    if marker is not None and "cams_dialect" in metafunc.fixturenames:
        names = marker.args or SUITE_DIALECTS
        metafunc.parametrize("cams_dialect", names, indirect=True, ids=[f"dialect-{n}" for n in names])


@pytest.fixture
def cams_dialect(request: pytest.FixtureRequest) -> str:
    """The emulator dialect this test runs under: "guess" unless its suite opted into cams_dialects."""
    return str(getattr(request, "param", "guess"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = item.path.resolve().relative_to(_ROOT).as_posix()
        name = getattr(item, "originalname", item.name)
        callspec = getattr(item, "callspec", None)
        dialect = callspec.params.get("cams_dialect", "guess") if callspec is not None else "guess"
        # Emulator dialects change what CAMS answers, not what Airflow does: one dialect per lower version.
        if where.startswith(COMPAT_PATHS) and name not in NOT_VERSION_SENSITIVE and dialect == "guess":
            item.add_marker(pytest.mark.compat)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """Create the SQLite metadata DB once per session."""
    from airflow.utils import db

    from airflow_provider_cams.testing.dag_run import reuse_in_process_execution_api

    db.initdb()
    reuse_in_process_execution_api()  # one in-process Execution API app per session on 3.1/3.2, as 3.3
    return _HOME


@pytest.fixture(scope="session")
def local_s3() -> Iterator[LocalS3]:
    """One real S3 server (moto) per test process.

    Airflow caches object-storage filesystems per connection id for the life of the process, so a
    second server behind the same ``flow_store`` connection would never be reached: share one.
    """
    from tests.harness.object_store import LocalS3

    with LocalS3() as server:
        yield server


@pytest.fixture
def flow_store(local_s3: LocalS3, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh versioned bucket, reachable through the ``flow_store`` connection; returns its name."""
    bucket = f"flows-{uuid.uuid4().hex[:10]}"
    local_s3.create_bucket(bucket)
    monkeypatch.setenv("AIRFLOW_CONN_FLOW_STORE", local_s3.connection_json())
    return bucket
