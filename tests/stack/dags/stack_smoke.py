"""Smoke DAG for the AirflowStack tests: mapped tasks in one small pool that record when they ran.

Each task writes ``<record_dir>/<run>-<map_index>.json`` as soon as it starts (so a test can find the
pid of a running task) and rewrites it with ``end`` when it is done. ``record_dir`` and ``sleep`` come
from the run conf; ``STACK_SMOKE_RECORD_DIR`` in the environment is the fallback for ``record_dir``.

``overlap`` (run conf, default 0): a task does not start its sleep until at least that many tasks have
started (records in ``record_dir``). With ``overlap`` = the pool's slots the first tasks wait for each
other, so the pool is used to capacity by construction, not because the scheduler happened to start
them within one ``sleep`` of each other (on a loaded machine it may not). Later tasks find enough
records and go straight on.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from airflow.sdk import dag, get_current_context, task

POOL = "stack_smoke_pool"
MAPPED = 8


def _write(path: Path, record: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(path)


@dag(dag_id="stack_smoke", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, max_active_tasks=16)
def stack_smoke() -> None:
    @task(pool=POOL)
    def work(index: int) -> None:
        start = time.time()
        context = get_current_context()
        dag_run = context["dag_run"]
        conf = dag_run.conf or {}
        record_dir = Path(conf.get("record_dir") or os.environ["STACK_SMOKE_RECORD_DIR"])
        safe_run = re.sub(r"[^A-Za-z0-9_.-]", "_", dag_run.run_id)
        path = record_dir / f"{safe_run}-{index}.json"
        record: dict[str, Any] = {
            "run_id": dag_run.run_id,
            "index": index,
            "start": start,
            "pid": os.getpid(),
            "host": socket.gethostname(),
        }
        _write(path, record)
        overlap, give_up = int(conf.get("overlap", 0)), time.monotonic() + 300
        while len(list(record_dir.glob("*.json"))) < overlap and time.monotonic() < give_up:
            time.sleep(0.05)  # only a pool that never runs `overlap` tasks at once waits 300 s
        time.sleep(float(conf.get("sleep", 1.0)))
        record["end"] = time.time()
        _write(path, record)

    work.expand(index=list(range(MAPPED)))


stack_smoke()
