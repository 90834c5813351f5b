"""CamsWaitSensor: what the CAMS wait sensors share, written once.

Poke (one read per poke), or poke once and then defer to the sensor's polling trigger with the task's
pacing and deadline; one call-summary line per task; the trigger's one event back to an XCom or a
failure (``sensors/resume.py``). A sensor says what it reads
(``poke``), which trigger waits for it (``trigger``) and under which key the event holds its result.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, Context, PokeReturnValue

from airflow_provider_cams.operators.mixins import CamsHookMixin
from airflow_provider_cams.sensors.resume import resume_from_event

if TYPE_CHECKING:
    from airflow_provider_cams.triggers.polling import CamsPollingTrigger


class CamsWaitSensor(CamsHookMixin, BaseSensorOperator):
    """A CAMS sensor: ``poke`` reads once; with ``deferrable`` the wait moves to ``trigger()``."""

    result_key: str  # the trigger event's key that holds the sensor's XCom

    def __init__(
        self,
        *,
        cams_conn_id: str,
        cust_space_id: str | None,
        hook_params: dict[str, Any] | None,
        deferrable: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.init_cams(cams_conn_id, cust_space_id, hook_params)
        self.deferrable = deferrable

    def poke(self, context: Context) -> PokeReturnValue:
        """Read once: done (with the XCom) or not yet; raise when the wait can never succeed."""
        raise NotImplementedError

    def trigger(self, **polling: Any) -> CamsPollingTrigger:
        """The trigger that waits for this sensor, given the shared polling arguments."""
        raise NotImplementedError

    def before_wait(self, context: Context) -> None:
        """Anything to do once before the first poke (e.g. clear last run's links)."""

    def execute(self, context: Context) -> Any:
        try:
            return self._wait(context)
        finally:
            self.log_call_summary()  # before deferring too: the trigger's calls are the triggerer's

    def _wait(self, context: Context) -> Any:
        self.before_wait(context)
        if not self.deferrable:
            return super().execute(context)
        first = self.poke(context)
        if first.is_done:
            return first.xcom_value
        self.defer(
            trigger=self.trigger(
                cams_conn_id=self.cams_conn_id,
                poll_interval=self.poke_interval,
                end_time=context["ti"].start_date.timestamp() + self.timeout if self.timeout else None,
                min_interval=self.hook.pacer.interval,
                hook_params=self.hook_params,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout) if self.timeout else None,
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger: the result, or fail with the trigger's message."""
        return resume_from_event(event, self.result_key, self.log)
