"""Flow state: every allowed and refused transition, validation codes, scoping and listing."""

from __future__ import annotations

import pytest
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.exceptions import ClientException

from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.vendor.actions import FLOW_CATEGORIES
from tests.emulator.helpers import AK, SK, call, code_of, generic_client

MUTATIONS: dict[str, dict[str, object]] = {
    "ModifyFlow": {"FlowName": "renamed", "Categories": ["SURVEY"]},
    "UpdateFlowJSONAsset": {"FilePath": "<hosted by the test>"},
    "PublishFlow": {},
    "DeprecateFlow": {},
    "DeleteFlow": {},
}
# (from status, action) -> the status afterwards (None: deleted), or the refusal code.
TRANSITIONS = {
    ("DRAFT", "ModifyFlow"): "DRAFT",
    ("DRAFT", "UpdateFlowJSONAsset"): "DRAFT",
    ("DRAFT", "PublishFlow"): "PUBLISHED",
    ("DRAFT", "DeprecateFlow"): "Flow.StatusNotSupport",
    ("DRAFT", "DeleteFlow"): None,
    ("PUBLISHED", "ModifyFlow"): "Flow.StatusNotSupport",
    ("PUBLISHED", "UpdateFlowJSONAsset"): "Flow.StatusNotSupport",
    ("PUBLISHED", "PublishFlow"): "Flow.StatusNotSupport",
    ("PUBLISHED", "DeprecateFlow"): "DEPRECATED",
    ("PUBLISHED", "DeleteFlow"): "Flow.StatusNotSupport",
    **{("DEPRECATED", action): "Flow.StatusNotSupport" for action in MUTATIONS},
}


@pytest.fixture
def client(free_emu: CamsEmulator) -> OpenApiClient:
    return generic_client(free_emu)


@pytest.mark.parametrize(("status", "action"), sorted(TRANSITIONS))
def test_transition(free_emu: CamsEmulator, client: OpenApiClient, status: str, action: str) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], status=status, with_json=True)
    outcome = TRANSITIONS[(status, action)]
    params = dict(MUTATIONS[action])
    if "FilePath" in params:
        params["FilePath"] = free_emu.host_json({"version": "7.3", "screens": [{"id": "A"}]})
    code = code_of(client, action, FlowId=flow_id, **params)
    flows = free_emu.flows()
    if outcome == "Flow.StatusNotSupport":
        assert code == outcome
        assert flows[flow_id]["Status"] == status
        (record,) = free_emu.requests()
        assert (record.http_status, record.applied) == (400, False)
    else:
        assert code == "OK"
        assert (flows[flow_id]["Status"] if flow_id in flows else None) == outcome


def test_refusal_message_names_status_and_action(free_emu: CamsEmulator, client: OpenApiClient) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], status="PUBLISHED")
    with pytest.raises(ClientException) as info:
        call(client, "PublishFlow", FlowId=flow_id)
    assert info.value.data["Message"] == (
        f'The flow "{flow_id}" is PUBLISHED: PublishFlow is not supported in this status.'
    )


@pytest.mark.parametrize("status", ["DRAFT", "PUBLISHED", "DEPRECATED"])
def test_reads_work_in_every_status(free_emu: CamsEmulator, client: OpenApiClient, status: str) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], status=status, with_json=True)
    assert call(client, "GetFlow", FlowId=flow_id)["Data"]["Status"] == status
    asset = call(client, "GetFlowJSONAssest", FlowId=flow_id)["Data"]
    assert asset == {"FlowId": flow_id, "FilePath": f"{free_emu.url}/_emulator/flows/{flow_id}/json"}
    assert call(client, "GetFlowPreviewUrl", FlowId=flow_id)["Data"]["FlowId"] == flow_id


def test_get_flow_reports_every_documented_field(free_emu: CamsEmulator, client: OpenApiClient) -> None:
    flow_id = call(client, "CreateFlow", FlowName="n", Categories=["SIGN_IN"])["Data"]["FlowId"]
    data = call(client, "GetFlow", FlowId=flow_id)["Data"]
    assert data == {
        "FlowId": flow_id,
        "FlowName": "n",
        "Categories": ["SIGN_IN"],
        "Status": "DRAFT",
        "JSONVersion": None,
        "DataApiVersion": None,
        "EndpointUri": None,
        "PreviewUrl": None,
        "PreviewUrlExpires": None,
    }


