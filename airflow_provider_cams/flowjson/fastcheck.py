"""A fast yes/no answer to "does this flow match the schema?", compiled from the same schema file.

``jsonschema`` spends ~35 µs per schema node it visits, ~170 ms on a 1 MB flow. Valid flows are
the common case, so the schema is also compiled here into plain Python predicates (well under a
µs a node) that only answer valid / not valid; ``jsonschema`` runs (and writes the error reports)
only on the parts this says are "not valid". Each keyword has its own small compiler function in
``KEYWORDS``; an unknown keyword makes compilation fail, and then ``jsonschema`` always runs: the
fast path can never accept what ``jsonschema`` would reject. Tests hold the two to the same verdict
over the whole broken-flow corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]
KeywordCompiler = Callable[["Compiler", Any, dict[str, Any]], Check | None]

_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "$defs", "$comment"})


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not implement."""


def _always(instance: Any) -> bool:
    return True


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``True`` is not ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "object": (dict,),
    "array": (list,),
    "boolean": (bool,),
    "integer": (int, float),
    "number": (int, float),
    "null": (type(None),),
}


def _type(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    names = [value] if isinstance(value, str) else list(value)
    unknown = [n for n in names if n not in _PY_TYPES]
    if unknown:
        raise Unsupported(f"type {unknown}")
    allowed = tuple(t for n in names for t in _PY_TYPES[n])
    numeric = "number" in names or "integer" in names
    boolean = "boolean" in names
    integer_only = "integer" in names and "number" not in names

    def check(instance: Any) -> bool:
        if not isinstance(instance, allowed):
            return False
        if numeric and isinstance(instance, bool):
            return boolean
        if integer_only and isinstance(instance, float) and not isinstance(instance, bool):
            return instance.is_integer()
        return True

    return check


def _ref(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    if not isinstance(value, str) or not value.startswith("#/$defs/"):
        raise Unsupported(repr(value))
    return compiler.ref(value[len("#/$defs/") :])


def _required(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    fields = tuple(value)

    def check(instance: Any) -> bool:
        if isinstance(instance, dict):
            for name in fields:
                if name not in instance:
                    return False
        return True

    return check


def _properties(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    """``properties`` and ``additionalProperties`` together: one pass over the instance's keys."""
    if "patternProperties" in schema:
        raise Unsupported("patternProperties")
    props = {name: compiler.compile(sub) for name, sub in (value or {}).items()}
    extra_schema = schema.get("additionalProperties", True)
    extra = None if extra_schema is False else compiler.compile(extra_schema)

    def check(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return True
        for key, item in instance.items():
            sub = props.get(key, extra)
            if sub is None or not sub(item):
                return False
        return True

    return check


def _additional(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    if "properties" in schema:
        return None  # compiled with "properties"
    return _properties(compiler, {}, schema)


def _items(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    item = compiler.compile(value)

    def check(instance: Any) -> bool:
        if isinstance(instance, list):
            for element in instance:
                if not item(element):
                    return False
        return True

    return check


def _size(kind: type[Any], at_least: bool) -> KeywordCompiler:
    def build(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
        limit = int(value)
        if at_least:
            return lambda instance: not isinstance(instance, kind) or len(instance) >= limit
        return lambda instance: not isinstance(instance, kind) or len(instance) <= limit

    return build


def _bound(at_least: bool) -> KeywordCompiler:
    def build(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
        def check(instance: Any) -> bool:
            if not isinstance(instance, (int, float)) or isinstance(instance, bool):
                return True
            return bool(instance >= value) if at_least else bool(instance <= value)

        return check

    return build


def _pattern(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    search = re.compile(value).search
    return lambda instance: not isinstance(instance, str) or search(instance) is not None


def _enum(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    options = list(value)
    return lambda instance: any(_same(instance, option) for option in options)


def _const(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    return lambda instance: _same(instance, value)


def _any_of(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    branches = [compiler.compile(sub) for sub in value]
    return lambda instance: any(branch(instance) for branch in branches)


def _not(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    inner = compiler.compile(value)
    return lambda instance: not inner(instance)


def _dependent_required(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    deps = {name: list(fields) for name, fields in value.items()}
    return lambda instance: (
        not isinstance(instance, dict)
        or all(f in instance for name, fields in deps.items() if name in instance for f in fields)
    )


def _if(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    condition = compiler.compile(value)
    then = compiler.compile(schema.get("then", True))
    otherwise = compiler.compile(schema.get("else", True))
    return lambda instance: then(instance) if condition(instance) else otherwise(instance)


def _handled_by_if(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    return None


def _dispatch(compiler: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    """``x-dispatch``: the sub-schema ``$defs/<kind>:<instance[property]>``; an unknown value fails."""
    prop, kind = value["property"], value["kind"]
    cache: dict[str, Check | None] = {}

    def check(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return True
        selector = instance.get(prop)
        if not isinstance(selector, str):
            return True
        if selector not in cache:
            name = f"{kind}:{selector}"
            cache[selector] = compiler.ref(name) if name in compiler.defs else None
        found = cache[selector]
        return found(instance) if found is not None else False

    return check


#: One compiler per JSON Schema keyword the shipped schema uses.
KEYWORDS: dict[str, KeywordCompiler] = {
    "type": _type,
    "$ref": _ref,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional,
    "items": _items,
    "minItems": _size(list, True),
    "maxItems": _size(list, False),
    "minLength": _size(str, True),
    "maxLength": _size(str, False),
    "minProperties": _size(dict, True),
    "minimum": _bound(True),
    "maximum": _bound(False),
    "pattern": _pattern,
    "enum": _enum,
    "const": _const,
    "anyOf": _any_of,
    "not": _not,
    "dependentRequired": _dependent_required,
    "if": _if,
    "then": _handled_by_if,
    "else": _handled_by_if,
    "x-dispatch": _dispatch,
}


class Compiler:
    """Compiles a draft 2020-12 schema (the subset our schema uses) into predicates."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.defs: dict[str, Any] = root.get("$defs", {})
        self.compiled: dict[str, Check] = {}

    def ref(self, name: str) -> Check:
        """The predicate of ``$defs/<name>`` (compiled once; recursion goes through this look-up)."""
        if name not in self.compiled:
            self.compiled[name] = _always  # placeholder while compiling recursive refs
            self.compiled[name] = self.compile(self.defs[name])
        compiled = self.compiled

        def check(instance: Any) -> bool:
            return compiled[name](instance)

        return check

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return _always
        if schema is False:
            return lambda instance: False
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        checks: list[Check] = []
        for key, value in schema.items():
            if key in _ANNOTATIONS:
                continue
            build = KEYWORDS.get(key)
            if build is None:
                raise Unsupported(key)
            check = build(self, value, schema)
            if check is not None:
                checks.append(check)
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        frozen = tuple(checks)

        def all_of(instance: Any) -> bool:
            for check in frozen:  # noqa: SIM110 - a loop: all() with a generator costs ~2x here
                if not check(instance):
                    return False
            return True

        return all_of


def compile_schema(root: dict[str, Any]) -> Compiler | None:
    """The compiler holding ``root``'s predicates, or None if it uses something unsupported."""
    compiler = Compiler(root)
    try:
        compiler.compiled[""] = compiler.compile(root)
        for name in compiler.defs:
            compiler.ref(name)
    except (Unsupported, re.error, KeyError, TypeError, ValueError):
        return None
    return compiler
