"""TemplateReviewTrigger: its serialised arguments, and its run loop against the emulator over real HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.testing.emulator import DEFAULT_RATE_LIMIT
from airflow_provider_cams.testing.templates import TemplateReview
from airflow_provider_cams.triggers.template import TemplateReviewTrigger
from tests.provider.conftest import SK, StartEmulator
from tests.provider.hooks.test_messaging import spec

SPACE = "cs-trigger"


@pytest.fixture
def template(start_emulator: StartEmulator) -> tuple[CamsEmulator, str]:
    review = TemplateReview(outcome="manual")
    emu = start_emulator(SPACE, rate_limit=DEFAULT_RATE_LIMIT, template_review=review)
    flow_id = emu.add_flow("f", ["OTHER"], status="PUBLISHED", cust_space_id=SPACE)
    code = emu.add_template("t", "en", spec(flow_id).components(), status="auditing", cust_space_id=SPACE)
    return emu, code


def _events(trigger: TemplateReviewTrigger) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(collect())


def _trigger(code: str, **kwargs: Any) -> TemplateReviewTrigger:
    return TemplateReviewTrigger(
        code, "en", "cams_default", SPACE, poll_interval=0.05, hook_params={"max_attempts": 1}, **kwargs
    )


def test_arguments_are_json_and_hold_no_secret() -> None:
    trigger = TemplateReviewTrigger("abc", "en", "cams_default", "cs", poll_interval=5, end_time=1.0)
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_cams.triggers.template.TemplateReviewTrigger"
    assert SK not in json.dumps(kwargs)
    assert TemplateReviewTrigger(**kwargs).serialize() == (classpath, kwargs)


@pytest.mark.parametrize(
    ("status", "reason", "outcome"),
    [("pass", None, "success"), ("fail", "Wrong category.", "failed"), ("disabled", None, "failed")],
)
def test_run_ends_on_the_review_outcome(
    template: tuple[CamsEmulator, str], status: str, reason: str | None, outcome: str
) -> None:
    emu, code = template
    emu.review_template(code, status, reason)
    [event] = _events(_trigger(code))
    assert (event["status"], event["template"]["audit_status"]) == (outcome, status)
    if reason:
        assert reason in event["message"] and event["template"]["reason"] == reason
    assert [r.action for r in emu.requests()] == ["GetChatappTemplateDetail"]


def test_run_times_out_without_a_call_when_the_end_is_already_past(
    template: tuple[CamsEmulator, str],
) -> None:
    emu, code = template
    [event] = _events(_trigger(code, end_time=0.0))
    assert event["status"] == "timeout" and code in event["message"]
    assert emu.requests() == []
