"""Server-side verifier for ACS3-HMAC-SHA256 request signatures, as the Alibaba Cloud gateway checks them.

The client libraries sign; this module only verifies, so that the emulator rejects exactly the requests the
real gateway would reject for signature, clock, replay or STS reasons. It returns a typed
:class:`Verification` instead of raising, so the server decides how to answer and what to record.

Canonical request (vendor spec "Request syntax and signature method V3", and what alibabacloud-tea-openapi
does): method, path, canonical query (decoded with ``parse_qsl(keep_blank_values=True)``, keys sorted,
``key=quote(value, safe='~')`` joined by ``&``), canonical headers (only those in SignedHeaders, lower-case
name, stripped value, sorted), the SignedHeaders list and the payload hash, joined by ``\\n``.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote

from airflow_provider_cams.testing.errors import default_message, default_status

log = logging.getLogger(__name__)

ALGORITHM = "ACS3-HMAC-SHA256"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# ASSUMED: the gateway's accepted clock skew and nonce memory (15 minutes, as for other RPC products).
MAX_SKEW_SECONDS = 15 * 60.0
# Always signed by the SDK; the verifier refuses requests that leave them out (ASSUMED, as the V3 spec
# requires host and every x-acs-* header to be signed).
REQUIRED_SIGNED_HEADERS = ("host", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce")
_FOREIGN_TOKEN = "The token was not issued by this service."


@dataclass(frozen=True)
class Credential:
    """One identity the emulator accepts. ``security_token`` set means an STS identity."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None
    account: str = ""
    expired: bool = False

    @property
    def is_sts(self) -> bool:
        return self.security_token is not None


class CredentialStore:
    """Thread-safe AccessKeyId -> Credential map, also answering "whose token is this?" for STS errors."""

    def __init__(self, credentials: Iterable[Credential] = ()) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, Credential] = {c.access_key_id: c for c in credentials}

    def add(self, credential: Credential) -> None:
        with self._lock:
            self._by_id[credential.access_key_id] = credential

    def get(self, access_key_id: str) -> Credential | None:
        with self._lock:
            return self._by_id.get(access_key_id)

    def owner_of_token(self, token: str) -> str | None:
        with self._lock:
            for cred in self._by_id.values():
                if cred.security_token is not None and hmac.compare_digest(cred.security_token, token):
                    return cred.access_key_id
        return None

    def expire(self, access_key_id: str) -> None:
        """Mark an STS identity expired (its calls then fail with InvalidSecurityToken.Expired)."""
        with self._lock:
            cred = self._by_id.get(access_key_id)
            if cred is None or not cred.is_sts:
                raise KeyError(f"no STS identity {access_key_id!r}")
            self._by_id[access_key_id] = replace(cred, expired=True)


class NonceCache:
    """Nonces seen per AccessKeyId, each kept until it can no longer pass the clock check."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expiry: dict[tuple[str, str], float] = {}
        self._heap: list[tuple[float, str, str]] = []

    def check_and_add(self, access_key_id: str, nonce: str, now: float, expires_at: float) -> bool:
        """Record the nonce; False when it is still remembered (a replay)."""
        with self._lock:
            while self._heap and self._heap[0][0] <= now:
                expiry, key_id, old = heapq.heappop(self._heap)
                if self._expiry.get((key_id, old)) == expiry:
                    del self._expiry[(key_id, old)]
            key = (access_key_id, nonce)
            if key in self._expiry:
                return False
            self._expiry[key] = expires_at
            heapq.heappush(self._heap, (expires_at, access_key_id, nonce))
            return True

    def clear(self) -> None:
        with self._lock:
            self._expiry.clear()
            self._heap.clear()


@dataclass(frozen=True)
class Verification:
    """Outcome of one verification: ``ok`` or an error ``code``/``message``/``http_status``."""

    ok: bool
    access_key_id: str | None = None
    credential: Credential | None = None
    code: str | None = None
    message: str | None = None
    http_status: int = 200
    string_to_sign: str | None = None


@dataclass(frozen=True)
class Authorization:
    """The parts of ``Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..``."""

    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> Authorization | str:
    """Parse the Authorization header; a string is the reason it is unusable."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme != ALGORITHM:
        return f"Unsupported signature algorithm {scheme!r}: only {ALGORITHM} is accepted."
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, val = part.strip().partition("=")
        if sep:
            fields[name] = val.strip()
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not fields.get(k)]
    if missing:
        return f"The Authorization header lacks {', '.join(missing)}."
    names = tuple(fields["SignedHeaders"].split(";"))
    if any(not n or n != n.lower() for n in names):
        return "SignedHeaders must be non-empty lower-case header names separated by ';'."
    return Authorization(fields["Credential"], names, fields["Signature"])


