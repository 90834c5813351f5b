"""The JSON Schema and jsonschema's errors turned into messages that say how to fix them (flowjson/schema.py).

Every rule's message at its place is in test_meta_rules.py and test_broken_corpus.py; here, the shapes.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_cams.flowjson.schema import describe_object, fast_check, issues_from_schema, load_schema
from tests.provider.flowjson.conftest import base_flow


def test_a_valid_flow_has_no_schema_issue_and_passes_the_fast_check() -> None:
    assert issues_from_schema(base_flow()) == []
    quick = fast_check()
    assert quick is not None and quick(base_flow())


def test_each_kind_of_failure_says_where_and_what_to_do() -> None:
    flow: dict[str, Any] = base_flow()
    del flow["version"]
    flow["extra"] = 1
    flow["screens"][0]["id"] = 5
    found = {(issue.rule, issue.pointer, issue.at_key): issue.message for issue in issues_from_schema(flow)}
    assert set(found) == {
        ("required", "", False),
        ("unknown-property", "/extra", True),  # placed on the key, not on its value
        ("screen-id", "/screens/0/id", False),
    }
    assert 'Add "version"' in found[("required", "", False)]
    assert "Remove it; allowed here:" in found[("unknown-property", "/extra", True)]
    assert "must be a string, found a number" in found[("screen-id", "/screens/0/id", False)]


def test_an_unknown_component_lists_the_ones_that_exist() -> None:
    flow = base_flow()
    flow["screens"][0]["layout"]["children"][0]["type"] = "Nope"
    [issue] = issues_from_schema(flow)
    assert issue.rule == "component" and issue.pointer == "/screens/0/layout/children/0/type"
    assert 'unknown component type "Nope"' in issue.message and "TextInput" in issue.message


@pytest.mark.parametrize(
    ("tokens", "described"), [((), "the top level"), (("screens", 0), 'screen "WELCOME"')]
)
def test_objects_are_named_as_a_reader_would(tokens: tuple[str | int, ...], described: str) -> None:
    assert describe_object(base_flow(), tokens) == described


def test_schema_is_package_data_and_a_valid_2020_12_schema() -> None:
    from jsonschema import Draft202012Validator

    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["version", "screens"]
