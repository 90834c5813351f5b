"""The structural half of validation: ``flow_json.schema.json`` run by ``jsonschema``.

The schema selects a component's (or an action's) sub-schema by its ``type`` (``name``) through the
``x-dispatch`` keyword implemented here: one dictionary look-up instead of trying every component
schema in turn, which keeps a 1 MB flow well under the time budget.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend

from airflow_provider_cams.flowjson.fastcheck import Unsupported, compile_schema
from airflow_provider_cams.flowjson.issues import Issue, Token
from airflow_provider_cams.flowjson.rules.version_gates import MIN_VERSION, needs
from airflow_provider_cams.flowjson.versions import RECOMMENDED_VERSION, version_key

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


@dataclass(frozen=True)
class _Failure:
    """One jsonschema error, with what every translator needs to word it."""

    error: ValidationError
    flow: Any
    tokens: tuple[Token, ...]
    rule: str

    @property
    def value(self) -> Any:
        return self.error.validator_value

    @property
    def instance(self) -> Any:
        return self.error.instance

    @property
    def schema(self) -> dict[str, Any]:
        return self.error.schema if isinstance(self.error.schema, dict) else {}

    @property
    def where(self) -> str:
        return _component_context(self.flow, self.tokens) if self.tokens else "the document"

    @property
    def owner(self) -> str:
        return describe_object(self.flow, self.tokens)

    def issue(self, message: str, rule: str | None = None) -> list[Issue]:
        return [Issue(self.tokens, message, rule or self.rule)]


def _required(f: _Failure) -> list[Issue]:
    missing = [p for p in f.value if isinstance(f.instance, dict) and p not in f.instance]
    return [
        Issue(
            f.tokens,
            f'missing required property "{p}" in {f.owner}. {REQUIRED_HINTS.get(p, "Add it.")}',
            "required",
        )
        for p in missing
    ]


def _unknown_properties(f: _Failure) -> list[Issue]:
    if not isinstance(f.instance, dict):
        return []
    allowed = sorted(f.schema.get("properties", {}))
    out = []
    for key in f.instance:
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = (
            f'Did you mean "{close[0]}"? ' if close else ""
        ) + f"Remove it; allowed here: {', '.join(allowed)}."
        out.append(
            Issue(
                (*f.tokens, key),
                f'property "{key}" is not allowed in {f.owner} (Meta rejects unknown properties). {hint}',
                "unknown-property",
                at_key=True,
            )
        )
    return out


def _dispatch_error(f: _Failure) -> list[Issue]:
    at = (*f.tokens, "type") if "type" in (f.instance or {}) else f.tokens
    return [Issue(at, f.error.message, f.rule)]


def _enum(f: _Failure) -> list[Issue]:
    version = version_key(f.flow["version"]) if isinstance(f.flow.get("version"), str) else None
    # Never advise an action the flow's own version does not have (open_url, update_data: 6.0).
    usable = [
        v for v in f.value if not (isinstance(v, str) and v in MIN_VERSION and needs(version, MIN_VERSION[v]))
    ]
    options = ", ".join(json.dumps(v) for v in usable or f.value)
    on_action = any(isinstance(t, str) and t.startswith("on-") for t in f.tokens)
    extra = (
        " (Meta allows only these actions on this component)"
        if f.tokens[-1:] == ("name",) and on_action
        else ""
    )
    return f.issue(f"{f.where} {json.dumps(f.instance)} is not allowed here{extra}; use one of {options}.")


def _any_of(f: _Failure) -> list[Issue]:
    choices = ", ".join(json.dumps(v) for branch in f.value for v in branch.get("enum", []))
    return f.issue(
        f"{f.where} {json.dumps(f.instance)} is not allowed; use one of {choices} or {DYNAMIC_PATTERN_HINT}."
    )


# What a failed "pattern" means, by pattern: (message after the value's name, rule or None).
PATTERN_MESSAGES: dict[str, tuple[str, str | None]] = {
    "^[A-Za-z_]+$": (
        'is invalid: Meta allows only letters and underscores ("Screen ID allows only alphabets and '
        'underscores"); e.g. "ORDER_DETAILS".',
        "screen-id",
    ),
    "\\S": ("must not be blank; write the text or remove the property.", None),
    "^\\s*\\$\\{[^}]+\\}\\s*$": (
        'must be an array or one dynamic reference such as "${data.options}" (no nested expression).',
        None,
    ),
    "^[^`]*\\S[^`]*$": (
        "must be plain text: a name cannot hold a nested (backtick) expression or be blank.",
        None,
    ),
}


def _pattern(f: _Failure) -> list[Issue]:
    known = PATTERN_MESSAGES.get(f.value)
    if known is not None:
        subject = f"screen id {json.dumps(f.instance)}" if known[1] == "screen-id" else f.where
        return f.issue(f"{subject} {known[0]}", known[1])
    types = f.schema.get("type")
    if isinstance(types, list):
        others = _expected([t for t in types if t != "string"])
        return f.issue(f"{f.where} {json.dumps(f.instance)[:60]} must be {others} or {DYNAMIC_PATTERN_HINT}.")
    return f.issue(f"{f.where} does not match the expected format.")


def _max_items(f: _Failure) -> list[Issue]:
    if f.tokens == ("screens",):
        return f.issue(
            f"a flow has {len(f.instance)} screens; Meta allows at most {f.value} per flow. Split the flow."
        )
    return f.issue(f"{f.where} has {len(f.instance)} items; Meta allows at most {f.value}. Remove some.")


def _min_items(f: _Failure) -> list[Issue]:
    what = "component" if f.tokens and f.tokens[-1] in ("then", "children") else "item"
    return f.issue(f"{f.where} must contain at least {f.value} {what}; add one or remove it.")


def _footer_captions(f: _Failure) -> list[Issue]:
    missing = sorted(
        {p for deps in f.value.values() for p in deps if isinstance(f.instance, dict) and p not in f.instance}
    )
    return f.issue(
        f'Footer "left-caption" and "right-caption" go together: add "{", ".join(missing)}" or use '
        '"center-caption" alone.',
        "component",
    )


#: One translator per JSON Schema keyword: the error in words that say what to write instead.
TRANSLATORS: dict[str, Callable[[_Failure], list[Issue]]] = {
    "required": _required,
    "additionalProperties": _unknown_properties,
    "x-dispatch": _dispatch_error,
    "type": lambda f: f.issue(f"{f.where} must be {_expected(f.value)}, found {_typename(f.instance)}."),
    "const": lambda f: f.issue(f"{f.where} must be {json.dumps(f.value)}, found {json.dumps(f.instance)}."),
    "enum": _enum,
    "anyOf": _any_of,
    "pattern": _pattern,
    "minLength": lambda f: f.issue(f"{f.where} must not be empty; write a value or remove the property."),
    "maxLength": lambda f: f.issue(
        f"{f.where} is {len(f.instance)} characters long; Meta's limit is {f.value}. Shorten it."
    ),
    "minimum": lambda f: f.issue(f"{f.where} is {f.instance}; Meta's minimum is {f.value}."),
    "maximum": lambda f: f.issue(f"{f.where} is {f.instance}; Meta's maximum is {f.value}."),
    "minItems": _min_items,
    "maxItems": _max_items,
    "minProperties": lambda f: f.issue(
        f'{f.where} must not be empty; add at least one case: {{"<value>": [...]}}.'
    ),
    "dependentRequired": _footer_captions,
    "not": lambda f: f.issue(
        'Footer can have "center-caption" or "left-caption" + "right-caption", not both; remove one of them.',
        "component",
    ),
}


def _translate(error: ValidationError, flow: Any) -> list[Issue]:
    tokens: tuple[Token, ...] = tuple(error.absolute_path)
    kind = str(error.validator)
    failure = _Failure(error, flow, tokens, _rule(tokens, kind))
    translator = TRANSLATORS.get(kind)
    if translator is None:
        return failure.issue(f"{failure.where}: {error.message}")
    return translator(failure)
