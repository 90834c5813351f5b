"""CamsMessagingHook: WhatsApp templates with a FLOW button, sends and the sent-message list.

The same call path as the flow lifecycle (``CamsHook.call`` -> ``hooks/transport.py``): parameters
checked once here, big ones (``Components``, ``SenderList``...) in the signed POST form body
(``vendor/messaging.py``), typed errors. A send is never re-sent after an unknown outcome (timeout,
dropped connection, 5xx): CAMS documents no idempotency key, so the transport raises and the caller
decides with :meth:`CamsMessagingHook.list_messages`. Template creation is reconciled by Name and
Language, as templates are identified by them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_cams.exceptions import CamsApiError, CamsError, CamsValidationError
from airflow_provider_cams.hooks.cams import CamsHook
from airflow_provider_cams.hooks.results import Body
from airflow_provider_cams.utils.validation import check_id, check_int, check_text
from airflow_provider_cams.vendor.error_codes import ErrorKind, lookup
from airflow_provider_cams.vendor.messaging import (
    CHANNEL_TYPE,
    FLOW_BUTTON_ACTIONS,
    MAX_MASS_RECIPIENTS,
    MODIFIABLE_AUDIT_STATUSES,
    TEMPLATE_CATEGORIES,
    TEMPLATE_TYPE,
)

# Meta's rules for message templates (WhatsApp Business Platform "Message templates" guide).
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
MAX_BODY_TEXT = 1024
MAX_BUTTON_TEXT = 25
MAX_HEADER_FOOTER_TEXT = 60
VARIABLE = re.compile(r"\{\{\s*(\d+)\s*\}\}")
PHONE_NUMBER = re.compile(r"^\d{6,15}$")  # E.164 without "+": country code and number, digits only
LIST_PAGE_SIZE = 100  # ASSUMED: the largest Page.Size CAMS accepts (as for ListFlow)


def check_number(param: str, value: Any) -> str:
    """A phone number as CAMS takes it: country code and number, digits only (a leading + is dropped)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.startswith("+"):
        value = value[1:]
    if not isinstance(value, str) or not PHONE_NUMBER.match(value):
        raise CamsValidationError(
            f"{param} must be a phone number with its country code, digits only (e.g. 6591234567), got "
            f"{value!r:.40}."
        )
    return value


def _check_plain(param: str, value: Any, max_length: int, what: str) -> str:
    """Text shown to people: may hold Meta's ``{{1}}`` variables, so no Jinja check (never templated)."""
    if not isinstance(value, str) or not value.strip():
        raise CamsValidationError(f"{param} must be non-empty text; pass {what}.")
    if len(value) > max_length:
        raise CamsValidationError(f"{param} is {len(value)} characters long; WhatsApp allows {max_length}.")
    return value


