"""FlowJsonError's one-line format and FlowJsonInvalid's message (flowjson/errors.py)."""

from __future__ import annotations

import pytest

from airflow_provider_cams.flowjson import FlowJsonError, FlowJsonInvalid


def test_error_format_is_file_line_col_pointer_message() -> None:
    error = FlowJsonError("/screens/0/id", 7, 13, "bad id", "screen-id")
    assert error.format("flows/a.json") == "flows/a.json:7:13: /screens/0/id: bad id"
    assert FlowJsonError("", 1, 1, "x", "json-syntax").format("f") == "f:1:1: /: x"


def test_invalid_lists_every_error_under_a_counted_heading() -> None:
    errors = [
        FlowJsonError("/version", 1, 2, "missing", "required"),
        FlowJsonError("/screens/0", 3, 4, "bad screen", "screen"),
    ]
    invalid = FlowJsonInvalid(errors, file="a.json")
    assert str(invalid).splitlines() == [
        "Flow JSON is invalid (2 errors):",
        "  a.json:1:2: /version: missing",
        "  a.json:3:4: /screens/0: bad screen",
    ]
    assert isinstance(invalid, ValueError) and invalid.file == "a.json"


def test_invalid_says_error_in_the_singular_and_keeps_its_own_list() -> None:
    given = [FlowJsonError("", 1, 1, "not JSON", "json-syntax")]
    invalid = FlowJsonInvalid(given)
    given.clear()
    assert str(invalid).startswith("Flow JSON is invalid (1 error):\n  <flow>:1:1: /: not JSON")
    assert len(invalid.errors) == 1


def test_an_error_is_a_frozen_value() -> None:
    error = FlowJsonError("/a", 1, 1, "x", "r")
    assert error == FlowJsonError("/a", 1, 1, "x", "r") and len({error, error}) == 1
    with pytest.raises(AttributeError):
        error.line = 2  # type: ignore[misc]
