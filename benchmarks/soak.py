"""Fault soak: create and publish N flows through real Airflow while the emulator injects faults.

One DAG, one mapped task group per flow (``CreateFlowOperator -> PublishFlowOperator``), run with
``dag.test()`` (real Airflow task runner, SQLite metadata DB, real HTTP and real SDK signing) against a
``CamsEmulator`` that faults a share of the admitted calls (30 % by default) with every fault kind it has
(``server_error``, ``server_error_after_apply``, ``timeout_after_apply``, ``slow``, ``drop_before``,
``drop_after_apply``, ``throttle``, ``error_200``, ``non_json``). Each flow has a unique name. Tasks get
Airflow retries (3 by default, no delay); the connection turns pacing off (pacing is tested elsewhere) and
has a short read timeout (``timeout_after_apply`` holds the answer for 30 s, ``slow`` for 1 s: with a
1.5 s read timeout the first times out and the second answers in time). The emulator's own rate limiter
is off by default so that every failure counted is an injected one (``--emulator-rate-limit 5`` turns
it on).

Afterwards it checks the invariants and prints the counts:

* every flow exists exactly once (no duplicate name, no stray flow) and is PUBLISHED;
* CreateFlow was applied once per name and PublishFlow once per flow;
* no task gave up while it could still succeed: every exception that ended a try is a healable one
  (throttling / 5xx / transport) raised after the hook's attempts ran out, and no task instance failed;
* no task succeeded whose flow is not PUBLISHED, and each publish task published its own create task's
  flow.

Run: ``/tmp/av/bin/python benchmarks/soak.py`` (200 flows; ``--flows 30`` for a quick one). Exit status 1
when an invariant is broken. Task logs (dag.test prints them) go to a file, shown at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Every fault kind of the emulator except "error" (it needs a code: not a random fault).
ALL_FAULT_KINDS = (
    "server_error",
    "server_error_after_apply",
    "timeout_after_apply",
    "slow",
    "drop_before",
    "drop_after_apply",
    "throttle",
    "error_200",
    "non_json",
)
CATEGORIES = ("SIGN_UP", "SIGN_IN", "APPOINTMENT_BOOKING", "LEAD_GENERATION", "CONTACT_US", "SURVEY", "OTHER")
RETRY_LINE = re.compile(r"CAMS call attempt \d+ failed")
ALREADY_LINE = re.compile(r"had already taken effect; not sending it again")


@dataclass
class SoakConfig:
    flows: int = 200
    fault_rate: float = 0.3
    seed: int = 20260101
    retries: int = 3
    read_timeout: float = 1.5
    fault_delay: float | None = None  # None: each kind's default (slow 1 s, timeout_after_apply 30 s)
    emulator_rate_limit: float | None = None
    kinds: tuple[str, ...] = ALL_FAULT_KINDS
    hook_max_attempts: int | None = None  # None: the hook's default (5); small values force Airflow retries


@dataclass
class TryFailure:
    """An exception that ended one try of a CAMS task (recorded in-process)."""

    task_id: str
    map_index: int
    try_number: int
    error_type: str
    healable: bool
    message: str


@dataclass
class SoakResult:
    config: SoakConfig
    wall_seconds: float
    run_state: str
    faults_injected: dict[str, int]
    requests_by_action: dict[str, int]
    requests_total: int
    requests_failed: int
    hook_retries: int
    reconciled_before_resend: int
    ti_states: dict[str, int]
    ti_tries_total: int
    tis_retried: int
    try_failures: list[TryFailure]
    flows_by_status: dict[str, int]
    creates_reused: int
    publishes_already_done: int
    requests_per_flow: dict[str, float]
    problems: list[str] = field(default_factory=list)

    def report(self) -> str:
        c = self.config
        lines = [
            f"Fault soak: {c.flows} flows, fault rate {c.fault_rate:.0%} over {len(c.kinds)} kinds, "
            f"seed {c.seed}, Airflow retries {c.retries}, read_timeout {c.read_timeout:g} s, "
            f"emulator rate limit {c.emulator_rate_limit or 'off'}, pacing off, hook attempts "
            f"{c.hook_max_attempts or 'default (5)'}",
            f"wall time: {self.wall_seconds:.1f} s   DAG run: {self.run_state}",
            "faults injected by class: "
            + ", ".join(f"{k}={self.faults_injected.get(k, 0)}" for k in c.kinds)
            + f"  (total {sum(self.faults_injected.values())})",
            f"requests: {self.requests_total} ("
            + ", ".join(f"{k}={v}" for k, v in sorted(self.requests_by_action.items()))
            + f"); failed or faulted: {self.requests_failed}",
            f"requests per flow: mean {self.requests_per_flow['mean']:.2f}, "
            f"min {self.requests_per_flow['min']:.0f}, max {self.requests_per_flow['max']:.0f} "
            "(3 without faults: CreateFlow, GetFlow, PublishFlow)",
            f"hook retries (backoff sleeps): {self.hook_retries}; ambiguous calls resolved by a state check "
            f"instead of a re-send: {self.reconciled_before_resend}",
            f"Airflow task tries: {self.ti_tries_total} for {sum(self.ti_states.values())} task instances; "
            f"{self.tis_retried} needed an Airflow retry; tries that ended in an exception: "
            f"{len(self.try_failures)} ("
            + ", ".join(f"{k}={v}" for k, v in Counter(f.error_type for f in self.try_failures).items())
            + ")",
            "task outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(self.ti_states.items())),
            f"flows: {sum(self.flows_by_status.values())} ("
            + ", ".join(f"{k}={v}" for k, v in sorted(self.flows_by_status.items()))
            + f"); creates that reused the flow of an ambiguous try: {self.creates_reused}; "
            f"publishes that found the flow already PUBLISHED: {self.publishes_already_done}",
            "invariants: " + ("all hold" if not self.problems else f"{len(self.problems)} BROKEN"),
        ]
        lines += [f"  - {p}" for p in self.problems[:50]]
        return "\n".join(lines)


class _Recorder:
    """In-process hooks into the provider (dag.test runs every task in this process): counts, not changes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hook_retries = 0
        self.reconciled = 0
        self.failures: list[TryFailure] = []

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        from airflow_provider_cams.hooks import cams as hook_module
        from airflow_provider_cams.hooks import transport
        from airflow_provider_cams.operators.base import CamsBaseOperator

        recorder = self
        orig_log_retry = transport.Transport._log_retry
        orig_call = hook_module.CamsHook.call
        orig_execute = CamsBaseOperator.execute

        def log_retry(sender: Any, state: Any, *args: Any) -> None:
            with recorder.lock:
                recorder.hook_retries += 1
            orig_log_retry(sender, state, *args)

        def call(hook: Any, *args: Any, **kwargs: Any) -> Any:
            body = orig_call(hook, *args, **kwargs)
            if not isinstance(body, dict):  # a reconcile answer: an ambiguous failure settled by a check
                with recorder.lock:  # an ambiguous failure that a state check resolved: no re-send
                    recorder.reconciled += 1
            return body

        def execute(op: Any, context: Any) -> Any:
            try:
                return orig_execute(op, context)
            except BaseException as exc:
                ti = context["ti"]
                with recorder.lock:
                    recorder.failures.append(
                        TryFailure(
                            ti.task_id,
                            ti.map_index,
                            ti.try_number,
                            type(exc).__name__,
                            transport.is_retryable(exc),
                            str(exc)[:300],
                        )
                    )
                raise

        transport.Transport._log_retry = log_retry  # type: ignore[method-assign,assignment]
        hook_module.CamsHook.call = call  # type: ignore[method-assign,assignment]
        CamsBaseOperator.execute = execute  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            transport.Transport._log_retry = orig_log_retry  # type: ignore[method-assign,assignment]
            hook_module.CamsHook.call = orig_call  # type: ignore[method-assign,assignment]
            CamsBaseOperator.execute = orig_execute  # type: ignore[method-assign,assignment]


