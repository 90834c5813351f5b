"""The rules a JSON Schema cannot express, by concern (one module each)."""

from __future__ import annotations

from typing import Any

from airflow_provider_cams.flowjson.issues import Issue
from airflow_provider_cams.flowjson.rules.actions import check_action
from airflow_provider_cams.flowjson.rules.components import (
    check_image_carousels,
    check_screen,
    check_screen_mix,
)
from airflow_provider_cams.flowjson.rules.data_model import check_data_model, check_references
from airflow_provider_cams.flowjson.rules.model import collect_screens
from airflow_provider_cams.flowjson.rules.routing import check_routing, check_terminals
from airflow_provider_cams.flowjson.rules.version_gates import (
    check_data_api_version,
    check_data_channel_uri,
    check_features,
    check_version,
)


def check(flow: dict[str, Any]) -> list[Issue]:
    """Every non-structural problem of a flow whose top level is an object."""
    out: list[Issue] = []
    version = check_version(flow, out)
    endpoint = check_data_api_version(flow, out)
    check_data_channel_uri(flow, version, out)
    screens = collect_screens(flow, out)
    by_id = {s.id: s for s in screens}
    for screen in screens:
        check_features(screen, version, out)
        check_screen(screen, endpoint, version, out)
        check_screen_mix(screen, version, out)
        for action, here, kind in screen.actions:
            check_action(screen, action, here, kind, by_id, endpoint, version, out)
        check_data_model(screen, out)
        check_references(screen, by_id, out)
    check_image_carousels(screens, out)
    check_terminals(screens, out)
    check_routing(flow, screens, by_id, endpoint, out)
    return out
