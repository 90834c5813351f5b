"""The versions a flow may declare and each feature's first version (flowjson/rules/version_gates.py)."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_cams.flowjson.issues import Issue
from airflow_provider_cams.flowjson.rules.version_gates import (
    check_data_api_version,
    check_data_channel_uri,
    check_version,
    needs,
)
from airflow_provider_cams.flowjson.versions import FROZEN_VERSIONS, RECOMMENDED_VERSION


def version_of(value: Any) -> tuple[tuple[int, int] | None, list[Issue]]:
    out: list[Issue] = []
    return check_version({"version": value}, out), out


def test_a_publishable_version_is_its_key_without_issue() -> None:
    assert version_of("6.3") == ((6, 3), [])


def test_a_frozen_version_is_reported_but_still_gates_features() -> None:
    frozen = next(iter(FROZEN_VERSIONS))
    key, out = version_of(frozen)
    assert key is not None and [i.rule for i in out] == ["version"]
    assert "frozen" in out[0].message and f'"{RECOMMENDED_VERSION}"' in out[0].message


@pytest.mark.parametrize(
    ("value", "advice"), [(7.3, 'write "7.3"'), (True, f'write "{RECOMMENDED_VERSION}"')]
)
def test_a_version_that_is_not_a_string_says_how_to_write_it(value: Any, advice: str) -> None:
    key, out = version_of(value)
    assert key is None and advice in out[0].message


def test_an_unknown_version_names_the_list_and_where_to_update_it() -> None:
    key, out = version_of("99.0")
    assert key is None and "flowjson/versions.py" in out[0].message


def test_a_missing_version_is_left_to_the_schema() -> None:
    out: list[Issue] = []
    assert check_version({}, out) is None and out == []


def test_needs_is_true_only_for_a_known_older_version() -> None:
    assert needs((5, 1), "6.0") and not needs((6, 0), "6.0") and not needs(None, "6.0")


def test_data_api_version_wants_an_accepted_value_and_a_routing_model() -> None:
    out: list[Issue] = []
    assert check_data_api_version({"version": "7.3"}, out) is False and out == []
    assert check_data_api_version({"data_api_version": 3.0}, out) is True
    assert [i.rule for i in out] == ["data-api-version", "routing-model"]
    assert "(not a string)" in out[0].message


def test_data_channel_uri_is_refused_from_3_0_on_at_its_key() -> None:
    out: list[Issue] = []
    check_data_channel_uri({"data_channel_uri": "https://x"}, (2, 1), out)
    assert out == []
    check_data_channel_uri({"data_channel_uri": "https://x"}, (3, 0), out)
    assert [(i.rule, i.pointer, i.at_key) for i in out] == [("unknown-property", "/data_channel_uri", True)]
