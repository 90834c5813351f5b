"""The one path that reads a Flow JSON back over HTTP: CAMS's copy (GetFlowJSONAssest's FilePath).

A timeout per attempt, retries of what can heal (network errors, timeouts, HTTP 5xx and 429) with
tenacity, a size cap, and errors that say what went wrong without the URL's query string: CAMS's
FilePath, like our own signed URLs, may carry a signature.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_cams.exceptions import CamsError

MAX_JSON_BYTES = 10_000_000  # Meta's Flow JSON limit (10 MB, per AWS and Infobip)
FETCH_TIMEOUT = 10.0  # seconds per attempt
FETCH_ATTEMPTS = 3


class FlowJsonFetchError(CamsError):
    """A Flow JSON could not be read back. ``transient``: a retry may succeed."""

    def __init__(self, message: str, *, transient: bool) -> None:
        self.transient = transient
        super().__init__(message)


def redact_url(url: str) -> str:
    """``scheme://host/path`` without query or fragment: what a message may show of a signed URL."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", "")) + (
        "?<signature removed>" if parts.query else ""
    )


def fetch_flow_json(
    url: str,
    *,
    timeout: float = FETCH_TIMEOUT,
    attempts: int = FETCH_ATTEMPTS,
    max_bytes: int = MAX_JSON_BYTES,
) -> bytes:
    """Download the JSON at ``url`` (http or https), retrying what can heal; at most ``max_bytes``."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FlowJsonFetchError(
            f"CAMS reported the flow's JSON at {redact_url(url)!r}, which is not an http(s) URL.",
            transient=False,
        )
    from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

    retrying = Retrying(
        stop=stop_after_attempt(max(1, attempts)),
        wait=wait_exponential(multiplier=0.2, max=2.0),
        retry=retry_if_exception(lambda exc: isinstance(exc, FlowJsonFetchError) and exc.transient),
        reraise=True,
    )
    return retrying(_fetch_once, url, timeout, max_bytes)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fetch_once(url: str, timeout: float, max_bytes: int) -> bytes:
    import urllib.error
    import urllib.request  # only when a flow's JSON is read back: never at DAG parse time

    shown = redact_url(url)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        transient = exc.code >= 500 or exc.code == 429
        raise FlowJsonFetchError(
            f"Reading the flow's JSON at {shown!r} failed with HTTP {exc.code}"
            + ("; retrying may help." if transient else " (the URL may have expired or be unreadable)."),
            transient=transient,
        ) from None
    except (OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FlowJsonFetchError(
            f"Reading the flow's JSON at {shown!r} failed: {type(reason).__name__} (no answer within "
            f"{timeout:g} s, or the connection failed).",
            transient=True,
        ) from None
    if len(data) > max_bytes:
        raise FlowJsonFetchError(
            f"The flow's JSON at {shown!r} is larger than {max_bytes} bytes (Meta's limit).", transient=False
        )
    return data
