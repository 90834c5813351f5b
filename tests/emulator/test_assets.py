"""Flows as code: FilePath downloads, hosted JSON, the stored copy, publishing rules, health statuses.

The official SDK is the client wherever the wire is involved; every URL is real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from alibabacloud_cams20200606 import models as m
from alibabacloud_cams20200606.client import Client as CamsClient
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException

from airflow_provider_cams.testing import ASSUMED_ERROR_CODES, CamsEmulator
from airflow_provider_cams.testing.assets import MAX_JSON_BYTES
from airflow_provider_cams.testing.control import handle_control
from airflow_provider_cams.testing.server import WireRequest
from tests.emulator.helpers import AK, SK, cams_client, plain_http

FLOW_JSON = {"version": "7.3", "data_api_version": "3.0", "routing_model": {}, "screens": [{"id": "A"}]}


def attach(client: CamsClient, flow_id: str, url: str) -> str:
    return client.update_flow_jsonasset(
        m.UpdateFlowJSONAssetRequest(flow_id=flow_id, file_path=url)
    ).body.code


def refusal(call: Any) -> ClientException:
    with pytest.raises(ClientException) as info:
        call()
    return info.value


def status_of(client: CamsClient, flow_id: str) -> str:
    return str(client.get_flow(m.GetFlowRequest(flow_id=flow_id)).body.data.status)


@pytest.fixture
def client(free_emu: CamsEmulator) -> CamsClient:
    return cams_client(free_emu)


# --------------------------------------------------------------------------- attach, store, serve
def test_attach_downloads_keeps_bytes_and_reports_versions(
    free_emu: CamsEmulator, client: CamsClient
) -> None:
    raw = b'{ "version": "7.3",\n  "data_api_version": "4.0", "screens": [{"id": "W\xc3\xa9"}] }\n'
    url = free_emu.host_json(raw, name="signup-v1.json")
    assert url == f"http://127.0.0.1:{free_emu.port}/_emulator/assets/signup-v1.json"
    flow_id = free_emu.add_flow("f", ["SIGN_UP"])
    before = client.get_flow_jsonassest(m.GetFlowJSONAssestRequest(flow_id=flow_id)).body
    assert before.data.file_path is None and "FilePath" not in before.to_map()["Data"]

    assert attach(client, flow_id, url) == "OK"
    assert free_emu.flow_json(flow_id) == raw
    got = client.get_flow(m.GetFlowRequest(flow_id=flow_id)).body.data
    assert (got.jsonversion, got.data_api_version, got.status) == ("7.3", "4.0", "DRAFT")

    asset = client.get_flow_jsonassest(m.GetFlowJSONAssestRequest(flow_id=flow_id)).body.data
    assert asset.file_path == f"{free_emu.url}/_emulator/flows/{flow_id}/json"
    assert plain_http(asset.file_path)[:2] == (200, raw)  # exactly the stored bytes

    # The emulator keeps its copy: the source going away or changing does not touch the flow.
    assert free_emu.unhost_json(url)
    assert plain_http(url)[0] == 404
    assert plain_http(asset.file_path)[:2] == (200, raw)
    snapshot = free_emu.flows()[flow_id]
    assert (snapshot["FilePath"], snapshot["JsonUrl"], snapshot["JsonSize"]) == (
        url,
        asset.file_path,
        len(raw),
    )
    (update,) = free_emu.requests("UpdateFlowJSONAsset")
    assert (update.code, update.applied) == ("OK", True)


def test_a_json_without_data_api_version_reports_none(free_emu: CamsEmulator, client: CamsClient) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], endpoint_uri="https://api.example/flow")
    attach(client, flow_id, free_emu.host_json('{"version": "6.0", "screens": [{"id": "A"}]}'))
    got = client.get_flow(m.GetFlowRequest(flow_id=flow_id)).body.data
    assert (got.jsonversion, got.data_api_version) == ("6.0", None)


def test_attach_again_replaces_the_json(free_emu: CamsEmulator, client: CamsClient) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], json=FLOW_JSON)
    attach(client, flow_id, free_emu.host_json({"version": "7.2", "screens": [{"id": "B"}]}))
    assert json.loads(free_emu.flow_json(flow_id) or b"")["version"] == "7.2"
    assert client.get_flow(m.GetFlowRequest(flow_id=flow_id)).body.data.jsonversion == "7.2"


@pytest.mark.parametrize(
    "url",
    [
        "https://assets.example.com/flows/signup.json",
        "http://10.0.0.1/flow.json",
        "http://169.254.169.254/latest/meta-data",
        "http://127.0.0.1.nip.io/flow.json",
        "ftp://127.0.0.1/flow.json",
        "file:///etc/passwd",
        "/tmp/flow.json",
        "http://127.0.0.1:99999/flow.json",
    ],
)
def test_non_loopback_or_non_http_file_paths_are_refused(
    free_emu: CamsEmulator, client: CamsClient, url: str
) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"])
    err = refusal(lambda: attach(client, flow_id, url))
    assert (err.code, err.status_code) == ("InvalidParameter", 400)
    assert err.data["Message"].startswith('The specified parameter "FilePath" is not valid.')
    if "example.com" in url:
        assert "only downloads from loopback hosts" in err.data["Message"]
        assert "host_json" in err.data["Message"]
    assert free_emu.flow_json(flow_id) is None
    (record,) = free_emu.requests()
    assert record.applied is False


def test_localhost_urls_are_fetched(free_emu: CamsEmulator, client: CamsClient) -> None:
    url = free_emu.host_json(FLOW_JSON, name="x.json").replace("127.0.0.1", "localhost")
    flow_id = free_emu.add_flow("f", ["OTHER"])
    assert attach(client, flow_id, url) == "OK"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def raw_server() -> Iterator[tuple[int, list[bytes]]]:
    """A one-connection-at-a-time socket server answering each request with the next canned reply
    (an empty reply: accept, read, never answer)."""
    listener = socket.create_server(("127.0.0.1", 0))
    replies: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        held: list[socket.socket] = []
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                break
            conn.recv(65536)
            reply = replies.pop(0) if replies else b""
            if reply:
                conn.sendall(reply)
                conn.close()
            else:
                held.append(conn)
        for conn in held:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1]), replies
    stop.set()
    listener.close()
    thread.join(5)


def test_unreachable_file_paths(free_emu: CamsEmulator, client: CamsClient, raw_server: Any) -> None:
    port, replies = raw_server
    flow_id = free_emu.add_flow("f", ["OTHER"])
    free_emu.json_fetch_timeout = 0.5
    body = json.dumps(FLOW_JSON).encode()
    replies += [
        b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/x\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body),
    ]
    cases = [
        (f"{free_emu.url}/_emulator/assets/never-hosted.json", "HTTP 404"),
        (f"http://127.0.0.1:{_closed_port()}/flow.json", "refused"),
        (f"http://127.0.0.1:{port}/redirect", "HTTP 302"),
        (f"http://127.0.0.1:{port}/error", "HTTP 500"),
        (f"http://127.0.0.1:{port}/huge", f"larger than {MAX_JSON_BYTES} bytes"),
    ]
    for url, needle in cases:
        err = refusal(lambda url=url: attach(client, flow_id, url))
        assert (err.code, err.status_code) == ("Flow.JsonAssetUnreachable", 400), url
        assert needle in err.data["Message"], (url, err.data["Message"])
        assert url[:60] in err.data["Message"]
    assert attach(client, flow_id, f"http://127.0.0.1:{port}/ok") == "OK"  # the canned JSON, via a raw peer
    # No more replies: the peer accepts and never answers; the fetch timeout ends the wait.
    err = refusal(lambda: attach(client, flow_id, f"http://127.0.0.1:{port}/silent"))
    assert err.code == "Flow.JsonAssetUnreachable" and "0.5 s" in err.data["Message"]
    assert json.loads(free_emu.flow_json(flow_id) or b"") == FLOW_JSON


def test_size_limit_is_10_mb(free_emu: CamsEmulator, client: CamsClient) -> None:
    head = b'{"version":"7.3","screens":[{"id":"A"}],"pad":"'
    exact = head + b"x" * (MAX_JSON_BYTES - len(head) - 2) + b'"}'
    assert len(exact) == MAX_JSON_BYTES
    flow_id = free_emu.add_flow("f", ["OTHER"])
    assert attach(client, flow_id, free_emu.host_json(exact)) == "OK"
    over = exact[:-2] + b'x"}'
    err = refusal(lambda: attach(client, flow_id, free_emu.host_json(over)))
    assert err.code == "Flow.JsonAssetUnreachable" and "larger than" in err.data["Message"]
    assert free_emu.flow_json(flow_id) == exact


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<html>not json</html>", "not UTF-8 JSON"),
        (b"\xff\xfe{}", "not UTF-8 JSON"),
        (b"", "not UTF-8 JSON"),
        (b"[1, 2]", "JSON object, not list"),
        (b'{"screens": [{"id": "A"}]}', '"version"'),
        (b'{"version": 7.3, "screens": [{"id": "A"}]}', '"version"'),
        (b'{"version": "7.3"}', '"screens"'),
        (b'{"version": "7.3", "screens": []}', '"screens"'),
        (b'{"version": "7.3", "screens": {"id": "A"}}', '"screens"'),
        (b'{"version": "7.3", "screens": [{}], "data_api_version": 3}', "data_api_version"),
    ],
)
def test_files_that_are_not_flow_json_are_refused(
    free_emu: CamsEmulator, client: CamsClient, content: bytes, reason: str
) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], json=FLOW_JSON)
    err = refusal(lambda: attach(client, flow_id, free_emu.host_json(content)))
    assert (err.code, err.status_code) == ("Flow.JsonAssetInvalid", 400)
    assert err.data["Message"].startswith("The file at FilePath is not a flow JSON.")
    assert reason in err.data["Message"]
    assert json.loads(free_emu.flow_json(flow_id) or b"") == FLOW_JSON  # unchanged


def test_status_is_checked_before_any_download(free_emu: CamsEmulator, client: CamsClient) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], status="DEPRECATED")
    err = refusal(lambda: attach(client, flow_id, f"http://127.0.0.1:{_closed_port()}/x.json"))
    assert err.code == "Flow.StatusNotSupport"
    assert refusal(lambda: attach(client, "404404404404404", free_emu.host_json(FLOW_JSON))).code == (
        "Flow.NotFound"
    )


def test_fetching_from_the_emulator_itself_never_deadlocks(free_emu: CamsEmulator) -> None:
    """FilePath may be the emulator's own URL (hosted files, another flow's or even the same flow's
    stored JSON): the download runs outside the store lock, concurrently with other calls."""
    source = free_emu.add_flow("source", ["OTHER"], json=FLOW_JSON)
    source_url = free_emu.flow_json_url(source)
    targets = [free_emu.add_flow(f"t{i}", ["OTHER"]) for i in range(8)]

    def copy(flow_id: str) -> str:
        client = cams_client(free_emu, read_timeout=8000)
        assert attach(client, flow_id, source_url) == "OK"
        client.get_flow(m.GetFlowRequest(flow_id=flow_id))
        return attach(client, flow_id, free_emu.flow_json_url(flow_id))  # its own stored copy

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(copy, [*targets, source])) == ["OK"] * 9
    assert all(free_emu.flow_json(t) == free_emu.flow_json(source) for t in targets)


def test_a_faulted_attach_still_downloads_when_applied(emu: CamsEmulator) -> None:
    client = cams_client(emu)
    flow_id = emu.add_flow("f", ["OTHER"])
    emu.faults.add("server_error_after_apply", action="UpdateFlowJSONAsset")
    with pytest.raises(ServerException) as info:
        attach(client, flow_id, emu.host_json(FLOW_JSON))
    assert info.value.code == "InternalError"
    assert emu.flow_json(flow_id) is not None


# --------------------------------------------------------------------------- publishing needs JSON
def test_publish_without_json_is_refused(free_emu: CamsEmulator, client: CamsClient) -> None:
    flow_id = client.create_flow(m.CreateFlowRequest(flow_name="new", categories=["OTHER"])).body.data.flow_id
    err = refusal(lambda: client.publish_flow(m.PublishFlowRequest(flow_id=flow_id)))
    assert (err.code, err.status_code) == ("Flow.JSONNotFound", 400)
    assert err.data["Message"] == (
        f'The flow "{flow_id}" has no flow JSON: call UpdateFlowJSONAsset before publishing.'
    )
    assert status_of(client, flow_id) == "DRAFT"
    attach(client, flow_id, free_emu.host_json(FLOW_JSON))
    client.publish_flow(m.PublishFlowRequest(flow_id=flow_id))
    assert status_of(client, flow_id) == "PUBLISHED"


def test_require_flow_json_can_be_turned_off(client: CamsClient, free_emu: CamsEmulator) -> None:
    base = f"{free_emu.url}/_emulator"
    assert plain_http(f"{base}/require-flow-json", "POST", b'{"require_flow_json": false}')[0] == 200
    assert free_emu.require_flow_json is False
    flow_id = free_emu.add_flow("f", ["OTHER"])
    client.publish_flow(m.PublishFlowRequest(flow_id=flow_id))
    assert status_of(client, flow_id) == "PUBLISHED"
    assert plain_http(f"{base}/require-flow-json", "POST", b'{"require_flow_json": "no"}')[0] == 400


# --------------------------------------------------------------------------- updating a published flow
def test_published_update_reject_is_the_default(free_emu: CamsEmulator, client: CamsClient) -> None:
    assert free_emu.published_update == "reject"
    flow_id = free_emu.add_flow("f", ["OTHER"], status="PUBLISHED", json=FLOW_JSON)
    err = refusal(lambda: attach(client, flow_id, free_emu.host_json({"version": "7.2", "screens": [{}]})))
    assert err.code == "Flow.StatusNotSupport"
    assert err.data["Message"] == (
        f'The flow "{flow_id}" is PUBLISHED: UpdateFlowJSONAsset is not supported in this status.'
    )
    assert status_of(client, flow_id) == "PUBLISHED"
    assert json.loads(free_emu.flow_json(flow_id) or b"") == FLOW_JSON


def test_published_update_revert_to_draft(client: CamsClient, free_emu: CamsEmulator) -> None:
    free_emu.set_published_update("revert_to_draft")
    flow_id = free_emu.add_flow("f", ["OTHER"], status="PUBLISHED", json=FLOW_JSON)
    assert attach(client, flow_id, free_emu.host_json({"version": "7.2", "screens": [{"id": "B"}]})) == "OK"
    got = client.get_flow(m.GetFlowRequest(flow_id=flow_id)).body.data
    assert (got.status, got.jsonversion) == ("DRAFT", "7.2")
    client.publish_flow(m.PublishFlowRequest(flow_id=flow_id))  # published again
    assert status_of(client, flow_id) == "PUBLISHED"
    # A refused download leaves the flow PUBLISHED: the revert happens only with the new JSON.
    assert (
        refusal(lambda: attach(client, flow_id, free_emu.host_json(b"nope"))).code == "Flow.JsonAssetInvalid"
    )
    assert status_of(client, flow_id) == "PUBLISHED"
    # DEPRECATED stays refused, and ModifyFlow on a PUBLISHED flow stays refused in both modes.
    old = free_emu.add_flow("old", ["OTHER"], status="DEPRECATED", json=FLOW_JSON)
    assert refusal(lambda: attach(client, old, free_emu.host_json(FLOW_JSON))).code == "Flow.StatusNotSupport"
    modify = m.ModifyFlowRequest(flow_id=flow_id, flow_name="g", categories=["SURVEY"])
    assert refusal(lambda: client.modify_flow(modify)).code == "Flow.StatusNotSupport"


def test_published_update_switches(free_emu: CamsEmulator) -> None:
    with CamsEmulator(AK, SK, published_update="revert_to_draft") as emu:
        assert emu.published_update == "revert_to_draft"
    with pytest.raises(ValueError, match="published_update must be one of reject, revert_to_draft"):
        CamsEmulator(AK, SK, published_update="accept")
    with pytest.raises(ValueError):
        free_emu.set_published_update("revert")
    base = f"{free_emu.url}/_emulator"
    assert (
        plain_http(f"{base}/published-update", "POST", b'{"published_update": "revert_to_draft"}')[0] == 200
    )
    assert free_emu.published_update == "revert_to_draft"
    assert json.loads(plain_http(f"{base}/health")[1])["published_update"] == "revert_to_draft"
    status, body, _ = plain_http(f"{base}/published-update", "POST", b'{"published_update": "maybe"}')
    assert status == 400 and b"published_update must be one of" in body
    assert free_emu.published_update == "revert_to_draft"


# --------------------------------------------------------------------------- THROTTLED and BLOCKED
HEALTH_OUTCOMES = {
    "PublishFlow": "Flow.StatusNotSupport",
    "ModifyFlow": "Flow.StatusNotSupport",
    "DeleteFlow": "Flow.StatusNotSupport",
    "DeprecateFlow": "DEPRECATED",
}


@pytest.mark.parametrize("status", ["THROTTLED", "BLOCKED"])
@pytest.mark.parametrize("action", sorted(HEALTH_OUTCOMES))
def test_health_statuses(free_emu: CamsEmulator, client: CamsClient, status: str, action: str) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], json=FLOW_JSON)
    client.publish_flow(m.PublishFlowRequest(flow_id=flow_id))
    free_emu.set_flow_status(flow_id, status, reason="endpoint error rate above 10%")
    assert status_of(client, flow_id) == status
    assert free_emu.flows()[flow_id]["StatusReason"] == "endpoint error rate above 10%"
    requests = {
        "PublishFlow": lambda: client.publish_flow(m.PublishFlowRequest(flow_id=flow_id)),
        "ModifyFlow": lambda: client.modify_flow(
            m.ModifyFlowRequest(flow_id=flow_id, flow_name="g", categories=["OTHER"])
        ),
        "DeleteFlow": lambda: client.delete_flow(m.DeleteFlowRequest(flow_id=flow_id)),
        "DeprecateFlow": lambda: client.deprecate_flow(m.DeprecateFlowRequest(flow_id=flow_id)),
    }
    outcome = HEALTH_OUTCOMES[action]
    if outcome.startswith("Flow."):
        err = refusal(requests[action])
        assert err.code == outcome and f"is {status}: {action}" in err.data["Message"]
        assert status_of(client, flow_id) == status
    else:
        requests[action]()
        assert status_of(client, flow_id) == outcome
        assert free_emu.flows()[flow_id]["StatusReason"] is None


@pytest.mark.parametrize("status", ["THROTTLED", "BLOCKED"])
def test_health_statuses_follow_the_published_update_switch(
    free_emu: CamsEmulator, client: CamsClient, status: str
) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], status=status, json=FLOW_JSON)
    url = free_emu.host_json({"version": "7.2", "screens": [{"id": "B"}]})
    assert refusal(lambda: attach(client, flow_id, url)).code == "Flow.StatusNotSupport"
    free_emu.set_published_update("revert_to_draft")
    assert attach(client, flow_id, url) == "OK"
    assert status_of(client, flow_id) == "DRAFT"


def test_set_flow_status_over_control_and_its_errors(free_emu: CamsEmulator, client: CamsClient) -> None:
    flow_id = free_emu.add_flow("f", ["OTHER"], status="PUBLISHED", json=FLOW_JSON)
    base = f"{free_emu.url}/_emulator/flows"
    body = json.dumps({"status": "BLOCKED", "reason": "endpoint unavailable"}).encode()
    assert plain_http(f"{base}/{flow_id}/status", "POST", body)[:2] == (200, b'{"ok":true}')
    assert status_of(client, flow_id) == "BLOCKED"
    assert plain_http(f"{base}/{flow_id}/status", "POST", b'{"status": "PUBLISHED"}')[0] == 200
    assert (free_emu.flows()[flow_id]["Status"], free_emu.flows()[flow_id]["StatusReason"]) == (
        "PUBLISHED",
        None,
    )
    assert plain_http(f"{base}/404404404404404/status", "POST", b'{"status": "BLOCKED"}')[0] == 404
    assert plain_http(f"{base}/{flow_id}/status", "POST", b'{"status": "LIVE"}')[0] == 400
    assert plain_http(f"{base}/{flow_id}/status", "POST", b'{"reason": "x"}')[0] == 400
    with pytest.raises(KeyError):
        free_emu.set_flow_status("404404404404404", "BLOCKED")
    with pytest.raises(ValueError, match="THROTTLED, BLOCKED"):
        free_emu.set_flow_status(flow_id, "PAUSED")


# --------------------------------------------------------------------------- seeding
def test_seed_flow_with_json(free_emu: CamsEmulator, client: CamsClient) -> None:
    as_dict = free_emu.add_flow("d", ["OTHER"], "DRAFT", json=FLOW_JSON)
    as_text = free_emu.add_flow("t", ["OTHER"], json='{"version": "6.3", "screens": [1]}')
    as_bytes = free_emu.add_flow(
        "b", ["SURVEY"], "PUBLISHED", json=b'{"version":"7.0","screens":[1]}', cust_space_id="cams-x"
    )
    bare = free_emu.add_flow("n", ["OTHER"])
    default = free_emu.add_flow("w", ["OTHER"], with_json=True)
    versions = {
        fid: (f["JSONVersion"], f["DataApiVersion"], f["Status"], f["CustSpaceId"])
        for fid, f in free_emu.flows().items()
    }
    assert versions == {
        as_dict: ("7.3", "3.0", "DRAFT", None),
        as_text: ("6.3", None, "DRAFT", None),
        as_bytes: ("7.0", None, "PUBLISHED", "cams-x"),
        bare: (None, None, "DRAFT", None),
        default: ("6.0", None, "DRAFT", None),
    }
    assert free_emu.flow_json(as_text) == b'{"version": "6.3", "screens": [1]}'
    assert json.loads(free_emu.flow_json(as_dict) or b"") == FLOW_JSON
    assert free_emu.flows()[as_dict]["FilePath"] is None  # seeded: downloaded from nowhere
    asset = client.get_flow_jsonassest(m.GetFlowJSONAssestRequest(flow_id=as_dict)).body.data
    assert plain_http(asset.file_path)[1] == free_emu.flow_json(as_dict)
    client.publish_flow(m.PublishFlowRequest(flow_id=as_dict))
    with pytest.raises(ValueError, match="screens"):
        free_emu.add_flow("bad", ["OTHER"], json={"version": "7.3"})
    with pytest.raises(ValueError, match="THROTTLED"):
        free_emu.add_flow("bad", ["OTHER"], status="LIVE")
    seeded = free_emu.add_flow("h", ["OTHER"], status="THROTTLED", json=FLOW_JSON)
    assert status_of(client, seeded) == "THROTTLED"


def test_seed_over_control_with_json(free_emu: CamsEmulator) -> None:
    body = json.dumps({"name": "s", "categories": ["OTHER"], "json": FLOW_JSON}).encode()
    status, raw, _ = plain_http(f"{free_emu.url}/_emulator/flows", "POST", body)
    flow_id = json.loads(raw)["FlowId"]
    assert status == 200 and free_emu.flows()[flow_id]["JSONVersion"] == "7.3"
    bad = json.dumps({"name": "s", "categories": ["OTHER"], "json": {"screens": []}}).encode()
    assert plain_http(f"{free_emu.url}/_emulator/flows", "POST", bad)[0] == 400


# --------------------------------------------------------------------------- hosting over HTTP
def test_asset_control_endpoints(free_emu: CamsEmulator) -> None:
    base = f"{free_emu.url}/_emulator/assets"
    raw = b'{"version": "7.3", "screens": [{"id": "A"}]}  '
    status, body, _ = plain_http(f"{base}/signup.json", "PUT", raw)
    assert (status, json.loads(body)) == (200, {"name": "signup.json", "url": f"{base}/signup.json"})
    assert plain_http(f"{base}/signup.json") == (200, raw, "application/json")
    assert free_emu.hosted_json("signup.json") == raw
    status, body, _ = plain_http(base, "POST", b"not even json")
    generated = json.loads(body)
    assert status == 200 and generated["name"].endswith(".json")
    assert plain_http(generated["url"])[1] == b"not even json"

    flow_id = free_emu.add_flow("f", ["OTHER"])
    assert attach(cams_client(free_emu), flow_id, f"{base}/signup.json") == "OK"
    assert plain_http(f"{free_emu.url}/_emulator/flows/{flow_id}/json")[1] == raw
    assert plain_http(f"{free_emu.url}/_emulator/flows/{free_emu.add_flow('n', ['OTHER'])}/json")[0] == 404
    assert plain_http(f"{free_emu.url}/_emulator/flows/404404404404404/json")[0] == 404

    assert plain_http(f"{base}/signup.json", "DELETE")[0] == 200
    assert plain_http(f"{base}/signup.json")[0] == 404
    assert plain_http(f"{base}/signup.json", "DELETE")[0] == 404
    assert plain_http(f"{base}/..hidden", "PUT", b"{}")[0] == 400
    assert plain_http(f"{base}/a..b", "PUT", b"{}")[0] == 400
    assert plain_http(f"{base}/a/b", "PUT", b"{}")[0] == 404
    with pytest.raises(ValueError, match="asset name"):
        free_emu.host_json("{}", name="../etc/passwd")
    with pytest.raises(TypeError):
        free_emu.host_json(123)  # type: ignore[arg-type]

    free_emu.host_json(FLOW_JSON, name="kept.json")
    free_emu.reset()
    assert plain_http(f"{base}/kept.json")[0] == 404 and free_emu.published_update == "reject"


def test_asset_endpoints_answer_loopback_clients_only(emu: CamsEmulator) -> None:
    name = emu.host_json(FLOW_JSON).rsplit("/", 1)[-1]
    flow_id = emu.add_flow("f", ["OTHER"], json=FLOW_JSON)
    for method, path, body in [
        ("GET", f"/_emulator/assets/{name}", b""),
        ("PUT", "/_emulator/assets/evil.json", b"{}"),
        ("GET", f"/_emulator/flows/{flow_id}/json", b""),
        ("POST", f"/_emulator/flows/{flow_id}/status", b'{"status": "BLOCKED"}'),
    ]:
        request = WireRequest(method, path, "", [], body, 0.0, 0.0, "192.0.2.7")
        assert handle_control(emu, request).status == 403
    assert emu.hosted_json("evil.json") is None and emu.flows()[flow_id]["Status"] == "DRAFT"


# --------------------------------------------------------------------------- CLI and docs of the codes


def test_new_codes_are_marked_assumed() -> None:
    for code in ("Flow.JsonAssetUnreachable", "Flow.JsonAssetInvalid", "Flow.JSONNotFound"):
        assert code in ASSUMED_ERROR_CODES
    assert "FilePath" in ASSUMED_ERROR_CODES["InvalidParameter"][2]
