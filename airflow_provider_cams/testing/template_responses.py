"""The wire of the five template actions: parameters in, typed calls on the model (``templates.py``) out.

Like moto's ``responses.py`` (and ``flow_responses.py`` for flows): each handler reads and checks its
parameters (required ones, ``Components`` and ``Example`` as JSON strings, ``Page``, how the template is
named), calls one typed :class:`~airflow_provider_cams.testing.templates.TemplateStore` method and returns
the fields of the success body. A refusal raised under the emulator's own code is answered in the
emulator's dialect here, in one place.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from airflow_provider_cams.testing.dialects import Dialect
from airflow_provider_cams.testing.errors import CamsErrorAnswer
from airflow_provider_cams.testing.state import Scope
from airflow_provider_cams.testing.templates import (
    TemplateFilter,
    TemplateRef,
    TemplateStore,
    invalid,
)
from airflow_provider_cams.testing.wire import ActionSpec, parse_page

# Required parameters (SDK 5.3.1) and whether the answer has ``Data``. The template is named by
# TemplateCode or by TemplateName (``template_ref``).
TEMPLATE_ACTIONS: dict[str, ActionSpec] = {
    "CreateChatappTemplate": ActionSpec(("Name", "Language", "Category", "TemplateType", "Components"), True),
    "GetChatappTemplateDetail": ActionSpec(("Language",), True),
    "ListChatappTemplate": ActionSpec(("Page",), False),
    "ModifyChatappTemplate": ActionSpec(("Language", "Components"), True),
    "DeleteChatappTemplate": ActionSpec(("TemplateType",), False),
}

Handler = Callable[[TemplateStore, Scope, Mapping[str, str]], dict[str, Any]]


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


def template_ref(params: Mapping[str, str]) -> TemplateRef:
    """The template an action names: TemplateCode, else TemplateName; one of them is required."""
    code, name = params.get("TemplateCode"), params.get("TemplateName")
    if not code and not name:
        raise CamsErrorAnswer("MissingParameter", name="TemplateCode")
    return TemplateRef(code or None, name or None, params.get("Language") or None)


def _example(params: Mapping[str, str]) -> dict[str, Any] | None:
    return parse_json("Example", params["Example"], dict) if params.get("Example") else None


def _created(store: TemplateStore, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
    template = store.create(
        scope,
        params["Name"],
        params["Language"],
        params["Category"],
        params["TemplateType"],
        parse_json("Components", params["Components"], list),
        _example(params),
    )
    return {"Data": {"TemplateCode": template.code, "TemplateName": template.name}}


def _modified(store: TemplateStore, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
    template = store.modify(
        scope,
        template_ref(params),
        parse_json("Components", params["Components"], list),
        _example(params),
        params.get("Category") or None,
    )
    return {"Data": {"TemplateCode": template.code, "TemplateName": template.name}}


def _deleted(store: TemplateStore, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
    store.delete(scope, template_ref(params))
    return {}


def _listed(store: TemplateStore, scope: Scope, params: Mapping[str, str]) -> dict[str, Any]:
    index, size = parse_page(params.get("Page"))
    where = TemplateFilter(
        name=params.get("Name") or None,
        language=params.get("Language") or None,
        status=params.get("AuditStatus") or None,
        code=params.get("Code") or None,
        category=params.get("Category") or None,
    )
    page, total = store.list_templates(scope, index, size, where)
    return {"ListTemplate": [t.summary() for t in page], "Total": total}


HANDLERS: dict[str, Handler] = {
    "CreateChatappTemplate": _created,
    "GetChatappTemplateDetail": lambda store, scope, p: {"Data": store.get(scope, template_ref(p)).details()},
    "ListChatappTemplate": _listed,
    "ModifyChatappTemplate": _modified,
    "DeleteChatappTemplate": _deleted,
}


def execute(
    store: TemplateStore, action: str, scope: Scope, params: Mapping[str, str], dialect: Dialect
) -> dict[str, Any]:
    """Check the parameters, run the action on the store; the fields to add to the success body.

    Refusals are raised under the emulator's own codes and answered in ``dialect``'s."""
    try:
        TEMPLATE_ACTIONS[action].check_required(params)
        return {"Success": True, **HANDLERS[action](store, scope, params)}  # ASSUMED: Success
    except CamsErrorAnswer as err:
        raise dialect.translate(err) from None
