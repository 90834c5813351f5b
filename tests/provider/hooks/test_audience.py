"""Audience files: CSV and JSON Lines read into recipient entries; bad files refused before any send."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.hooks.audience import audience_path, read_audience


def write(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return f"file://{tmp_path / name}"


def test_csv_columns_are_number_variables_and_flow_data(tmp_path: Path) -> None:
    url = write(
        tmp_path,
        "people.csv",
        'to,1,2,flow_action_data\n+6591234567,Ana,,"{""plan"": ""gold""}"\n6591234568,Bo,x,\n',
    )
    rows = list(read_audience(audience_path(url, None)))
    assert rows == [
        {"to": "+6591234567", "template_params": {"1": "Ana"}, "flow_action_data": {"plan": "gold"}},
        {"to": "6591234568", "template_params": {"1": "Bo", "2": "x"}},
    ]


def test_jsonl_rows_are_recipient_mappings(tmp_path: Path) -> None:
    url = write(
        tmp_path, "people.jsonl", '{"to": "6591234567", "template_params": {"1": "Ana"}}\n\n{"to": 65}\n'
    )
    assert [r["to"] for r in read_audience(audience_path(url, None))] == ["6591234567", 65]


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        ("a.csv", "number,1\n6591234567,Ana\n", "'to' column"),
        ("a.csv", "to,name\n6591234567,Ana\n", r"unknown column\(s\) \['name'\]"),
        ("a.csv", "to,1\n6591234567,Ana,extra\n", "line 2 has more cells"),
        ("a.csv", "to,flow_action_data\n6591234567,{oops\n", "line 2: flow_action_data is not JSON"),
        ("a.jsonl", '{"to": "6591234567"}\n{"to": \n', "line 2 is not JSON"),
        ("a.jsonl", '{"number": "6591234567"}\n', "line 1 must be an object with a 'to'"),
        ("a.jsonl", '{"to": "6591234567", "name": "Ana"}\n', r"unknown key\(s\) \['name'\]"),
    ],
)
def test_malformed_files_name_the_line(tmp_path: Path, name: str, text: str, error: str) -> None:
    with pytest.raises(CamsValidationError, match=error):
        list(read_audience(audience_path(write(tmp_path, name, text), None)))


def test_missing_file_bad_suffix_and_not_a_url_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CamsValidationError, match="does not exist"):
        audience_path(f"file://{tmp_path}/nobody.csv", None)
    with pytest.raises(CamsValidationError, match="Parquet is not supported"):
        audience_path(write(tmp_path, "people.parquet", "x"), None)
    with pytest.raises(CamsValidationError, match="object storage URL"):
        audience_path("people.csv", None)
