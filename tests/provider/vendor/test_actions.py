"""vendor/actions.py: what a wait does on each status, and how the action table is read before sending."""

from __future__ import annotations

import pytest

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.hooks.transport import prepare
from airflow_provider_cams.vendor.actions import FLOW_STATUSES, status_unreachable, wait_verdict


@pytest.mark.parametrize("target", FLOW_STATUSES)
def test_a_status_equal_to_the_target_is_done(target: str) -> None:
    assert wait_verdict("7", target, target) == ("done", f"Flow 7 is {target}.")


def test_throttled_counts_as_published_and_says_why() -> None:
    verdict, message = wait_verdict("7", "THROTTLED", "PUBLISHED")
    assert verdict == "done"
    assert "data endpoint" in message


@pytest.mark.parametrize("target", FLOW_STATUSES)
def test_blocked_fails_at_once_whatever_the_target(target: str) -> None:
    verdict, message = wait_verdict("7", "BLOCKED", target)
    assert (verdict, "BLOCKED" in message) == ("fail", True)


@pytest.mark.parametrize("target", ["DRAFT", "PUBLISHED"])
def test_deprecated_is_final(target: str) -> None:
    assert status_unreachable("DEPRECATED", target)
    verdict, message = wait_verdict("7", "DEPRECATED", target)
    assert verdict == "fail"
    assert "create and publish a new flow" in message


@pytest.mark.parametrize(
    ("current", "target"), [("DRAFT", "PUBLISHED"), ("PUBLISHED", "DRAFT"), (None, "DRAFT")]
)
def test_other_statuses_keep_waiting(current: str | None, target: str) -> None:
    assert not status_unreachable(current, target)
    assert wait_verdict("7", current, target)[0] == "wait"


def test_a_missing_required_parameter_is_refused_before_sending() -> None:
    with pytest.raises(CamsValidationError, match=r"PublishFlow needs parameter\(s\) \['FlowId'\]"):
        prepare("PublishFlow", {"CustSpaceId": "cs"}, can_reconcile=False)
    with pytest.raises(CamsValidationError, match=r"\['Categories'\]"):
        prepare("CreateFlow", {"FlowName": "n", "Categories": None}, can_reconcile=False)


def test_only_actions_marked_not_idempotent_are_unsafe_to_resend() -> None:
    publish = prepare("PublishFlow", {"FlowId": "1"}, can_reconcile=True)
    read = prepare("GetFlow", {"FlowId": "1"}, can_reconcile=False)
    listed = prepare("ListFlow", {"Page": {"Index": 1, "Size": 10}}, can_reconcile=False)
    assert (publish.resend_unsafe, read.resend_unsafe, listed.resend_unsafe) == (True, False, False)
    assert listed.query == {"Page": '{"Index":1,"Size":10}'}  # JSON values need no entry in the table
