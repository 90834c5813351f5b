"""Per-recipient outcomes beside the audience file, and the checkpoint a retried task resumes from.

Layout, next to ``<audience>`` (same store, same connection):

* ``<audience>.outcomes/<run>.parts/<try>-<seq>.jsonl``: written after every mass send (single sends: every
  250 outcomes, and before a refusal stops the task), one line per recipient of that batch; the
  checkpoint. Object stores do not append, so each batch is its own object.
* ``<audience>.outcomes/<run>.jsonl``: at the end of the task, every recipient's outcome in audience order
  (``to``, ``flow_token``, ``status``, ``group_message_id``, ``message_id``, ``error``); the parts are then
  removed.

``<run>`` is the run id with every character other than letters, digits, ``.``, ``_`` and ``-`` replaced
by ``_``. A retry (or a cleared task) reads both before sending: a recipient recorded there as accepted,
already sent or rejected (CAMS refused that number) is not sent again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from airflow_provider_cams.hooks.sending import RecipientOutcome

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

ACKNOWLEDGED = ("accepted", "already_sent", "rejected")  # final: CAMS took it, or refused that recipient


def safe_run_id(run_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", run_id)


class OutcomeStore:
    """The outcomes of one run for one audience file (see the module docstring)."""

    def __init__(self, audience: ObjectStoragePath, run_id: str, try_number: int) -> None:
        folder = audience.parent / f"{audience.name}.outcomes"
        self.final = folder / f"{safe_run_id(run_id)}.jsonl"
        self.parts = folder / f"{safe_run_id(run_id)}.parts"
        self.try_number = try_number
        self._seq = 0

    @property
    def url(self) -> str:
        """The outcomes file's URL without the connection id (``str()`` of the path would hold it)."""
        return f"{self.final.protocol}://{self.final.path}"

    def acknowledged(self) -> dict[str, RecipientOutcome]:
        """Recipients an earlier try of this run recorded as accepted, already sent or rejected, by number."""
        done: dict[str, RecipientOutcome] = {}
        files = [self.final] if self.final.is_file() else []
        if self.parts.is_dir():
            files += sorted(p for p in self.parts.iterdir() if p.name.endswith(".jsonl"))
        for path in files:
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    outcome = RecipientOutcome(**json.loads(line))
                    if outcome.status in ACKNOWLEDGED:
                        done.setdefault(outcome.to, outcome)
        return done

    def record_chunk(self, outcomes: Sequence[RecipientOutcome]) -> None:
        """The checkpoint of one mass send (before the next is sent) or of a batch of single sends."""
        self._seq += 1
        self.parts.mkdir(parents=True, exist_ok=True)
        self._write(self.parts / f"{self.try_number:04d}-{self._seq:06d}.jsonl", outcomes)

    def finish(self, outcomes: Iterable[RecipientOutcome]) -> str:
        """Every outcome in one file; the parts are removed. Returns the file's URL."""
        self._write(self.final, outcomes)
        if self.parts.is_dir():
            for part in list(self.parts.iterdir()):
                part.unlink()
        return self.url

    @staticmethod
    def _write(path: ObjectStoragePath, outcomes: Iterable[RecipientOutcome]) -> None:
        with path.open("w", encoding="utf-8") as out:
            for outcome in outcomes:
                out.write(json.dumps(outcome.as_dict(), separators=(",", ":"), ensure_ascii=False) + "\n")
