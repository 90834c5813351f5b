"""Live contract: flows as code, a changed Flow JSON deployed over a PUBLISHED flow (DeployFlowOperator)."""

from __future__ import annotations

import copy
from collections.abc import Callable

from airflow_provider_cams.hooks.cams import CamsHook
from tests.system.contract import ContractReport, probe, requires_account
from tests.system.dags import FLOW_JSON, deploy

pytestmark = requires_account


def test_a_changed_json_is_deployed_over_a_published_flow(
    account: CamsHook, json_store: str, contract: ContractReport, throwaway: Callable[[str], str]
) -> None:
    name = throwaway("deploy")
    first = deploy(name, FLOW_JSON, json_store)
    assert (first["action"], first["status"]) == ("created", "PUBLISHED")
    changed = copy.deepcopy(FLOW_JSON)
    changed["screens"][0]["title"] = "Create your account (v2)"
    second = deploy(name, changed, json_store)
    assert second["action"] in ("updated", "replaced") and second["status"] == "PUBLISHED"
    assert second["sha256"] != first["sha256"]
    live = [
        (f["FlowId"], (account.get_flow(account.flow_ref(str(f["FlowId"]))).get("Data") or {}).get("Status"))
        for f in account.list_flows(name)
        if f.get("FlowName") == name
    ]
    assert [status for _, status in live].count("PUBLISHED") == 1, live

    # What CAMS itself does with UpdateFlowJSONAsset on the PUBLISHED flow (its own current JSON again).
    ref = account.flow_ref(str(second["flow_id"]))
    url = (account.get_flow_json_asset(ref).get("Data") or {}).get("FilePath")
    update = probe(account, "UpdateFlowJSONAsset", {**ref.params, "FilePath": url})
    status = (account.get_flow(ref).get("Data") or {}).get("Status")
    observed = (
        "reject" if update.refused else ("revert_to_draft" if status == "DRAFT" else f"accepted, {status}")
    )
    contract.answered(
        "published_update",
        "UpdateFlowJSONAsset of a PUBLISHED flow is refused, or accepted with the flow back to DRAFT",
        update,
        observed,
        observed in ("reject", "revert_to_draft"),
    )
    # The deployer's own answer to the same question, for the report's reader.
    contract.findings["published_update"].observed += f" (the deploy {second['action']} the flow)"
