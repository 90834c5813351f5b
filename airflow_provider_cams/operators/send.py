"""SendTemplateOperator: an approved FLOW-button template to a list of people, never twice to one person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import Context

from airflow_provider_cams.exceptions import CamsError, CamsValidationError
from airflow_provider_cams.operators.base import CamsBaseOperator
from airflow_provider_cams.operators.mixins import cams_template_fields
from airflow_provider_cams.utils.validation import check_id, check_int, check_text

if TYPE_CHECKING:  # the hooks are imported when the task runs, not at DAG parse time
    from airflow_provider_cams.hooks.messaging import CamsMessagingHook, Recipient


def to_recipient(entry: Any, run_id: str, flow_id: str) -> Recipient:
    """A recipient from a number or a mapping {"to", "template_params", "flow_action_data"}, and its
    flow token."""
    from airflow_provider_cams.hooks.messaging import Recipient
    from airflow_provider_cams.hooks.sending import flow_token

    if isinstance(entry, (str, int)) and not isinstance(entry, bool):
        entry = {"to": entry}
    if not isinstance(entry, Mapping) or "to" not in entry:
        raise CamsValidationError(
            f"Each recipient must be a phone number or a mapping with 'to', got {type(entry).__name__}."
        )
    unknown = set(entry) - {"to", "template_params", "flow_action_data"}
    if unknown:
        raise CamsValidationError(f"A recipient has unknown key(s) {sorted(unknown)}.")
    to = str(entry["to"]).removeprefix("+")
    return Recipient(
        to,
        dict(entry.get("template_params") or {}),
        flow_token=flow_token(run_id, flow_id, to),
        flow_action_data=entry.get("flow_action_data"),
    )


class SendTemplateOperator(CamsBaseOperator):
    """Send an approved template with a FLOW button to ``recipients`` or an ``audience`` file, by mass
    send or one single send each (``send_mode``), never twice.

    Each recipient gets the flow token ``flow_token(run_id, flow_id, number)`` (see
    :func:`~airflow_provider_cams.hooks.sending.flow_token`); chunks of at most 1,000 recipients and 1 MB,
    ``SenderList`` in the signed body; a chunk whose outcome is unknown is re-sent only when
    ``ListChatappMessage`` shows none of it. On a task retry (``check_first`` None, the default) or always
    (True), recipients CAMS already lists with this template since the DAG run started are skipped.
    Invalid numbers and repeated numbers are reported, not sent.

    ``send_mode="single"`` sends each recipient with its own ``SendChatappMessage`` (250/s per account,
    against 10 mass sends/s of up to 1,000) from ``max_workers`` threads that share the task's per-API
    budget: the same checks, checkpoint, listing and reconciliation as mass sends; a recipient CAMS
    refuses with ``InvalidParameter`` is reported ``rejected``, not retried. Returns a summary and one
    outcome per recipient (:class:`~airflow_provider_cams.hooks.sending.RecipientOutcome`); fails after
    sending the rest if a chunk could not be sent.

    With ``audience`` (a CSV, JSON Lines or Parquet file in object storage, see
    :mod:`~airflow_provider_cams.hooks.audience`), the file is checked whole before anything is sent, the
    outcomes go to ``<audience>.outcomes/<run_id>.jsonl`` (checkpointed after every mass send, see
    :mod:`~airflow_provider_cams.hooks.outcomes`) and XCom holds only the summary and ``outcomes_url``; a
    retry or a cleared task skips everyone that file records as sent, then everyone CAMS lists.

    :param template_code: the approved template (templated), e.g. the review sensor's output.
    :param language: its language (templated).
    :param business_number: the sending WhatsApp number, digits with country code (templated).
    :param flow_id: the flow the template's button opens, for the flow tokens (templated).
    :param recipients: numbers, or mappings ``{"to", "template_params", "flow_action_data"}`` (templated).
    :param audience: instead of ``recipients``: the audience file's URL, e.g.
        ``s3://bucket/campaign/people.csv`` (templated).
    :param audience_conn_id: the object storage connection of ``audience`` (templated).
    :param check_first: list what was already sent before sending: None (on retries), True or False.
    :param send_mode: ``"mass"`` (SendChatappMassMessage), ``"single"`` (SendChatappMessage per
        recipient) or None: ``"single"`` for exactly one recipient in ``recipients``, ``"mass"`` otherwise.
    :param max_workers: threads that send (default 8 for single sends, 1 for mass sends: one after
        another; a few more help when a 1,000-recipient call takes over 0.1 s). They share the task's
        pool slots, so more threads never mean more calls per second than the slots allow.
    """

    template_fields: Sequence[str] = cams_template_fields(
        "template_code",
        "language",
        "business_number",
        "flow_id",
        "recipients",
        "audience",
        "audience_conn_id",
    )

    def __init__(
        self,
        *,
        template_code: str,
        language: str,
        business_number: str,
        flow_id: str,
        recipients: Sequence[Any] | None = None,
        audience: str | None = None,
        audience_conn_id: str | None = None,
        check_first: bool | None = None,
        send_mode: str | None = None,
        max_workers: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.template_code = template_code
        self.language = language
        self.business_number = business_number
        self.flow_id = flow_id
        self.recipients = recipients
        self.audience = audience
        self.audience_conn_id = audience_conn_id
        self.check_first = check_first
        self.send_mode = send_mode
        self.max_workers = max_workers

    hook_class = "airflow_provider_cams.hooks.messaging.CamsMessagingHook"
    if TYPE_CHECKING:
        hook: CamsMessagingHook

    def execute_cams(self, context: Context) -> dict[str, Any]:
        from airflow_provider_cams.hooks.messaging import check_number
        from airflow_provider_cams.hooks.sending import AudienceSender, summarize

        run_id = str(context["run_id"])
        flow_id = check_id("flow_id", self.flow_id)
        mode = self._mode()
        workers = check_int("max_workers", self.max_workers, 1, 256) if self.max_workers is not None else None
        store = None
        if (self.recipients is None) == (self.audience is None):
            raise CamsValidationError("Pass exactly one of recipients (a list) and audience (a file URL).")
        if self.audience is not None:
            from airflow_provider_cams.hooks.audience import audience_path, read_audience
            from airflow_provider_cams.hooks.outcomes import OutcomeStore

            path = audience_path(self.audience, self.audience_conn_id)
            audience = [to_recipient(entry, run_id, flow_id) for entry in read_audience(path)]
            store = OutcomeStore(path, run_id, context["ti"].try_number)
            self.log.info("Audience %s: %d rows; outcomes go to %s.", self.audience, len(audience), store.url)
        else:
            if isinstance(self.recipients, (str, bytes)) or not isinstance(self.recipients, Sequence):
                raise CamsValidationError("recipients must be a list of numbers or mappings.")
            audience = [to_recipient(entry, run_id, flow_id) for entry in self.recipients]
        sender = AudienceSender(
            self.hook,
            check_number("business_number", self.business_number),
            check_id("template_code", self.template_code),
            check_text("language", self.language, 20, "the template's language code"),
            self.hook.cust_space(self.cust_space_id),
        )
        retry = context["ti"].try_number > 1
        resume = retry if self.check_first is None else self.check_first
        started = context["dag_run"].start_date
        since_ms = int(started.timestamp() * 1000) if started is not None else None
        acknowledged = store.acknowledged() if store is not None else {}
        if acknowledged:
            self.log.info(
                "The outcomes checkpoint records %d recipients as sent: not sent again.", len(acknowledged)
            )
        outcomes = sender.send(
            audience,
            resume=resume,
            since_ms=since_ms,
            acknowledged=acknowledged,
            on_chunk=store.record_chunk if store is not None else None,
            mode=mode,
            max_workers=workers,
        )
        summary = {**summarize(outcomes), "template_code": self.template_code, "send_mode": mode}
        if store is not None:
            summary["outcomes_url"] = store.finish(outcomes)
        self.log.info("Send summary: %s.", summary)
        failed = summary["by_status"].get("failed", 0)
        if failed:
            raise CamsError(
                f"{failed} recipients could not be sent (outcome unknown and not listed by CAMS). A retry "
                "skips everyone CAMS already lists."
            )
        if store is not None:
            return summary
        return {**summary, "outcomes": [o.as_dict() for o in outcomes]}

    def _mode(self) -> str:
        """``send_mode``, or its default: single for exactly one recipient in ``recipients``."""
        if self.send_mode is None:
            one = isinstance(self.recipients, Sequence) and not isinstance(self.recipients, (str, bytes))
            return "single" if one and len(self.recipients or ()) == 1 else "mass"
        if self.send_mode not in ("mass", "single"):
            raise CamsValidationError(
                f"send_mode must be 'mass', 'single' or None (single for one recipient), got "
                f"{self.send_mode!r:.20}."
            )
        return self.send_mode
