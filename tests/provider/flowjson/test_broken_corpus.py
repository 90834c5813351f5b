"""A corpus of broken flows: each must report the expected rule, pointer, line and column.

Every case breaks one thing in a valid flow; the expected position is found in the dumped text by
plain string search (``anchors``: each needle searched after the previous one), not by the
validator's own position index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_cams.flowjson import validate_flow_json
from airflow_provider_cams.flowjson.schema import fast_check, validator
from tests.provider.flowjson.conftest import base_flow, dump, endpoint_flow, find, line_col

Flow = dict[str, Any]
W = ("screens", 0)  # WELCOME
D = ("screens", 1)  # DONE


def children(flow: Flow, screen: int) -> list[Any]:
    result: list[Any] = flow["screens"][screen]["layout"]["children"]
    return result


def footer(flow: Flow, screen: int) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in children(flow, screen) if c["type"] == "Footer")
    return found


def edit(build: Callable[[], Flow], change: Callable[[Flow], Any]) -> Callable[[], Flow]:
    def make() -> Flow:
        flow = build()
        change(flow)
        return flow

    return make


def base(change: Callable[[Flow], Any]) -> Callable[[], Flow]:
    return edit(base_flow, change)


def endpoint(change: Callable[[Flow], Any]) -> Callable[[], Flow]:
    return edit(endpoint_flow, change)


def rename_done(flow: Flow, new: str) -> None:
    flow["screens"][1]["id"] = new
    footer(flow, 0)["on-click-action"]["next"]["name"] = new


def add_screen(flow: Flow, screen_id: str, terminal: bool = True) -> None:
    flow["screens"].append(
        {
            "id": screen_id,
            "terminal": terminal,
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {"type": "Footer", "label": "End", "on-click-action": {"name": "complete", "payload": {}}}
                ],
            },
        }
    )


# (id, build, rule, pointer, anchors): anchors=() means the start of the document.
CASES: list[tuple[str, Callable[[], Flow], str, str, tuple[str, ...]]] = [
    ("missing-version", base(lambda f: f.pop("version")), "required", "", ()),
    ("missing-screens", base(lambda f: f.pop("screens")), "required", "", ()),
    (
        "unknown-top-level",
        base(lambda f: f.update(colour="red")),
        "unknown-property",
        "/colour",
        ('"colour"',),
    ),
    ("frozen-version", base(lambda f: f.update(version="5.0")), "version", "/version", ('"5.0"',)),
    ("unknown-version", base(lambda f: f.update(version="8.0")), "version", "/version", ('"8.0"',)),
    ("numeric-version", base(lambda f: f.update(version=7.3)), "version", "/version", ('"version": ', "7.3")),
    (
        "bad-data-api-version",
        endpoint(lambda f: f.update(data_api_version="2.0")),
        "data-api-version",
        "/data_api_version",
        ('"2.0"',),
    ),
    ("endpoint-without-routing", endpoint(lambda f: f.pop("routing_model")), "routing-model", "", ()),
    (
        "data-channel-uri",
        base(lambda f: f.update(data_channel_uri="https://x.example")),
        "unknown-property",
        "/data_channel_uri",
        ('"data_channel_uri"',),
    ),
    ("no-screens", base(lambda f: f.update(screens=[])), "screens", "/screens", ('"screens": ', "[")),
    (
        "screen-id-digit",
        base(lambda f: f["screens"][0].update(id="WELCOME1")),
        "screen-id",
        "/screens/0/id",
        ('"WELCOME1"',),
    ),
    (
        "screen-id-reserved",
        base(lambda f: rename_done(f, "SUCCESS")),
        "screen-id",
        "/screens/1/id",
        ('"id": "SUCCESS"', '"SUCCESS"'),
    ),
    (
        "duplicate-screen-id",
        base(lambda f: add_screen(f, "DONE")),
        "screen-id",
        "/screens/2/id",
        ('"id": "DONE"', '"id": "DONE"', '"DONE"'),
    ),
    (
        "screen-without-layout",
        base(lambda f: f["screens"][0].pop("layout")),
        "required",
        "/screens/0",
        ("{", "{"),
    ),
    (
        "layout-type",
        base(lambda f: f["screens"][0]["layout"].update(type="TwoColumnLayout")),
        "layout",
        "/screens/0/layout/type",
        ('"TwoColumnLayout"',),
    ),
    (
        "unknown-component",
        base(lambda f: children(f, 0)[0].update(type="TextHeadline")),
        "component",
        "/screens/0/layout/children/0/type",
        ('"TextHeadline"',),
    ),
    (
        "heading-too-long",
        base(lambda f: children(f, 0)[0].update(text="H" * 81)),
        "component",
        "/screens/0/layout/children/0/text",
        ('"HHH',),
    ),
    (
        "heading-empty",
        base(lambda f: children(f, 0)[0].update(text="")),
        "component",
        "/screens/0/layout/children/0/text",
        ('"text": ', '""'),
    ),
    (
        "textinput-without-label",
        base(lambda f: children(f, 0)[1].pop("label")),
        "required",
        "/screens/0/layout/children/1",
        ('"type": "TextHeading"', "{"),
    ),
    (
        "textinput-label-too-long",
        base(lambda f: children(f, 0)[1].update(label="Your complete legal name")),
        "component",
        "/screens/0/layout/children/1/label",
        ('"Your complete legal name"',),
    ),
    (
        "footer-label-too-long",
        base(lambda f: footer(f, 0).update(label="C" * 36)),
        "component",
        "/screens/0/layout/children/3/label",
        ('"CCC',),
    ),
    (
        "footer-without-action",
        base(lambda f: footer(f, 0).pop("on-click-action")),
        "required",
        "/screens/0/layout/children/3",
        ('"type": "Footer"', "<{"),
    ),
    (
        "two-footers",
        base(lambda f: children(f, 0).append(dict(footer(f, 0), label="Again"))),
        "footer",
        "/screens/0/layout/children",
        ('"children": ', "["),
    ),
    (
        "terminal-without-footer",
        base(lambda f: children(f, 1).pop()),
        "terminal-screen",
        "/screens/1/layout/children",
        ('"id": "DONE"', '"children": ', "["),
    ),
    (
        "no-terminal-screen",
        base(lambda f: f["screens"][1].pop("terminal")),
        "terminal-screen",
        "/screens",
        ('"screens": ', "["),
    ),
    (
        "success-on-non-terminal",
        base(lambda f: f["screens"][0].update(success=True)),
        "terminal-screen",
        "/screens/0/success",
        ('"success"',),
    ),
    (
        "complete-on-non-terminal",
        base(lambda f: footer(f, 0).update({"on-click-action": {"name": "complete", "payload": {}}})),
        "terminal-screen",
        "/screens/0/layout/children/3/on-click-action/name",
        ('"complete"',),
    ),
    (
        "navigate-unknown-screen",
        base(lambda f: footer(f, 0)["on-click-action"]["next"].update(name="NOWHERE")),
        "navigation",
        "/screens/0/layout/children/3/on-click-action/next/name",
        ('"NOWHERE"',),
    ),
    (
        "navigate-to-self",
        base(lambda f: footer(f, 0)["on-click-action"]["next"].update(name="WELCOME")),
        "navigation",
        "/screens/0/layout/children/3/on-click-action/next/name",
        ('"next"', '"WELCOME"'),
    ),
    (
        "data-exchange-without-endpoint",
        base(lambda f: footer(f, 1)["on-click-action"].update(name="data_exchange")),
        "endpoint",
        "/screens/1/layout/children/1/on-click-action/name",
        ('"data_exchange"',),
    ),
    (
        "open-url-on-footer",
        base(
            lambda f: footer(f, 1).update(
                {"on-click-action": {"name": "open_url", "url": "https://x.example"}}
            )
        ),
        "action",
        "/screens/1/layout/children/1/on-click-action/name",
        ('"open_url"',),
    ),
    (
        "refresh-on-back-without-endpoint",
        base(lambda f: f["screens"][1].update(refresh_on_back=True)),
        "endpoint",
        "/screens/1/refresh_on_back",
        ('"refresh_on_back": ', "true"),
    ),
    (
        "duplicate-name",
        base(lambda f: children(f, 0)[2].update(name="full_name")),
        "name",
        "/screens/0/layout/children/2/name",
        ('"full_name"', '"full_name"'),
    ),
    (
        "option-without-title",
        base(lambda f: children(f, 0)[2]["data-source"][1].pop("title")),
        "required",
        "/screens/0/layout/children/2/data-source/1",
        ('"id": "pro"', "<{"),
    ),
    (
        "too-many-radio-options",
        base(
            lambda f: children(f, 0)[2].update(
                {"data-source": [{"id": f"o{i}", "title": "T"} for i in range(21)]}
            )
        ),
        "component",
        "/screens/0/layout/children/2/data-source",
        ('"data-source": ', "["),
    ),
    (
        "empty-data-source",
        base(lambda f: children(f, 0)[2].update({"data-source": []})),
        "component",
        "/screens/0/layout/children/2/data-source",
        ('"data-source": ', "[]"),
    ),
    (
        "missing-data-reference",
        base(lambda f: children(f, 1)[0].update(text="${data.missing}")),
        "dynamic-data",
        "/screens/1/layout/children/0/text",
        ('"${data.missing}"',),
    ),
    (
        "missing-form-reference",
        base(lambda f: footer(f, 0)["on-click-action"].update(payload={"x": "${form.nope}"})),
        "dynamic-data",
        "/screens/0/layout/children/3/on-click-action/payload/x",
        ('"${form.nope}"',),
    ),
    (
        "left-caption-alone",
        base(lambda f: footer(f, 1).update({"left-caption": "Left"})),
        "component",
        "/screens/1/layout/children/1",
        ('"label": "Finish"', "<{"),
    ),
    (
        "center-and-side-captions",
        base(
            lambda f: footer(f, 1).update({"left-caption": "L", "right-caption": "R", "center-caption": "C"})
        ),
        "component",
        "/screens/1/layout/children/1",
        ('"label": "Finish"', "<{"),
    ),
    (
        "if-without-dynamic-condition",
        base(
            lambda f: children(f, 0).insert(
                0, {"type": "If", "condition": "1 == 1", "then": [{"type": "TextBody", "text": "x"}]}
            )
        ),
        "component",
        "/screens/0/layout/children/0/condition",
        ('"1 == 1"',),
    ),
    (
        "if-footer-without-else",
        base(
            lambda f: children(f, 1).__setitem__(
                1, {"type": "If", "condition": "${data.greeting} == 'Hi'", "then": [footer(f, 1)]}
            )
        ),
        "footer",
        "/screens/1/layout/children/1",
        ('"type": "If"', "<{"),
    ),
    (
        "switch-empty-cases",
        base(
            lambda f: children(f, 1).insert(0, {"type": "Switch", "value": "${data.greeting}", "cases": {}})
        ),
        "component",
        "/screens/1/layout/children/0/cases",
        ('"cases": ', "{}"),
    ),
    (
        "data-field-without-example",
        base(lambda f: f["screens"][1]["data"]["greeting"].pop("__example__")),
        "data-model",
        "/screens/1/data/greeting",
        ('"data": ', '"greeting": ', "{"),
    ),
    (
        "routing-unknown-screen",
        endpoint(lambda f: f["routing_model"].update(ELSEWHERE=[])),
        "routing-model",
        "/routing_model/ELSEWHERE",
        ('"ELSEWHERE"',),
    ),
    (
        "routing-backward-route",
        endpoint(lambda f: f["routing_model"].update(DONE=["WELCOME"])),
        "routing-model",
        "/routing_model/DONE",
        ('"routing_model"', '"DONE": ', "["),
    ),
    (
        "routing-too-many-branches",
        endpoint(
            lambda f: (
                [add_screen(f, f"END_{chr(65 + i)}") for i in range(10)]
                and f["routing_model"].update(WELCOME=["DONE", *[f"END_{chr(65 + i)}" for i in range(10)]])
            )
        ),
        "routing-model",
        "/routing_model/WELCOME",
        ('"routing_model"', '"WELCOME": ', "["),
    ),
    (
        "routing-screen-missing",
        endpoint(lambda f: add_screen(f, "EXTRA")),
        "routing-model",
        "/routing_model",
        ('"routing_model": ', "{"),
    ),
    (
        "navigate-not-in-routing-model",
        endpoint(lambda f: f["routing_model"].update(WELCOME=[], DONE=[])),
        "routing-model",
        "/routing_model/WELCOME",
        ('"routing_model"', '"WELCOME": ', "["),
    ),
    (
        "navigate-payload-not-in-data-model",
        base(lambda f: footer(f, 0)["on-click-action"].update(payload={"plan": "${form.plan}"})),
        "navigation",
        "/screens/0/layout/children/3/on-click-action/payload",
        ('"payload": ', "{"),
    ),
    (
        "visible-not-boolean",
        base(lambda f: children(f, 0)[0].update(visible="yes")),
        "component",
        "/screens/0/layout/children/0/visible",
        ('"yes"',),
    ),
    (
        "too-many-optins",
        base(
            lambda f: (
                children(f, 1)[:0].extend([])
                or children(f, 1).__setitem__(
                    slice(0, 0),
                    [{"type": "OptIn", "name": f"opt_{chr(97 + i)}", "label": "OK"} for i in range(6)],
                )
            )
        ),
        "component",
        "/screens/1/layout/children",
        ('"id": "DONE"', '"children": ', "["),
    ),
    (
        "disconnected-screen",
        base(lambda f: add_screen(f, "ORPHAN")),
        "routing-model",
        "/screens/2/id",
        ('"ORPHAN"',),
    ),
    (
        "no-successful-terminal",
        base(lambda f: f["screens"][1].update(success=False)),
        "terminal-screen",
        "/screens/1/success",
        ('"success": ', "false"),
    ),
    (
        "min-greater-than-max",
        base(lambda f: children(f, 0)[1].update({"min-chars": 10, "max-chars": 5})),
        "component",
        "/screens/0/layout/children/1/min-chars",
        ('"min-chars": ', "10"),
    ),
    (
        "component-wrong-type",
        base(lambda f: children(f, 0).__setitem__(0, "TextHeading")),
        "component",
        "/screens/0/layout/children/0",
        ('"children": ', '"TextHeading"'),
    ),
]


@pytest.mark.parametrize(
    ("build", "rule", "pointer", "anchors"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_broken_flow_reports_rule_pointer_and_position(
    build: Callable[[], Flow], rule: str, pointer: str, anchors: tuple[str, ...]
) -> None:
    text = dump(build())
    errors = validate_flow_json(text)
    matching = [e for e in errors if e.rule == rule and e.pointer == pointer]
    assert matching, f"no {rule} error at {pointer!r}; got:\n" + "\n".join(e.format() for e in errors)
    expected = line_col(text, find(text, *anchors)) if anchors else (1, 1)
    assert (matching[0].line, matching[0].column) == expected, matching[0].format()
    assert all(e.message.strip() for e in errors)


def test_corpus_has_at_least_40_distinct_breakages() -> None:
    assert len({c[0] for c in CASES}) == len(CASES) >= 40


@pytest.mark.parametrize("build", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_fast_path_agrees_with_jsonschema(build: Callable[[], Flow]) -> None:
    """The compiled fast path never calls valid what jsonschema rejects (and vice versa)."""
    flow = build()
    quick = fast_check()
    assert quick is not None, "the schema no longer compiles: validation fell back to the slow path"
    assert quick(flow) == (not any(True for _ in validator().iter_errors(flow)))


def test_the_base_flows_are_valid() -> None:
    assert validate_flow_json(dump(base_flow())) == []
    assert validate_flow_json(dump(endpoint_flow())) == []
