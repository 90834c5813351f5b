"""API_LIMITS and the account's limits per API (vendor/limits.py); the pacer that spends them is tested in
tests/provider/utils/test_rate.py."""

from __future__ import annotations

from airflow_provider_cams.vendor.actions import FLOW_ACTIONS
from airflow_provider_cams.vendor.limits import API_LIMITS, account_limits, documented_limits


def test_every_flow_action_the_hook_sends_has_a_limit_that_follows_the_flow_quota() -> None:
    flow = {name for name, row in API_LIMITS.items() if row.flow_management}
    assert set(FLOW_ACTIONS) <= flow
    assert all(documented_limits(2.0)[name] == 2.0 for name in flow)


def test_the_flow_quota_leaves_the_other_apis_alone() -> None:
    default, lowered = documented_limits(), documented_limits(1.0)
    others = [name for name, row in API_LIMITS.items() if not row.flow_management]
    assert others and all(lowered[name] == default[name] for name in others)
    assert lowered["PublishFlow"] == 1.0 != default["PublishFlow"]


def test_overrides_win_over_the_flow_quota_and_leave_the_table_unchanged() -> None:
    before = dict(documented_limits())
    limits = account_limits(2.0, {"PublishFlow": 0.5, "SendChatappMessage": 20.0})
    assert limits["PublishFlow"] == 0.5 and limits["GetFlow"] == 2.0
    assert limits["SendChatappMessage"] == 20.0
    assert documented_limits() == before
    assert account_limits() == before


def test_every_row_says_where_its_figure_was_read() -> None:
    assert all(row.source and row.calls_per_second > 0 for row in API_LIMITS.values())
    assert all(name == row.action for name, row in API_LIMITS.items())
