"""Sends through a real scheduler: a mass send, a single-mode send and a flow publish at the same time
in one account's pool (api-server, dag-processor, scheduler, LocalExecutor; SQLite).

The emulator enforces each API's own limit (flow APIs 5/s, SendChatappMassMessage 10/s,
SendChatappMessage 250/s) and records every call's arrival: no API above its limit in any 1 s window,
nothing throttled, every recipient exactly one message with its own flow token, the flow published.
``benchmarks/sends.py`` runs the same DAG file for 100,000 and 10,000 recipients.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from airflow_provider_cams.hooks.sending import flow_token
from airflow_provider_cams.testing import CamsEmulator
from tests.harness.airflow_stack import AirflowStack

pytestmark = [pytest.mark.scheduler, pytest.mark.timeout(900)]

DAG_FILE = Path(__file__).parent / "dags" / "cams_send_proof.py"
SPACE = "cs-sends"
BUSINESS = "6580000001"
SEND_LIMITS = {"SendChatappMassMessage": 10.0, "SendChatappMessage": 250.0}  # the vendor's, per account
LIMITS = {**SEND_LIMITS, "other": 5.0}


def button_template(emu: CamsEmulator, flow_id: str) -> str:
    """An approved template whose FLOW button opens ``flow_id``."""
    components = [
        {"Type": "BODY", "Text": "Hi {{1}}"},
        {"Type": "BUTTONS", "Buttons": [{"Type": "FLOW", "Text": "Go", "FlowId": flow_id,
                                         "FlowAction": "NAVIGATE", "NavigateScreen": "ONE"}]},
    ]  # fmt: skip
    return emu.add_template("invite", "en", components, cust_space_id=SPACE)


def write_audience(path: Path, numbers: list[str]) -> str:
    path.write_text("to,1\n" + "".join(f"{n},p{i}\n" for i, n in enumerate(numbers)))
    return f"file://{path}"


@contextmanager
def send_deployment(home: Path, key: str) -> Iterator[tuple[AirflowStack, CamsEmulator]]:
    """The emulator (sends at their own limits) and a real Airflow running the send DAGs in the account's
    ``cams_default`` pool (provisioned by ``cams-pool``); also ``benchmarks/sends.py``'s deployment."""
    dags = home / "dags"
    dags.mkdir()
    shutil.copy(DAG_FILE, dags)
    with CamsEmulator(
        access_key_id=key, access_key_secret=f"{key}-secret-value", api_limits=SEND_LIMITS
    ) as emu:
        env = {"AIRFLOW_CONN_CAMS_DEFAULT": emu.connection_uri_json(cust_space_id=SPACE)}
        with AirflowStack(home, dags, parallelism=16, extra_env=env) as stack:
            stack.start()
            cams_pool = Path(sys.executable).with_name("cams-pool")
            out = subprocess.run([str(cams_pool)], env=stack.env, capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr
            for dag_id in ("cams_send_mass", "cams_send_single", "cams_send_mixed"):
                stack.wait_for_dag(dag_id)
            yield stack, emu


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AirflowStack, CamsEmulator]]:
    with send_deployment(tmp_path_factory.mktemp("airflow-sends"), "proof-ak") as deployment:
        yield deployment


def test_mass_single_and_publish_at_once_keep_each_api_at_its_limit(
    setup: tuple[AirflowStack, CamsEmulator], tmp_path: Path
) -> None:
    stack, emu = setup
    flow_id = emu.add_flow("f", ["OTHER"], status="PUBLISHED", cust_space_id=SPACE, with_json=True)
    code = button_template(emu, flow_id)
    to_publish = emu.add_flow("p", ["OTHER"], cust_space_id=SPACE, with_json=True)
    mass = [f"65{81000000 + i}" for i in range(5000)]
    single = [f"65{82000000 + i}" for i in range(600)]
    conf = {
        "template_code": code,
        "business_number": BUSINESS,
        "flow_id": flow_id,
        "mass_audience": write_audience(tmp_path / "mass.csv", mass),
        "single_audience": write_audience(tmp_path / "single.csv", single),
        "publish_flow_id": to_publish,
    }
    run_id = stack.trigger("cams_send_mixed", conf=conf)
    states = stack.wait_for_runs("cams_send_mixed", [run_id], timeout=300)
    assert states == {run_id: "success"}, stack.task_instances("cams_send_mixed", run_id)
    messages = emu.messages()
    assert Counter(m["UserNumber"] for m in messages) == Counter(dict.fromkeys(mass + single, 1))
    assert {m["UserNumber"]: m["FlowToken"] for m in messages} == {
        n: flow_token(run_id, flow_id, n) for n in mass + single
    }
    assert emu.flows()[to_publish]["Status"] == "PUBLISHED"
    assert [r for r in emu.requests() if r.code == "System.LimitControl"] == []
    most = emu.max_calls_per_api(1.0, include_rejected=True)
    assert {api: n for api, n in most.items() if n > LIMITS.get(api, LIMITS["other"])} == {}, most
    # Each task within its own share of the pool: 1 slot of mass sends (2 per 1.02 s), 3 slots of single
    # sends from several threads (3 x 50 per 1.02 s).
    assert most["SendChatappMassMessage"] <= 2 and most["SendChatappMessage"] <= 150, most
