"""The ``cams`` connection: field parsing and the errors a misconfigured connection gets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_cams.exceptions import CamsConfigError
from airflow_provider_cams.get_provider_info import get_provider_info
from airflow_provider_cams.hooks.connection import CamsConnectionSettings
from airflow_provider_cams.utils.connection_form import CONNECTION_FIELDS


def settings(login: str | None = "AK", password: str | None = "SK", **extra: Any) -> CamsConnectionSettings:
    return CamsConnectionSettings.from_connection("cams_default", login, password, extra)


def test_defaults_are_the_documented_singapore_endpoint_over_https() -> None:
    s = settings()
    assert (s.region_id, s.endpoint, s.protocol) == (
        "ap-southeast-1",
        "cams.ap-southeast-1.aliyuncs.com",
        "https",
    )
    assert (s.connect_timeout, s.read_timeout) == (5.0, 10.0)


def test_the_issue_json_form_for_a_local_emulator() -> None:
    extra = {"region_id": "ap-southeast-1", "endpoint": "127.0.0.1:8765", "protocol": "http"}
    s = settings(**extra)
    assert (s.endpoint, s.protocol, s.is_loopback) == ("127.0.0.1:8765", "http", True)


def test_secrets_stay_out_of_repr() -> None:
    s = settings(password="TOP-SECRET-1", security_token="TOKEN-SECRET-2")
    assert "TOP-SECRET-1" not in repr(s) and "TOKEN-SECRET-2" not in repr(s)


def test_no_access_key_means_default_credential_chain() -> None:
    assert settings(login=None, password=None).uses_default_credential_chain


@pytest.mark.parametrize(
    ("login", "password", "extra", "needle"),
    [
        ("AK", None, {}, "AccessKey Secret (password) is empty"),
        (None, "SK", {}, "AccessKey ID (login) is empty"),
        (None, None, {"security_token": "t"}, "security_token"),
        ("AK", "SK", {"endpoint": "http://127.0.0.1:8765"}, "no scheme"),
        ("AK", "SK", {"endpoint": "127.0.0.1:8765/cams"}, "no scheme, path"),
        ("AK", "SK", {"endpoint": "127.0.0.1:99999"}, "invalid port"),
        ("AK", "SK", {"endpoint": "bad host"}, "invalid host"),
        ("AK", "SK", {"protocol": "ftp"}, "'https' or 'http'"),
        ("AK", "SK", {"protocol": "http"}, "only allowed for a loopback"),
        ("AK", "SK", {"region_id": "mars-north-1"}, "not a known Alibaba Cloud region"),
        ("AK", "SK", {"read_timeout": -1}, "between 0 and 300"),
        ("AK", "SK", {"connect_timeout": 10_000}, "between 0 and 300"),
        ("AK", "SK", {"read_timeout": "soon"}, "number of seconds"),
        ("AK", "SK", {"cust_space_id": 42}, "must be a string"),
        ("AK", "SK", {"regionid": "ap-southeast-1"}, "unknown extra field"),
    ],
)
def test_misconfigured_connections_get_a_clear_error(
    login: str | None, password: str | None, extra: dict[str, Any], needle: str
) -> None:
    with pytest.raises(CamsConfigError, match="connection 'cams_default'") as err:
        settings(login, password, **extra)
    assert needle in str(err.value)


def test_provider_info_declares_every_connection_field_with_json_schema() -> None:
    ctype = get_provider_info()["connection-types"][0]
    assert ctype["connection-type"] == "cams"
    assert set(ctype["conn-fields"]) == set(CONNECTION_FIELDS)
    assert ctype["conn-fields"]["security_token"]["schema"]["format"] == "password"
    assert ctype["ui-field-behaviour"]["relabeling"] == {
        "login": "AccessKey ID",
        "password": "AccessKey Secret",
    }
    json.dumps(get_provider_info())  # JSON-serialisable as Airflow requires


def test_provider_info_validates_against_airflows_own_schema() -> None:
    import importlib.resources

    import jsonschema

    schema = json.loads(
        importlib.resources.files("airflow").joinpath("provider_info.schema.json").read_text()
    )
    jsonschema.validate(get_provider_info(), schema)


def test_provider_info_imports_nothing_from_airflow() -> None:
    """Airflow calls get_provider_info while it imports itself: importing airflow here would loop."""
    import subprocess
    import sys

    code = (
        "import sys; from airflow_provider_cams.get_provider_info import get_provider_info; "
        "get_provider_info(); assert 'airflow' not in sys.modules, 'airflow imported'"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_plain_http_to_a_remote_host_needs_the_explicit_opt_in() -> None:
    s = settings(endpoint="cams.internal.example:8080", protocol="http", allow_insecure_http=True)
    assert (s.protocol, s.allow_insecure_http) == ("http", True)
    with pytest.raises(CamsConfigError, match="allow_insecure_http"):
        settings(endpoint="cams.internal.example:8080", protocol="http", allow_insecure_http="no")


def test_https_is_the_default_and_certificates_are_verified() -> None:
    """The hook never sets the SDK's ignore_ssl: verification stays on."""
    import inspect

    from airflow_provider_cams.hooks import cams

    assert settings().protocol == "https"
    assert "ignore_ssl" not in inspect.getsource(cams)


