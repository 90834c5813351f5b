"""FlowStatusSensor in poke and deferrable mode, through real Airflow against the emulator."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from airflow.sdk import DAG

from airflow_provider_cams.hooks.cams import CamsHook
from airflow_provider_cams.sensors.flow import FlowStatusSensor
from airflow_provider_cams.testing import CamsEmulator
from tests.dag_helpers import new_dag_id, run_dag, ti_states, xcom
from tests.provider.conftest import dag_kwargs


@pytest.fixture
def after_first_poke(emulator: CamsEmulator) -> Iterator[Callable[[Callable[[], None]], None]]:
    """Run an action in a thread once the sensor has made its first GetFlow.

    No deadline: the action happens after the first poke however long that takes (acting anyway after
    a while would change what the test checks on a slow machine); at teardown a waiting thread gives up.
    """
    threads: list[threading.Thread] = []
    done = threading.Event()

    def schedule(action: Callable[[], None]) -> None:
        def wait_then_act() -> None:
            while not emulator.requests(action="GetFlow"):
                if done.wait(0.05):
                    return
            action()

        thread = threading.Thread(target=wait_then_act, daemon=True)
        thread.start()
        threads.append(thread)

    yield schedule
    done.set()
    for thread in threads:
        thread.join()


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_sensor_completes_when_the_flow_is_published(
    emulator: CamsEmulator, after_first_poke: Callable[[Callable[[], None]], None], deferrable: bool
) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], with_json=True)
    after_first_poke(lambda: CamsHook().publish_flow(flow_id, check_first=False))
    with DAG(new_dag_id("sensor"), **dag_kwargs()) as dag:
        FlowStatusSensor(
            task_id="wait", flow_id=flow_id, poke_interval=0.5, timeout=60, deferrable=deferrable
        )
    run = run_dag(dag)
    assert ti_states(run) == {"wait": "success"}
    flow = xcom(run, "wait")
    assert (flow["flow_id"], flow["status"]) == (flow_id, "PUBLISHED")
    assert len(emulator.requests(action="GetFlow")) >= 2
    assert xcom(run, "wait", key="cams_flow_console_url").endswith(flow_id)


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_sensor_fails_at_once_when_the_target_is_unreachable(
    emulator: CamsEmulator, deferrable: bool, capfd: pytest.CaptureFixture[str]
) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], status="DEPRECATED")
    with DAG(new_dag_id("sensor"), **dag_kwargs(default_args={"retries": 2})) as dag:
        FlowStatusSensor(
            task_id="wait", flow_id=flow_id, poke_interval=0.5, timeout=60, deferrable=deferrable
        )
    run = run_dag(dag)
    assert ti_states(run) == {"wait": "failed"}
    assert len(emulator.requests(action="GetFlow")) == 1, "no second poke, no Airflow retry"
    assert f"Flow {flow_id} is DEPRECATED and can never become PUBLISHED" in capfd.readouterr().out


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_blocked_flow_fails_at_once_and_throttled_counts_as_published(
    emulator: CamsEmulator, deferrable: bool, capfd: pytest.CaptureFixture[str]
) -> None:
    """Meta's health statuses: BLOCKED cannot heal by waiting; THROTTLED is published, reported."""
    blocked = emulator.add_flow(name="b", categories=["OTHER"], status="PUBLISHED", with_json=True)
    emulator.set_flow_status(blocked, "BLOCKED", reason="endpoint unavailable")
    throttled = emulator.add_flow(name="t", categories=["OTHER"], status="PUBLISHED", with_json=True)
    emulator.set_flow_status(throttled, "THROTTLED")
    with DAG(new_dag_id("sensor"), **dag_kwargs(default_args={"retries": 2})) as dag:
        for task_id, flow_id in (("blocked", blocked), ("throttled", throttled)):
            FlowStatusSensor(
                task_id=task_id, flow_id=flow_id, poke_interval=0.5, timeout=60, deferrable=deferrable
            )
    run = run_dag(dag)
    assert ti_states(run) == {"blocked": "failed", "throttled": "success"}
    assert len(emulator.requests(action="GetFlow")) == 2, "one poke each, no Airflow retry"
    out = capfd.readouterr().out
    assert f"Flow {blocked} is BLOCKED by WhatsApp" in out and f"Flow {throttled} is THROTTLED" in out
    assert xcom(run, "throttled")["status"] == "THROTTLED"


