"""CamsPollingTrigger: what the CAMS wait triggers share, written once.

The connection (read in the triggerer by id: no secret travels in the trigger's arguments), the pacing
(never faster than ``min_interval``, the task's share of the API's rate), the deadline and the loop: sleep,
read once, judge, and end with one event. A subclass says what it reads and how it judges a reading.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_cams.exceptions import CamsError
from airflow_provider_cams.utils.rate import CallPacer

if TYPE_CHECKING:
    from airflow_provider_cams.hooks.cams import CamsHook

# The arguments every polling trigger takes, after its own (serialize() sends both).
POLLING_FIELDS = ("cams_conn_id", "cust_space_id", "poll_interval", "end_time", "min_interval", "hook_params")


class CamsPollingTrigger(BaseTrigger):
    """Poll every ``poll_interval`` seconds (never faster than ``min_interval``) until a verdict.

    Yields one event: ``status`` ``success`` or ``failed`` (the verdict, with what the subclass adds),
    ``timeout`` (``end_time`` passed) or ``error`` (a CAMS error the hook could not retry away); each with
    a ``message``. The first poll comes one interval after the start: the sensor has just poked, and the
    pool's pacing counts from that call.

    :param cams_conn_id: the ``cams`` connection, read in the triggerer.
    :param cust_space_id: CustSpaceId, or None for the connection's.
    :param poll_interval: seconds between reads.
    :param end_time: Unix time (seconds) at which to give up with a ``timeout`` event; None: never.
    :param min_interval: seconds the pool's pacing requires between calls (the task's share of the rate).
    :param hook_params: extra keyword arguments for the hook.
    """

    own_fields: tuple[str, ...] = ()  # the subclass's own arguments, serialized before POLLING_FIELDS

    def __init__(
        self,
        *,
        cams_conn_id: str,
        cust_space_id: str | None = None,
        poll_interval: float,
        end_time: float | None = None,
        min_interval: float = 0.0,
        hook_params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.cams_conn_id = cams_conn_id
        self.cust_space_id = cust_space_id
        self.poll_interval = float(poll_interval)
        self.end_time = end_time
        self.min_interval = float(min_interval)
        self.hook_params = hook_params or {}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        names = (*self.own_fields, *POLLING_FIELDS)
        return f"{type(self).__module__}.{type(self).__qualname__}", {n: getattr(self, n) for n in names}

    # ----------------------------------------------------------------- what a subclass says
    def event_base(self) -> dict[str, Any]:
        """What every event of this trigger carries (what it waits for)."""
        raise NotImplementedError

    def timeout_message(self) -> str:
        raise NotImplementedError

    async def poll(self, hook: CamsHook) -> tuple[str, str, dict[str, Any]]:
        """Read once: (verdict ``done`` / ``wait`` / ``fail``, message, what the event carries)."""
        raise NotImplementedError

    # ----------------------------------------------------------------- the loop
    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_cams.hooks.cams import CamsHook  # in the triggerer, when it runs

        hook = CamsHook(self.cams_conn_id, **self.hook_params)
        interval = max(self.poll_interval, self.min_interval)
        base = self.event_base()
        try:  # with a rate_store, polls draw from the account's one budget like every other call
            settings = await hook.asettings()
        except CamsError as exc:
            yield TriggerEvent({**base, "status": "error", "message": str(exc)})
            return
        store = settings.rate_store and settings.pacing
        hook.pacer = hook.pool_pacer() if store else CallPacer(self.min_interval)
        while self.end_time is None or time.time() + interval <= self.end_time:
            await asyncio.sleep(interval)
            try:
                verdict, message, payload = await self.poll(hook)
            except CamsError as exc:
                yield TriggerEvent({**base, "status": "error", "message": str(exc)})
                return
            if verdict != "wait":
                outcome = "success" if verdict == "done" else "failed"
                yield TriggerEvent({**base, "status": outcome, **payload, "message": message})
                return
        await asyncio.sleep(max(0.0, (self.end_time or 0.0) - time.time()))
        yield TriggerEvent({**base, "status": "timeout", "message": self.timeout_message()})
