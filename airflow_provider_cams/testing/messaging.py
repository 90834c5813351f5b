"""Templates and sends behind one entry point, where RPC parameters travel, and the emulator's API for them.

``Messaging.execute`` is the emulator's only way into ``templates.py`` and ``messages.py``. Parameters of
every RPC action are read from the query string AND from a signed ``application/x-www-form-urlencoded``
body (RPC-style APIs accept both; ACS3 signs the body through ``x-acs-content-sha256``), so big values
(``SenderList``, ``Components``) can leave the URL. ASSUMED: a parameter sent in both places must have
the same value (otherwise ``InvalidParameter``); and, as the gateway once answered 414 to a ~55 KB query
(aliyun/openapi-core-nodejs-sdk#55; its real limit is not documented), a request line over 16 KB is
refused with ``414 Request-URI Too Large`` (an HTML page, before any signature check).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from airflow_provider_cams.testing.errors import CamsErrorAnswer
from airflow_provider_cams.testing.messages import MESSAGE_ACTIONS, MessageResponses
from airflow_provider_cams.testing.server import WireRequest, WireResponse
from airflow_provider_cams.testing.state import FlowStore, Scope
from airflow_provider_cams.testing.template_responses import TEMPLATE_ACTIONS
from airflow_provider_cams.testing.template_responses import execute as template_action
from airflow_provider_cams.testing.templates import TemplateReview, TemplateStore
from airflow_provider_cams.testing.wire import ActionSpec

MESSAGING_ACTIONS: dict[str, ActionSpec] = {**TEMPLATE_ACTIONS, **MESSAGE_ACTIONS}
MAX_REQUEST_LINE = 16 * 1024  # ASSUMED, see the module docstring
URI_TOO_LONG_PAGE = (
    b"<html><head><title>414 Request-URI Too Large</title></head><body><center><h1>414 Request-URI Too "
    b"Large</h1></center><hr><center>emulated gateway</center></body></html>"
)


def request_line_too_long(request: WireRequest) -> bool:
    """Whether ``METHOD /path?query HTTP/1.1`` is over the gateway's (ASSUMED) 16 KB."""
    target = request.path + ("?" + request.query if request.query else "")
    return len(request.method) + len(target) + len(" HTTP/1.1") + 1 > MAX_REQUEST_LINE


def uri_too_long(request_id: str) -> WireResponse:
    headers = (("Content-Type", "text/html"), ("x-acs-request-id", request_id))
    return WireResponse(414, headers, URI_TOO_LONG_PAGE)


def request_params(request: WireRequest) -> dict[str, str]:
    """The RPC parameters: the query string plus a form-encoded body (which the signature covers)."""
    params = dict(parse_qsl(request.query, keep_blank_values=True))
    content_type = next((v for k, v in request.headers if k.lower() == "content-type"), "")
    if not request.body or "application/x-www-form-urlencoded" not in content_type.lower():
        return params
    try:
        form = parse_qsl(request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise CamsErrorAnswer("InvalidParameter", name="body", reason="The form body is not UTF-8.") from None
    for name, value in form:
        if name in params and params[name] != value:
            reason = "It is in both the query and the body, with different values."
            raise CamsErrorAnswer("InvalidParameter", name=name, reason=reason)
        params[name] = value
    return params


class Messaging:
    """The template and message actions of one emulator, over its flow store (read only)."""

    def __init__(
        self,
        flows: FlowStore,
        review: TemplateReview | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._flows = flows
        self.templates = TemplateStore(self._flow_in_scope, review, clock)
        self.messages = MessageResponses(self.templates, self._flow_status)

    def execute(self, action: str, account: str, params: Mapping[str, str]) -> dict[str, Any]:
        """Check the required parameters, run the action; the fields to add to the success body."""
        for name in MESSAGING_ACTIONS[action].required:
            if not params.get(name):
                raise CamsErrorAnswer("MissingParameter", name=name)
        scope = (account, params.get("CustSpaceId") or "")
        if action in TEMPLATE_ACTIONS:
            return template_action(self.templates, action, scope, params, self._flows.dialect)
        return self.messages.execute(action, scope, params)

    def _flow_status(self, scope: Scope, flow_id: str) -> str | None:
        flow = self._flows.snapshot().get(flow_id)
        if flow is None or (flow["Account"], flow["CustSpaceId"] or "") != scope:
            return None
        return str(flow["Status"])

    def _flow_in_scope(self, scope: Scope, flow_id: str) -> bool:
        return self._flow_status(scope, flow_id) is not None

    def reset(self) -> None:
        self.templates.reset()
        self.messages.reset()


class MessagingEmulator:
    """The emulator's public API for templates and sends (mixed into ``CamsEmulator``)."""

    access_key_id: str
    _messaging: Messaging

    def add_template(
        self,
        name: str,
        language: str,
        components: list[dict[str, Any]],
        status: str = "pass",
        cust_space_id: str | None = None,
        category: str = "MARKETING",
        reason: str | None = None,
        example: Mapping[str, str] | None = None,
    ) -> str:
        """Seed a template, already reviewed as ``status`` (default approved); returns its TemplateCode."""
        scope = (self.access_key_id, cust_space_id or "")
        return self._messaging.templates.add(
            scope,
            name,
            language,
            components,
            status=status,
            category=category,
            reason=reason,
            example=example,
        )

    def templates(self) -> dict[str, dict[str, Any]]:
        """A snapshot of every template by TemplateCode (due reviews settled first)."""
        return self._messaging.templates.snapshot()

    def review_template(self, template_code: str, status: str, reason: str | None = None) -> None:
        """Settle a template's review now (e.g. ``"pass"``, or ``"fail"`` with a reason)."""
        self._messaging.templates.review(template_code, status, reason)

    @property
    def template_review(self) -> TemplateReview:
        return self._messaging.templates.review_policy

    def set_template_review(
        self, delay: float = 0.0, outcome: str = "pass", reason: str | None = None
    ) -> None:
        """How reviews of templates created or modified from now on end: after ``delay`` s, ``outcome``
        ("pass", "fail" with ``reason``, or "manual": until ``review_template``)."""
        policy = TemplateReview(delay, outcome) if reason is None else TemplateReview(delay, outcome, reason)
        self._messaging.templates.review_policy = policy

    def messages(self) -> list[dict[str, Any]]:
        """Every recorded outbound message, in send order (with FlowToken, GroupMessageId, ...)."""
        return self._messaging.messages.snapshot()