def flow_names(count: int, tag: str) -> list[str]:
    return [f"soak {tag} #{i:04d}" for i in range(count)]


def build_dag(dag_id: str, names: list[str], retries: int, hook_max_attempts: int | None = None) -> Any:
    import pendulum
    from airflow.sdk import DAG, task_group

    from airflow_provider_cams.operators.flow import CreateFlowOperator, PublishFlowOperator

    categories = [[CATEGORIES[i % len(CATEGORIES)]] for i in range(len(names))]
    hook_params = {"max_attempts": hook_max_attempts} if hook_max_attempts else None

    @task_group(group_id="flow")
    def one_flow(flow_name: str, cats: list[str]) -> None:
        create = CreateFlowOperator(
            task_id="create", flow_name=flow_name, categories=cats, hook_params=hook_params
        )
        PublishFlowOperator(task_id="publish", flow_id=create.output["flow_id"], hook_params=hook_params)  # type: ignore[index]

    with DAG(
        dag_id,
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_tasks=len(names) * 2 + 2,
        default_args={"retries": retries, "retry_delay": timedelta(0)},
    ) as dag:
        one_flow.expand_kwargs([{"flow_name": n, "cats": c} for n, c in zip(names, categories, strict=True)])
    return dag


def _task_rows(dag_id: str, run_id: str) -> tuple[list[Any], dict[tuple[str, int], Any]]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = session.query(TaskInstance).filter_by(dag_id=dag_id, run_id=run_id).all()
        rows = [(ti.task_id, ti.map_index, ti.state, ti.try_number) for ti in tis]
        xcoms = {
            (x.task_id, x.map_index): x.value
            for x in session.query(XComModel).filter_by(dag_id=dag_id, run_id=run_id, key="return_value")
        }
    return rows, xcoms


