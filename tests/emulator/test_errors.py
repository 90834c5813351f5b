"""The emulator's error answers and bodies (testing/errors.py); which code each case gets is tested
where the case is decided (test_signature, test_state, test_assets...)."""

from __future__ import annotations

import re

from airflow_provider_cams.testing import errors
from airflow_provider_cams.testing.errors import (
    CamsErrorAnswer,
    default_message,
    default_status,
    error_body,
    new_request_id,
    success_body,
)


def test_status_comes_from_the_tables_and_is_400_for_an_unknown_code() -> None:
    assert default_status("System.LimitControl") == 400  # documented: every CAMS flow error is HTTP 400
    assert default_status("InvalidAccessKeyId.NotFound") == 404  # the gateway's, ASSUMED
    assert default_status("Nobody.KnowsThis") == 400


def test_message_templates_are_filled_and_left_whole_when_a_field_is_missing() -> None:
    filled = default_message("InvalidTimeStamp.Expired", reason="x-acs-date is 2 hours old.")
    assert filled.endswith("is expired. x-acs-date is 2 hours old.")
    assert "{reason}" in default_message("InvalidTimeStamp.Expired")
    assert default_message("Nobody.KnowsThis") == "Nobody.KnowsThis"


def test_an_answer_defaults_its_message_and_status_from_its_code() -> None:
    answer = CamsErrorAnswer("InvalidAccessKeyId.NotFound")
    assert (answer.http_status, answer.message) == (404, "Specified access key is not found.")
    assert str(answer) == "InvalidAccessKeyId.NotFound: Specified access key is not found."
    given = CamsErrorAnswer("Flow.X", "own words", http_status=409)
    assert (given.http_status, given.message, given.access_denied) == (409, "own words", None)
    assert errors.CamsError is CamsErrorAnswer  # the deprecated name still works


def test_error_body_carries_a_recommend_link_and_the_denial_only_when_given() -> None:
    body = error_body("Ram.PermissionDeny", "no", "REQ-1")
    assert body["Code"] == "Ram.PermissionDeny" and body["RequestId"] == "REQ-1" and body["HostId"]
    assert "q=Ram.PermissionDeny" in body["Recommend"] and "requestId=REQ-1" in body["Recommend"]
    assert "AccessDeniedDetail" not in body
    denied = error_body("Ram.PermissionDeny", "no", "REQ-1", {"PolicyType": "p"})
    assert denied["AccessDeniedDetail"] == {"PolicyType": "p"}


def test_success_body_has_data_only_for_actions_that_return_data() -> None:
    assert "Data" not in success_body("R", {"a": 1})
    assert success_body("R", None, with_data=True)["Data"] is None
    assert success_body("R", {"a": 1}, with_data=True)["Code"] == "OK"


def test_request_ids_are_upper_case_uuids_and_differ() -> None:
    first, second = new_request_id(), new_request_id()
    assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}", first)
    assert first != second
