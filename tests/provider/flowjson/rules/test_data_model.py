"""A screen's data model and the ${data.x} / ${form.x} / ${screen.X...} references to it
(flowjson/rules/data_model.py)."""

from __future__ import annotations

from airflow_provider_cams.flowjson.issues import Issue
from airflow_provider_cams.flowjson.rules.data_model import check_data_model, check_references
from tests.provider.flowjson.conftest import base_flow
from tests.provider.flowjson.rules.conftest import rules_and_pointers, screens_of


def test_the_base_flows_data_and_references_pass() -> None:
    screens, by_id = screens_of(base_flow())
    out: list[Issue] = []
    for screen in screens:
        check_data_model(screen, out)
        check_references(screen, by_id, out)
    assert out == []


def test_each_bad_data_field_is_reported_at_the_field() -> None:
    flow = base_flow()
    flow["screens"][1]["data"] = {
        "greeting": {"type": "string", "__example__": "Hi"},
        "not_an_object": "x",
        "no_type": {"__example__": 1},
        "bad_type": {"type": "text", "__example__": "x"},
    }
    (_, done), _ = screens_of(flow)
    out: list[Issue] = []
    check_data_model(done, out)
    places = {pointer for _, pointer in rules_and_pointers(out)}
    assert {
        "/screens/1/data/not_an_object",
        "/screens/1/data/no_type",
        "/screens/1/data/bad_type/type",
    } <= places
    assert not any("greeting" in pointer for pointer in places)
    assert all(issue.rule == "data-model" for issue in out)


def test_references_to_undeclared_data_and_missing_inputs_are_reported_where_written() -> None:
    flow = base_flow()
    flow["screens"][1]["layout"]["children"][0]["text"] = "${data.missing} ${form.nope} ${data.greeting}"
    (_, done), by_id = screens_of(flow)
    out: list[Issue] = []
    check_references(done, by_id, out)
    assert rules_and_pointers(out) == [("dynamic-data", "/screens/1/layout/children/0/text")] * 2
    assert "${data.missing}" in out[0].message and '"nope"' in out[1].message


def test_a_reference_to_another_screen_must_name_one_that_exists() -> None:
    flow = base_flow()
    payload = flow["screens"][1]["layout"]["children"][1]["on-click-action"]["payload"]
    payload["name"] = "${screen.NOPE.form.full_name}"
    (_, done), by_id = screens_of(flow)
    out: list[Issue] = []
    check_references(done, by_id, out)
    assert rules_and_pointers(out) == [
        ("dynamic-data", "/screens/1/layout/children/1/on-click-action/payload/name")
    ]
    assert 'screen "NOPE", which does not exist' in out[0].message
