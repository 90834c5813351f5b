"""Emulator dialects: each undocumented refusal's code and HTTP form, and each behaviour switch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException

from airflow_provider_cams.testing import DIALECTS, CamsEmulator, Dialect, dialect_named
from airflow_provider_cams.testing.dialects import switch_names
from tests.emulator.helpers import AK, SK, call, control, generic_client, start_cli

JSON_V1 = {"version": "7.3", "screens": [{"id": "ONE"}]}
JSON_V2 = {"version": "7.3", "screens": [{"id": "TWO"}]}


def answer(client: OpenApiClient, action: str, **params: object) -> tuple[str, str]:
    """(Code, Message) of a call, whether the SDK returns it (HTTP 200) or raises it (4xx)."""
    try:
        body = call(client, action, **params)
    except AlibabaCloudException as exc:
        return str(exc.code), str(exc.data["Message"] if exc.data else exc.message)
    return str(body["Code"]), str(body.get("Message"))


@pytest.fixture(params=sorted(DIALECTS))
def dialect_emu(request: pytest.FixtureRequest) -> Iterator[CamsEmulator]:
    with CamsEmulator(access_key_id=AK, access_key_secret=SK, rate_limit=None, dialect=request.param) as emu:
        yield emu


def test_every_undocumented_refusal_answers_in_the_dialect(dialect_emu: CamsEmulator) -> None:
    d, client = dialect_emu.dialect, generic_client(dialect_emu)
    published = dialect_emu.add_flow("p", ["OTHER"], status="PUBLISHED", with_json=True)
    bare = dialect_emu.add_flow("d", ["OTHER"])
    cases = [
        ("PublishFlow", published, d.wrong_status_code, d.wrong_status_http),
        ("DeleteFlow", "100000000000001", d.not_found_code, d.not_found_http),
        ("PublishFlow", bare, d.no_json_code, d.no_json_http),
    ]
    for action, flow_id, code, http_status in cases:
        got, message = answer(client, action, FlowId=flow_id)
        assert got == code
        assert flow_id in message  # the guessed message travels with the renamed code
        record = dialect_emu.requests(action)[-1]
        assert (record.code, record.http_status, record.applied) == (code, http_status, False)
    assert dialect_emu.flows()[published]["Status"] == "PUBLISHED"


def test_renamed_uses_no_code_the_guess_dialect_uses() -> None:
    guess, renamed = DIALECTS["guess"].as_dict(), DIALECTS["renamed"].as_dict()
    codes = [k for k in switch_names() if k.endswith("_code")]
    assert codes and all(renamed[k] != guess[k] for k in codes)
    assert renamed["wrong_status_http"] == 200


def test_fetch_at_publish_reads_the_file_as_it_is_when_publishing() -> None:
    with CamsEmulator(AK, SK, rate_limit=None, dialect=dialect_named("guess", fetch_json="publish")) as emu:
        client = generic_client(emu)
        flow_id = emu.add_flow("f", ["OTHER"])
        url = emu.host_json(JSON_V1, "flow.json")
        call(client, "UpdateFlowJSONAsset", FlowId=flow_id, FilePath=url)
        assert emu.flow_json(flow_id) is None  # nothing downloaded yet
        emu.host_json(JSON_V2, "flow.json")
        call(client, "PublishFlow", FlowId=flow_id)
        assert b"TWO" in (emu.flow_json(flow_id) or b"")
        other = emu.add_flow("g", ["OTHER"])
        call(client, "UpdateFlowJSONAsset", FlowId=other, FilePath=emu.host_json(JSON_V1, "gone.json"))
        emu.unhost_json("gone.json")
        assert answer(client, "PublishFlow", FlowId=other)[0] == "Flow.JsonAssetUnreachable"
        assert emu.flows()[other]["Status"] == "DRAFT"


@pytest.mark.parametrize("mode", ["copy", "given"])
def test_json_asset_url(mode: str) -> None:
    with CamsEmulator(AK, SK, rate_limit=None, dialect=dialect_named(json_asset_url=mode)) as emu:
        client = generic_client(emu)
        flow_id = emu.add_flow("f", ["OTHER"])
        url = emu.host_json(JSON_V1)
        call(client, "UpdateFlowJSONAsset", FlowId=flow_id, FilePath=url)
        got = call(client, "GetFlowJSONAssest", FlowId=flow_id)["Data"]["FilePath"]
        assert got == (url if mode == "given" else emu.flow_json_url(flow_id))


def test_published_update_argument_overrides_the_dialect() -> None:
    emu = CamsEmulator(dialect="contrary", published_update="reject")
    assert (emu.dialect.name, emu.published_update) == ("contrary", "reject")
    emu.set_published_update("revert_to_draft")
    assert emu.dialect.published_update == "revert_to_draft"
    assert CamsEmulator(dialect="contrary").published_update == "revert_to_draft"


@pytest.mark.parametrize(
    ("switches", "message"),
    [
        ({"wrong_status_http": 500}, "wrong_status_http must be 200"),
        ({"not_found_code": "OK"}, "not_found_code must be"),
        ({"fetch_json": "later"}, "fetch_json must be one of update, publish"),
        ({"no_such_switch": 1}, "unknown dialect switch"),
    ],
)
def test_bad_switches_are_refused(switches: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dialect_named("renamed", **switches)


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dialect 'dutch'; known: guess, renamed, contrary"):
        CamsEmulator(dialect="dutch")


def test_control_endpoint_switches_dialect(free_emu: CamsEmulator) -> None:
    base = f"{free_emu.url}/_emulator/dialect"
    assert control(base)[1] == DIALECTS["guess"].as_dict()
    status, body = control(base, "POST", {"dialect": "renamed", "wrong_status_http": 400})
    assert status == 200 and body["dialect"]["wrong_status_code"] == "Flow.StatusNotAllowed"
    assert free_emu.dialect == DIALECTS["renamed"].with_switches(wrong_status_http=400)
    assert control(f"{free_emu.url}/_emulator/health")[1]["dialect"] == "renamed"
    assert control(base, "POST", {"wrong_status_http": "x"})[0] == 400
    assert isinstance(free_emu.dialect, Dialect) and free_emu.dialect.wrong_status_http == 400


def test_cli_selects_a_dialect_and_overrides_a_switch() -> None:
    proc, endpoint = start_cli("--dialect", "renamed", "--dialect-switch", "not_found_http=400")
    try:
        dialect = control(f"http://{endpoint}/_emulator/dialect")[1]
    finally:
        proc.terminate()
        assert proc.wait(timeout=60) == 0
    assert dialect == {**DIALECTS["renamed"].as_dict(), "not_found_http": 400}