def run_soak(config: SoakConfig, emulator: Any, conn_env: str = "AIRFLOW_CONN_CAMS_DEFAULT") -> SoakResult:
    """Run the soak against a started ``emulator`` (the metadata DB must exist); return the counts."""
    from tests.dag_helpers import run_dag

    base = json.loads(emulator.connection_uri_json())
    base["extra"].update({"pacing": False, "read_timeout": config.read_timeout})
    os.environ[conn_env] = json.dumps(base)
    emulator.reset()
    emulator.set_rate_limit(config.emulator_rate_limit)
    emulator.faults.random(config.fault_rate, kinds=config.kinds, seed=config.seed, delay=config.fault_delay)

    tag = uuid.uuid4().hex[:8]
    names = flow_names(config.flows, tag)
    dag = build_dag(f"soak_{tag}", names, config.retries, config.hook_max_attempts)
    recorder = _Recorder()
    started = time.monotonic()
    with recorder.installed():
        run = run_dag(dag)
    wall = time.monotonic() - started
    injected = emulator.faults.injected()
    emulator.faults.clear()  # stop faulting before anything else talks to it

    return _evaluate(config, emulator, run, names, recorder, wall, injected)


def _evaluate(
    config: SoakConfig,
    emulator: Any,
    run: Any,
    names: list[str],
    recorder: _Recorder,
    wall: float,
    injected: dict[str, int],
) -> SoakResult:
    problems: list[str] = []
    rows, xcoms = _task_rows(run.dag_id, run.run_id)
    requests = emulator.requests()
    flows = emulator.flows()
    recorded = Counter(r.fault for r in requests if r.fault)
    if dict(recorded) != injected:
        problems.append(f"fault counters disagree: injector {injected}, request log {dict(recorded)}")

    # 1. every flow exactly once, PUBLISHED, nothing else.
    by_name: dict[str, list[str]] = {}
    for flow_id, flow in flows.items():
        by_name.setdefault(flow["FlowName"], []).append(flow_id)
    for name in names:
        ids = by_name.get(name, [])
        if len(ids) != 1:
            problems.append(f"flow {name!r} exists {len(ids)} times: {ids}")
        for flow_id in ids:
            if flows[flow_id]["Status"] != "PUBLISHED":
                problems.append(f"flow {name!r} ({flow_id}) is {flows[flow_id]['Status']}, not PUBLISHED")
    strays = sorted(set(by_name) - set(names))
    if strays:
        problems.append(f"flows nobody asked for: {strays}")

    # 2. applied mutations: one CreateFlow per name, one PublishFlow per flow.
    applied_creates = Counter(
        r.params.get("FlowName") for r in requests if r.action == "CreateFlow" and r.applied
    )
    applied_publishes = Counter(
        r.params.get("FlowId") for r in requests if r.action == "PublishFlow" and r.applied
    )
    for name in names:
        if applied_creates.get(name, 0) != 1:
            problems.append(f"CreateFlow for {name!r} was applied {applied_creates.get(name, 0)} times")
    for flow_id, count in applied_publishes.items():
        if count != 1:
            problems.append(f"PublishFlow for {flow_id} was applied {count} times")

    # 3. tasks: none failed; every try that ended in an exception ended in a healable one.
    states = Counter(str(state) for _, _, state, _ in rows)
    for task_id, map_index, state, tries in rows:
        if str(state) != "success":
            problems.append(f"{task_id}[{map_index}] ended {state} after {tries} tries")
    for failure in recorder.failures:
        if not failure.healable:
            problems.append(
                f"{failure.task_id}[{failure.map_index}] try {failure.try_number} gave up on a "
                f"non-healable {failure.error_type}: {failure.message}"
            )
        elif failure.try_number > config.retries + 1:
            problems.append(f"{failure.task_id}[{failure.map_index}] ran more tries than allowed")

    # 4. no task succeeded whose flow is not PUBLISHED; publish[i] published create[i]'s flow.
    name_of_index = dict(enumerate(names))
    reused = already = 0
    for task_id, map_index, state, _ in rows:
        if str(state) != "success":
            continue
        value = xcoms.get((task_id, map_index)) or {}
        flow_id = value.get("flow_id")
        flow = flows.get(flow_id or "")
        if flow is None:
            problems.append(f"{task_id}[{map_index}] succeeded with flow {flow_id!r}, which does not exist")
            continue
        if task_id == "flow.create":
            reused += bool(value.get("reused"))
            if flow["FlowName"] != name_of_index.get(map_index):
                problems.append(f"create[{map_index}] returned flow {flow_id} named {flow['FlowName']!r}")
        if task_id == "flow.publish":
            already += bool(value.get("already_published"))
            if flow["Status"] != "PUBLISHED":
                problems.append(f"publish[{map_index}] succeeded but flow {flow_id} is {flow['Status']}")
            created = (xcoms.get(("flow.create", map_index)) or {}).get("flow_id")
            if created != flow_id:
                problems.append(f"publish[{map_index}] published {flow_id}, create made {created}")

    # Requests per flow (CreateFlow/ListFlow by name, GetFlow/PublishFlow by id).
    id_to_name = {fid: f["FlowName"] for fid, f in flows.items()}
    per_flow: Counter[str] = Counter()
    for r in requests:
        key = r.params.get("FlowName") or id_to_name.get(r.params.get("FlowId", ""))
        if key is not None:
            per_flow[key] += 1
    counts = [per_flow.get(n, 0) for n in names] or [0]

    return SoakResult(
        config=config,
        wall_seconds=wall,
        run_state=str(run.state),
        faults_injected=injected,
        requests_by_action=dict(Counter(r.action or "?" for r in requests)),
        requests_total=len(requests),
        requests_failed=sum(1 for r in requests if r.fault or r.code != "OK"),
        hook_retries=recorder.hook_retries,
        reconciled_before_resend=recorder.reconciled,
        ti_states=dict(states),
        ti_tries_total=sum(tries for *_, tries in rows),
        tis_retried=sum(1 for *_, tries in rows if tries > 1),
        try_failures=list(recorder.failures),
        flows_by_status=dict(Counter(f["Status"] for f in flows.values())),
        creates_reused=reused,
        publishes_already_done=already,
        requests_per_flow={
            "mean": statistics.fmean(counts),
            "min": float(min(counts)),
            "max": float(max(counts)),
        },
        problems=problems,
    )


