"""The one loopback rule, as a table: what the provider (plain http) and the emulator (FilePath downloads,
control endpoints) both treat as this machine."""

from __future__ import annotations

import pytest

from airflow_provider_cams.loopback import is_loopback_host


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.9.8.7", True),
        ("127.255.255.255", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("::1", True),
        ("[::1]", True),
        ("::1%lo", True),
        ("::ffff:127.0.0.1", True),  # a dual-stack socket's IPv4 client
        ("[::ffff:127.0.0.2]", True),
        ("128.0.0.1", False),
        ("126.255.255.255", False),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.1", False),
        ("example.com", False),
        ("localhost.example.com", False),
        ("mylocalhost", False),
        ("::ffff:10.0.0.1", False),
        ("", False),
    ],
)
def test_the_loopback_rule(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
