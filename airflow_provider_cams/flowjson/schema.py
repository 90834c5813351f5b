"""The structural half of validation: ``flow_json.schema.json`` run by ``jsonschema``.

The schema selects a component's (or an action's) sub-schema by its ``type`` (``name``) through the
``x-dispatch`` keyword implemented here: one dictionary look-up instead of trying every component
schema in turn, which keeps a 1 MB flow well under the time budget.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend

from airflow_provider_cams.flowjson.fastcheck import Unsupported, compile_schema
from airflow_provider_cams.flowjson.issues import Issue, Token
from airflow_provider_cams.flowjson.versions import RECOMMENDED_VERSION

SCHEMA_FILE = "flow_json.schema.json"
DYNAMIC_PATTERN_HINT = 'a dynamic reference such as "${data.field}"'

# What to say when a required property is missing: what it is for and what to write.
REQUIRED_HINTS: dict[str, str] = {
    "version": (
        f'Add "version": "{RECOMMENDED_VERSION}" (the Flow JSON version; see the supported list in the docs).'
    ),
    "screens": 'Add "screens": [...] with at least one screen.',
    "id": 'Add "id": "SCREEN_NAME" (letters and underscores only, unique in the flow).',
    "layout": 'Add "layout": {"type": "SingleColumnLayout", "children": [...]}.',
    "type": 'Add "type" (e.g. "TextBody", "Footer"; for a layout "SingleColumnLayout").',
    "children": 'Add "children": [...] with the screen\'s components.',
    "name": 'Add a unique "name": it is the key of the user\'s answer in ${form.<name>} and payloads.',
    "label": 'Add a "label" shown to the user.',
    "text": 'Add the "text" to show.',
    "data-source": 'Add "data-source": [{"id": "...", "title": "..."}, ...] or "${data.options}".',
    "on-click-action": 'Add "on-click-action": {"name": "navigate" | "complete" | "data_exchange", ...}.',
    "next": 'Add "next": {"type": "screen", "name": "<SCREEN_ID>"} naming the screen to open.',
    "url": 'Add "url": "https://..." (the page open_url opens).',
    "payload": 'Add "payload": {...} (update_data sets these keys of the screen\'s data).',
    "title": 'Add the option\'s "title" shown to the user.',
    "src": 'Add "src": the base64 of the image (or "${data.image}").',
    "condition": 'Add "condition": a boolean expression with a dynamic value, e.g. "${form.opt_in}".',
    "then": 'Add "then": [...] with the components shown when the condition is true.',
    "value": 'Add "value": the dynamic value to switch on, e.g. "${data.animal}".',
    "cases": 'Add "cases": {"<value>": [...components]}.',
}

# Unknown properties with a known story.
UNKNOWN_PROPERTY_HINTS: dict[str, str] = {
    "data_channel_uri": (
        "Meta dropped data_channel_uri in Flow JSON 3.0: remove it and set the endpoint URI on the flow "
        "itself (Meta's endpoint_uri; the flow's endpoint in CAMS)."
    ),
}


def _dispatch(validator: Any, spec: dict[str, str], instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    """``x-dispatch``: validate ``instance`` against ``$defs/<kind>:<instance[property]>``."""
    if not isinstance(instance, dict):
        return
    value = instance.get(spec["property"])
    if not isinstance(value, str):
        return
    kind = spec["kind"]
    sub = _definitions().get(f"{kind}:{value}")
    if sub is None:
        known = sorted(name.split(":", 1)[1] for name in _definitions() if name.startswith(kind + ":"))
        close = difflib.get_close_matches(value, known, n=1)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        yield ValidationError(
            f'unknown {kind} {spec["property"]} "{value}": {hint}use one of {", ".join(known)}.'
        )
        return
    yield from validator.descend(instance, sub)


@cache
def load_schema() -> dict[str, Any]:
    """The shipped schema (package data)."""
    text = resources.files("airflow_provider_cams.flowjson").joinpath(SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _definitions() -> dict[str, Any]:
    defs: dict[str, Any] = load_schema()["$defs"]
    return defs


@cache
def validator() -> Validator:
    """A draft 2020-12 validator with ``x-dispatch``, built once per process."""
    cls = extend(Draft202012Validator, {"x-dispatch": _dispatch})
    built: Validator = cls(load_schema())
    return built


def _node(flow: Any, tokens: tuple[Token, ...]) -> Any:
    node = flow
    for token in tokens:
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def describe_object(flow: Any, tokens: tuple[Token, ...]) -> str:
    """A readable name of the object at ``tokens``: ``Footer``, ``screen "WELCOME"``..."""
    if not tokens:
        return "the top level"
    node, last = _node(flow, tokens), tokens[-1]
    if len(tokens) == 2 and tokens[0] == "screens" and isinstance(node, dict):
        return f'screen "{node.get("id")}"'
    if isinstance(last, str) and last.startswith("on-") and isinstance(node, dict):
        return f'{last} "{node.get("name")}"'
    if isinstance(node, dict) and isinstance(node.get("type"), str) and last != "layout":
        return str(node["type"])
    if isinstance(last, int):
        return f"{describe_object(flow, tokens[:-1])} item {last}"
    return f'"{last}"'


def _component_context(flow: Any, tokens: tuple[Token, ...]) -> str:
    """A readable name of the value at ``tokens``: ``TextHeading "text"``, ``screen "X" "id"``..."""
    last = tokens[-1]
    owner = describe_object(flow, tokens[:-1])
    if isinstance(last, int):
        return f"{owner} item {last}"
    return f'{owner} "{last}"' if len(tokens) > 1 else f'"{last}"'


def _typename(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _expected(types: Any) -> str:
    names = {
        "string": "a string",
        "boolean": "true or false",
        "integer": "an integer",
        "number": "a number",
        "object": "an object",
        "array": "an array",
    }
    if isinstance(types, str):
        return names.get(types, types)
    return " or ".join(names.get(t, t) for t in types)


def _rule(tokens: tuple[Token, ...], validator_name: str) -> str:
    if validator_name == "required":
        return "required"
    if validator_name == "additionalProperties":
        return "unknown-property"
    if tokens[:1] == ("routing_model",):
        return "routing-model"
    if any(isinstance(t, str) and t.startswith("on-") and t.endswith("-action") for t in tokens):
        return "action"
    if "children" in tokens:
        return "component"
    if len(tokens) == 3 and tokens[0] == "screens" and tokens[2] == "id":
        return "screen-id"
    if tokens[:1] == ("screens",) and "layout" in tokens:
        return "layout"
    if tokens == ("screens",):
        return "screens"
    return "schema"


@cache
def _shallow_schema() -> dict[str, Any]:
    """The root schema without descending into screens: each screen is checked on its own."""
    root = dict(load_schema())
    properties = dict(root["properties"])
    properties["screens"] = {k: v for k, v in properties["screens"].items() if k != "items"}
    root["properties"] = properties
    return root


@cache
def _compiled() -> tuple[Callable[[Any], bool], Callable[[Any], bool]] | None:
    """Compiled checks of the top level (screens not entered) and of one screen."""
    compiler = compile_schema(load_schema())
    if compiler is None:
        return None
    try:
        return compiler.compile(_shallow_schema()), compiler.ref("screen")
    except Unsupported:
        return None


def fast_check() -> Callable[[Any], bool] | None:
    """The compiled yes/no form of the whole schema (see :mod:`.fastcheck`), or None if unavailable."""
    compiled = _compiled()
    if compiled is None:
        return None
    top_ok, screen_ok = compiled

    def check(flow: Any) -> bool:
        screens = flow.get("screens") if isinstance(flow, dict) else None
        screens = screens if isinstance(screens, list) else []
        return top_ok(flow) and all(screen_ok(screen) for screen in screens)

    return check


def issues_from_schema(flow: Any) -> list[Issue]:
    """Every structural problem, as issues with messages that say how to fix them.

    The compiled checks answer first, per screen; ``jsonschema`` (slow, but it explains) then walks
    only the top level and the screens they refuse, so one error in a 1 MB flow costs about one
    screen's walk, not the whole document's.
    """
    compiled = _compiled()
    if compiled is None:
        return [issue for error in validator().iter_errors(flow) for issue in _translate(error, flow)]
    top_ok, screen_ok = compiled
    screens = flow.get("screens") if isinstance(flow, dict) else None
    screens = screens if isinstance(screens, list) else []
    refused = [index for index, screen in enumerate(screens) if not screen_ok(screen)]
    out: list[Issue] = []
    if not top_ok(flow):
        for error in validator().evolve(schema=_shallow_schema()).iter_errors(flow):
            out.extend(_translate(error, flow))
    screen_validator = validator().evolve(schema=_definitions()["screen"])
    for index in refused:
        for error in screen_validator.iter_errors(screens[index]):
            error.path.extendleft((index, "screens"))
            out.extend(_translate(error, flow))
    return out


def _translate(error: ValidationError, flow: Any) -> list[Issue]:
    tokens: tuple[Token, ...] = tuple(error.absolute_path)
    kind = str(error.validator)
    value = error.validator_value
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    rule = _rule(tokens, kind)
    where = _component_context(flow, tokens) if tokens else "the document"
    owner = describe_object(flow, tokens)

    if kind == "required":
        missing = [p for p in value if isinstance(instance, dict) and p not in instance]
        return [
            Issue(
                tokens,
                f'missing required property "{p}" in {owner}. {REQUIRED_HINTS.get(p, "Add it.")}',
                "required",
            )
            for p in missing
        ]
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        out = []
        for key in instance:
            if key in allowed:
                continue
            hint = UNKNOWN_PROPERTY_HINTS.get(key)
            if hint is None:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = (f'Did you mean "{close[0]}"? ' if close else "") + (
                    f"Remove it; allowed here: {', '.join(allowed)}."
                )
            out.append(
                Issue(
                    (*tokens, key),
                    f'property "{key}" is not allowed in {owner} (Meta rejects unknown properties). {hint}',
                    "unknown-property",
                    at_key=True,
                )
            )
        return out
    if kind == "x-dispatch":
        return [Issue((*tokens, "type") if "type" in (instance or {}) else tokens, error.message, rule)]
    if kind == "type":
        return [Issue(tokens, f"{where} must be {_expected(value)}, found {_typename(instance)}.", rule)]
    if kind == "const":
        return [Issue(tokens, f"{where} must be {json.dumps(value)}, found {json.dumps(instance)}.", rule)]
    if kind == "enum":
        options = ", ".join(json.dumps(v) for v in value)
        extra = ""
        if (
            tokens
            and tokens[-1] == "name"
            and any(isinstance(t, str) and t.startswith("on-") for t in tokens)
        ):
            extra = " (Meta allows only these actions on this component)"
        return [
            Issue(
                tokens,
                f"{where} {json.dumps(instance)} is not allowed here{extra}; use one of {options}.",
                rule,
            )
        ]
    if kind == "anyOf":
        choices = [v for branch in value for v in branch.get("enum", [])]
        return [
            Issue(
                tokens,
                f"{where} {json.dumps(instance)} is not allowed; use one of "
                f"{', '.join(json.dumps(o) for o in choices)} or {DYNAMIC_PATTERN_HINT}.",
                rule,
            )
        ]
    if kind == "pattern":
        if value == "^[A-Za-z_]+$":
            return [
                Issue(
                    tokens,
                    f"screen id {json.dumps(instance)} is invalid: Meta allows only letters and underscores "
                    '("Screen ID allows only alphabets and underscores"); e.g. "ORDER_DETAILS".',
                    "screen-id",
                )
            ]
        if value == r"\S":
            return [Issue(tokens, f"{where} must not be blank; write the text or remove the property.", rule)]
        types = schema.get("type")
        return [
            Issue(
                tokens,
                f"{where} {json.dumps(instance)[:60]} must be "
                f"{_expected([t for t in types if t != 'string'])} "
                f"or {DYNAMIC_PATTERN_HINT}."
                if isinstance(types, list)
                else f"{where} does not match the expected format.",
                rule,
            )
        ]
    if kind == "minLength":
        return [Issue(tokens, f"{where} must not be empty; write a value or remove the property.", rule)]
    if kind == "maxLength":
        return [
            Issue(
                tokens,
                f"{where} is {len(instance)} characters long; Meta's limit is {value}. Shorten it.",
                rule,
            )
        ]
    if kind == "minItems":
        what = "component" if tokens and tokens[-1] in ("then", "children") else "item"
        return [Issue(tokens, f"{where} must contain at least {value} {what}; add one or remove it.", rule)]
    if kind == "maxItems":
        if tokens == ("screens",):
            msg = f"a flow has {len(instance)} screens; Meta allows at most {value} per flow. Split the flow."
        else:
            msg = f"{where} has {len(instance)} items; Meta allows at most {value}. Remove some."
        return [Issue(tokens, msg, rule)]
    if kind == "minProperties":
        return [
            Issue(tokens, f'{where} must not be empty; add at least one case: {{"<value>": [...]}}.', rule)
        ]
    if kind == "dependentRequired":
        missing = [
            p for deps in value.values() for p in deps if isinstance(instance, dict) and p not in instance
        ]
        return [
            Issue(
                tokens,
                'Footer "left-caption" and "right-caption" go together: add '
                f'"{", ".join(sorted(set(missing)))}" or use "center-caption" alone.',
                "component",
            )
        ]
    if kind == "not":
        return [
            Issue(
                tokens,
                'Footer can have "center-caption" or "left-caption" + "right-caption", not both; '
                "remove one of them.",
                "component",
            )
        ]
    return [Issue(tokens, f"{where}: {error.message}", rule)]
