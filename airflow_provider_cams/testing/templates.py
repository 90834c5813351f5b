"""The emulator's template model: WhatsApp message templates, a FLOW button's checks, Meta's review.

Typed, like moto's ``models.py``: :class:`TemplateStore` takes Python values (a Components list, an
Example dict) and parses no wire strings; ``template_responses.py`` reads and checks the query / form
parameters, calls one store method per action and answers in the emulator's dialect.

A second, independent reading of the vendor's pages (CreateChatappTemplate, GetChatappTemplateDetail,
ListChatappTemplate, ModifyChatappTemplate, DeleteChatappTemplate, the ChatAppAudit receipt), never of the
provider's tables. Documented: the parameter names (official SDK 5.3.1), ``AuditStatus`` values ``pass``,
``fail``, ``auditing``, ``unaudit``, ``disabled``, ``paused``; ``Reason`` set when a review failed;
ModifyChatappTemplate only on templates not yet reviewed (``unaudit``) or whose review failed (``fail``);
a FLOW button has ``FlowId``, ``FlowAction`` NAVIGATE | DATA_EXCHANGE and ``NavigateScreen`` (required for
NAVIGATE).

ASSUMED where CAMS is silent:

* A new or modified template is ``auditing`` until its review is due (``TemplateReview.delay`` seconds of
  the store's clock later), then takes the review's outcome (``pass``, or ``fail`` with its reason);
  outcome ``manual`` keeps it ``auditing`` until a test calls ``review()``. The review is settled lazily,
  when the template is next read.
* One TemplateCode (32 hex characters) per (Name, Language); a second template with the same Name and
  Language in one scope is refused, under ``Template.Duplicate`` here and in the dialect's code and HTTP
  status on the wire (``duplicate_template_code`` / ``_http``, dialects.py): CAMS documents no code.
  Templates are scoped like flows, per (account, CustSpaceId or ""). A TemplateCode with another
  Language is ``Template.NotFound``.
* Components: a JSON list of objects whose ``Type`` is HEADER, BODY, FOOTER or BUTTONS; exactly one BODY
  with a non-empty Text; BUTTONS has a non-empty ``Buttons`` list; a FLOW button needs Text, a FlowId of
  a flow in the same scope (any status: the send checks it is published), FlowAction and, for NAVIGATE, a
  NavigateScreen; at most one FLOW button. ``Example`` is a JSON object of strings.
* ListChatappTemplate answers ``ListTemplate`` and ``Total`` in creation order; ``Page`` as ListFlow's
  (Index >= 1, Size 1..100). Delete works in every status. Error codes ``Template.*`` are the emulator's.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_cams.testing.dialects import DUPLICATE_TEMPLATE
from airflow_provider_cams.testing.errors import CamsErrorAnswer
from airflow_provider_cams.testing.state import Scope

AUDIT_STATUSES = ("pass", "fail", "auditing", "unaudit", "disabled", "paused")  # ChatAppAudit's values
REVIEW_OUTCOMES = ("pass", "fail", "manual")
MODIFIABLE = ("unaudit", "fail")  # documented: not yet reviewed, or failed review
COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS")
FLOW_BUTTON_ACTIONS = ("NAVIGATE", "DATA_EXCHANGE")
DEFAULT_FAIL_REASON = "The template was rejected by the emulated review (ASSUMED reason text)."
_VARIABLE = re.compile(r"\{\{\s*(\d+)\s*\}\}")

# The emulator's own codes (ASSUMED, CAMS documents none for these cases): code -> message template.
TEMPLATE_ERRORS: dict[str, str] = {
    "Template.NotFound": 'The template "{ref}" does not exist.',
    DUPLICATE_TEMPLATE: 'A template named "{name}" in language {language} already exists ({code}).',
    "Template.StatusNotSupport": (
        'The template "{code}" is {status}: it can be modified only while unaudit or after a failed review.'
    ),
}


def template_error(error_code: str, **fields: Any) -> CamsErrorAnswer:
    return CamsErrorAnswer(error_code, TEMPLATE_ERRORS[error_code].format(**fields), 400)


def invalid(name: str, reason: str) -> CamsErrorAnswer:
    return CamsErrorAnswer("InvalidParameter", name=name, reason=reason)


@dataclass(frozen=True)
class TemplateReview:
    """How the emulated Meta review ends: after ``delay`` seconds, ``outcome`` (pass / fail / manual)."""

    delay: float = 0.0
    outcome: str = "pass"
    reason: str = DEFAULT_FAIL_REASON

    def __post_init__(self) -> None:
        if self.outcome not in REVIEW_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(REVIEW_OUTCOMES)}, got {self.outcome!r:.40}")
        if isinstance(self.delay, bool) or not isinstance(self.delay, (int, float)) or self.delay < 0:
            raise ValueError(f"delay must be a number of seconds >= 0, got {self.delay!r:.40}")


@dataclass
class Template:
    """One stored template; ``details()`` is GetChatappTemplateDetail's Data."""

    code: str
    name: str
    language: str
    category: str
    template_type: str
    components: list[dict[str, Any]]
    example: dict[str, str]
    scope: Scope
    status: str = "auditing"
    reason: str | None = None
    review: TemplateReview | None = None  # the pending review, None once settled
    review_due: float | None = None
    updated_at: float = field(default_factory=time.time)

    @property
    def flow_button(self) -> dict[str, Any] | None:
        for component in self.components:
            for button in component.get("Buttons") or []:
                if button.get("Type") == "FLOW":
                    return dict(button)
        return None

    def details(self) -> dict[str, Any]:
        return {
            "TemplateCode": self.code,
            "Name": self.name,
            "Language": self.language,
            "Category": self.category,
            "TemplateType": self.template_type,
            "Components": json.loads(json.dumps(self.components)),
            "Example": dict(self.example),
            "AuditStatus": self.status,
            "Reason": self.reason,
            "AllowSend": self.status == "pass",
            "QualityScore": "UNKNOWN",  # ASSUMED: Meta's score before any send
        }

    def summary(self) -> dict[str, Any]:
        """One ListChatappTemplate entry."""
        return {
            "TemplateCode": self.code,
            "TemplateName": self.name,
            "Language": self.language,
            "Category": self.category,
            "TemplateType": self.template_type,
            "AuditStatus": self.status,
            "Reason": self.reason,
            "LastUpdateTime": int(self.updated_at * 1000),
        }

    def as_dict(self) -> dict[str, Any]:
        """The emulator's snapshot: the details plus the scope."""
        return {**self.details(), "CustSpaceId": self.scope[1] or None, "Account": self.scope[0]}


