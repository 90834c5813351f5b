"""One rate budget per account, shared by every process: the ``rate_store`` the connection names.

Without a store each process paces its own calls and the Airflow pool divides the account's ``N``
slots between processes (:mod:`airflow_provider_cams.utils.rate`). Tasks started in the triggerer never
pass the pool, so that scheme has to keep slots apart for them. A store instead keeps the account's
slots themselves, and every worker, thread and trigger of the account draws from them:

* per account (the connection's ``pool``) and per budget key (each API, or ``*`` with ``rate_shared``),
  ``N * c_A`` virtual slots, each ``(free_at, holder, lease_end)``;
* **acquire** (atomic in the store): take a slot that is not busy and whose ``free_at`` is at or before
  the store clock's now; mark it busy with a lease ``now + the call's client timeout + I``. Otherwise
  wait (until the earliest ``free_at``, or a short poll while all are busy) and try again;
* **release** (after the call returned or failed, atomic): ``free_at = now + I``, not busy;
* a busy slot whose lease has ended (its holder crashed) is free again.

Why no API goes above its limit. Per slot, with ``prev`` the call before ``j`` on that slot, all on the
store's one clock: ``arrival(j) >= start(j) >= acquire(j) >= release(prev) + I >= return(prev) + I >=
arrival(prev) + I``. (A slot retaken after its lease ended: ``acquire(j) >= lease_end = acquire(prev) +
timeout + I >= arrival(prev) + I``, by the assumption below.) So on one slot any two calls reach CAMS
more than ``I`` apart, and a window shorter than ``I`` holds at most one call per slot: at most
``N c_A <= L_A`` calls of ``A``, from any mix of workers, threads, triggers and DAG runs. The pool no
longer makes the rate (keep it: it caps concurrency), and the first-call rule (rule 1) is not needed:
every call of the account passes the store, so there is no earlier holder it does not know of.

ASSUMED (``docs/assumptions.rst``): a call reaches CAMS no later than its client timeout after it was
acquired (connect + read timeout): the same assumption the return-counting rule makes.

The clock. ``file:///dir``: every process on one machine, ``fcntl.flock`` on one file per account and
budget, and ``time.monotonic()`` (``CLOCK_MONOTONIC``, one system-wide clock on Linux) is the one clock;
the file records the boot it belongs to, so a reboot starts it afresh. ``redis://host:port/db``:
several machines; one Lua script per acquire/release, run atomically by Redis, on Redis's own
``TIME``. A slot seen for the first time (a new or emptied store) is free only ``I`` after that moment,
so a store that lost its state never lets a slot go at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from airflow_provider_cams.utils.rate import RateBudget, budget_share, slot_interval

log = logging.getLogger(__name__)

POLL = 0.05  # seconds between tries while every free slot is busy (a release elsewhere is not signalled)
SCHEMES = ("file", "redis", "rediss")


class RateStoreError(RuntimeError):
    """The rate store cannot be used (unreachable, unwritable): no call is sent without it."""


@dataclass(frozen=True)
class Taken:
    """One acquire's answer: the slot taken (``index``), or None and the seconds to wait first."""

    index: int | None
    wait: float = 0.0


class RateStore(Protocol):
    """Where an account's virtual slots live: atomic acquire and release on one clock."""

    def acquire(self, budget_key: str, slots: int, holder: str, lease: float, interval: float) -> Taken: ...

    def release(self, budget_key: str, index: int, holder: str, interval: float) -> bool: ...


def check_store_url(url: str) -> str:
    """The ``rate_store`` value, checked (a ValueError says what is wrong and what to write)."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(
            f"rate_store must be file:///a/directory (one machine) or redis://host:port/db (several), "
            f"got a {parts.scheme or 'missing'!r} scheme"
        )
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/") or parts.query:
            raise ValueError(
                "rate_store file URL must name an absolute directory and no host, e.g. file:///var/lib/cams-rate"
            )
        return url
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port == -1:
        raise ValueError(
            "rate_store redis URL needs a host (and a valid port), e.g. redis://127.0.0.1:6379/0"
        )
    db = parts.path.strip("/")
    if db and not db.isdigit():
        raise ValueError(f"rate_store redis URL's path must be a database number, e.g. /0, got /{db}")
    return url


def redacted(url: str) -> str:
    """The URL without its password (for logs and errors)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


# ---------------------------------------------------------------------------------------- file store
def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            return f.read().strip()
    except OSError:  # not Linux: the monotonic clock's origin is unknown, keep one value
        return "unknown"


