"""``cams-flow``: check WhatsApp Flow JSON files locally, e.g. in pre-commit or CI.

    cams-flow validate FILE [FILE ...]

Prints one line per error, ``FILE:LINE:COL: POINTER: MESSAGE``, and exits 0 when every file is
valid, 1 when any is not, 2 on usage errors (such as a missing file). Imports neither Airflow nor
any Alibaba SDK, so it starts fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from airflow_provider_cams.flowjson import VERSIONS_READ_ON, validate_flow_json

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cams-flow",
        description="Check WhatsApp Flow JSON files against Meta's documented rules, locally.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    validate = commands.add_parser(
        "validate",
        help="report every error of each file (exit 0: all valid, 1: errors, 2: usage error)",
        description=f"Validate Flow JSON files (Meta's supported versions as read on {VERSIONS_READ_ON}).",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="Flow JSON file(s); '-' reads stdin")
    validate.add_argument("-q", "--quiet", action="store_true", help="print errors only, no summary line")
    return parser


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    return Path(name).read_bytes()


def main(argv: list[str] | None = None) -> int:
    """Run ``cams-flow``; returns the exit code."""
    args = _parser().parse_args(argv)
    sources: list[tuple[str, bytes]] = []
    for name in args.files:
        try:
            sources.append((name, _read(name)))
        except FileNotFoundError:
            print(f"cams-flow: error: {name}: no such file; check the path.", file=sys.stderr)
            return EXIT_USAGE
        except IsADirectoryError:
            print(f"cams-flow: error: {name}: is a directory; pass the .json files in it.", file=sys.stderr)
            return EXIT_USAGE
        except OSError as exc:
            print(f"cams-flow: error: {name}: cannot read it ({exc.strerror}).", file=sys.stderr)
            return EXIT_USAGE
    invalid = total = 0
    for name, data in sources:
        errors = validate_flow_json(data)
        total += len(errors)
        invalid += bool(errors)
        for error in errors:
            print(error.format(name))
    if not args.quiet:
        summary = (
            f"{len(sources)} file(s) valid"
            if not invalid
            else f"{total} error(s) in {invalid} of {len(sources)} file(s)"
        )
        print(summary, file=sys.stderr)
    return EXIT_INVALID if invalid else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
