"""Declarative table of the CAMS template and send actions the provider speaks.

Facts from the official SDK ``alibabacloud-cams20200606`` 5.3.1 and the vendor's pages (see
``docs/templates_as_code.rst``): parameter names, which are required, and
which are big enough to go in the signed POST form body instead of the URL. The SDK puts every
parameter in the query string; a 1,000-recipient ``SenderList`` makes a URL of about 160 KB, and the API
gateway has refused long query strings with 414 (its limit is not documented). ``body_params`` therefore
travel in an ``application/x-www-form-urlencoded`` body, which ACS3 signs through its hash.

``idempotent`` marks actions that are safe to send again; a send is never safe (CAMS documents no
idempotency key: a lost answer followed by a blind retry messages the same person twice).
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_cams.vendor.actions import FlowAction

# Documented: SendChatappMassMessage takes at most 1,000 numbers per request.
MAX_MASS_RECIPIENTS = 1000
# ASSUMED: the gateway refuses request lines over this many bytes (its real limit is not documented).
MAX_REQUEST_LINE_BYTES = 16 * 1024

# ChatAppAudit's AuditStatus values (help.aliyun.com/zh/chatapp/developer-reference/chatappaudit-1).
AUDIT_PASS, AUDIT_FAIL = "pass", "fail"
AUDIT_STATUSES = ("pass", "fail", "auditing", "unaudit", "disabled", "paused")
# Documented: ModifyChatappTemplate works only on templates not yet reviewed or whose review failed.
MODIFIABLE_AUDIT_STATUSES = frozenset({"unaudit", "fail"})
# A review that can still end either way; disabled and paused are final for a waiting task.
PENDING_AUDIT_STATUSES = frozenset({"auditing", "unaudit"})

FLOW_BUTTON_ACTIONS = ("NAVIGATE", "DATA_EXCHANGE")
TEMPLATE_CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
CHANNEL_TYPE = "whatsapp"  # the send and list actions spell it in lower case (SDK)
TEMPLATE_TYPE = "WHATSAPP"  # the template actions in upper case (SDK)


@dataclass(frozen=True)
class MessagingAction(FlowAction):
    """A CAMS action of templates or sends; ``body_params`` go in the signed form body."""

    body_params: tuple[str, ...] = ()


MESSAGING_ACTIONS: dict[str, MessagingAction] = {
    a.name: a
    for a in (
        # Name + Language identify a template: a re-sent create is reconciled by reading, never blind.
        MessagingAction(
            "CreateChatappTemplate",
            ("Name", "Language", "Category", "TemplateType", "Components"),
            body_params=("Components", "Example"),
            idempotent=False,
        ),
        MessagingAction(
            "GetChatappTemplateDetail",
            ("Language",),
        ),
        MessagingAction(
            "ListChatappTemplate",
            ("Page",),
        ),
        # A modify restarts Meta's review: sent again it would be refused (auditing), so reconcile.
        MessagingAction(
            "ModifyChatappTemplate",
            ("Language", "Components"),
            body_params=("Components", "Example"),
            idempotent=False,
        ),
        MessagingAction(
            "DeleteChatappTemplate",
            ("TemplateType",),
            idempotent=False,
        ),
        MessagingAction(
            "SendChatappMessage",
            ("ChannelType", "Type", "From", "To"),
            body_params=("TemplateParams", "FlowAction"),
            idempotent=False,
        ),
        MessagingAction(
            "SendChatappMassMessage",
            ("ChannelType", "From", "Language", "SenderList"),
            body_params=("SenderList",),
            idempotent=False,
        ),
        MessagingAction(
            "ListChatappMessage",
            ("ChannelType", "BusinessNumber", "CustSpaceId", "Page"),
        ),
    )
}


def body_params(action: str) -> tuple[str, ...]:
    """The parameters of ``action`` that travel in the signed form body (none for other actions)."""
    spec = MESSAGING_ACTIONS.get(action)
    return spec.body_params if spec else ()


def review_verdict(template_code: str, status: str | None, reason: str | None) -> tuple[str, str]:
    """What a wait for Meta's review does on seeing ``status``: ``done``, ``wait`` or ``fail``, and why.

    ``pass`` is approved; ``fail`` is rejected, with CAMS's ``Reason``; ``disabled`` and ``paused``
    (Meta stopped the template, e.g. for low quality) cannot become approved by waiting.
    """
    if status == AUDIT_PASS:
        return "done", f"Template {template_code} is approved (pass)."
    if status == AUDIT_FAIL:
        return "fail", (
            f"Template {template_code} was rejected by Meta's review: {reason or 'no reason given'}. Change "
            "the template (DeployTemplateOperator modifies a rejected template) and wait again."
        )
    if status in PENDING_AUDIT_STATUSES:
        return "wait", f"Template {template_code} is {status} (waiting for Meta's review)."
    why = f" ({reason})" if reason else ""
    return "fail", (
        f"Template {template_code} is {status}{why}: it cannot become approved by waiting. Check it in the "
        "CAMS console."
    )
