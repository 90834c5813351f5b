"""A fast yes/no answer to "does this flow match the schema?", compiled from the same schema file.

``jsonschema`` spends ~35 µs per schema node it visits, ~170 ms on a 1 MB flow. Valid flows are
the common case, so the schema is also compiled here into plain Python predicates (~1 µs a node)
that only answer valid / not valid; ``jsonschema`` runs (and writes the error reports) only when
this says "not valid". Unknown keywords make compilation fail, and then ``jsonschema`` always
runs: the fast path can never accept what ``jsonschema`` would reject. Tests hold the two to the
same verdict over the whole broken-flow corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "$defs", "$comment"})


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not implement."""


def _is_type(instance: Any, name: str) -> bool:
    if name == "string":
        return isinstance(instance, str)
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "boolean":
        return isinstance(instance, bool)
    if name == "integer":
        if isinstance(instance, bool):
            return False
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    if name == "number":
        return isinstance(instance, (int, float)) and not isinstance(instance, bool)
    if name == "null":
        return instance is None
    raise Unsupported(f"type {name}")


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``True`` is not ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


class Compiler:
    """Compiles a draft 2020-12 schema (the subset our schema uses) into predicates."""

    def __init__(self, root: dict[str, Any], dispatch: Callable[[str, str], str | None]) -> None:
        self.root = root
        self.defs: dict[str, Any] = root.get("$defs", {})
        self.compiled: dict[str, Check] = {}
        self.dispatch_name = dispatch

    def ref(self, name: str) -> Check:
        if name not in self.compiled:
            self.compiled[name] = lambda instance: True  # placeholder while compiling recursive refs
            self.compiled[name] = self.compile(self.defs[name])
        compiled = self.compiled

        def check(instance: Any) -> bool:
            return compiled[name](instance)

        return check

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return lambda instance: True
        if schema is False:
            return lambda instance: False
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        checks: list[Check] = []
        for key, value in schema.items():
            if key in _ANNOTATIONS:
                continue
            checks.append(self._keyword(key, value, schema))
        if len(checks) == 1:
            return checks[0]

        def all_of(instance: Any) -> bool:
            return all(check(instance) for check in checks)

        return all_of

    def _keyword(self, key: str, value: Any, schema: dict[str, Any]) -> Check:
        if key == "type":
            names = [value] if isinstance(value, str) else list(value)
            for name in names:
                _is_type(None, name)  # raises Unsupported for unknown names
            return lambda instance: any(_is_type(instance, name) for name in names)
        if key == "$ref":
            if not value.startswith("#/$defs/"):
                raise Unsupported(value)
            return self.ref(value[len("#/$defs/") :])
        if key == "required":
            fields = list(value)
            return lambda instance: not isinstance(instance, dict) or all(f in instance for f in fields)
        if key == "properties":
            props = {name: self.compile(sub) for name, sub in value.items()}
            return lambda instance: (
                not isinstance(instance, dict)
                or all(check(instance[name]) for name, check in props.items() if name in instance)
            )
        if key == "additionalProperties":
            if "patternProperties" in schema:
                raise Unsupported("patternProperties")
            known = frozenset(schema.get("properties", {}))
            if value is False:
                return lambda instance: not isinstance(instance, dict) or all(k in known for k in instance)
            extra = self.compile(value)
            return lambda instance: (
                not isinstance(instance, dict) or all(extra(v) for k, v in instance.items() if k not in known)
            )
        if key == "items":
            item = self.compile(value)
            return lambda instance: not isinstance(instance, list) or all(item(v) for v in instance)
        if key in ("minItems", "maxItems"):
            limit = int(value)
            if key == "minItems":
                return lambda instance: not isinstance(instance, list) or len(instance) >= limit
            return lambda instance: not isinstance(instance, list) or len(instance) <= limit
        if key in ("minLength", "maxLength"):
            limit = int(value)
            if key == "minLength":
                return lambda instance: not isinstance(instance, str) or len(instance) >= limit
            return lambda instance: not isinstance(instance, str) or len(instance) <= limit
        if key == "minProperties":
            limit = int(value)
            return lambda instance: not isinstance(instance, dict) or len(instance) >= limit
        if key == "pattern":
            search = re.compile(value).search
            return lambda instance: not isinstance(instance, str) or search(instance) is not None
        if key == "enum":
            options = list(value)
            return lambda instance: any(_same(instance, option) for option in options)
        if key == "const":
            return lambda instance: _same(instance, value)
        if key == "anyOf":
            branches = [self.compile(sub) for sub in value]
            return lambda instance: any(branch(instance) for branch in branches)
        if key == "not":
            inner = self.compile(value)
            return lambda instance: not inner(instance)
        if key == "dependentRequired":
            deps = {name: list(fields) for name, fields in value.items()}
            return lambda instance: (
                not isinstance(instance, dict)
                or all(f in instance for name, fields in deps.items() if name in instance for f in fields)
            )
        if key == "if":
            condition = self.compile(value)
            then = self.compile(schema.get("then", True))
            otherwise = self.compile(schema.get("else", True))
            return lambda instance: then(instance) if condition(instance) else otherwise(instance)
        if key in ("then", "else"):
            return lambda instance: True  # handled with "if"
        if key == "x-dispatch":
            prop, kind = value["property"], value["kind"]
            cache: dict[str, Check | None] = {}

            def dispatch(instance: Any) -> bool:
                if not isinstance(instance, dict):
                    return True
                selector = instance.get(prop)
                if not isinstance(selector, str):
                    return True
                if selector not in cache:
                    name = self.dispatch_name(kind, selector)
                    cache[selector] = self.ref(name) if name else None
                check = cache[selector]
                return check(instance) if check is not None else False

            return dispatch
        raise Unsupported(key)


def compile_schema(root: dict[str, Any]) -> Check | None:
    """The predicate for ``root``, or None if it uses something unsupported (then always use jsonschema)."""
    defs = root.get("$defs", {})

    def dispatch_name(kind: str, value: str) -> str | None:
        name = f"{kind}:{value}"
        return name if name in defs else None

    try:
        return Compiler(root, dispatch_name).compile(root)
    except (Unsupported, re.error, KeyError, TypeError, ValueError):
        return None
