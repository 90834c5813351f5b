"""CAMS call metrics reach a real StatsD listener through Airflow's own Stats, and the task logs a summary.

Airflow configures its metrics backend from the environment when a process starts, so the DAG runs with
``dag.test()`` in a fresh interpreter whose environment turns StatsD on and points it at a UDP socket
this test listens on (127.0.0.1). The emulator throttles one call, so every documented metric shows up.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.utils.metrics import METRIC_NAMES, CallCounters

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = textwrap.dedent(
    """
    import sys

    import pendulum
    from airflow.sdk import DAG
    from airflow.utils import db

    from airflow_provider_cams.operators.flow import PublishFlowOperator
    from tests.dag_helpers import run_dag

    db.initdb()
    with DAG("metrics_probe", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")) as dag:
        PublishFlowOperator(
            task_id="publish", flow_id=sys.argv[1], pool="cams_default", hook_params={"initial_wait": 0.1}
        )
    print("RUN STATE", run_dag(dag).state)
    """
)


def _received(sock: socket.socket) -> list[str]:
    lines: list[str] = []
    sock.settimeout(0.5)
    while True:
        try:
            data, _ = sock.recvfrom(65535)
        except TimeoutError:
            return lines
        lines.extend(data.decode().splitlines())


def test_call_metrics_reach_statsd_and_the_task_logs_a_summary() -> None:
    home = tempfile.mkdtemp(prefix="cams-metrics-home-")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    try:
        with CamsEmulator(access_key_id="m-ak", access_key_secret="m-secret-value") as emu:
            flow_id = emu.add_flow(name="f", categories=["OTHER"], with_json=True)
            emu.faults.add("throttle", action="PublishFlow", times=1)
            env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
            env.update(
                {
                    "PYTHONPATH": str(ROOT),
                    "AIRFLOW_HOME": home,
                    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
                    "AIRFLOW__CORE__DAGS_FOLDER": os.path.join(home, "dags"),
                    "AIRFLOW_CONN_CAMS_DEFAULT": emu.connection_uri_json(),
                    "AIRFLOW__METRICS__STATSD_ON": "True",
                    "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
                    "AIRFLOW__METRICS__STATSD_PORT": str(port),
                    "AIRFLOW__METRICS__STATSD_PREFIX": "airflow",
                }
            )
            out = subprocess.run(
                [sys.executable, "-c", SCRIPT, flow_id],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=240,
            )
        text = out.stdout + out.stderr
        assert "RUN STATE success" in out.stdout, text[-4000:]
        lines = _received(sock)
    finally:
        sock.close()

    names = {line.split(":", 1)[0] for line in lines}
    for expected in [
        "airflow.cams.calls",
        "airflow.cams.calls.PublishFlow.ok",
        "airflow.cams.calls.PublishFlow.throttled",
        "airflow.cams.throttled",
        "airflow.cams.retries",
        "airflow.cams.call_duration",
        "airflow.cams.pacing_wait",
    ]:
        assert expected in names, f"{expected} not received; got {sorted(n for n in names if 'cams' in n)}"
    assert {f"airflow.{m}" for m in METRIC_NAMES} <= names
    counters = [line for line in lines if line.startswith("airflow.cams.calls:")]
    assert counters and all(line.endswith("|c") for line in counters)
    assert len(counters) == 2  # the throttled attempt and the one that went through
    assert "CAMS: 2 calls, 1 throttled, 1 retry, waited" in text
    assert "m-secret-value" not in "\n".join(lines)


def test_summary_line() -> None:
    counters = CallCounters()
    assert counters.summary() == "CAMS: 0 calls, 0 throttled, 0 retries, waited 0.0 s for the rate"
    counters.record_call("GetFlow", "ok", 0.01)
    counters.record_call("PublishFlow", "throttled", 0.01)
    counters.record_retry("PublishFlow")
    counters.record_wait("PublishFlow", 1.25)
    assert counters.summary() == "CAMS: 2 calls, 1 throttled, 1 retry, waited 1.2 s for the rate"
    assert counters.outcomes == {"ok": 1, "throttled": 1}


@pytest.mark.parametrize("broken", [RuntimeError("statsd down"), OSError("no route")])
def test_a_failing_metrics_backend_never_fails_a_call(
    monkeypatch: pytest.MonkeyPatch, broken: Exception
) -> None:
    from airflow_provider_cams.utils import metrics

    class Broken:
        def incr(self, *args: object, **kwargs: object) -> None:
            raise broken

        timing = incr

    monkeypatch.setattr(metrics, "stats_backend", Broken)  # what utils/compat.py would resolve
    counters = CallCounters()
    counters.record_call("GetFlow", "throttled", 0.1)
    counters.record_wait("GetFlow", 0.1)
    assert counters.calls == 1 and counters.throttled == 1
