"""Where a Flow JSON is hosted for CAMS to fetch: object storage, content-addressed, signed URLs.

``UpdateFlowJSONAsset`` takes only a URL (``FilePath``). The JSON is written under a key made of its
SHA-256 (``<prefix>/sha256-<hex>.json``), so the same content is uploaded once. An object found under
that key is read and hashed before CAMS is pointed at it (a key is a name, not a proof). CAMS gets a
time-limited URL signed by botocore (never home-made signing); Alibaba OSS users point an Amazon
connection's ``endpoint_url`` at OSS's S3-compatible endpoint.

The store is checked (scheme, bucket, connection) by :meth:`JsonStore.check` before any CAMS write.

ASSUMED (CAMS documents neither): CAMS downloads ``FilePath`` while it handles UpdateFlowJSONAsset, so
the URL only needs to live that long; GetFlowJSONAssest returns the URL it was given or one of its own.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow_provider_cams.deploy.fetch import MAX_JSON_BYTES, redact_url, sha256_of
from airflow_provider_cams.exceptions import CamsConfigError, CamsError

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

DEFAULT_URL_EXPIRY = 3600  # seconds a signed URL stays valid
SCHEMES = ("s3",)  # object storage that can sign URLs through Airflow (OSS: its S3-compatible API)
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_STORE_CONN_TYPES = ("aws", "s3")


def content_key(sha256: str) -> str:
    return f"sha256-{sha256}.json"


@dataclass(frozen=True)
class HostedJson:
    """A hosted Flow JSON: the signed URL for CAMS (a secret: never log it), the object's path, and
    whether this call uploaded it."""

    url: str
    location: str
    uploaded: bool

    def __repr__(self) -> str:  # the signed URL never shows up in a repr
        return f"HostedJson(location={self.location!r}, uploaded={self.uploaded})"


class JsonStore:
    """Flow JSON hosting under ``url`` (``s3://bucket/prefix/``) with the Amazon connection ``conn_id``.

    ``conn_id=None`` means botocore's default credential chain, on purpose; a connection id that does
    not exist is an error (the Amazon hook would otherwise fall back to the default chain silently).
    The URL is checked here (no I/O); the connection and the bucket by :meth:`check`.
    """

    def __init__(self, url: str, conn_id: str | None = None, url_expiry: int | None = None) -> None:
        self.url, self.bucket, self.prefix = parse_store_url(url)
        if conn_id is not None and (not isinstance(conn_id, str) or not conn_id.strip()):
            raise CamsConfigError(f"json_store_conn_id must be a connection id or None, got {conn_id!r:.60}.")
        self.conn_id = conn_id
        self.url_expiry = DEFAULT_URL_EXPIRY if url_expiry is None else url_expiry
        self._checked = False

    def __repr__(self) -> str:
        return f"JsonStore({self.url!r}, conn_id={self.conn_id!r})"

    # ----------------------------------------------------------------- checks before any CAMS write
    def check(self) -> None:
        """The connection exists and is an Amazon one, the S3 filesystem is installed, the bucket is
        there and readable. Raises :class:`~airflow_provider_cams.exceptions.CamsConfigError` saying what
        to fix."""
        if self._checked:
            return
        if self.conn_id is not None:
            conn = _get_connection(self.conn_id)
            if conn.conn_type not in _STORE_CONN_TYPES:
                raise CamsConfigError(
                    f"json_store_conn_id {self.conn_id!r} is a {conn.conn_type!r} connection; the JSON store "
                    f"{self.url!r} needs an Amazon ('aws') connection (for Alibaba OSS: its endpoint_url "
                    "set to OSS's S3-compatible endpoint)."
                )
        fs = self._root().fs
        try:
            found = fs.exists(self.bucket)
        except Exception as exc:
            raise CamsError(
                f"Could not reach the JSON store bucket {self.bucket!r} with connection {self.conn_id!r}: "
                f"{_describe(exc)}. Check the connection's credentials and endpoint_url."
            ) from None
        if not found:
            raise CamsConfigError(
                f"The JSON store bucket {self.bucket!r} does not exist or connection {self.conn_id!r} cannot "
                f"see it. Create it first (e.g. `aws s3 mb s3://{self.bucket}`, or in the OSS console) and "
                "give the connection's key read and write access to it."
            )
        self._checked = True

    # ----------------------------------------------------------------- hosting
    def host(self, content: bytes, sha256: str) -> HostedJson:
        """Make ``content`` fetchable: verify the object under its key (upload when missing or holding
        other bytes), then sign a fresh URL."""
        self.check()
        path = self._root() / content_key(sha256)
        location = f"s3://{self.bucket}/{self.prefix}{content_key(sha256)}"
        uploaded = False
        try:
            if not self._holds(path, sha256):
                path.write_bytes(content)
                uploaded = True
                if not self._holds(path, sha256):
                    raise CamsError(
                        f"The JSON store object {location!r} does not hold the bytes just written to it "
                        "(another writer, or a store that changes content). Check the bucket; the task's "
                        "retry uploads again."
                    )
        except CamsError:
            raise
        except Exception as exc:
            raise CamsError(
                f"Could not host the Flow JSON at {location!r} (connection {self.conn_id!r}): "
                f"{_describe(exc)}"
            ) from None
        return HostedJson(self._sign(path), location, uploaded)

    def _sign(self, path: ObjectStoragePath) -> str:
        """A fresh time-limited URL for ``path``, registered with the secrets masker."""
        try:
            signed = str(path.fs.sign(path.path, expiration=self.url_expiry))
        except NotImplementedError:
            raise CamsConfigError(
                f"json_store {self.url!r} cannot sign URLs; use s3:// object storage."
            ) from None
        except Exception as exc:
            raise CamsError(
                f"Could not sign a URL for the Flow JSON in {self.url!r}: {_describe(exc)}"
            ) from None
        _mask_signed(signed)
        return signed

    def _holds(self, path: ObjectStoragePath, sha256: str) -> bool:
        """True when the object exists and its bytes hash to ``sha256`` (read, never trusted)."""
        if not path.exists():
            return False
        if path.stat().st_size > MAX_JSON_BYTES:
            return False
        return sha256_of(path.read_bytes()) == sha256

    def _root(self) -> ObjectStoragePath:
        try:
            from airflow.sdk import ObjectStoragePath

            return ObjectStoragePath(f"s3://{self.bucket}/{self.prefix}", conn_id=self.conn_id)
        except ImportError as exc:
            raise CamsConfigError(
                f"The JSON store {self.url!r} needs the S3 filesystem ({exc.name or exc}): "
                "pip install 'airflow-provider-cams[s3]'."
            ) from None
        except ValueError as exc:
            raise CamsConfigError(f"json_store {self.url!r} is not usable: {exc}") from None


class VerifiedOnceStore(JsonStore):
    """A :class:`JsonStore` for one task deploying one content many times (a batch deploy).

    The first :meth:`host` of a content uploads or verifies it as :class:`JsonStore` does; later ones
    in this task only sign a fresh URL for the object already verified (no upload, no re-read): the
    JSON is hosted once per task. Safe to call from many threads.
    """

    def __init__(self, url: str, conn_id: str | None = None, url_expiry: int | None = None) -> None:
        super().__init__(url, conn_id, url_expiry)
        self._lock = threading.Lock()
        self._verified: set[str] = set()

    def host(self, content: bytes, sha256: str) -> HostedJson:
        with self._lock:  # one upload or verification per content, even when threads ask at once
            if sha256 not in self._verified:
                hosted = super().host(content, sha256)
                self._verified.add(sha256)
                return hosted
        location = f"s3://{self.bucket}/{self.prefix}{content_key(sha256)}"
        return HostedJson(self._sign(self._root() / content_key(sha256)), location, uploaded=False)


def parse_store_url(url: Any) -> tuple[str, str, str]:
    """``s3://bucket/prefix/`` -> (url, bucket, prefix ending in '/' or empty); clear errors otherwise."""
    example = "'s3://my-bucket/whatsapp-flows/'"
    if not isinstance(url, str) or "://" not in url:
        raise CamsConfigError(f"json_store must be an object-storage URL such as {example}, got {url!r:.80}.")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        hint = (
            " Alibaba OSS: use s3:// with an Amazon connection whose endpoint_url is OSS's S3-compatible "
            "endpoint."
            if scheme == "oss"
            else ""
        )
        raise CamsConfigError(
            f"json_store {redact_url(url)!r} uses {scheme + '://' if scheme else 'no scheme'}; "
            "only s3:// can "
            f"give CAMS a signed URL here, e.g. {example}.{hint}"
        )
    shown = redact_url(url)
    if "@" in parts.netloc:
        raise CamsConfigError(
            f"json_store {shown!r} carries credentials in the URL; put them in the Amazon connection "
            "(json_store_conn_id) and write the store as " + example + "."
        )
    bucket = parts.netloc
    if not bucket:
        raise CamsConfigError(f"json_store {shown!r} names no bucket; write it as {example}.")
    if not _BUCKET.match(bucket):
        raise CamsConfigError(
            f"json_store {shown!r}: {bucket!r} is not a bucket name (3-63 lowercase letters, "
            "digits, '.' and '-', "
            "no credentials or port)."
        )
    if parts.query or parts.fragment:
        raise CamsConfigError(f"json_store {shown!r} must not have a query or fragment.")
    prefix = parts.path.strip("/")
    if ".." in prefix.split("/"):
        raise CamsConfigError(f"json_store {shown!r}: the prefix must not contain '..'.")
    return f"s3://{bucket}/{prefix + '/' if prefix else ''}", bucket, prefix + "/" if prefix else ""


def _get_connection(conn_id: str) -> Any:
    from airflow.sdk import BaseHook

    try:
        return BaseHook.get_connection(conn_id)
    except Exception as exc:
        if type(exc).__name__ in ("AirflowNotFoundException", "ConnectionNotFound"):
            raise CamsConfigError(
                f"json_store_conn_id {conn_id!r} does not exist. Create the Amazon connection (e.g. "
                f"AIRFLOW_CONN_{conn_id.upper()}) or fix its id; the store never falls back to default "
                "AWS credentials for a connection id that is not found."
            ) from None
        raise


def _describe(exc: BaseException) -> str:
    """An error from the storage library without any URL query (a signed URL's signature)."""
    text = re.sub(r"https?://\S+", lambda m: redact_url(m.group(0)), str(exc))
    return f"{type(exc).__name__}: {text}"[:400]


def _mask_signed(url: str) -> None:
    """The signed URL and its signature parameters are secrets for Airflow's log masker."""
    from urllib.parse import parse_qsl

    from airflow.sdk.log import mask_secret

    mask_secret(url)
    for key, value in parse_qsl(urlsplit(url).query):
        if key.lower() in (
            "signature",
            "x-amz-signature",
            "x-amz-credential",
            "awsaccesskeyid",
            "x-amz-security-token",
        ):
            mask_secret(value)
