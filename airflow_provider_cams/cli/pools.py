"""``cams-pool``: create or check the Airflow pool that carries a CAMS account's rate limit.

A task naming a missing pool waits in ``scheduled`` forever with only a scheduler log line, so the pool
is provisioned up front, from the connection: one slot per call/s of the account's most limited API
(``floor(rate_limit)`` with ``rate_shared``), deferred tasks counted (a deferred sensor, or a task
started in the triggerer, keeps its slot while its trigger runs). One pool per account serves every
API: the tasks' pacers spend each slot's share of each API separately. Uses the ``airflow pools`` CLI of the
environment it runs in, so it works with any metadata DB Airflow is configured for.

    cams-pool                         # create/update the pool of connection cams_default
    cams-pool --conn-id cams_acct2    # another account
    cams-pool --check                 # exit 1 unless the pool exists with the right settings
    cams-pool --print-json > pools.json && airflow pools import pools.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_provider_cams.utils.rate import RateBudget


@dataclass(frozen=True)
class PoolSpec:
    name: str
    slots: int
    description: str
    include_deferred: bool = True

    def as_import_json(self) -> dict[str, Any]:
        """The shape ``airflow pools import`` reads."""
        return {
            self.name: {
                "slots": self.slots,
                "description": self.description,
                "include_deferred": self.include_deferred,
            }
        }


def spec_for(conn_id: str, pool: str, budget: RateBudget) -> PoolSpec:
    """The pool of an account: one slot per call/s of its most limited API (or of the shared limit)."""
    return PoolSpec(
        name=pool,
        slots=budget.pool_slots,
        description=f"CAMS account of connection {conn_id}: {budget.describe()} (airflow-provider-cams)",
    )


def spec_from_connection(conn_id: str) -> PoolSpec:
    """Read the connection where Airflow keeps it: env/secrets backends, else the metadata DB."""
    from airflow_provider_cams.hooks.cams import CamsHook
    from airflow_provider_cams.hooks.connection import CamsConnectionSettings, raw_extra

    try:
        conn = CamsHook.get_connection(conn_id)
        login, password, extra = conn.login, conn.password, raw_extra(conn_id, conn.extra)
    except Exception:  # outside a task the Task SDK does not look in the metadata DB
        row = _cli_json(["connections", "get", conn_id, "-o", "json"])
        if row is None:
            raise
        login, password, extra = row.get("login"), row.get("password"), row.get("extra_dejson") or {}
    settings = CamsConnectionSettings.from_connection(conn_id, login, password, extra)
    return spec_for(conn_id, settings.pool, settings.rate_budget)


def _airflow() -> str:
    local = Path(sys.executable).with_name("airflow")
    return str(local) if local.exists() else (shutil.which("airflow") or "airflow")


def current_pool(name: str) -> dict[str, Any] | None:
    return _cli_json(["pools", "get", name, "-o", "json"])


def _cli_json(args: list[str]) -> dict[str, Any] | None:
    """First row of an ``airflow ... -o json`` listing, or None when the command fails."""
    out = subprocess.run([_airflow(), *args], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    for line in reversed(out.stdout.splitlines()):  # Airflow may log to stdout before the JSON
        if line.startswith("[{") or line.strip() == "[]":
            rows = json.loads(line)
            return rows[0] if rows else None
    return None


def problems(spec: PoolSpec, pool: dict[str, Any] | None) -> list[str]:
    """What is wrong with an existing pool (empty: it is right)."""
    if pool is None:
        return [f"pool {spec.name!r} does not exist; tasks in it would wait in 'scheduled' forever"]
    found: list[str] = []
    if int(pool["slots"]) != spec.slots:
        found.append(f"pool {spec.name!r} has {pool['slots']} slots, the account's rate needs {spec.slots}")
    if str(pool.get("include_deferred")).lower() != "true":
        found.append(
            f"pool {spec.name!r} does not count deferred tasks; deferred sensors would break the rate"
        )
    return found


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send everything written to file descriptor 1 to stderr, so stdout stays clean JSON."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cams-pool", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--conn-id", default="cams_default", help="the cams connection (default cams_default)"
    )
    parser.add_argument(
        "--check", action="store_true", help="only check; exit 1 if the pool is missing or wrong"
    )
    parser.add_argument("--print-json", action="store_true", help="print the pool for `airflow pools import`")
    args = parser.parse_args(argv)
    try:
        with _stdout_to_stderr():  # Airflow may log to stdout while it looks the connection up
            spec = spec_from_connection(args.conn_id)
    except Exception as exc:
        print(f"cams-pool: cannot read connection {args.conn_id!r}: {exc}", file=sys.stderr)
        return 2
    if args.print_json:
        print(json.dumps(spec.as_import_json(), indent=2))
        return 0
    if args.check:
        found = problems(spec, current_pool(spec.name))
        for problem in found:
            print(f"cams-pool: {problem}. Run: cams-pool --conn-id {args.conn_id}", file=sys.stderr)
        if not found:
            print(f"Pool {spec.name!r} is ready: {spec.slots} slots, deferred tasks counted.")
        return 1 if found else 0
    out = subprocess.run(
        [_airflow(), "pools", "set", spec.name, str(spec.slots), spec.description, "--include-deferred"],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        print(f"cams-pool: airflow pools set failed:\n{out.stderr[-2000:]}", file=sys.stderr)
        return 1
    print(
        f"Pool {spec.name!r} set: {spec.slots} slots, deferred tasks counted "
        f"(connection {args.conn_id!r}). Use pool={spec.name!r} on every CAMS task of this account."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
