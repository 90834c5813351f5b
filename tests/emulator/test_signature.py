"""ACS3-HMAC-SHA256 verification: what passes, what is rejected and with which code.

Requests are signed by the SDK (captured and replayed byte for byte for tampering) or by the test-only
spec signer in helpers.py; the verifier must accept both, which cross-checks all three.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
from alibabacloud_cams20200606 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils import Utils
from darabonba.request import DaraRequest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_cams.testing import CamsEmulator
from airflow_provider_cams.testing.signature import Credential, CredentialStore, SignatureVerifier
from tests.emulator.helpers import AK, SK, RawRequest, cams_client, capture, config, send_raw, spec_sign


def _captured_create(flow_name: str = "tamper-me") -> RawRequest:
    """A CreateFlow request signed by the official SDK with the emulator's credentials."""

    def send(endpoint: str) -> None:
        from alibabacloud_cams20200606.client import Client

        Client(config(endpoint)).create_flow(m.CreateFlowRequest(flow_name=flow_name, categories=["OTHER"]))

    return capture(send)


def test_wrong_secret_is_signature_does_not_match(emu: CamsEmulator) -> None:
    with pytest.raises(ClientException) as info:
        cams_client(emu, access_key_secret="not-the-secret").list_flow(m.ListFlowRequest())
    exc = info.value
    assert (exc.code, exc.status_code) == ("SignatureDoesNotMatch", 400)
    assert exc.data["Message"].startswith(
        "Specified signature is not matched with our calculation. server string to sign is:ACS3-HMAC-SHA256\n"
    )
    assert exc.request_id == exc.data["RequestId"] == emu.requests()[0].request_id
    assert exc.data["HostId"] == "cams.ap-southeast-1.aliyuncs.com"
    assert exc.data["Recommend"].endswith(f"q=SignatureDoesNotMatch&product=cams&requestId={exc.request_id}")
    (record,) = emu.requests()
    assert (record.access_key_id, record.admitted, record.action) == (AK, False, "ListFlow")


def test_unknown_access_key_id(emu: CamsEmulator) -> None:
    with pytest.raises(ClientException) as info:
        cams_client(emu, access_key_id="nobody").list_flow(m.ListFlowRequest())
    assert (info.value.code, info.value.status_code) == ("InvalidAccessKeyId.NotFound", 404)


def test_sdk_request_replayed_untouched_is_accepted(emu: CamsEmulator) -> None:
    status, body, headers = send_raw(emu, _captured_create())
    assert (status, body["Code"]) == (200, "OK")
    assert headers["x-acs-request-id"] == body["RequestId"]
    assert headers["content-type"] == "application/json;charset=utf-8"


def test_tampered_query_is_rejected(emu: CamsEmulator) -> None:
    raw = _captured_create()
    assert "tamper-me" in raw.target
    status, body, _ = send_raw(emu, raw.with_target(raw.target.replace("tamper-me", "tamper-mf")))
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    assert emu.flows() == {}


def test_tampered_signed_header_is_rejected(emu: CamsEmulator) -> None:
    raw = _captured_create()
    agent = next(v for k, v in raw.headers if k.lower() == "user-agent")
    status, body, _ = send_raw(emu, raw.with_header("user-agent", agent + "x"))
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")


def test_unsigned_headers_only_pass_outside_x_acs(emu: CamsEmulator) -> None:
    raw = _captured_create()
    status, body, _ = send_raw(emu, raw.with_header("X-Forwarded-For", "10.0.0.1"))
    assert (status, body["Code"]) == (200, "OK")
    raw = _captured_create()
    status, body, _ = send_raw(emu, raw.with_header("x-acs-extra", "1"))
    assert (status, body["Code"]) == (400, "IncompleteSignature")
    assert "unsigned: x-acs-extra" in body["Message"]


def test_replayed_nonce_is_rejected_and_not_applied_twice(emu: CamsEmulator) -> None:
    raw = _captured_create()
    assert send_raw(emu, raw)[1]["Code"] == "OK"
    status, body, _ = send_raw(emu, raw)
    assert (status, body["Code"]) == (400, "SignatureNonceUsed")
    assert len(emu.flows()) == 1


def test_spec_signer_and_sdk_are_both_accepted(emu: CamsEmulator) -> None:
    raw = spec_sign(emu.endpoint, "CreateFlow", {"FlowName": "spec é 中 ~*+", "Categories": '["OTHER"]'})
    status, body, _ = send_raw(emu, raw)
    assert (status, body["Code"]) == (200, "OK")
    assert body["Data"]["FlowName"] == "spec é 中 ~*+"
    assert send_raw(emu, _captured_create())[1]["Code"] == "OK"


@pytest.mark.parametrize(
    ("minutes", "code"),
    [(-20, "InvalidTimeStamp.Expired"), (20, "InvalidTimeStamp.Expired"), (-10, "OK"), (10, "OK")],
)
def test_request_date_must_be_within_15_minutes(emu: CamsEmulator, minutes: int, code: str) -> None:
    when = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    raw = spec_sign(emu.endpoint, "ListFlow", {}, date=when)
    assert send_raw(emu, raw)[1]["Code"] == code


