"""Provider metadata that Airflow reads through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

import copy
from typing import Any

from airflow_provider_cams import __version__
from airflow_provider_cams.utils.connection_form import UI_FIELD_BEHAVIOUR, conn_fields

HOOK_CLASS = "airflow_provider_cams.hooks.cams.CamsHook"


def get_provider_info() -> dict[str, Any]:
    """Return the provider-info dict; the connection form comes from ``utils/connection_form.py``."""
    return {
        "package-name": "airflow-provider-cams",
        "name": "Alibaba Cloud CAMS",
        "description": "Alibaba Cloud CAMS (Chat App Message Service) WhatsApp Flows.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Alibaba Cloud CAMS",
                "external-doc-url": "https://www.alibabacloud.com/help/en/chatapp/",
                "tags": ["alibaba"],
            }
        ],
        "operators": [
            {
                "integration-name": "Alibaba Cloud CAMS",
                "python-modules": [
                    "airflow_provider_cams.operators.flow",
                    "airflow_provider_cams.operators.template",
                    "airflow_provider_cams.operators.send",
                ],
            }
        ],
        "sensors": [
            {
                "integration-name": "Alibaba Cloud CAMS",
                "python-modules": [
                    "airflow_provider_cams.sensors.flow",
                    "airflow_provider_cams.sensors.template",
                ],
            }
        ],
        "triggers": [
            {
                "integration-name": "Alibaba Cloud CAMS",
                "python-modules": [
                    "airflow_provider_cams.triggers.flow",
                    "airflow_provider_cams.triggers.template",
                ],
            }
        ],
        "extra-links": [
            "airflow_provider_cams.links.flow.CamsFlowConsoleLink",
            "airflow_provider_cams.links.flow.CamsFlowPreviewLink",
        ],
        "hooks": [
            {
                "integration-name": "Alibaba Cloud CAMS",
                "python-modules": [
                    "airflow_provider_cams.hooks.cams",
                    "airflow_provider_cams.hooks.messaging",
                ],
            }
        ],
        "connection-types": [
            {
                "hook-class-name": HOOK_CLASS,
                "hook-name": "Alibaba Cloud CAMS",
                "connection-type": "cams",
                "ui-field-behaviour": copy.deepcopy(UI_FIELD_BEHAVIOUR),
                "conn-fields": conn_fields(),
            }
        ],
    }
