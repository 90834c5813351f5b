"""AudienceSender: tokens, chunks, and never twice to one person under after-apply faults (real HTTP)."""

from __future__ import annotations

from collections import Counter

import pytest

from airflow_provider_cams.exceptions import CamsApiError, CamsValidationError
from airflow_provider_cams.hooks.messaging import CamsMessagingHook, Recipient
from airflow_provider_cams.hooks.sending import (
    AudienceSender,
    RecipientOutcome,
    chunks,
    flow_token,
    sender_bytes,
    summarize,
)
from airflow_provider_cams.testing import CamsEmulator, FaultKind
from tests.provider.conftest import StartEmulator
from tests.provider.hooks.test_messaging import spec

SPACE = "cs-send"
BUSINESS = "6580000001"


def test_flow_token_is_deterministic_per_run_flow_and_recipient() -> None:
    token = flow_token("run-1", "111", "6591234567")
    assert token == flow_token("run-1", "111", "6591234567")
    assert token.startswith("cams1-") and len(token) == 46
    others = {flow_token("run-2", "111", "6591234567"), flow_token("run-1", "112", "6591234567")}
    assert token not in others and len(others) == 2
    assert flow_token("run-1", "111", "6591234568") != token


def test_chunks_are_bounded_by_count_and_by_encoded_size() -> None:
    people = [Recipient(f"65{90000000 + i}", flow_token="x" * 40) for i in range(2500)]
    assert [len(c) for c in chunks(people)] == [1000, 1000, 500]
    one = sender_bytes(people[0])
    sized = list(chunks(people[:10], max_bytes=one * 3))
    assert [len(c) for c in sized] == [3, 3, 3, 1]
    assert [r for c in sized for r in c] == people[:10]


@pytest.fixture
def emu(start_emulator: StartEmulator) -> CamsEmulator:
    return start_emulator(SPACE)


def sender(emu: CamsEmulator) -> AudienceSender:
    flow_id = emu.add_flow("f", ["OTHER"], status="PUBLISHED", cust_space_id=SPACE, with_json=True)
    code = emu.add_template("invite", "en", spec(flow_id).components(), cust_space_id=SPACE)
    hook = CamsMessagingHook(initial_wait=0.01, max_wait=0.05)
    return AudienceSender(hook, BUSINESS, code, "en", SPACE)


def audience(n: int) -> list[Recipient]:
    return [
        Recipient(f"65{90000000 + i}", flow_token=flow_token("r", "f", f"65{90000000 + i}")) for i in range(n)
    ]


def per_number(emu: CamsEmulator) -> Counter[str]:
    return Counter(m["UserNumber"] for m in emu.messages())


@pytest.mark.parametrize("kind", [FaultKind.DROP_AFTER_APPLY, FaultKind.SERVER_ERROR_AFTER_APPLY])
def test_an_applied_send_with_a_lost_answer_is_reconciled_not_resent(
    emu: CamsEmulator, kind: FaultKind
) -> None:
    send = sender(emu)
    people = audience(1500)
    emu.faults.add(kind, action="SendChatappMassMessage")
    outcomes = send.send(people)
    assert per_number(emu) == Counter({r.to: 1 for r in people})
    assert len(emu.requests("SendChatappMassMessage")) == 2 and emu.requests("ListChatappMessage")
    assert summarize(outcomes)["by_status"] == {"accepted": 1500}
    assert [m["FlowToken"] for m in emu.messages()] == [r.flow_token for r in people]


def test_a_send_that_was_not_applied_is_sent_again_after_listing_none(emu: CamsEmulator) -> None:
    send = sender(emu)
    people = audience(10)
    emu.faults.add(FaultKind.DROP_BEFORE, action="SendChatappMassMessage")
    outcomes = send.send(people)
    assert per_number(emu) == Counter({r.to: 1 for r in people})
    assert [r.action for r in emu.requests()] == [
        "SendChatappMassMessage",
        "ListChatappMessage",
        "SendChatappMassMessage",
    ]
    assert {o.status for o in outcomes} == {"accepted"} and outcomes[0].group_message_id


def test_invalid_and_repeated_numbers_are_reported_and_resume_skips_what_was_sent(emu: CamsEmulator) -> None:
    send = sender(emu)
    people = audience(5)
    first = send.send([*people[:3], Recipient("12-34"), people[0]])
    assert [o.status for o in first] == ["accepted", "accepted", "accepted", "invalid", "duplicate"]
    assert "phone number" in (first[3].error or "")
    again = send.send(people, resume=True, since_ms=0)
    assert [o.status for o in again] == ["already_sent"] * 3 + ["accepted"] * 2
    assert again[0].message_id
    assert per_number(emu) == Counter({r.to: 1 for r in people})