def canonical_query(raw_query: str) -> str:
    """Decode the received query and re-encode it the way the signer did."""
    pairs = dict(parse_qsl(raw_query, keep_blank_values=True))
    return "&".join(f"{k}={quote(pairs[k], safe='~')}" for k in sorted(pairs))


def header_map(headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Lower-case header name -> all its values, in arrival order."""
    out: dict[str, list[str]] = {}
    for name, value in headers:
        out.setdefault(name.lower(), []).append(value)
    return out


def canonical_request(
    method: str,
    path: str,
    raw_query: str,
    headers: dict[str, list[str]],
    signed_headers: Iterable[str],
    payload_hash: str,
) -> str:
    """The six-line canonical request; repeated headers are joined like the SDK does (sorted, ',')."""
    names = sorted(set(signed_headers))
    lines = "".join(f"{n}:{','.join(sorted(v.strip() for v in headers.get(n, [])))}\n" for n in names)
    return "\n".join([method, path or "/", canonical_query(raw_query), lines, ";".join(names), payload_hash])


def string_to_sign(canonical: str) -> str:
    return f"{ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def compute_signature(secret: str, to_sign: str) -> str:
    return hmac.new(secret.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _fail(
    code: str,
    access_key_id: str | None = None,
    string_to_sign: str | None = None,
    **fields: str,
) -> Verification:
    return Verification(
        ok=False,
        access_key_id=access_key_id,
        code=code,
        message=default_message(code, string_to_sign=string_to_sign or "", **fields),
        http_status=default_status(code),
        string_to_sign=string_to_sign,
    )


class SignatureVerifier:
    """Verifies signature, clock, nonce and STS token of one request; thread-safe."""

    def __init__(
        self,
        credentials: CredentialStore,
        clock: Callable[[], float] = time.time,
        max_skew: float = MAX_SKEW_SECONDS,
    ) -> None:
        self.credentials = credentials
        self.nonces = NonceCache()
        self._clock = clock
        self._max_skew = max_skew

    def verify(
        self,
        method: str,
        path: str,
        raw_query: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
    ) -> Verification:
        """Check one request. Order: Authorization, AccessKeyId, signed headers, signature, date, STS, nonce.

        The nonce is recorded last, so only a fully valid request can burn it.
        """
        hmap = header_map(headers)
        auth_value = _first(hmap, "authorization")
        if auth_value is None:
            v2 = "Signature" in dict(parse_qsl(raw_query, keep_blank_values=True))
            reason = (
                f"The v2 (HMAC-SHA1) query signature is not supported: sign with {ALGORITHM}."
                if v2
                else "The Authorization header is missing."
            )
            return _fail("IncompleteSignature", reason=reason)
        auth = parse_authorization(auth_value)
        if isinstance(auth, str):
            return _fail("IncompleteSignature", reason=auth)
        ak = auth.access_key_id
        cred = self.credentials.get(ak)
        if cred is None:
            return _fail("InvalidAccessKeyId.NotFound", ak)
        problem = _signed_headers_problem(auth.signed_headers, hmap)
        if problem:
            return _fail("IncompleteSignature", ak, reason=problem)

        payload_hash = hashlib.sha256(body).hexdigest()
        canonical = canonical_request(method, path, raw_query, hmap, auth.signed_headers, payload_hash)
        to_sign = string_to_sign(canonical)
        expected = compute_signature(cred.access_key_secret, to_sign)
        declared_hash = (_first(hmap, "x-acs-content-sha256") or "").strip().lower()
        if not hmac.compare_digest(expected, auth.signature.lower()) or declared_hash != payload_hash:
            log.debug("signature mismatch for %s; canonical request:\n%s", ak, canonical)
            return _fail("SignatureDoesNotMatch", ak, to_sign)

        now = self._clock()
        date_value = (_first(hmap, "x-acs-date") or "").strip()
        try:
            signed_at = datetime.strptime(date_value, DATE_FORMAT).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            return _fail("InvalidTimeStamp.Format", ak)
        skew = abs(now - signed_at)
        if skew > self._max_skew:
            server_time = datetime.fromtimestamp(now, timezone.utc).strftime(DATE_FORMAT)
            return _fail(
                "InvalidTimeStamp.Expired",
                ak,
                reason=f"x-acs-date {date_value} is {int(skew)} s away from the server time {server_time}.",
            )

        token_failure = self._check_token(cred, hmap)
        if token_failure is not None:
            return token_failure

        nonce = (_first(hmap, "x-acs-signature-nonce") or "").strip()
        # Keep the nonce for as long as its request could still pass the clock check.
        expires_at = max(now, signed_at) + self._max_skew
        if not self.nonces.check_and_add(ak, nonce, now, expires_at):
            return _fail("SignatureNonceUsed", ak)
        return Verification(ok=True, access_key_id=ak, credential=cred, string_to_sign=to_sign)

    def _check_token(self, cred: Credential, hmap: dict[str, list[str]]) -> Verification | None:
        """STS rules (ASSUMED codes): token present, signed (checked earlier), and the one for this key."""
        ak = cred.access_key_id
        token = _first(hmap, "x-acs-security-token")
        if cred.security_token is None:
            if token is None:
                return None
            owner = self.credentials.owner_of_token(token)
            if owner is not None:
                return _fail("InvalidSecurityToken.MismatchWithAccessKey", ak)
            return _fail("InvalidSecurityToken.Malformed", ak, reason=_FOREIGN_TOKEN)
        if cred.expired:
            return _fail("InvalidSecurityToken.Expired", ak)
        if token is None:
            return _fail(
                "InvalidSecurityToken.Malformed",
                ak,
                reason="An STS AccessKeyId needs the x-acs-security-token header.",
            )
        declared_key = _first(hmap, "x-acs-accesskey-id")
        if declared_key is not None and declared_key.strip() != ak:
            return _fail("InvalidSecurityToken.MismatchWithAccessKey", ak)
        if hmac.compare_digest(token, cred.security_token):
            return None
        if self.credentials.owner_of_token(token) is not None:
            return _fail("InvalidSecurityToken.MismatchWithAccessKey", ak)
        return _fail("InvalidSecurityToken.Malformed", ak, reason=_FOREIGN_TOKEN)

    def reset(self) -> None:
        self.nonces.clear()


def _first(hmap: dict[str, list[str]], name: str) -> str | None:
    values = hmap.get(name)
    return values[0] if values else None


def _signed_headers_problem(signed: tuple[str, ...], hmap: dict[str, list[str]]) -> str | None:
    """Why the SignedHeaders list is unacceptable, or None."""
    signed_set = set(signed)
    for name in REQUIRED_SIGNED_HEADERS:
        if not (_first(hmap, name) or "").strip():
            return f"The {name} header is missing."
        if name not in signed_set:
            return f"The {name} header must be signed."
    unsigned = sorted(n for n in hmap if n.startswith("x-acs-") and n not in signed_set)
    if unsigned:
        return f"Every x-acs-* header must be signed; unsigned: {', '.join(unsigned)}."
    absent = sorted(n for n in signed_set if n not in hmap)
    if absent:
        return f"Signed headers not in the request: {', '.join(absent)}."
    return None
