"""The one loopback rule: which hosts count as "this machine", for the provider and the emulator alike.

Loopback is 127.0.0.0/8, ``::1``, an IPv4-mapped loopback address (``::ffff:127.x.y.z``: how a dual-stack
socket reports an IPv4 client) and the name ``localhost``. The provider lets plain http go only to such
an endpoint; the emulator downloads a FilePath and answers its control endpoints only from one.

Standard library only and importing nothing of the package: the bottom layer, which both the provider's
``hooks/`` and the standalone ``testing/`` may import (see ``.importlinter``).
"""

from __future__ import annotations

import ipaddress

LOOPBACK_NAMES = ("localhost",)


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ``::1`` (bracketed, with a zone, or IPv4-mapped) and ``localhost``.

    Case and a trailing dot do not matter for the name; any other name is not loopback (no DNS lookup).
    """
    host = host.strip().strip("[]").split("%", 1)[0].rstrip(".").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped.is_loopback
    return addr.is_loopback
