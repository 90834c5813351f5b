"""Actions and their payloads: where each may be used and what it must point to."""

from __future__ import annotations

import re
from typing import Any

from airflow_provider_cams.flowjson.issues import Issue, Token
from airflow_provider_cams.flowjson.rules.model import MEDIA_PICKERS, Screen
from airflow_provider_cams.flowjson.rules.version_gates import MIN_VERSION, needs

_FORM_VALUE = re.compile(r"\$\{(?:screen\.([A-Za-z_]+)\.)?form\.([A-Za-z0-9_\-]+)\}")


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
    check_media_in_payload(screen, action, here, by_id, out)
    needed = MIN_VERSION.get(name)
    if needed and needs(version, needed):
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
        instead = "" if needs(version, MIN_VERSION["update_data"]) else ", or use update_data"
        out.append(
            Issue(
                (*here, "next", "name"),
                f'navigate from "{screen.id}" to itself: same screen navigation is not allowed '
                f"(INVALID_NAVIGATE_ACTION_NEXT_SCREEN_NAME). Navigate to another screen{instead}.",
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
    supplied = payload if isinstance(payload, dict) else {}
    declared = by_id[target].data or {}
    unsupplied = [key for key in declared if key not in supplied]
    if unsupplied:
        out.append(
            Issue(
                (*here, "payload") if "payload" in action else here,
                f'navigate to "{target}" does not supply {", ".join(unsupplied)}, which the data model of '
                f'screen "{target}" declares: a navigate action must pass every field of the next screen\'s '
                '"data" in its "payload" (e.g. "payload": {"'
                + unsupplied[0]
                + '": "${data.'
                + unsupplied[0]
                + '}"}), or remove the field from that "data".',
                "navigation",
            )
        )


def check_media_in_payload(
    screen: Screen,
    action: dict[str, Any],
    here: tuple[Token, ...],
    by_id: dict[str, Screen],
    out: list[Issue],
) -> None:
    """A PhotoPicker/DocumentPicker value: never in a navigate payload, else only a top-level value."""
    payload = action.get("payload")
    if not isinstance(payload, dict):
        return
    for key, value in payload.items():
        for text, at, top in _strings(value, (*here, "payload", key), True):
            for match in _FORM_VALUE.finditer(text):
                owner = by_id.get(match.group(1)) if match.group(1) else screen
                kind = owner.kinds.get(match.group(2)) if owner is not None else None
                if kind not in MEDIA_PICKERS:
                    continue
                if action.get("name") == "navigate":
                    message = (
                        f"{kind} value {match.group(0)} cannot be passed in a navigate payload (media "
                        "upload reference); read it on a later screen with ${screen.<SCREEN>.form.<name>}, "
                        "or send it with data_exchange / complete."
                    )
                elif not (top and text.strip() == match.group(0)):
                    message = (
                        f"{kind} value {match.group(0)} must be a whole top-level payload value (media "
                        f'upload reference: only top-level properties), e.g. "{key}": "{match.group(0)}".'
                    )
                else:
                    continue
                out.append(Issue(at, message, "navigation"))


def _strings(value: Any, tokens: tuple[Token, ...], top: bool) -> list[tuple[str, tuple[Token, ...], bool]]:
    if isinstance(value, str):
        return [(value, tokens, top)]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [found for key, item in items for found in _strings(item, (*tokens, key), False)]
