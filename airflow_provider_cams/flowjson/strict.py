"""Strict JSON: what Python's ``json`` accepts but JSON (RFC 8259) and other parsers do not.

``json.loads`` takes ``NaN``, ``Infinity`` and ``-Infinity`` and keeps the last of two equal keys
in an object. Meta's parser may keep another one, or refuse the file, so a flow that passes here
would be a different flow (or none) there. Both are found while parsing (a hook per object, ~2 ms
on 1 MB); only when one is found is the tree walked to name its JSON pointer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from airflow_provider_cams.flowjson.issues import Issue, Token

RULE = "json-strict"


class _Recorder:
    """The ``json.loads`` hooks: they keep the value and remember what is not strict JSON."""

    def __init__(self) -> None:
        self.duplicates: dict[int, list[str]] = {}  # id(object) -> its repeated keys
        self.constants: dict[int, str] = {}  # id(float) -> "NaN" / "Infinity" / "-Infinity"

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            repeated: list[str] = []
            for key, _ in pairs:
                if key in seen and key not in repeated:
                    repeated.append(key)
                seen.add(key)
            self.duplicates[id(obj)] = repeated
        return obj

    def constant(self, name: str) -> float:
        value = float(name)
        self.constants[id(value)] = name
        return value


def loads_strict(text: str) -> tuple[Any, list[Issue]]:
    """``json.loads(text)`` and an issue for each duplicate key and each NaN/Infinity in it.

    Raises what ``json.loads`` raises on a syntax error.
    """
    recorder = _Recorder()
    flow = json.loads(text, object_pairs_hook=recorder.pairs, parse_constant=recorder.constant)
    if not recorder.duplicates and not recorder.constants:
        return flow, []
    wanted = set(recorder.duplicates) | set(recorder.constants)
    issues: list[Issue] = []
    for tokens, node in _find(flow, wanted):
        if id(node) in recorder.duplicates:
            issues.extend(_duplicate(tokens, key) for key in recorder.duplicates[id(node)])
        else:
            issues.append(_non_finite(tokens, recorder.constants[id(node)]))
    return flow, issues


def non_finite_issues(flow: Any) -> list[Issue]:
    """An issue for each NaN/Infinity float in an already parsed flow (a dict given by the caller)."""
    return [
        _non_finite(tokens, "NaN" if math.isnan(node) else ("Infinity" if node > 0 else "-Infinity"))
        for tokens, node in _walk(flow, ())
        if isinstance(node, float) and not math.isfinite(node)
    ]


def _walk(node: Any, tokens: tuple[Token, ...]) -> Iterator[tuple[tuple[Token, ...], Any]]:
    yield tokens, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*tokens, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*tokens, index))


def _find(root: Any, wanted: set[int]) -> list[tuple[tuple[Token, ...], Any]]:
    """The JSON pointer tokens of the nodes whose ``id`` is in ``wanted``, in document order.

    One loop with an explicit stack that stops once all are found, and that builds a path only
    for what it finds: a 1 MB flow costs a few milliseconds, not a recursive generator walk.
    """
    links: list[tuple[int, Token]] = [(-1, "")]  # entry -> (its parent's entry, its token)
    stack: list[tuple[Any, int]] = [(root, 0)]
    found: list[tuple[tuple[Token, ...], Any]] = []
    while stack and len(found) < len(wanted):
        node, entry = stack.pop()
        if id(node) in wanted:
            found.append((_path(links, entry), node))
        children = (
            node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        )
        pending = []
        for key, child in children:
            if isinstance(child, (dict, list)) or id(child) in wanted:
                links.append((entry, key))
                pending.append((child, len(links) - 1))
        stack.extend(reversed(pending))
    return found


def _path(links: list[tuple[int, Token]], entry: int) -> tuple[Token, ...]:
    tokens: list[Token] = []
    while entry > 0:
        entry, token = links[entry]
        tokens.append(token)
    return tuple(reversed(tokens))


def _duplicate(tokens: tuple[Token, ...], key: str) -> Issue:
    return Issue(
        (*tokens, key),
        f'duplicate key "{key}" in this object: JSON parsers keep only one of the two, and not always '
        "the same one (Python keeps the last), so Meta may read another flow than this check did. "
        "Remove or rename one of them.",
        RULE,
        at_key=True,
    )


def _non_finite(tokens: tuple[Token, ...], name: str) -> Issue:
    return Issue(
        tokens,
        f"{name} is not JSON (RFC 8259 has no NaN or Infinity; Python's json accepts it, Meta's parser "
        "need not): write a number, or a string if it is text.",
        RULE,
    )
