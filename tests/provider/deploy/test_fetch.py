"""The one path that reads a Flow JSON back: timeout, retries, size cap, no signature in errors."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from airflow_provider_cams.deploy.fetch import FlowJsonFetchError, fetch_flow_json, redact_url


class _Server(http.server.ThreadingHTTPServer):
    answers: list[tuple[int, bytes]]
    hits: int = 0


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        status, body = self.server.answers[min(self.server.hits, len(self.server.answers) - 1)]
        self.server.hits += 1
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.answers = [(200, b"{}")]
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _url(srv: _Server) -> str:
    return (
        f"http://127.0.0.1:{srv.server_address[1]}/flow.json?X-Amz-Signature=deadbeef&X-Amz-Credential=AKID"
    )


def test_a_5xx_is_retried_then_the_bytes_are_returned(server: _Server) -> None:
    server.answers = [(503, b""), (200, b'{"ok": 1}')]
    assert fetch_flow_json(_url(server), attempts=3) == b'{"ok": 1}'
    assert server.hits == 2


def test_a_4xx_fails_at_once_without_the_signature(server: _Server) -> None:
    server.answers = [(403, b"denied")]
    with pytest.raises(FlowJsonFetchError, match="HTTP 403") as caught:
        fetch_flow_json(_url(server), attempts=3)
    assert server.hits == 1 and not caught.value.transient
    assert "deadbeef" not in str(caught.value) and "AKID" not in str(caught.value)


def test_more_than_the_cap_is_refused(server: _Server) -> None:
    server.answers = [(200, b"x" * 101)]
    with pytest.raises(FlowJsonFetchError, match="larger than 100 bytes"):
        fetch_flow_json(_url(server), max_bytes=100)


def test_an_unreachable_host_is_transient_and_says_so() -> None:
    with pytest.raises(FlowJsonFetchError, match="failed") as caught:
        fetch_flow_json("http://127.0.0.1:9/x.json?Signature=s3cr3t", attempts=2, timeout=2)
    assert caught.value.transient and "s3cr3t" not in str(caught.value)


def test_redact_url_keeps_where_drops_the_query() -> None:
    assert redact_url("https://h.example:8443/a/b.json?Signature=x#f") == (
        "https://h.example:8443/a/b.json?<signature removed>"
    )
    assert redact_url("https://user:pw@h.example/a") == "https://h.example/a"
