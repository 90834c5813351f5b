"""The emulator's typed record of sends (``testing/message_model.py``): lookups without the wire."""

from __future__ import annotations

from airflow_provider_cams.testing.message_model import MessageLog, MessageQuery, Recipient
from airflow_provider_cams.testing.templates import Template


def template(code: str) -> Template:
    return Template(code, code, "en", "MARKETING", "WHATSAPP", [], {}, ("ak", ""), status="pass")


def test_lookups_by_number_and_time_window_match_a_full_scan() -> None:
    times = iter(float(t) for t in range(1000, 1100))
    log = MessageLog(clock=lambda: next(times))
    first, second = template("t1"), template("t2")
    for i in range(10):
        people = [Recipient(f"6590000{j:03d}", {}, None, None) for j in range(i, i + 5)]
        log.record(("ak", ""), "6580000001", first if i % 2 else second, people, group_message_id=f"g{i}")
    log.record(("ak", "other"), "6580000001", first, [Recipient("6590000003", {}, None, None)])
    log.record(("ak", ""), "6580000001", first, [Recipient("12-34", {}, None, None)])
    scope = ("ak", "")
    every = log.find(scope, MessageQuery("6580000001"))
    assert (
        len(every) == 51
        and every[-1].status == "Failed"
        and "Invalid recipient" in str(every[-1].fail_reason)
    )
    queries = [
        MessageQuery("6580000001", user_number="6590000003"),
        MessageQuery("6580000001", user_number="6590000003", template_code="t1", start_ms=1_003_000),
        MessageQuery("6580000001", template_code="t2", start_ms=1_004_000, end_ms=1_008_000),
        MessageQuery("6580000001", group_message_id="g7"),
        MessageQuery("6580000009"),
    ]
    for query in queries:
        assert log.find(scope, query) == [m for m in every if query.matches(m)]
    assert [m.sent_at for m in log.find(scope, MessageQuery("6580000001", user_number="6590000003"))] == [
        1000.0,
        1001.0,
        1002.0,
        1003.0,
    ]
    log.reset()
    assert log.find(scope, MessageQuery("6580000001")) == [] and log.snapshot() == []
