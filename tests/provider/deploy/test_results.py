"""FlowDeployment's XCom shape (deploy/results.py); the deployer's own runs are in test_deployer.py."""

from __future__ import annotations

import json

from airflow_provider_cams.deploy.results import FlowDeployment, deployment_to_xcom


def test_the_xcom_is_json_and_names_retired_flows_by_id() -> None:
    result = FlowDeployment("F2", "space", "replaced", "PUBLISHED", "ab" * 32, "https://p", True, ["F1"])
    xcom = deployment_to_xcom(result)
    assert json.loads(json.dumps(xcom)) == {
        "flow_id": "F2",
        "cust_space_id": "space",
        "action": "replaced",
        "status": "PUBLISHED",
        "sha256": "ab" * 32,
        "preview_url": "https://p",
        "uploaded": True,
        "retired_flow_ids": ["F1"],
    }


def test_the_xcom_does_not_share_the_retired_list() -> None:
    result = FlowDeployment("F1", None, "created", "DRAFT", "00" * 32)
    xcom = deployment_to_xcom(result)
    result.retired.append("F0")
    assert xcom["retired_flow_ids"] == [] and xcom["preview_url"] is None and xcom["uploaded"] is False
