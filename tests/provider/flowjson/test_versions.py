"""The versions Meta accepts, and version_key's ordering (flowjson/versions.py)."""

from __future__ import annotations

import pytest

from airflow_provider_cams.flowjson.versions import (
    DATA_API_VERSIONS,
    FROZEN_VERSIONS,
    PUBLISHABLE_VERSIONS,
    RECOMMENDED_DATA_API_VERSION,
    RECOMMENDED_VERSION,
    version_key,
)


@pytest.mark.parametrize(
    ("version", "key"), [("6.10", (6, 10)), ("7", (7, 0)), ("7.x", (-1, -1)), ("", (-1, -1))]
)
def test_version_key(version: str, key: tuple[int, int]) -> None:
    assert version_key(version) == key


def test_minor_versions_sort_as_numbers_and_unparsable_ones_first() -> None:
    assert sorted(["6.10", "6.9", "junk", "10.0"], key=version_key) == ["junk", "6.9", "6.10", "10.0"]


def test_the_lists_agree_with_each_other() -> None:
    """A version is frozen or publishable, never both; the recommended ones are accepted; the list is
    in order, so "the newest" is its last entry."""
    assert not set(FROZEN_VERSIONS) & set(PUBLISHABLE_VERSIONS)
    assert PUBLISHABLE_VERSIONS[-1] == RECOMMENDED_VERSION
    assert list(PUBLISHABLE_VERSIONS) == sorted(PUBLISHABLE_VERSIONS, key=version_key)
    assert RECOMMENDED_DATA_API_VERSION in DATA_API_VERSIONS
    assert max(FROZEN_VERSIONS, key=version_key) < min(PUBLISHABLE_VERSIONS, key=version_key)
