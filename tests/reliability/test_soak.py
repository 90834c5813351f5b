"""A small fault soak (``benchmarks/soak.py``): flows created and published through real Airflow while
the emulator faults ~30 % of the calls with every fault kind it has.

Two runs: one with the hook's default retries (faults heal inside the task), one where the hook gives up
at the first failure so that Airflow retries do the healing (CreateFlow's reuse-on-retry, PublishFlow's
check-first on retry). The seed makes every fault kind fire within the first 22 calls, and each run
makes at least 3 calls per flow, so every kind is exercised. The emulator's rate limiter is off and
the connection has ``pacing: false`` (pacing is tested elsewhere): every failure is an injected one.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from airflow_provider_cams.testing import CamsEmulator

ROOT = Path(__file__).resolve().parents[2]
SEED = 44  # all nine kinds are drawn within the first 22 faulted-or-not calls


def _load_soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cams_benchmarks_soak", ROOT / "benchmarks" / "soak.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


soak = _load_soak()
# Each run under two emulator dialects (the second renames every undocumented code), at half the size.
pytestmark = pytest.mark.cams_dialects()


@pytest.fixture
def soak_emulator(
    airflow_db: str, cams_dialect: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CamsEmulator]:
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", "")  # run_soak sets it; monkeypatch restores it
    with CamsEmulator(
        access_key_id="soak-ak",
        access_key_secret="soak-secret-value",
        require_flow_json=False,
        dialect=cams_dialect,
    ) as emu:
        yield emu


def _check(result: object, text: str, flows: int) -> None:
    print(result.report())  # type: ignore[attr-defined]
    assert result.problems == [], "\n".join(result.problems)  # type: ignore[attr-defined]
    assert result.ti_states == {"success": 2 * flows}  # type: ignore[attr-defined]
    assert result.flows_by_status == {"PUBLISHED": flows}  # type: ignore[attr-defined]
    assert set(result.faults_injected) == set(soak.ALL_FAULT_KINDS), result.faults_injected  # type: ignore[attr-defined]
    retry_lines, already_lines = soak.count_log_lines(text)
    assert retry_lines == result.hook_retries  # type: ignore[attr-defined]
    assert already_lines == result.reconciled_before_resend  # type: ignore[attr-defined]


def test_soak_faults_heal_inside_the_hook(
    soak_emulator: CamsEmulator, capfd: pytest.CaptureFixture[str]
) -> None:
    flows = 12
    result = soak.run_soak(soak.SoakConfig(flows=flows, seed=SEED), soak_emulator)
    captured = capfd.readouterr()
    _check(result, captured.out + captured.err, flows)
    assert result.hook_retries > 0
    share = sum(result.faults_injected.values()) / result.requests_total
    assert 0.15 < share < 0.45, f"{share:.0%} of the calls were faulted"


def test_soak_faults_heal_through_airflow_retries(
    soak_emulator: CamsEmulator, capfd: pytest.CaptureFixture[str]
) -> None:
    flows = 8
    config = soak.SoakConfig(flows=flows, seed=SEED, retries=12, hook_max_attempts=1)
    result = soak.run_soak(config, soak_emulator)
    captured = capfd.readouterr()
    _check(result, captured.out + captured.err, flows)
    assert result.hook_retries == 0
    assert result.tis_retried > 0, "no task needed an Airflow retry: the faults did not reach Airflow"
    assert result.try_failures and all(f.healable for f in result.try_failures)
