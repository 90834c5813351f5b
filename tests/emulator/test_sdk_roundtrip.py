"""The official SDK (typed and generic clients, sync and async) against the emulator, over real HTTP."""

from __future__ import annotations

import asyncio

import pytest
from alibabacloud_cams20200606 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

from airflow_provider_cams.testing import CamsEmulator
from tests.emulator.helpers import (
    AK,
    STS2_AK,
    STS2_SK,
    STS2_TOKEN,
    STS_AK,
    STS_SK,
    STS_TOKEN,
    call,
    cams_client,
    generic_client,
)

AWKWARD = [
    "plain",
    "with spaces  and  double",
    "tilde~star*plus+amp&eq=slash/",
    "percent%20literal?#;:,@$!'()",
    "accents é à ü",
    "中文名称",
    "emoji 🚀✅",
    " leading and trailing ",
]


def test_typed_sdk_full_lifecycle(free_emu: CamsEmulator) -> None:
    emu = free_emu
    client = cams_client(emu)
    categories = ["SIGN_UP", "OTHER"]
    created = client.create_flow(m.CreateFlowRequest(flow_name="signup", categories=categories)).body
    assert created.code == "OK" and created.message == "None" and created.access_denied_detail == "None"
    flow_id = created.data.flow_id
    assert len(flow_id) == 15 and flow_id.isdigit()
    assert (created.data.flow_name, created.data.categories) == ("signup", ["SIGN_UP", "OTHER"])

    url = emu.host_json({"version": "6.0", "screens": [{"id": "WELCOME"}]}, name="signup.json")
    updated = client.update_flow_jsonasset(m.UpdateFlowJSONAssetRequest(flow_id=flow_id, file_path=url)).body
    assert updated.data.flow_id == flow_id
    published = client.publish_flow(m.PublishFlowRequest(flow_id=flow_id)).body
    assert published.code == "OK" and published.request_id

    got = client.get_flow(m.GetFlowRequest(flow_id=flow_id)).body.data
    assert (got.status, got.flow_name, got.jsonversion) == ("PUBLISHED", "signup", "6.0")

    client.deprecate_flow(m.DeprecateFlowRequest(flow_id=flow_id))
    listed = client.list_flow(m.ListFlowRequest(page=m.ListFlowRequestPage(index=1, size=10))).body.data
    assert [(f.flow_id, f.flow_name, f.categories) for f in listed] == [(flow_id, "signup", categories)]
    assert emu.flows()[flow_id]["Status"] == "DEPRECATED"

    records = emu.requests()
    assert [r.action for r in records] == [
        "CreateFlow",
        "UpdateFlowJSONAsset",
        "PublishFlow",
        "GetFlow",
        "DeprecateFlow",
        "ListFlow",
    ]
    assert all(r.code == "OK" and r.applied and r.admitted and r.access_key_id == AK for r in records)
    assert records[0].params == {"FlowName": "signup", "Categories": '["SIGN_UP","OTHER"]'}
    assert records[-1].params == {"Page": '{"Index":1,"Size":10}'}
    assert created.request_id == records[0].request_id


def test_typed_sdk_async_variant(emu: CamsEmulator) -> None:
    client = cams_client(emu)

    async def lifecycle() -> tuple[str, str]:
        request = m.CreateFlowRequest(flow_name="async", categories=["SURVEY"])
        created = await client.create_flow_async(request)
        flow_id = created.body.data.flow_id
        url = emu.host_json({"version": "7.3", "screens": [{"id": "A"}]})
        await client.update_flow_jsonasset_async(m.UpdateFlowJSONAssetRequest(flow_id=flow_id, file_path=url))
        await client.publish_flow_async(m.PublishFlowRequest(flow_id=flow_id))
        got = await client.get_flow_async(m.GetFlowRequest(flow_id=flow_id))
        return flow_id, got.body.data.status

    flow_id, status = asyncio.run(lifecycle())
    assert status == "PUBLISHED"
    assert emu.flows()[flow_id]["Status"] == "PUBLISHED"


def test_sts_credentials_are_accepted(emu: CamsEmulator) -> None:
    client = cams_client(emu, access_key_id=STS_AK, access_key_secret=STS_SK, security_token=STS_TOKEN)
    flow_id = client.create_flow(m.CreateFlowRequest(flow_name="sts", categories=["OTHER"])).body.data.flow_id
    # STS identities act inside the same account: the main key sees the flow.
    assert cams_client(emu).get_flow(m.GetFlowRequest(flow_id=flow_id)).body.data.flow_name == "sts"
    assert [r.access_key_id for r in emu.requests()] == [STS_AK, AK]


