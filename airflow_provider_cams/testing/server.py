"""The HTTP layer of the emulator: a threaded HTTP/1.1 keep-alive server with no CAMS knowledge.

It turns each request into a :class:`WireRequest`, asks the app for a :class:`WireResponse`, and carries
out the response's delay and drop instructions. Delays wait on the stop event, so ``stop()`` never waits
for a sleeping fault. Every response carries Content-Length, so pooled keep-alive clients (requests'
Session, aiohttp) stay in sync.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, Protocol, cast
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# RPC bodies are empty; control PUTs of hosted Flow JSON files may be above the 10 MB fetch limit.
MAX_BODY_BYTES = 24 << 20
# An idle keep-alive connection is closed after this long. Long, because the SDK does not retry a call
# whose pooled connection the server closed at the same moment; stop() closes idle connections anyway.
IDLE_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class WireRequest:
    """One HTTP request as received; ``received_*`` are taken when the request line arrived."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    received_at: float
    received_mono: float
    client_host: str


@dataclass(frozen=True)
class WireResponse:
    """What to answer; ``drop`` closes the connection without an answer, after ``delay`` seconds."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    delay: float = 0.0
    drop: bool = False

    @classmethod
    def json(
        cls, status: int, payload: Any, headers: Iterable[tuple[str, str]] = (), delay: float = 0.0
    ) -> WireResponse:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status, (("Content-Type", "application/json;charset=utf-8"), *headers), body, delay)


class App(Protocol):
    def handle(self, request: WireRequest) -> WireResponse: ...


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def real_stamp() -> tuple[float, float]:
    """An arrival stamp from the real clocks: (``time.time()``, ``time.monotonic()``)."""
    return time.time(), time.monotonic()


class EmulatorHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that tracks its connections and handler threads so stop() can end them."""

    daemon_threads = True

    def __init__(
        self,
        host: str,
        port: int,
        app: App,
        stop_event: threading.Event,
        stamp: Callable[[], tuple[float, float]] = real_stamp,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.app = app
        self.stamp = stamp
        self.stop_event = stop_event
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup that can stall for seconds.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            daemon=True,
            name=f"cams-emulator-conn-{client_address[1]}",
        )
        with self._lock:
            self._connections.add(request)
            self._handler_threads.add(thread)
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._connections.discard(request)
                self._handler_threads.discard(threading.current_thread())

    def close_connections(self, join_timeout: float = 2.0) -> None:
        """Shut every open connection (idle keep-alive ones included) and wait briefly for handlers."""
        with self._lock:
            connections, threads = list(self._connections), list(self._handler_threads)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + join_timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CamsEmulator"
    sys_version = ""
    timeout = IDLE_TIMEOUT_SECONDS
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle plus the client's delayed ACK
    # add ~40 ms to every keep-alive call.
    disable_nagle_algorithm = True

    _received_at = 0.0
    _received_mono = 0.0

    @property
    def _server(self) -> EmulatorHTTPServer:
        return cast(EmulatorHTTPServer, self.server)

    def parse_request(self) -> bool:
        # Called right after the request line is read: the arrival stamp for records and the limiter.
        self._received_at, self._received_mono = self._server.stamp()
        return super().parse_request()

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except _BadRequest as exc:
            self.close_connection = True
            self._send(WireResponse.json(exc.status, {"error": str(exc)}))
            return
        split = urlsplit(self.path)
        request = WireRequest(
            method=self.command,
            path=split.path or "/",
            query=split.query,
            headers=list(self.headers.items()),
            body=body,
            received_at=self._received_at,
            received_mono=self._received_mono,
            client_host=str(self.client_address[0]),
        )
        try:
            response = self._server.app.handle(request)
        except Exception:
            log.exception("emulator failed on %s %s", self.command, self.path)
            response = WireResponse.json(500, {"Code": "InternalError", "Message": "emulator bug, see log"})
        if response.delay > 0 and self._server.stop_event.wait(response.delay):
            response = WireResponse(drop=True)  # stopping: do not keep the client waiting
        if response.drop:
            self._drop()
        else:
            self._send(response)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _BadRequest(400, "bad Content-Length") from None
        if length < 0 or length > MAX_BODY_BYTES:
            raise _BadRequest(413, "body too large")
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(400, "bad chunk size") from None
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailers
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise _BadRequest(413, "body too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _send(self, response: WireResponse) -> None:
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(response.body)
        except OSError:  # the client went away (e.g. it timed out first)
            self.close_connection = True

    def _drop(self) -> None:
        """Close the connection with no answer: the client sees EOF at once, not a hang."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)
