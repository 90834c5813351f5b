"""A local CAMS emulator for tests ("moto for CAMS"): real HTTP, real ACS3 signature checks, faults.

Standard library only: importing this package pulls in neither Airflow nor the Alibaba SDK.

    from airflow_provider_cams.testing import CamsEmulator, FaultKind

    with CamsEmulator(access_key_id="AK", access_key_secret="SK") as emu:
        emu.faults.add(FaultKind.THROTTLE, action="PublishFlow", retry_after_ms=200)
        ...  # point the client at emu.endpoint with protocol HTTP
        assert max(emu.max_calls_per_api().values()) <= 5  # each API within its own limit

The pytest plugin (``cams_emulator`` fixture) lives in ``airflow_provider_cams.testing.pytest_plugin``;
``run_dag(dag)`` runs a DAG built in a test with ``dag.test()`` on every supported Airflow (it imports
Airflow only when called).
"""

from airflow_provider_cams.testing.dag_run import prepare_airflow_home, run_dag
from airflow_provider_cams.testing.dialects import DIALECTS, Dialect, dialect_named
from airflow_provider_cams.testing.emulator import CamsEmulator
from airflow_provider_cams.testing.errors import ASSUMED_ERROR_CODES, DOCUMENTED_ERROR_CODES
from airflow_provider_cams.testing.faults import FaultKind, FaultRule
from airflow_provider_cams.testing.records import RecordedRequest
from airflow_provider_cams.testing.signature import SignatureVerifier, Verification

__all__ = [
    "ASSUMED_ERROR_CODES",
    "DIALECTS",
    "DOCUMENTED_ERROR_CODES",
    "CamsEmulator",
    "Dialect",
    "FaultKind",
    "FaultRule",
    "RecordedRequest",
    "SignatureVerifier",
    "Verification",
    "dialect_named",
    "prepare_airflow_home",
    "run_dag",
]