@pytest.mark.parametrize(
    ("action", "params", "missing"),
    [
        ("CreateFlow", {"Categories": ["OTHER"]}, "FlowName"),
        ("CreateFlow", {"FlowName": "x"}, "Categories"),
        ("CreateFlow", {"FlowName": "", "Categories": ["OTHER"]}, "FlowName"),
        ("ModifyFlow", {"FlowName": "x", "Categories": ["OTHER"]}, "FlowId"),
        ("ModifyFlow", {"FlowId": "1", "Categories": ["OTHER"]}, "FlowName"),
        ("UpdateFlowJSONAsset", {"FlowId": "1"}, "FilePath"),
        *[
            (a, {}, "FlowId")
            for a in (
                "GetFlow",
                "PublishFlow",
                "DeprecateFlow",
                "DeleteFlow",
                "GetFlowJSONAssest",
                "GetFlowPreviewUrl",
            )
        ],
    ],
)
def test_missing_parameter(
    client: OpenApiClient, action: str, params: dict[str, object], missing: str
) -> None:
    with pytest.raises(ClientException) as info:
        call(client, action, **params)
    exc = info.value
    assert (exc.code, exc.status_code) == ("MissingParameter", 400)
    assert exc.data["Message"] == (
        f'The input parameter "{missing}" that is mandatory for processing this request is not supplied.'
    )


@pytest.mark.parametrize(
    ("action", "params", "name"),
    [
        ("CreateFlow", {"FlowName": "x", "Categories": "SIGN_UP"}, "Categories"),
        ("CreateFlow", {"FlowName": "x", "Categories": '{"a": 1}'}, "Categories"),
        ("CreateFlow", {"FlowName": "x", "Categories": []}, "Categories"),
        ("CreateFlow", {"FlowName": "x", "Categories": ["SIGN_UP", "NEWSLETTER"]}, "Categories"),
        ("CreateFlow", {"FlowName": "x" * 201, "Categories": ["OTHER"]}, "FlowName"),
        ("ListFlow", {"Page": "not json"}, "Page"),
        ("ListFlow", {"Page": {"Index": 0, "Size": 20}}, "Page"),
        ("ListFlow", {"Page": {"Index": 1, "Size": 101}}, "Page"),
        ("ListFlow", {"Page": {"Index": 1, "Size": "20"}}, "Page"),
    ],
)
def test_invalid_parameter(client: OpenApiClient, action: str, params: dict[str, object], name: str) -> None:
    with pytest.raises(ClientException) as info:
        call(client, action, **params)
    assert info.value.code == "InvalidParameter"
    assert f'"{name}"' in info.value.data["Message"]


def test_flow_name_of_200_characters_is_fine(client: OpenApiClient) -> None:
    assert call(client, "CreateFlow", FlowName="é" * 200, Categories=["OTHER"])["Code"] == "OK"


def test_every_category_is_accepted(client: OpenApiClient) -> None:
    """Every category the provider's own reading of the vendor page allows (the emulator keeps its own)."""
    cats = list(FLOW_CATEGORIES)
    assert call(client, "CreateFlow", FlowName="all", Categories=cats)["Data"]["Categories"] == cats


def test_unknown_flow_and_scoping_by_cust_space(free_emu: CamsEmulator, client: OpenApiClient) -> None:
    in_space = free_emu.add_flow("s", ["OTHER"], cust_space_id="cams-a")
    no_space = free_emu.add_flow("n", ["OTHER"])
    assert code_of(client, "GetFlow", FlowId="999999999999999") == "Flow.NotFound"
    assert code_of(client, "GetFlow", FlowId=in_space) == "Flow.NotFound"
    assert code_of(client, "GetFlow", FlowId=in_space, CustSpaceId="cams-b") == "Flow.NotFound"
    assert code_of(client, "GetFlow", FlowId=in_space, CustSpaceId="cams-a") == "OK"
    assert code_of(client, "PublishFlow", FlowId=no_space, CustSpaceId="cams-a") == "Flow.NotFound"
    assert [f["FlowId"] for f in call(client, "ListFlow", CustSpaceId="cams-a")["Data"]] == [in_space]
    assert [f["FlowId"] for f in call(client, "ListFlow")["Data"]] == [no_space]


