"""Actions and their payloads (flowjson/rules/actions.py): where each may be used, what it points to."""

from __future__ import annotations

from typing import Any

from airflow_provider_cams.flowjson.issues import Issue
from airflow_provider_cams.flowjson.rules.actions import check_action
from tests.provider.flowjson.conftest import base_flow
from tests.provider.flowjson.rules.conftest import rules_and_pointers, screens_of

FOOTER_ACTION = "/screens/0/layout/children/3/on-click-action"


def issues_with_footer_action(
    action: dict[str, Any], endpoint: bool = False, version: tuple[int, int] = (7, 3)
) -> list[Issue]:
    """WELCOME's Footer set to ``action``; the issues check_action finds in every action of the flow."""
    flow = base_flow()
    flow["screens"][0]["layout"]["children"][3]["on-click-action"] = action
    screens, by_id = screens_of(flow)
    out: list[Issue] = []
    for screen in screens:
        for found, here, kind in screen.actions:
            check_action(screen, found, here, kind, by_id, endpoint, version, out)
    return out


def test_navigate_must_carry_what_the_next_screens_data_declares() -> None:
    navigate: dict[str, Any] = {"name": "navigate", "next": {"type": "screen", "name": "DONE"}}
    assert issues_with_footer_action({**navigate, "payload": {"greeting": "Hi"}}) == []
    out = issues_with_footer_action({**navigate, "payload": {}})
    assert rules_and_pointers(out) == [("navigation", f"{FOOTER_ACTION}/payload")]
    assert '"greeting"' in out[0].message


def test_navigate_to_an_unknown_screen_names_the_screens_there_are() -> None:
    out = issues_with_footer_action({"name": "navigate", "next": {"type": "screen", "name": "NOPE"}})
    assert rules_and_pointers(out) == [("navigation", f"{FOOTER_ACTION}/next/name")]
    assert "existing screens: WELCOME, DONE" in out[0].message


def test_complete_only_on_a_terminal_screen() -> None:
    out = issues_with_footer_action({"name": "complete", "payload": {}})
    assert rules_and_pointers(out) == [("terminal-screen", f"{FOOTER_ACTION}/name")]


def test_data_exchange_needs_an_endpoint() -> None:
    action = {"name": "data_exchange", "payload": {}}
    assert rules_and_pointers(issues_with_footer_action(action)) == [("endpoint", f"{FOOTER_ACTION}/name")]
    assert issues_with_footer_action(action, endpoint=True) == []


def test_an_action_newer_than_the_flow_asks_to_raise_the_version() -> None:
    action = {"name": "update_data", "payload": {}}
    out = issues_with_footer_action(action, version=(5, 1))
    assert rules_and_pointers(out) == [("version", f"{FOOTER_ACTION}/name")]
    assert "needs Flow JSON 6.0" in out[0].message
    assert issues_with_footer_action(action, version=(6, 0)) == []
