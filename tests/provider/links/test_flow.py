"""The extra links: the console URL they point at, and what a task stores for them while it runs."""

from __future__ import annotations

from typing import Any

from airflow_provider_cams.links.flow import (
    FLOW_LINKS,
    CamsFlowConsoleLink,
    CamsFlowPreviewLink,
    console_flow_url,
)


def test_console_url_quotes_the_flow_id_and_the_space() -> None:
    url = console_flow_url("fl/1 x", "cs&2")
    assert url.endswith("flowId=fl%2F1%20x&custSpaceId=cs%262")
    assert url.startswith("https://chatapp.console.alibabacloud.com/")


def test_console_url_without_a_space_has_no_space_parameter() -> None:
    assert "custSpaceId" not in console_flow_url("123")


def test_persist_stores_a_url_under_the_links_key_and_skips_an_empty_one(
    recording_context: dict[str, Any],
) -> None:
    CamsFlowPreviewLink.persist(recording_context, None)
    CamsFlowPreviewLink.persist(recording_context, "")
    assert recording_context["ti"].pushed == []
    CamsFlowConsoleLink.persist(recording_context, "https://c/1")
    assert recording_context["ti"].pushed == [("cams_flow_console_url", "https://c/1")]


def test_clear_stores_no_link_yet_for_every_link(recording_context: dict[str, Any]) -> None:
    for link in FLOW_LINKS:
        type(link).clear(recording_context)
    assert recording_context["ti"].xcom == {"cams_flow_console_url": "", "cams_flow_preview_url": ""}


def test_the_links_have_distinct_names_and_keys() -> None:
    assert len({link.name for link in FLOW_LINKS}) == len({type(link).key for link in FLOW_LINKS}) == 2
