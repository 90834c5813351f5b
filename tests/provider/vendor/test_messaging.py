"""The messaging action table: big parameters leave the URL, and it agrees with the emulator's reading."""

from __future__ import annotations

from airflow_provider_cams.hooks.transport import prepare
from airflow_provider_cams.testing.messaging import MESSAGING_ACTIONS as EMULATOR_ACTIONS
from airflow_provider_cams.vendor.messaging import MESSAGING_ACTIONS, body_params


def test_big_parameters_go_in_the_body_and_the_rest_in_the_query() -> None:
    params = {"ChannelType": "whatsapp", "From": "65800", "Language": "en", "SenderList": [{"To": "659"}]}
    exchange = prepare("SendChatappMassMessage", params, can_reconcile=False)
    assert exchange.body == {"SenderList": '[{"To":"659"}]'}
    assert "SenderList" not in exchange.query and exchange.query["From"] == "65800"
    assert exchange.resend_unsafe
    flow = prepare("GetFlow", {"FlowId": "1"}, can_reconcile=False)
    assert (flow.body, flow.query) == ({}, {"FlowId": "1"})


def test_body_params_reads_the_table_and_is_empty_for_other_actions() -> None:
    for name, spec in MESSAGING_ACTIONS.items():
        assert body_params(name) == spec.body_params
    assert body_params("GetFlow") == ()


def test_the_provider_and_the_emulator_read_the_same_actions_and_required_parameters() -> None:
    assert set(MESSAGING_ACTIONS) == set(EMULATOR_ACTIONS)
    for name, spec in MESSAGING_ACTIONS.items():
        assert set(spec.required) == set(EMULATOR_ACTIONS[name].required), name


def test_only_reads_are_safe_to_resend() -> None:
    safe = {name for name, spec in MESSAGING_ACTIONS.items() if spec.idempotent}
    assert safe == {"GetChatappTemplateDetail", "ListChatappTemplate", "ListChatappMessage"}
