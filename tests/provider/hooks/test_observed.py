"""Outcomes from the flow's observed state: the hook's publish, deprecate and delete in every dialect.

The emulator answers each refusal with its dialect's code and HTTP form (``renamed``: codes the provider
has never seen, wrong status as HTTP 200); the hook must reach the same outcome either way.
"""

from __future__ import annotations

import pytest

from airflow_provider_cams.exceptions import (
    CamsApiError,
    CamsFlowNotFoundError,
    CamsFlowStateError,
    CamsInvalidRequestError,
)
from airflow_provider_cams.hooks.cams import CamsHook
from airflow_provider_cams.testing import CamsEmulator

pytestmark = pytest.mark.cams_dialects()

MISSING = "404404404404404"


def refusal(emulator: CamsEmulator, action: str) -> tuple[str | None, int | None, str]:
    """(code, HTTP status, request id) of the last recorded call of ``action``."""
    record = emulator.requests(action)[-1]
    return record.code, record.http_status, record.request_id


def test_publishing_a_published_flow_again_succeeds_as_already_published(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow("f", ["OTHER"], status="PUBLISHED", with_json=True)
    result = CamsHook().publish_flow(flow_id, check_first=False)
    assert (result.status, result.already_done) == ("PUBLISHED", True)
    assert [r.action for r in emulator.requests()] == ["PublishFlow", "GetFlow"]
    assert refusal(emulator, "PublishFlow")[0] == emulator.dialect.wrong_status_code


def test_deprecating_a_deprecated_flow_succeeds(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow("f", ["OTHER"], status="DEPRECATED", with_json=True)
    result = CamsHook().deprecate_flow(flow_id)
    assert (result.status, result.already_done) == ("DEPRECATED", True)
    assert not any(r.applied for r in emulator.requests("DeprecateFlow"))


def test_publishing_a_deprecated_flow_fails_with_cams_words_and_the_observed_status(
    emulator: CamsEmulator,
) -> None:
    flow_id = emulator.add_flow("f", ["OTHER"], status="DEPRECATED", with_json=True)
    with pytest.raises(CamsFlowStateError) as info:
        CamsHook().publish_flow(flow_id, check_first=False)
    code, http_status, request_id = refusal(emulator, "PublishFlow")
    err = info.value
    assert (err.code, err.http_status, err.request_id) == (code, http_status, request_id)
    assert code == emulator.dialect.wrong_status_code and http_status == emulator.dialect.wrong_status_http
    assert f"shows flow {flow_id} DEPRECATED" in str(err) and request_id in str(err)
    assert "is not supported in this status" in str(err)  # CAMS's own message, verbatim


def test_an_unexplained_refusal_fails_with_cams_code_message_and_request_id(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow("f", ["OTHER"])  # DRAFT, no JSON: the refusal is not about its status
    with pytest.raises(CamsApiError) as info:
        CamsHook().publish_flow(flow_id, check_first=False)
    err = info.value
    assert not isinstance(err, CamsFlowStateError)  # Airflow retries still apply
    code, _, request_id = refusal(emulator, "PublishFlow")
    assert (err.code, err.request_id) == (code, request_id) == (emulator.dialect.no_json_code, request_id)
    assert err.observed and f"shows flow {flow_id} DRAFT, no JSONVersion reported" in err.observed
    assert "has no flow JSON" in str(err)


def test_publishing_a_missing_flow_is_observed_as_missing(emulator: CamsEmulator) -> None:
    with pytest.raises(CamsFlowNotFoundError) as info:
        CamsHook().publish_flow(MISSING, check_first=False)
    assert info.value.code == emulator.dialect.not_found_code
    assert "is not listed by ListFlow" in str(info.value)


def test_deleting_a_missing_flow_is_success_decided_by_list_flow(emulator: CamsEmulator) -> None:
    result = CamsHook().delete_flow(MISSING)
    assert result.already_done and result.request_id == refusal(emulator, "DeleteFlow")[2]
    assert [r.action for r in emulator.requests()] == ["DeleteFlow", "GetFlow", "ListFlow"]
    with pytest.raises(CamsFlowNotFoundError, match="not listed by ListFlow"):
        CamsHook().delete_flow(MISSING, missing_ok=False)


def test_deleting_a_published_flow_fails_saying_its_status(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow("f", ["OTHER"], status="PUBLISHED", with_json=True)
    with pytest.raises(CamsFlowStateError, match="only DRAFT flows can be deleted") as info:
        CamsHook().delete_flow(flow_id)
    assert info.value.code == emulator.dialect.wrong_status_code
    assert flow_id in emulator.flows()


@pytest.mark.cams_dialects("guess")
def test_documented_families_are_not_explained_by_reading(emulator: CamsEmulator) -> None:
    flow_id = emulator.add_flow("f", ["OTHER"], status="PUBLISHED", with_json=True)
    emulator.faults.add("error", action="PublishFlow", code="InvalidParameter.FlowId", http_status=400)
    with pytest.raises(CamsInvalidRequestError):
        CamsHook().publish_flow(flow_id, check_first=False)
    assert [r.action for r in emulator.requests()] == ["PublishFlow"]


@pytest.mark.cams_dialects("renamed")
def test_a_never_seen_code_as_http_400_is_explained_too(emulator: CamsEmulator) -> None:
    emulator.set_dialect(wrong_status_http=400)  # "renamed" sends it as HTTP 200; here as a 400
    published = emulator.add_flow("p", ["OTHER"], status="PUBLISHED", with_json=True)
    deprecated = emulator.add_flow("d", ["OTHER"], status="DEPRECATED", with_json=True)
    assert CamsHook().publish_flow(published, check_first=False).already_done
    assert CamsHook().deprecate_flow(deprecated).already_done
    assert {(r.code, r.http_status) for r in emulator.requests() if r.action != "GetFlow"} == {
        ("Flow.StatusNotAllowed", 400)
    }
