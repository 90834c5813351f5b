"""Which Flow JSON (and Data API) versions a flow may use, and what each feature needs."""

from __future__ import annotations

from typing import Any

from airflow_provider_cams.flowjson.issues import Issue
from airflow_provider_cams.flowjson.rules.model import Screen
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
    "NavigationList": "6.2",
    "ChipsSelector": "6.3",
    "ImageCarousel": "7.1",
    "open_url": "6.0",
    "update_data": "6.0",
}
# Components reference, the properties tables: (component, property) -> the first version that has it.
PROPERTY_MIN_VERSION: dict[tuple[str, str], str] = {
    **{(kind, "markdown"): "5.1" for kind in ("TextBody", "TextCaption")},
    **{(kind, "label-variant"): "7.0" for kind in ("TextInput", "TextArea")},
    ("TextInput", "pattern"): "6.2",
    **{(kind, "media-size"): "5.0" for kind in ("CheckboxGroup", "RadioButtonsGroup")},
    **{(kind, "description"): "4.0" for kind in ("CheckboxGroup", "RadioButtonsGroup")},
    # on-select-action existed before (data_exchange); update_data and on-unselect-action came in 6.0.
    **{(kind, "on-unselect-action"): "6.0" for kind in ("CheckboxGroup", "RadioButtonsGroup", "Dropdown")},
    ("ChipsSelector", "on-unselect-action"): "7.1",
    **{
        (kind, prop): "4.0"
        for kind in ("TextInput", "TextArea", "CheckboxGroup", "RadioButtonsGroup", "DatePicker", "OptIn")
        for prop in ("init-value", "error-message")
    },
}
# Components reference, data-source options: "on-select-action" / "on-unselect-action" from 6.0.
OPTION_ACTIONS_FROM = "6.0"
# Changelog, Flow JSON 6.0: "nested expressions" (a string in backticks combining ${...} values).
NESTED_EXPRESSIONS = "6.0"
# Flow JSON reference: data_channel_uri was replaced by the flow's endpoint URI in 3.0.
DATA_CHANNEL_URI_UNTIL = "3.0"


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


def needs(version: tuple[int, int] | None, first: str) -> bool:
    """Whether a flow of ``version`` is too old for a feature that exists from ``first`` on."""
    return version is not None and version < version_key(first)


def check_data_channel_uri(flow: dict[str, Any], version: tuple[int, int] | None, out: list[Issue]) -> None:
    """``data_channel_uri`` belongs to flows before 3.0 only; say so in the file's own terms."""
    if "data_channel_uri" not in flow or version is None or needs(version, DATA_CHANNEL_URI_UNTIL):
        return
    out.append(
        Issue(
            ("data_channel_uri",),
            f'property "data_channel_uri" is not allowed in Flow JSON {version[0]}.{version[1]}: Meta '
            f"replaced it in {DATA_CHANNEL_URI_UNTIL} by the flow's endpoint URI. Remove it and set the "
            "endpoint URI on "
            "the flow itself (Meta's endpoint_uri; the flow's endpoint in CAMS).",
            "unknown-property",
            at_key=True,
        )
    )


def check_features(screen: Screen, version: tuple[int, int] | None, out: list[Issue]) -> None:
    """Components, properties and nested expressions newer than the flow's version."""
    if version is None:
        return
    shown = f"{version[0]}.{version[1]}"
    for kind, here, component, _ in screen.components:
        first = MIN_VERSION.get(kind)
        if first and needs(version, first):
            out.append(
                Issue(
                    (*here, "type"),
                    f"{kind} needs Flow JSON {first} or later; this flow is {shown}. "
                    f'Raise "version" (e.g. to '
                    f'"{RECOMMENDED_VERSION}") or use another component.',
                    "version",
                )
            )
        for prop in component:
            first = PROPERTY_MIN_VERSION.get((kind, prop))
            if first and needs(version, first):
                out.append(
                    Issue(
                        (*here, prop),
                        f'{kind} "{prop}" needs Flow JSON {first} or later; this flow is {shown}. Raise '
                        f'"version" or remove "{prop}".',
                        "version",
                        at_key=True,
                    )
                )
        options = component.get("data-source")
        if isinstance(options, list) and needs(version, OPTION_ACTIONS_FROM):
            for index, option in enumerate(options):
                for prop in ("on-select-action", "on-unselect-action"):
                    if isinstance(option, dict) and prop in option:
                        out.append(
                            Issue(
                                (*here, "data-source", index, prop),
                                f'a {kind} option\'s "{prop}" needs Flow JSON {OPTION_ACTIONS_FROM} or '
                                f'later; this flow is {shown}. Raise "version" or remove it.',
                                "version",
                                at_key=True,
                            )
                        )
    if needs(version, NESTED_EXPRESSIONS):
        for text, here in screen.references:
            if text.strip().startswith("`"):
                out.append(
                    Issue(
                        here,
                        f"a nested expression in backticks needs Flow JSON {NESTED_EXPRESSIONS} or later; "
                        "this "
                        f'flow is {shown}. Raise "version" or use a single ${{...}} reference.',
                        "version",
                    )
                )
