"""Meta's documented static rules, one case each: the rule as Meta words it, where, and both sides.

Each case starts from a valid flow, breaks exactly one documented rule and expects that rule's error
at a pointer with a real line and column; where the rule depends on the version, the same flow at
a version where the rule does not apply must pass (a version gate is checked from both sides).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from airflow_provider_cams.flowjson import validate_flow_json
from tests.provider.flowjson.conftest import base_flow, dump

COMPONENTS = "https://developers.facebook.com/docs/whatsapp/flows/reference/components"
MEDIA = "https://developers.facebook.com/docs/whatsapp/flows/reference/media_upload"
FLOWJSON = "https://developers.facebook.com/docs/whatsapp/flows/reference/flowjson"
CHANGELOG = "https://developers.facebook.com/docs/whatsapp/flows/changelogs"

Flow = dict[str, Any]
IMAGE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def welcome(flow: Flow) -> list[Any]:
    children: list[Any] = flow["screens"][0]["layout"]["children"]
    return children


def only(*components: dict[str, Any]) -> Callable[[Flow], None]:
    """WELCOME holds just these components, then a navigating Footer (if none given)."""

    def change(flow: Flow) -> None:
        footer = welcome(flow)[-1]
        footer["on-click-action"]["payload"] = {"greeting": "Hi"}
        kept = list(components)
        if not any(c["type"] in ("Footer", "NavigationList") for c in kept):
            kept.append(footer)
        flow["screens"][0]["layout"]["children"] = kept
        flow["screens"][1]["layout"]["children"][1]["on-click-action"]["payload"] = {}

    return change


def nav_item(item_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "main-content": {"title": f"Item {item_id}"},
        "on-click-action": {
            "name": "navigate",
            "next": {"type": "screen", "name": "DONE"},
            "payload": {"greeting": "Hi"},
        },
        **extra,
    }


def nav_list(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "NavigationList", "name": "menu", "list-items": list(items) or [nav_item("a")], **extra}


PHOTO = {"type": "PhotoPicker", "name": "photo", "label": "Your photo"}
DOCUMENT = {"type": "DocumentPicker", "name": "doc", "label": "Your file"}


@dataclass(frozen=True)
class Case:
    id: str
    quote: str  # Meta's words
    url: str
    change: Callable[[Flow], Any]
    rule: str
    pointer: str
    version: str = "7.3"
    allowed_at: str | None = None  # a version where the same flow is valid (the rule does not apply)


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Flow], None]:
    def change(flow: Flow) -> None:
        node = flow
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _both(*changes: Callable[[Flow], Any]) -> Callable[[Flow], None]:
    def change(flow: Flow) -> None:
        for one in changes:
            one(flow)

    return change


W0 = "/screens/0/layout/children"
CASES = [
    Case(
        "navigation-list-needs-6.2",
        "NavigationList: Supported starting with Flow JSON version 6.2",
        COMPONENTS,
        only(nav_list()),
        "version",
        f"{W0}/0/type",
        version="6.1",
        allowed_at="6.2",
    ),
    Case(
        "chips-selector-needs-6.3",
        "Chips Selector: Supported starting with Flow JSON version 6.3",
        COMPONENTS,
        only(
            {
                "type": "ChipsSelector",
                "name": "chips",
                "label": "Pick",
                "data-source": [{"id": "a", "title": "A"}],
            }
        ),
        "version",
        f"{W0}/0/type",
        version="6.2",
        allowed_at="6.3",
    ),
    Case(
        "image-carousel-needs-7.1",
        "ImageCarousel: Supported starting with Flow JSON version 7.1",
        COMPONENTS,
        only({"type": "ImageCarousel", "images": [{"src": IMAGE, "alt-text": "one"}]}),
        "version",
        f"{W0}/0/type",
        version="7.0",
        allowed_at="7.1",
    ),
    Case(
        "nested-expression-needs-6.0",
        "Nested expressions (backticks) are supported starting with Flow JSON version 6.0",
        CHANGELOG,
        _set(("screens", 0, "layout", "children", 0, "text"), "`'Hello ' ${form.full_name}`"),
        "version",
        f"{W0}/0/text",
        version="5.1",
        allowed_at="6.0",
    ),
    Case(
        "richtext-alone-until-6.2",
        "Until Flow JSON 6.2 RichText must be used as a standalone component; from 6.3 a Footer may join it",
        COMPONENTS,
        only({"type": "RichText", "text": "# Terms"}),
        "component",
        "/screens/0/layout/children",
        version="6.2",
        allowed_at="6.3",
    ),
    Case(
        "richtext-never-with-text",
        "RichText must be used as a standalone component (a Footer may join it from 6.3)",
        COMPONENTS,
        only({"type": "RichText", "text": "# Terms"}, {"type": "TextBody", "text": "More"}),
        "component",
        "/screens/0/layout/children",
    ),
    Case(
        "navigation-list-alone",
        "The NavigationList component cannot be used in combination with any other components in the screen",
        COMPONENTS,
        only({"type": "TextHeading", "text": "Menu"}, nav_list()),
        "component",
        "/screens/0/layout/children",
    ),
    Case(
        "navigation-list-max-20-items",
        "list-items: Min 1, Max 20 items",
        COMPONENTS,
        only(nav_list(*[nav_item(f"i{n}") for n in range(21)])),
        "component",
        f"{W0}/0/list-items",
    ),
    Case(
        "navigation-list-item-actions-walked",
        "on-click-action of a list item: navigate to a screen of the flow",
        COMPONENTS,
        only(
            nav_list(
                nav_item(
                    "a",
                    **{"on-click-action": {"name": "navigate", "next": {"type": "screen", "name": "NOPE"}}},
                )
            )
        ),
        "navigation",
        f"{W0}/0/list-items/0/on-click-action/next/name",
    ),
    Case(
        "navigation-list-one-badge",
        "Only one item can have a badge in a NavigationList",
        COMPONENTS,
        only(nav_list(nav_item("a", badge="New"), nav_item("b", badge="Hot"))),
        "component",
        f"{W0}/0/list-items/1/badge",
    ),
    Case(
        "navigation-list-unknown-property",
        "NavigationList properties: type, name, list-items, label, description, media-size, on-click-action",
        COMPONENTS,
        only(nav_list(required=True)),
        "unknown-property",
        f"{W0}/0/required",
    ),
    Case(
        "one-photo-picker-per-screen",
        "You can only have a maximum of 1 PhotoPicker per screen",
        MEDIA,
        only(PHOTO, {**PHOTO, "name": "photo2"}),
        "component",
        "/screens/0/layout/children",
    ),
    Case(
        "photo-and-document-picker",
        "Using both PhotoPicker and DocumentPicker components on a single screen is not allowed",
        MEDIA,
        only(PHOTO, DOCUMENT),
        "component",
        "/screens/0/layout/children",
    ),
    Case(
        "photo-min-greater-than-max",
        '"min-uploaded-photos" cannot be greater than "max-uploaded-photos"',
        MEDIA,
        only({**PHOTO, "min-uploaded-photos": 3, "max-uploaded-photos": 1}),
        "component",
        f"{W0}/0/min-uploaded-photos",
    ),
    Case(
        "photo-picker-unknown-property",
        "PhotoPicker properties: type, name, label, description, photo-source, max-file-size-kb, "
        "min-uploaded-photos, max-uploaded-photos, enabled, visible, error-message",
        MEDIA,
        only({**PHOTO, "required": True}),
        "unknown-property",
        f"{W0}/0/required",
    ),
    Case(
        "photo-in-navigate-payload",
        "PhotoPicker value is not allowed in a navigate action payload (use global dynamic referencing)",
        MEDIA,
        _both(
            only(
                PHOTO,
                {
                    "type": "Footer",
                    "label": "Next",
                    "on-click-action": {
                        "name": "navigate",
                        "next": {"type": "screen", "name": "DONE"},
                        "payload": {"greeting": "${form.photo}"},
                    },
                },
            )
        ),
        "navigation",
        f"{W0}/1/on-click-action/payload/greeting",
    ),
    Case(
        "media-top-level-in-complete-payload",
        "Media component values are only allowed as top-level properties of data_exchange/complete payloads",
        MEDIA,
        _both(
            _set(("screens", 1, "layout", "children", 0), PHOTO),
            _set(
                ("screens", 1, "layout", "children", 1, "on-click-action", "payload"),
                {"media": {"photo": "${form.photo}"}},
            ),
        ),
        "navigation",
        "/screens/1/layout/children/1/on-click-action/payload/media/photo",
    ),
    Case(
        "branch-holds-no-form",
        "If / Switch: the components a branch may hold (no Form, NavigationList, RichText or media picker)",
        COMPONENTS,
        only(
            {
                "type": "If",
                "condition": "${data.flag}",
                "then": [
                    {
                        "type": "Form",
                        "name": "f",
                        "children": [{"type": "TextInput", "name": "x", "label": "X"}],
                    }
                ],
            }
        ),
        "component",
        f"{W0}/0/then/0/type",
    ),
    Case(
        "navigate-payload-supplies-next-data",
        "navigate payload: the data the next screen's data model declares",
        FLOWJSON,
        _set(("screens", 0, "layout", "children", 3, "on-click-action", "payload"), {}),
        "navigation",
        f"{W0}/3/on-click-action/payload",
    ),
    Case(
        "init-value-outside-form-only",
        "init-value: Only available when component is outside Form component",
        COMPONENTS,
        only(
            {
                "type": "Form",
                "name": "f",
                "children": [{"type": "TextInput", "name": "x", "label": "X", "init-value": "a"}],
            }
        ),
        "component",
        f"{W0}/0/children/0/init-value",
    ),
    Case(
        "form-init-values-name-inputs",
        'Form init-values: "key is the name of a component of the Form"; PhotoPicker "init-values" '
        "should not contain a value",
        COMPONENTS,
        only(
            {
                "type": "Form",
                "name": "f",
                "init-values": {"x": "a", "nope": "b"},
                "children": [{"type": "TextInput", "name": "x", "label": "X"}],
            }
        ),
        "component",
        f"{W0}/0/init-values/nope",
    ),
    Case(
        "data-source-array-or-reference",
        'data-source: Array or dynamic "${data.data_source}"',
        COMPONENTS,
        _set(("screens", 0, "layout", "children", 2, "data-source"), "`${data.a} ${data.b}`"),
        "component",
        f"{W0}/2/data-source",
    ),
    Case(
        "no-nested-expression-in-name",
        "name: a plain string (nested expressions are not supported in name and type)",
        CHANGELOG,
        _set(("screens", 0, "layout", "children", 1, "name"), "`${data.n}`"),
        "component",
        f"{W0}/1/name",
    ),
    Case(
        "if-condition-boolean",
        'If condition: "Should always be resolved into a boolean"',
        COMPONENTS,
        _both(
            _set(("screens", 0, "data"), {"count": {"type": "number", "__example__": 1}}),
            only(
                {"type": "If", "condition": "${data.count}", "then": [{"type": "TextBody", "text": "Some"}]}
            ),
        ),
        "component",
        f"{W0}/0/condition",
    ),
    Case(
        "inputs-in-form-before-4.0",
        "Before Flow JSON 4.0 every input component must be inside a Form",
        COMPONENTS,
        lambda flow: None,
        "component",
        f"{W0}/1",
        version="3.1",
        allowed_at="4.0",
    ),
    Case(
        "option-actions-need-6.0",
        "data-source options: on-select-action / on-unselect-action, supported starting with 6.0",
        COMPONENTS,
        _set(
            ("screens", 0, "layout", "children", 2, "data-source", 0, "on-select-action"),
            {"name": "data_exchange", "payload": {}},
        ),
        "version",
        f"{W0}/2/data-source/0/on-select-action",
        version="5.1",
    ),
    Case(
        "optin-update-data-needs-6.0",
        "OptIn on-select-action / on-unselect-action: update_data, supported starting with 6.0",
        COMPONENTS,
        only(
            {
                "type": "OptIn",
                "name": "ok",
                "label": "Yes",
                "on-select-action": {"name": "update_data", "payload": {"shown": True}},
            }
        ),
        "version",
        f"{W0}/0/on-select-action/name",
        version="5.1",
        allowed_at="6.0",
    ),
]


def _build(case: Case, version: str) -> str:
    flow = base_flow()
    case.change(flow)
    flow["version"] = version
    return dump(flow)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_rule_is_reported_where_it_is_broken(case: Case) -> None:
    assert case.quote and case.url.startswith("https://developers.facebook.com/docs/whatsapp/flows/")
    errors = [e for e in validate_flow_json(_build(case, case.version)) if "frozen" not in e.message]
    found = [e for e in errors if e.rule == case.rule and e.pointer == case.pointer]
    assert found, f"{case.quote} ({case.url}): no {case.rule} at {case.pointer}; got\n" + "\n".join(
        e.format() for e in errors
    )
    assert found[0].line > 0 and found[0].column > 0


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.allowed_at], ids=[c.id for c in CASES if c.allowed_at]
)
def test_the_rule_does_not_apply_where_meta_allows_it(case: Case) -> None:
    assert case.allowed_at is not None
    errors = [e for e in validate_flow_json(_build(case, case.allowed_at)) if "frozen" not in e.message]
    assert errors == [], "\n".join(e.format() for e in errors)


def test_optin_update_data_is_valid_since_6_0() -> None:
    """The false positive of issue 16: OptIn on-select-action / on-unselect-action with update_data."""
    flow = base_flow()
    welcome(flow).insert(
        1,
        {
            "type": "OptIn",
            "name": "ok",
            "label": "Yes",
            "on-select-action": {"name": "update_data", "payload": {"shown": True}},
            "on-unselect-action": {"name": "update_data", "payload": {"shown": False}},
        },
    )
    flow["screens"][0]["data"] = {"shown": {"type": "boolean", "__example__": False}}
    assert validate_flow_json(dump(flow)) == []


def test_data_channel_uri_is_accepted_before_3_0_and_refused_after() -> None:
    flow = base_flow()
    flow["data_channel_uri"] = "https://example.com/flow"
    flow["version"] = "2.1"
    old = [e for e in validate_flow_json(dump(flow)) if e.pointer == "/data_channel_uri"]
    assert old == []
    flow["version"] = "7.3"
    new = [e for e in validate_flow_json(dump(flow)) if e.pointer == "/data_channel_uri"]
    assert [e.rule for e in new] == ["unknown-property"] and "replaced it in 3.0" in new[0].message


def test_group_label_is_optional_before_4_0_and_required_from_4_0() -> None:
    flow = base_flow()
    del welcome(flow)[2]["label"]
    flow["version"] = "3.1"
    assert [e for e in validate_flow_json(dump(flow)) if "label" in e.message] == []
    flow["version"] = "4.0"
    required = [e for e in validate_flow_json(dump(flow)) if e.rule == "required"]
    assert [e.pointer for e in required] == [f"{W0}/2"] and "required since Flow JSON 4.0" in required[
        0
    ].message


def test_messages_on_an_old_flow_do_not_advise_what_its_version_lacks() -> None:
    """On a 3.1 flow the Form advice must not say "drop the Form" (optional only since 4.0)."""
    flow = base_flow()
    flow["version"] = "3.1"
    messages = [e.message for e in validate_flow_json(dump(flow)) if e.rule == "component"]
    assert messages and all("drop the Form" not in m and "Before Flow JSON 4.0" in m for m in messages)


def test_action_advice_leaves_out_actions_the_version_lacks() -> None:
    """open_url and update_data exist from 6.0: a 5.1 flow is not told to use them."""
    flow = base_flow()
    welcome(flow).insert(0, {"type": "EmbeddedLink", "text": "More", "on-click-action": {"name": "complete"}})
    footer = welcome(flow)[-1]["on-click-action"]
    footer["next"]["name"] = "WELCOME"
    for version, advised in (("5.1", False), ("6.0", True)):
        flow["version"] = version
        messages = [e.message for e in validate_flow_json(dump(flow))]
        enum = next(m for m in messages if "is not allowed here" in m)
        itself = next(m for m in messages if "to itself" in m)
        assert ('"open_url"' in enum) is advised and ("update_data" in itself) is advised
