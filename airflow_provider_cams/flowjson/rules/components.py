"""Screens and components: per-screen limits, Forms, inputs, If/Switch branches."""

from __future__ import annotations

from typing import Any

from airflow_provider_cams.flowjson.issues import Issue, Token
from airflow_provider_cams.flowjson.rules.model import INTERACTIVE, Screen, count
from airflow_provider_cams.flowjson.rules.version_gates import MIN_VERSION
from airflow_provider_cams.flowjson.versions import RECOMMENDED_VERSION, version_key

MAX_COMPONENTS_PER_SCREEN = 50  # components reference: "The maximum number of components per screen is 50"


MAX_IF_NESTING = 3  # components reference, If: "It is allowed to nest up to 3 "If" components"
# Error codes page, MAX_*_PER_SCREEN; the components reference says the same for each component.


MAX_PER_SCREEN = {"Footer": 1, "EmbeddedLink": 2, "Image": 3, "OptIn": 5}


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
