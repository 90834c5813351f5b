"""DeployTemplateOperator: a WhatsApp template with a FLOW button as code, idempotent by name and language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import Context

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.operators.base import CamsBaseOperator
from airflow_provider_cams.operators.mixins import cams_template_fields
from airflow_provider_cams.vendor.actions import PUBLISHED_STATUSES

if TYPE_CHECKING:  # the hook is imported when the task runs, not at DAG parse time
    from airflow_provider_cams.hooks.messaging import CamsMessagingHook


class DeployTemplateOperator(CamsBaseOperator):
    """Make CAMS hold a template whose FLOW button opens a flow; re-runs change nothing twice.

    By ``template_name`` and ``language``: missing, it is created; with the same content, nothing is sent
    (reads only); with other content, it is modified where CAMS allows it (not yet reviewed, or rejected;
    the review starts again), otherwise a replacement ``<template_name>_<digest>`` is created and the
    approved original left as it is (see :doc:`/templates_as_code`). A create or modify that CAMS refuses
    because an overlapping run just made the same template returns that template (``reused``), found by
    reading, never by a second create. Returns (also key by key) the
    template's code, the name it has, its review status and what was done; wait for the review with
    :class:`~airflow_provider_cams.sensors.template.TemplateReviewSensor`.

    :param template_name: lower-case letters, digits and underscores (templated).
    :param language: WhatsApp language code, e.g. ``en`` (templated).
    :param body_text: the message, with Meta's variables ``{{1}}``, ``{{2}}``... NOT templated (Jinja
        would render Meta's variables); each variable needs a value in ``examples``.
    :param button_text: the FLOW button's label (at most 25 characters).
    :param flow_id: the flow the button opens (templated), e.g. ``deploy.output["flow_id"]``.
    :param flow_name: instead of ``flow_id``: the one flow of that name (templated); it must be published.
    :param flow_action: ``NAVIGATE`` (opens ``navigate_screen``) or ``DATA_EXCHANGE``.
    :param navigate_screen: the first screen's id, for NAVIGATE (templated).
    :param category: ``MARKETING`` (default), ``UTILITY`` or ``AUTHENTICATION``.
    :param examples: sample values of the body's variables, e.g. ``{"1": "Ana"}``.
    :param header_text: optional header line; ``footer_text``: optional footer line.
    """

    template_fields: Sequence[str] = cams_template_fields(
        "template_name", "language", "flow_id", "flow_name", "navigate_screen"
    )

    def __init__(
        self,
        *,
        template_name: str,
        language: str,
        body_text: str,
        button_text: str,
        flow_id: str | None = None,
        flow_name: str | None = None,
        flow_action: str = "NAVIGATE",
        navigate_screen: str | None = None,
        category: str = "MARKETING",
        examples: Mapping[str, str] | None = None,
        header_text: str | None = None,
        footer_text: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)  # deploy.output["template_code"] for the sensor
        super().__init__(**kwargs)
        if (flow_id is None) == (flow_name is None):
            raise CamsValidationError("Pass exactly one of flow_id and flow_name.")
        self.template_name = template_name
        self.language = language
        self.body_text = body_text
        self.button_text = button_text
        self.flow_id = flow_id
        self.flow_name = flow_name
        self.flow_action = flow_action
        self.navigate_screen = navigate_screen
        self.category = category
        self.examples = dict(examples or {})
        self.header_text = header_text
        self.footer_text = footer_text

    hook_class = "airflow_provider_cams.hooks.messaging.CamsMessagingHook"
    if TYPE_CHECKING:
        hook: CamsMessagingHook

    def execute_cams(self, context: Context) -> dict[str, Any]:
        from airflow_provider_cams.hooks.messaging import TemplateSpec
        from airflow_provider_cams.hooks.refs import FlowRef

        space = self.hook.cust_space(self.cust_space_id)
        flow_id = self._flow_id(space)
        spec = TemplateSpec(
            name=self.template_name,
            language=self.language,
            body_text=self.body_text,
            button_text=self.button_text,
            flow_id=flow_id,
            flow_action=self.flow_action,
            navigate_screen=self.navigate_screen,
            category=self.category,
            examples=self.examples,
            header_text=self.header_text,
            footer_text=self.footer_text,
        )
        deployed = self.hook.deploy_template(spec, space)
        self.persist_links(context, FlowRef(flow_id, space))
        self.log.info(
            "Template %s (%s, %s): %s, review status %s.",
            deployed.template_name,
            deployed.language,
            deployed.template_code,
            deployed.action,
            deployed.audit_status,
        )
        return {**deployed.to_xcom(), "flow_id": flow_id, "cust_space_id": space}

    def _flow_id(self, space: str | None) -> str:
        if self.flow_id is not None:
            return self.hook.flow_ref(self.flow_id, space).flow_id
        # Older, deprecated versions may share the name (DeployFlowOperator replaces flows): the one
        # published flow of that name is meant.
        named = [
            f for f in self.hook.list_flows(self.flow_name, space) if f.get("FlowName") == self.flow_name
        ]
        status = {
            str(f["FlowId"]): self.hook.get_flow(str(f["FlowId"]), space).get("Data", {}).get("Status")
            for f in named
        }
        published = [fid for fid, st in status.items() if st in PUBLISHED_STATUSES]
        if len(published) != 1:
            seen = ", ".join(f"{fid} {st}" for fid, st in status.items()) or "none"
            raise CamsValidationError(
                f"flow_name {self.flow_name!r} must name exactly one published flow; CAMS has: {seen}. "
                "Publish it first, or pass flow_id (e.g. DeployFlowOperator's output)."
            )
        return published[0]
