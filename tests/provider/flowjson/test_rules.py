"""rules.check(): every rule module run over a parsed flow, in one pass (flowjson/rules/__init__.py).

Each module's own behaviour is in tests/provider/flowjson/rules/; Meta's documented rules one by one, through
validate_flow_json, are in test_meta_rules.py.
"""

from __future__ import annotations

from airflow_provider_cams.flowjson.rules import check
from tests.provider.flowjson.conftest import base_flow, endpoint_flow


def test_valid_flows_have_no_issue() -> None:
    assert check(base_flow()) == [] and check(endpoint_flow()) == []


def test_issues_of_every_concern_come_back_together() -> None:
    flow = base_flow()
    flow["version"] = "9.9"  # version gates
    flow["screens"][0]["layout"]["children"][3]["on-click-action"]["next"]["name"] = "NOPE"  # actions
    flow["screens"][1]["terminal"] = False  # routing: no terminal screen left
    flow["screens"][1]["layout"]["children"][0]["text"] = "${data.missing}"  # data model
    found = {(issue.rule, issue.pointer) for issue in check(flow)}
    assert {
        ("version", "/version"),
        ("navigation", "/screens/0/layout/children/3/on-click-action/next/name"),
        ("terminal-screen", "/screens"),
        ("dynamic-data", "/screens/1/layout/children/0/text"),
    } <= found


def test_a_flow_without_screens_is_left_to_the_schema() -> None:
    assert check({"version": "7.3"}) == []
