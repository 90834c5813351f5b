"""PositionIndex against plain counting: arrays scanned lazily, lines counted then indexed."""

from __future__ import annotations

import json

from airflow_provider_cams.flowjson.positions import PositionIndex
from tests.provider.flowjson.conftest import line_col


def test_every_element_is_placed_in_any_order_and_past_sixteen_lookups() -> None:
    doc = {"screens": [{"id": f"S{n}", "items": [n, {"k": [n, n + 1]}]} for n in range(30)], "tail": 1}
    text = json.dumps(doc, indent=2)
    index = PositionIndex(text)
    order = [29, 3, 17, 0, 28, 3, *range(30)]  # forward, back, forward again: resumes, never rescans wrong
    for n in order:
        offset = index.offset(("screens", n, "items", 1, "k", 1))
        expected = text.index(f'"id": "S{n}"')
        expected = text.index(str(n + 1), text.index('"k"', expected))
        assert offset == expected
        assert index.line_col(offset) == line_col(text, offset)
    assert index.offset(("screens", 30)) == text.index("[")  # missing element: the array itself
    assert index.line_col(index.offset(("tail",))) == line_col(text, text.index("1", text.index('"tail"')))
