"""Actions and their payloads: where each may be used and what it must point to."""

from __future__ import annotations

from typing import Any

from airflow_provider_cams.flowjson.issues import Issue, Token
from airflow_provider_cams.flowjson.rules.model import Screen
from airflow_provider_cams.flowjson.rules.version_gates import MIN_VERSION
from airflow_provider_cams.flowjson.versions import version_key


def check_action(
    screen: Screen,
    action: dict[str, Any],
    here: tuple[Token, ...],
    kind: str,
    by_id: dict[str, Screen],
    endpoint: bool,
    version: tuple[int, int] | None,
    out: list[Issue],
) -> None:
    name = action.get("name")
    if not isinstance(name, str):
        return
    needed = MIN_VERSION.get(name)
    if needed and version and version < version_key(needed):
        out.append(
            Issue(
                (*here, "name"),
                f'action "{name}" needs Flow JSON {needed} or later; raise "version".',
                "version",
            )
        )
    if name == "data_exchange" and not endpoint:
        out.append(
            Issue(
                (*here, "name"),
                "The property 'data_api_version' is required for data_exchange action: data_exchange sends "
                "data "
                'to your data endpoint. Add "data_api_version": "3.0" (or "4.0") and a routing_model, or use '
                '"navigate"/"complete".',
                "endpoint",
            )
        )
    if name == "complete" and not screen.terminal:
        out.append(
            Issue(
                (*here, "name"),
                "On-click-action 'complete' can only be configured on a terminal screen "
                "(INVALID_COMPLETE_ACTION); "
                f'mark screen "{screen.id}" "terminal": true or navigate to a terminal screen.',
                "terminal-screen",
            )
        )
    if name != "navigate":
        return
    target = action.get("next", {}).get("name") if isinstance(action.get("next"), dict) else None
    if not isinstance(target, str) or not target:
        return
    if target == screen.id:
        out.append(
            Issue(
                (*here, "next", "name"),
                f'navigate from "{screen.id}" to itself: same screen navigation is not allowed '
                "(INVALID_NAVIGATE_ACTION_NEXT_SCREEN_NAME). Navigate to another screen, or use update_data.",
                "navigation",
            )
        )
        return
    if target not in by_id:
        out.append(
            Issue(
                (*here, "next", "name"),
                f'navigate to unknown screen "{target}"; existing screens: {", ".join(by_id)}. Fix the name '
                "or add "
                "the screen.",
                "navigation",
            )
        )
        return
    payload = action.get("payload")
    if isinstance(payload, dict) and payload:
        next_data = by_id[target].data
        missing = [key for key in payload if next_data is None or key not in next_data]
        if missing:
            out.append(
                Issue(
                    (*here, "payload"),
                    f"navigate payload fields {', '.join(missing)} are missing in the data model of screen "
                    f'"{target}" (INVALID_NAVIGATE_ACTION_PAYLOAD): declare them in its "data" (with type '
                    "and "
                    "__example__) or remove them from the payload.",
                    "navigation",
                )
            )
