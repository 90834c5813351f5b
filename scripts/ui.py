"""`make ui`: the provider in a real Airflow UI, against the bundled CAMS emulator, until Ctrl-C.

Starts the CAMS emulator in this process and a whole Airflow deployment on 127.0.0.1 (api-server with the
UI, scheduler, dag-processor, triggerer; LocalExecutor, SQLite) with ``example_dags/`` as its DAGs folder,
creates the ``cams_default`` connection in the metadata DB (so it shows, and can be edited and tested,
under Admin > Connections), provisions its pool with ``cams-pool``, prints the address and sign-in, then
echoes every CAMS call the emulator answers. Ctrl-C (SIGINT) or SIGTERM stops everything it started.

The Airflow home persists under ``build/ui-home`` (``--home``): the second start skips most of the DB
migration and keeps earlier runs to look at. ``--fresh`` starts from an empty home. The emulator keeps
its flows in memory only, so every start begins with an empty CAMS account.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test harness lives in tests/, not in the package

from airflow_provider_cams.testing import CamsEmulator  # noqa: E402
from tests.harness.airflow_stack import (  # noqa: E402
    ADMIN_PASSWORD,
    ADMIN_USER,
    AirflowStack,
    StackHTTPError,
)

DAGS = ROOT / "example_dags"
DEFAULT_HOME = ROOT / "build" / "ui-home"
CONN_ID = "cams_default"
FIRST_DAG = "example_cams_flow_lifecycle"
ACCESS_KEY_ID = "LTAIdemoAccessKey"
ACCESS_KEY_SECRET = "demo-secret-Zq9x"


class Stop(BaseException):
    """SIGINT or SIGTERM arrived: unwind through every ``with`` so each part stops what it started.

    A BaseException, like KeyboardInterrupt, so no ``except Exception`` on the way swallows it.
    """


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    # Ignore further signals: a second Ctrl-C must not interrupt the teardown half-way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    name = signal.Signals(signum).name
    os.write(1, f"\n{name}: stopping everything (a few seconds)...\n".encode())  # print() is not re-entrant
    raise Stop(name)


def _say(message: str) -> None:
    print(message, flush=True)


@contextlib.contextmanager
def _home_lock(home: Path) -> Iterator[None]:
    """One ``make ui`` per home: two deployments on one SQLite file would fight over it."""
    home.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = (home / ".ui.lock").open("w")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(
                f"another `make ui` is running on {home}; stop it first or pass --home"
            ) from None
        yield
    finally:
        handle.close()


def _processes_using(home: Path) -> list[int]:
    """Live processes whose AIRFLOW_HOME is ``home`` (left over if an earlier run was SIGKILLed)."""
    needle = f"AIRFLOW_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _fernet_key(home: Path) -> str:
    """A Fernet key kept in the home: connections saved by an earlier start must stay readable."""
    path = home / "fernet.key"
    if not path.exists():
        path.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def _save_connection(stack: AirflowStack, emulator: CamsEmulator) -> None:
    """(Re)create ``cams_default`` in the metadata DB, pointing at this start's emulator port."""
    conn = json.loads(emulator.connection_uri_json())
    body = {
        "connection_id": CONN_ID,
        "conn_type": conn["conn_type"],
        "login": conn["login"],
        "password": conn["password"],
        "extra": json.dumps(conn["extra"]),
        "description": "The bundled CAMS emulator (make ui)",
        # Not used by the hook. Airflow 3.3.2's Test button sends port 0 for a connection without a port
        # and its API then refuses to reuse the stored secret (apache/airflow#73298, fixed later): a
        # stored port keeps the Test button working in this sandbox.
        "port": emulator.port,
    }
    with contextlib.suppress(StackHTTPError):
        stack.request("DELETE", f"/api/v2/connections/{CONN_ID}")
    stack.request("POST", "/api/v2/connections", body)
    # The example DAGs attach the Flow JSON found at this Variable: hosted by the emulator (loopback).
    signup = (ROOT / "example_dags" / "flows" / "signup.json").read_bytes()
    with contextlib.suppress(StackHTTPError):
        stack.request("DELETE", "/api/v2/variables/cams_flow_json_url")
    stack.request(
        "POST", "/api/v2/variables", {"key": "cams_flow_json_url", "value": emulator.host_json(signup)}
    )


