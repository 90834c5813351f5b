"""A Flow JSON as a deployment takes it: from a file, a dict or a JSON string, checked, with its hash.

The bytes that get hosted are exactly the file's bytes (or, for a dict, one canonical encoding), and
their SHA-256 is what decides whether a deployed flow is "unchanged": content, never timestamps.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_provider_cams.flowjson.errors import FlowJsonError, FlowJsonInvalid
from airflow_provider_cams.flowjson.validate import check_flow_json, endpoint_consistency


@dataclass(frozen=True)
class FlowSource:
    """A checked Flow JSON: the bytes to host, the parsed flow, their SHA-256 and where they came from."""

    content: bytes
    flow: dict[str, Any]
    sha256: str
    origin: str


def load_flow_json(
    flow_json: str | bytes | Mapping[str, Any], base_dir: str | Path | None = None
) -> FlowSource:
    """Read and validate a Flow JSON given as a path to a ``.json`` file, a dict, or JSON text.

    A relative path is resolved against ``base_dir`` (the DAG file's folder). Raises
    :class:`FlowJsonInvalid` with every error found, or :class:`ValueError` when the file is missing.
    """
    if isinstance(flow_json, Mapping):
        content = json.dumps(flow_json, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        origin = "<dict>"
    elif isinstance(flow_json, bytes):
        content, origin = flow_json, "<bytes>"
    elif isinstance(flow_json, str) and flow_json.lstrip().startswith("{"):
        content, origin = flow_json.encode("utf-8"), "<string>"
    elif isinstance(flow_json, str) and flow_json.strip():
        path = Path(flow_json)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        if path.suffix.lower() != ".json":
            raise ValueError(
                f"flow_json {flow_json!r} is neither JSON text nor a path to a .json file; pass the path of "
                "the Flow JSON file (relative to the DAG file's folder), a dict, or the JSON text."
            )
        if not path.is_file():
            raise ValueError(
                f"flow_json file {str(path)!r} does not exist (relative paths are resolved against the DAG "
                "file's folder); check the path and that the file is deployed next to the DAG."
            )
        content, origin = path.read_bytes(), str(path)
    else:
        raise ValueError(
            f"flow_json must be a path to a .json file, a dict or JSON text, got {type(flow_json).__name__} "
            f"{flow_json!r:.60}."
        )
    flow = check_flow_json(content)
    return FlowSource(content, flow, hashlib.sha256(content).hexdigest(), origin)


def check_endpoint(source: FlowSource, endpoint_uri: str | None) -> None:
    """The flow's use of a data endpoint and the endpoint URI configured for it must agree."""
    problems: list[FlowJsonError] = endpoint_consistency(source.flow, endpoint_uri)
    if problems:
        raise FlowJsonInvalid(problems)
