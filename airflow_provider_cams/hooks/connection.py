"""The checked settings read from a ``cams`` connection.

The form (:data:`~airflow_provider_cams.utils.connection_form.CONNECTION_FIELDS`) and these checks share one
table of fields, so they cannot drift apart.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_cams.exceptions import CamsConfigError
from airflow_provider_cams.loopback import is_loopback_host
from airflow_provider_cams.utils.connection_form import (
    CONNECTION_FIELDS,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_REGION,
    MAX_TIMEOUT,
)
from airflow_provider_cams.utils.rate import DEFAULT_RATE_LIMIT, RateBudget
from airflow_provider_cams.utils.rate_store import check_store_url
from airflow_provider_cams.vendor.limits import API_LIMITS, account_limits

# Alibaba Cloud public region ids. CAMS documents only ap-southeast-1; the SDK derives
# cams.<region>.aliyuncs.com for the others (undocumented: set ``endpoint`` to be explicit).
KNOWN_REGIONS = frozenset(
    {
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-south-1",
        "cn-hangzhou",
        "cn-shanghai",
        "cn-beijing",
        "cn-shenzhen",
        "cn-zhangjiakou",
        "cn-huhehaote",
        "cn-wulanchabu",
        "cn-chengdu",
        "cn-qingdao",
        "cn-hongkong",
        "cn-guangzhou",
        "us-west-1",
        "us-east-1",
        "eu-central-1",
        "eu-west-1",
        "me-east-1",
        "me-central-1",
        "na-south-1",
    }
)

_HOST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


@dataclass(frozen=True)
class CamsConnectionSettings:
    """Checked settings of a ``cams`` connection. Secrets are kept out of ``repr``."""

    access_key_id: str | None
    access_key_secret: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    region_id: str = DEFAULT_REGION
    endpoint: str = f"cams.{DEFAULT_REGION}.aliyuncs.com"
    protocol: str = "https"
    cust_space_id: str | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    rate_limit: float = DEFAULT_RATE_LIMIT
    rate_limits: Mapping[str, float] = field(default_factory=dict)
    rate_shared: bool = False
    triggerer_slots: int = 0
    rate_store: str | None = field(default=None, repr=False)  # a redis URL may hold a password
    pool: str = "cams_default"
    pacing: bool = True
    allow_insecure_http: bool = False

    @property
    def rate_budget(self) -> RateBudget:
        """What the pacer spends: each API at its own limit (vendor table, ``rate_limit`` for the flow
        APIs, ``rate_limits`` overrides), or one shared ``rate_limit`` with ``rate_shared``."""
        if self.rate_shared:
            return RateBudget(shared=self.rate_limit, triggerer_slots=self.triggerer_slots)
        return RateBudget(
            account_limits(self.rate_limit, self.rate_limits), triggerer_slots=self.triggerer_slots
        )

    @property
    def pool_slots(self) -> int:
        """Slots of the account's pool (``cams-pool``): one per call/s of the most limited API, less the
        ``triggerer_slots``."""
        return self.rate_budget.pool_slots

    @property
    def uses_default_credential_chain(self) -> bool:
        return not self.access_key_id

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(split_host(self.endpoint))

    @classmethod
    def from_connection(
        cls, conn_id: str, login: str | None, password: str | None, extra: dict[str, Any]
    ) -> CamsConnectionSettings:
        """Validate a connection's fields.

        :raises ~airflow_provider_cams.exceptions.CamsConfigError: naming the field and the fix.
        """
        where = f"connection {conn_id!r}"
        unknown = sorted(set(extra) - set(CONNECTION_FIELDS))
        if unknown:
            raise CamsConfigError(
                f"{where}: unknown extra field(s) {unknown}; known fields are {sorted(CONNECTION_FIELDS)}."
            )
        for field_name, value in (("login (AccessKey ID)", login), ("password (AccessKey Secret)", password)):
            if (
                value
                and value.strip()
                and (value != value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value))
            ):
                raise CamsConfigError(
                    f"{where}: the {field_name} has leading/trailing whitespace or control characters "
                    "(a copy-paste slip?); store it exactly as the console shows it."
                )
        access_key_id = (login or "").strip() or None  # whitespace only counts as empty
        secret = ((password or "").strip() and password) or None
        if access_key_id and not secret:
            raise CamsConfigError(
                f"{where}: the AccessKey ID (login) is set but the AccessKey Secret (password) is empty. "
                "Set both, or clear both to use the Alibaba default credential chain."
            )
        if secret and not access_key_id:
            raise CamsConfigError(
                f"{where}: the AccessKey Secret (password) is set but the AccessKey ID (login) is empty."
            )
        token = _opt_str(extra, "security_token", where)
        if token and not access_key_id:
            raise CamsConfigError(
                f"{where}: extra 'security_token' needs the STS AccessKey ID and Secret in login/password."
            )
        region = _opt_str(extra, "region_id", where) or DEFAULT_REGION
        endpoint = _opt_str(extra, "endpoint", where)
        if endpoint:
            endpoint = check_endpoint(endpoint, where)
        elif region not in KNOWN_REGIONS:
            raise CamsConfigError(
                f"{where}: extra 'region_id' {region!r} is not a known Alibaba Cloud region. Use "
                f"{DEFAULT_REGION} (the one CAMS documents) or set 'endpoint' explicitly."
            )
        else:
            endpoint = f"cams.{region}.aliyuncs.com"
        protocol = (_opt_str(extra, "protocol", where) or "https").lower()
        if protocol not in ("https", "http"):
            raise CamsConfigError(f"{where}: extra 'protocol' must be 'https' or 'http', got {protocol!r}.")
        allow_insecure = _bool(extra, "allow_insecure_http", False, where)
        if protocol == "http" and not allow_insecure and not is_loopback_host(split_host(endpoint)):
            raise CamsConfigError(
                f"{where}: plain http is only allowed for a loopback endpoint (127.0.0.1, ::1, localhost); "
                f"{endpoint!r} would send signed requests unencrypted. Use protocol 'https' (or, knowingly, "
                "extra allow_insecure_http=true)."
            )
        settings = cls(
            access_key_id=access_key_id,
            access_key_secret=secret,
            security_token=token,
            region_id=region,
            endpoint=endpoint,
            protocol=protocol,
            cust_space_id=_opt_str(extra, "cust_space_id", where),
            connect_timeout=_number(
                extra, "connect_timeout", DEFAULT_CONNECT_TIMEOUT, 0, MAX_TIMEOUT, "seconds", where
            ),
            read_timeout=_number(
                extra, "read_timeout", DEFAULT_READ_TIMEOUT, 0, MAX_TIMEOUT, "seconds", where
            ),
            rate_limit=_number(
                extra,
                "rate_limit",
                DEFAULT_RATE_LIMIT,
                1,
                10_000,
                "calls per second (the account's CAMS quota; documented: 5)",
                where,
            ),
            rate_limits=_limits(extra, "rate_limits", where),
            rate_shared=_bool(extra, "rate_shared", False, where),
            triggerer_slots=_whole(extra, "triggerer_slots", where),
            rate_store=_store(extra, where),
            pool=_opt_str(extra, "pool", where) or conn_id,
            pacing=_bool(extra, "pacing", True, where),
            allow_insecure_http=allow_insecure,
        )
        if settings.rate_store and settings.triggerer_slots:
            raise CamsConfigError(
                f"{where}: extra 'triggerer_slots' cannot be combined with 'rate_store': with a store the "
                "triggerer and the workers share all of the account's slots. Drop triggerer_slots (and run "
                "cams-pool again so the pool gets every slot)."
            )
        try:
            settings.rate_budget  # noqa: B018 - the limits must make a budget (triggerer_slots < slots)
        except ValueError as exc:
            raise CamsConfigError(f"{where}: {exc}.") from None
        return settings


def raw_extra(conn_id: str, extra: str | dict[str, Any] | None) -> dict[str, Any]:
    """The connection's extra as a dict. Airflow's ``extra_dejson`` turns bad JSON into ``{}`` with only a
    log line, which would silently mean the default endpoint: refuse it instead."""
    if extra is None or extra == "":
        return {}
    if isinstance(extra, dict):
        return extra
    try:
        value = json.loads(extra)
    except json.JSONDecodeError as exc:  # the value is not echoed: it may hold a token
        raise CamsConfigError(
            f"connection {conn_id!r}: the extra is not valid JSON ({exc.msg} at character {exc.pos}); write "
            'it as a JSON object, e.g. {"endpoint": "127.0.0.1:8765", "protocol": "http"}.'
        ) from None
    if not isinstance(value, dict):
        raise CamsConfigError(
            f"connection {conn_id!r}: the extra must be a JSON object, got {type(value).__name__}."
        )
    return value


def _opt_str(extra: dict[str, Any], key: str, where: str) -> str | None:
    value = extra.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CamsConfigError(f"{where}: extra {key!r} must be a string, got {type(value).__name__}.")
    value = value.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise CamsConfigError(f"{where}: extra {key!r} contains control characters.")
    return value or None


def _number(
    extra: dict[str, Any], key: str, default: float, low: float, high: float, unit: str, where: str
) -> float:
    """A numeric extra in (``low``, ``high``] (``low`` inclusive when it is not 0)."""
    raw = extra.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise CamsConfigError(f"{where}: extra {key!r} must be a number of {unit}, got {raw!r}.") from None
    in_range = (value > 0 if low == 0 else low <= value) and value <= high
    if isinstance(raw, bool) or not in_range:
        raise CamsConfigError(
            f"{where}: extra {key!r} must be between {low:g} and {high:g} {unit}, got {raw!r}."
        )
    return value


def _limits(extra: dict[str, Any], key: str, where: str) -> dict[str, float]:
    """Per-API calls/s overrides: a JSON object (or its text, from the form) of known API -> number."""
    raw = extra.get(key)
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raw = None
    if not isinstance(raw, dict):
        raise CamsConfigError(
            f"{where}: extra {key!r} must be a JSON object of API name to calls/s "
            '(e.g. {"PublishFlow": 10}).'
        )
    unknown = sorted(set(raw) - set(API_LIMITS))
    if unknown:
        raise CamsConfigError(
            f"{where}: extra {key!r} names unknown CAMS API(s) {unknown}; known: {sorted(API_LIMITS)}."
        )
    unit = "calls per second (the API's quota for this account)"
    limits: dict[str, float] = {}
    for name, value in raw.items():
        if value is None or value == "":
            raise CamsConfigError(
                f"{where}: extra {key!r} gives no number for {name!r}; give one or drop it."
            )
        limits[name] = _number(raw, name, 0.0, 1, 10_000, unit, f"{where}, extra {key!r}")
    return limits


def _store(extra: dict[str, Any], where: str) -> str | None:
    """The ``rate_store`` URL, checked (its password, if any, is never echoed)."""
    url = _opt_str(extra, "rate_store", where)
    if url is None:
        return None
    try:
        return check_store_url(url)
    except ValueError as exc:
        raise CamsConfigError(f"{where}: extra {exc}.") from None


def _whole(extra: dict[str, Any], key: str, where: str) -> int:
    """A whole number >= 0 (0 when unset); its upper bound is checked with the rest of the budget."""
    raw = extra.get(key)
    if raw is None or raw == "":
        return 0
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = -1
    if isinstance(raw, bool) or value < 0:
        raise CamsConfigError(f"{where}: extra {key!r} must be a whole number >= 0, got {raw!r}.")
    return value


def _bool(extra: dict[str, Any], key: str, default: bool, where: str) -> bool:
    raw = extra.get(key)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise CamsConfigError(f"{where}: extra {key!r} must be true or false, got {raw!r}.")


def split_host(endpoint: str) -> str:
    """Host part of ``host[:port]`` (IPv6 in brackets)."""
    if endpoint.startswith("["):
        return endpoint[1 : endpoint.find("]")]
    return endpoint.rsplit(":", 1)[0] if endpoint.count(":") == 1 else endpoint


def check_endpoint(endpoint: str, where: str) -> str:
    """Accept ``host[:port]`` only: a scheme or path would end up in the signed Host header."""
    if "://" in endpoint or "/" in endpoint or "?" in endpoint or "@" in endpoint:
        raise CamsConfigError(
            f"{where}: extra 'endpoint' must be host[:port] with no scheme, path or user info, got "
            f"{endpoint!r}. Put the scheme in extra 'protocol' (e.g. endpoint '127.0.0.1:8765', "
            "protocol 'http')."
        )
    host, port = endpoint, None
    if endpoint.startswith("["):
        close = endpoint.find("]")
        host, rest = endpoint[1:close], endpoint[close + 1 :]
        port = rest[1:] if rest.startswith(":") else None
        valid_host = close > 0 and _is_ip(host)
    else:
        if endpoint.count(":") == 1:
            host, port = endpoint.split(":")
        valid_host = bool(_HOST_RE.match(host))
    if not valid_host:
        raise CamsConfigError(f"{where}: extra 'endpoint' has an invalid host in {endpoint!r}.")
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        raise CamsConfigError(f"{where}: extra 'endpoint' has an invalid port in {endpoint!r} (1-65535).")
    return endpoint


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