def check_components(components: Any, flow_in_scope: Callable[[str], bool]) -> list[dict[str, Any]]:
    """Components as the emulator reads them (see the module docstring, ASSUMED rules)."""
    if not isinstance(components, list):
        raise invalid("Components", "It must be a JSON list.")
    if not all(isinstance(c, dict) for c in components):
        raise invalid("Components", "Every component must be a JSON object.")
    types = [c.get("Type") for c in components]
    for kind in types:
        if kind not in COMPONENT_TYPES:
            allowed = ", ".join(COMPONENT_TYPES)
            raise invalid("Components", f"Unknown component Type {kind!r:.40}; allowed: {allowed}.")
    if types.count("BODY") != 1:
        raise invalid("Components", "A template needs exactly one BODY component.")
    body = components[types.index("BODY")]
    if not isinstance(body.get("Text"), str) or not body["Text"].strip():
        raise invalid("Components", "The BODY component needs a non-empty Text.")
    flow_buttons = 0
    for component in components:
        if component["Type"] != "BUTTONS":
            continue
        buttons = component.get("Buttons")
        if not isinstance(buttons, list) or not buttons or not all(isinstance(b, dict) for b in buttons):
            raise invalid("Components", "A BUTTONS component needs a non-empty list of Buttons objects.")
        for button in buttons:
            if button.get("Type") == "FLOW":
                flow_buttons += 1
                check_flow_button(button, flow_in_scope)
    if flow_buttons > 1:
        raise invalid("Components", "A template can have at most one FLOW button.")
    return components


