"""Audience files in object storage: CSV, JSON Lines or Parquet, read row by row into recipients.

Formats (chosen by the file's suffix, ``.csv``, ``.jsonl`` / ``.ndjson`` or ``.parquet``):

* JSON Lines: one object a line, ``{"to": "6591234567", "template_params": {"1": "Ana"},
  "flow_action_data": {...}}``; only ``to`` is required (the same keys as ``recipients=``).
* CSV with a header row: a ``to`` column; columns named by a template variable's number (``1``, ``2``...)
  are its values; an optional ``flow_action_data`` column holds a JSON object. Empty cells are left out.

* Parquet: the columns of the CSV form (``to``, variable numbers, ``flow_action_data``), typed: ``to``
  text or an integer, variables any scalar (sent as text), ``flow_action_data`` a JSON text or a struct /
  map column. Null cells are left out. Read in batches with ``pyarrow`` (the ``parquet`` extra), which is
  imported only when a Parquet audience is read: DAG parsing and CSV / JSON Lines sends never load it.

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

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
ENTRY_KEYS = ("to", "template_params", "flow_action_data")
PARQUET_BATCH_ROWS = 1000  # rows decoded at a time: memory stays bounded by a batch, not the file


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
    """``csv``, ``jsonl`` or ``parquet``, from the URL's suffix."""
    for suffix, kind in FORMATS.items():
        if url.lower().endswith(suffix):
            return kind
    raise CamsValidationError(f"The audience file {url} must end in .csv, .jsonl, .ndjson or .parquet.")


def read_audience(path: ObjectStoragePath) -> Iterator[dict[str, Any]]:
    """Recipient entries ``{"to", "template_params", "flow_action_data"}``, one per row, streamed."""
    kind = audience_format(str(path))
    if kind == "parquet":
        parquet = _pyarrow_parquet()  # before the file is opened: a missing pyarrow is said first
        with path.open("rb") as raw:
            yield from _parquet_rows(parquet, raw, str(path))
        return
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        yield from (_csv_rows if kind == "csv" else _jsonl_rows)(text, str(path))


def _pyarrow_parquet() -> Any:
    """``pyarrow.parquet``, imported now (only a Parquet audience needs it), or what to install."""
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise CamsValidationError(
            "Reading a Parquet audience needs pyarrow, which is not installed: pip install "
            "'airflow-provider-cams[parquet]' (or pyarrow), or give the audience as .csv or .jsonl."
        ) from None
    return parquet


def _parquet_rows(parquet: Any, raw: Any, url: str) -> Iterator[dict[str, Any]]:
    import pyarrow as pa

    try:
        table = parquet.ParquetFile(raw)
        header = list(table.schema_arrow.names)
    except (pa.ArrowException, OSError) as exc:
        raise CamsValidationError(
            f"{url} is not a readable Parquet file ({str(exc)[:200]}); write it with pyarrow or pandas "
            "(DataFrame.to_parquet), or give the audience as .csv or .jsonl."
        ) from None
    _check_columns(url, header)
    row_no = 0
    try:
        batches = table.iter_batches(batch_size=PARQUET_BATCH_ROWS)
        for batch in batches:
            for row in batch.to_pylist():
                row_no += 1
                yield _parquet_entry(url, row_no, row)
    except (pa.ArrowException, OSError) as exc:
        raise CamsValidationError(
            f"{url} could not be read after row {row_no} ({str(exc)[:200]}); fix or rewrite the file."
        ) from None


def _parquet_entry(url: str, row_no: int, row: dict[str, Any]) -> dict[str, Any]:
    to = row.get("to")
    if to is None or isinstance(to, bool) or not isinstance(to, (str, int)):
        raise CamsValidationError(
            f"{url} row {row_no}: 'to' must be a phone number (text or integer), got {to!r:.40}."
        )
    entry: dict[str, Any] = {"to": to}
    params = {c: str(v) for c, v in row.items() if c.isdigit() and v is not None and v != ""}
    if params:
        entry["template_params"] = params
    data = row.get("flow_action_data")
    if isinstance(data, list):  # a map column: [(key, value), ...]
        data = dict(data)
    if isinstance(data, str) and data:
        data = _json_cell(url, f"row {row_no}", data)
    if data not in (None, ""):
        entry["flow_action_data"] = data
    return entry


def _check_columns(url: str, header: list[str]) -> None:
    """A ``to`` column; the others variable numbers or ``flow_action_data`` (CSV and Parquet)."""
    if "to" not in header:
        raise CamsValidationError(f"{url} needs a header row with a 'to' column, got {header[:10]}.")
    unknown = [c for c in header if c not in ("to", "flow_action_data") and not c.isdigit()]
    if unknown:
        raise CamsValidationError(
            f"{url} has unknown column(s) {unknown[:10]}: use 'to', template variable numbers (1, 2...) and "
            "'flow_action_data' (a JSON object)."
        )


def _json_cell(url: str, where: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CamsValidationError(f"{url} {where}: flow_action_data is not JSON ({exc.msg}).") from None


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
    _check_columns(url, list(reader.fieldnames or []))
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
            entry["flow_action_data"] = _json_cell(url, f"line {line_no}", data)
        yield entry
