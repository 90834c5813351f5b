"""Flow JSON written by other people (``corpus/``, see its SOURCES.md), and one-rule breaks of it.

Valid files must pass untouched; frozen-version files must get the version error and nothing else;
files with a documented violation must get exactly that. Each valid file is then broken one
documented rule at a time; every break must be reported with its pointer, line and column.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_cams.flowjson import validate_flow_json

CORPUS = Path(__file__).parent / "corpus"
INDEX: list[dict[str, Any]] = json.loads((CORPUS / "SOURCES.json").read_text())
FLOWJSON = "https://developers.facebook.com/docs/whatsapp/flows/reference/flowjson"
COMPONENTS = "https://developers.facebook.com/docs/whatsapp/flows/reference/components"
Flow = dict[str, Any]


def _text(entry: dict[str, Any]) -> str:
    return (CORPUS / entry["file"]).read_text(encoding="utf-8")


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["file"] for e in entries]


def test_every_file_is_indexed_with_its_source_and_license() -> None:
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.json") if p.name != "SOURCES.json"}
    assert on_disk == {e["file"] for e in INDEX}
    for entry in INDEX:
        assert (
            entry["repository"] and entry["path"] and len(entry["commit"]) == 40 and entry["license"] == "MIT"
        )
        assert entry["expect"] in ("valid", "frozen", "invalid")


VALID = [e for e in INDEX if e["expect"] == "valid"]
FROZEN = [e for e in INDEX if e["expect"] == "frozen"]
INVALID = [e for e in INDEX if e["expect"] == "invalid"]


@pytest.mark.parametrize("entry", VALID, ids=_ids(VALID))
def test_valid_real_flow_passes(entry: dict[str, Any]) -> None:
    errors = validate_flow_json(_text(entry))
    assert errors == [], "\n".join(e.format(entry["file"]) for e in errors)


@pytest.mark.parametrize("entry", FROZEN, ids=_ids(FROZEN))
def test_frozen_real_flow_gets_only_the_version_error(entry: dict[str, Any]) -> None:
    errors = validate_flow_json(_text(entry))
    assert [(e.rule, e.pointer) for e in errors] == [("version", "/version")], "\n".join(
        e.format() for e in errors
    )
    assert "frozen" in errors[0].message


@pytest.mark.parametrize("entry", INVALID, ids=_ids(INVALID))
def test_real_flow_with_a_documented_violation_is_rejected(entry: dict[str, Any]) -> None:
    errors = validate_flow_json(_text(entry))
    found = [{"rule": e.rule, "pointer": e.pointer} for e in errors if "frozen" not in e.message]
    assert found == entry["violations"]
    assert all(e.line > 0 and e.column > 0 for e in errors)


@dataclass(frozen=True)
class Mutation:
    """One documented rule, and how to break it in a flow (None: the flow has nothing to break)."""

    name: str
    quote: str
    url: str
    rule: str
    apply: Callable[[Flow], tuple[Any, ...] | None]  # returns the pointer tokens of the break


def _components(flow: Flow) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    def walk(children: Any, at: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
        for index, component in enumerate(children if isinstance(children, list) else []):
            here = (*at, index)
            yield here, component
            for key in ("children", "then", "else"):
                yield from walk(component.get(key), (*here, key))
            for case, branch in (component.get("cases") or {}).items():
                yield from walk(branch, (*here, "cases", case))

    for s, screen in enumerate(flow["screens"]):
        yield from walk(screen["layout"]["children"], ("screens", s, "layout", "children"))


def _first(flow: Flow, kind: str) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    return next(((at, c) for at, c in _components(flow) if c.get("type") == kind), None)


def _drop_version(flow: Flow) -> tuple[Any, ...]:
    del flow["version"]
    return ()


def _bad_screen_id(flow: Flow) -> tuple[Any, ...]:
    flow["screens"][0]["id"] = "screen 1"
    return ("screens", 0, "id")


def _unknown_property(flow: Flow) -> tuple[Any, ...]:
    at, component = next(_components(flow))
    component["colour"] = "red"
    return (*at, "colour")


def _no_terminal(flow: Flow) -> tuple[Any, ...]:
    for screen in flow["screens"]:
        screen.pop("terminal", None)
        screen.pop("success", None)
    return ("screens",)


def _long_footer_label(flow: Flow) -> tuple[Any, ...] | None:
    found = _first(flow, "Footer")
    if found is None or not isinstance(found[1].get("label"), str) or "${" in found[1]["label"]:
        return None
    found[1]["label"] = "L" * 36
    return (*found[0], "label")


def _missing_screen(flow: Flow) -> tuple[Any, ...] | None:
    for at, component in _components(flow):
        action = component.get("on-click-action")
        if isinstance(action, dict) and action.get("name") == "navigate":
            action["next"]["name"] = "NO_SUCH_SCREEN"
            return (*at, "on-click-action", "next", "name")
    return None


def _undeclared_data(flow: Flow) -> tuple[Any, ...] | None:
    found = _first(flow, "TextBody") or _first(flow, "TextHeading")
    if found is None:
        return None
    found[1]["text"] = "${data.never_declared}"
    return (*found[0], "text")


def _duplicate_screen(flow: Flow) -> tuple[Any, ...]:
    flow["screens"].append(copy.deepcopy(flow["screens"][0]))
    return ("screens", len(flow["screens"]) - 1, "id")


def _second_footer(flow: Flow) -> tuple[Any, ...] | None:
    found = _first(flow, "Footer")
    if found is None or "cases" in found[0] or "then" in found[0] or "else" in found[0]:
        return None
    parent = flow
    for token in found[0][:-1]:
        parent = parent[token]
    parent.append(copy.deepcopy(found[1]))  # type: ignore[attr-defined]
    return found[0][:-1]


def _old_version(flow: Flow) -> tuple[Any, ...] | None:
    """Below the file's newest feature: 7.1 ImageCarousel, 6.3 ChipsSelector, 6.2 NavigationList..."""
    for kind, older in (
        ("ImageCarousel", "7.0"),
        ("ChipsSelector", "6.2"),
        ("NavigationList", "6.1"),
        ("CalendarPicker", "6.0"),
        ("RichText", "5.0"),
    ):
        found = _first(flow, kind)
        if found is not None:
            flow["version"] = older
            return (*found[0], "type")
    return None


