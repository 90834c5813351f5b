"""The shared wire parsing: Page and required parameters, as tables (no server)."""

from __future__ import annotations

import pytest

from airflow_provider_cams.testing.errors import CamsErrorAnswer
from airflow_provider_cams.testing.wire import ActionSpec, parse_page


@pytest.mark.parametrize(
    ("raw", "page"),
    [(None, (1, 20)), ("", (1, 20)), ('{"Index":3}', (3, 20)), ('{"Index":2,"Size":100}', (2, 100))],
)
def test_page_is_parsed_with_defaults(raw: str | None, page: tuple[int, int]) -> None:
    assert parse_page(raw) == page


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("not json", "JSON object"),
        ("[1]", "JSON object"),
        ('{"Index":0}', "Index"),
        ('{"Index":true}', "Index"),
        ('{"Size":101}', "Size"),
        ('{"Size":"20"}', "Size"),
    ],
)
def test_a_bad_page_is_invalid_parameter(raw: str, reason: str) -> None:
    with pytest.raises(CamsErrorAnswer) as info:
        parse_page(raw)
    assert (info.value.code, info.value.http_status) == ("InvalidParameter", 400)
    assert "Page" in info.value.message and reason in info.value.message


def test_the_first_missing_or_empty_required_parameter_is_named() -> None:
    spec = ActionSpec(("FlowId", "FilePath"), True)
    spec.check_required({"FlowId": "1", "FilePath": "u"})
    for params, missing in (({}, "FlowId"), ({"FlowId": "1", "FilePath": ""}, "FilePath")):
        with pytest.raises(CamsErrorAnswer) as info:
            spec.check_required(params)
        assert info.value.code == "MissingParameter" and missing in info.value.message
