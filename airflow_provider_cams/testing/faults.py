"""Fault injection: make admitted calls fail the ways a real network and a real CAMS can.

Faults apply after signature check and rate limiting, before the action. Each kind says whether the
state change happens ("applied") before the failure, which is what a client's retry logic must get right:
re-sending a mutating call after an *_after_apply fault repeats it.
"""

from __future__ import annotations

import enum
import random as _random
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from airflow_provider_cams.testing.errors import default_status


class FaultKind(str, enum.Enum):
    SERVER_ERROR = "server_error"  # 503 ServiceUnavailable, not applied
    SERVER_ERROR_AFTER_APPLY = "server_error_after_apply"  # applied, then 500 InternalError
    TIMEOUT_AFTER_APPLY = "timeout_after_apply"  # applied, answer held back `delay` s (client times out)
    SLOW = "slow"  # answer normally after `delay` s
    DROP_BEFORE = "drop_before"  # connection closed without an answer, not applied
    DROP_AFTER_APPLY = "drop_after_apply"  # applied, then connection closed without an answer
    THROTTLE = "throttle"  # 400 System.LimitControl (+ x-acs-retry-after if retry_after_ms), not applied
    ERROR_200 = "error_200"  # HTTP 200 with Code != "OK", not applied
    NON_JSON = "non_json"  # 502 with an HTML body (a proxy's error page), not applied
    ERROR = "error"  # any code / HTTP status you pass, not applied


@dataclass(frozen=True)
class FaultSpec:
    """How a kind behaves: ``response`` is "error", "normal" (the action's own answer), "drop" or "html"."""

    applies: bool
    response: str
    code: str | None = None
    http_status: int | None = None
    delay: float = 0.0
    throttled: bool = False


FAULT_SPECS: dict[FaultKind, FaultSpec] = {
    FaultKind.SERVER_ERROR: FaultSpec(False, "error", "ServiceUnavailable", 503),
    FaultKind.SERVER_ERROR_AFTER_APPLY: FaultSpec(True, "error", "InternalError", 500),
    FaultKind.TIMEOUT_AFTER_APPLY: FaultSpec(True, "normal", delay=30.0),
    FaultKind.SLOW: FaultSpec(True, "normal", delay=1.0),
    FaultKind.DROP_BEFORE: FaultSpec(False, "drop"),
    FaultKind.DROP_AFTER_APPLY: FaultSpec(True, "drop"),
    FaultKind.THROTTLE: FaultSpec(False, "error", "System.LimitControl", 400, throttled=True),
    FaultKind.ERROR_200: FaultSpec(False, "error", "InternalError", 200),
    FaultKind.NON_JSON: FaultSpec(False, "html", None, 502),
    FaultKind.ERROR: FaultSpec(False, "error"),
}

# Random mode leaves out the kinds that need a code (error) or mostly wait (slow, timeout_after_apply).
DEFAULT_RANDOM_KINDS: tuple[FaultKind, ...] = tuple(
    k for k in FaultKind if k not in (FaultKind.ERROR, FaultKind.SLOW, FaultKind.TIMEOUT_AFTER_APPLY)
)


@dataclass(frozen=True)
class Fault:
    """A resolved fault, ready for the server to act on."""

    kind: FaultKind
    spec: FaultSpec
    code: str | None
    http_status: int | None
    delay: float
    retry_after_ms: int | None = None
    message: str | None = None


@dataclass
class FaultRule:
    """One add() rule; ``remaining`` None means it never runs out."""

    kind: FaultKind
    action: str | None
    remaining: int | None
    delay: float | None = None
    code: str | None = None
    http_status: int | None = None
    retry_after_ms: int | None = None
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind.value}


def resolve(
    kind: FaultKind,
    delay: float | None = None,
    code: str | None = None,
    http_status: int | None = None,
    retry_after_ms: int | None = None,
    message: str | None = None,
) -> Fault:
    """Fill a kind's defaults."""
    spec = FAULT_SPECS[kind]
    code = code or spec.code
    if http_status is None:
        http_status = spec.http_status if spec.http_status is not None else default_status(code or "")
    return Fault(
        kind, spec, code, http_status, spec.delay if delay is None else delay, retry_after_ms, message
    )