@dataclass(frozen=True)
class TemplateSpec:
    """A WhatsApp template with one FLOW button, as the user writes it; checked by :meth:`checked`.

    ``body_text`` uses Meta's numbered variables (``{{1}}``, ``{{2}}``...), each with a value in
    ``examples`` (Meta requires an example per variable). ``flow_action`` is ``NAVIGATE`` (opens
    ``navigate_screen``) or ``DATA_EXCHANGE`` (the flow's endpoint decides the first screen).
    """

    name: str
    language: str
    body_text: str
    button_text: str
    flow_id: str
    flow_action: str = "NAVIGATE"
    navigate_screen: str | None = None
    category: str = "MARKETING"
    examples: Mapping[str, str] = field(default_factory=dict)
    header_text: str | None = None
    footer_text: str | None = None

    def checked(self) -> TemplateSpec:
        """This spec, or a CamsValidationError saying what is wrong and what to do."""
        if not isinstance(self.name, str) or not TEMPLATE_NAME.match(self.name):
            raise CamsValidationError(
                f"name must be lower-case letters, digits and underscores (at most 512, WhatsApp's rule), "
                f"got {self.name!r:.60}."
            )
        check_text("language", self.language, 20, "a WhatsApp language code such as en or pt_BR")
        check_id("flow_id", self.flow_id)
        if self.category not in TEMPLATE_CATEGORIES:
            raise CamsValidationError(f"category must be one of {', '.join(TEMPLATE_CATEGORIES)}.")
        if self.flow_action not in FLOW_BUTTON_ACTIONS:
            raise CamsValidationError(f"flow_action must be one of {', '.join(FLOW_BUTTON_ACTIONS)}.")
        if self.flow_action == "NAVIGATE":
            check_text("navigate_screen", self.navigate_screen, 128, "the id of the flow's first screen")
        elif self.navigate_screen is not None:
            raise CamsValidationError("navigate_screen is only for flow_action NAVIGATE; leave it None.")
        _check_plain("body_text", self.body_text, MAX_BODY_TEXT, "the message text")
        _check_plain("button_text", self.button_text, MAX_BUTTON_TEXT, "the button's label")
        for param in ("header_text", "footer_text"):
            if getattr(self, param) is not None:
                _check_plain(param, getattr(self, param), MAX_HEADER_FOOTER_TEXT, "short text or None")
        if not isinstance(self.examples, Mapping):
            raise CamsValidationError(
                f"examples must map variable numbers to sample values, e.g. {{'1': 'Ana'}}, got "
                f"{type(self.examples).__name__}."
            )
        variables = self.variables
        expected = [str(i) for i in range(1, len(variables) + 1)]
        if sorted(variables, key=int) != expected:
            raise CamsValidationError(
                f"body_text's variables must be numbered {{{{1}}}} to {{{{{len(variables)}}}}} without gaps, "
                f"got {', '.join(variables)}."
            )
        missing = [v for v in variables if not isinstance(self.examples.get(v), str) or not self.examples[v]]
        if missing:
            raise CamsValidationError(
                f"examples needs a sample value for variable(s) {', '.join(missing)} of body_text, e.g. "
                f"examples={{'{missing[0]}': 'Ana'}}: Meta reviews templates with them."
            )
        return self

    @property
    def variables(self) -> list[str]:
        return list(
            dict.fromkeys(VARIABLE.findall(self.body_text if isinstance(self.body_text, str) else ""))
        )

    def components(self) -> list[dict[str, Any]]:
        """CreateChatappTemplate's Components (SDK names)."""
        button: dict[str, Any] = {
            "Type": "FLOW",
            "Text": self.button_text,
            "FlowId": self.flow_id,
            "FlowAction": self.flow_action,
        }
        if self.navigate_screen is not None:
            button["NavigateScreen"] = self.navigate_screen
        parts: list[dict[str, Any]] = []
        if self.header_text is not None:
            parts.append({"Type": "HEADER", "Format": "TEXT", "Text": self.header_text})
        parts.append({"Type": "BODY", "Text": self.body_text})
        if self.footer_text is not None:
            parts.append({"Type": "FOOTER", "Text": self.footer_text})
        parts.append({"Type": "BUTTONS", "Buttons": [button]})
        return parts

    def example(self) -> dict[str, str]:
        """CreateChatappTemplate's Example: ``{"{{1}}": "Ana"}`` (ASSUMED key form, as in CAMS's examples)."""
        return {f"{{{{{v}}}}}": str(self.examples[v]) for v in self.variables}

    def params(self, cust_space_id: str | None) -> dict[str, Any]:
        return {
            "Name": self.name,
            "Language": self.language,
            "Category": self.category,
            "TemplateType": TEMPLATE_TYPE,
            "Components": self.components(),
            "Example": self.example() or None,
            "CustSpaceId": cust_space_id,
        }


@dataclass(frozen=True)
class TemplateCreated:
    """CreateChatappTemplate's outcome; ``reused``: a template of that Name and Language already existed
    (found after an ambiguous failure, or before creating), then ``body`` is None."""

    template_code: str
    name: str
    language: str
    reused: bool
    body: Body | None


@dataclass(frozen=True)
class TemplateDeployment:
    """What :meth:`CamsMessagingHook.deploy_template` did: ``created``, ``unchanged`` (reads only),
    ``modified`` (CAMS allowed it: the review restarts), ``replaced`` (a new template under
    ``replacement_name``, because CAMS does not modify a template in this review state) or ``reused``
    (CAMS refused our create or modify because another run, e.g. an overlapping run of the same DAG,
    had just made the template with this content: its template is the result, nothing was sent twice)."""

    action: str
    template_code: str
    template_name: str
    language: str
    audit_status: str | None
    replaced_template_code: str | None = None
    request_id: str | None = None

    def to_xcom(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "template_code": self.template_code,
            "template_name": self.template_name,
            "language": self.language,
            "audit_status": self.audit_status,
            "replaced_template_code": self.replaced_template_code,
            "request_id": self.request_id,
        }


