"""The public API: syntax errors with positions, many errors at once, Meta's examples, sizes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airflow_provider_cams.flowjson import (
    MAX_FLOW_JSON_BYTES,
    FlowJsonInvalid,
    check_flow_json,
    endpoint_consistency,
    validate_flow_json,
)
from tests.provider.flowjson.conftest import base_flow, dump, endpoint_flow

REPO = Path(__file__).resolve().parents[3]
META_EXAMPLES = sorted((Path(__file__).parent / "meta_examples").glob("*.json"))
EXAMPLE_FLOWS = sorted((REPO / "example_dags" / "flows").glob("*.json"))


@pytest.mark.parametrize(
    "path", [p for p in META_EXAMPLES if "create_v5" not in p.name], ids=lambda p: p.name
)
def test_metas_own_examples_are_accepted(path: Path) -> None:
    assert validate_flow_json(path.read_bytes()) == []


def test_metas_flows_api_example_fails_only_on_its_frozen_version() -> None:
    errors = validate_flow_json(
        (Path(__file__).parent / "meta_examples" / "flows_api_create_v5.json").read_bytes()
    )
    assert [(e.rule, e.pointer, e.line, e.column) for e in errors] == [("version", "/version", 1, 12)]
    assert "frozen" in errors[0].message and "7.3" in errors[0].message


def test_the_three_example_flows_are_valid() -> None:
    assert {p.name for p in EXAMPLE_FLOWS} == {"signup.json", "appointment_booking.json", "survey.json"}
    for path in EXAMPLE_FLOWS:
        assert validate_flow_json(path.read_text()) == [], path.name
        assert json.loads(path.read_text())["version"] == "7.3"
    booking = json.loads((REPO / "example_dags" / "flows" / "appointment_booking.json").read_text())
    assert booking["data_api_version"] == "3.0" and booking["routing_model"]


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ('{\n  "version": "7.3",\n}', 3, 1, "trailing comma"),
        ('{\n  "version": "7.3"\n  "screens": []\n}', 3, 3, "comma is missing"),
        ("{\n  'version': '7.3'\n}", 2, 3, "quote the property name"),
        ('{"version": "7.3"} extra', 1, 20, "after the end"),
        ('{"version": "7.3", "screens": [', 1, 32, "value is missing"),
        ("", 1, 1, "value is missing"),
    ],
)
def test_json_syntax_errors_have_line_and_column(text: str, line: int, column: int, fragment: str) -> None:
    [error] = validate_flow_json(text)
    assert (error.rule, error.pointer, error.line, error.column) == ("json-syntax", "", line, column)
    assert fragment in error.message


def test_bom_and_non_utf8_bytes_are_reported() -> None:
    [bom] = validate_flow_json("\ufeff" + dump(base_flow()))
    assert bom.rule == "json-syntax" and "byte order mark" in bom.message
    [latin1] = validate_flow_json(b'{\n  "version": "7.3",\n  "x": "caf\xe9"\n}')
    assert (latin1.rule, latin1.line, latin1.column) == ("json-syntax", 3, 12)
    assert "UTF-8" in latin1.message


@pytest.mark.parametrize("text", ["[]", '"flow"', "42", "null"])
def test_top_level_must_be_an_object(text: str) -> None:
    [error] = validate_flow_json(text)
    assert (error.rule, error.pointer, error.line, error.column) == ("top-level", "", 1, 1)


def test_every_error_is_reported_at_once() -> None:
    flow = base_flow()
    flow["version"] = "4.0"
    flow["colour"] = "red"
    flow["screens"][0]["id"] = "WELCOME_1"
    flow["screens"][0]["layout"]["children"][0]["text"] = ""
    flow["screens"][1]["layout"]["children"][1]["label"] = "L" * 40
    flow["screens"][1]["layout"]["children"][1]["on-click-action"] = {
        "name": "navigate",
        "next": {"type": "screen", "name": "X"},
    }
    errors = validate_flow_json(dump(flow))
    rules = {e.rule for e in errors}
    assert {"version", "unknown-property", "screen-id", "component", "navigation"} <= rules
    assert len(errors) >= 6
    positions = [(e.line, e.column) for e in errors]
    assert positions == sorted(positions), "errors come in document order"
    assert all(e.line > 0 and e.column > 0 for e in errors)


def test_a_dict_is_validated_with_zero_positions() -> None:
    flow = base_flow()
    flow["version"] = "9.9"
    [error] = validate_flow_json(flow)
    assert (error.rule, error.pointer, error.line, error.column) == ("version", "/version", 0, 0)
    assert validate_flow_json(base_flow()) == []


def test_check_flow_json_returns_the_flow_or_raises_with_every_error() -> None:
    text = dump(base_flow())
    assert check_flow_json(text) == base_flow()
    assert check_flow_json(text.encode()) == base_flow()
    broken = base_flow()
    broken.pop("version")
    broken["screens"][1].pop("terminal")
    with pytest.raises(FlowJsonInvalid) as caught:
        check_flow_json(dump(broken))
    assert isinstance(caught.value, ValueError)
    assert len(caught.value.errors) >= 2
    message = str(caught.value)
    assert message.startswith(f"Flow JSON is invalid ({len(caught.value.errors)} errors):")
    assert 'missing required property "version"' in message and "terminal" in message


def test_size_limit_of_10_mb() -> None:
    flow = base_flow()
    flow["screens"][1]["data"]["greeting"]["__example__"] = "x" * MAX_FLOW_JSON_BYTES
    errors = validate_flow_json(dump(flow))
    assert [(e.rule, e.pointer, e.line, e.column) for e in errors] == [("size", "", 1, 1)]
    assert "10 MB" in errors[0].message
    assert [e.rule for e in validate_flow_json(flow)] == ["size"]


def test_pointers_escape_slash_and_tilde() -> None:
    flow = endpoint_flow()
    flow["routing_model"]["A/B~C"] = []
    text = dump(flow)
    errors = [e for e in validate_flow_json(text) if e.pointer == "/routing_model/A~1B~0C"]
    assert errors and errors[0].line == text[: text.index('"A/B~C"')].count("\n") + 1


def test_duplicate_keys_point_at_the_one_json_keeps() -> None:
    text = '{"version": "7.3", "version": "2.0", "screens": []}'
    errors = validate_flow_json(text)
    version = next(e for e in errors if e.pointer == "/version" and e.rule == "version")
    assert (version.line, version.column) == (1, 31)
    duplicate = next(e for e in errors if e.rule == "json-strict")
    assert (duplicate.pointer, duplicate.line, duplicate.column) == ("/version", 1, 20)


@pytest.mark.parametrize(
    ("flow_has_endpoint", "uri", "expected"),
    [
        (True, "https://api.example.com/flow", []),
        (False, None, []),
        (True, None, ["/data_api_version"]),
        (True, "  ", ["/data_api_version"]),
        (False, "https://api.example.com/flow", [""]),
    ],
)
def test_endpoint_consistency(flow_has_endpoint: bool, uri: str | None, expected: list[str]) -> None:
    flow = endpoint_flow() if flow_has_endpoint else base_flow()
    errors = endpoint_consistency(flow, uri)
    assert [e.pointer for e in errors] == expected
    assert all(e.rule == "endpoint" and "endpoint URI" in e.message for e in errors)


def test_no_airflow_or_alibaba_import() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import airflow_provider_cams.flowjson, airflow_provider_cams.cli.flow; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('airflow', 'alibabacloud_tea_openapi', "
        "'alibabacloud_credentials', 'Tea')]; print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_large_valid_flow_takes_the_fast_path() -> None:
    """What keeps a 1 MB flow fast: the compiled check accepts it, so jsonschema never walks it. Checked as
    that fact, not as a time (benchmarks/validate_flow.py measures the speed)."""
    import sys

    from airflow_provider_cams.flowjson.schema import fast_check

    sys.path.insert(0, str(REPO / "benchmarks"))
    from validate_flow import build_flow  # type: ignore[import-not-found]

    text = build_flow(1_000_000)
    assert validate_flow_json(text) == []
    quick = fast_check()
    assert quick is not None and quick(json.loads(text))
