"""The emulator's template store: WhatsApp message templates, a FLOW button's checks, Meta's review.

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
  Language in one scope is ``Template.Duplicate``. Templates are scoped like flows, per (account,
  CustSpaceId or ""). A TemplateCode with another Language is ``Template.NotFound``.
* Components: a JSON list of objects whose ``Type`` is HEADER, BODY, FOOTER or BUTTONS; exactly one BODY
  with a non-empty Text; BUTTONS has a non-empty ``Buttons`` list; a FLOW button needs Text, a FlowId of
  a flow in the same scope (any status: the send checks it is published), FlowAction and, for NAVIGATE, a
  NavigateScreen; at most one FLOW button. ``Example`` is a JSON object of strings.
* ListChatappTemplate answers ``ListTemplate`` and ``Total`` in creation order; ``Page`` as ListFlow's
  (Index >= 1, Size 1..100). Delete works in every status. Error codes ``Template.*`` are the emulator's.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_cams.testing.errors import CamsErrorAnswer
from airflow_provider_cams.testing.state import Scope
from airflow_provider_cams.testing.wire import ActionSpec, parse_page

AUDIT_STATUSES = ("pass", "fail", "auditing", "unaudit", "disabled", "paused")  # ChatAppAudit's values
REVIEW_OUTCOMES = ("pass", "fail", "manual")
MODIFIABLE = ("unaudit", "fail")  # documented: not yet reviewed, or failed review
COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS")
FLOW_BUTTON_ACTIONS = ("NAVIGATE", "DATA_EXCHANGE")
DEFAULT_FAIL_REASON = "The template was rejected by the emulated review (ASSUMED reason text)."
_VARIABLE = re.compile(r"\{\{\s*(\d+)\s*\}\}")

# Required parameters (SDK 5.3.1) and whether the answer has ``Data``. The template is named by
# TemplateCode or by TemplateName, checked by the store.
TEMPLATE_ACTIONS: dict[str, ActionSpec] = {
    "CreateChatappTemplate": ActionSpec(("Name", "Language", "Category", "TemplateType", "Components"), True),
    "GetChatappTemplateDetail": ActionSpec(("Language",), True),
    "ListChatappTemplate": ActionSpec(("Page",), False),
    "ModifyChatappTemplate": ActionSpec(("Language", "Components"), True),
    "DeleteChatappTemplate": ActionSpec(("TemplateType",), False),
}

# The emulator's own codes (ASSUMED, CAMS documents none for these cases): code -> message template.
TEMPLATE_ERRORS: dict[str, str] = {
    "Template.NotFound": 'The template "{ref}" does not exist.',
    "Template.Duplicate": 'A template named "{name}" in language {language} already exists ({code}).',
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


def parse_json(name: str, raw: str, kind: type) -> Any:
    """A parameter that travels as one JSON string (in the query or the form body)."""
    expected = "It must be a JSON object." if kind is dict else "It must be a JSON list."
    try:
        value = json.loads(raw)
    except ValueError:
        raise invalid(name, expected) from None
    if not isinstance(value, kind):
        raise invalid(name, expected)
    return value


def check_components(raw: str, flow_in_scope: Callable[[str], bool]) -> list[dict[str, Any]]:
    """Components as the emulator reads them (see the module docstring, ASSUMED rules)."""
    components = parse_json("Components", raw, list)
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


def body_variables(components: list[dict[str, Any]]) -> list[str]:
    """The variable numbers used in the BODY text, in order of first use (e.g. ["1", "2"])."""
    seen: list[str] = []
    for component in components:
        if component.get("Type") == "BODY":
            for number in _VARIABLE.findall(component.get("Text") or ""):
                if number not in seen:
                    seen.append(number)
    return seen


class TemplateStore:
    """Thread-safe templates; ``execute`` runs one template action and returns the body's extra fields.

    ``flow_in_scope(scope, flow_id) -> bool`` asks the flow store whether a FlowId exists in a scope.
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
        self._actions: dict[str, Callable[[Scope, Mapping[str, str]], dict[str, Any]]] = {
            "CreateChatappTemplate": self._create,
            "GetChatappTemplateDetail": lambda scope, p: {"Data": self._find(scope, p).details()},
            "ListChatappTemplate": self._list,
            "ModifyChatappTemplate": self._modify,
            "DeleteChatappTemplate": self._delete,
        }

    def execute(self, action: str, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
        with self._lock:
            self._settle_reviews()
            return self._actions[action](scope, params)

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

    # ----------------------------------------------------------------- actions
    def _find(self, scope: Scope, params: Mapping[str, str]) -> Template:
        code, name, language = params.get("TemplateCode"), params.get("TemplateName"), params.get("Language")
        if not code and not name:
            raise CamsErrorAnswer("MissingParameter", name="TemplateCode")
        for template in self._templates.values():
            if template.scope != scope or (language and template.language != language):
                continue
            if (code and template.code == code) or (not code and template.name == name):
                return template
        raise template_error("Template.NotFound", ref=f"{code or name} ({language})")

    def _create(self, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
        name, language = params["Name"], params["Language"]
        for other in self._templates.values():
            if other.scope == scope and (other.name, other.language) == (name, language):
                raise template_error("Template.Duplicate", name=name, language=language, code=other.code)
        template = Template(
            code=self._new_code(),
            name=name,
            language=language,
            category=params["Category"],
            template_type=params["TemplateType"],
            components=check_components(params["Components"], lambda fid: self._flow_in_scope(scope, fid)),
            example=self._example(params),
            scope=scope,
        )
        self._start_review(template)
        self._templates[template.code] = template
        return {"Data": {"TemplateCode": template.code, "TemplateName": template.name}}

    def _modify(self, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
        template = self._find(scope, params)
        if template.status not in MODIFIABLE:
            raise template_error("Template.StatusNotSupport", code=template.code, status=template.status)
        template.components = check_components(
            params["Components"], lambda fid: self._flow_in_scope(scope, fid)
        )
        if params.get("Example"):
            template.example = self._example(params)
        if params.get("Category"):
            template.category = params["Category"]
        template.updated_at = time.time()
        self._start_review(template)
        return {"Data": {"TemplateCode": template.code, "TemplateName": template.name}}

    def _delete(self, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
        del self._templates[self._find(scope, params).code]
        return {}

    def _list(self, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
        index, size = parse_page(params.get("Page"))
        filters = {
            "name": params.get("Name"),
            "language": params.get("Language"),
            "status": params.get("AuditStatus"),
            "code": params.get("Code"),
            "category": params.get("Category"),
        }
        matches = [
            t.summary()
            for t in self._templates.values()
            if t.scope == scope and all(not v or getattr(t, k) == v for k, v in filters.items())
        ]
        return {"ListTemplate": matches[(index - 1) * size : index * size], "Total": len(matches)}

    def _example(self, params: Mapping[str, str]) -> dict[str, str]:
        if not params.get("Example"):
            return {}
        example = parse_json("Example", params["Example"], dict)
        if not all(isinstance(v, str) for v in example.values()):
            raise invalid("Example", "Every example value must be a string.")
        return example

    def _new_code(self) -> str:
        while True:
            code = secrets.token_hex(16)
            if code not in self._templates:
                return code

    # ----------------------------------------------------------------- for the message store and tests
    def approved(self, scope: Scope, params: Mapping[str, str]) -> Template:
        """The template a send names, after settling due reviews (errors as for GetChatappTemplateDetail)."""
        with self._lock:
            self._settle_reviews()
            return self._find(scope, params)

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
        with self._lock:
            params = {"Name": name, "Language": language, "Category": category, "TemplateType": "WHATSAPP"}
            try:
                created = self._create(scope, {**params, "Components": json.dumps(list(components))})
            except CamsErrorAnswer as exc:
                raise ValueError(exc.message) from None
            template = self._templates[created["Data"]["TemplateCode"]]
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
