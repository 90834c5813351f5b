"""A real Airflow 3 deployment on 127.0.0.1 for tests, benchmarks and ``make ui``.

``dag.test()`` ignores pools and runs everything in one process, so the behaviour this provider's QPS
design rests on (pools capping concurrent calls, deferral, Celery workers) can only be checked against a
real scheduler. :class:`AirflowStack` starts one from the ``airflow`` executable that sits next to
``sys.executable``: ``airflow db migrate``, then the api-server (execution API + REST + UI), the
dag-processor, the scheduler, optionally the triggerer, and for ``CeleryExecutor`` a private
``redis-server`` plus Celery workers.

It imports only the standard library: importing it must not import (and so configure) airflow in the
calling process, whose own ``AIRFLOW_*`` settings (e.g. from a test conftest) must not leak into the stack.
Every child gets :attr:`AirflowStack.env` explicitly, with its own home, SQLite file, ports and redis.

Example::

    with AirflowStack(tmp_path / "home", dags_folder) as stack:
        stack.set_pool("cams", 2)
        stack.wait_for_dag("my_dag")
        states = stack.wait_for_runs("my_dag", [stack.trigger("my_dag")])
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

__all__ = ["AirflowCommandError", "AirflowStack", "AirflowStackError", "StackHTTPError"]

ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin"
TERMINAL_RUN_STATES = frozenset({"success", "failed"})

# Proxies would send 127.0.0.1 traffic away (the task SDK honours HTTP(S)_PROXY but not NO_PROXY).
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")

# Written into the stack's home and put on PYTHONPATH: gives each Celery worker's task instances a
# distinct ``hostname`` (all workers share one machine, so the default FQDN would be the same for all).
_SUPPORT_MODULE = "cams_airflow_stack_support"
_SUPPORT_SOURCE = '''"""Written by tests.harness.airflow_stack into the stack home."""

import os
import socket


def hostname() -> str:
    """Hostname for task instances: the worker's name when the stack set one, else the FQDN."""
    return os.environ.get("CAMS_STACK_HOSTNAME") or socket.getfqdn()
