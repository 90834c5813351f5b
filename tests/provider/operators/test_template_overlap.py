"""Two overlapping DeployTemplateOperator runs (Airflow's default ``max_active_runs`` allows them) that
create the same template at once: the second CreateChatappTemplate is refused with whatever code the
dialect uses, and the refusal is explained by reading, never by its code and never by a second create.

Each run is the real operator with its own hook, over real HTTP and signing, in its own thread; the
emulator holds the answers of the runs' first lookups until both looked (a barrier, not a delay), so
both find nothing and both create, on a quiet machine and a busy one alike.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from airflow_provider_cams.exceptions import CamsApiError, CamsAuthError
from airflow_provider_cams.operators.template import DeployTemplateOperator
from airflow_provider_cams.testing import CamsEmulator, FaultKind
from airflow_provider_cams.testing.server import WireRequest, WireResponse
from airflow_provider_cams.testing.templates import TemplateReview
from tests.provider.conftest import RecordingTaskInstance, StartEmulator

SPACE = "cs-overlap"
BODY = "Hello {{1}}, tell us what you think."


class OverlapEmulator(CamsEmulator):
    """The emulator, answering the first ``runs`` ListChatappTemplate calls only once all were computed."""

    def __init__(self, *args: Any, runs: int = 2, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.looked = threading.Barrier(runs, timeout=120)  # a broken barrier fails the test loudly
        self.hold = runs  # how many lookups are still to hold (0: a single run)
        self._lock = threading.Lock()

    def handle(self, request: WireRequest) -> WireResponse:
        answer = super().handle(request)
        action = next((v for k, v in request.headers if k.lower() == "x-acs-action"), None)
        if action == "ListChatappTemplate":
            with self._lock:
                hold, self.hold = self.hold > 0, self.hold - 1
            if hold:
                self.looked.wait()
        return answer


@pytest.fixture
def emu(start_emulator: StartEmulator) -> OverlapEmulator:
    """No pacing: the overlap, not the rate, is under test."""
    review = TemplateReview(outcome="manual")
    emulator = start_emulator(SPACE, pacing=False, cls=OverlapEmulator, template_review=review)
    assert isinstance(emulator, OverlapEmulator)
    return emulator


def deploy(flow_id: str, body: str = BODY) -> dict[str, Any]:
    """One run of the task: a fresh operator (and so a fresh hook), its context's XCom recorded."""
    task = DeployTemplateOperator(
        task_id="deploy_template",
        template_name="survey_invite",
        language="en",
        body_text=body,
        button_text="Answer",
        flow_id=flow_id,
        navigate_screen="QUESTION_ONE",
        examples={"1": "Ana"},
        hook_params={"initial_wait": 0.01, "max_wait": 0.05},
    )
    return task.execute({"ti": RecordingTaskInstance()})  # type: ignore[arg-type]


def overlap(*bodies: str, flow_id: str) -> list[dict[str, Any]]:
    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(lambda body: deploy(flow_id, body), bodies))


def published_flow(emu: CamsEmulator) -> str:
    return emu.add_flow("survey", ["SURVEY"], status="PUBLISHED", cust_space_id=SPACE, with_json=True)


@pytest.mark.cams_dialects("guess", "renamed", "contrary")
def test_two_overlapping_runs_leave_one_template_and_both_succeed(emu: OverlapEmulator) -> None:
    flow_id = published_flow(emu)
    results = overlap(BODY, BODY, flow_id=flow_id)
    [(code, template)] = emu.templates().items()
    assert (template["Name"], template["Language"]) == ("survey_invite", "en")
    assert sorted(r["action"] for r in results) == ["created", "reused"]
    assert {r["template_code"] for r in results} == {code}
    creates = emu.requests("CreateChatappTemplate")
    assert len(creates) == 2 and [r.applied for r in creates].count(True) == 1
    refused = next(r for r in creates if not r.applied)
    assert refused.code == emu.dialect.duplicate_template_code  # the dialect's code, read by nobody


def test_overlapping_runs_with_other_content_take_the_replacement_path(emu: OverlapEmulator) -> None:
    flow_id = published_flow(emu)
    results = overlap(BODY, "Hi {{1}}, one question for you.", flow_id=flow_id)
    by_action = {r["action"]: r for r in results}
    assert set(by_action) == {"created", "replaced"}  # the first is in review: CAMS modifies no such one
    assert by_action["replaced"]["replaced_template_code"] == by_action["created"]["template_code"]
    assert by_action["replaced"]["template_name"].startswith("survey_invite_")
    assert len(emu.templates()) == 2


def test_an_undocumented_refusal_with_no_template_fails_with_cams_words(emu: OverlapEmulator) -> None:
    emu.hold = 0  # one run only
    flow_id = published_flow(emu)
    emu.faults.add(
        FaultKind.ERROR, "CreateChatappTemplate", code="Template.Busy", http_status=400, message="Busy."
    )
    with pytest.raises(CamsApiError) as info:
        deploy(flow_id)
    err = info.value
    assert (err.code, err.message, err.http_status) == ("Template.Busy", "Busy.", 400)
    assert err.request_id == emu.requests("CreateChatappTemplate")[0].request_id
    assert "ListChatappTemplate shows no template survey_invite (en)" in str(err)
    assert emu.templates() == {}


def test_a_documented_refusal_decides_without_reading(emu: OverlapEmulator) -> None:
    emu.hold = 0
    flow_id = published_flow(emu)
    emu.faults.add(FaultKind.ERROR, "CreateChatappTemplate", code="Ram.PermissionDeny", http_status=403)
    with pytest.raises(CamsAuthError):
        deploy(flow_id)
    assert [r.action for r in emu.requests()] == ["ListChatappTemplate", "CreateChatappTemplate"]
