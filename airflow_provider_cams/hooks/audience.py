"""Audience files in object storage: CSV or JSON Lines, read row by row into recipients.

Formats (chosen by the file's suffix, ``.csv`` or ``.jsonl`` / ``.ndjson``):

* JSON Lines: one object a line, ``{"to": "6591234567", "template_params": {"1": "Ana"},
  "flow_action_data": {...}}``; only ``to`` is required (the same keys as ``recipients=``).
* CSV with a header row: a ``to`` column; columns named by a template variable's number (``1``, ``2``...)
  are its values; an optional ``flow_action_data`` column holds a JSON object. Empty cells are left out.

Parquet is not read: ``pyarrow`` is not in every pinned constraint set (only Airflow 3.1's).

The file is streamed (never held whole, never in XCom); a malformed row (bad JSON, unknown column, no
``to``) stops the task before anything is sent, naming the line. Invalid and repeated numbers are not
errors here: the sender reports them as outcomes and does not send them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from airflow_provider_cams.exceptions import CamsValidationError

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
ENTRY_KEYS = ("to", "template_params", "flow_action_data")


def audience_path(url: str, conn_id: str | None) -> ObjectStoragePath:
    """The audience file as an ``ObjectStoragePath``; it must exist and have a known suffix."""
    from airflow.sdk import ObjectStoragePath

    if not isinstance(url, str) or "://" not in url:
        raise CamsValidationError(
            "audience must be an object storage URL such as s3://bucket/campaign/people.csv, got "
            f"{url!r:.80}."
        )
    audience_format(url)
    path = ObjectStoragePath(url, conn_id=conn_id)
    if not path.is_file():
        raise CamsValidationError(
            f"The audience file {url} does not exist (connection {conn_id!r}); upload it or fix the URL."
        )
    return path


def audience_format(url: str) -> str:
    """``csv`` or ``jsonl``, from the URL's suffix."""
    for suffix, kind in FORMATS.items():
        if url.lower().endswith(suffix):
            return kind
    raise CamsValidationError(
        f"The audience file {url} must end in .csv, .jsonl or .ndjson (Parquet is not supported: pyarrow is "
        "not in every pinned Airflow constraint set)."
    )


def read_audience(path: ObjectStoragePath) -> Iterator[dict[str, Any]]:
    """Recipient entries ``{"to", "template_params", "flow_action_data"}``, one per row, streamed."""
    kind = audience_format(str(path))
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        yield from (_csv_rows if kind == "csv" else _jsonl_rows)(text, str(path))


def _jsonl_rows(text: io.TextIOBase, url: str) -> Iterator[dict[str, Any]]:
    for line_no, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CamsValidationError(
                f"{url} line {line_no} is not JSON ({exc.msg}); fix the file."
            ) from None
        if not isinstance(entry, dict) or "to" not in entry:
            raise CamsValidationError(f"{url} line {line_no} must be an object with a 'to' number.")
        unknown = set(entry) - set(ENTRY_KEYS)
        if unknown:
            raise CamsValidationError(
                f"{url} line {line_no} has unknown key(s) {sorted(unknown)}; use {', '.join(ENTRY_KEYS)}."
            )
        yield entry


def _csv_rows(text: io.TextIOBase, url: str) -> Iterator[dict[str, Any]]:
    reader = csv.DictReader(text)
    header = reader.fieldnames or []
    if "to" not in header:
        raise CamsValidationError(f"{url} needs a header row with a 'to' column, got {header[:10]}.")
    unknown = [c for c in header if c not in ("to", "flow_action_data") and not c.isdigit()]
    if unknown:
        raise CamsValidationError(
            f"{url} has unknown column(s) {unknown[:10]}: use 'to', template variable numbers (1, 2...) and "
            "'flow_action_data' (a JSON object)."
        )
    for row in reader:
        line_no = reader.line_num
        if None in row:
            raise CamsValidationError(f"{url} line {line_no} has more cells than the header.")
        entry: dict[str, Any] = {"to": row["to"] or ""}
        params = {c: v for c, v in row.items() if c.isdigit() and v}
        if params:
            entry["template_params"] = params
        data = row.get("flow_action_data")
        if data:
            try:
                entry["flow_action_data"] = json.loads(data)
            except json.JSONDecodeError as exc:
                raise CamsValidationError(
                    f"{url} line {line_no}: flow_action_data is not JSON ({exc.msg})."
                ) from None
        yield entry
