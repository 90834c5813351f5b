"""FlowSource: content verbatim, paths confined to the DAG's folder (or a configured root)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from airflow_provider_cams.flowjson.source import FlowSourceError, source_from_content, source_from_path

FLOW = Path(__file__).resolve().parents[3] / "example_dags" / "flows" / "signup.json"


@pytest.fixture
def dags(tmp_path: Path) -> Path:
    (tmp_path / "dags" / "flows").mkdir(parents=True)
    (tmp_path / "dags" / "flows" / "signup.json").write_bytes(FLOW.read_bytes())
    (tmp_path / "outside.json").write_bytes(FLOW.read_bytes())
    return tmp_path / "dags"


def test_a_path_inside_the_dag_folder_is_read_as_its_bytes(dags: Path) -> None:
    source = source_from_path("flows/signup.json", dags)
    assert (
        source.content == FLOW.read_bytes() and source.sha256 == hashlib.sha256(FLOW.read_bytes()).hexdigest()
    )


@pytest.mark.parametrize("path", ["../outside.json", "flows/../../outside.json"])
def test_dot_dot_out_of_the_dag_folder_is_refused(dags: Path, path: str) -> None:
    with pytest.raises(FlowSourceError, match="outside"):
        source_from_path(path, dags)


def test_an_absolute_path_elsewhere_is_refused(dags: Path) -> None:
    with pytest.raises(FlowSourceError, match="outside"):
        source_from_path(str(dags.parent / "outside.json"), dags)


def test_a_symlink_out_of_the_folder_is_refused(dags: Path) -> None:
    (dags / "flows" / "link.json").symlink_to(dags.parent / "outside.json")
    with pytest.raises(FlowSourceError, match="symlinks"):
        source_from_path("flows/link.json", dags)


def test_a_configured_root_allows_a_shared_folder(dags: Path) -> None:
    assert source_from_path(str(dags.parent / "outside.json"), dags, root=dags.parent).origin.endswith(
        "outside.json"
    )


def test_a_relative_path_without_a_dag_folder_is_refused() -> None:
    with pytest.raises(FlowSourceError, match="no DAG file"):
        source_from_path("flows/signup.json", None)


def test_text_is_taken_verbatim_templates_included() -> None:
    flow = json.loads(FLOW.read_text())
    flow["screens"][0]["title"] = "{{ 7*7 }}"
    text = json.dumps(flow)
    assert source_from_content(text).content == text.encode()
