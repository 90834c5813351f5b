"""Terminal screens and routing (flowjson/rules/routing.py), on the collected screens directly."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_cams.flowjson.issues import Issue
from airflow_provider_cams.flowjson.rules.routing import check_routing, check_terminals
from tests.provider.flowjson.conftest import base_flow, endpoint_flow
from tests.provider.flowjson.rules.conftest import rules_and_pointers, screens_of


def routing_issues(flow: dict[str, Any], endpoint: bool) -> list[Issue]:
    screens, by_id = screens_of(flow)
    out: list[Issue] = []
    check_routing(flow, screens, by_id, endpoint, out)
    return out


def test_a_flow_needs_a_terminal_screen_and_one_that_succeeds() -> None:
    flow = base_flow()
    out: list[Issue] = []
    check_terminals(screens_of(flow)[0], out)
    assert out == []
    flow["screens"][1]["success"] = False
    check_terminals(screens_of(flow)[0], out)
    assert rules_and_pointers(out) == [("terminal-screen", "/screens/1/success")]
    out.clear()
    flow["screens"][1]["terminal"] = False
    check_terminals(screens_of(flow)[0], out)
    assert rules_and_pointers(out) == [("terminal-screen", "/screens")]


def test_no_screens_no_terminal_issue() -> None:
    out: list[Issue] = []
    check_terminals([], out)
    assert out == []


def test_valid_routing_model_and_navigate_routes_pass() -> None:
    assert routing_issues(endpoint_flow(), endpoint=True) == []
    assert routing_issues(base_flow(), endpoint=False) == []


def test_a_routing_model_naming_an_unknown_screen_is_reported_there() -> None:
    flow = endpoint_flow()
    flow["routing_model"]["WELCOME"] = ["DONE", "NOWHERE"]
    issues = routing_issues(flow, endpoint=True)
    assert issues and all(issue.rule == "routing-model" for issue in issues)
    assert any(
        issue.pointer.startswith("/routing_model/WELCOME") and "NOWHERE" in issue.message for issue in issues
    )


# Meta's error codes page: "Number of branches exceeds the max limit of 10 for screen".
@pytest.mark.parametrize("branches", [10, 11])
def test_at_most_ten_branches_per_screen(branches: int) -> None:
    flow = endpoint_flow()
    extra = [dict(flow["screens"][1], id=f"END_{i}") for i in range(branches - 1)]
    flow["screens"].extend(extra)
    flow["routing_model"] = {"WELCOME": ["DONE", *(s["id"] for s in extra)], "DONE": []}
    flow["routing_model"].update({s["id"]: [] for s in extra})
    too_many = [i for i in routing_issues(flow, endpoint=True) if "branches" in i.message.lower()]
    assert bool(too_many) is (branches > 10)
