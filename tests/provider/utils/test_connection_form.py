"""The ``cams`` connection form as each Airflow version's UI builds it, from the one field table.

Airflow 3.1 calls ``CamsHook.get_connection_form_widgets`` / ``get_ui_field_behaviour`` (wtforms); 3.2+
reads ``conn-fields`` / ``ui-field-behaviour`` from the provider info. Both must end in the same form.
The probe runs in a fresh interpreter: ``ProvidersManager`` is a process-wide singleton, and on 3.1 the
UI's ``HookMetaService`` puts stand-ins for wtforms / flask-appbuilder into ``sys.modules`` while it
loads the hooks (that is how the 3.1 UI renders forms without the FAB provider), which must not leak
into this test process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import pytest

from airflow_provider_cams.utils.connection_form import CONNECTION_FIELDS

PROBE = r"""
import json
from airflow import __version__
from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService
from airflow.providers_manager import ProvidersManager

# The code behind the UI's /ui/connections/hook_meta endpoint (the Add Connection form).
meta = [m for m in HookMetaService.hook_meta_data() if m.connection_type == "cams"]
pm = ProvidersManager()
cams = {k: v for k, v in pm.connection_form_widgets.items() if "__cams__" in k}
print(json.dumps({
    "version": __version__,
    "meta": [m.model_dump(mode="json") for m in meta],
    "widgets": {k: type(v.field).__name__ for k, v in cams.items()},
    "sensitive": sorted(k for k, v in cams.items() if v.is_sensitive),
    "behaviour": pm.field_behaviours.get("cams"),
    "hook": pm.hooks["cams"].hook_class_name if pm.hooks.get("cams") else None,
}))
"""


def _clean_env(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=home,
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home}/airflow.db",
    )
    return env


@pytest.fixture(scope="module")
def probe() -> dict:
    with tempfile.TemporaryDirectory(prefix="cams-form-") as home:
        out = subprocess.run(
            [sys.executable, "-c", PROBE],
            env=_clean_env(home),
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_hook_and_extra_fields_registered(probe: dict) -> None:
    assert probe["hook"] == "airflow_provider_cams.hooks.cams.CamsHook"
    assert set(probe["widgets"]) == {f"extra__cams__{name}" for name in CONNECTION_FIELDS}
    secret = {f"extra__cams__{name}" for name, f in CONNECTION_FIELDS.items() if f.secret}
    major_minor = tuple(int(p) for p in probe["version"].split(".")[:2])
    if major_minor < (3, 2):
        # 3.1 derives is_sensitive from the real wtforms widget, which the UI's stand-in lacks (for
        # every provider); the form still masks it (format password, test_ui_form_fields_match_the_table)
        # and the secrets masker hides any extra whose name contains "token".
        assert set(probe["sensitive"]) <= secret
        # 3.1: built by CamsHook.get_connection_form_widgets() (wtforms fields, or the UI's stand-ins).
        assert set(probe["widgets"].values()) <= {
            "MockStringField",
            "MockPasswordField",
            "MockBooleanField",
            "StringField",
            "PasswordField",
            "BooleanField",
        }, probe["widgets"]
    else:
        assert set(probe["sensitive"]) == secret
        # 3.2+: the declarative conn-fields, plain dicts; the hook's classmethods are not consulted.
        assert set(probe["widgets"].values()) == {"dict"}, probe["widgets"]


def test_standard_field_behaviour(probe: dict) -> None:
    behaviour = probe["behaviour"]
    assert behaviour is not None, "ui field behaviour missing (3.1 rejects hyphenated keys)"
    hidden = behaviour.get("hidden_fields", behaviour.get("hidden-fields"))
    assert set(hidden) == {"host", "schema", "port"}
    (meta,) = probe["meta"]
    std = meta["standard_fields"]
    assert std["host"]["hidden"] is True
    assert std["port"]["hidden"] is True
    assert std["login"]["title"] == "AccessKey ID"
    assert std["password"]["title"] == "AccessKey Secret"


def test_ui_form_fields_match_the_table(probe: dict) -> None:
    (meta,) = probe["meta"]
    extra = meta["extra_fields"]
    assert set(extra) == set(CONNECTION_FIELDS)
    for name, field in CONNECTION_FIELDS.items():
        schema = extra[name]["schema"]
        assert schema["title"] == field.label, name
        assert extra[name]["description"] == field.description, name
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        # 3.1 has no number field class: numbers and whole numbers are strings there (the hook parses them).
        allowed = {field.type, "string"} if field.type in ("number", "integer") else {field.type}
        assert set(types) - {"null"} <= allowed, (name, schema)
        if field.secret:
            assert schema.get("format") == "password", name
        if field.enum:
            assert schema.get("enum") == list(field.enum), name
        if field.default is not None:
            value = extra[name]["value"]
            assert value == field.default or value == f"{field.default:g}", (name, value)


def test_providers_list_shows_the_provider() -> None:
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    with tempfile.TemporaryDirectory(prefix="cams-cli-") as home:
        out = subprocess.run(
            [airflow, "providers", "list", "--output", "json"],
            env=_clean_env(home),
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "airflow-provider-cams" in out.stdout