class FileRateStore:
    """Slots in a JSON file per account and budget, under ``fcntl.flock``; clock: ``time.monotonic()``."""

    def __init__(self, directory: str, account: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.directory = directory
        self.account = account
        self._clock = clock
        self._boot = _boot_id()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.directory!r}, account={self.account!r})"

    def path(self, budget_key: str) -> str:
        return os.path.join(
            self.directory, f"cams-rate.{quote(self.account, safe='')}.{quote(budget_key, safe='')}.json"
        )

    @contextlib.contextmanager
    def _locked(self, budget_key: str, slots: int, interval: float) -> Iterator[tuple[float, list[Any]]]:
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            fd = os.open(self.path(budget_key), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise RateStoreError(
                f"rate store {self.directory!r} cannot be used ({exc.strerror}); make it a directory every "
                "CAMS worker and the triggerer can write, or fix the connection's rate_store."
            ) from None
        with os.fdopen(fd, "r+", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            now = self._clock()
            try:
                state = json.loads(f.read() or "{}")
            except json.JSONDecodeError:
                state = {}
            table: list[list[Any]] = state.get("slots", []) if state.get("boot") == self._boot else []
            # A slot seen for the first time is free one interval from now (the store may have lost state).
            table.extend([now + interval, None, 0.0] for _ in range(slots - len(table)))
            yield now, table
            f.seek(0)
            f.truncate()
            f.write(json.dumps({"boot": self._boot, "slots": table}))
            f.flush()
            # the lock goes with the file's close

    def acquire(self, budget_key: str, slots: int, holder: str, lease: float, interval: float) -> Taken:
        with self._locked(budget_key, slots, interval) as (now, table):
            return _take(table[:slots], now, holder, lease)

    def release(self, budget_key: str, index: int, holder: str, interval: float) -> bool:
        with self._locked(budget_key, index + 1, interval) as (now, table):
            return _give_back(table[index], now, holder, interval)


def _take(table: list[list[Any]], now: float, holder: str, lease: float) -> Taken:
    """The acquire rule on one budget's slots (``[free_at, holder, lease_end]``, changed in place)."""
    wait = float("inf")
    for index, slot in enumerate(table):
        free_at, busy_by, lease_end = slot
        if busy_by is not None and lease_end > now:
            wait = min(wait, POLL)  # busy: its release is not signalled, look again shortly
            continue
        if busy_by is not None:  # its holder vanished: its call reached CAMS before lease_end (ASSUMED)
            free_at = lease_end
        if free_at <= now:
            slot[:] = [free_at, holder, now + lease]
            return Taken(index)
        wait = min(wait, free_at - now)
    return Taken(None, wait)


def _give_back(slot: list[Any], now: float, holder: str, interval: float) -> bool:
    """The release rule: the slot is free ``interval`` after now, if ``holder`` still holds it."""
    if slot[1] != holder:
        return False
    slot[:] = [now + interval, None, 0.0]
    return True


# ---------------------------------------------------------------------------------------- redis store
# One hash per account and budget: field i = "free_at holder lease_end" ("-" when not busy).
# ARGV: op, slots or index, holder, lease, interval, poll. Numbers go back as strings (Lua -> integer).
_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local op, holder = ARGV[1], ARGV[3]
local lease, interval, poll = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local function fmt(x) return string.format('%.6f', x) end
local function read(i)
  local v = redis.call('HGET', KEYS[1], i)
  if not v then
    redis.call('HSET', KEYS[1], i, fmt(now + interval) .. ' - 0')
    return now + interval, '-', 0
  end
  local f, h, l = string.match(v, '^(%S+) (%S+) (%S+)$')
  return tonumber(f), h, tonumber(l)
end
if op == 'acquire' then
  local wait = math.huge
  for i = 0, tonumber(ARGV[2]) - 1 do
    local free_at, busy_by, lease_end = read(i)
    if busy_by ~= '-' and lease_end > now then
      wait = math.min(wait, poll)
    else
      if busy_by ~= '-' then free_at = lease_end end
      if free_at <= now then
        redis.call('HSET', KEYS[1], i, fmt(free_at) .. ' ' .. holder .. ' ' .. fmt(now + lease))
        return {i, '0'}
      end
      wait = math.min(wait, free_at - now)
    end
  end
  return {-1, fmt(wait)}
end
local i = tonumber(ARGV[2])
local free_at, busy_by, lease_end = read(i)
if busy_by ~= holder then return {0, '0'} end
redis.call('HSET', KEYS[1], i, fmt(now + interval) .. ' - 0')
return {1, '0'}
"""

_REDIS_CLIENTS: dict[str, Any] = {}
_REDIS_LOCK = threading.Lock()


class RedisRateStore:
    """Slots in a Redis hash per account and budget; one Lua script per acquire/release; clock: ``TIME``."""

    def __init__(self, url: str, account: str) -> None:
        self.url = url
        self.account = account

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redacted(self.url)!r}, account={self.account!r})"

    def key(self, budget_key: str) -> str:
        return f"cams-rate:{self.account}:{budget_key}"

    def _script(self) -> Any:
        with _REDIS_LOCK:
            script = _REDIS_CLIENTS.get(self.url)
            if script is None:
                import redis  # lazily: DAG parsing never imports it

                client = redis.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)
                script = _REDIS_CLIENTS[self.url] = client.register_script(_LUA)
            return script

    def _run(self, budget_key: str, *args: Any) -> tuple[int, float]:
        try:
            answer = self._script()(keys=[self.key(budget_key)], args=[*args, POLL])
        except Exception as exc:  # redis.RedisError and socket errors; the URL may hold a password
            raise RateStoreError(
                f"rate store {redacted(self.url)} cannot be used ({type(exc).__name__}); start Redis there "
                "or fix the connection's rate_store. No CAMS call is sent without it."
            ) from None
        return int(answer[0]), float(answer[1])

    def acquire(self, budget_key: str, slots: int, holder: str, lease: float, interval: float) -> Taken:
        index, wait = self._run(budget_key, "acquire", slots, holder, lease, interval)
        return Taken(index) if index >= 0 else Taken(None, wait)

    def release(self, budget_key: str, index: int, holder: str, interval: float) -> bool:
        return self._run(budget_key, "release", index, holder, 0, interval)[0] == 1


def open_store(url: str, account: str) -> RateStore:
    """The store a (checked) ``rate_store`` URL names, for ``account``."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FileRateStore(parts.path, account)
    return RedisRateStore(url, account)


# ---------------------------------------------------------------------------------------- the pacer
class StorePacer:
    """The :class:`~airflow_provider_cams.utils.rate.Pacer` of every task and trigger of an account with a
    ``rate_store``: a call takes one of the account's ``N c_A`` slots of its API in the store and gives
    it back when it returns (the module doc). Thread-safe and usable from asyncio (the slot a call holds
    is kept per thread and task), so :meth:`for_threads` is the pacer itself.
    """

    def __init__(
        self,
        store: RateStore,
        budget: RateBudget,
        *,
        lease: float,
        interval: float = slot_interval(1),
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.budget = budget
        self.lease = lease + interval  # ASSUMED: a call reaches CAMS within its client timeout
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._held: dict[tuple[int, int], tuple[str, int, str]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.store!r}, interval={self.interval:g}, budget={self.budget!r})"

    def window_for(self, action: str | None = None) -> int:
        """Calls of ``action`` the whole account may make per ``interval`` (``N * c_A``)."""
        return budget_share(self.budget, self.budget.slots, action)[1]

    def for_threads(self) -> StorePacer:
        return self

    @staticmethod
    def _caller() -> tuple[int, int]:
        """This thread, and its asyncio task if any: whoever will call :meth:`after_call` for the slot."""
        import asyncio

        try:
            task = asyncio.current_task()
        except RuntimeError:
            task = None
        return threading.get_ident(), id(task)

    def _try(self, action: str | None) -> float:
        """Take a slot for this caller (0.0), or the seconds to wait before trying again."""
        key, slots = budget_share(self.budget, self.budget.slots, action)
        holder = uuid.uuid4().hex
        taken = self.store.acquire(key, slots, holder, self.lease, self.interval)
        if taken.index is None:
            return max(taken.wait, 0.001)
        with self._lock:
            stale = self._held.pop(self._caller(), None)
            self._held[self._caller()] = (key, taken.index, holder)
        if stale is not None:  # a before_call never followed by after_call: give that slot back too
            self.store.release(stale[0], stale[1], stale[2], self.interval)
        return 0.0

    def before_call(self, action: str | None = None) -> float:
        """Block until this caller holds a slot of ``action``; return the time waited."""
        began = self._clock()
        while (delay := self._try(action)) > 0:
            self._sleep(delay)
        return self._clock() - began

    def wait_time(self, action: str | None = None) -> float:
        """For async callers: 0.0 once a slot is taken for this task, else how long to sleep first."""
        return self._try(action)

    def after_call(self, action: str | None = None) -> None:
        """The call returned (or failed): its slot is free one interval from now."""
        with self._lock:
            held = self._held.pop(self._caller(), None)
        if held is None:
            raise RuntimeError("after_call without a slot taken by before_call/wait_time in this caller")
        key, index, holder = held
        if not self.store.release(key, index, holder, self.interval):
            log.warning(
                "A CAMS call outlived its lease on rate slot %s/%d (longer than its client timeout); "
                "the slot had already been freed.",
                key,
                index,
            )


def store_pacer(url: str, account: str, budget: RateBudget, *, timeout: float) -> StorePacer:
    """The pacer of ``account`` with the store at ``url``; ``timeout``: a call's client timeout."""
    return StorePacer(open_store(url, account), budget, lease=timeout)
