"""Flow JSON assets: loopback-only downloads, the emulator's own minimal reading, and hosted files.

CAMS documents only that ``UpdateFlowJSONAsset`` takes ``FilePath``, "the URL of the flow JSON". When it
downloads that URL, how long the URL must stay readable, whether it keeps a copy and how it validates the
file are NOT documented. The emulator's choices, all ASSUMED:

* It downloads ``FilePath`` during the ``UpdateFlowJSONAsset`` call and keeps the bytes; a URL that
  stops working afterwards changes nothing.
* Only ``http``/``https`` URLs whose host is loopback (127.0.0.0/8, ``localhost``, ``::1``) are fetched:
  an emulator must never reach out to the network. Anything else is ``InvalidParameter`` (FilePath).
* No proxies, no redirects (a 3xx counts as unreachable), at most ``MAX_JSON_BYTES`` (10 MB, the limit
  Meta documents for a Flow JSON) within ``FETCH_TIMEOUT_SECONDS``; a failed download is
  ``Flow.JsonAssetUnreachable``.
* The body must be a UTF-8 JSON object with a non-empty string ``version`` and a non-empty list
  ``screens``; ``data_api_version``, when present, must be a non-empty string. Anything else is
  ``Flow.JsonAssetInvalid``. This is a deliberately minimal reading of the file, independent of any
  provider-side validator: it checks the two fields every Flow JSON has, nothing more.

``HostedAssets`` is where ``CamsEmulator.host_json`` keeps files so tests have a loopback URL to attach.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_cams.loopback import is_loopback_host
from airflow_provider_cams.testing.errors import CamsErrorAnswer

MAX_JSON_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 5.0
_CHUNK = 64 * 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

# A small Flow JSON for seeded flows (``add_flow(with_json=True)``): one terminal screen.
DEFAULT_FLOW_JSON: dict[str, Any] = {
    "version": "6.0",
    "screens": [
        {
            "id": "WELCOME",
            "title": "Welcome",
            "terminal": True,
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {
                        "type": "Footer",
                        "label": "Done",
                        "on-click-action": {"name": "complete", "payload": {}},
                    }
                ],
            },
        }
    ],
}


@dataclass(frozen=True)
class FlowJson:
    """A stored Flow JSON: the exact bytes, and what GetFlow reports from them."""

    content: bytes
    version: str
    data_api_version: str | None


def to_bytes(content: bytes | str | Mapping[str, Any]) -> bytes:
    """Bytes as given, str as UTF-8, a mapping as compact JSON."""
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode("utf-8")
    if isinstance(content, Mapping):
        return json.dumps(dict(content), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    raise TypeError(f"content must be bytes, str or a dict, got {type(content).__name__}")


def _bad_path(reason: str) -> CamsErrorAnswer:
    return CamsErrorAnswer("InvalidParameter", name="FilePath", reason=reason)


def check_fetch_url(url: str) -> str:
    """The URL if the emulator may download it, else InvalidParameter (FilePath). ASSUMED (see module)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise _bad_path("It is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not host:
        raise _bad_path("It must be an absolute http or https URL.")
    if not is_loopback_host(host):
        raise _bad_path(
            f"The CAMS emulator only downloads from loopback hosts (127.0.0.0/8, localhost, ::1), not "
            f"{host!r:.80}: host the file with CamsEmulator.host_json() or PUT /_emulator/assets/<name>."
        )
    return url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError for the 3xx


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _unreachable(url: str, reason: str) -> CamsErrorAnswer:
    return CamsErrorAnswer("Flow.JsonAssetUnreachable", file_path=url[:200], reason=reason)


def fetch(url: str, timeout: float = FETCH_TIMEOUT_SECONDS, max_bytes: int = MAX_JSON_BYTES) -> bytes:
    """Download a checked loopback URL: the body of a 2xx answer, within ``timeout`` seconds overall.

    Never call this while holding a lock the emulator's own HTTP handlers need: the URL may point at the
    emulator itself (``/_emulator/assets/...``).
    """
    check_fetch_url(url)
    deadline = time.monotonic() + timeout
    try:
        with _OPENER.open(urllib.request.Request(url, method="GET"), timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise _unreachable(url, f"It is larger than {max_bytes} bytes.")
            chunks: list[bytes] = []
            total = 0
            while True:
                if time.monotonic() > deadline:
                    raise _unreachable(url, f"The download took longer than {timeout:g} s.")
                chunk = response.read(_CHUNK)
                if not chunk:
                    return b"".join(chunks)
                total += len(chunk)
                if total > max_bytes:
                    raise _unreachable(url, f"It is larger than {max_bytes} bytes.")
                chunks.append(chunk)
    except urllib.error.HTTPError as exc:
        raise _unreachable(url, f"The server answered HTTP {exc.code}.") from None
    except urllib.error.URLError as exc:
        raise _unreachable(url, f"{exc.reason}.") from None
    except TimeoutError:
        raise _unreachable(url, f"No answer within {timeout:g} s.") from None
    except (OSError, ValueError) as exc:  # reset connections, bad status lines...
        raise _unreachable(url, f"{type(exc).__name__}: {exc}.") from None


def _invalid(reason: str) -> CamsErrorAnswer:
    return CamsErrorAnswer("Flow.JsonAssetInvalid", reason=reason)


def read_flow_json(content: bytes) -> FlowJson:
    """The emulator's minimal reading of a Flow JSON (ASSUMED, see the module docstring)."""
    try:
        value = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _invalid("It is not UTF-8 JSON.") from None
    if not isinstance(value, dict):
        raise _invalid(f"It must be a JSON object, not {type(value).__name__}.")
    version = value.get("version")
    if not isinstance(version, str) or not version.strip():
        raise _invalid('It has no "version" string (e.g. "7.3").')
    screens = value.get("screens")
    if not isinstance(screens, list) or not screens:
        raise _invalid('It has no non-empty "screens" list.')
    data_api = value.get("data_api_version")
    if data_api is not None and (not isinstance(data_api, str) or not data_api.strip()):
        raise _invalid('"data_api_version" must be a string (e.g. "3.0").')
    return FlowJson(content, version, data_api)


class HostedAssets:
    """Files served at ``/_emulator/assets/<name>`` (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, bytes] = {}

    @staticmethod
    def check_name(name: str) -> str:
        if not _NAME.fullmatch(name) or ".." in name:
            raise ValueError(
                f"asset name {name!r:.80} must be 1-128 of A-Z a-z 0-9 . _ - "
                "(starting with a letter or digit)"
            )
        return name

    def put(self, content: bytes | str | Mapping[str, Any], name: str | None = None) -> str:
        data = to_bytes(content)
        if len(data) > 2 * MAX_JSON_BYTES:
            raise ValueError(f"hosted files are limited to {2 * MAX_JSON_BYTES} bytes")
        name = self.check_name(name) if name is not None else f"{secrets.token_hex(8)}.json"
        with self._lock:
            self._files[name] = data
        return name

    def get(self, name: str) -> bytes | None:
        with self._lock:
            return self._files.get(name)

    def delete(self, name: str) -> bool:
        with self._lock:
            return self._files.pop(name, None) is not None

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._files)

    def clear(self) -> None:
        with self._lock:
            self._files.clear()
