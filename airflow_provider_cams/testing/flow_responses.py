"""The wire of the ten flow actions: query strings in, typed calls on the model (``state.FlowStore``) out.

Like moto's ``responses.py``: each handler reads and checks its parameters (required ones, Categories
as a compact-JSON list, FlowName's length, Page), calls one typed ``FlowStore`` method and returns the
action's ``Data``; ``ACTIONS`` says which parameters each action requires and whether its success body
carries ``Data``. A refusal raised under the emulator's own (``guess``) code is answered in the store's
dialect here, in one place.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from airflow_provider_cams.testing.errors import CamsErrorAnswer
from airflow_provider_cams.testing.state import (
    FlowStore,
    Scope,
    flow_scope,
    validate_categories,
    validate_flow_name,
)
from airflow_provider_cams.testing.wire import ActionSpec, parse_page

API_VERSION = "2020-06-06"

ACTIONS: dict[str, ActionSpec] = {
    "CreateFlow": ActionSpec(("FlowName", "Categories"), True),
    "ModifyFlow": ActionSpec(("FlowId", "FlowName", "Categories"), True),
    "GetFlow": ActionSpec(("FlowId",), True),
    "ListFlow": ActionSpec((), True),
    "PublishFlow": ActionSpec(("FlowId",), False),
    "DeprecateFlow": ActionSpec(("FlowId",), False),
    "DeleteFlow": ActionSpec(("FlowId",), False),
    "GetFlowJSONAssest": ActionSpec(("FlowId",), True),  # sic: the vendor's spelling
    "UpdateFlowJSONAsset": ActionSpec(("FlowId", "FilePath"), True),
    "GetFlowPreviewUrl": ActionSpec(("FlowId",), True),
}

Handler = Callable[[FlowStore, Scope, Mapping[str, str]], Any]


def parse_categories(raw: str) -> list[str]:
    """Categories travel as one compact-JSON list in the query."""
    try:
        value = json.loads(raw)
    except ValueError:
        raise CamsErrorAnswer(
            "InvalidParameter", name="Categories", reason="It must be a JSON list."
        ) from None
    return validate_categories(value)


def _create(store: FlowStore, scope: Scope, params: Mapping[str, str]) -> Any:
    name = validate_flow_name(params["FlowName"])
    categories = parse_categories(params["Categories"])
    return store.create(scope, name, categories, params.get("EndpointUri") or None)


def _modify(store: FlowStore, scope: Scope, params: Mapping[str, str]) -> Any:
    name = validate_flow_name(params["FlowName"])
    categories = parse_categories(params["Categories"])
    return store.modify(scope, params["FlowId"], name, categories, params.get("EndpointUri") or None)


def _list(store: FlowStore, scope: Scope, params: Mapping[str, str]) -> Any:
    index, size = parse_page(params.get("Page"))
    return store.list_flows(scope, index, size, params.get("FlowName"))


HANDLERS: dict[str, Handler] = {
    "CreateFlow": _create,
    "ModifyFlow": _modify,
    "GetFlow": lambda store, scope, params: store.get(scope, params["FlowId"]),
    "ListFlow": _list,
    "PublishFlow": lambda store, scope, params: store.publish(scope, params["FlowId"]),
    "DeprecateFlow": lambda store, scope, params: store.deprecate(scope, params["FlowId"]),
    "DeleteFlow": lambda store, scope, params: store.delete(scope, params["FlowId"]),
    "GetFlowJSONAssest": lambda store, scope, params: store.json_asset(scope, params["FlowId"]),
    "UpdateFlowJSONAsset": lambda store, scope, params: store.update_json(
        scope, params["FlowId"], params["FilePath"]
    ),
    "GetFlowPreviewUrl": lambda store, scope, params: store.preview_url(scope, params["FlowId"]),
}


def execute(store: FlowStore, action: str, account: str, params: Mapping[str, str]) -> Any:
    """Check the parameters, run the action on the store and return its ``Data`` (or None).

    Refusals are raised under the emulator's ``guess`` codes and answered in the store's dialect."""
    try:
        ACTIONS[action].check_required(params)
        return HANDLERS[action](store, flow_scope(account, params.get("CustSpaceId")), params)
    except CamsErrorAnswer as err:
        raise store.dialect.translate(err) from None
