"""The outcomes file beside the audience: checkpoint parts per chunk, one final file, resume from both."""

from __future__ import annotations

import json
from pathlib import Path

from airflow.sdk import ObjectStoragePath

from airflow_provider_cams.hooks.outcomes import OutcomeStore
from airflow_provider_cams.hooks.sending import RecipientOutcome


def test_checkpoint_parts_then_final_file_and_a_retry_sees_what_was_sent(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("to\n", encoding="utf-8")
    audience = ObjectStoragePath(f"file://{tmp_path}/people.csv")
    first = OutcomeStore(audience, "manual__2026-01-01T00:00:00+00:00", 1)
    assert first.url.endswith("people.csv.outcomes/manual__2026-01-01T00_00_00_00_00.jsonl")
    assert first.acknowledged() == {}
    sent = RecipientOutcome("6591234567", "t1", "accepted", group_message_id="g1")
    failed = RecipientOutcome("6591234568", "t2", "failed", error="not sent")
    refused = RecipientOutcome("6591234569", "t3", "rejected", error="InvalidParameter.Mobile")
    first.record_chunk([sent, failed, refused])
    retry = OutcomeStore(audience, "manual__2026-01-01T00:00:00+00:00", 2)
    # A failed recipient is sent again; one CAMS refused is not (reported, not retried forever).
    assert retry.acknowledged() == {"6591234567": sent, "6591234569": refused}
    again = RecipientOutcome("6591234568", "t2", "accepted", group_message_id="g2")
    retry.finish([sent, again])
    lines = Path(retry.url.removeprefix("file://")).read_text().splitlines()
    assert [json.loads(line)["group_message_id"] for line in lines] == ["g1", "g2"]
    assert (
        list((tmp_path / "people.csv.outcomes" / "manual__2026-01-01T00_00_00_00_00.parts").iterdir()) == []
    )
    assert set(OutcomeStore(audience, "manual__2026-01-01T00:00:00+00:00", 3).acknowledged()) == {
        "6591234567",
        "6591234568",
    }
