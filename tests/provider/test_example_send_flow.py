"""example_cams_send_flow end to end: deploy flow -> deploy template -> review -> send to an S3 audience."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path

import pytest

from airflow_provider_cams.hooks.sending import flow_token
from airflow_provider_cams.testing import CamsEmulator
from tests.dag_helpers import ti_states
from tests.harness.object_store import LocalS3

EXAMPLES = Path(__file__).resolve().parents[2] / "example_dags"


def test_send_flow_example_reaches_everyone_in_the_audience_once(
    emulator: CamsEmulator, monkeypatch: pytest.MonkeyPatch, local_s3: LocalS3, flow_store: str
) -> None:
    from airflow.dag_processing.bundles.manager import DagBundlesManager

    from airflow_provider_cams.testing.dag_run import DagBag, sync_bag_to_db

    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", emulator.connection_uri_json(cust_space_id="cs-example"))
    monkeypatch.setenv("AIRFLOW_CONN_AUDIENCE_STORE", local_s3.connection_json())
    monkeypatch.setenv("AIRFLOW_VAR_CAMS_FLOW_STORE", f"s3://{flow_store}/flows/")
    audience = f"s3://{flow_store}/campaign-{uuid.uuid4().hex[:6]}/people.jsonl"
    monkeypatch.setenv("AIRFLOW_VAR_CAMS_AUDIENCE", audience)
    numbers = [f"65{70000000 + i}" for i in range(50)]
    lines = [json.dumps({"to": n, "template_params": {"1": f"p{i}"}}) for i, n in enumerate(numbers)]
    key = audience.removeprefix(f"s3://{flow_store}/")
    local_s3.client().put_object(Bucket=flow_store, Key=key, Body="\n".join(lines).encode())

    bag = DagBag(dag_folder=str(EXAMPLES))
    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(bag, "dags-folder", None)
    run = bag.get_dag("example_cams_send_flow").test()  # type: ignore[union-attr]
    assert run.state == "success", ti_states(run)

    flow_id = next(iter(emulator.flows()))
    messages = emulator.messages()
    assert Counter(m["UserNumber"] for m in messages) == Counter(dict.fromkeys(numbers, 1))
    assert {m["UserNumber"]: m["FlowToken"] for m in messages} == {
        n: flow_token(run.run_id, flow_id, n) for n in numbers
    }
    outcomes_prefix = f"{key}.outcomes/"
    listed = local_s3.client().list_objects_v2(Bucket=flow_store, Prefix=outcomes_prefix)["Contents"]
    assert [o["Key"].endswith(".jsonl") for o in listed] == [True]
