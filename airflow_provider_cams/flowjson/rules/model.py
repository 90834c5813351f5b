"""One screen as the rules see it: its components, input names, actions and dynamic references."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from airflow_provider_cams.flowjson.issues import Issue, Token

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

MEDIA_PICKERS = frozenset({"PhotoPicker", "DocumentPicker"})

RESERVED_SCREEN_ID = "SUCCESS"


@dataclass
class Screen:
    """A screen's parts, collected in one walk: each rule module reads them, none walks again."""

    index: int
    id: str
    raw: dict[str, Any]
    terminal: bool
    data: dict[str, Any] | None
    names: dict[str, list[tuple[Token, ...]]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # input name -> its component type
    components: list[tuple[str, tuple[Token, ...], dict[str, Any], bool]] = field(default_factory=list)
    actions: list[tuple[dict[str, Any], tuple[Token, ...], str]] = field(default_factory=list)
    references: list[tuple[str, tuple[Token, ...]]] = field(default_factory=list)

    @property
    def tokens(self) -> tuple[Token, ...]:
        return ("screens", self.index)


def collect_screens(flow: dict[str, Any], out: list[Issue]) -> list[Screen]:
    raw_screens = flow.get("screens")
    if not isinstance(raw_screens, list):
        return []
    screens: list[Screen] = []
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
        screen = Screen(index, screen_id, raw, raw.get("terminal") is True, data)
        layout = raw.get("layout")
        if isinstance(layout, dict) and isinstance(layout.get("children"), list):
            _walk(layout["children"], (*screen.tokens, "layout", "children"), screen, 0, False)
        if isinstance(raw.get("title"), str) and "${" in raw["title"]:
            screen.references.append((raw["title"], (*screen.tokens, "title")))
        screens.append(screen)
    return screens


def _walk(
    children: list[Any], tokens: tuple[Token, ...], screen: Screen, if_depth: int, in_form: bool
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
            screen.kinds.setdefault(name, kind)
        for key, value in component.items():
            if key in ("children", "then", "else") and isinstance(value, list):
                nested_if = if_depth + 1 if kind == "If" else if_depth
                _walk(value, (*here, key), screen, nested_if, in_form or kind == "Form")
            elif key == "cases" and isinstance(value, dict):
                for case, branch in value.items():
                    if isinstance(branch, list):
                        _walk(branch, (*here, key, case), screen, if_depth, in_form)
            else:
                _collect_values(key, value, (*here, key), screen, kind)


def is_action_key(key: Any) -> bool:
    """``on-click-action``, ``on-select-action``...: the keys whose value is an action."""
    return isinstance(key, str) and key.startswith("on-") and key.endswith("-action")


def _collect_values(key: Token, value: Any, tokens: tuple[Token, ...], screen: Screen, kind: str) -> None:
    """References in a component's value, and the actions in it at any depth (list items, options)."""
    if isinstance(value, str):
        if "${" in value:
            screen.references.append((value, tokens))
    elif isinstance(value, dict):
        if is_action_key(key):
            screen.actions.append((value, tokens, kind))
        for sub, item in value.items():
            _collect_values(sub, item, (*tokens, sub), screen, kind)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _collect_values(index, item, (*tokens, index), screen, kind)


def count(children: Any, kind: str) -> int:
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
            total += max(count(component.get("then"), kind), count(component.get("else"), kind))
        elif ctype == "Switch" and isinstance(component.get("cases"), dict):
            total += max((count(b, kind) for b in component["cases"].values()), default=0)
        elif ctype == "Form":
            total += count(component.get("children"), kind)
    return total