def test_deferred_wait_fails_when_the_flow_moves_past_the_target(
    emulator: CamsEmulator, after_first_poke: Callable[[Callable[[], None]], None]
) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"], status="PUBLISHED")

    def deprecate() -> None:
        CamsHook().deprecate_flow(flow_id)

    after_first_poke(deprecate)
    with DAG(new_dag_id("sensor"), **dag_kwargs()) as dag:
        FlowStatusSensor(
            task_id="wait",
            flow_id=flow_id,
            target_status="DRAFT",
            poke_interval=0.5,
            timeout=60,
            deferrable=True,
        )
    run = run_dag(dag)
    assert ti_states(run) == {"wait": "failed"}


def test_deferred_wait_times_out(emulator: CamsEmulator, capfd: pytest.CaptureFixture[str]) -> None:
    flow_id = emulator.add_flow(name="f", categories=["OTHER"])
    with DAG(new_dag_id("sensor"), **dag_kwargs()) as dag:
        FlowStatusSensor(task_id="wait", flow_id=flow_id, poke_interval=0.5, timeout=2, deferrable=True)
    run = run_dag(dag)
    assert ti_states(run) == {"wait": "failed"}
    # Failed because the wait timed out (not for another reason); a hang is pytest-timeout's to catch.
    assert f"Flow {flow_id} did not reach PUBLISHED in time." in capfd.readouterr().out


@pytest.mark.parametrize(
    ("target", "needle"), [("LIVE", "not a flow status"), ("published", "not a flow status")]
)
def test_bad_target_status_fails_before_any_request(
    emulator: CamsEmulator, target: str, needle: str, capfd: pytest.CaptureFixture[str]
) -> None:
    with DAG(new_dag_id("sensor"), **dag_kwargs()) as dag:
        FlowStatusSensor(task_id="wait", flow_id="123", target_status=target, poke_interval=0.5, timeout=5)
    run = run_dag(dag)
    assert ti_states(run) == {"wait": "failed"}
    assert emulator.requests() == []
    assert needle in capfd.readouterr().out


@pytest.mark.cams_dialects()
def test_a_refused_read_is_explained_by_list_flow_not_by_its_code(
    emulator: CamsEmulator, capfd: pytest.CaptureFixture[str]
) -> None:
    flow_id = emulator.add_flow("s", ["OTHER"])
    # The emulator's "not found" code on a flow that exists: its name must decide nothing.
    emulator.faults.add("error", action="GetFlow", code="Flow.NotFound", http_status=400)
    with DAG(new_dag_id("sensor"), **dag_kwargs()) as dag:
        wait = FlowStatusSensor(task_id="wait", flow_id=flow_id, poke_interval=0.1, timeout=60)
        missing = FlowStatusSensor(
            task_id="missing",
            flow_id="404404404404404",
            poke_interval=0.1,
            timeout=60,
            trigger_rule="all_done",
        )
        wait >> missing  # the fault meets the first GetFlow: wait's
    assert ti_states(run_dag(dag)) == {"wait": "failed", "missing": "failed"}
    text = capfd.readouterr()
    out = text.out + text.err
    assert f"although ListFlow lists flow {flow_id}" in out
    assert f"{emulator.dialect.not_found_code} (HTTP {emulator.dialect.not_found_http})" in out
    assert "flow 404404404404404 is not listed by ListFlow" in out