def test_resource_owner_parameters_are_ignored(free_emu: CamsEmulator, client: OpenApiClient) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], with_json=True)
    extra = {"OwnerId": "1", "ResourceOwnerAccount": "someone", "ResourceOwnerId": "2"}
    assert call(client, "PublishFlow", FlowId=flow_id, **extra)["Code"] == "OK"


def test_require_flow_json() -> None:
    with CamsEmulator(AK, SK, rate_limit=None) as emu:  # on by default
        assert emu.require_flow_json
        client = generic_client(emu)
        bare, ready = emu.add_flow("bare", ["OTHER"]), emu.add_flow("ready", ["OTHER"], with_json=True)
        assert code_of(client, "PublishFlow", FlowId=bare) == "Flow.JSONNotFound"
        assert code_of(client, "PublishFlow", FlowId=ready) == "OK"
        url = emu.host_json({"version": "7.3", "screens": [{"id": "A"}]})
        call(client, "UpdateFlowJSONAsset", FlowId=bare, FilePath=url)
        assert code_of(client, "PublishFlow", FlowId=bare) == "OK"
        emu.require_flow_json = False
        assert code_of(client, "PublishFlow", FlowId=emu.add_flow("x", ["OTHER"])) == "OK"


@pytest.fixture
def listed(free_emu: CamsEmulator) -> list[str]:
    ids = [free_emu.add_flow(f"flow-{i}", ["OTHER"]) for i in range(25)]
    ids.append(free_emu.add_flow("flow-3", ["SURVEY"]))
    return ids


def test_list_flow_paging_and_exact_name_filter(client: OpenApiClient, listed: list[str]) -> None:
    page = call(client, "ListFlow")["Data"]
    assert [f["FlowId"] for f in page] == listed[:20]
    assert set(page[0]) == {"FlowId", "FlowName", "Categories"}
    second = call(client, "ListFlow", Page={"Index": 2, "Size": 20})["Data"]
    assert [f["FlowId"] for f in second] == listed[20:]
    assert call(client, "ListFlow", Page={"Index": 9, "Size": 100})["Data"] == []
    assert [f["FlowId"] for f in call(client, "ListFlow", Page={"Size": 3})["Data"]] == listed[:3]
    named = call(client, "ListFlow", FlowName="flow-3")["Data"]
    assert [f["FlowId"] for f in named] == [listed[3], listed[25]]
    assert call(client, "ListFlow", FlowName="flow")["Data"] == []


def test_flow_ids_are_unique_15_digit_strings(client: OpenApiClient) -> None:
    created = [call(client, "CreateFlow", FlowName="x", Categories=["OTHER"]) for _ in range(30)]
    ids = {body["Data"]["FlowId"] for body in created}
    assert len(ids) == 30
    assert all(len(i) == 15 and i.isdigit() and i[0] != "0" for i in ids)


def test_modify_keeps_endpoint_unless_given(free_emu: CamsEmulator, client: OpenApiClient) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], endpoint_uri="https://a.example")
    data = call(client, "ModifyFlow", FlowId=flow_id, FlowName="g", Categories=["SURVEY"])["Data"]
    assert data == {
        "FlowId": flow_id,
        "FlowName": "g",
        "Categories": ["SURVEY"],
        "EndpointUri": "https://a.example",
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"status": "LIVE"}, "status"), ({"categories": ["NOPE"]}, "NOPE"), ({"categories": []}, "category")],
)
def test_add_flow_validates(free_emu: CamsEmulator, kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"name": "f", "categories": ["OTHER"], **kwargs}
    with pytest.raises(ValueError, match=message):
        free_emu.add_flow(**args)  # type: ignore[arg-type]


def test_emulator_agrees_with_the_providers_action_table() -> None:
    """Two separate readings of the vendor reference: the provider's and the emulator's must agree."""
    provider = pytest.importorskip("airflow_provider_cams.vendor.actions")
    from airflow_provider_cams.testing.flow_responses import ACTIONS
    from airflow_provider_cams.testing.state import CATEGORIES, STATUSES

    assert {name: a.required for name, a in provider.FLOW_ACTIONS.items()} == {
        name: spec.required for name, spec in ACTIONS.items()
    }
    assert (tuple(provider.FLOW_CATEGORIES), tuple(provider.FLOW_STATUSES)) == (CATEGORIES, STATUSES)
