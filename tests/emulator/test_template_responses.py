"""The template actions' wire against the typed store, in-process (SDK round trip: test_templates.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_cams.testing.dialects import DIALECTS, dialect_named
from airflow_provider_cams.testing.errors import CamsErrorAnswer
from airflow_provider_cams.testing.template_responses import HANDLERS, TEMPLATE_ACTIONS, execute
from airflow_provider_cams.testing.templates import TemplateRef, TemplateReview, TemplateStore

SCOPE = ("acct", "cs-1")
FLOW = "100000000000001"
COMPONENTS = [
    {"Type": "BODY", "Text": "Hi {{1}}"},
    {
        "Type": "BUTTONS",
        "Buttons": [{"Type": "FLOW", "Text": "Go", "FlowId": FLOW, "FlowAction": "DATA_EXCHANGE"}],
    },
]
CREATE = {
    "Name": "hello",
    "Language": "en",
    "Category": "MARKETING",
    "TemplateType": "WHATSAPP",
    "Components": json.dumps(COMPONENTS),
    "Example": '{"{{1}}": "Ana"}',
}


def store() -> TemplateStore:
    return TemplateStore(
        lambda scope, flow_id: scope == SCOPE and flow_id == FLOW, TemplateReview(outcome="manual")
    )


def run(
    templates: TemplateStore, action: str, params: dict[str, str], dialect: str = "guess"
) -> dict[str, Any]:
    return execute(templates, action, SCOPE, params, dialect_named(dialect))


def test_every_action_has_a_handler() -> None:
    assert set(HANDLERS) == set(TEMPLATE_ACTIONS)


def test_wire_strings_become_typed_calls_and_the_model_takes_python_values() -> None:
    templates = store()
    code = run(templates, "CreateChatappTemplate", CREATE)["Data"]["TemplateCode"]
    model = templates.get(SCOPE, TemplateRef(code=code, language="en"))
    assert model.components == COMPONENTS and model.example == {"{{1}}": "Ana"}
    listed = run(templates, "ListChatappTemplate", {"Page": '{"Index":1,"Size":5}', "Name": "hello"})
    assert [t["TemplateCode"] for t in listed["ListTemplate"]] == [code] and listed["Total"] == 1
    by_name = run(templates, "GetChatappTemplateDetail", {"TemplateName": "hello", "Language": "en"})
    assert by_name["Data"]["TemplateCode"] == code and by_name["Success"] is True
    direct = templates.create(SCOPE, "typed", "en", "UTILITY", "WHATSAPP", COMPONENTS, {"{{1}}": "Bo"})
    assert direct.name == "typed" and direct.status == "auditing"


@pytest.mark.parametrize(
    ("params", "code", "name"),
    [
        ({**CREATE, "Components": "[not json"}, "InvalidParameter", "Components"),
        ({**CREATE, "Example": '["a"]'}, "InvalidParameter", "Example"),
        ({k: v for k, v in CREATE.items() if k != "Category"}, "MissingParameter", "Category"),
    ],
)
def test_bad_parameters_are_refused_before_the_store_changes(
    params: dict[str, str], code: str, name: str
) -> None:
    templates = store()
    with pytest.raises(CamsErrorAnswer) as info:
        run(templates, "CreateChatappTemplate", params)
    assert info.value.code == code and name in info.value.message
    assert templates.snapshot() == {}


def test_a_template_is_named_by_code_or_name() -> None:
    with pytest.raises(CamsErrorAnswer) as info:
        run(store(), "DeleteChatappTemplate", {"TemplateType": "WHATSAPP", "Language": "en"})
    assert (info.value.code, info.value.message.count("TemplateCode")) == ("MissingParameter", 1)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_a_duplicate_create_is_answered_in_the_dialects_code(dialect: str) -> None:
    templates = store()
    first = run(templates, "CreateChatappTemplate", CREATE, dialect)["Data"]["TemplateCode"]
    with pytest.raises(CamsErrorAnswer) as info:
        run(templates, "CreateChatappTemplate", CREATE, dialect)
    want = DIALECTS[dialect]
    assert (info.value.code, info.value.http_status) == (
        want.duplicate_template_code,
        want.duplicate_template_http,
    )
    assert first in info.value.message and list(templates.snapshot()) == [first]
