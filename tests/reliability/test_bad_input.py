"""Bad input, through real Airflow: every case fails its task before any request reaches CAMS.

Each case runs one task with ``dag.test()`` against the emulator (``retries=1``, no delay) and checks that
the task failed on its first try (validation errors are not retried), that the emulator received nothing,
and that the task log (printed to the console by dag.test) names the parameter and says how to fix it.
The target flow exists in the emulator, so a check that is missing shows up as a request (and usually a
green task), not as an accidental failure.

A case with ``bug=`` is marked ``xfail(strict=True, reason="BUG: ...")``. The bugs this table found
(page_size unchecked, non-JSON or non-object extras, control characters/whitespace in login or password,
unknown hook_params keys) were fixed in b49c207; their cases stay as regression tests.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from airflow.exceptions import AirflowException
from airflow.sdk import DAG, BaseOperator

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.operators.flow import (
    CreateFlowOperator,
    DeleteFlowOperator,
    DeprecateFlowOperator,
    GetFlowOperator,
    GetFlowPreviewUrlOperator,
    ListFlowsOperator,
    ModifyFlowOperator,
    PublishFlowOperator,
    PublishFlowsOperator,
    UpdateFlowJSONAssetOperator,
)
from airflow_provider_cams.sensors.flow import FlowStatusSensor
from airflow_provider_cams.testing import CamsEmulator
from tests.dag_helpers import run_dag
from tests.provider.conftest import dag_kwargs, emulator, start_emulator  # noqa: F401  (the fixtures)

CATS = ["SIGN_UP"]
URL = "https://assets.example.com/flow.json"
Conn = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """``make(flow_id)`` builds the task (inside a DAG); ``conn`` rewrites the connection JSON."""

    id: str
    make: Callable[[str], BaseOperator]
    needles: tuple[str, ...]
    conn: Callable[[Conn], Conn] | None = None
    bug: str | None = None


def publish(**kw: Any) -> Callable[[str], BaseOperator]:
    return lambda fid: PublishFlowOperator(task_id="t", **{"flow_id": fid, **kw})


def create(**kw: Any) -> Callable[[str], BaseOperator]:
    return lambda fid: CreateFlowOperator(task_id="t", **{"flow_name": "n", "categories": CATS, **kw})


def modify(**kw: Any) -> Callable[[str], BaseOperator]:
    return lambda fid: ModifyFlowOperator(
        task_id="t", **{"flow_id": fid, "flow_name": "n", "categories": CATS, **kw}
    )


def attach(**kw: Any) -> Callable[[str], BaseOperator]:
    return lambda fid: UpdateFlowJSONAssetOperator(task_id="t", **{"flow_id": fid, "file_path": URL, **kw})


def sensor(**kw: Any) -> Callable[[str], BaseOperator]:
    return lambda fid: FlowStatusSensor(
        task_id="t", **{"flow_id": fid, "poke_interval": 0.5, "timeout": 10, **kw}
    )


def extra(**fields: Any) -> Callable[[Conn], Conn]:
    def rewrite(conn: Conn) -> Conn:
        merged = {**conn["extra"], **fields}
        return {**conn, "extra": {k: v for k, v in merged.items() if v is not _DROP}}

    return rewrite


def fields(**values: Any) -> Callable[[Conn], Conn]:
    return lambda conn: {**conn, **values}


_DROP = object()
EMPTY_TEMPLATE = "{{ dag_run.conf.get('missing', '') }}"

CASES = [
    # ---------------------------------------------------------------- PublishFlowOperator: flow_id
    Case("publish-flow_id-None", publish(flow_id=None), ("flow_id is required but is None", "Pass the id")),
    Case("publish-flow_id-empty", publish(flow_id=""), ("flow_id is empty", "Pass the id")),
    Case("publish-flow_id-whitespace", publish(flow_id=" \t "), ("flow_id is empty (whitespace only)",)),
    Case(
        "publish-flow_id-int",
        publish(flow_id=123456789012345),
        ("flow_id must be a string, got int", "as a str"),
    ),
    Case("publish-flow_id-list", publish(flow_id=["1"]), ("flow_id must be a string, got list",)),
    Case(
        "publish-flow_id-NUL",
        publish(flow_id="1234\x005678"),
        ("flow_id", "contains control characters; remove them"),
    ),
    Case(
        "publish-flow_id-newline", publish(flow_id="1234\n5678"), ("flow_id", "contains control characters")
    ),
    Case(
        "publish-flow_id-C1-control",
        publish(flow_id="1234\x855678"),
        ("flow_id", "contains control characters"),
    ),
    Case(
        "publish-flow_id-U+2028",
        publish(flow_id="1234\u20285678"),
        ("flow_id", "contains control characters"),
    ),
    Case(
        "publish-flow_id-too-long",
        publish(flow_id="9" * 129),
        ("flow_id is 129 characters long", "the limit is 128"),
    ),
    Case(
        "publish-flow_id-padded",
        publish(flow_id=" 123 "),
        ("flow_id", "has leading or trailing whitespace; remove it"),
    ),
    Case(
        "publish-flow_id-template-renders-empty",
        publish(flow_id=EMPTY_TEMPLATE),
        ("flow_id is empty", "check that the template renders a value"),
    ),
    # A param's value is not rendered again: "{{ params.raw }}" renders to the literal text "{{ x }}",
    # which is what a value rendered twice, or passed to a field that is not templated, looks like.
    Case(
        "publish-flow_id-unrendered-template",
        publish(flow_id="{{ params.raw }}", params={"raw": "{{ x }}"}),
        ("flow_id '{{ x }}'", "looks like an unrendered Jinja template", "rendered twice", "not templated"),
    ),
    Case(
        "publish-flow_id-unrendered-closing-braces",
        publish(flow_id="{{ params.raw }}", params={"raw": "1234}}"}),
        ("flow_id", "contains '}}'", "unrendered Jinja template"),
    ),
    Case(
        "publish-cust_space_id-unrendered-statement",
        publish(cust_space_id="{{ params.raw }}", params={"raw": "{% if x %}cams-1{% endif %}"}),
        ("cust_space_id", "contains '{%'", "unrendered Jinja template"),
    ),
    Case(
        "create-flow_name-unrendered-template",
        create(flow_name="{{ params.raw }}", params={"raw": "signup {{ run_id }}"}),
        ("flow_name", "unrendered Jinja template"),
    ),
    Case("publish-cust_space_id-empty", publish(cust_space_id=""), ("cust_space_id is empty",)),
    Case(
        "publish-cust_space_id-template-renders-empty",
        publish(cust_space_id=EMPTY_TEMPLATE),
        ("cust_space_id is empty", "check that the template renders a value"),
    ),
    Case(
        "publish-cust_space_id-too-long",
        publish(cust_space_id="c" * 200),
        ("cust_space_id is 200 characters long",),
    ),
    Case(
        "publish-cust_space_id-int", publish(cust_space_id=42), ("cust_space_id must be a string, got int",)
    ),
    # ---------------------------------------------------------------- CreateFlowOperator
    Case(
        "create-flow_name-None",
        create(flow_name=None),
        ("flow_name is required but is None", "Pass a flow name"),
    ),
    Case("create-flow_name-empty-template", create(flow_name=EMPTY_TEMPLATE), ("flow_name is empty",)),
    Case("create-flow_name-int", create(flow_name=42), ("flow_name must be a string, got int",)),
    Case("create-flow_name-tab", create(flow_name="a\tb"), ("flow_name", "contains control characters")),
    Case(
        "create-flow_name-too-long",
        create(flow_name="n" * 201),
        ("flow_name is 201 characters long", "the limit is 200"),
    ),
    Case(
        "create-categories-str",
        create(categories="SIGN_UP"),
        ("categories must be a list of category names", "Known categories"),
    ),
    Case("create-categories-None", create(categories=None), ("categories must be a list", "got NoneType")),
    Case(
        "create-categories-dict", create(categories={"SIGN_UP": 1}), ("categories must be a list", "got dict")
    ),
    Case(
        "create-categories-empty",
        create(categories=[]),
        ("categories is empty; give at least one of", "SIGN_UP"),
    ),
    Case(
        "create-categories-unknown",
        create(categories=["SIGNUP"]),
        ("categories has unknown categories ['SIGNUP']", "use: SIGN_UP"),
    ),
    Case("create-categories-lowercase", create(categories=["sign_up"]), ("unknown categories ['sign_up']",)),
    Case("create-categories-wrong-type", create(categories=[1, None]), ("unknown categories [1, None]",)),
    Case(
        "create-categories-template-renders-empty",
        create(categories=EMPTY_TEMPLATE),
        ("categories must be a list of category names", "got str"),
    ),
    Case(
        "create-endpoint_uri-ftp",
        create(endpoint_uri="ftp://x.example.com/e"),
        ("endpoint_uri must be an absolute http(s) URL",),
    ),
    Case(
        "create-endpoint_uri-relative",
        create(endpoint_uri="/data"),
        ("endpoint_uri must be an absolute http(s) URL",),
    ),
    Case("create-endpoint_uri-empty", create(endpoint_uri=""), ("endpoint_uri is empty",)),
    # ---------------------------------------------------------------- ModifyFlow / UpdateFlowJSONAsset
    Case("modify-flow_id-empty", modify(flow_id=""), ("flow_id is empty",)),
    Case("modify-flow_name-whitespace", modify(flow_name="   "), ("flow_name is empty (whitespace only)",)),
    Case(
        "modify-categories-unknown",
        modify(categories=["SIGN_UP", "MARKETING"]),
        ("unknown categories ['MARKETING']",),
    ),
    Case("attach-file_path-None", attach(file_path=None), ("file_path is required but is None", "https URL")),
    Case(
        "attach-file_path-local",
        attach(file_path="/tmp/flow.json"),
        ("file_path must be an absolute http(s) URL",),
    ),
    Case(
        "attach-file_path-file-scheme",
        attach(file_path="file:///etc/passwd"),
        ("file_path must be an absolute http(s) URL",),
    ),
    Case(
        "attach-file_path-too-long",
        attach(file_path="https://x.example.com/" + "a" * 2100),
        ("file_path is", "the limit is 2048"),
    ),
    # ---------------------------------------------------------------- other flow operators
    Case(
        "delete-flow_id-whitespace",
        lambda fid: DeleteFlowOperator(task_id="t", flow_id="  "),
        ("flow_id is empty",),
    ),
    Case(
        "deprecate-flow_id-None",
        lambda fid: DeprecateFlowOperator(task_id="t", flow_id=None),
        ("flow_id is required",),
    ),
    Case(
        "get-flow_id-float",
        lambda fid: GetFlowOperator(task_id="t", flow_id=1.5e14),
        ("flow_id must be a string, got float",),
    ),
    Case(
        "preview-flow_id-bytes",
        lambda fid: GetFlowPreviewUrlOperator(task_id="t", flow_id=b"123"),
        ("flow_id must be a string, got bytes",),
    ),
    Case(
        "list-flow_name-empty",
        lambda fid: ListFlowsOperator(task_id="t", flow_name=""),
        ("flow_name is empty",),
    ),
    Case(
        "list-page_size-zero",
        lambda fid: ListFlowsOperator(task_id="t", page_size=0),
        ("page_size must be a whole number from 1 to 100, got int 0",),
    ),
    Case(
        "list-page_size-too-big",
        lambda fid: ListFlowsOperator(task_id="t", page_size=500),
        ("page_size must be a whole number from 1 to 100, got int 500",),
    ),
    Case(
        "list-page_size-str",
        lambda fid: ListFlowsOperator(task_id="t", page_size="20"),
        ("page_size must be a whole number from 1 to 100, got str '20'",),
    ),
    # ---------------------------------------------------------------- PublishFlowsOperator
    Case(
        "batch-flow_ids-str",
        lambda fid: PublishFlowsOperator(task_id="t", flow_ids=fid),
        ("flow_ids must be a list of flow ids, got str",),
    ),
    Case(
        "batch-flow_ids-empty",
        lambda fid: PublishFlowsOperator(task_id="t", flow_ids=[]),
        ("flow_ids is empty: give at least one flow id",),
    ),
    Case(
        "batch-flow_ids-None",
        lambda fid: PublishFlowsOperator(task_id="t", flow_ids=None),
        ("flow_ids must be a list of flow ids, got NoneType",),
    ),
    Case(
        "batch-flow_ids-template-not-native",
        lambda fid: PublishFlowsOperator(task_id="t", flow_ids="{{ dag_run.conf.get('ids', []) }}"),
        ("flow_ids must be a list of flow ids, got str", "render_template_as_native_obj=True"),
    ),
    Case(
        "batch-flow_ids-one-bad-among-good",
        lambda fid: PublishFlowsOperator(task_id="t", flow_ids=[fid, "12\r34"]),
        ("flow_ids[1]", "contains control characters"),
    ),
    Case(
        "batch-flow_ids-None-item",
        lambda fid: PublishFlowsOperator(task_id="t", flow_ids=[fid, None]),
        ("flow_ids[1] is required but is None",),
    ),
    # ---------------------------------------------------------------- FlowStatusSensor
    Case(
        "sensor-target-unknown",
        sensor(target_status="LIVE"),
        ("target_status 'LIVE' is not a flow status", "DRAFT, PUBLISHED, DEPRECATED"),
    ),
    Case(
        "sensor-target-lowercase",
        sensor(target_status="published"),
        ("target_status 'published' is not a flow status",),
    ),
    Case("sensor-target-None", sensor(target_status=None), ("target_status None is not a flow status",)),
    Case(
        "sensor-flow_id-empty-deferrable",
        sensor(flow_id=EMPTY_TEMPLATE, deferrable=True),
        ("flow_id is empty",),
    ),
    Case("sensor-cust_space_id-whitespace", sensor(cust_space_id="   "), ("cust_space_id is empty",)),
    # ---------------------------------------------------------------- hook_params
    Case(
        "hook_params-max_attempts-0",
        publish(hook_params={"max_attempts": 0}),
        ("max_attempts must be a whole number >= 1",),
    ),
    Case(
        "hook_params-max_attempts-float",
        publish(hook_params={"max_attempts": 2.5}),
        ("max_attempts must be a whole number >= 1",),
    ),
    Case(
        "hook_params-retry_budget-negative",
        publish(hook_params={"retry_budget": -5}),
        ("retry_budget must be a number of seconds >= 0",),
    ),
    Case(
        "hook_params-max_wait-str",
        publish(hook_params={"max_wait": "10"}),
        ("max_wait must be a number of seconds >= 0",),
    ),
    # ---------------------------------------------------------------- the connection
    Case(
        "conn-login-without-password",
        publish(),
        ("AccessKey Secret (password) is empty", "Set both"),
        fields(password=None),
    ),
    Case("conn-password-without-login", publish(), ("AccessKey ID (login) is empty",), fields(login=None)),
    Case(
        "conn-login-whitespace",
        publish(),
        ("AccessKey ID (login) is empty",),
        fields(login="   "),
    ),
    Case(
        "conn-token-without-keys",
        publish(),
        ("security_token' needs the STS AccessKey ID and Secret",),
        lambda c: {**extra(security_token="CAIS-token")(c), "login": None, "password": None},
    ),
    Case(
        "conn-unknown-extra",
        publish(),
        ("unknown extra field(s) ['regionId']", "known fields are"),
        extra(regionId="x"),
    ),
    Case(
        "conn-read_timeout-negative",
        publish(),
        ("extra 'read_timeout' must be between 0 and 300 seconds",),
        extra(read_timeout=-1),
    ),
    Case(
        "conn-read_timeout-zero",
        publish(),
        ("extra 'read_timeout' must be between 0 and 300",),
        extra(read_timeout=0),
    ),
    Case(
        "conn-connect_timeout-absurd",
        publish(),
        ("extra 'connect_timeout' must be between 0 and 300",),
        extra(connect_timeout=1e9),
    ),
    Case(
        "conn-read_timeout-text",
        publish(),
        ("extra 'read_timeout' must be a number of seconds",),
        extra(read_timeout="ten"),
    ),
    Case(
        "conn-read_timeout-bool",
        publish(),
        ("extra 'read_timeout' must be between 0 and 300",),
        extra(read_timeout=True),
    ),
    Case(
        "conn-endpoint-scheme",
        publish(),
        ("extra 'endpoint' must be host[:port] with no scheme", "Put the scheme in extra 'protocol'"),
        lambda c: extra(endpoint="http://" + c["extra"]["endpoint"])(c),
    ),
    Case(
        "conn-endpoint-path",
        publish(),
        ("extra 'endpoint' must be host[:port] with no scheme, path",),
        lambda c: extra(endpoint=c["extra"]["endpoint"] + "/v1")(c),
    ),
    Case(
        "conn-endpoint-bad-port",
        publish(),
        ("extra 'endpoint' has an invalid port", "1-65535"),
        extra(endpoint="127.0.0.1:99999"),
    ),
    Case(
        "conn-endpoint-int", publish(), ("extra 'endpoint' must be a string, got int",), extra(endpoint=8765)
    ),
    Case(
        "conn-endpoint-control",
        publish(),
        ("extra 'endpoint' contains control characters",),
        lambda c: extra(endpoint=c["extra"]["endpoint"] + "\x00")(c),
    ),
    Case(
        "conn-region-unknown",
        publish(),
        ("extra 'region_id' 'mars-1' is not a known Alibaba Cloud region", "set 'endpoint' explicitly"),
        extra(region_id="mars-1", endpoint=_DROP),
    ),
    Case(
        "conn-region-not-str", publish(), ("extra 'region_id' must be a string, got int",), extra(region_id=5)
    ),
    Case(
        "conn-protocol-ftp", publish(), ("extra 'protocol' must be 'https' or 'http'",), extra(protocol="ftp")
    ),
    Case(
        "conn-http-to-remote-host",
        publish(),
        ("plain http is only allowed for a loopback endpoint", "Use protocol 'https'"),
        extra(endpoint="cams.example.com"),
    ),
    Case(
        "conn-rate_limit-zero",
        publish(),
        ("extra 'rate_limit' must be between 1 and 10000",),
        extra(rate_limit=0),
    ),
    Case(
        "conn-rate_limit-negative",
        publish(),
        ("extra 'rate_limit' must be between 1 and 10000",),
        extra(rate_limit=-5),
    ),
    Case(
        "conn-rate_limit-text",
        publish(),
        ("extra 'rate_limit' must be a number of calls per second",),
        extra(rate_limit="fast"),
    ),
    Case("conn-pacing-yes", publish(), ("extra 'pacing' must be true or false",), extra(pacing="yes")),
    Case("conn-pacing-int", publish(), ("extra 'pacing' must be true or false",), extra(pacing=1)),
    Case(
        "conn-cust_space_id-int",
        publish(),
        ("extra 'cust_space_id' must be a string, got int",),
        extra(cust_space_id=123),
    ),
    Case(
        "conn-extra-not-json",
        publish(),
        ("the extra is not valid JSON", "write it as a JSON object"),
        lambda c: {**c, "extra": str(c["extra"])},  # a Python dict repr: single quotes
    ),
    Case(
        "conn-extra-json-not-object",
        publish(),
        ("the extra must be a JSON object, got int",),
        fields(extra="5"),
    ),
    Case(
        "conn-login-control-char",
        publish(),
        ("login (AccessKey ID) has leading/trailing whitespace or control characters",),
        fields(login="LTAI5t\nabc"),
    ),
    Case(
        "conn-password-trailing-newline",
        publish(),
        ("password (AccessKey Secret) has leading/trailing whitespace or control characters",),
        lambda c: {**c, "password": c["password"] + "\n"},
    ),
]


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=f"BUG: {case.bug}")] if case.bug else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_fails_before_any_request(
    case: Case,
    emulator: CamsEmulator,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    flow_id = emulator.add_flow(name="target", categories=["OTHER"], with_json=True)
    if case.conn is not None:
        conn = case.conn(json.loads(emulator.connection_uri_json()))
        monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", json.dumps(conn))
    capfd.readouterr()
    kwargs = dag_kwargs(default_args={"retries": 1, "retry_delay": timedelta(0)})
    with DAG(f"bad_{uuid.uuid4().hex[:10]}", **kwargs) as dag:
        case.make(flow_id)
    run = run_dag(dag)
    captured = capfd.readouterr()
    text = captured.out + captured.err
    (ti,) = run.get_task_instances()

    assert emulator.requests() == [], "a request reached CAMS"
    assert ti.state == "failed", f"the task ended {ti.state}"
    missing = [n for n in case.needles if n not in text]
    assert not missing, f"the task log does not say {missing}"
    assert ti.try_number == 1, "a bad input must fail at once, not use Airflow retries"


# Checks that Airflow or the provider run when the DAG file is parsed: no task, no request.
@pytest.mark.parametrize(
    ("make", "error", "needle"),
    [
        pytest.param(
            lambda: FlowStatusSensor(task_id="t", flow_id="1", timeout=-1),
            (ValueError, AirflowException),  # Airflow's own check: AirflowException on 3.1
            "`timeout` must be timedelta object or a non-negative number",
            id="sensor-timeout-negative",
        ),
        pytest.param(
            lambda: FlowStatusSensor(task_id="t", flow_id="1", poke_interval=-0.5),
            (ValueError, AirflowException),
            "`poke_interval` must be timedelta object or a non-negative number",
            id="sensor-poke_interval-negative",
        ),
        pytest.param(
            lambda: PublishFlowOperator(task_id="t", flow_id="1", hook_params={"max_attemps": 3}),
            CamsValidationError,
            r"hook_params has unknown key\(s\) \['max_attemps'\]; the hook takes \[.*'max_attempts'",
            id="hook_params-typo",
        ),
        pytest.param(
            lambda: PublishFlowOperator(task_id="t", flow_id="1", hook_params="max_attempts=3"),
            CamsValidationError,
            "hook_params must be a dict, got str",
            id="hook_params-not-a-dict",
        ),
    ],
)
def test_bad_arguments_fail_when_the_dag_is_defined(
    emulator: CamsEmulator,  # noqa: F811
    make: Callable[[], BaseOperator],
    error: type[Exception],
    needle: str,
) -> None:
    with DAG(f"bad_{uuid.uuid4().hex[:10]}", **dag_kwargs()), pytest.raises(error, match=needle):
        make()
    assert emulator.requests() == []


def test_one_deprecated_flow_does_not_stop_a_batch(
    emulator: CamsEmulator,  # noqa: F811
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A flow in the wrong state (or missing) is a per-flow failure: the rest of the batch is published."""
    old = emulator.add_flow(name="old", categories=["OTHER"], status="DEPRECATED")
    missing = "404404404404404"
    drafts = [emulator.add_flow(name=f"new {i}", categories=["OTHER"], with_json=True) for i in range(2)]
    with DAG(f"bad_{uuid.uuid4().hex[:10]}", **dag_kwargs()) as dag:
        PublishFlowsOperator(task_id="t", flow_ids=[drafts[0], old, missing, drafts[1]])
    run = run_dag(dag)
    (ti,) = run.get_task_instances()
    text = capfd.readouterr().out
    assert ti.state == "failed"
    assert f"shows flow {old} DEPRECATED" in text and f"flow {missing} is not listed by ListFlow" in text
    assert [emulator.flows()[d]["Status"] for d in drafts] == ["PUBLISHED", "PUBLISHED"]
    assert "2 of 4 flows failed to publish" in text