def count_log_lines(text: str) -> tuple[int, int]:
    """(hook retry lines, 'already taken effect' lines) in captured task output."""
    return len(RETRY_LINE.findall(text)), len(ALREADY_LINE.findall(text))


@contextlib.contextmanager
def _output_to(path: Path) -> Iterator[None]:
    """Send fd 1 and 2 (dag.test prints task logs there) to ``path`` while the soak runs."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "ab") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def _prepare_airflow_home(home: Path) -> None:
    """What tests/conftest.py does, for a standalone run: set before anything imports airflow."""
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home}/airflow.db"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(home / "dags")
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO"
    os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(var, None)


def main(argv: list[str] | None = None) -> int:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=SoakConfig.seed)
    parser.add_argument("--retries", type=int, default=3, help="Airflow retries per task (retry_delay 0)")
    parser.add_argument("--read-timeout", type=float, default=1.5, help="connection extra read_timeout (s)")
    parser.add_argument(
        "--fault-delay", type=float, default=None, help="delay of slow/timeout faults (default: per kind)"
    )
    parser.add_argument("--emulator-rate-limit", type=float, default=None, help="calls/s (default: off)")
    parser.add_argument("--hook-attempts", type=int, default=None, help="hook max_attempts (default 5)")
    parser.add_argument("--kinds", nargs="*", default=list(ALL_FAULT_KINDS), choices=list(ALL_FAULT_KINDS))
    parser.add_argument("--log", type=Path, help="where the task logs go (default: a temp file, kept)")
    args = parser.parse_args(argv)
    config = SoakConfig(
        flows=args.flows,
        fault_rate=args.fault_rate,
        seed=args.seed,
        retries=args.retries,
        read_timeout=args.read_timeout,
        fault_delay=args.fault_delay,
        emulator_rate_limit=args.emulator_rate_limit,
        kinds=tuple(args.kinds),
        hook_max_attempts=args.hook_attempts,
    )

    home = Path(tempfile.mkdtemp(prefix="cams-soak-"))
    _prepare_airflow_home(home)
    log_path = args.log or Path(tempfile.mkstemp(prefix="cams-soak-", suffix=".log")[1])
    print(f"AIRFLOW_HOME {home}; task logs -> {log_path}", flush=True)

    from airflow.utils import db

    from airflow_provider_cams.testing import CamsEmulator

    with _output_to(log_path):
        db.initdb()
    print(f"running {config.flows} flows...", flush=True)
    emulator = CamsEmulator(
        access_key_id="soak-ak", access_key_secret="soak-secret-value", require_flow_json=False
    )
    with emulator as emu, _output_to(log_path):
        result = run_soak(config, emu)
    retry_lines, already_lines = count_log_lines(log_path.read_text(errors="replace"))
    print(result.report())
    print(
        f"log lines: {retry_lines} 'CAMS call attempt N failed', {already_lines} 'had already taken effect'"
    )
    import shutil

    shutil.rmtree(home, ignore_errors=True)
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
