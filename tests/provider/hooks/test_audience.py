"""Audience files: CSV, JSON Lines and Parquet read into recipient entries; bad files refused before any
send (the Parquet audience's end-to-end send is in test_audience_parquet.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

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
    with pytest.raises(CamsValidationError, match=r"must end in \.csv, \.jsonl, \.ndjson or \.parquet"):
        audience_path(write(tmp_path, "people.xlsx", "x"), None)
    with pytest.raises(CamsValidationError, match="object storage URL"):
        audience_path("people.csv", None)


def write_parquet(tmp_path: Path, name: str, columns: dict[str, Any]) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), tmp_path / name)
    return f"file://{tmp_path / name}"


def test_parquet_columns_are_typed_number_variables_and_flow_data(tmp_path: Path) -> None:
    import pyarrow as pa

    url = write_parquet(
        tmp_path,
        "people.parquet",
        {
            "to": pa.array([6591234567, 6591234568], pa.int64()),
            "1": ["Ana", None],
            "2": pa.array([7, 8], pa.int32()),
            "flow_action_data": pa.array([{"plan": "gold"}, None], pa.struct([("plan", pa.string())])),
        },
    )
    assert list(read_audience(audience_path(url, None))) == [
        {"to": 6591234567, "template_params": {"1": "Ana", "2": "7"}, "flow_action_data": {"plan": "gold"}},
        {"to": 6591234568, "template_params": {"2": "8"}},
    ]
    as_text = write_parquet(
        tmp_path, "text.parquet", {"to": ["+6591234567"], "flow_action_data": ['{"a": 1}']}
    )
    assert list(read_audience(audience_path(as_text, None))) == [
        {"to": "+6591234567", "flow_action_data": {"a": 1}}
    ]


@pytest.mark.parametrize(
    ("columns", "error"),
    [
        ({"number": ["6591234567"]}, "'to' column"),
        ({"to": ["6591234567"], "name": ["Ana"]}, r"unknown column\(s\) \['name'\]"),
        ({"to": ["6591234567", None]}, "row 2: 'to' must be a phone number"),
        ({"to": ["6591234567"], "flow_action_data": ["{oops"]}, "row 1: flow_action_data is not JSON"),
    ],
)
def test_malformed_parquet_names_the_row(tmp_path: Path, columns: dict[str, Any], error: str) -> None:
    url = write_parquet(tmp_path, "bad.parquet", columns)
    with pytest.raises(CamsValidationError, match=error):
        list(read_audience(audience_path(url, None)))


@pytest.mark.parametrize("content", [b"to,1\n6591234567,Ana\n", b"PAR1" + b"\0" * 64, b""])
def test_a_file_that_is_not_parquet_is_refused_clearly(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "people.parquet").write_bytes(content)
    with pytest.raises(CamsValidationError, match=r"is not a readable Parquet file .*pyarrow or pandas"):
        list(read_audience(audience_path(f"file://{tmp_path / 'people.parquet'}", None)))


def test_without_pyarrow_a_parquet_audience_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = write_parquet(tmp_path, "people.parquet", {"to": ["6591234567"]})
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # what an environment without it raises
    with pytest.raises(CamsValidationError, match=r"needs pyarrow.*airflow-provider-cams\[parquet\]"):
        list(read_audience(audience_path(url, None)))


def test_pyarrow_is_imported_only_to_read_a_parquet_audience() -> None:
    code = (
        "import sys, airflow_provider_cams.hooks.audience, airflow_provider_cams.operators.send;"
        "print('pyarrow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