class FaultInjector:
    """N-shot rules (first matching rule wins) plus an optional random mode; thread-safe."""

    def __init__(self, known_actions: Iterable[str]) -> None:
        self._known = frozenset(known_actions)
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._random: tuple[float, tuple[FaultKind, ...], frozenset[str] | None, float | None] | None = None
        self._rng = _random.Random()
        self._injected: dict[str, int] = {}

    def add(
        self,
        kind: FaultKind | str,
        action: str | None = None,
        times: int | None = 1,
        delay: float | None = None,
        code: str | None = None,
        http_status: int | None = None,
        retry_after_ms: int | None = None,
        message: str | None = None,
    ) -> FaultRule:
        """Fault the next ``times`` admitted calls (of ``action`` if given; ``times=None``: every call)."""
        fault_kind = FaultKind(kind)
        self._check_action(action)
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 (or None for every call)")
        if delay is not None and delay < 0:
            raise ValueError("delay must be >= 0")
        if retry_after_ms is not None and retry_after_ms <= 0:
            raise ValueError("retry_after_ms must be > 0 (the SDK ignores 0)")
        if http_status is not None and not 100 <= http_status <= 599:
            raise ValueError("http_status must be 100..599")
        if fault_kind is FaultKind.ERROR and not code:
            raise ValueError("the 'error' fault needs a code, e.g. code='Ram.PermissionDeny'")
        rule = FaultRule(fault_kind, action, times, delay, code, http_status, retry_after_ms, message)
        with self._lock:
            self._rules.append(rule)
        return rule

    def random(
        self,
        rate: float = 0.3,
        kinds: Iterable[FaultKind | str] | None = None,
        seed: int | None = None,
        actions: Iterable[str] | None = None,
        delay: float | None = None,
    ) -> None:
        """Fault each admitted call with probability ``rate``, kind drawn uniformly; ``seed`` repeats runs."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within 0..1")
        chosen = tuple(FaultKind(k) for k in kinds) if kinds is not None else DEFAULT_RANDOM_KINDS
        if not chosen or FaultKind.ERROR in chosen:
            raise ValueError("kinds must be non-empty and cannot include 'error' (it needs a code)")
        only = None
        if actions is not None:
            only = frozenset(actions)
            for a in only:
                self._check_action(a)
        with self._lock:
            self._random = (rate, chosen, only, delay)
            self._rng = _random.Random(seed)

    def clear(self) -> None:
        """Drop every rule, the random mode and the counters."""
        with self._lock:
            self._rules.clear()
            self._random = None
            self._injected.clear()

    def injected(self) -> dict[str, int]:
        """How many faults of each kind fired (keys are FaultKind values)."""
        with self._lock:
            return dict(self._injected)

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def draw(self, action: str) -> Fault | None:
        """The fault for one admitted call of ``action``, consuming a rule shot; None for no fault."""
        with self._lock:
            fault = self._draw_rule(action) or self._draw_random(action)
            if fault is not None:
                self._injected[fault.kind.value] = self._injected.get(fault.kind.value, 0) + 1
            return fault

    def _draw_rule(self, action: str) -> Fault | None:
        for rule in self._rules:
            if rule.action in (None, action):
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                return resolve(
                    rule.kind, rule.delay, rule.code, rule.http_status, rule.retry_after_ms, rule.message
                )
        return None

    def _draw_random(self, action: str) -> Fault | None:
        if self._random is None:
            return None
        rate, kinds, only, delay = self._random
        if only is not None and action not in only:
            return None
        if self._rng.random() >= rate:
            return None
        return resolve(self._rng.choice(kinds), delay)

    def _check_action(self, action: str | None) -> None:
        if action is not None and action not in self._known:
            raise ValueError(f"unknown action {action!r}; known: {', '.join(sorted(self._known))}")
