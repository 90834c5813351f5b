"""The ``cams-emulator`` console script (airflow_provider_cams.testing.cli)."""

from __future__ import annotations

import signal

import pytest
from alibabacloud_cams20200606 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException

from airflow_provider_cams.testing.cli import build_parser
from tests.emulator.helpers import config, control, start_cli


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_cli_serves_until_signalled(stop_signal: signal.Signals) -> None:
    proc, endpoint = start_cli(
        "--access-key-id",
        "cli-ak",
        "--access-key-secret",
        "cli-sk",
        "--sts",
        "STS.cli:sts-sk:tok:with:colons",
        "--no-rate-limit",
        "--require-flow-json",
    )
    try:
        host, port = endpoint.rsplit(":", 1)
        assert host == "127.0.0.1" and int(port) > 0
        from alibabacloud_cams20200606.client import Client

        client = Client(config(endpoint, "cli-ak", "cli-sk"))
        created = client.create_flow(m.CreateFlowRequest(flow_name="cli", categories=["OTHER"]))
        flow_id = created.body.data.flow_id
        with pytest.raises(ClientException) as info:  # --require-flow-json is on
            client.publish_flow(m.PublishFlowRequest(flow_id=flow_id))
        assert info.value.code == "Flow.JSONNotFound"
        sts = Client(config(endpoint, "STS.cli", "sts-sk", security_token="tok:with:colons"))
        assert sts.get_flow(m.GetFlowRequest(flow_id=flow_id)).body.data.status == "DRAFT"
        records = control(f"http://{endpoint}/_emulator/requests")[1]
        assert [r["access_key_id"] for r in records] == ["cli-ak", "cli-ak", "STS.cli"]
    finally:
        proc.send_signal(stop_signal)
        returncode = proc.wait(timeout=60)
    assert returncode == 0, proc.communicate()[1]


def test_cli_random_faults() -> None:
    proc, endpoint = start_cli("--fault-rate", "1", "--fault-kinds", "server_error", "--seed", "3")
    try:
        from alibabacloud_cams20200606.client import Client

        with pytest.raises(ServerException):
            Client(config(endpoint, "test-ak", "test-sk")).list_flow(m.ListFlowRequest())
    finally:
        proc.terminate()
        assert proc.wait(timeout=60) == 0


@pytest.mark.parametrize("args", [["--sts", "only-two:parts"], ["--rate-limit", "3", "--no-rate-limit"]])
def test_cli_rejects_bad_arguments(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from airflow_provider_cams.testing.cli import main

    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2


def test_cli_listening_line_means_it_accepts_connections() -> None:
    """The listening line is printed only once the socket accepts connections: no polling needed."""
    proc, endpoint = start_cli()
    try:
        assert control(f"http://{endpoint}/_emulator/health")[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_cli_flags() -> None:
    defaults = build_parser().parse_args([])
    assert (defaults.require_flow_json, defaults.published_update, defaults.json_fetch_timeout) == (
        True,
        None,  # the dialect's (guess: reject)
        5.0,
    )
    assert (defaults.dialect, defaults.dialect_switch) == ("guess", [])
    args = build_parser().parse_args(
        ["--no-require-flow-json", "--published-update", "revert_to_draft", "--json-fetch-timeout", "2"]
    )
    assert (args.require_flow_json, args.published_update, args.json_fetch_timeout) == (
        False,
        "revert_to_draft",
        2.0,
    )
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--published-update", "accept"])
