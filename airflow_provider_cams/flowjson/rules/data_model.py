"""A screen's data model and the ${data.x} / ${form.x} / ${screen.X...} references to it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from airflow_provider_cams.flowjson.issues import Issue, Token
from airflow_provider_cams.flowjson.rules.model import Screen

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


_REFERENCE = re.compile(r"\$\{(data|form|screen)\.([A-Za-z0-9_.\-]*)\}")


def check_data_model(screen: Screen, out: list[Issue]) -> None:
    if screen.data is None:
        return
    for key, spec in screen.data.items():
        here = (*screen.tokens, "data", key)
        if not isinstance(spec, dict):
            out.append(
                Issue(
                    here,
                    f'data field "{key}" must be an object like {{"type": "string", "__example__": "..."}}.',
                    "data-model",
                )
            )
            continue
        declared = spec.get("type")
        if declared is None:
            out.append(
                Issue(
                    here,
                    f'data field "{key}" has no "type"; add one (string, number, boolean, object, array).',
                    "data-model",
                )
            )
        elif not isinstance(declared, str) or declared not in JSON_TYPES:
            out.append(
                Issue(
                    (*here, "type"),
                    f'data field "{key}" "type" must be one of {", ".join(JSON_TYPES)}.',
                    "data-model",
                )
            )
            declared = None
        if declared == "array" and "items" not in spec:
            out.append(
                Issue(
                    here,
                    f'data field "{key}" is an array without "items"; add its item schema.',
                    "data-model",
                )
            )
        if "__example__" not in spec:
            out.append(
                Issue(
                    here,
                    f'data field "{key}" has no "__example__"; Meta requires it (mock data for previews): '
                    "add one "
                    f"of type {declared or 'the declared type'}.",
                    "data-model",
                )
            )
        elif declared:
            example = spec["__example__"]
            ok = isinstance(example, JSON_TYPES[declared]) and not (
                declared in ("number", "integer") and isinstance(example, bool)
            )
            if not ok:
                out.append(
                    Issue(
                        (*here, "__example__"),
                        f'data field "{key}": "__example__" must be of type {declared} like the field, found '
                        f"{type(example).__name__}.",
                        "data-model",
                    )
                )
        for path in _nested_examples(spec, ()):
            out.append(
                Issue(
                    (*here, *path),
                    "'__example__' is allowed only as a top level property of the data model; remove this "
                    "one.",
                    "data-model",
                    at_key=True,
                )
            )


def _nested_examples(spec: dict[str, Any], path: tuple[Token, ...]) -> Iterator[tuple[Token, ...]]:
    for key, value in spec.items():
        if key == "__example__":
            if path:
                yield (*path, key)
            continue
        if isinstance(value, dict):
            yield from _nested_examples(value, (*path, key))


def check_references(screen: Screen, by_id: dict[str, Screen], out: list[Issue]) -> None:
    data_keys = screen.data or {}
    for text, here in screen.references:
        for match in _REFERENCE.finditer(text):
            scope, rest = match.group(1), match.group(2)
            head = rest.split(".", 1)[0]
            if scope == "data" and head not in data_keys:
                out.append(
                    Issue(
                        here,
                        f"Missing dynamic data '{match.group(0)}' in the data model of screen "
                        f'"{screen.id}": declare '
                        f'"{head}" in the screen\'s "data" (with type and __example__) or fix the reference.',
                        "dynamic-data",
                    )
                )
            elif scope == "form" and head not in screen.names:
                out.append(
                    Issue(
                        here,
                        f'Missing Form component {match.group(0)} for screen "{screen.id}": no input named '
                        f'"{head}" on this screen (inputs: {", ".join(sorted(screen.names)) or "none"}).',
                        "dynamic-data",
                    )
                )
            elif scope == "screen":
                parts = rest.split(".")
                other = by_id.get(parts[0])
                if other is None:
                    out.append(
                        Issue(
                            here,
                            f'{match.group(0)} refers to screen "{parts[0]}", which does not exist.',
                            "dynamic-data",
                        )
                    )
                elif other is screen:
                    out.append(
                        Issue(
                            here,
                            f"{match.group(0)} refers to the current screen globally; write it as a local "
                            "reference "
                            f"(${{{'.'.join(parts[1:])}}}).",
                            "dynamic-data",
                        )
                    )
                elif len(parts) >= 3 and parts[1] in ("data", "form"):
                    known = (other.data or {}) if parts[1] == "data" else other.names
                    if parts[2] not in known:
                        out.append(
                            Issue(
                                here,
                                f'{match.group(0)}: screen "{other.id}" has no {parts[1]} field '
                                f'"{parts[2]}".',
                                "dynamic-data",
                            )
                        )
