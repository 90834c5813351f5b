"""Entry points: parse, run the schema and the hand-written rules, place every error."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airflow_provider_cams.flowjson.errors import FlowJsonError, FlowJsonInvalid
from airflow_provider_cams.flowjson.issues import Issue
from airflow_provider_cams.flowjson.positions import PositionIndex
from airflow_provider_cams.flowjson.rules import check
from airflow_provider_cams.flowjson.schema import issues_from_schema
from airflow_provider_cams.flowjson.strict import loads_strict, non_finite_issues
from airflow_provider_cams.flowjson.versions import RECOMMENDED_VERSION

# Meta's Flow JSON reference, "Limitations": "Flow JSON content string is limited and cannot exceed
# 10 MB" (AWS End User Messaging Social and Infobip document the same 10 MB). Meta does not say
# whether MB is 10**6 or 2**20 bytes: we enforce the stricter 10**6.
MAX_FLOW_JSON_BYTES = 10 * 1000 * 1000


def validate_flow_json(source: str | bytes | Mapping[str, Any]) -> list[FlowJsonError]:
    """Every problem in a Flow JSON document (text, bytes or an already parsed dict); [] if valid.

    Runs locally, before any network call. Positions are exact for text; 0 for a dict.
    """
    if isinstance(source, Mapping):
        flow = dict(source)
        size, finite = _size_of_dict(flow)
        return _validate_parsed(flow, None, size, [] if finite else non_finite_issues(flow))
    if isinstance(source, bytes):
        size = len(source)
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            head = source[: exc.start].decode("utf-8", errors="replace")
            line = head.count("\n") + 1
            column = exc.start - (source.rfind(b"\n", 0, exc.start) + 1) + 1
            return [
                FlowJsonError(
                    "",
                    line,
                    column,
                    f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8.",
                    "json-syntax",
                )
            ]
    elif isinstance(source, str):
        text = source
        size = len(source.encode("utf-8", errors="surrogatepass"))
    else:
        raise TypeError(f"validate_flow_json takes str, bytes or a dict, not {type(source).__name__}")
    try:
        flow, strict = loads_strict(text)
    except json.JSONDecodeError as exc:
        hint = _syntax_hint(exc)
        return [FlowJsonError("", exc.lineno, exc.colno, f"invalid JSON: {exc.msg}. {hint}", "json-syntax")]
    except RecursionError:
        return [
            FlowJsonError(
                "", 1, 1, "invalid JSON: nested too deeply to parse; flatten the document.", "json-syntax"
            )
        ]
    return _validate_parsed(flow, text, size, strict)


def check_flow_json(source: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """The parsed flow if it is valid; otherwise raise :class:`FlowJsonInvalid` listing every error."""
    errors = validate_flow_json(source)
    if errors:
        raise FlowJsonInvalid(errors)
    if isinstance(source, Mapping):
        return dict(source)
    parsed: dict[str, Any] = json.loads(source)
    return parsed


def endpoint_consistency(flow: Mapping[str, Any], endpoint_uri: str | None) -> list[FlowJsonError]:
    """Whether a flow and the endpoint URI configured for it agree (our rule, for operators).

    A flow with ``data_api_version`` talks to a data endpoint, so it needs an endpoint URI; an
    endpoint URI on a flow without ``data_api_version`` is never called, which is almost surely a
    mistake (the JSON of a different flow, or a forgotten ``data_api_version``).
    """
    uses_endpoint = "data_api_version" in flow
    has_uri = bool(endpoint_uri and endpoint_uri.strip())
    if uses_endpoint and not has_uri:
        return [
            FlowJsonError(
                "/data_api_version",
                0,
                0,
                "the flow uses a data endpoint (data_api_version is set) but no endpoint URI is configured: "
                "set the "
                "flow's endpoint URI, or remove data_api_version, routing_model and the data_exchange "
                "actions.",
                "endpoint",
            )
        ]
    if has_uri and not uses_endpoint:
        return [
            FlowJsonError(
                "",
                0,
                0,
                f"an endpoint URI ({endpoint_uri}) is configured but the flow has no data_api_version, so it "
                "never "
                'calls it: add "data_api_version": "3.0" (or "4.0") and a routing_model, or drop the '
                "endpoint URI.",
                "endpoint",
            )
        ]
    return []


def _size_of_dict(flow: Mapping[str, Any]) -> tuple[int, bool]:
    """The flow's size as compact UTF-8 JSON, and whether it holds no NaN/Infinity."""
    finite = True
    while True:
        try:
            text = json.dumps(flow, ensure_ascii=False, separators=(",", ":"), allow_nan=not finite)
            return len(text.encode("utf-8", "surrogatepass")), finite
        except ValueError:
            if not finite:
                return 0, finite  # a circular reference: the schema and the rules report the rest
            finite = False  # NaN or Infinity: measure again allowing them, then report them
        except TypeError:
            return 0, finite  # not JSON-serialisable: the schema reports the offending values


def _syntax_hint(exc: json.JSONDecodeError) -> str:
    msg = exc.msg
    if "BOM" in msg:
        return "Save the file as UTF-8 without a byte order mark."
    if msg.startswith("Expecting property name") or msg.startswith("Illegal trailing comma"):
        return "Remove the trailing comma before this point, or quote the property name."
    if msg.startswith("Expecting ',' delimiter"):
        return "A comma is missing between two values, or a string is not closed."
    if msg.startswith("Expecting value"):
        return (
            "A value is missing (trailing comma?) or is not JSON (JSON needs double quotes, true/false/null)."
        )
    if msg.startswith("Extra data"):
        return "There is text after the end of the document; remove it."
    if msg.startswith("Unterminated string") or msg.startswith("Invalid control character"):
        return "Close the string; write a line break inside a string as \\n."
    return "Fix the JSON syntax at this position."


def _validate_parsed(flow: Any, text: str | None, size: int, strict: list[Issue]) -> list[FlowJsonError]:
    issues: list[Issue] = list(strict)
    if size > MAX_FLOW_JSON_BYTES:
        issues.append(
            Issue(
                (),
                f"the Flow JSON is {size:,} bytes; Meta's limit is 10 MB (we check {MAX_FLOW_JSON_BYTES:,} "
                "bytes). "
                "Move large images or texts to dynamic data from your endpoint, or split the flow.",
                "size",
            )
        )
    if not isinstance(flow, dict):
        kind = "an array" if isinstance(flow, list) else "a string" if isinstance(flow, str) else "a scalar"
        issues.append(
            Issue(
                (),
                f"the document is {kind}; a Flow JSON is an object: "
                f'{{"version": "{RECOMMENDED_VERSION}", "screens": [...]}}.',
                "top-level",
            )
        )
    else:
        issues.extend(issues_from_schema(flow))
        issues.extend(check(flow))
    return _place(issues, text)


def _place(issues: list[Issue], text: str | None) -> list[FlowJsonError]:
    seen: set[tuple[str, str]] = set()
    errors: list[FlowJsonError] = []
    index = PositionIndex(text) if text is not None and issues else None
    for issue in issues:
        key = (issue.pointer, issue.message)
        if key in seen:
            continue
        seen.add(key)
        line = column = 0
        if index is not None:
            line, column = index.line_col(index.offset(issue.tokens, issue.at_key))
        errors.append(FlowJsonError(issue.pointer, line, column, issue.message, issue.rule))
    if index is not None:
        errors.sort(key=lambda e: (e.line, e.column))
    return errors
