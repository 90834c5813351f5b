"""Where a Flow JSON is hosted for CAMS to fetch: object storage, content-addressed, signed URLs.

``UpdateFlowJSONAsset`` takes only a URL (``FilePath``). The JSON is written once under a key made of
its SHA-256 (``<prefix>/sha256-<hex>.json``), so the same content is never uploaded twice and the URL
itself says which content it holds. CAMS gets a time-limited URL signed by the storage library
(botocore for ``s3://``): never home-made signing. Alibaba OSS users point an Amazon connection's
``endpoint_url`` at OSS's S3-compatible endpoint.

ASSUMED (CAMS documents neither): CAMS downloads ``FilePath`` while it handles UpdateFlowJSONAsset, so
the URL only needs to live that long; and GetFlowJSONAssest returns either the URL it was given or a
URL of its own copy.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from airflow_provider_cams.exceptions import CamsConfigError, CamsError

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

DEFAULT_URL_EXPIRY = 3600  # seconds a signed URL stays valid
MAX_JSON_BYTES = 10_000_000  # Meta's Flow JSON limit (10 MB, per AWS and Infobip)
_KEY = re.compile(r"sha256-([0-9a-f]{64})\.json$")


def content_key(sha256: str) -> str:
    return f"sha256-{sha256}.json"


def sha256_in_url(url: str | None) -> str | None:
    """The content hash a URL of ours carries in its path (query and signature ignored), if any."""
    if not url:
        return None
    match = _KEY.search(unquote(urlsplit(url).path))
    return match.group(1) if match else None


class JsonStore:
    """Flow JSON hosting under ``url`` (e.g. ``s3://bucket/whatsapp-flows/``) through Airflow's
    ``ObjectStoragePath`` and the connection ``conn_id``."""

    def __init__(self, url: str, conn_id: str | None = None, url_expiry: int = DEFAULT_URL_EXPIRY) -> None:
        if not isinstance(url, str) or "://" not in url:
            raise CamsConfigError(
                f"json_store must be an object-storage URL such as 's3://bucket/prefix/', got {url!r:.80}."
            )
        if urlsplit(url).scheme in ("http", "https", "file"):
            raise CamsConfigError(
                f"json_store {url!r:.80} cannot make signed URLs for CAMS; use object storage such as "
                "'s3://bucket/prefix/' (Alibaba OSS: an Amazon connection whose endpoint_url is OSS's)."
            )
        self.url = url
        self.conn_id = conn_id
        self.url_expiry = url_expiry

    def _root(self) -> ObjectStoragePath:
        from airflow.sdk import ObjectStoragePath

        return ObjectStoragePath(self.url, conn_id=self.conn_id)

    def host(self, content: bytes, sha256: str) -> tuple[str, bool]:
        """Make ``content`` fetchable: upload it unless its key exists; return (signed URL, uploaded)."""
        path = self._root() / content_key(sha256)
        uploaded = False
        try:
            if not path.exists():
                path.write_bytes(content)
                uploaded = True
            signed: Any = path.fs.sign(path.path, expiration=self.url_expiry)
        except NotImplementedError:
            raise CamsConfigError(
                f"json_store {self.url!r} ({path.protocol}) cannot sign URLs; use s3:// object storage."
            ) from None
        except Exception as exc:
            raise CamsError(
                f"Could not host the Flow JSON at {self.url!r} (connection {self.conn_id!r}): "
                f"{type(exc).__name__}: {exc}"
            ) from None
        return str(signed), uploaded


def sha256_of_url(url: str, timeout: float = 10.0) -> str | None:
    """Download a Flow JSON that CAMS reports (GetFlowJSONAssest) and hash it; None if unreadable."""
    import urllib.request  # only when a flow's JSON must be read back: not at DAG parse time

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read(MAX_JSON_BYTES + 1)
    except Exception:
        return None
    return hashlib.sha256(data).hexdigest() if len(data) <= MAX_JSON_BYTES else None
