"""Strict JSON: NaN, Infinity and duplicate keys are refused with their pointer, line and column."""

from __future__ import annotations

import math

import pytest

from airflow_provider_cams.flowjson import FlowJsonInvalid, check_flow_json, validate_flow_json
from tests.provider.flowjson.conftest import base_flow, dump, find, line_col


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_number_is_refused_where_it_is(constant: str) -> None:
    text = dump(base_flow()).replace('"Hello there"', constant, 1)
    errors = [e for e in validate_flow_json(text) if e.rule == "json-strict"]
    assert len(errors) == 1
    assert errors[0].pointer == "/screens/0/layout/children/0/text"
    assert (errors[0].line, errors[0].column) == line_col(text, text.index(constant))
    assert f"{constant} is not JSON" in errors[0].message


def test_duplicate_key_is_refused_at_the_repeated_key() -> None:
    text = dump(base_flow()).replace('"title": "Welcome",', '"title": "Welcome",\n      "title": "Again",', 1)
    errors = [e for e in validate_flow_json(text) if e.rule == "json-strict"]
    assert [e.pointer for e in errors] == ["/screens/0/title"]
    assert (errors[0].line, errors[0].column) == line_col(text, find(text, '"title": "Again"'))
    assert 'duplicate key "title"' in errors[0].message


def test_a_valid_flow_has_no_strict_json_error() -> None:
    assert validate_flow_json(dump(base_flow())) == []


def test_check_flow_json_raises_so_deploys_refuse_it_too() -> None:
    text = dump(base_flow()).replace('"Hello there"', "NaN", 1)
    with pytest.raises(FlowJsonInvalid, match="NaN is not JSON"):
        check_flow_json(text)


def test_a_dict_with_nan_is_refused_by_pointer() -> None:
    flow = base_flow()
    flow["screens"][1]["layout"]["children"][1]["on-click-action"]["payload"]["score"] = math.inf
    errors = [e for e in validate_flow_json(flow) if e.rule == "json-strict"]
    assert [(e.pointer, e.line) for e in errors] == [
        ("/screens/1/layout/children/1/on-click-action/payload/score", 0)
    ]
    assert "Infinity is not JSON" in errors[0].message
