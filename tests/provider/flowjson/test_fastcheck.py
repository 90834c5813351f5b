"""The compiled yes/no schema check (flowjson/fastcheck.py), held to jsonschema's verdict keyword by keyword.

jsonschema is the oracle: each small schema below is compiled and both must agree on every instance. The
same agreement over the real schema and the whole broken-flow corpus is in test_broken_corpus.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from airflow_provider_cams.flowjson.fastcheck import compile_schema

CASES: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("type", {"type": ["integer", "null"]}, [1, 1.0, 1.5, True, None, "1"]),
    ("type-number", {"type": "number"}, [1, 2.5, False, "x"]),
    ("required", {"type": "object", "required": ["a"]}, [{"a": 1}, {}, [], "a"]),
    (
        "properties",
        {"properties": {"a": {"type": "string"}}, "additionalProperties": False},
        [{"a": "x"}, {"a": 1}, {"b": 1}, {}, 3],
    ),
    ("items", {"type": "array", "items": {"type": "string"}, "minItems": 1}, [["a"], [], [1], ["a", 2]]),
    ("sizes", {"minLength": 2, "maxLength": 3}, ["a", "ab", "abcd", 5]),
    ("bounds", {"minimum": 1, "maximum": 3}, [0, 1, 3, 3.5, "2"]),
    ("pattern", {"pattern": "^[A-Z_]+$"}, ["OK_1", "OK", "ok", 1]),
    ("enum", {"enum": [1, "a", None]}, [1, True, 1.0, "a", None, "b"]),
    ("const", {"const": False}, [False, 0, None]),
    ("anyOf", {"anyOf": [{"type": "string"}, {"minimum": 5}]}, ["x", 6, 4, None]),
    ("not", {"not": {"type": "string"}}, ["x", 1]),
    ("dependentRequired", {"dependentRequired": {"a": ["b"]}}, [{"a": 1, "b": 2}, {"a": 1}, {"b": 1}, 1]),
    (
        "if-then-else",
        {"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"required": ["c"]}},
        [{"a": 1, "b": 1}, {"a": 1}, {"c": 1}, {}],
    ),
    (
        "recursive-ref",
        {
            "$defs": {
                "node": {"type": "object", "properties": {"kids": {"items": {"$ref": "#/$defs/node"}}}}
            },
            "$ref": "#/$defs/node",
        },
        [{"kids": [{"kids": []}]}, {"kids": [{"kids": [1]}]}, 1],
    ),
]


@pytest.mark.parametrize(("schema", "instances"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_keyword_agrees_with_jsonschema(schema: dict[str, Any], instances: list[Any]) -> None:
    compiled = compile_schema(schema)
    assert compiled is not None
    quick = compiled.compiled[""]
    oracle = Draft202012Validator(schema)
    verdicts = [(instance, quick(instance)) for instance in instances]
    assert verdicts == [(instance, oracle.is_valid(instance)) for instance in instances]
    assert {verdict for _, verdict in verdicts} == {True, False}  # each case shows both answers


@pytest.mark.parametrize(
    "schema", [{"uniqueItems": True}, {"properties": {"a": {"format": "email"}}}, {"$ref": "#/$defs/missing"}]
)
def test_a_schema_it_cannot_compile_gives_none_so_jsonschema_always_runs(schema: dict[str, Any]) -> None:
    assert compile_schema(schema) is None