def test_acknowledged_recipients_are_kept_as_recorded_and_each_chunk_is_reported(emu: CamsEmulator) -> None:
    send = sender(emu)
    people = audience(1500)
    recorded = RecipientOutcome(people[0].to, people[0].flow_token, "accepted", group_message_id="earlier")
    reported: list[list[RecipientOutcome]] = []
    outcomes = send.send(people, acknowledged={people[0].to: recorded}, on_chunk=reported.append)
    assert outcomes[0] is recorded
    assert per_number(emu) == Counter(r.to for r in people[1:])
    assert [len(c) for c in reported] == [1000, 499]
    assert [o.to for c in reported for o in c] == [r.to for r in people[1:]]


def test_single_sends_reconcile_lost_answers_and_report_refused_numbers(emu: CamsEmulator) -> None:
    """Single mode: one SendChatappMessage each from threads; an applied send whose answer was lost is
    listed, not re-sent; one lost before CAMS applied it is sent again; InvalidParameter is reported."""
    send = sender(emu)
    people = audience(40)
    single = "SendChatappMessage"
    emu.faults.add(FaultKind.DROP_AFTER_APPLY, action=single, times=3)
    emu.faults.add(FaultKind.DROP_BEFORE, action=single, times=2)
    emu.faults.add(FaultKind.ERROR, action=single, code="InvalidParameter.Mobile", http_status=400)
    reported: list[list[RecipientOutcome]] = []
    outcomes = send.send(people, mode="single", max_workers=4, on_chunk=reported.append)
    assert not emu.requests("SendChatappMassMessage")
    assert len(emu.requests(single)) == 40 + 2  # every recipient once, plus the two dropped before
    statuses = Counter(o.status for o in outcomes)
    assert statuses == {"accepted": 39, "rejected": 1}
    (refused,) = [o for o in outcomes if o.status == "rejected"]
    assert "InvalidParameter.Mobile" in (refused.error or "")
    assert per_number(emu) == Counter({r.to: 1 for r in people if r.to != refused.to})
    assert all(o.message_id for o in outcomes if o.status == "accepted")
    assert sorted(o.to for c in reported for o in c) == sorted(r.to for r in people)


def test_a_refusal_stops_single_sends_after_checkpointing_what_finished(emu: CamsEmulator) -> None:
    send = sender(emu)
    people = audience(30)
    emu.faults.add(FaultKind.SLOW, action="SendChatappMessage", times=10, delay=0.0)
    emu.faults.add(FaultKind.ERROR, action="SendChatappMessage", code="Emulated.Refusal")
    reported: list[list[RecipientOutcome]] = []
    with pytest.raises(CamsApiError, match=r"Emulated\.Refusal"):
        send.send(people, mode="single", max_workers=2, on_chunk=reported.append)
    recorded = [o.to for c in reported for o in c]
    assert 10 <= len(recorded) < 30 and Counter(recorded) == per_number(emu)
    again = send.send(people, mode="single", resume=True, since_ms=0)
    assert per_number(emu) == Counter({r.to: 1 for r in people})
    assert Counter(o.status for o in again)["already_sent"] == len(recorded)


def test_an_unknown_send_mode_is_refused_before_any_call(emu: CamsEmulator) -> None:
    with pytest.raises(CamsValidationError, match="mode must be one of mass, single"):
        sender(emu).send(audience(2), mode="one")
    assert not emu.requests()


def test_mass_sends_from_threads_reconcile_lost_answers_and_report_every_chunk(emu: CamsEmulator) -> None:
    send = sender(emu)
    people = audience(5500)
    mass = "SendChatappMassMessage"
    emu.faults.add(FaultKind.DROP_AFTER_APPLY, action=mass, times=2)
    emu.faults.add(FaultKind.DROP_BEFORE, action=mass)
    reported: list[list[RecipientOutcome]] = []
    outcomes = send.send(people, max_workers=3, on_chunk=reported.append)
    assert per_number(emu) == Counter({r.to: 1 for r in people})
    assert len(emu.requests(mass)) == 6 + 1  # six chunks, and the one dropped before CAMS applied it
    assert sorted(len(c) for c in reported) == [500] + [1000] * 5
    assert [o.to for o in outcomes] == [r.to for r in people]
    assert {o.status for o in outcomes} == {"accepted"}
