"""The provider info Airflow reads: every module and class it names exists, and each call is a fresh dict.

Its shape against Airflow's schema, and that it imports no Airflow, are in hooks/test_connection.py.
"""

from __future__ import annotations

import importlib

from airflow_provider_cams.get_provider_info import get_provider_info
from airflow_provider_cams.utils.connection_form import ui_field_behaviour


def _resolve(dotted: str) -> object:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_named_module_and_class_exists() -> None:
    info = get_provider_info()
    for kind in ("operators", "sensors", "triggers", "hooks"):
        for entry in info[kind]:
            for module in entry["python-modules"]:
                importlib.import_module(module)
    assert [getattr(_resolve(link), "name", None) for link in info["extra-links"]] == [
        "CAMS Flow",
        "Flow preview",
    ]
    [connection] = info["connection-types"]
    assert (
        getattr(_resolve(connection["hook-class-name"]), "conn_type", None) == connection["connection-type"]
    )


def test_each_call_returns_its_own_dict_and_the_31_form_matches_it() -> None:
    first = get_provider_info()
    first["connection-types"][0]["ui-field-behaviour"]["hidden-fields"].append("extra")
    second = get_provider_info()["connection-types"][0]["ui-field-behaviour"]
    assert "extra" not in second["hidden-fields"]
    assert {key.replace("-", "_"): value for key, value in second.items()} == ui_field_behaviour()
