"""The rules a JSON Schema cannot express: versions, cross-references, uniqueness, routing.

Each rule cites what Meta documents (Flow JSON reference, components reference, error codes page
"Static Validation Errors"); the rule's Meta error code is in the message where Meta has one. A
rule we are unsure of says so in a comment and in docs/flow_json.rst.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_cams.flowjson.issues import Issue, Token
from airflow_provider_cams.flowjson.versions import (
    DATA_API_VERSIONS,
    FROZEN_VERSIONS,
    PUBLISHABLE_VERSIONS,
    RECOMMENDED_DATA_API_VERSION,
    RECOMMENDED_VERSION,
    VERSIONS_READ_ON,
    version_key,
)

MAX_BRANCHES = 10  # "Number of branches exceeds the max limit of 10 for screen" (error codes page)
MAX_COMPONENTS_PER_SCREEN = 50  # components reference: "The maximum number of components per screen is 50"
MAX_IF_NESTING = 3  # components reference, If: "It is allowed to nest up to 3 "If" components"
# Error codes page, MAX_*_PER_SCREEN; the components reference says the same for each component.
MAX_PER_SCREEN = {"Footer": 1, "EmbeddedLink": 2, "Image": 3, "OptIn": 5}
# Components reference: the first Flow JSON version each feature exists in.
MIN_VERSION = {
    "If": "4.0",
    "Switch": "4.0",
    "PhotoPicker": "4.0",
    "DocumentPicker": "4.0",
    "RichText": "5.1",
    "CalendarPicker": "6.1",
    "open_url": "6.0",
    "update_data": "6.0",
}
INTERACTIVE = frozenset(
    {
        "TextInput",
        "TextArea",
        "CheckboxGroup",
        "RadioButtonsGroup",
        "OptIn",
        "Dropdown",
        "DatePicker",
        "CalendarPicker",
        "PhotoPicker",
        "DocumentPicker",
        "ChipsSelector",
    }
)
RESERVED_SCREEN_ID = "SUCCESS"
_REFERENCE = re.compile(r"\$\{(data|form|screen)\.([A-Za-z0-9_.\-]*)\}")
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


@dataclass
class _Screen:
    index: int
    id: str
    raw: dict[str, Any]
    terminal: bool
    data: dict[str, Any] | None
    names: dict[str, list[tuple[Token, ...]]] = field(default_factory=dict)
    components: list[tuple[str, tuple[Token, ...], dict[str, Any], bool]] = field(default_factory=list)
    actions: list[tuple[dict[str, Any], tuple[Token, ...], str]] = field(default_factory=list)
    references: list[tuple[str, tuple[Token, ...]]] = field(default_factory=list)

    @property
    def tokens(self) -> tuple[Token, ...]:
        return ("screens", self.index)


def check(flow: dict[str, Any]) -> list[Issue]:
    """Every non-structural problem of a flow whose top level is an object."""
    out: list[Issue] = []
    version = _check_version(flow, out)
    endpoint = _check_data_api_version(flow, out)
    screens = _collect_screens(flow, out)
    by_id = {s.id: s for s in screens}
    for screen in screens:
        _check_screen(screen, by_id, endpoint, version, out)
    _check_terminals(screens, out)
    _check_routing(flow, screens, by_id, endpoint, out)
    return out


def _check_version(flow: dict[str, Any], out: list[Issue]) -> tuple[int, int] | None:
    if "version" not in flow:
        return None  # the schema reports the missing property
    version = flow["version"]
    supported = ", ".join(PUBLISHABLE_VERSIONS)
    if not isinstance(version, str):
        shown = (
            version
            if isinstance(version, (int, float)) and not isinstance(version, bool)
            else RECOMMENDED_VERSION
        )
        out.append(
            Issue(("version",), f'"version" must be a string: write "{shown}" (with quotes).', "version")
        )
        return None
    if version in FROZEN_VERSIONS:
        out.append(
            Issue(
                ("version",),
                f'Flow JSON version "{version}" is frozen by Meta since {FROZEN_VERSIONS[version]}: a flow '
                "with it "
                f'cannot be published. Move to "{RECOMMENDED_VERSION}" (publishable: {supported}; list read '
                f"{VERSIONS_READ_ON}).",
                "version",
            )
        )
        return version_key(version)
    if version not in PUBLISHABLE_VERSIONS:
        out.append(
            Issue(
                ("version",),
                f'"{version}" is not a Flow JSON version Meta accepts for publishing; use one of {supported} '
                f'("{RECOMMENDED_VERSION}" recommended; list read {VERSIONS_READ_ON}). If Meta released a '
                "newer "
                "version since, update airflow_provider_cams/flowjson/versions.py.",
                "version",
            )
        )
        return None
    return version_key(version)


def _check_data_api_version(flow: dict[str, Any], out: list[Issue]) -> bool:
    """Whether the flow declares a data endpoint (``data_api_version``)."""
    if "data_api_version" not in flow:
        return False
    value = flow["data_api_version"]
    if value not in DATA_API_VERSIONS:
        shown = f'"{value}"' if isinstance(value, str) else f"{value!r} (not a string)"
        out.append(
            Issue(
                ("data_api_version",),
                f"data_api_version {shown} is not one Meta accepts; use "
                f"{' or '.join(repr(v).replace(chr(39), chr(34)) for v in DATA_API_VERSIONS)} "
                f'("{RECOMMENDED_DATA_API_VERSION}" recommended), as a string.',
                "data-api-version",
            )
        )
    if "routing_model" not in flow:
        out.append(
            Issue(
                (),
                'missing "routing_model": Meta requires it when "data_api_version" is set (a flow with a '
                "data "
                'endpoint). Add "routing_model": {"<SCREEN>": ["<NEXT_SCREEN>", ...], ...} listing every '
                "screen.",
                "routing-model",
            )
        )
    return True


def _collect_screens(flow: dict[str, Any], out: list[Issue]) -> list[_Screen]:
    raw_screens = flow.get("screens")
    if not isinstance(raw_screens, list):
        return []
    screens: list[_Screen] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_screens):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            continue
        screen_id = raw["id"]
        if screen_id in seen:
            out.append(
                Issue(
                    ("screens", index, "id"),
                    f'duplicate screen id "{screen_id}" (also /screens/{seen[screen_id]}/id): screen ids '
                    "must be "
                    "unique (DUPLICATE_SCREEN_IDS). Rename one and update the navigate actions and "
                    "routing_model.",
                    "screen-id",
                )
            )
            continue
        seen[screen_id] = index
        if screen_id.upper() == RESERVED_SCREEN_ID:
            # The reference says "SUCCESS is a reserved keyword"; the error codes page says 'success'.
            out.append(
                Issue(
                    ("screens", index, "id"),
                    f'screen id "{screen_id}" is reserved by Meta ("SUCCESS is a reserved keyword and should '
                    "not be "
                    'used as a screen id"); rename the screen, e.g. "CONFIRMATION".',
                    "screen-id",
                )
            )
        data = raw.get("data") if isinstance(raw.get("data"), dict) else None
        screen = _Screen(index, screen_id, raw, raw.get("terminal") is True, data)
        layout = raw.get("layout")
        if isinstance(layout, dict) and isinstance(layout.get("children"), list):
            _walk(layout["children"], (*screen.tokens, "layout", "children"), screen, 0, False)
        if isinstance(raw.get("title"), str) and "${" in raw["title"]:
            screen.references.append((raw["title"], (*screen.tokens, "title")))
        screens.append(screen)
    return screens


def _walk(
    children: list[Any], tokens: tuple[Token, ...], screen: _Screen, if_depth: int, in_form: bool
) -> None:
    """Collect the components, names, actions and dynamic references of one screen."""
    for index, component in enumerate(children):
        if not isinstance(component, dict):
            continue
        here = (*tokens, index)
        kind = component.get("type")
        kind = kind if isinstance(kind, str) else ""
        screen.components.append((kind, here, component, in_form))
        name = component.get("name")
        if isinstance(name, str) and kind in INTERACTIVE:
            screen.names.setdefault(name, []).append((*here, "name"))
        for key, value in component.items():
            if key in ("children", "then", "else") and isinstance(value, list):
                nested_if = if_depth + 1 if kind == "If" else if_depth
                _walk(value, (*here, key), screen, nested_if, in_form or kind == "Form")
            elif key == "cases" and isinstance(value, dict):
                for case, branch in value.items():
                    if isinstance(branch, list):
                        _walk(branch, (*here, key, case), screen, if_depth, in_form)
            else:
                if key.startswith("on-") and key.endswith("-action") and isinstance(value, dict):
                    screen.actions.append((value, (*here, key), kind))
                _collect_references(value, (*here, key), screen.references)


def _collect_references(
    value: Any, tokens: tuple[Token, ...], into: list[tuple[str, tuple[Token, ...]]]
) -> None:
    if isinstance(value, str):
        if "${" in value:
            into.append((value, tokens))
    elif isinstance(value, dict):
        for key, item in value.items():
            _collect_references(item, (*tokens, key), into)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _collect_references(item, (*tokens, index), into)


def _count(children: Any, kind: str) -> int:
    """How many ``kind`` components one rendering of ``children`` can show (If/Switch: the max branch)."""
    if not isinstance(children, list):
        return 0
    total = 0
    for component in children:
        if not isinstance(component, dict):
            continue
        ctype = component.get("type")
        if ctype == kind:
            total += 1
        elif ctype == "If":
            total += max(_count(component.get("then"), kind), _count(component.get("else"), kind))
        elif ctype == "Switch" and isinstance(component.get("cases"), dict):
            total += max((_count(b, kind) for b in component["cases"].values()), default=0)
        elif ctype == "Form":
            total += _count(component.get("children"), kind)
    return total


def _check_screen(
    screen: _Screen,
    by_id: dict[str, _Screen],
    endpoint: bool,
    version: tuple[int, int] | None,
    out: list[Issue],
) -> None:
    raw, tokens = screen.raw, screen.tokens
    children = raw.get("layout", {}).get("children") if isinstance(raw.get("layout"), dict) else None
    if "success" in raw and not screen.terminal:
        out.append(
            Issue(
                (*tokens, "success"),
                f'screen "{screen.id}": "success" is only allowed on a terminal screen ("Property '
                "'success' can "
                'only be specified on a terminal screen"). Remove it or add "terminal": true.',
                "terminal-screen",
                at_key=True,
            )
        )
    if raw.get("refresh_on_back") is True and not endpoint:
        out.append(
            Issue(
                (*tokens, "refresh_on_back"),
                f'screen "{screen.id}": "refresh_on_back": true needs a data endpoint ("Property '
                "'refresh_on_back' "
                "can be true only when property 'data_api_version' is set\"). Remove it or add "
                "data_api_version.",
                "endpoint",
            )
        )
    # Per-screen component limits.
    for kind, limit in MAX_PER_SCREEN.items():
        found = _count(children, kind)
        if found > limit:
            out.append(
                Issue(
                    (*tokens, "layout", "children"),
                    f'screen "{screen.id}" has {found} {kind} components; Meta allows at most {limit} per '
                    "screen "
                    f"(counting the largest If/Switch branch). Remove {found - limit} or split the screen.",
                    "footer" if kind == "Footer" else "component",
                )
            )
    leaves = [c for c in screen.components if c[0] not in ("If", "Switch", "Form")]
    # Unsure how Meta counts components nested in If/Switch/Form: we count every non-container one.
    if len(leaves) > MAX_COMPONENTS_PER_SCREEN:
        out.append(
            Issue(
                (*tokens, "layout", "children"),
                f'screen "{screen.id}" has {len(leaves)} components; Meta allows at most '
                f"{MAX_COMPONENTS_PER_SCREEN} per screen. Split it into more screens.",
                "component",
            )
        )
    if screen.terminal and _count(children, "Footer") == 0:
        out.append(
            Issue(
                (*tokens, "layout", "children"),
                f'terminal screen "{screen.id}" has no Footer (MISSING_FOOTER_ON_TERMINAL_SCREEN): add a '
                "Footer whose "
                'on-click-action is "complete" (or "data_exchange") so the flow can end.',
                "terminal-screen",
            )
        )
    has_form = any(kind == "Form" for kind, *_ in screen.components)
    for kind, here, component, in_form in screen.components:
        _check_component(screen, kind, here, component, in_form, has_form, version, out)
    for name, places in screen.names.items():
        for place in places[1:]:
            out.append(
                Issue(
                    place,
                    f'duplicate component name "{name}" on screen "{screen.id}" '
                    "(DUPLICATE_FORM_COMPONENT_NAMES): "
                    "names must be unique on a screen, across all If/Switch branches. Rename it.",
                    "name",
                )
            )
    sensitive = raw.get("sensitive")
    if isinstance(sensitive, list):
        for index, name in enumerate(sensitive):
            if isinstance(name, str) and name not in screen.names:
                out.append(
                    Issue(
                        (*tokens, "sensitive", index),
                        f'"sensitive" names "{name}", which is no input component on screen "{screen.id}"; '
                        "use the "
                        f"name of one of its fields ({', '.join(sorted(screen.names)) or 'none'}).",
                        "name",
                    )
                )
    for action, here, kind in screen.actions:
        _check_action(screen, action, here, kind, by_id, endpoint, version, out)
    _check_data_model(screen, out)
    _check_references(screen, by_id, out)


def _check_component(
    screen: _Screen,
    kind: str,
    here: tuple[Token, ...],
    component: dict[str, Any],
    in_form: bool,
    has_form: bool,
    version: tuple[int, int] | None,
    out: list[Issue],
) -> None:
    needed = MIN_VERSION.get(kind)
    if needed and version and version < version_key(needed):
        out.append(
            Issue(
                (*here, "type"),
                f'{kind} needs Flow JSON {needed} or later; raise "version" (e.g. to '
                f'"{RECOMMENDED_VERSION}").',
                "version",
            )
        )
    if has_form and kind in INTERACTIVE and not in_form:
        out.append(
            Issue(
                here,
                f'{kind} is outside the Form on screen "{screen.id}" (COMPONENTS_OUTSIDE_FORM): when a '
                "screen has a "
                "Form, every input must be inside it. Move it into the Form's children, or drop the Form "
                "(optional since Flow JSON 4.0).",
                "component",
            )
        )
    if kind == "TextInput" and "pattern" in component:
        if version and version < (6, 2):
            out.append(
                Issue((*here, "pattern"), 'TextInput "pattern" needs Flow JSON 6.2 or later.', "version")
            )
        if "helper-text" not in component:
            out.append(
                Issue(
                    here,
                    'TextInput with "pattern" must have "helper-text" (Meta: "When using the pattern field, '
                    'helper-text is mandatory"); add one telling the user the expected format.',
                    "component",
                )
            )
    for low, high in (("min-chars", "max-chars"), ("min-selected-items", "max-selected-items")):
        lo, hi = component.get(low), component.get(high)
        if isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool) and lo > hi:
            out.append(
                Issue(
                    (*here, low),
                    f"{kind}: {low} ({lo}) cannot be greater than {high} ({hi}) "
                    "(MIN_VALUE_GREATER_THAN_MAX); "
                    "swap or fix the values.",
                    "component",
                )
            )
    if kind == "Dropdown" and isinstance(component.get("data-source"), list):
        options = component["data-source"]
        if len(options) > 100 and any(isinstance(o, dict) and "image" in o for o in options):
            out.append(
                Issue(
                    (*here, "data-source"),
                    f"Dropdown has {len(options)} options with images; Meta allows at most 100 when any "
                    "option has "
                    "an image (200 without). Remove options or images.",
                    "component",
                )
            )
    if kind == "If":
        _check_if(screen, here, component, out)
    if kind == "Switch" and isinstance(component.get("cases"), dict):
        with_footer = [case for case, branch in component["cases"].items() if _count(branch, "Footer")]
        if with_footer and len(with_footer) != len(component["cases"]):
            out.append(
                Issue(
                    (*here, "cases"),
                    "Footer component must be present in all switch cases if it exists in one of them "
                    f"(MISSING_FOOTER_IN_SWITCH_BRANCHES); cases with a Footer: {', '.join(with_footer)}. "
                    "Add a "
                    "Footer to every case or move it out of the Switch.",
                    "footer",
                )
            )


def _check_if(screen: _Screen, here: tuple[Token, ...], component: dict[str, Any], out: list[Issue]) -> None:
    condition = component.get("condition")
    if isinstance(condition, str) and condition.strip() and "${" not in condition:
        out.append(
            Issue(
                (*here, "condition"),
                f"If condition {condition!r} has no dynamic value; Meta requires at least one, e.g. "
                f'"${{form.opt_in}}" '
                'or "${data.count} > 0".',
                "component",
            )
        )
    depth = sum(1 for t in here if t in ("then", "else"))
    if depth >= MAX_IF_NESTING:
        out.append(
            Issue(
                here,
                f"If nested {depth + 1} deep; Meta allows at most {MAX_IF_NESTING}. Flatten it.",
                "component",
            )
        )
    then_footer = _count(component.get("then"), "Footer")
    else_footer = _count(component.get("else"), "Footer")
    if (then_footer or else_footer) and depth > 0:
        out.append(
            Issue(
                here,
                "a Footer can be inside an If only at the first level, not in a nested If; move it up.",
                "footer",
            )
        )
    elif then_footer and "else" not in component:
        out.append(
            Issue(
                here,
                "Missing Footer inside one of the 'If' component branches. Branch 'else' should exist and "
                "contain "
                'one Footer (MISSING_FOOTER_IN_IF_ELSE_BRANCHES): add "else" with a Footer.',
                "footer",
            )
        )
    elif bool(then_footer) != bool(else_footer):
        out.append(
            Issue(
                here,
                "Footer component must be present in all branches of 'If' component if it exists in any one "
                "branch "
                "(MISSING_FOOTER_IN_IF_ELSE_BRANCHES); add a Footer to the other branch.",
                "footer",
            )
        )


def _check_action(
    screen: _Screen,
    action: dict[str, Any],
    here: tuple[Token, ...],
    kind: str,
    by_id: dict[str, _Screen],
    endpoint: bool,
    version: tuple[int, int] | None,
    out: list[Issue],
) -> None:
    name = action.get("name")
    if not isinstance(name, str):
        return
    needed = MIN_VERSION.get(name)
    if needed and version and version < version_key(needed):
        out.append(
            Issue(
                (*here, "name"),
                f'action "{name}" needs Flow JSON {needed} or later; raise "version".',
                "version",
            )
        )
    if name == "data_exchange" and not endpoint:
        out.append(
            Issue(
                (*here, "name"),
                "The property 'data_api_version' is required for data_exchange action: data_exchange sends "
                "data "
                'to your data endpoint. Add "data_api_version": "3.0" (or "4.0") and a routing_model, or use '
                '"navigate"/"complete".',
                "endpoint",
            )
        )
    if name == "complete" and not screen.terminal:
        out.append(
            Issue(
                (*here, "name"),
                "On-click-action 'complete' can only be configured on a terminal screen "
                "(INVALID_COMPLETE_ACTION); "
                f'mark screen "{screen.id}" "terminal": true or navigate to a terminal screen.',
                "terminal-screen",
            )
        )
    if name != "navigate":
        return
    target = action.get("next", {}).get("name") if isinstance(action.get("next"), dict) else None
    if not isinstance(target, str) or not target:
        return
    if target == screen.id:
        out.append(
            Issue(
                (*here, "next", "name"),
                f'navigate from "{screen.id}" to itself: same screen navigation is not allowed '
                "(INVALID_NAVIGATE_ACTION_NEXT_SCREEN_NAME). Navigate to another screen, or use update_data.",
                "navigation",
            )
        )
        return
    if target not in by_id:
        out.append(
            Issue(
                (*here, "next", "name"),
                f'navigate to unknown screen "{target}"; existing screens: {", ".join(by_id)}. Fix the name '
                "or add "
                "the screen.",
                "navigation",
            )
        )
        return
    payload = action.get("payload")
    if isinstance(payload, dict) and payload:
        next_data = by_id[target].data
        missing = [key for key in payload if next_data is None or key not in next_data]
        if missing:
            out.append(
                Issue(
                    (*here, "payload"),
                    f"navigate payload fields {', '.join(missing)} are missing in the data model of screen "
                    f'"{target}" (INVALID_NAVIGATE_ACTION_PAYLOAD): declare them in its "data" (with type '
                    "and "
                    "__example__) or remove them from the payload.",
                    "navigation",
                )
            )


def _check_data_model(screen: _Screen, out: list[Issue]) -> None:
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
        elif not isinstance(declared, str) or declared not in _JSON_TYPES:
            out.append(
                Issue(
                    (*here, "type"),
                    f'data field "{key}" "type" must be one of {", ".join(_JSON_TYPES)}.',
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
            ok = isinstance(example, _JSON_TYPES[declared]) and not (
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


def _check_references(screen: _Screen, by_id: dict[str, _Screen], out: list[Issue]) -> None:
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


def _check_terminals(screens: list[_Screen], out: list[Issue]) -> None:
    if not screens:
        return
    terminals = [s for s in screens if s.terminal]
    if not terminals:
        out.append(
            Issue(
                ("screens",),
                'no terminal screen (MISSING_TERMINAL_SCREEN): mark the last screen "terminal": true and '
                "give it a "
                'Footer with the "complete" action.',
                "terminal-screen",
            )
        )
    elif all(s.raw.get("success") is False for s in terminals):
        out.append(
            Issue(
                (*terminals[0].tokens, "success"),
                "At least one terminal screen must have property 'success' set as true; remove \"success\": "
                "false "
                "from the screen that means a successful outcome (the default is true).",
                "terminal-screen",
            )
        )


def _navigate_edges(screen: _Screen, by_id: dict[str, _Screen]) -> list[str]:
    targets: list[str] = []
    for action, _, _ in screen.actions:
        if action.get("name") == "navigate" and isinstance(action.get("next"), dict):
            target = action["next"].get("name")
            if isinstance(target, str) and target in by_id and target != screen.id and target not in targets:
                targets.append(target)
    return targets


def _check_routing(
    flow: dict[str, Any], screens: list[_Screen], by_id: dict[str, _Screen], endpoint: bool, out: list[Issue]
) -> None:
    model = flow.get("routing_model")
    navigate = {s.id: _navigate_edges(s, by_id) for s in screens}
    if isinstance(model, dict):
        graph = _check_routing_model(model, screens, by_id, navigate, endpoint, out)
        if graph is None or not endpoint:
            return
        full = {s.id: graph.get(s.id, []) for s in screens}
        _check_graph(full, by_id, out, ("routing_model",), "routing model")
        return
    if endpoint:
        return  # missing routing_model already reported
    # Without an endpoint Meta derives the routing model from the navigate actions.
    for screen in screens:
        if len(navigate[screen.id]) > MAX_BRANCHES:
            out.append(
                Issue(
                    (*screen.tokens, "layout"),
                    f"Number of branches exceeds the max limit of {MAX_BRANCHES} for screen: {screen.id}. "
                    "Reduce "
                    "navigate actions for the screen.",
                    "routing-model",
                )
            )
    if len(screens) < 2:
        return
    graph = dict(navigate)
    if not any(all(s not in targets for targets in graph.values()) for s in graph):
        out.append(
            Issue(
                ("screens",),
                "No entry screen found in the routing model. Add a screen that is not used as the next "
                "screen in "
                "any of the navigate actions (Meta derives the routes from navigate actions).",
                "routing-model",
            )
        )
    lost = _disconnected(graph, screens[0].id)
    if lost:
        out.append(
            Issue(
                (*by_id[lost[0]].tokens, "id"),
                "Following screens are not connected with the rest of the screens via navigate screen "
                "action: "
                f"{', '.join(lost)}. All screens should be connected: add navigate actions to them, or "
                "remove them.",
                "routing-model",
            )
        )


def _check_routing_model(
    model: dict[str, Any],
    screens: list[_Screen],
    by_id: dict[str, _Screen],
    navigate: dict[str, list[str]],
    endpoint: bool,
    out: list[Issue],
) -> dict[str, list[str]] | None:
    graph: dict[str, list[str]] = {}
    ok = True
    for source, targets in model.items():
        if source not in by_id:
            out.append(
                Issue(
                    ("routing_model", source),
                    f'Invalid screens found in the routing model: "{source}" is no screen id; existing: '
                    f"{', '.join(by_id)}. Fix or remove the entry.",
                    "routing-model",
                    at_key=True,
                )
            )
            ok = False
            continue
        if not isinstance(targets, list):
            continue  # the schema reports the type
        graph[source] = []
        if len(targets) > MAX_BRANCHES:
            out.append(
                Issue(
                    ("routing_model", source),
                    f"Number of branches exceeds the max limit of {MAX_BRANCHES} for screen: {source}; "
                    f"it has {len(targets)}. Split the choice over more screens.",
                    "routing-model",
                )
            )
        for index, target in enumerate(targets):
            if not isinstance(target, str):
                continue
            if target == source:
                out.append(
                    Issue(
                        ("routing_model", source, index),
                        f'route from "{source}" to itself: a route cannot be the current screen; remove it.',
                        "routing-model",
                    )
                )
            elif target not in by_id:
                out.append(
                    Issue(
                        ("routing_model", source, index),
                        f'Invalid screen found in the routing model: "{target}" is no screen id; existing: '
                        f"{', '.join(by_id)}.",
                        "routing-model",
                    )
                )
                ok = False
            elif target not in graph[source]:
                graph[source].append(target)
    if not ok:
        return None
    for screen in screens:
        routes = graph.get(screen.id, [])
        for target in navigate.get(screen.id, []):
            if target not in routes:
                out.append(
                    Issue(
                        ("routing_model", screen.id) if screen.id in model else ("routing_model",),
                        f"Missing direct route from screen '{screen.id}' to screen '{target}' in the routing "
                        "model, "
                        f"while it exists in the navigate screen action of screen '{screen.id}'. Add "
                        f'"{target}" to '
                        f'routing_model["{screen.id}"].',
                        "routing-model",
                    )
                )
    if endpoint:
        mentioned = set(graph) | {t for targets in graph.values() for t in targets}
        missing = [s.id for s in screens if s.id not in mentioned]
        if missing:
            out.append(
                Issue(
                    ("routing_model",),
                    f"Following screens are missing in the routing model: {', '.join(missing)}. Add each as "
                    "a key "
                    "(with its next screens, [] if none) or as a destination.",
                    "routing-model",
                )
            )
    return graph


def _check_graph(
    graph: dict[str, list[str]], by_id: dict[str, _Screen], out: list[Issue], at: tuple[Token, ...], what: str
) -> None:
    order = {screen_id: n for n, screen_id in enumerate(by_id)}
    for source, targets in graph.items():
        for target in targets:
            # Of a pair A->B, B->A the forward one goes down the screens list.
            if source in graph.get(target, []) and order[source] > order[target]:
                out.append(
                    Issue(
                        (*at, source),
                        f"Backward route [{source}->{target}] corresponding to forward route "
                        f"[{target}->{source}] "
                        "is not allowed in the routing model. Only forward routes can be specified (the back "
                        f'button covers the way back); remove "{target}" from routing_model["{source}"].',
                        "routing-model",
                    )
                )
    nodes = list(by_id)
    if not any(all(n not in targets for targets in graph.values()) for n in nodes):
        out.append(
            Issue(
                at,
                f"No entry screen found in the {what}. Expected a screen with no inbound edges as the entry "
                "screen.",
                "routing-model",
            )
        )
    cycle = _find_cycle(graph)
    if len(cycle) > 3:  # a 2-screen loop is reported as a backward route
        out.append(
            Issue(
                at,
                f"Loop detected in the routing model for screens: {', '.join(cycle)}. Routes must go forward "
                "only; "
                "remove one route of the loop.",
                "routing-model",
            )
        )
    lost = _disconnected(graph, nodes[0]) if nodes else []
    if lost:
        out.append(
            Issue(
                at,
                f"Following screens are not connected with the rest of the screens: {', '.join(lost)}. All "
                "screens "
                "should be connected: add routes to them.",
                "routing-model",
            )
        )
    dead_ends = [s for s in nodes if not graph.get(s) and not by_id[s].terminal]
    if dead_ends and not cycle:
        out.append(
            Issue(
                at,
                f'routes end at non-terminal screens: {", ".join(dead_ends)}. Meta: "All routes must end at '
                "the "
                'terminal screen": mark them "terminal": true or add their next screens.',
                "routing-model",
            )
        )


def _find_cycle(graph: dict[str, list[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def _disconnected(graph: dict[str, list[str]], start: str) -> list[str]:
    """Screens not weakly connected to ``start`` (edges taken both ways)."""
    neighbours: dict[str, set[str]] = {n: set() for n in graph}
    for source, targets in graph.items():
        for target in targets:
            neighbours.setdefault(source, set()).add(target)
            neighbours.setdefault(target, set()).add(source)
    seen, todo = {start}, [start]
    while todo:
        for nxt in neighbours.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return [n for n in graph if n not in seen]