def content_digest(spec: TemplateSpec) -> str:
    """A short hash of what people see (Components): the suffix of a replacement's name."""
    canonical = json.dumps(spec.components(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]


def replacement_name(spec: TemplateSpec) -> str:
    """``<name>_<digest>``: deterministic, so a re-run finds the replacement it made before."""
    return f"{spec.name[: 512 - 9]}_{content_digest(spec)}"


# Kinds a code decides by itself: throttling and server faults (retried by the transport) and
# credentials or permissions (reading cannot succeed either).
DECIDED_BY_KIND = frozenset({ErrorKind.THROTTLED, ErrorKind.TRANSIENT, ErrorKind.AUTH})


def refusal_to_explain(exc: BaseException) -> bool:
    """Whether CAMS refused a template change with a code it does not document: then only reading the
    template (by Name and Language) tells what happened; a documented code decides on its own."""
    if not isinstance(exc, CamsApiError) or exc.kind in DECIDED_BY_KIND:
        return False
    known = lookup(exc.code)
    return known is None or not known.documented


def same_components(stored: Any, wanted: list[dict[str, Any]]) -> bool:
    """Whether CAMS's Components match ours on every key we send (CAMS may add keys of its own)."""
    if not isinstance(stored, list) or len(stored) != len(wanted):
        return False
    for have, want in zip(stored, wanted, strict=True):
        if not isinstance(have, dict):
            return False
        for key, value in want.items():
            if key == "Buttons":
                if not same_components(have.get("Buttons"), value):
                    return False
            elif have.get(key) != value:
                return False
    return True


@dataclass(frozen=True)
class Recipient:
    """One person to send to: number, template variables and the flow's token and initial data."""

    to: str
    template_params: Mapping[str, str] = field(default_factory=dict)
    flow_token: str | None = None
    flow_action_data: Mapping[str, Any] | None = None

    def sender(self) -> dict[str, Any]:
        """One SenderList entry (also the single send's fields)."""
        entry: dict[str, Any] = {"To": self.to}
        if self.template_params:
            entry["TemplateParams"] = dict(self.template_params)
        flow_action = self.flow_action()
        if flow_action is not None:
            entry["FlowAction"] = flow_action
        return entry

    def flow_action(self) -> dict[str, Any] | None:
        if self.flow_token is None and self.flow_action_data is None:
            return None
        action: dict[str, Any] = {}
        if self.flow_token is not None:
            action["FlowToken"] = self.flow_token
        if self.flow_action_data is not None:
            action["FlowActionData"] = dict(self.flow_action_data)
        return action


def check_recipient(param: str, recipient: Recipient) -> Recipient:
    """A recipient with a checked number; template parameters as strings, a non-empty token."""
    to = check_number(f"{param}.to", recipient.to)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in recipient.template_params.items()):
        raise CamsValidationError(f"{param}.template_params must map variable numbers to strings.")
    if recipient.flow_token is not None:
        check_text(f"{param}.flow_token", recipient.flow_token, 512, "the flow token, or None")
    if recipient.flow_action_data is not None and not isinstance(recipient.flow_action_data, Mapping):
        raise CamsValidationError(f"{param}.flow_action_data must be a mapping (the flow's initial data).")
    return Recipient(to, recipient.template_params, recipient.flow_token, recipient.flow_action_data)


