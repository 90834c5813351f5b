"""The Flow JSON and Data API versions Meta accepts, and when we read that list.

Source: Meta's WhatsApp Flows changelog, section "Currently Supported Versions"
(developers.facebook.com/documentation/business-messaging/whatsapp/flows/changelogs), entries up to
the November 11, 2025 release, read on 2026-11-26. Re-read it when Meta ships a new version: a
version missing here is reported as unknown, a version Meta froze but that is still listed here
would pass locally and fail at publish time.
"""

from __future__ import annotations

VERSIONS_READ_ON = "2026-11-26"
VERSIONS_SOURCE = (
    "https://developers.facebook.com/documentation/business-messaging/whatsapp/flows/changelogs"
    "#currently-supported-versions"
)

#: Flow JSON versions Meta accepts for publishing a flow.
PUBLISHABLE_VERSIONS: tuple[str, ...] = ("5.1", "6.0", "6.1", "6.2", "6.3", "7.0", "7.1", "7.2", "7.3")
#: Meta's recommended Flow JSON version.
RECOMMENDED_VERSION = "7.3"
#: Frozen versions: flows already published still send, but they cannot be published (again).
#: 5.0 frozen since 2025-09-10; 2.1, 3.0, 3.1 and 4.0 since 2025-04-08 (Meta's changelog).
FROZEN_VERSIONS: dict[str, str] = {
    "2.1": "2025-04-08",
    "3.0": "2025-04-08",
    "3.1": "2025-04-08",
    "4.0": "2025-04-08",
    "5.0": "2025-09-10",
}
#: ``data_api_version`` values Meta accepts (4.0 recommended).
DATA_API_VERSIONS: tuple[str, ...] = ("3.0", "4.0")
RECOMMENDED_DATA_API_VERSION = "4.0"


def version_key(version: str) -> tuple[int, int]:
    """``"6.10"`` -> ``(6, 10)``; unparsable versions sort first."""
    major, _, minor = version.partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return (-1, -1)
