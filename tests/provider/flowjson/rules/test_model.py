"""One screen as the rules see it (flowjson/rules/model.py): what one walk collects, screen ids, count()."""

from __future__ import annotations

from airflow_provider_cams.flowjson.issues import Issue
from airflow_provider_cams.flowjson.rules.model import collect_screens, count, is_action_key
from tests.provider.flowjson.conftest import base_flow
from tests.provider.flowjson.rules.conftest import rules_and_pointers, screens_of


def test_one_walk_collects_inputs_actions_and_references() -> None:
    (welcome, done), _ = screens_of(base_flow())
    assert (welcome.id, welcome.terminal, done.terminal) == ("WELCOME", False, True)
    assert welcome.kinds == {"full_name": "TextInput", "plan": "RadioButtonsGroup"}
    assert welcome.names["full_name"] == [("screens", 0, "layout", "children", 1, "name")]
    assert [(a["name"], kind) for a, _, kind in welcome.actions] == [("navigate", "Footer")]
    assert [text for text, _ in done.references] == ["${data.greeting}", "${screen.WELCOME.form.full_name}"]
    assert done.data == {"greeting": {"type": "string", "__example__": "Hi"}}


def test_components_inside_a_form_and_an_if_are_collected_and_marked() -> None:
    flow = base_flow()
    children = flow["screens"][0]["layout"]["children"]
    children[1] = {
        "type": "Form",
        "name": "f",
        "children": [{"type": "If", "condition": "true", "then": [children[1]], "else": []}],
    }
    (welcome, _), _ = screens_of(flow)
    in_form = {kind: inside for kind, _, _, inside in welcome.components}
    assert in_form["TextInput"] is True and in_form["Footer"] is False
    assert welcome.names["full_name"] == [
        ("screens", 0, "layout", "children", 1, "children", 0, "then", 0, "name")
    ]


def test_duplicate_and_reserved_screen_ids_are_reported_once_each() -> None:
    flow = base_flow()
    flow["screens"].append(dict(flow["screens"][0]))
    flow["screens"][1]["id"] = "success"
    out: list[Issue] = []
    screens = collect_screens(flow, out)
    assert rules_and_pointers(out) == [("screen-id", "/screens/1/id"), ("screen-id", "/screens/2/id")]
    assert "reserved" in out[0].message and "duplicate" not in out[0].message
    assert [s.id for s in screens] == ["WELCOME", "success"]  # the duplicate is left out


def test_screens_that_are_not_objects_or_lack_an_id_are_skipped() -> None:
    out: list[Issue] = []
    assert collect_screens({"screens": "x"}, out) == []
    assert [s.index for s in collect_screens({"screens": [1, {"id": 2}, {"id": "A"}]}, out)] == [2]
    assert out == []


def test_action_keys() -> None:
    assert is_action_key("on-click-action") and is_action_key("on-unselect-action")
    assert not is_action_key("on-click") and not is_action_key("action") and not is_action_key(3)


def test_count_takes_the_larger_branch_and_looks_into_forms() -> None:
    image = {"type": "Image", "src": "x"}
    children = [
        image,
        {"type": "If", "condition": "true", "then": [image, image], "else": [image]},
        {"type": "Switch", "value": "x", "cases": {"a": [image], "b": [image, image, image]}},
        {"type": "Form", "name": "f", "children": [image]},
        "not a component",
    ]
    assert count(children, "Image") == 1 + 2 + 3 + 1
    assert count("nope", "Image") == 0
