"""CamsEmulator's public API (testing/emulator.py): start and stop, the connection it offers, seeding, reset.

One RPC's pipeline through it (auth, rate, fault, record) is exercised over HTTP by test_sdk_roundtrip.py,
test_signature.py, test_ratelimit.py and test_faults.py.
"""

from __future__ import annotations

import json

import pytest

from airflow_provider_cams.testing import CamsEmulator
from tests.emulator.helpers import AK, SK, call, generic_client, plain_http

FLOW_JSON = {"version": "7.3", "data_api_version": "3.0", "routing_model": {}, "screens": [{"id": "A"}]}


def test_lifecycle_rules() -> None:
    emu = CamsEmulator(AK, SK)
    assert not emu.running
    with pytest.raises(RuntimeError, match="start"):
        _ = emu.port
    with emu:
        assert emu.running
        first_port = emu.port
        assert (emu.endpoint, emu.url) == (f"127.0.0.1:{first_port}", f"http://127.0.0.1:{first_port}")
        with pytest.raises(RuntimeError, match="already running"):
            emu.start()
    emu.stop()  # idempotent
    with emu:  # restartable, on the same port once bound
        assert emu.port == first_port


def test_connection_uri_json(emu: CamsEmulator) -> None:
    conn = json.loads(emu.connection_uri_json())
    assert conn == {
        "conn_type": "cams",
        "login": AK,
        "password": SK,
        "extra": {"region_id": "ap-southeast-1", "endpoint": emu.endpoint, "protocol": "http"},
    }
    overridden = emu.connection_uri_json({"read_timeout": 2, "protocol": "HTTP"}, cust_space_id="cams-1")
    assert json.loads(overridden)["extra"] == {
        "region_id": "ap-southeast-1",
        "endpoint": emu.endpoint,
        "protocol": "HTTP",
        "cust_space_id": "cams-1",
        "read_timeout": 2,
    }


def test_host_json_before_start_gives_a_path_then_a_url() -> None:
    emu = CamsEmulator(AK, SK)
    assert emu.host_json(FLOW_JSON, name="early.json") == "/_emulator/assets/early.json"
    with emu:
        assert emu.asset_url("early.json") == f"{emu.url}/_emulator/assets/early.json"
        assert plain_http(emu.asset_url("early.json"))[0] == 200


def test_seed_flow_is_a_deprecated_alias_of_add_flow() -> None:
    emu = CamsEmulator()  # not started: seeding is in-process only
    with pytest.warns(DeprecationWarning, match="add_flow"):
        old = emu.seed_flow("old", ["OTHER"], "PUBLISHED", FLOW_JSON, "cams-x")
    new = emu.add_flow("new", ["OTHER"], "PUBLISHED", json=FLOW_JSON, cust_space_id="cams-x")
    same = ("Status", "CustSpaceId", "JSONVersion", "Categories")
    assert {k: emu.flows()[old].get(k) for k in same} == {k: emu.flows()[new].get(k) for k in same}
    assert emu.flow_json(old) == emu.flow_json(new) is not None


def test_reset_forgets_everything(free_emu: CamsEmulator) -> None:
    client = generic_client(free_emu)
    free_emu.add_flow("f", ["OTHER"])
    free_emu.faults.add("slow", delay=0)
    call(client, "ListFlow")
    free_emu.reset()
    assert (free_emu.flows(), free_emu.requests(), free_emu.faults.injected(), free_emu.faults.rules()) == (
        {},
        [],
        {},
        [],
    )