'''


class AirflowStackError(RuntimeError):
    """The stack could not be started or did not behave."""


class StackHTTPError(AirflowStackError):
    """A REST call to the api-server answered with an error status."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} -> HTTP {status}: {body[:2000]}")
        self.status = status
        self.body = body


class AirflowCommandError(subprocess.CalledProcessError):
    """``airflow`` CLI failure whose message includes the output (CalledProcessError's does not)."""

    def __str__(self) -> str:
        out = (self.stderr or "")[-3000:] or (self.output or "")[-3000:]
        return f"{super().__str__()}\n{out}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0 and let the kernel pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port (we can bind it ourselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _proc_stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, ppid, session id, start time) of a live pid from /proc, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    # After "pid (comm) ": state ppid pgrp session ... starttime is field 22 of the whole line.
    return fields[0], int(fields[1]), int(fields[3]), int(fields[19])


def _all_stats() -> dict[int, tuple[str, int, int, int]]:
    stats: dict[int, tuple[str, int, int, int]] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return stats
    for entry in proc.iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat is not None:
                stats[int(entry.name)] = stat
    return stats


def _timestamp(iso: str) -> float:
    """Epoch seconds of an ISO-8601 time from the REST API (``Z`` accepted for Python 3.10)."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64_000))
            text = fh.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class _Proc:
    """One long-running process we started (in its own session, so its pid is its group and session)."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None


class AirflowStack:
    """A real Airflow 3 deployment (api-server, dag-processor, scheduler, ...) bound to 127.0.0.1.

    Everything lives under ``home`` (config, SQLite DB, logs); ports are picked free at construction.
    ``start()`` blocks until the execution API and REST answer and the scheduler, dag-processor (and
    triggerer, Celery workers) are up; ``stop()`` tears everything down including running task processes.

    Args:
        home: AIRFLOW_HOME of this stack (airflow.cfg, airflow.db, logs); one per stack.
        dags_folder: the ``dags-folder`` bundle the dag-processor parses.
        executor: ``LocalExecutor`` or ``CeleryExecutor`` (the latter needs ``redis-server`` on PATH and
            apache-airflow-providers-celery).
        parallelism: ``[core] parallelism``; LocalExecutor forks this many idle workers up front.
        celery_workers / worker_concurrency: Celery only; worker ``wN`` reports hostname ``wN@<host>``.
        with_ui: only prints the UI address and login at start: the api-server always runs all its
            apps, because the REST API (and so this class) needs the core app, not just ``execution``.
        with_triggerer: also run ``airflow triggerer`` (needed for deferrable operators).
        extra_env: added last to :attr:`env` (e.g. ``AIRFLOW_CONN_*`` or config overrides).
        log_dir: where each process's stdout/stderr goes (default ``home/logs``).
    """

    def __init__(
        self,
        home: Path,
        dags_folder: Path,
        *,
        executor: str = "LocalExecutor",
        parallelism: int = 32,
        celery_workers: int = 2,
        worker_concurrency: int = 4,
        with_ui: bool = False,
        with_triggerer: bool = False,
        extra_env: dict[str, str] | None = None,
        log_dir: Path | None = None,
    ) -> None:
        self.home = Path(home).resolve()
        self.dags_folder = Path(dags_folder).resolve()
        self.executor = executor
        self.is_celery = executor.rsplit(".", 1)[-1] == "CeleryExecutor"
        self.parallelism = parallelism
        self.celery_workers = celery_workers if self.is_celery else 0
        self.worker_concurrency = worker_concurrency
        self.with_ui = with_ui
        self.with_triggerer = with_triggerer
        self.log_dir = Path(log_dir).resolve() if log_dir else self.home / "logs"
        self.airflow_bin = Path(sys.executable).with_name("airflow")
        self.api_port = free_port()
        self.redis_port = free_port() if self.is_celery else None
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.worker_names = [f"w{i + 1}" for i in range(self.celery_workers)]
        host = socket.gethostname()
        # What the REST API shows as a task instance's ``hostname`` for each worker.
        self.worker_hostnames = [f"{name}@{host}" for name in self.worker_names]
        self.env: dict[str, str] = self._build_env(extra_env or {})
        self.procs: list[_Proc] = []
        self.started = False
        self.time_to_healthy: float | None = None
        self._token: str | None = None
        # Never go through a proxy, whatever the calling process has configured.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._known: dict[int, int] = {}  # pid -> start time, every process seen in our trees
        self._started_wall = 0.0

    # ------------------------------------------------------------------ environment

    def _build_env(self, extra_env: dict[str, str]) -> dict[str, str]:
        """The environment of every child: the caller's, minus airflow config and proxies, plus ours."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("AIRFLOW__") and key not in {"AIRFLOW_HOME", "AIRFLOW_CONFIG"}
        }
        for var in _PROXY_VARS:
            env.pop(var, None)
        support_dir = self.home / "stack_support"
        pythonpath = [str(support_dir)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        secret = base64.urlsafe_b64encode(os.urandom(64)).decode()
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW_CONFIG": str(self.home / "airflow.cfg"),
                "PYTHONPATH": os.pathsep.join(pythonpath),
                "PYTHONUNBUFFERED": "1",
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
                "AIRFLOW__CORE__EXECUTOR": self.executor,
                "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__FERNET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{_SUPPORT_MODULE}.hostname",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
                "AIRFLOW__CORE__AUTH_MANAGER": (
                    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
                ),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self._passwords_file),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.api_port),
                "AIRFLOW__API__SECRET_KEY": secret[:43],
                "AIRFLOW__API_AUTH__JWT_SECRET": secret,
                "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.1",
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
                "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                # Default is <tmp>/airflow/dag_bundles, shared by every stack on the machine.
                "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH": str(self.home / "dag_bundles"),
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
                "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
                # Log servers are switched off (--skip-serve-logs); private ports in case one starts anyway.
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            }
        )
        if self.is_celery:
            redis = f"redis://127.0.0.1:{self.redis_port}"
            env.update(
                {
                    "AIRFLOW__CELERY__BROKER_URL": f"{redis}/0",
                    "AIRFLOW__CELERY__RESULT_BACKEND": f"{redis}/1",
                    "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.worker_concurrency),
                    "AIRFLOW__CELERY__SYNC_PARALLELISM": "1",
                    "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
                    "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "3600",
                }
            )
        env.update(extra_env)
        return env

    @property
    def _passwords_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json.generated"

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> AirflowStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 180) -> None:
        """Migrate the DB, start every process and block until the deployment is usable."""
        if self.started:
            return
        if not self.airflow_bin.exists():
            raise AirflowStackError(f"no airflow executable next to {sys.executable}: {self.airflow_bin}")
        redis_bin = shutil.which("redis-server", path=self.env.get("PATH")) if self.is_celery else None
        if self.is_celery and redis_bin is None:
            raise AirflowStackError(
                "CeleryExecutor needs redis-server on PATH as its broker: run `make test-distributed` "
                "or `apt-get install -y redis-server`"
            )
        began = time.monotonic()
        deadline = began + timeout
        self._started_wall = time.time()
        self.home.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        support = self.home / "stack_support"
        support.mkdir(exist_ok=True)
        (support / f"{_SUPPORT_MODULE}.py").write_text(_SUPPORT_SOURCE)
        # Fix the admin password: SimpleAuthManager only generates one for users missing from this file.
        self._passwords_file.write_text(json.dumps({ADMIN_USER: ADMIN_PASSWORD}) + "\n")
        self.procs = []
        self._known = {}
        self.started = True
        atexit.register(self.stop)
        try:
            if redis_bin is not None:
                self._spawn(
                    "redis",
                    [redis_bin, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--daemonize", "no", "--dir", str(self.home)],
                )  # fmt: skip
            self._migrate(deadline)
            if redis_bin is not None:
                self._wait_redis(deadline)
            airflow = str(self.airflow_bin)
            self._spawn("api-server", [airflow, "api-server", "-H", "127.0.0.1", "-p", str(self.api_port)])
            self._spawn("dag-processor", [airflow, "dag-processor"])
            self._spawn("scheduler", [airflow, "scheduler", "--skip-serve-logs"])
            if self.with_triggerer:
                self._spawn("triggerer", [airflow, "triggerer", "--skip-serve-logs"])
            for name, hostname in zip(self.worker_names, self.worker_hostnames, strict=True):
                self._spawn(
                    f"celery-{name}",
                    [airflow, "celery", "worker", "--concurrency", str(self.worker_concurrency),
                     "--celery-hostname", hostname, "--skip-serve-logs",
                     "--pid", str(self.home / f"celery-{name}.pid"), "--without-mingle", "--without-gossip"],
                    extra_env={"CAMS_STACK_HOSTNAME": hostname},
                )  # fmt: skip
            self._wait_healthy(deadline)
        except BaseException:
            self.stop()
            raise
        self.time_to_healthy = time.monotonic() - began
        if self.with_ui:
            print(
                f"Airflow UI: {self.api_url}  (user {ADMIN_USER}, password {ADMIN_PASSWORD}); "
                f"logs in {self.log_dir}",
                file=sys.stderr,
                flush=True,
            )

    def _spawn(self, name: str, argv: list[str], extra_env: dict[str, str] | None = None) -> _Proc:
        log_path = self.log_dir / f"{name}.log"
        log_file = log_path.open("ab")
        env = {**self.env, **(extra_env or {})}
        popen = subprocess.Popen(
            argv,
            env=env,
            cwd=self.home,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own session and group: stop() can signal the whole group
        )
        proc = _Proc(name, popen, log_path, log_file, env)
        self.procs.append(proc)
        return proc

    def _migrate(self, deadline: float) -> None:
        log_path = self.log_dir / "db-migrate.log"
        with log_path.open("ab") as log_file:
            try:
                result = subprocess.run(
                    [str(self.airflow_bin), "db", "migrate"],
                    env=self.env,
                    cwd=self.home,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    timeout=max(1.0, deadline - time.monotonic()),
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise AirflowStackError(f"airflow db migrate timed out\n{_tail(log_path)}") from exc
        if result.returncode != 0:
            raise AirflowStackError(f"airflow db migrate failed ({result.returncode})\n{_tail(log_path)}")

    def _wait_redis(self, deadline: float) -> None:
        assert self.redis_port is not None
        while True:
            self._check_alive()
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    return
            if time.monotonic() > deadline:
                raise AirflowStackError(f"redis did not answer PING\n{self._tails(['redis'])}")
            time.sleep(0.05)

    def _check_alive(self) -> None:
        for proc in self.procs:
            if not proc.alive():
                raise AirflowStackError(
                    f"{proc.name} exited with {proc.popen.returncode} during start\n"
                    f"--- {proc.log_path} ---\n{_tail(proc.log_path)}"
                )

    def _tails(self, names: Iterable[str]) -> str:
        wanted = set(names)
        return "\n".join(
            f"--- {proc.log_path} ---\n{_tail(proc.log_path)}" for proc in self.procs if proc.name in wanted
        )

    def _wait_healthy(self, deadline: float) -> None:
        """Execution API up, REST up and logged in, scheduler/dag-processor(/triggerer) heartbeating."""
        pending = "api-server"
        while True:
            self._check_alive()
            pending = self._unhealthy()
            if not pending:
                return
            if time.monotonic() > deadline:
                names = {"api-server", pending} if pending.startswith("celery-") else {pending}
                raise AirflowStackError(
                    f"stack not healthy in time: waiting for {pending}\n{self._tails(names)}"
                )
            time.sleep(0.25)

    def _unhealthy(self) -> str:
        """Name of the first process that is not ready yet, or '' when all are."""
        try:
            with self._opener.open(f"{self.api_url}/execution/health", timeout=2) as resp:
                if resp.status != 200:
                    return "api-server"
            health = self.request("GET", "/api/v2/monitor/health")
        except (OSError, StackHTTPError):
            return "api-server"
        for component, name in (("scheduler", "scheduler"), ("dag_processor", "dag-processor")) + (
            (("triggerer", "triggerer"),) if self.with_triggerer else ()
        ):
            info = health.get(component) or {}
            beat = info.get(f"latest_{component}_heartbeat")
            # A heartbeat from before start() belongs to an earlier stack on the same home.
            if info.get("status") != "healthy" or not beat or _timestamp(beat) < self._started_wall - 1:
                return name
        for name, hostname in zip(self.worker_names, self.worker_hostnames, strict=True):
            # Celery logs "<nodename> ready." once the worker consumes from the broker.
            if f"{hostname} ready." not in _tail(self.log_dir / f"celery-{name}.log", 400):
                return f"celery-{name}"
        return ""

    # ------------------------------------------------------------------ stopping

    def _depths(self, stats: dict[int, tuple[str, int, int, int]]) -> dict[int, int]:
        """pid -> depth below the process we started (0) for our trees, plus re-parented orphans."""
        children: dict[int, list[int]] = {}
        for pid, (_state, ppid, _sid, _start) in stats.items():
            children.setdefault(ppid, []).append(pid)
        roots = {proc.pid for proc in self.procs if proc.pid in stats}
        depths: dict[int, int] = {}
        todo = [(pid, 0) for pid in roots]
        while todo:
            pid, depth = todo.pop()
            if pid in depths:
                continue
            depths[pid] = depth
            todo.extend((child, depth + 1) for child in children.get(pid, []))
        # Orphans re-parented to init still carry the session of the process we started.
        for pid, (_s, _p, sid, _t) in stats.items():
            if sid in roots:
                depths.setdefault(pid, 2)
        return depths

    def process_tree(self) -> list[int]:
        """Live pids of everything we started and all their descendants (task processes included)."""
        stats = _all_stats()
        live = sorted(pid for pid in self._depths(stats) if stats[pid][0] != "Z")
        for pid in live:
            self._known.setdefault(pid, stats[pid][3])
        return live

    def _kill_task_processes(self) -> None:
        """SIGKILL everything two or more levels below a started process, deepest first.

        Those are task processes (scheduler -> LocalExecutor worker -> task, Celery main -> pool
        process -> task) and whatever they started. Once the scheduler has been told to stop, killing
        them lets it and the workers shut down gracefully at once (they otherwise wait for running
        tasks, and the scheduler would SIGKILL-orphan its workers to init as zombies).
        """
        stats = _all_stats()
        depths = {pid: d for pid, d in self._depths(stats).items() if d >= 2 and stats[pid][0] != "Z"}
        for pid in sorted(depths, key=lambda p: -depths[p]):
            self._known.setdefault(pid, stats[pid][3])
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def _known_alive(self) -> list[int]:
        alive = []
        for pid, start in self._known.items():
            stat = _proc_stat(pid)
            if stat is not None and stat[3] == start and stat[0] != "Z":
                alive.append(pid)
        return alive

    def _signal_group(self, proc: _Proc, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)

    def _terminate(self, procs: list[_Proc], grace: float) -> None:
        for proc in procs:
            if proc.alive():
                self._signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(proc.alive() for proc in procs):
            self.process_tree()  # keep learning about children while they shut down
            self._kill_task_processes()  # including tasks started after the SIGTERM was sent
            time.sleep(0.1)

    def stop(self, *, grace: float = 5.0) -> None:
        """Tear the stack down; safe to call twice and from atexit.

        SIGTERM in dependency order (scheduler side, then workers, api-server, redis), each phase waiting
        up to ``grace`` seconds while running task processes are SIGKILLed (they run in groups of their
        own, may ignore SIGTERM, and the scheduler and workers wait for them); then SIGKILL every process
        group we started and every process ever seen in their trees.
        """
        if not self.started:
            return
        self.started = False
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        self.process_tree()
        phases = [
            [p for p in self.procs if p.name in {"scheduler", "dag-processor", "triggerer"}],
            [p for p in self.procs if p.name.startswith("celery-")],
            [p for p in self.procs if p.name == "api-server"],
            [p for p in self.procs if p.name == "redis"],
        ]
        for index, phase in enumerate(phases):
            # The api-server is done within 0.1 s of SIGTERM but then spends ~4 s in interpreter-exit GC;
            # nothing of value is lost by killing it after a short grace.
            self._terminate(phase, min(grace, 1.0) if index == 2 else grace)
        for _ in range(50):
            self.process_tree()
            leftovers = self._known_alive()
            if not leftovers and not any(proc.alive() for proc in self.procs):
                break
            for proc in self.procs:
                self._signal_group(proc, signal.SIGKILL)
            for pid in leftovers:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(timeout=5)
            proc.log_file.close()
        self._token = None

    # ------------------------------------------------------------------ CLI and REST

    def airflow(
        self, *args: str, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run the ``airflow`` CLI against this stack (same env as the stack's processes)."""
        result = subprocess.run(
            [str(self.airflow_bin), *args],
            env=self.env,
            cwd=self.home,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AirflowCommandError(result.returncode, result.args, result.stdout, result.stderr)
        return result

    def _login(self) -> str:
        body = json.dumps({"username": ADMIN_USER, "password": ADMIN_PASSWORD}).encode()
        req = urllib.request.Request(
            f"{self.api_url}/auth/token",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with self._opener.open(req, timeout=30) as resp:
                token = json.loads(resp.read())["access_token"]
        except urllib.error.HTTPError as exc:
            raise StackHTTPError(
                "POST", req.full_url, exc.code, exc.read().decode("utf-8", "replace")
            ) from exc
        self._token = str(token)
        return self._token

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Authenticated call to the api-server; returns the decoded JSON (None for an empty answer)."""
        url = f"{self.api_url}{path}"
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (0, 1):
            token = self._token or self._login()
            headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
            if data is not None:
                headers["Content-Type"] = "application/json"
            req = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with self._opener.open(req, timeout=60) as resp:
                    raw = resp.read()
                return json.loads(raw) if raw else None
            except urllib.error.HTTPError as exc:
                text = exc.read().decode("utf-8", "replace")
                if exc.code == 401 and attempt == 0:
                    self._token = None  # expired or from an earlier start: log in again
                    continue
                raise StackHTTPError(method, url, exc.code, text) from exc
        raise AssertionError("unreachable")

    @staticmethod
    def _q(value: str) -> str:
        return urllib.parse.quote(value, safe="")

    def set_pool(self, name: str, slots: int, description: str = "", include_deferred: bool = False) -> None:
        """Create or update a pool (a task whose pool is missing stays scheduled forever, silently)."""
        masked = ["slots", "include_deferred"] + ([] if name == "default_pool" else ["description"])
        mask = "&".join(f"update_mask={f}" for f in masked)
        body = {"slots": slots, "description": description, "include_deferred": include_deferred}
        try:
            self.request("PATCH", f"/api/v2/pools/{self._q(name)}?{mask}", {"pool": name, **body})
        except StackHTTPError as exc:
            if exc.status != 404:
                raise
            self.request("POST", "/api/v2/pools", {"name": name, **body})

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> None:
        """Block until the dag-processor has serialized ``dag_id``; unpause it if it is paused."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                dag = self.request("GET", f"/api/v2/dags/{self._q(dag_id)}")
                break
            except StackHTTPError as exc:
                if exc.status != 404:
                    raise
            if time.monotonic() > deadline:
                errors = self.request("GET", "/api/v2/importErrors")
                raise TimeoutError(
                    f"DAG {dag_id!r} not serialized within {timeout}s; "
                    f"import errors: {json.dumps(errors)[:3000]}"
                    f"\n{self._tails(['dag-processor'])}"
                )
            time.sleep(0.5)
        if dag.get("is_paused"):
            self.request(
                "PATCH", f"/api/v2/dags/{self._q(dag_id)}?update_mask=is_paused", {"is_paused": False}
            )

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None, run_id: str | None = None) -> str:
        """Trigger a run now (``logical_date`` null, so no ``{{ ds }}``) and return its run_id."""
        body: dict[str, Any] = {"logical_date": None, "conf": conf or {}}
        if run_id is not None:
            body["dag_run_id"] = run_id
        run = self.request("POST", f"/api/v2/dags/{self._q(dag_id)}/dagRuns", body)
        return str(run["dag_run_id"])

    def run_state(self, dag_id: str, run_id: str) -> str:
        """Current state of one DAG run (queued, running, success, failed)."""
        run = self.request("GET", f"/api/v2/dags/{self._q(dag_id)}/dagRuns/{self._q(run_id)}")
        return str(run["state"])

    def wait_for_runs(self, dag_id: str, run_ids: list[str], timeout: float = 600) -> dict[str, str]:
        """Poll until every run is success or failed; return run_id -> state."""
        deadline = time.monotonic() + timeout
        states: dict[str, str] = {}
        while True:
            for run_id in run_ids:
                if states.get(run_id) not in TERMINAL_RUN_STATES:
                    states[run_id] = self.run_state(dag_id, run_id)
            if all(state in TERMINAL_RUN_STATES for state in states.values()):
                return states
            if time.monotonic() > deadline:
                raise TimeoutError(f"runs of {dag_id} not finished within {timeout}s: {states}")
            time.sleep(0.5)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Every task instance of a run, one per map index for mapped tasks (all pages)."""
        items: list[dict[str, Any]] = []
        base = f"/api/v2/dags/{self._q(dag_id)}/dagRuns/{self._q(run_id)}/taskInstances"
        for page in self._pages(base, "task_instances"):
            items.extend(page)
        return items

    def _pages(self, path: str, key: str, limit: int = 100) -> Iterator[list[dict[str, Any]]]:
        offset = 0
        while True:
            sep = "&" if "?" in path else "?"
            data = self.request("GET", f"{path}{sep}limit={limit}&offset={offset}")
            page = data[key]
            yield page
            offset += len(page)
            if not page or offset >= int(data["total_entries"]):
                return
