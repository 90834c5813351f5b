"""Shared helpers for the rule modules' narrow tests: a flow's screens as the rules see them."""

from __future__ import annotations

from typing import Any

from airflow_provider_cams.flowjson.issues import Issue
from airflow_provider_cams.flowjson.rules.model import Screen, collect_screens


def screens_of(flow: dict[str, Any]) -> tuple[list[Screen], dict[str, Screen]]:
    """The collected screens and the same by id; collect_screens' own issues must be none."""
    out: list[Issue] = []
    screens = collect_screens(flow, out)
    assert out == []
    return screens, {s.id: s for s in screens}


def rules_and_pointers(out: list[Issue]) -> list[tuple[str, str]]:
    return [(issue.rule, issue.pointer) for issue in out]