def test_rate_budget_is_per_api_from_the_vendor_table_by_default() -> None:
    budget = settings().rate_budget
    assert budget.shared is None and budget.pool_slots == 5
    assert (budget.limits["PublishFlow"], budget.limits["SendChatappMessage"]) == (5.0, 250.0)
    raised = settings(rate_limit=10, rate_limits={"SendChatappMessage": 200, "GetFlow": 20}).rate_budget
    assert (raised.limits["PublishFlow"], raised.limits["GetFlow"], raised.limits["SendChatappMessage"]) == (
        10.0,
        20.0,
        200.0,
    )
    assert raised.pool_slots == 5  # template reads stay at 5/s: one slot per call/s of the most limited API
    form_text = settings(rate_limits='{"PublishFlow": 3}')  # the form sends the object as text
    assert form_text.rate_limits == {"PublishFlow": 3.0} and form_text.pool_slots == 3


def test_rate_shared_is_one_budget_for_all_apis() -> None:
    s = settings(rate_limit=7.5, rate_shared="true")
    assert s.rate_budget.shared == 7.5 and s.pool_slots == 7
    assert s.rate_budget.key("PublishFlow") == s.rate_budget.key("GetFlow")


@pytest.mark.parametrize(
    ("rate_limits", "needle"),
    [
        ({"Publishflow": 5}, "unknown CAMS API(s) ['Publishflow']"),
        ({"PublishFlow": 0.5}, "between 1 and 10000"),
        ({"PublishFlow": "fast"}, "must be a number"),
        ({"PublishFlow": None}, "gives no number for 'PublishFlow'"),
        ("[5]", "must be a JSON object"),
        ("{not json", "must be a JSON object"),
    ],
)
def test_bad_rate_limits_say_what_to_fix(rate_limits: Any, needle: str) -> None:
    with pytest.raises(CamsConfigError, match="rate_limits") as err:
        settings(rate_limits=rate_limits)
    assert needle in str(err.value)


def test_triggerer_slots_leave_the_pool_at_least_one_slot() -> None:
    s = settings(triggerer_slots="4")
    assert (s.triggerer_slots, s.pool_slots, s.rate_budget.slots) == (4, 1, 5)
    for bad, needle in ((5, "from 0 to 4"), (-1, "whole number >= 0"), ("many", "whole number >= 0")):
        with pytest.raises(CamsConfigError, match="triggerer_slots") as err:
            settings(triggerer_slots=bad)
        assert needle in str(err.value)


def test_rate_store_is_checked_and_excludes_triggerer_slots() -> None:
    assert settings().rate_store is None
    s = settings(rate_store="redis://:pw-SECRET@127.0.0.1:6379/0")
    assert s.rate_store == "redis://:pw-SECRET@127.0.0.1:6379/0" and "pw-SECRET" not in repr(s)
    assert (s.pool_slots, s.rate_budget.slots) == (5, 5)  # the pool gets every slot
    with pytest.raises(CamsConfigError, match=r"extra rate_store.*absolute directory"):
        settings(rate_store="file://host/dir")
    with pytest.raises(CamsConfigError, match=r"cannot be combined with 'rate_store'.*Drop triggerer_slots"):
        settings(rate_store="file:///tmp/cams-rate", triggerer_slots=2)
    with pytest.raises(CamsConfigError, match="valid port") as err:
        settings(rate_store="redis://:pw-SECRET@127.0.0.1:99999/0")
    assert "pw-SECRET" not in str(err.value)
