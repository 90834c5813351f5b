"""Metrics of CAMS calls through Airflow's own ``Stats`` (StatsD, Datadog or OpenTelemetry, as configured).

Emitted by the send pipeline (:mod:`airflow_provider_cams.hooks.transport`), once per HTTP exchange:

* ``cams.calls`` (counter, tags ``action`` and ``outcome``) and the same count as
  ``cams.calls.<action>.<outcome>`` for backends without tags (plain StatsD);
* ``cams.throttled`` (counter, tag ``action``): calls CAMS answered with a throttling code;
* ``cams.retries`` (counter, tag ``action``): re-sends by the hook after a failure that can heal;
* ``cams.call_duration`` (timer, tag ``action``): from sending to the checked answer;
* ``cams.pacing_wait`` (timer, tag ``action``): how long the call waited for the account's rate.

``outcome`` is ``ok``, or the error's kind (``throttled``, ``transient``, ``auth``, ``invalid``,
``not_found``, ``flow_state``, ``unknown``), or ``no_response`` (connection refused or dropped, timeout,
a body that is not JSON), or ``interrupted`` (cancelled before an answer). Airflow prefixes the names
(``statsd_prefix``, default ``airflow``). Nothing here carries a flow id, a parameter or a credential.
A metrics backend that fails never fails a call.

:class:`CallCounters` keeps the same numbers for one hook, for the summary line a task logs at its end.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from airflow_provider_cams.utils.compat import stats_backend

log = logging.getLogger(__name__)

PREFIX = "cams"
CALLS = f"{PREFIX}.calls"
THROTTLED = f"{PREFIX}.throttled"
RETRIES = f"{PREFIX}.retries"
CALL_DURATION = f"{PREFIX}.call_duration"
PACING_WAIT = f"{PREFIX}.pacing_wait"
METRIC_NAMES = (CALLS, THROTTLED, RETRIES, CALL_DURATION, PACING_WAIT)


def incr(name: str, tags: dict[str, str]) -> None:
    try:
        stats_backend().incr(name, 1, tags=tags)
    except Exception:  # a metrics backend never fails a CAMS call
        log.debug("Could not emit metric %s", name, exc_info=True)


def timing(name: str, seconds: float, tags: dict[str, str]) -> None:
    try:
        stats_backend().timing(name, timedelta(seconds=max(0.0, seconds)), tags=tags)
    except Exception:
        log.debug("Could not emit metric %s", name, exc_info=True)


@dataclass
class CallCounters:
    """What one hook's calls did: emitted as metrics as they happen, summed up for the task's log."""

    retries: int = 0
    waited: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    # A batch task's threads share one hook: its counts are updated under this lock.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def calls(self) -> int:
        return sum(self.outcomes.values())

    @property
    def throttled(self) -> int:
        return self.outcomes["throttled"]

    def record_call(self, action: str, outcome: str, seconds: float) -> None:
        with self._lock:
            self.outcomes[outcome] += 1
        incr(CALLS, {"action": action, "outcome": outcome})
        incr(f"{CALLS}.{action}.{outcome}", {})
        timing(CALL_DURATION, seconds, {"action": action})
        if outcome == "throttled":
            incr(THROTTLED, {"action": action})

    def record_retry(self, action: str) -> None:
        with self._lock:
            self.retries += 1
        incr(RETRIES, {"action": action})

    def record_wait(self, action: str, seconds: float) -> None:
        with self._lock:
            self.waited += seconds
        timing(PACING_WAIT, seconds, {"action": action})

    def summary(self) -> str:
        return (
            f"CAMS: {self.calls} call{'s' if self.calls != 1 else ''}, {self.throttled} throttled, "
            f"{self.retries} retr{'ies' if self.retries != 1 else 'y'}, waited {self.waited:.1f} s "
            "for the rate"
        )
