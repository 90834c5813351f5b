"""The ``cams`` connection form, declared once.

Read by the provider info (``conn-fields`` and ``ui-field-behaviour``) at provider discovery, so this
module must import nothing from Airflow or this package's runtime modules: Airflow loads it while
importing itself. The provider info imports it, never the other way round (an import contract says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The connection id every CAMS hook, operator and sensor uses unless told otherwise.
DEFAULT_CONN_ID = "cams_default"
DEFAULT_REGION = "ap-southeast-1"
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 10.0
MAX_TIMEOUT = 300.0


@dataclass(frozen=True)
class ConnField:
    """One extra field of the connection form."""

    label: str
    description: str
    type: str = "string"
    default: Any = None
    secret: bool = False
    enum: tuple[str, ...] | None = None

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": [self.type, "null"]}
        if self.default is not None:
            schema["default"] = self.default
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.secret:
            schema["format"] = "password"
        return schema


CONNECTION_FIELDS: dict[str, ConnField] = {
    "region_id": ConnField(
        "Region ID", f"Alibaba Cloud region; CAMS documents only {DEFAULT_REGION}.", default=DEFAULT_REGION
    ),
    "endpoint": ConnField(
        "Endpoint",
        "host[:port] without scheme or path; overrides the regional endpoint (e.g. 127.0.0.1:8765 for "
        "the bundled emulator).",
    ),
    "protocol": ConnField(
        "Protocol",
        "https (default) or http; http only for a loopback endpoint.",
        default="https",
        enum=("https", "http"),
    ),
    "allow_insecure_http": ConnField(
        "Allow plain http to a remote host",
        "Opt-in for protocol http to a non-loopback endpoint (signed requests travel unencrypted; logged "
        "as a warning on every use). Leave false.",
        type="boolean",
        default=False,
    ),
    "security_token": ConnField("STS Security Token", "Only with temporary (STS) credentials.", secret=True),
    "cust_space_id": ConnField(
        "CustSpaceId",
        "Default CustSpaceId for every operator (space ID of an ISV sub-customer or "
        "instance ID of a direct customer).",
    ),
    "rate_limit": ConnField(
        "Rate limit (calls/s)",
        "The account's quota of each flow API (documented: 5 per API). With rate_shared, the one budget "
        "all APIs share. The pool gets one slot per call/s of the most limited API (cams-pool).",
        type="number",
        default=5,
    ),
    "rate_limits": ConnField(
        "Per-API limits",
        'Calls/s of single APIs, over the vendor\'s table, as a JSON object, e.g. {"SendChatappMessage": '
        "200}. Ignored with rate_shared.",
    ),
    "rate_shared": ConnField(
        "One shared budget",
        "Count every call of every API against rate_limit together (the cautious pre-0.3 pacing), "
        "instead of each API against its own limit. Default false.",
        type="boolean",
        default=False,
    ),
    "triggerer_slots": ConnField(
        "Slots kept for the triggerer",
        "How many of the account's slots tasks started in the triggerer (start_from_trigger=True) share; "
        "the pool gets the rest (cams-pool). Default 0: such tasks run on a worker as usual.",
        type="integer",
        default=0,
    ),
    "rate_store": ConnField(
        "Shared rate store",
        "Where every worker and the triggerer draw the account's one rate budget from: "
        "file:///a/directory (all on one machine) or redis://host:port/db (several machines). Tasks "
        "started in the triggerer then get the account's full rate. Default: none (per-process pacing "
        "in the pool).",
    ),
    "pool": ConnField(
        "Pool",
        "The Airflow pool of this account (default: the connection id). Run every CAMS task of the "
        "account in it: with pacing, that makes the rate limit a guarantee.",
    ),
    "pacing": ConnField(
        "Pace calls",
        "Space calls so the pool enforces the rate limit (default true). false = the pool alone, "
        "which caps concurrency but not calls per second.",
        type="boolean",
        default=True,
    ),
    "connect_timeout": ConnField(
        "Connect timeout (s)",
        "TCP connect timeout in seconds.",
        type="number",
        default=DEFAULT_CONNECT_TIMEOUT,
    ),
    "read_timeout": ConnField(
        "Read timeout (s)",
        "Timeout waiting for a response, in seconds.",
        type="number",
        default=DEFAULT_READ_TIMEOUT,
    ),
}


# The standard fields of the form: hidden, relabelled, with placeholders (the provider info's spelling).
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["host", "schema", "port"],
    "relabeling": {"login": "AccessKey ID", "password": "AccessKey Secret"},
    "placeholders": {
        "login": "LTAI... (leave empty to use the Alibaba default credential chain)",
        "password": "AccessKey Secret",
    },
}


def conn_fields() -> dict[str, Any]:
    """The provider info's ``conn-fields`` (Airflow >= 3.2): each extra's label, description, schema."""
    return {
        name: {"label": field.label, "description": field.description, "schema": field.json_schema()}
        for name, field in CONNECTION_FIELDS.items()
    }


def ui_field_behaviour() -> dict[str, Any]:
    """``UI_FIELD_BEHAVIOUR`` with the keys of ``get_ui_field_behaviour`` (Airflow 3.1).

    Airflow 3.1 validates the hook's dict against a schema with ``hidden_fields`` / ``relabeling`` /
    ``placeholders``; the provider info spells them with hyphens (``hidden-fields``).
    """
    return {key.replace("-", "_"): value for key, value in UI_FIELD_BEHAVIOUR.items()}


def form_widgets() -> dict[str, Any]:
    """The same fields as wtforms fields, for ``CamsHook.get_connection_form_widgets`` (Airflow 3.1).

    Airflow 3.2+ reads ``conn-fields`` instead and never calls this. Imports are lazy and use exactly
    the names Airflow 3.1's UI substitutes when flask-appbuilder is not installed (its
    ``HookMetaService`` patches ``wtforms.StringField``, ``wtforms.validators.any_of``,
    ``flask_appbuilder.fieldwidgets.BS3TextFieldWidget``... while it loads the hooks), so the form works
    with and without the FAB provider. Only String/Password/Boolean/Integer fields are accepted by 3.1:
    numbers are string fields holding a number (the hook parses numeric strings).
    """
    from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
    from flask_babel import lazy_gettext
    from wtforms import BooleanField, PasswordField, StringField
    from wtforms.validators import Optional, any_of

    widgets: dict[str, Any] = {}
    for name, field in CONNECTION_FIELDS.items():
        label = lazy_gettext(field.label)
        if field.type == "boolean":
            widgets[name] = BooleanField(label, description=field.description, default=field.default)
        elif field.secret:
            widgets[name] = PasswordField(
                label, widget=BS3PasswordFieldWidget(), description=field.description
            )
        else:
            validators: list[Any] = [Optional()]
            if field.enum:
                validators.append(any_of(list(field.enum)))
            default = (
                None
                if field.default is None
                else f"{field.default:g}"
                if field.type in ("number", "integer")
                else field.default
            )
            widgets[name] = StringField(
                label,
                widget=BS3TextFieldWidget(),
                validators=validators,
                description=field.description,
                default=default,
            )
    return widgets
