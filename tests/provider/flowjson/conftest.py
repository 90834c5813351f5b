"""Shared helpers: a small valid flow to break, and an independent line/column finder."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest


def base_flow() -> dict[str, Any]:
    """Two screens: WELCOME (inputs, navigate) -> DONE (terminal, complete)."""
    return {
        "version": "7.3",
        "screens": [
            {
                "id": "WELCOME",
                "title": "Welcome",
                "layout": {
                    "type": "SingleColumnLayout",
                    "children": [
                        {"type": "TextHeading", "text": "Hello there"},
                        {"type": "TextInput", "name": "full_name", "label": "Full name", "required": True},
                        {
                            "type": "RadioButtonsGroup",
                            "name": "plan",
                            "label": "Plan",
                            "data-source": [{"id": "basic", "title": "Basic"}, {"id": "pro", "title": "Pro"}],
                        },
                        {
                            "type": "Footer",
                            "label": "Continue",
                            "on-click-action": {
                                "name": "navigate",
                                "next": {"type": "screen", "name": "DONE"},
                                "payload": {"greeting": "Thanks, ${form.full_name}"},
                            },
                        },
                    ],
                },
            },
            {
                "id": "DONE",
                "title": "Done",
                "terminal": True,
                "success": True,
                "data": {"greeting": {"type": "string", "__example__": "Hi"}},
                "layout": {
                    "type": "SingleColumnLayout",
                    "children": [
                        {"type": "TextBody", "text": "${data.greeting}"},
                        {
                            "type": "Footer",
                            "label": "Finish",
                            "on-click-action": {
                                "name": "complete",
                                "payload": {"name": "${screen.WELCOME.form.full_name}"},
                            },
                        },
                    ],
                },
            },
        ],
    }


def endpoint_flow() -> dict[str, Any]:
    """The base flow with a data endpoint: data_api_version + routing_model."""
    flow = base_flow()
    flow["data_api_version"] = "3.0"
    flow["routing_model"] = {"WELCOME": ["DONE"], "DONE": []}
    return flow


def dump(flow: Any) -> str:
    return json.dumps(flow, indent=2)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line/column by plain counting (independent of the validator's index)."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def find(text: str, *needles: str) -> int:
    """Offset of the last needle, each searched after the previous one ("<{": the "{" before)."""
    offset = -1
    for needle in needles:
        offset = text.rindex("{", 0, offset) if needle == "<{" else text.index(needle, offset + 1)
    return offset


@pytest.fixture
def flow() -> dict[str, Any]:
    return copy.deepcopy(base_flow())
