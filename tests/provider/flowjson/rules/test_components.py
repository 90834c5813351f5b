"""Screens and components (flowjson/rules/components.py): limits, names, which components may meet."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_cams.flowjson.issues import Issue
from airflow_provider_cams.flowjson.rules.components import (
    check_image_carousels,
    check_screen,
    check_screen_mix,
)
from tests.provider.flowjson.conftest import base_flow
from tests.provider.flowjson.rules.conftest import rules_and_pointers, screens_of

CAROUSEL = {"type": "ImageCarousel", "images": [{"src": "x", "alt-text": "x"}]}


def screen_issues(flow: dict[str, Any], index: int, version: tuple[int, int] = (7, 3)) -> list[Issue]:
    screens, _ = screens_of(flow)
    out: list[Issue] = []
    check_screen(screens[index], False, version, out)
    check_screen_mix(screens[index], version, out)
    return out


def test_the_base_flows_screens_pass() -> None:
    assert screen_issues(base_flow(), 0) == [] and screen_issues(base_flow(), 1) == []


def test_success_belongs_to_terminal_screens_only() -> None:
    flow = base_flow()
    flow["screens"][0]["success"] = True
    assert rules_and_pointers(screen_issues(flow, 0)) == [("terminal-screen", "/screens/0/success")]


def test_two_inputs_of_one_name_on_a_screen_are_reported_at_the_second() -> None:
    flow = base_flow()
    flow["screens"][0]["layout"]["children"].insert(
        0, {"type": "TextInput", "name": "full_name", "label": "x"}
    )
    out = screen_issues(flow, 0)
    assert rules_and_pointers(out) == [("name", "/screens/0/layout/children/2/name")]
    assert 'duplicate component name "full_name"' in out[0].message


@pytest.mark.parametrize(("version", "refused"), [((6, 2), True), ((6, 3), False)])
def test_richtext_stands_alone_and_a_footer_may_join_it_from_6_3(
    version: tuple[int, int], refused: bool
) -> None:
    flow = base_flow()
    flow["screens"][1]["layout"]["children"][0] = {"type": "RichText", "text": "hi"}
    out = screen_issues(flow, 1, version)
    assert rules_and_pointers(out) == ([("component", "/screens/1/layout/children")] if refused else [])


def test_photo_and_document_pickers_never_share_a_screen() -> None:
    flow = base_flow()
    children = flow["screens"][0]["layout"]["children"]
    children[1:1] = [
        {"type": "PhotoPicker", "name": "photo", "label": "Photo"},
        {"type": "DocumentPicker", "name": "doc", "label": "File"},
    ]
    mixed = [issue for issue in screen_issues(flow, 0) if "PhotoPicker and a DocumentPicker" in issue.message]
    assert rules_and_pointers(mixed) == [("component", "/screens/0/layout/children")]


@pytest.mark.parametrize("carousels", [3, 4])  # components reference, ImageCarousel: "Max 3 per Flow"
def test_at_most_three_image_carousels_per_flow_counted_across_screens(carousels: int) -> None:
    flow = base_flow()
    for i in range(carousels):
        flow["screens"][i % 2]["layout"]["children"].insert(0, dict(CAROUSEL))
    screens, _ = screens_of(flow)
    out: list[Issue] = []
    check_image_carousels(screens, out)
    assert len(out) == (carousels > 3)
    if out:
        assert f"has {carousels} ImageCarousel" in out[0].message
