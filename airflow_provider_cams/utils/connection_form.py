"""The ``cams`` connection form, declared once.

Read by the provider info (``conn-fields``, Airflow >= 3.2) at provider discovery, so this module must
import nothing from Airflow or this package's runtime modules: Airflow loads it while importing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_REGION = "ap-southeast-1"
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 10.0
MAX_TIMEOUT = 300.0


@dataclass(frozen=True)
class ConnField:
    """One extra field of the connection form."""

    label: str
    description: str
    type: str = "string"
    default: Any = None
    secret: bool = False
    enum: tuple[str, ...] | None = None

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": [self.type, "null"]}
        if self.default is not None:
            schema["default"] = self.default
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.secret:
            schema["format"] = "password"
        return schema


CONNECTION_FIELDS: dict[str, ConnField] = {
    "region_id": ConnField(
        "Region ID", f"Alibaba Cloud region; CAMS documents only {DEFAULT_REGION}.", default=DEFAULT_REGION
    ),
    "endpoint": ConnField(
        "Endpoint",
        "host[:port] without scheme or path; overrides the regional endpoint (e.g. 127.0.0.1:8765 for "
        "the bundled emulator).",
    ),
    "protocol": ConnField(
        "Protocol",
        "https (default) or http; http only for a loopback endpoint.",
        default="https",
        enum=("https", "http"),
    ),
    "allow_insecure_http": ConnField(
        "Allow plain http to a remote host",
        "Opt-in for protocol http to a non-loopback endpoint (signed requests travel unencrypted; logged "
        "as a warning on every use). Leave false.",
        type="boolean",
        default=False,
    ),
    "security_token": ConnField("STS Security Token", "Only with temporary (STS) credentials.", secret=True),
    "cust_space_id": ConnField(
        "CustSpaceId",
        "Default CustSpaceId for every operator (space ID of an ISV sub-customer or "
        "instance ID of a direct customer).",
    ),
    "rate_limit": ConnField(
        "Rate limit (calls/s)",
        "The account's CAMS quota (documented: 5). Its pool gets floor(rate_limit) slots (cams-pool).",
        type="number",
        default=5,
    ),
    "pool": ConnField(
        "Pool",
        "The Airflow pool of this account (default: the connection id). Run every CAMS task of the "
        "account in it: with pacing, that makes the rate limit a guarantee.",
    ),
    "pacing": ConnField(
        "Pace calls",
        "Space calls so the pool enforces the rate limit (default true). false = the pool alone, "
        "which caps concurrency but not calls per second.",
        type="boolean",
        default=True,
    ),
    "connect_timeout": ConnField(
        "Connect timeout (s)",
        "TCP connect timeout in seconds.",
        type="number",
        default=DEFAULT_CONNECT_TIMEOUT,
    ),
    "read_timeout": ConnField(
        "Read timeout (s)",
        "Timeout waiting for a response, in seconds.",
        type="number",
        default=DEFAULT_READ_TIMEOUT,
    ),
}
