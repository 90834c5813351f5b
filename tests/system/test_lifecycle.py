"""Live contract: a flow's whole lifecycle, a re-published flow, and a deleted one, on throwaway flows.

System-test style: each step is a DAG of the provider's public operators run with ``dag.test()``;
between runs the test asks CAMS directly where the provider assumes something, and the report keeps the
answer (docs/assumptions.rst names the keys).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_cams.hooks.cams import CamsHook
from airflow_provider_cams.operators.flow import (
    CreateFlowOperator,
    DeleteFlowOperator,
    DeprecateFlowOperator,
    GetFlowOperator,
    PublishFlowOperator,
)
from airflow_provider_cams.sensors.flow import FlowStatusSensor
from tests.dag_helpers import run_dag, xcom
from tests.system.contract import ContractReport, probe, requires_account
from tests.system.dags import FLOW_JSON, deploy, succeeded, system_dag

pytestmark = requires_account


def test_lifecycle_and_republish(
    account: CamsHook, json_store: str, contract: ContractReport, throwaway: Callable[[str], str]
) -> None:
    name = throwaway("lifecycle")
    flow_id = str(deploy(name, FLOW_JSON, json_store, publish=False)["flow_id"])
    ref = account.flow_ref(flow_id)

    listed = probe(account, "ListFlow", {"FlowName": name, "Page": {"Index": 1, "Size": 100}, **_space(ref)})
    ids = [str(f.get("FlowId")) for f in listed.body.get("Data") or []]
    contract.answered(
        "list_after_create",
        "ListFlow lists a flow as soon as CreateFlow answered",
        listed,
        "listed" if flow_id in ids else "not listed",
        flow_id in ids,
    )
    prefix = probe(
        account, "ListFlow", {"FlowName": name[:-3], "Page": {"Index": 1, "Size": 100}, **_space(ref)}
    )
    broader = flow_id in [str(f.get("FlowId")) for f in prefix.body.get("Data") or []]
    contract.answered(
        "list_name_filter",
        "ListFlow's FlowName filter matches the exact name (or more: the provider checks the name itself)",
        prefix,
        "broader" if broader else "exact",
        True,
    )
    before = probe(account, "GetFlow", ref.params)
    version = (before.body.get("Data") or {}).get("JSONVersion")
    contract.answered(
        "fetch_json",
        "CAMS downloads FilePath during UpdateFlowJSONAsset (GetFlow reports the JSON's version at once)",
        before,
        "update" if version else "later",
        bool(version),
    )
    asset = probe(account, "GetFlowJSONAssest", ref.params)
    file_path = str((asset.body.get("Data") or {}).get("FilePath") or "")
    given = bool(file_path) and urlsplit(json_store).netloc in file_path
    contract.answered(
        "json_asset_url",
        "GetFlowJSONAssest's FilePath is the URL given, or a URL of CAMS's own copy",
        asset,
        "given" if given else ("copy" if file_path else "none"),
        bool(file_path),
    )

    with system_dag("publish") as publish_dag:
        publish = PublishFlowOperator(task_id="publish", flow_id=flow_id)
        wait = FlowStatusSensor(task_id="wait_published", flow_id=flow_id, poke_interval=5, timeout=600)
        read = GetFlowOperator(task_id="read", flow_id=flow_id)
        publish >> wait >> read
    first = run_dag(publish_dag)
    succeeded(first)
    assert xcom(first, "publish")["already_published"] is False
    assert xcom(first, "read")["status"] in ("PUBLISHED", "THROTTLED")

    again = probe(account, "PublishFlow", ref.params)
    status = (account.get_flow(ref).get("Data") or {}).get("Status")
    contract.answered(
        "wrong_status_refusal",
        "PublishFlow of a PUBLISHED flow is refused (any code, HTTP 4xx or 200) and changes nothing",
        again,
        f"{'refused' if again.refused else 'accepted'}; the flow is then {status}",
        status in ("PUBLISHED", "THROTTLED"),
    )
    republished = run_dag(publish_dag)  # the re-run of a publish DAG: the provider's own answer
    succeeded(republished)
    assert xcom(republished, "publish")["already_published"] is True

    with system_dag("deprecate") as deprecate_dag:
        DeprecateFlowOperator(task_id="deprecate", flow_id=flow_id)
    assert xcom(run_dag(deprecate_dag), "deprecate")["already_deprecated"] is False
    repeat = probe(account, "DeprecateFlow", ref.params)
    contract.answered(
        "deprecate_deprecated",
        "DeprecateFlow of a DEPRECATED flow is refused (any code) and changes nothing",
        repeat,
        "refused" if repeat.refused else "accepted",
        True,
    )
    assert xcom(run_dag(deprecate_dag), "deprecate")["already_deprecated"] is True
    delete = probe(account, "DeleteFlow", ref.params)
    contract.answered(
        "delete_not_draft",
        "DeleteFlow of a flow that is not DRAFT (here DEPRECATED) is refused",
        delete,
        "refused" if delete.refused else "accepted",
        delete.refused,
    )


def test_draft_is_deleted_and_then_observed_gone(
    account: CamsHook, contract: ContractReport, throwaway: Callable[[str], str]
) -> None:
    name = throwaway("draft")
    with system_dag("delete") as dag:
        create = CreateFlowOperator(task_id="create", flow_name=name, categories=["OTHER"])
        delete = DeleteFlowOperator(task_id="delete", flow_id=create.output["flow_id"])
        again = DeleteFlowOperator(task_id="delete_again", flow_id=create.output["flow_id"])
        create >> delete >> again
    run = run_dag(dag)
    succeeded(run)
    assert xcom(run, "delete")["already_deleted"] is False
    assert xcom(run, "delete_again")["already_deleted"] is True
    ref = account.flow_ref(xcom(run, "create")["flow_id"])

    read = probe(account, "GetFlow", ref.params)
    listed = any(str(f.get("FlowId")) == ref.flow_id for f in account.list_flows(name))
    contract.answered(
        "delete_missing",
        "GetFlow of a deleted flow is refused (any code) and ListFlow no longer lists it",
        read,
        f"GetFlow {'refused' if read.refused else 'answered'}; "
        f"ListFlow {'lists' if listed else 'does not list'} it",
        read.refused and not listed,
    )

    bare = account.create_flow(name, ["OTHER"])
    publish = probe(account, "PublishFlow", account.flow_ref(bare.flow_id).params)
    contract.answered(
        "publish_without_json",
        "PublishFlow of a DRAFT without flow JSON is refused (nothing relies on it)",
        publish,
        "refused" if publish.refused else "accepted",
        None,
    )
    newer = account.create_flow(name, ["OTHER"])
    contract.answered(
        "flow_id_order",
        "FlowIds grow with creation time",
        probe(account, "GetFlow", account.flow_ref(newer.flow_id).params),
        f"{bare.flow_id} then {newer.flow_id}",
        int(newer.flow_id) > int(bare.flow_id),
    )


def _space(ref: Any) -> dict[str, Any]:
    return {"CustSpaceId": ref.cust_space_id}
