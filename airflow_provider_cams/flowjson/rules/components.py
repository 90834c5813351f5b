"""Screens and components: per-screen limits, Forms, inputs, If/Switch branches."""

from __future__ import annotations

import re
from typing import Any

from airflow_provider_cams.flowjson.issues import Issue, Token
from airflow_provider_cams.flowjson.rules.model import INTERACTIVE, MEDIA_PICKERS, Screen, count
from airflow_provider_cams.flowjson.rules.version_gates import needs

MAX_COMPONENTS_PER_SCREEN = 50  # components reference: "The maximum number of components per screen is 50"


MAX_IF_NESTING = 3  # components reference, If: "It is allowed to nest up to 3 "If" components"
# Error codes page, MAX_*_PER_SCREEN; the components reference says the same for each component.


# Media upload reference: "You can only have a maximum of 1 PhotoPicker per screen" (and DocumentPicker
# the same); components reference: at most 2 NavigationList and 2 ImageCarousel per screen.
MAX_PER_SCREEN = {
    "Footer": 1,
    "EmbeddedLink": 2,
    "Image": 3,
    "OptIn": 5,
    "PhotoPicker": 1,
    "DocumentPicker": 1,
    "NavigationList": 2,
    "ImageCarousel": 2,
}
MAX_IMAGE_CAROUSELS_PER_FLOW = 3  # components reference, ImageCarousel: "Max 3 per Flow"
FORM_OPTIONAL_FROM = "4.0"  # before 4.0 every input sits in a Form; from 4.0 the Form is optional
# Components reference: "init-value" / "error-message": "Only available when component is outside Form".
OUTSIDE_FORM_ONLY: dict[str, tuple[str, ...]] = {
    **{
        kind: ("init-value", "error-message")
        for kind in ("TextInput", "TextArea", "CheckboxGroup", "RadioButtonsGroup", "Dropdown", "DatePicker")
    },
    "CalendarPicker": ("init-value", "error-message"),
    "OptIn": ("init-value",),
    "ChipsSelector": ("init-value", "error-message"),
}
FORM_EQUIVALENT = {"init-value": "init-values", "error-message": "error-messages"}
# Components reference: CheckboxGroup / RadioButtonsGroup "label" is required from 4.0 (optional before).
LABEL_REQUIRED_FROM = {"CheckboxGroup": "4.0", "RadioButtonsGroup": "4.0"}
MIN_MAX_PAIRS = (
    ("min-chars", "max-chars"),
    ("min-selected-items", "max-selected-items"),
    ("min-uploaded-photos", "max-uploaded-photos"),
    ("min-uploaded-documents", "max-uploaded-documents"),
    ("min-days", "max-days"),
)
# Components reference: RichText stands alone on its screen; from 6.3 a Footer may join it.
RICHTEXT_WITH_FOOTER_FROM = "6.3"
LAYOUT_KINDS = frozenset({"If", "Switch", "Form"})


