"""``cams-emulator``: run the emulator as a process (demos, other languages, manual testing).

Prints ``CAMS emulator listening on http://HOST:PORT`` once bound, serves until SIGINT or SIGTERM,
then exits 0. Control it over ``/_emulator/...`` (see control.py).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

from airflow_provider_cams.testing.assets import FETCH_TIMEOUT_SECONDS
from airflow_provider_cams.testing.dialects import (
    DEFAULT_DIALECT,
    DIALECTS,
    PUBLISHED_UPDATE_MODES,
    dialect_named,
    switch_names,
)
from airflow_provider_cams.testing.emulator import DEFAULT_RATE_LIMIT, CamsEmulator


def _sts(value: str) -> tuple[str, str, str]:
    parts = value.split(":", 2)
    if len(parts) != 3 or not all(parts):
        raise argparse.ArgumentTypeError("expected ID:SECRET:TOKEN")
    return parts[0], parts[1], parts[2]


def _switch(value: str) -> tuple[str, Any]:
    name, sep, raw = value.partition("=")
    if not sep or name not in switch_names():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE with NAME one of {', '.join(switch_names())}")
    if name.endswith("_http"):
        try:
            return name, int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} takes an HTTP status, got {raw!r}") from None
    return name, raw


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cams-emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--access-key-id", default="test-ak")
    parser.add_argument("--access-key-secret", default="test-sk")
    parser.add_argument(
        "--sts",
        type=_sts,
        action="append",
        default=[],
        metavar="ID:SECRET:TOKEN",
        help="an extra accepted STS identity (repeatable)",
    )
    limit = parser.add_mutually_exclusive_group()
    limit.add_argument(
        "--rate-limit",
        type=float,
        default=DEFAULT_RATE_LIMIT,
        help="calls per second of each API per AccessKeyId (default %(default)s)",
    )
    limit.add_argument("--no-rate-limit", action="store_true")
    parser.add_argument(
        "--shared-rate-limit", action="store_true", help="count all APIs together against --rate-limit"
    )
    parser.add_argument("--fault-rate", type=float, default=0.0, help="random fault probability per call")
    parser.add_argument("--fault-kinds", default=None, help="comma-separated FaultKind values (--fault-rate)")
    parser.add_argument("--seed", type=int, default=None, help="seed for --fault-rate")
    parser.add_argument(
        "--require-flow-json",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="refuse PublishFlow for a flow with no JSON attached (default: on)",
    )
    parser.add_argument(
        "--dialect",
        choices=sorted(DIALECTS),
        default=DEFAULT_DIALECT,
        help="how to answer what CAMS does not document (codes, HTTP forms, behaviours; default %(default)s)",
    )
    parser.add_argument(
        "--dialect-switch",
        type=_switch,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one switch of the dialect, e.g. wrong_status_http=400 (repeatable)",
    )
    parser.add_argument(
        "--published-update",
        choices=PUBLISHED_UPDATE_MODES,
        default=None,
        help="UpdateFlowJSONAsset on a PUBLISHED flow: refuse it, or accept it and revert the flow to "
        "DRAFT (CAMS documents neither; default: the dialect's)",
    )
    parser.add_argument(
        "--json-fetch-timeout",
        type=float,
        default=FETCH_TIMEOUT_SECONDS,
        help="seconds to download an UpdateFlowJSONAsset FilePath (default %(default)s)",
    )
    parser.add_argument("--log-level", default="WARNING")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        emulator = CamsEmulator(
            access_key_id=args.access_key_id,
            access_key_secret=args.access_key_secret,
            host=args.host,
            port=args.port,
            rate_limit=None if args.no_rate_limit else args.rate_limit,
            shared_rate_limit=args.shared_rate_limit,
            sts_credentials={sts_id: (secret, token) for sts_id, secret, token in args.sts},
            require_flow_json=args.require_flow_json,
            published_update=args.published_update,
            json_fetch_timeout=args.json_fetch_timeout,
            dialect=dialect_named(args.dialect, **dict(args.dialect_switch)),
        )
        if args.fault_rate:
            kinds = args.fault_kinds.split(",") if args.fault_kinds else None
            emulator.faults.random(rate=args.fault_rate, kinds=kinds, seed=args.seed)
    except ValueError as exc:
        parser.error(str(exc))

    try:
        emulator.start()
    except OSError as exc:
        print(f"cams-emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, _on_signal)
    try:
        # Printed only once handlers are in place and the socket accepts connections.
        print(f"CAMS emulator listening on {emulator.url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