def check_flow_button(button: Mapping[str, Any], flow_in_scope: Callable[[str], bool]) -> None:
    if not isinstance(button.get("Text"), str) or not button["Text"]:
        raise invalid("Components", "A FLOW button needs a Text.")
    flow_id = button.get("FlowId")
    if not isinstance(flow_id, str) or not flow_id:
        raise invalid("Components", "A FLOW button needs a FlowId.")
    if not flow_in_scope(flow_id):
        raise invalid("Components", f"The FLOW button's flow {flow_id!r:.40} does not exist in this space.")
    action = button.get("FlowAction")
    if action not in FLOW_BUTTON_ACTIONS:
        allowed = ", ".join(FLOW_BUTTON_ACTIONS)
        raise invalid("Components", f"A FLOW button's FlowAction must be one of {allowed}.")
    if action == "NAVIGATE" and not button.get("NavigateScreen"):
        raise invalid("Components", "A FLOW button with FlowAction NAVIGATE needs a NavigateScreen.")


def check_example(example: Any) -> dict[str, str]:
    """An Example: a JSON object of strings."""
    if not isinstance(example, dict):
        raise invalid("Example", "It must be a JSON object.")
    if not all(isinstance(v, str) for v in example.values()):
        raise invalid("Example", "Every example value must be a string.")
    return dict(example)


def body_variables(components: list[dict[str, Any]]) -> list[str]:
    """The variable numbers used in the BODY text, in order of first use (e.g. ["1", "2"])."""
    seen: list[str] = []
    for component in components:
        if component.get("Type") == "BODY":
            for number in _VARIABLE.findall(component.get("Text") or ""):
                if number not in seen:
                    seen.append(number)
    return seen


@dataclass(frozen=True)
class TemplateRef:
    """How an action names a template: by ``code``, else by ``name``; ``language`` narrows either."""

    code: str | None = None
    name: str | None = None
    language: str | None = None

    def __str__(self) -> str:
        return f"{self.code or self.name} ({self.language})"


@dataclass(frozen=True)
class TemplateFilter:
    """ListChatappTemplate's filters; None matches everything."""

    name: str | None = None
    language: str | None = None
    status: str | None = None
    code: str | None = None
    category: str | None = None


