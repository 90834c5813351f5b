"""The flow actions' wire against the typed store, in-process (the SDK round trip is in test_state.py)."""

from __future__ import annotations

import pytest

from airflow_provider_cams.testing.dialects import dialect_named
from airflow_provider_cams.testing.errors import CamsErrorAnswer
from airflow_provider_cams.testing.flow_responses import ACTIONS, HANDLERS, execute
from airflow_provider_cams.testing.state import FlowStore


def test_every_action_has_a_handler() -> None:
    assert set(HANDLERS) == set(ACTIONS)


def test_query_strings_become_typed_calls() -> None:
    store = FlowStore()
    created = execute(store, "CreateFlow", "acct", {"FlowName": "f", "Categories": '["SIGN_UP","OTHER"]'})
    flow_id = created["FlowId"]
    assert store.get(("acct", ""), flow_id)["Categories"] == ["SIGN_UP", "OTHER"]
    page = execute(store, "ListFlow", "acct", {"Page": '{"Index":1,"Size":1}', "FlowName": "f"})
    assert [f["FlowId"] for f in page] == [flow_id]
    assert execute(store, "ListFlow", "other-account", {}) == []


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"FlowName": "f", "Categories": "SIGN_UP"}, "Categories"),
        ({"FlowName": "f", "Categories": "[]"}, "Categories"),
        ({"FlowName": "x" * 201, "Categories": '["OTHER"]'}, "FlowName"),
        ({"Categories": '["OTHER"]'}, "FlowName"),
    ],
)
def test_bad_parameters_are_refused_before_the_store_changes(params: dict[str, str], name: str) -> None:
    store = FlowStore()
    with pytest.raises(CamsErrorAnswer) as info:
        execute(store, "CreateFlow", "acct", params)
    assert name in info.value.message
    assert store.snapshot() == {}


def test_refusals_are_answered_in_the_stores_dialect() -> None:
    guess, renamed = FlowStore(), FlowStore(dialect=dialect_named("renamed"))
    codes = []
    for store in (guess, renamed):
        with pytest.raises(CamsErrorAnswer) as info:
            execute(store, "GetFlow", "acct", {"FlowId": "404404404404404"})
        codes.append(info.value.code)
    assert codes[0] != codes[1]
    assert codes[0] == "Flow.NotFound"
