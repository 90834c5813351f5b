"""The example DAGs parse cheaply without connections, and run green against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_provider_cams.testing import CamsEmulator
from tests.dag_helpers import ti_states
from tests.harness.object_store import LocalS3

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "example_dags"
EXAMPLE_FILES = sorted(p.name for p in EXAMPLES.glob("example_*.py"))


def _bag() -> object:
    from airflow_provider_cams.testing.dag_run import DagBag

    return DagBag(dag_folder=str(EXAMPLES))


def test_examples_parse_without_connections_or_sdk_imports() -> None:
    """Parse in a fresh interpreter with no CAMS connection and no network: nothing is looked up."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    env["PYTHONPATH"] = str(ROOT)
    code = (
        "import sys; from airflow_provider_cams.testing.dag_run import DagBag; "
        f"bag = DagBag(dag_folder={str(EXAMPLES)!r}); "
        "assert not bag.import_errors, bag.import_errors; "
        "leaked = [m for m in sys.modules if m.startswith(('alibabacloud', 'darabonba', 'Tea', "
        "'airflow_provider_cams.flowjson', 'airflow_provider_cams.deploy'))]; "
        "assert not leaked, leaked; print(sorted(bag.dag_ids))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "example_cams_publish_flow" in out.stdout


@pytest.mark.parametrize(
    "dag_id", ["example_cams_publish_flow", "example_cams_flow_lifecycle", "example_cams_create_flow_asset"]
)
def test_example_runs_green_against_the_emulator(
    emulator: CamsEmulator, dag_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    signup = (EXAMPLES / "flows" / "signup.json").read_bytes()
    monkeypatch.setenv("AIRFLOW_VAR_CAMS_FLOW_JSON_URL", emulator.host_json(signup, "signup.json"))
    from airflow_provider_cams.testing.dag_run import sync_bag_to_db

    bag = _bag()
    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(bag, "dags-folder", None)  # type: ignore[arg-type]
    run = bag.get_dag(dag_id).test()  # type: ignore[attr-defined]
    assert run.state == "success", ti_states(run)
    expected = "DRAFT" if dag_id == "example_cams_create_flow_asset" else "PUBLISHED"
    assert [f["Status"] for f in emulator.flows().values()] == [expected]
    # Published once: a second publish task of the same flow sends a PublishFlow that CAMS rejects.
    applied = [r for r in emulator.requests(action="PublishFlow") if r.applied]
    assert len(applied) == (expected == "PUBLISHED")
    if expected == "PUBLISHED":  # the flow carries exactly the example's Flow JSON
        assert emulator.flow_json(next(iter(emulator.flows()))) == signup


def test_deploy_example_publishes_every_flow_file_and_reruns_without_writes(
    emulator: CamsEmulator, monkeypatch: pytest.MonkeyPatch, local_s3: LocalS3, flow_store: str
) -> None:
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    from airflow_provider_cams.testing.dag_run import sync_bag_to_db

    monkeypatch.setenv("AIRFLOW_VAR_CAMS_FLOW_STORE", f"s3://{flow_store}/prod/")
    bag = _bag()
    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(bag, "dags-folder", None)  # type: ignore[arg-type]
    dag = bag.get_dag("example_cams_deploy_flows")  # type: ignore[attr-defined]
    run = dag.test()
    assert run.state == "success", ti_states(run)
    files = {p.stem: p.read_bytes() for p in (EXAMPLES / "flows").glob("*.json")}
    flows = emulator.flows()
    assert {f["FlowName"]: f["Status"] for f in flows.values()} == dict.fromkeys(files, "PUBLISHED")
    assert {f["FlowName"]: emulator.flow_json(fid) for fid, f in flows.items()} == files
    seen = len(emulator.requests())
    assert dag.test().state == "success"
    assert {r.action for r in emulator.requests()[seen:]} <= {"ListFlow", "GetFlow", "GetFlowJSONAssest"}
    assert local_s3.uploads(flow_store) == len(files)


@pytest.mark.parametrize(
    ("command", "needles"),
    [
        ("list", ['"airflow-provider-cams"']),
        ("hooks", ['"cams"', "airflow_provider_cams.hooks.cams.CamsHook"]),
        ("links", ["CamsFlowConsoleLink", "CamsFlowPreviewLink"]),
    ],
)
def test_provider_is_registered_with_airflow(command: str, needles: list[str]) -> None:
    out = subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "providers", command, "-o", "json"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    for needle in needles:
        assert needle in out.stdout