class TemplateStore:
    """Thread-safe templates: one typed method per template action, each settling due reviews first and
    answering copies (a later change never shows through an answer being written).

    ``flow_in_scope(scope, flow_id) -> bool`` asks the flow store whether a FlowId exists in a scope.
    Refusals are raised under the emulator's own codes (``TEMPLATE_ERRORS``); the wire translates them.
    """

    def __init__(
        self,
        flow_in_scope: Callable[[Scope, str], bool],
        review: TemplateReview | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._flow_in_scope = flow_in_scope
        self.review_policy = review or TemplateReview()
        self._clock = clock
        self._lock = threading.Lock()
        self._templates: dict[str, Template] = {}

    # ----------------------------------------------------------------- review lifecycle
    def _start_review(self, template: Template) -> None:
        policy = self.review_policy
        template.status, template.reason, template.review = "auditing", None, policy
        template.review_due = None if policy.outcome == "manual" else self._clock() + policy.delay

    def _settle_reviews(self) -> None:
        now = self._clock()
        for template in self._templates.values():
            due, review = template.review_due, template.review
            if template.status == "auditing" and review is not None and due is not None and now >= due:
                template.status = review.outcome
                template.reason = review.reason if review.outcome == "fail" else None
                template.review, template.review_due = None, None

    # ----------------------------------------------------------------- lookups
    def _find(self, scope: Scope, ref: TemplateRef) -> Template:
        for template in self._templates.values():
            if template.scope != scope or (ref.language and template.language != ref.language):
                continue
            if (ref.code and template.code == ref.code) or (not ref.code and template.name == ref.name):
                return template
        raise template_error("Template.NotFound", ref=str(ref))

    def _named(self, scope: Scope, name: str, language: str) -> Template | None:
        for template in self._templates.values():
            if template.scope == scope and (template.name, template.language) == (name, language):
                return template
        return None

    # ----------------------------------------------------------------- actions
    def create(
        self,
        scope: Scope,
        name: str,
        language: str,
        category: str,
        template_type: str,
        components: list[dict[str, Any]],
        example: Mapping[str, str] | None = None,
    ) -> Template:
        """CreateChatappTemplate: a new template in review; a refusal if (Name, Language) is taken."""
        with self._lock:
            self._settle_reviews()
            other = self._named(scope, name, language)
            if other is not None:
                raise template_error(DUPLICATE_TEMPLATE, name=name, language=language, code=other.code)
            template = Template(
                code=self._new_code(),
                name=name,
                language=language,
                category=category,
                template_type=template_type,
                components=check_components(components, lambda fid: self._flow_in_scope(scope, fid)),
                example=check_example(example or {}),
                scope=scope,
            )
            self._start_review(template)
            self._templates[template.code] = template
            return copy.copy(template)

    def get(self, scope: Scope, ref: TemplateRef) -> Template:
        """GetChatappTemplateDetail's template (``details()`` is its Data)."""
        with self._lock:
            self._settle_reviews()
            return copy.copy(self._find(scope, ref))

    def modify(
        self,
        scope: Scope,
        ref: TemplateRef,
        components: list[dict[str, Any]],
        example: Mapping[str, str] | None = None,
        category: str | None = None,
    ) -> Template:
        """ModifyChatappTemplate: only while unaudit or after a failed review; the review restarts."""
        with self._lock:
            self._settle_reviews()
            template = self._find(scope, ref)
            if template.status not in MODIFIABLE:
                raise template_error("Template.StatusNotSupport", code=template.code, status=template.status)
            template.components = check_components(components, lambda fid: self._flow_in_scope(scope, fid))
            if example:
                template.example = check_example(example)
            if category:
                template.category = category
            template.updated_at = time.time()
            self._start_review(template)
            return copy.copy(template)

    def delete(self, scope: Scope, ref: TemplateRef) -> None:
        """DeleteChatappTemplate, in every status."""
        with self._lock:
            self._settle_reviews()
            del self._templates[self._find(scope, ref).code]

    def list_templates(
        self, scope: Scope, index: int, size: int, where: TemplateFilter
    ) -> tuple[list[Template], int]:
        """One page of the scope's templates matching ``where``, in creation order, and their total."""
        with self._lock:
            self._settle_reviews()
            matches = [
                t
                for t in self._templates.values()
                if t.scope == scope and all(not v or getattr(t, k) == v for k, v in vars(where).items())
            ]
            return [copy.copy(t) for t in matches[(index - 1) * size : index * size]], len(matches)

    def _new_code(self) -> str:
        while True:
            code = secrets.token_hex(16)
            if code not in self._templates:
                return code

    # ----------------------------------------------------------------- for the message store and tests
    def approved(self, scope: Scope, params: Mapping[str, str]) -> Template:
        """The template a send names (TemplateCode or TemplateName, Language), after settling due
        reviews (errors as for GetChatappTemplateDetail)."""
        code, name = params.get("TemplateCode"), params.get("TemplateName")
        if not code and not name:
            raise CamsErrorAnswer("MissingParameter", name="TemplateCode")
        return self.get(scope, TemplateRef(code, name, params.get("Language")))

    def add(
        self,
        scope: Scope,
        name: str,
        language: str,
        components: list[dict[str, Any]],
        *,
        status: str = "pass",
        category: str = "MARKETING",
        reason: str | None = None,
        example: Mapping[str, str] | None = None,
    ) -> str:
        """Seed a template directly (tests), already reviewed as ``status``; ValueError for bad input."""
        if status not in AUDIT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(AUDIT_STATUSES)}, got {status!r:.40}")
        try:
            code = self.create(scope, name, language, category, "WHATSAPP", list(components)).code
        except CamsErrorAnswer as exc:
            raise ValueError(exc.message) from None
        with self._lock:
            template = self._templates[code]
            template.status, template.reason = status, reason
            template.review = template.review_due = None
            template.example = dict(example or {})
            return template.code

    def review(self, code: str, status: str, reason: str | None = None) -> None:
        """Settle (or force) a template's review now; KeyError for an unknown TemplateCode."""
        if status not in AUDIT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(AUDIT_STATUSES)}, got {status!r:.40}")
        with self._lock:
            if code not in self._templates:
                raise KeyError(f"no template {code!r}")
            template = self._templates[code]
            template.status = status
            template.reason = (reason or DEFAULT_FAIL_REASON) if status == "fail" else reason
            template.review = template.review_due = None

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            self._settle_reviews()
            return {code: t.as_dict() for code, t in self._templates.items()}

    def reset(self) -> None:
        with self._lock:
            self._templates.clear()