def test_declared_body_hash_must_match_the_body(emu: CamsEmulator) -> None:
    ok = spec_sign(emu.endpoint, "ListFlow", {}, body=b'{"ignored": true}')
    assert send_raw(emu, ok)[1]["Code"] == "OK"
    lying = spec_sign(emu.endpoint, "ListFlow", {}, declared_body_hash=hashlib.sha256(b"x").hexdigest())
    assert send_raw(emu, lying)[1]["Code"] == "SignatureDoesNotMatch"


def test_v2_hmac_sha1_signing_is_incomplete_signature(emu: CamsEmulator) -> None:
    client = cams_client(emu, signature_algorithm="v2")
    with pytest.raises(ClientException) as info:
        client.list_flow(m.ListFlowRequest())
    assert info.value.code == "IncompleteSignature"
    assert "v2" in info.value.data["Message"]


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, "Authorization header is missing"),
        ("ACS3-HMAC-SM3 Credential=AK,SignedHeaders=host,Signature=0", "Unsupported signature algorithm"),
        ("ACS3-HMAC-SHA256 Credential=AK-test", "lacks SignedHeaders, Signature"),
    ],
    ids=["no-authorization", "sm3", "truncated"],
)
def test_incomplete_authorization(emu: CamsEmulator, authorization: str | None, reason: str) -> None:
    raw = spec_sign(emu.endpoint, "ListFlow", {})
    if authorization is None:
        kept = [h for h in raw.headers if h[0] != "Authorization"]
        raw = RawRequest(raw.method, raw.target, kept, raw.body)
    else:
        raw = raw.with_header("Authorization", authorization)
    status, body, _ = send_raw(emu, raw)
    assert (status, body["Code"]) == (400, "IncompleteSignature")
    assert reason in body["Message"]


def test_parse_errors_come_before_authentication(emu: CamsEmulator) -> None:
    status, body, _ = send_raw(emu, spec_sign(emu.endpoint, "ListFlow", {}, version="2017-05-25"))
    assert (status, body["Code"]) == (400, "InvalidVersion")
    status, body, _ = send_raw(emu, spec_sign(emu.endpoint, "SendMessage", {}))
    assert (status, body["Code"]) == (404, "InvalidAction.NotFound")
    status, body, _ = send_raw(emu, spec_sign(emu.endpoint, "ListFlow", {"Action": "GetFlow"}))
    assert (status, body["Code"]) == (400, "InvalidParameter")
    status, body, _ = send_raw(emu, spec_sign(emu.endpoint, "ListFlow", {}).with_target("/v1/flows"))
    assert (status, body["Code"]) == (404, "InvalidAction.NotFound")
    assert all(not r.admitted for r in emu.requests())


def test_get_is_accepted_like_post(emu: CamsEmulator) -> None:
    status, body, _ = send_raw(emu, spec_sign(emu.endpoint, "ListFlow", {}, method="GET"))
    assert (status, body["Code"], body["Data"]) == (200, "OK", [])


# --------------------------------------------------------------------------- the verifier alone
FIXED_NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
keys = st.text(st.characters(categories=["Lu", "Ll", "Nd"]), min_size=1, max_size=12)
values = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


def _verifier() -> SignatureVerifier:
    return SignatureVerifier(CredentialStore([Credential(AK, SK)]), clock=FIXED_NOW.timestamp)


def _sdk_signed(query: dict[str, str]) -> tuple[str, list[tuple[str, str]]]:
    """Sign with the SDK's own signing function, exactly as do_request does."""
    request = DaraRequest()
    request.method, request.pathname, request.query = "POST", "/", query
    payload = hashlib.sha256(b"").hexdigest()
    request.headers = {
        "host": "cams.ap-southeast-1.aliyuncs.com",
        "x-acs-version": "2020-06-06",
        "x-acs-action": "ListFlow",
        "x-acs-date": FIXED_NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "accept": "application/json",
        "x-acs-content-sha256": payload,
    }
    auth = Utils.get_authorization(request, "ACS3-HMAC-SHA256", payload, AK, SK)
    return urlencode(query), [*request.headers.items(), ("Authorization", auth)]


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(keys, values, max_size=6))
def test_verifier_accepts_what_the_sdk_and_the_spec_signer_sign(query: dict[str, str]) -> None:
    verifier = _verifier()
    raw_query, headers = _sdk_signed(query)
    assert verifier.verify("POST", "/", raw_query, headers, b"").ok

    spec = spec_sign("h:1", "ListFlow", query, date=FIXED_NOW)
    assert verifier.verify("POST", "/", spec.target.partition("?")[2], spec.headers, b"").ok


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=6), st.data())
def test_verifier_rejects_any_changed_value(query: dict[str, str], data: st.DataObject) -> None:
    _, headers = _sdk_signed(query)
    key = data.draw(st.sampled_from(sorted(query)))
    changed = {**query, key: query[key] + data.draw(values.filter(bool))}
    verdict = _verifier().verify("POST", "/", urlencode(changed), headers, b"")
    assert (verdict.ok, verdict.code) == (False, "SignatureDoesNotMatch")