MUTATIONS = [
    Mutation("no-version", '"version" (required)', FLOWJSON, "required", _drop_version),
    Mutation(
        "screen-id", "Screen ID allows only alphabets and underscores", FLOWJSON, "screen-id", _bad_screen_id
    ),
    Mutation(
        "unknown-property",
        "components accept only the properties their table lists",
        COMPONENTS,
        "unknown-property",
        _unknown_property,
    ),
    Mutation(
        "no-terminal",
        "MISSING_TERMINAL_SCREEN: a flow needs a terminal screen",
        FLOWJSON,
        "terminal-screen",
        _no_terminal,
    ),
    Mutation("footer-label", "Footer label: max 35 characters", COMPONENTS, "component", _long_footer_label),
    Mutation(
        "navigate-missing",
        "navigate next.name: a screen of the flow",
        FLOWJSON,
        "navigation",
        _missing_screen,
    ),
    Mutation(
        "undeclared-data",
        "Missing dynamic data in the data model",
        FLOWJSON,
        "dynamic-data",
        _undeclared_data,
    ),
    Mutation("duplicate-screen", "DUPLICATE_SCREEN_IDS", FLOWJSON, "screen-id", _duplicate_screen),
    Mutation("two-footers", "MAX_FOOTERS_PER_SCREEN: at most 1 Footer", COMPONENTS, "footer", _second_footer),
    Mutation(
        "version-gate",
        "each component: Supported starting with Flow JSON version X",
        COMPONENTS,
        "version",
        _old_version,
    ),
]


def _pointer(tokens: tuple[Any, ...]) -> str:
    return "".join(f"/{t}" for t in tokens)


def _related(reported: str, broken: str) -> bool:
    """The error is at the broken place, on its way down to it, or inside it (never just "/")."""
    if reported == broken:
        return True
    return bool(reported) and (broken.startswith(reported + "/") or reported.startswith(broken + "/"))


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_one_rule_mutations_of_valid_real_flows_are_reported(mutation: Mutation) -> None:
    applied = missed = 0
    for entry in VALID:
        flow = json.loads(_text(entry))
        at = mutation.apply(flow)
        if at is None:
            continue
        applied += 1
        errors = validate_flow_json(json.dumps(flow, indent=2))
        hits = [e for e in errors if e.rule == mutation.rule and _related(e.pointer, _pointer(at))]
        if not hits or not all(h.line > 0 and h.column > 0 for h in hits):
            missed += 1
            print(f"{entry['file']}: {mutation.quote} ({mutation.url}) not reported at {_pointer(at)}:")
            print("\n".join(e.format() for e in errors))
    assert applied, f"{mutation.name} applies to no valid corpus file"
    assert missed == 0