def _provision_pool(stack: AirflowStack, emulator: CamsEmulator) -> str:
    """Run ``cams-pool`` against the stack; returns its report line.

    ``cams-pool`` reads the connection through the Task SDK, which outside a task sees only
    ``AIRFLOW_CONN_*`` variables and secrets backends, not the metadata DB: hand it the same connection
    as a variable, for this one command only (the deployment itself reads the DB copy).
    """
    env = {**stack.env, f"AIRFLOW_CONN_{CONN_ID.upper()}": emulator.connection_uri_json()}
    cams_pool = str(Path(sys.executable).with_name("cams-pool"))
    done = subprocess.run(
        [cams_pool, "--conn-id", CONN_ID],
        env=env,
        cwd=stack.home,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"cams-pool failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout.strip()


def _banner(stack: AirflowStack, emulator: CamsEmulator, pool_report: str) -> None:
    dags = ", ".join(sorted(path.stem for path in DAGS.glob("*.py") if not path.name.startswith("_")))
    _say(
        "\n"
        f"  Airflow UI  {stack.api_url}   sign in: {ADMIN_USER} / {ADMIN_PASSWORD}\n"
        f"  DAGs        {dags}\n"
        f"  CAMS        emulator at {emulator.url}; connection {CONN_ID!r} (AccessKey "
        f"{emulator.access_key_id}), editable under Admin > Connections\n"
        f"  Pool        {pool_report}\n"
        f"  Home        {stack.home}  (process logs in {stack.log_dir})\n"
        f"\n  Trigger {FIRST_DAG} in the UI and watch its CAMS calls below. Ctrl-C stops everything.\n"
    )


def _serve(stack: AirflowStack, emulator: CamsEmulator) -> int:
    """Echo the emulator's calls until a signal arrives (Stop) or an Airflow process dies (exit 1)."""
    seen = 0
    while True:
        calls = emulator.requests()
        for call in calls[seen:]:
            flow = call.params.get("FlowId") or "-"
            stamp = time.strftime("%H:%M:%S", time.localtime(call.received_at))
            _say(f"  {stamp}  CAMS {call.action or '?':<22} FlowId={flow:<18} -> {call.code}")
        seen = len(calls)
        dead = [proc for proc in stack.procs if not proc.alive()]
        if dead:
            for proc in dead:
                _say(f"{proc.name} exited with {proc.popen.returncode}; see {proc.log_path}")
            return 1
        time.sleep(1)


def run(home: Path, fresh: bool) -> int:
    """Start everything, serve until a signal, stop everything (the ``with`` blocks do the stopping)."""
    if fresh:
        shutil.rmtree(home, ignore_errors=True)
    with _home_lock(home):
        leftovers = _processes_using(home)
        if leftovers:
            raise SystemExit(
                f"processes of an earlier run still use {home}: {leftovers}; stop them "
                "(kill <pid>) or use another --home"
            )
        stack = AirflowStack(
            home,
            DAGS,
            with_triggerer=True,
            extra_env={
                "AIRFLOW__CORE__FERNET_KEY": _fernet_key(home),
                "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",  # the UI's Test button (off by default)
                "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ in example_dags/
            },
        )
        _say(f"Starting the CAMS emulator and Airflow {_airflow_version()} in {home} (about 20-40 s)...")
        with (
            CamsEmulator(access_key_id=ACCESS_KEY_ID, access_key_secret=ACCESS_KEY_SECRET) as emulator,
            stack,
        ):
            _save_connection(stack, emulator)
            pool_report = _provision_pool(stack, emulator)
            stack.wait_for_dag(FIRST_DAG)
            _banner(stack, emulator, pool_report)
            return _serve(stack, emulator)


def _airflow_version() -> str:
    from importlib.metadata import version

    return version("apache-airflow")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ui.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--home", type=Path, default=DEFAULT_HOME, help=f"AIRFLOW_HOME (default {DEFAULT_HOME})"
    )
    parser.add_argument("--fresh", action="store_true", help="delete the home first")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        return run(args.home.resolve(), args.fresh)
    except Stop as stop:
        _say(f"{stop}: stopped the emulator and every Airflow process.")
        return 0


if __name__ == "__main__":
    sys.exit(main())
