"""The hook's results become JSON-safe XCom dicts: snake_case keys, string flow ids, ISO-8601 UTC times."""

from __future__ import annotations

import json

import pytest

from airflow_provider_cams.hooks.results import (
    FlowCreated,
    FlowDeleted,
    FlowTransition,
    created_to_xcom,
    deleted_to_xcom,
    epoch_ms_to_iso,
    flow_to_xcom,
    preview_to_xcom,
    snake,
    transition_to_xcom,
)


@pytest.mark.parametrize(
    ("vendor", "xcom"),
    [
        ("FlowId", "flow_id"),
        ("PreviewUrlExpires", "preview_url_expires"),
        ("JSONVersion", "json_version"),
        ("status", "status"),
    ],
)
def test_snake_case_keys(vendor: str, xcom: str) -> None:
    assert snake(vendor) == xcom


def test_epoch_milliseconds_become_iso_utc_and_missing_stays_none() -> None:
    assert epoch_ms_to_iso(1_700_000_000_000) == "2023-11-14T22:13:20Z"
    assert epoch_ms_to_iso("1700000000500") == epoch_ms_to_iso(1_700_000_000_500)
    assert epoch_ms_to_iso(None) is None
    assert epoch_ms_to_iso("") is None


def test_a_flow_gets_a_string_id_and_an_iso_expiry() -> None:
    flow = flow_to_xcom(
        {"FlowId": 42, "FlowName": "signup", "Categories": ["SIGN_UP"], "PreviewUrlExpires": 0}
    )
    assert flow == {
        "flow_id": "42",
        "flow_name": "signup",
        "categories": ["SIGN_UP"],
        "preview_url_expires": "1970-01-01T00:00:00Z",
    }
    assert flow_to_xcom({}) == {}


def test_preview_keeps_the_url_and_converts_its_expiry() -> None:
    assert preview_to_xcom({"PreviewUrl": "https://p", "PreviewUrlExpires": 1_700_000_000_000}) == {
        "preview_url": "https://p",
        "preview_url_expires": "2023-11-14T22:13:20Z",
    }
    assert preview_to_xcom({}) == {"preview_url": None, "preview_url_expires": None}


def test_a_created_flow_reports_its_request_id_or_none_when_reused() -> None:
    made = FlowCreated("1", "n", ["OTHER"], "cs", reused=False, body={"RequestId": "R1"})
    reused = FlowCreated("1", "n", ["OTHER"], None, reused=True, body=None)
    assert created_to_xcom(made)["request_id"] == "R1"
    assert created_to_xcom(reused) == {
        "flow_id": "1",
        "flow_name": "n",
        "categories": ["OTHER"],
        "cust_space_id": None,
        "reused": True,
        "request_id": None,
    }


def test_a_transition_names_the_status_it_reached() -> None:
    published = FlowTransition("1", None, "PUBLISHED", already_done=True, body={"RequestId": "R"})
    deprecated = FlowTransition("1", None, "DEPRECATED", already_done=False, body={})
    assert transition_to_xcom(published) == {"status": "PUBLISHED", "already_published": True}
    assert transition_to_xcom(deprecated) == {"status": "DEPRECATED", "already_deprecated": False}
    assert published.request_id == "R"
    assert deprecated.request_id is None


def test_every_xcom_shape_is_json() -> None:
    shapes = [
        flow_to_xcom({"FlowId": 7, "PreviewUrlExpires": 1}),
        preview_to_xcom({"PreviewUrl": "u", "PreviewUrlExpires": 1}),
        created_to_xcom(FlowCreated("1", "n", ["OTHER"], "cs", False, {"RequestId": "R"})),
        transition_to_xcom(FlowTransition("1", "cs", "PUBLISHED", False, {})),
        deleted_to_xcom(FlowDeleted("1", "cs", already_done=True, request_id=None)),
    ]
    for shape in shapes:
        assert json.loads(json.dumps(shape)) == shape
    assert shapes[-1] == {"deleted": True, "already_deleted": True}