@pytest.mark.parametrize(
    ("key_id", "secret", "token", "code"),
    [
        (STS_AK, STS_SK, "CAIS-forged", "InvalidSecurityToken.Malformed"),
        (STS_AK, STS_SK, STS2_TOKEN, "InvalidSecurityToken.MismatchWithAccessKey"),
        (STS_AK, STS_SK, None, "InvalidSecurityToken.Malformed"),
        (AK, "SK-test+/=secret", STS_TOKEN, "InvalidSecurityToken.MismatchWithAccessKey"),
        (STS2_AK, STS_SK, STS2_TOKEN, "SignatureDoesNotMatch"),
    ],
    ids=["unknown-token", "other-identity-token", "no-token", "token-on-permanent-key", "wrong-sts-secret"],
)
def test_wrong_sts_token_is_rejected(
    emu: CamsEmulator, key_id: str, secret: str, token: str | None, code: str
) -> None:
    client = cams_client(emu, access_key_id=key_id, access_key_secret=secret, security_token=token)
    with pytest.raises(ClientException) as info:
        client.create_flow(m.CreateFlowRequest(flow_name="x", categories=["OTHER"]))
    assert (info.value.code, info.value.status_code) == (code, 400)
    assert emu.flows() == {}
    (record,) = emu.requests()
    assert (record.code, record.admitted, record.applied) == (code, False, False)


def test_expired_sts_token(emu: CamsEmulator) -> None:
    client = cams_client(emu, access_key_id=STS2_AK, access_key_secret=STS2_SK, security_token=STS2_TOKEN)
    client.list_flow(m.ListFlowRequest())
    emu.expire_sts(STS2_AK)
    with pytest.raises(ClientException) as info:
        client.list_flow(m.ListFlowRequest())
    assert info.value.code == "InvalidSecurityToken.Expired"


@pytest.mark.parametrize("value", AWKWARD)
def test_generic_call_api_with_awkward_values(free_emu: CamsEmulator, value: str) -> None:
    client = generic_client(free_emu)
    created = call(client, "CreateFlow", FlowName=value, Categories=["LEAD_GENERATION"], CustSpaceId=value)
    data = created["Data"]
    assert (data["FlowName"], data["Categories"]) == (value, ["LEAD_GENERATION"])
    flow_id = data["FlowId"]

    got = call(client, "GetFlow", FlowId=flow_id, CustSpaceId=value)["Data"]
    assert (got["FlowName"], got["Status"]) == (value, "DRAFT")
    listed = call(client, "ListFlow", FlowName=value, CustSpaceId=value)["Data"]
    assert [f["FlowId"] for f in listed] == [flow_id]

    create, *_ = free_emu.requests()
    assert create.params == {"FlowName": value, "Categories": '["LEAD_GENERATION"]', "CustSpaceId": value}
    assert free_emu.flows()[flow_id]["CustSpaceId"] == value


def test_typed_models_for_the_other_actions(free_emu: CamsEmulator) -> None:
    client = cams_client(free_emu)
    flow_id = client.create_flow(m.CreateFlowRequest(flow_name="a", categories=["OTHER"])).body.data.flow_id
    modified = client.modify_flow(
        m.ModifyFlowRequest(
            flow_id=flow_id, flow_name="b", categories=["SURVEY"], endpoint_uri="https://api.example/flow"
        )
    ).body.data
    assert (modified.flow_name, modified.categories, modified.endpoint_uri) == (
        "b",
        ["SURVEY"],
        "https://api.example/flow",
    )
    asset = client.get_flow_jsonassest(m.GetFlowJSONAssestRequest(flow_id=flow_id)).body.data
    assert (asset.flow_id, asset.file_path) == (flow_id, None)
    preview = client.get_flow_preview_url(m.GetFlowPreviewUrlRequest(flow_id=flow_id)).body.data
    assert preview.preview_url.startswith(f"https://preview.cams-emulator.invalid/flows/{flow_id}?token=")
    assert isinstance(preview.preview_url_expires, int)
    flow_json = {"version": "7.3", "data_api_version": "3.0", "routing_model": {}, "screens": [{"id": "A"}]}
    client.update_flow_jsonasset(
        m.UpdateFlowJSONAssetRequest(flow_id=flow_id, file_path=free_emu.host_json(flow_json))
    )
    got = client.get_flow(m.GetFlowRequest(flow_id=flow_id)).body.data
    assert (got.preview_url, got.preview_url_expires, got.jsonversion, got.data_api_version) == (
        preview.preview_url,
        preview.preview_url_expires,
        "7.3",
        "3.0",
    )
    client.delete_flow(m.DeleteFlowRequest(flow_id=flow_id))
    assert free_emu.flows() == {}


def test_pytest_plugin_fixture(cams_emulator: CamsEmulator) -> None:
    client = cams_client(cams_emulator, access_key_id="test-ak", access_key_secret="test-sk")
    client.create_flow(m.CreateFlowRequest(flow_name="plugin", categories=["OTHER"]))
    assert [f["FlowName"] for f in cams_emulator.flows().values()] == ["plugin"]
