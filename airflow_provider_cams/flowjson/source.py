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


class FlowSourceError(ValueError):
    """A ``flow_json`` argument that names no readable Flow JSON, or one outside its allowed folder."""


def source_from_content(flow_json: str | bytes | Mapping[str, Any]) -> FlowSource:
    """A Flow JSON given as content: JSON text or bytes (hosted as given) or a dict (one canonical
    encoding), taken verbatim and checked. Raises ``FlowJsonInvalid`` with every error found."""
    if isinstance(flow_json, Mapping):
        content = json.dumps(flow_json, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        origin = "<dict>"
    elif isinstance(flow_json, bytes):
        content, origin = flow_json, "<bytes>"
    elif isinstance(flow_json, str):
        content, origin = flow_json.encode("utf-8"), "<string>"
    else:
        raise FlowSourceError(
            f"flow_json must be a path to a .json file, a dict or JSON text, got {type(flow_json).__name__}."
        )
    return _checked(content, origin)


def source_from_path(
    flow_json: str, base_dir: str | Path | None = None, root: str | Path | None = None
) -> FlowSource:
    """A Flow JSON file, checked. A relative path is resolved against ``base_dir`` (the DAG file's
    folder); the file must stay inside ``root`` (default ``base_dir``) once ``..`` and symlinks are
    resolved. Raises :class:`FlowSourceError` for a bad path, ``FlowJsonInvalid`` for bad JSON."""
    if not isinstance(flow_json, str) or not flow_json.strip():
        raise FlowSourceError(
            f"flow_json must be a path to a .json file, a dict or JSON text, got {type(flow_json).__name__} "
            f"{flow_json!r:.60}."
        )
    path = _confined(flow_json, base_dir, root)
    return _checked(path.read_bytes(), str(path))


def _checked(content: bytes, origin: str) -> FlowSource:
    flow = check_flow_json(content)
    return FlowSource(content, flow, hashlib.sha256(content).hexdigest(), origin)


def _confined(flow_json: str, base_dir: str | Path | None, root: str | Path | None) -> Path:
    """The file a path names, refused unless it is a ``.json`` file inside ``root`` (or ``base_dir``)."""
    path = Path(flow_json)
    if not path.is_absolute():
        if base_dir is None:
            raise FlowSourceError(
                f"flow_json {flow_json!r} is a relative path but there is no DAG file to resolve it against; "
                "pass an absolute path inside flow_json_root, or the JSON itself."
            )
        path = Path(base_dir) / path
    if path.suffix.lower() != ".json":
        raise FlowSourceError(
            f"flow_json {flow_json!r} is neither JSON text nor a path to a .json file; pass the path of "
            "the Flow JSON file (relative to the DAG file's folder), a dict, or the JSON text."
        )
    allowed = Path(root if root is not None else base_dir or path.parent).resolve()
    real = path.resolve()
    if not real.is_relative_to(allowed):
        raise FlowSourceError(
            f"flow_json {flow_json!r} resolves to {str(real)!r}, outside {str(allowed)!r}: "
            "Flow JSON files must "
            "stay inside the DAG's folder (or flow_json_root); '..', absolute paths elsewhere and symlinks "
            "that leave it are refused."
        )
    if not real.is_file():
        raise FlowSourceError(
            f"flow_json file {str(path)!r} does not exist (relative paths are resolved against the DAG "
            "file's folder); check the path and that the file is deployed next to the DAG."
        )
    return real


def check_endpoint(source: FlowSource, endpoint_uri: str | None) -> None:
    """The flow's use of a data endpoint and the endpoint URI configured for it must agree."""
    problems: list[FlowJsonError] = endpoint_consistency(source.flow, endpoint_uri)
    if problems:
        raise FlowJsonInvalid(problems)
