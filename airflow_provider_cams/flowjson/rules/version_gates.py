"""Which Flow JSON (and Data API) versions a flow may use, and what each feature needs."""

from __future__ import annotations

from typing import Any

from airflow_provider_cams.flowjson.issues import Issue
from airflow_provider_cams.flowjson.versions import (
    DATA_API_VERSIONS,
    FROZEN_VERSIONS,
    PUBLISHABLE_VERSIONS,
    RECOMMENDED_DATA_API_VERSION,
    RECOMMENDED_VERSION,
    VERSIONS_READ_ON,
    version_key,
)

# Components reference: the first Flow JSON version each feature exists in.
MIN_VERSION = {
    "If": "4.0",
    "Switch": "4.0",
    "PhotoPicker": "4.0",
    "DocumentPicker": "4.0",
    "RichText": "5.1",
    "CalendarPicker": "6.1",
    "open_url": "6.0",
    "update_data": "6.0",
}


def check_version(flow: dict[str, Any], out: list[Issue]) -> tuple[int, int] | None:
    if "version" not in flow:
        return None  # the schema reports the missing property
    version = flow["version"]
    supported = ", ".join(PUBLISHABLE_VERSIONS)
    if not isinstance(version, str):
        shown = (
            version
            if isinstance(version, (int, float)) and not isinstance(version, bool)
            else RECOMMENDED_VERSION
        )
        out.append(
            Issue(("version",), f'"version" must be a string: write "{shown}" (with quotes).', "version")
        )
        return None
    if version in FROZEN_VERSIONS:
        out.append(
            Issue(
                ("version",),
                f'Flow JSON version "{version}" is frozen by Meta since {FROZEN_VERSIONS[version]}: a flow '
                "with it "
                f'cannot be published. Move to "{RECOMMENDED_VERSION}" (publishable: {supported}; list read '
                f"{VERSIONS_READ_ON}).",
                "version",
            )
        )
        return version_key(version)
    if version not in PUBLISHABLE_VERSIONS:
        out.append(
            Issue(
                ("version",),
                f'"{version}" is not a Flow JSON version Meta accepts for publishing; use one of {supported} '
                f'("{RECOMMENDED_VERSION}" recommended; list read {VERSIONS_READ_ON}). If Meta released a '
                "newer "
                "version since, update airflow_provider_cams/flowjson/versions.py.",
                "version",
            )
        )
        return None
    return version_key(version)


def check_data_api_version(flow: dict[str, Any], out: list[Issue]) -> bool:
    """Whether the flow declares a data endpoint (``data_api_version``)."""
    if "data_api_version" not in flow:
        return False
    value = flow["data_api_version"]
    if value not in DATA_API_VERSIONS:
        shown = f'"{value}"' if isinstance(value, str) else f"{value!r} (not a string)"
        out.append(
            Issue(
                ("data_api_version",),
                f"data_api_version {shown} is not one Meta accepts; use "
                f"{' or '.join(repr(v).replace(chr(39), chr(34)) for v in DATA_API_VERSIONS)} "
                f'("{RECOMMENDED_DATA_API_VERSION}" recommended), as a string.',
                "data-api-version",
            )
        )
    if "routing_model" not in flow:
        out.append(
            Issue(
                (),
                'missing "routing_model": Meta requires it when "data_api_version" is set (a flow with a '
                "data "
                'endpoint). Add "routing_model": {"<SCREEN>": ["<NEXT_SCREEN>", ...], ...} listing every '
                "screen.",
                "routing-model",
            )
        )
    return True
