"""Local validation of WhatsApp Flow JSON (Meta's format), before any network call.

Pure Python + ``jsonschema``: no Airflow, no Alibaba SDK, so ``cams-flow validate`` is fast enough
for pre-commit. Every error is reported at once with its JSON pointer, line, column and a fix.
"""

from airflow_provider_cams.flowjson.errors import FlowJsonError, FlowJsonInvalid
from airflow_provider_cams.flowjson.validate import (
    MAX_FLOW_JSON_BYTES,
    check_flow_json,
    endpoint_consistency,
    validate_flow_json,
)
from airflow_provider_cams.flowjson.versions import (
    DATA_API_VERSIONS,
    FROZEN_VERSIONS,
    PUBLISHABLE_VERSIONS,
    VERSIONS_READ_ON,
)

__all__ = [
    "DATA_API_VERSIONS",
    "FROZEN_VERSIONS",
    "MAX_FLOW_JSON_BYTES",
    "PUBLISHABLE_VERSIONS",
    "VERSIONS_READ_ON",
    "FlowJsonError",
    "FlowJsonInvalid",
    "check_flow_json",
    "endpoint_consistency",
    "validate_flow_json",
]