class CamsMessagingHook(CamsHook):
    """:class:`~airflow_provider_cams.hooks.cams.CamsHook` plus templates and sends: the same connection,
    pacing, retries and errors."""

    # ----------------------------------------------------------------- templates
    def create_template(
        self, spec: TemplateSpec, cust_space_id: str | None = None, *, reuse_existing: bool = True
    ) -> TemplateCreated:
        """CreateChatappTemplate, never a duplicate: an existing template of the same Name and Language
        is reused (looked up first when ``reuse_existing``, and always after an ambiguous failure)."""
        spec = spec.checked()
        space = self.cust_space(cust_space_id)

        def existing() -> TemplateCreated | None:
            found = self.find_template(spec.name, spec.language, space)
            if found is None:
                return None
            return TemplateCreated(str(found["TemplateCode"]), spec.name, spec.language, True, None)

        if reuse_existing:
            done = existing()
            if done is not None:
                return done
        answer = self.call("CreateChatappTemplate", spec.params(space), reconcile=existing)
        if isinstance(answer, TemplateCreated):
            return answer
        data = answer.get("Data") or {}
        return TemplateCreated(str(data.get("TemplateCode")), spec.name, spec.language, False, answer)

    def find_template(self, name: str, language: str, cust_space_id: str | None = None) -> Body | None:
        """The ListChatappTemplate entry of the template with exactly this Name and Language, or None.

        Filtered again here: whether CAMS's Name filter is exact is not documented."""
        space = self.cust_space(cust_space_id)
        params = {"Name": name, "Language": language, "CustSpaceId": space}
        page = {"Index": 1, "Size": LIST_PAGE_SIZE}
        listed = self.call("ListChatappTemplate", {**params, "Page": page}).get("ListTemplate") or []
        matches = [t for t in listed if t.get("TemplateName") == name and t.get("Language") == language]
        if len(matches) > 1:
            codes = ", ".join(str(t.get("TemplateCode")) for t in matches)
            raise CamsValidationError(
                f"CAMS has {len(matches)} templates named {name!r} in {language}: {codes}. Delete the extra "
                "ones in the CAMS console, then re-run."
            )
        return matches[0] if matches else None

    def get_template(self, template_code: str, language: str, cust_space_id: str | None = None) -> Body:
        """GetChatappTemplateDetail's Data (AuditStatus, Reason, Components...)."""
        params = {
            "TemplateCode": check_id("template_code", template_code),
            "Language": check_text("language", language, 20, "the template's language code"),
            "TemplateType": TEMPLATE_TYPE,
            "CustSpaceId": self.cust_space(cust_space_id),
        }
        return dict(self.call("GetChatappTemplateDetail", params).get("Data") or {})

    def modify_template(
        self, template_code: str, spec: TemplateSpec, cust_space_id: str | None = None
    ) -> Body:
        """ModifyChatappTemplate (CAMS allows it only while unaudit or after a failed review); a new review
        starts. After an ambiguous failure the template is read: under review with these Components
        means the change was applied."""
        spec = spec.checked()
        space = self.cust_space(cust_space_id)
        code = check_id("template_code", template_code)
        params = {**spec.params(space), "TemplateCode": code}
        del params["Name"]  # ModifyChatappTemplate names the template by its code

        def applied() -> Body | None:
            detail = self.get_template(code, spec.language, space)
            same = detail.get("Components") == spec.components()
            return detail if same and detail.get("AuditStatus") in ("auditing", "unaudit") else None

        return dict(self.call("ModifyChatappTemplate", params, reconcile=applied))

    def delete_template(self, template_code: str, language: str, cust_space_id: str | None = None) -> bool:
        """DeleteChatappTemplate; True if deleted now, False if it was already gone (after a retry)."""
        space = self.cust_space(cust_space_id)
        code = check_id("template_code", template_code)
        params = {
            "TemplateCode": code,
            "Language": language,
            "TemplateType": TEMPLATE_TYPE,
            "CustSpaceId": space,
        }

        def gone() -> bool | None:
            page = {"Index": 1, "Size": LIST_PAGE_SIZE}
            listed = self.call("ListChatappTemplate", {"Code": code, "CustSpaceId": space, "Page": page})
            return (
                False
                if not any(t.get("TemplateCode") == code for t in listed.get("ListTemplate") or [])
                else None
            )

        answer = self.call("DeleteChatappTemplate", params, reconcile=gone)
        return answer is not False

    def deploy_template(self, spec: TemplateSpec, cust_space_id: str | None = None) -> TemplateDeployment:
        """Make CAMS hold ``spec`` under its Name and Language, idempotently.

        Missing: created. Same Components: nothing sent (reads only). Different and the template is
        ``unaudit`` or ``fail``: ModifyChatappTemplate. Different otherwise (approved, in review, paused,
        disabled: CAMS refuses to modify it): a replacement named ``<name>_<digest of the Components>``
        is created (or found, on a re-run), the original left untouched for sends already scheduled.

        Two runs at once (Airflow's default ``max_active_runs``) can both find nothing and both create:
        CAMS refuses the second with a code it does not document, so the refusal is explained by reading
        (``_create_or_explain``), never by its code, and never answered with a second create.
        """
        spec = spec.checked()
        space = self.cust_space(cust_space_id)
        found = self.find_template(spec.name, spec.language, space)
        if found is None:
            made = self._create_or_explain(spec, space)
            if isinstance(made, TemplateCreated):
                return self._deployed("created", made, spec)
            found, other_run = made, True
        else:
            other_run = False
        code = str(found["TemplateCode"])
        detail = self.get_template(code, spec.language, space)
        status = detail.get("AuditStatus")
        if same_components(detail.get("Components"), spec.components()):
            if other_run:
                self._log_other_run(code, spec)
            action = "reused" if other_run else "unchanged"
            return TemplateDeployment(action, code, spec.name, spec.language, status)
        if status in MODIFIABLE_AUDIT_STATUSES:
            return self._modify_or_explain(code, spec, space)
        replacement = TemplateSpec(**{**spec.__dict__, "name": replacement_name(spec)})
        self.log.info(
            "Template %s (%s) is %s and its content changed; CAMS modifies only unaudit or rejected "
            "templates, so the new content goes to %s.",
            code,
            spec.name,
            status,
            replacement.name,
        )
        existing = self.find_template(replacement.name, spec.language, space)
        if existing is None:
            made = self._create_or_explain(replacement, space)
            if isinstance(made, TemplateCreated):
                return self._deployed("replaced", made, replacement, replaced=code)
            existing = made
        again = self.get_template(str(existing["TemplateCode"]), spec.language, space)
        if not same_components(again.get("Components"), spec.components()):
            raise CamsValidationError(
                f"Template {replacement.name} exists with other content than its name's digest says; "
                "it was changed outside this task. Delete it in the CAMS console, then re-run."
            )
        return TemplateDeployment(
            "replaced",
            str(existing["TemplateCode"]),
            replacement.name,
            spec.language,
            again.get("AuditStatus"),
            replaced_template_code=code,
        )

    def _create_or_explain(self, spec: TemplateSpec, space: str | None) -> TemplateCreated | Body:
        """CreateChatappTemplate; if CAMS refuses it with an undocumented code, the template of this Name
        and Language as now listed (another run made it: the caller compares its content). Not listed:
        the refusal, with CAMS's code, message and request id verbatim and what was read."""
        try:
            return self.create_template(spec, space, reuse_existing=False)
        except CamsApiError as exc:
            if not refusal_to_explain(exc):
                raise
            found = self.find_template(spec.name, spec.language, space)  # ASSUMED: listed once created
            if found is None:
                raise exc.explained(
                    f"ListChatappTemplate shows no template {spec.name} ({spec.language}), so the refusal is "
                    "not a concurrent create"
                ) from None
            self.log.info(
                "CreateChatappTemplate of %s (%s) was refused (%s, request %s) and the template now exists "
                "(%s): another run created it at the same time; reading it instead of creating again.",
                spec.name,
                spec.language,
                exc.code,
                exc.request_id,
                found.get("TemplateCode"),
            )
            return found

    def _modify_or_explain(self, code: str, spec: TemplateSpec, space: str | None) -> TemplateDeployment:
        """ModifyChatappTemplate; an undocumented refusal is explained by GetChatappTemplateDetail: our
        Components already there means another run made the same change (``reused``)."""
        try:
            answer = self.modify_template(code, spec, space)
        except CamsApiError as exc:
            if not refusal_to_explain(exc):
                raise
            detail = self.get_template(code, spec.language, space)
            if not same_components(detail.get("Components"), spec.components()):
                raise exc.explained(
                    f"GetChatappTemplateDetail shows {code} {detail.get('AuditStatus')} with other Components"
                ) from None
            self._log_other_run(code, spec)
            return TemplateDeployment("reused", code, spec.name, spec.language, detail.get("AuditStatus"))
        return TemplateDeployment(
            "modified", code, spec.name, spec.language, "auditing", request_id=answer.get("RequestId")
        )

    def _log_other_run(self, code: str, spec: TemplateSpec) -> None:
        self.log.info(
            "Template %s (%s, %s) already has this content, made by another run at the same time: it is "
            "this task's result; nothing was created or modified twice.",
            spec.name,
            spec.language,
            code,
        )

    def _deployed(
        self, action: str, made: TemplateCreated, spec: TemplateSpec, replaced: str | None = None
    ) -> TemplateDeployment:
        # A new template is in review (ASSUMED: CAMS answers no status on create); a reused one is read.
        status = "auditing"
        if made.reused:
            status = self.get_template(made.template_code, spec.language).get("AuditStatus") or status
        request_id = (made.body or {}).get("RequestId")
        return TemplateDeployment(
            action, made.template_code, spec.name, spec.language, status, replaced, request_id
        )

    # ----------------------------------------------------------------- sends
    def send_message(
        self,
        business_number: str,
        recipient: Recipient,
        *,
        template_code: str,
        language: str,
        cust_space_id: str | None = None,
        task_id: str | None = None,
        prechecked: bool = False,
    ) -> Body:
        """SendChatappMessage of an approved template to one person; answers ``MessageId``.

        Never re-sent after an unknown outcome: that raises ``CamsTransportError`` /
        ``CamsTransientError``, and :meth:`list_messages` tells whether it went out. ``prechecked``: the
        recipient came out of :func:`check_recipient` already (not checked again)."""
        checked = recipient if prechecked else check_recipient("recipient", recipient)
        params: dict[str, Any] = {
            "ChannelType": CHANNEL_TYPE,
            "Type": "template",
            "From": check_number("business_number", business_number),
            "To": checked.to,
            "TemplateCode": check_id("template_code", template_code),
            "Language": check_text("language", language, 20, "the template's language code"),
            "CustSpaceId": self.cust_space(cust_space_id),
            "TaskId": task_id,
            "TemplateParams": dict(checked.template_params) or None,
            "FlowAction": checked.flow_action(),
        }
        return dict(self.call("SendChatappMessage", params))

    def send_mass_message(
        self,
        business_number: str,
        recipients: Sequence[Recipient],
        *,
        template_code: str,
        language: str,
        cust_space_id: str | None = None,
        task_id: str | None = None,
        prechecked: bool = False,
    ) -> Body:
        """SendChatappMassMessage to at most 1,000 people, SenderList in the signed body; answers
        ``GroupMessageId``. Never re-sent after an unknown outcome; ``prechecked`` as for
        :meth:`send_message`."""
        if not 1 <= len(recipients) <= MAX_MASS_RECIPIENTS:
            raise CamsValidationError(
                f"A mass send takes 1 to {MAX_MASS_RECIPIENTS} recipients, got {len(recipients)}: split the "
                "audience into chunks."
            )
        if not prechecked:
            recipients = [check_recipient(f"recipients[{i}]", r) for i, r in enumerate(recipients)]
        senders = [r.sender() for r in recipients]
        params = {
            "ChannelType": CHANNEL_TYPE,
            "From": check_number("business_number", business_number),
            "TemplateCode": check_id("template_code", template_code),
            "Language": check_text("language", language, 20, "the template's language code"),
            "CustSpaceId": self.cust_space(cust_space_id),
            "TaskId": task_id,
            "SenderList": senders,
        }
        return dict(self.call("SendChatappMassMessage", params))

    def list_messages(
        self,
        business_number: str,
        cust_space_id: str | None = None,
        *,
        user_number: str | None = None,
        template_code: str | None = None,
        group_message_id: str | None = None,
        message_status: str | None = None,
        start_time_ms: int | None = None,
        end_time_ms: int | None = None,
        page_size: int = LIST_PAGE_SIZE,
        max_pages: int = 1000,
    ) -> list[Body]:
        """Outbound messages (ListChatappMessage ``Data``), every page; CAMS requires a CustSpaceId."""
        space = self.cust_space(cust_space_id)
        if space is None:
            raise CamsValidationError(
                "ListChatappMessage needs a CustSpaceId: pass cust_space_id or set the connection's."
            )
        base = {
            "ChannelType": CHANNEL_TYPE,
            "BusinessNumber": check_number("business_number", business_number),
            "CustSpaceId": space,
            "EventAction": "DOWN",
            "UserNumber": check_number("user_number", user_number) if user_number is not None else None,
            "TemplateCode": template_code,
            "GroupMessageId": group_message_id,
            "MessageStatus": message_status,
            "StartTime": start_time_ms,
            "EndTime": end_time_ms,
        }
        size = check_int("page_size", page_size, 1, LIST_PAGE_SIZE)
        found: list[Body] = []
        for index in range(1, max_pages + 1):
            data = self.call("ListChatappMessage", {**base, "Page": {"Index": index, "Size": size}}).get(
                "Data"
            )
            found += list(data or [])
            if len(data or []) < size:
                return found
        raise CamsError(f"ListChatappMessage still had results after {max_pages} pages; narrow the filters.")