def check_screen(
    screen: Screen,
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
        found = count(children, kind)
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
    if screen.terminal and count(children, "Footer") == 0:
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
        check_component(screen, kind, here, component, in_form, has_form, version, out)
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


def check_component(
    screen: Screen,
    kind: str,
    here: tuple[Token, ...],
    component: dict[str, Any],
    in_form: bool,
    has_form: bool,
    version: tuple[int, int] | None,
    out: list[Issue],
) -> None:
    if kind in INTERACTIVE and not in_form and (has_form or needs(version, FORM_OPTIONAL_FROM)):
        advice = (
            "Move it into the Form's children, or drop the Form (optional since Flow JSON 4.0)."
            if not needs(version, FORM_OPTIONAL_FROM)
            else "Before Flow JSON 4.0 every input must be inside a Form: wrap the inputs in one "
            '({"type": "Form", "name": "form", "children": [...]}) or raise "version".'
        )
        out.append(
            Issue(
                here,
                f'{kind} is outside a Form on screen "{screen.id}" (COMPONENTS_OUTSIDE_FORM). {advice}',
                "component",
            )
        )
    if in_form:
        for prop in OUTSIDE_FORM_ONLY.get(kind, ()):
            if prop in component:
                out.append(
                    Issue(
                        (*here, prop),
                        f'{kind} "{prop}" is only allowed outside a Form (components reference: "Only '
                        'available when component is outside Form component"); inside a Form use the '
                        f"Form's \"{FORM_EQUIVALENT[prop]}\" keyed by the component's name, or move it out.",
                        "component",
                        at_key=True,
                    )
                )
    if (
        kind in LABEL_REQUIRED_FROM
        and "label" not in component
        and not needs(version, LABEL_REQUIRED_FROM[kind])
    ):
        out.append(
            Issue(
                here,
                f'missing required property "label" in {kind} (required since Flow JSON '
                f'{LABEL_REQUIRED_FROM[kind]}). Add a "label" shown to the user.',
                "required",
            )
        )
    if kind in MEDIA_PICKERS | {"NavigationList", "RichText", "Form"} and _in_branch(here):
        out.append(
            Issue(
                (*here, "type"),
                f"{kind} cannot be inside an If or Switch branch (components reference, If/Switch: the "
                f"components a branch may hold); move it out of the {_branch_kind(screen, here)}.",
                "component",
            )
        )
    if kind == "TextInput" and "pattern" in component and "helper-text" not in component:
        out.append(
            Issue(
                here,
                'TextInput with "pattern" must have "helper-text" (Meta: "When using the pattern field, '
                'helper-text is mandatory"); add one telling the user the expected format.',
                "component",
            )
        )
    for low, high in MIN_MAX_PAIRS:
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
    if kind == "NavigationList":
        check_navigation_list(here, component, out)
    if kind == "Form":
        check_form_values(screen, here, component, out)
    if kind == "If":
        _check_if(screen, here, component, out)
    if kind == "Switch" and isinstance(component.get("cases"), dict):
        with_footer = [case for case, branch in component["cases"].items() if count(branch, "Footer")]
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


def _check_if(screen: Screen, here: tuple[Token, ...], component: dict[str, Any], out: list[Issue]) -> None:
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
    resolved = _bare_reference_type(screen, condition) if isinstance(condition, str) else None
    if isinstance(condition, str) and resolved is not None and resolved != "boolean":
        compared = condition.strip() + (" != ''" if resolved == "string" else " > 0")
        out.append(
            Issue(
                (*here, "condition"),
                f"If condition {condition!r} resolves to a {resolved}, not a boolean (components reference, "
                f'If: "should always be resolved into a boolean"); compare it, e.g. "{compared}".',
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
    then_footer = count(component.get("then"), "Footer")
    else_footer = count(component.get("else"), "Footer")
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


def _in_branch(here: tuple[Token, ...]) -> bool:
    return any(t in ("then", "else", "cases") for t in here if isinstance(t, str))


def _branch_kind(screen: Screen, here: tuple[Token, ...]) -> str:
    last = max(i for i, t in enumerate(here) if t in ("then", "else", "cases"))
    return "Switch" if here[last] == "cases" else "If"


def check_screen_mix(screen: Screen, version: tuple[int, int] | None, out: list[Issue]) -> None:
    """Components that must stand alone on their screen, or must not meet each other there."""
    leaves = [(kind, here) for kind, here, _, _ in screen.components if kind not in LAYOUT_KINDS]
    kinds = {kind for kind, _ in leaves}
    layout = (*screen.tokens, "layout", "children")
    if "RichText" in kinds:
        allowed = {"RichText"} | ({"Footer"} if not needs(version, RICHTEXT_WITH_FOOTER_FROM) else set())
        others = sorted(kinds - allowed)
        if others:
            footer_note = (
                " (a Footer may join it from Flow JSON 6.3)"
                if needs(version, RICHTEXT_WITH_FOOTER_FROM)
                else " (and a Footer)"
            )
            out.append(
                Issue(
                    layout,
                    f'RichText must be the only component on screen "{screen.id}"{footer_note}; found '
                    f"{', '.join(others)}. Move them to another screen.",
                    "component",
                )
            )
    if "NavigationList" in kinds and kinds - {"NavigationList"}:
        out.append(
            Issue(
                layout,
                f'NavigationList cannot be combined with other components on screen "{screen.id}" '
                f"(components reference); found {', '.join(sorted(kinds - {'NavigationList'}))}. "
                "Move them to "
                "another screen (use the list's label and description for text).",
                "component",
            )
        )
    if kinds >= MEDIA_PICKERS:
        out.append(
            Issue(
                layout,
                f'screen "{screen.id}" has both a PhotoPicker and a DocumentPicker: '
                '"Using both PhotoPicker and '
                'DocumentPicker components on a single screen is not allowed". Put them on separate screens.',
                "component",
            )
        )


def check_image_carousels(screens: list[Screen], out: list[Issue]) -> None:
    """At most 3 ImageCarousel in the whole flow (components reference)."""
    places = [here for s in screens for kind, here, _, _ in s.components if kind == "ImageCarousel"]
    if len(places) > MAX_IMAGE_CAROUSELS_PER_FLOW:
        out.append(
            Issue(
                places[MAX_IMAGE_CAROUSELS_PER_FLOW],
                f"the flow has {len(places)} ImageCarousel components; Meta allows at most "
                f"{MAX_IMAGE_CAROUSELS_PER_FLOW} per flow. "
                f"Remove {len(places) - MAX_IMAGE_CAROUSELS_PER_FLOW}.",
                "component",
            )
        )


def check_navigation_list(here: tuple[Token, ...], component: dict[str, Any], out: list[Issue]) -> None:
    """NavigationList items: where the click action lives, one badge, no ``end`` with large media."""
    items = component.get("list-items")
    if not isinstance(items, list):
        return
    on_list = "on-click-action" in component
    badges = 0
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        at = (*here, "list-items", index)
        if on_list and "on-click-action" in item:
            out.append(
                Issue(
                    (*at, "on-click-action"),
                    'NavigationList "on-click-action" cannot be set on the list and on its items at once; '
                    "keep one of them.",
                    "component",
                    at_key=True,
                )
            )
        elif not on_list and "on-click-action" not in item:
            out.append(
                Issue(
                    at,
                    'NavigationList item has no "on-click-action" and the list has none either: add one '
                    "(navigate or data_exchange) to the list or to every item.",
                    "component",
                )
            )
        badges += "badge" in item
        if badges > 1 and "badge" in item:
            out.append(
                Issue(
                    (*at, "badge"),
                    'only one item of a NavigationList may have a "badge"; remove this one.',
                    "component",
                    at_key=True,
                )
            )
        if "end" in item and component.get("media-size") == "large":
            out.append(
                Issue(
                    (*at, "end"),
                    'NavigationList item "end" cannot be used with "media-size": "large"; '
                    "remove one of them.",
                    "component",
                    at_key=True,
                )
            )


_BARE_REFERENCE = re.compile(r"\s*\$\{(data|form)\.([A-Za-z0-9_\-]+)\}\s*")
# What ${form.<name>} holds, by component type (components reference); only OptIn gives a boolean.
_FORM_VALUE_TYPE = {"OptIn": "boolean", "CheckboxGroup": "array", "ChipsSelector": "array"}


def _bare_reference_type(screen: Screen, condition: str) -> str | None:
    """The type of a condition that is one ``${data.x}`` / ``${form.x}`` alone, when it is known."""
    match = _BARE_REFERENCE.fullmatch(condition)
    if match is None:
        return None
    scope, name = match.groups()
    if scope == "data":
        spec = (screen.data or {}).get(name)
        declared = spec.get("type") if isinstance(spec, dict) else None
        return declared if isinstance(declared, str) else None
    kind = screen.kinds.get(name)
    return None if kind is None else _FORM_VALUE_TYPE.get(kind, "string")


def check_form_values(
    screen: Screen, here: tuple[Token, ...], form: dict[str, Any], out: list[Issue]
) -> None:
    """A Form's ``init-values`` / ``error-messages`` are keyed by the names of its inputs."""
    inputs = {
        name
        for name, places in screen.names.items()
        for place in places
        if place[: len(here)] == here and screen.kinds.get(name) not in MEDIA_PICKERS
    }
    for prop in ("init-values", "error-messages"):
        values = form.get(prop)
        if not isinstance(values, dict):
            continue
        for key in values:
            if key not in inputs:
                out.append(
                    Issue(
                        (*here, prop, key),
                        f'Form "{prop}" has "{key}", which is no input of this Form (components reference, '
                        f'Form: "{prop}" is keyed by the names of its components; a PhotoPicker or '
                        f"DocumentPicker takes none); inputs: {', '.join(sorted(inputs)) or 'none'}.",
                        "component",
                        at_key=True,
                    )
                )
