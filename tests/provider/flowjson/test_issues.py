"""Issue: a problem at a path, and its RFC 6901 pointer (flowjson/issues.py)."""

from __future__ import annotations

import pytest

from airflow_provider_cams.flowjson.issues import Issue


@pytest.mark.parametrize(
    ("tokens", "pointer"),
    [
        ((), ""),
        (("screens", 0, "id"), "/screens/0/id"),
        (("routing_model", "A/B"), "/routing_model/A~1B"),
        (("m", "~1"), "/m/~01"),  # "~" is escaped first, so a literal "~1" stays two characters
        (("",), "/"),
    ],
)
def test_pointer_escapes_tilde_then_slash(tokens: tuple[str | int, ...], pointer: str) -> None:
    assert Issue(tokens, "message", "rule").pointer == pointer


def test_an_issue_is_placed_on_the_value_unless_at_key() -> None:
    assert Issue(("a",), "m", "r").at_key is False
    assert Issue(("a",), "m", "r", at_key=True) != Issue(("a",), "m", "r")
