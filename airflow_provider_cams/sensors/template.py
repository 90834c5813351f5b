"""TemplateReviewSensor: wait for Meta's review of a WhatsApp template (approved succeeds)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import Context, PokeReturnValue

from airflow_provider_cams.operators.mixins import cams_template_fields
from airflow_provider_cams.sensors.base import CamsWaitSensor
from airflow_provider_cams.triggers.template import TemplateReviewTrigger, review_to_xcom
from airflow_provider_cams.utils.compat import AirflowFailException, conf
from airflow_provider_cams.utils.connection_form import DEFAULT_CONN_ID
from airflow_provider_cams.utils.validation import check_id, check_text
from airflow_provider_cams.vendor.messaging import review_verdict

if TYPE_CHECKING:  # the hook is imported when the sensor runs, not at DAG parse time
    from airflow_provider_cams.hooks.messaging import CamsMessagingHook


class TemplateReviewSensor(CamsWaitSensor):
    """Wait until Meta approves a template (``AuditStatus`` ``pass``); fail at once when it is rejected
    (``fail``, with CAMS's ``Reason``), disabled or paused.

    Each poke is one GetChatappTemplateDetail call against that API's own limit; reviews take minutes to
    hours, so poke rarely (``poke_interval``, default 60 s) or defer (``deferrable=True``: the wait
    happens in the triggerer).

    :param template_code: the template (templated), e.g. ``deploy_template.output["template_code"]``.
    :param language: its language (templated).
    :param cams_conn_id: the ``cams`` connection to use.
    :param cust_space_id: CustSpaceId (templated); falls back to the connection's ``cust_space_id``.
    :param hook_params: extra keyword arguments for the hook.
    :param deferrable: wait in the triggerer; defaults to Airflow's ``[operators] default_deferrable``.
    """

    template_fields: Sequence[str] = cams_template_fields("template_code", "language")
    ui_color = "#ffb366"
    result_key = "template"

    def __init__(
        self,
        *,
        template_code: str,
        language: str,
        cams_conn_id: str = DEFAULT_CONN_ID,
        cust_space_id: str | None = None,
        hook_params: dict[str, Any] | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poke_interval: float = 60.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            cams_conn_id=cams_conn_id,
            cust_space_id=cust_space_id,
            hook_params=hook_params,
            deferrable=deferrable,
            poke_interval=poke_interval,
            **kwargs,
        )
        self.template_code = template_code
        self.language = language

    hook_class = "airflow_provider_cams.hooks.messaging.CamsMessagingHook"
    if TYPE_CHECKING:
        hook: CamsMessagingHook

    def poke(self, context: Context) -> PokeReturnValue:
        code = check_id("template_code", self.template_code)
        check_text("language", self.language, 20, "the template's language code")
        template = review_to_xcom(code, self.hook.get_template(code, self.language, self.cust_space_id))
        verdict, message = review_verdict(code, template["audit_status"], template["reason"])
        self.log.info("%s", message)
        if verdict == "fail":
            raise AirflowFailException(message)
        return PokeReturnValue(is_done=verdict == "done", xcom_value=template)

    def trigger(self, **polling: Any) -> TemplateReviewTrigger:
        return TemplateReviewTrigger(
            template_code=self.template_code,
            language=self.language,
            cust_space_id=self.hook.cust_space(self.cust_space_id),
            **polling,
        )
