"""Unit tests of the hook's pure call-path helpers: encoding, response checks, SDK error mapping."""

from __future__ import annotations

import pytest
import requests
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from darabonba.exceptions import UnretryableException
from darabonba.policy.retry import RetryPolicyContext

from airflow_provider_cams.exceptions import (
    CamsApiError,
    CamsAuthError,
    CamsInvalidRequestError,
    CamsThrottledError,
    CamsTransientError,
    CamsTransportError,
)
from airflow_provider_cams.hooks.transport import check_response, encode_params, translate_sdk_error
from airflow_provider_cams.utils.compat import AirflowFailException
from airflow_provider_cams.vendor.error_codes import ERROR_CODES, ErrorKind


def test_encode_params_json_encodes_lists_and_objects_compactly() -> None:
    query = encode_params(
        {
            "Categories": ["SIGN_UP", "OTHER"],
            "Page": {"Index": 1, "Size": 20},
            "FlowName": "Café 中文",
            "Index": 3,
            "Flag": True,
            "CustSpaceId": None,
        }
    )
    assert query == {
        "Categories": '["SIGN_UP","OTHER"]',
        "Page": '{"Index":1,"Size":20}',
        "FlowName": "Café 中文",
        "Index": "3",
        "Flag": "true",
    }


def test_check_response_ok_returns_body() -> None:
    body = {"Code": "OK", "RequestId": "R1", "Data": {"FlowId": "1"}}
    assert check_response("GetFlow", {"body": body, "statusCode": 200, "headers": {}}) is body


def test_check_response_http_200_with_error_code_raises_typed_error() -> None:
    with pytest.raises(CamsThrottledError) as err:
        check_response(
            "PublishFlow",
            {
                "statusCode": 200,
                "body": {
                    "Code": "System.LimitControl",
                    "Message": "The system is under flow control.",
                    "RequestId": "R2",
                },
            },
        )
    assert err.value.request_id == "R2"
    assert err.value.http_status == 200
    assert "System.LimitControl" in str(err.value) and "R2" in str(err.value)


def test_check_response_unknown_code_on_200_is_a_generic_api_error() -> None:
    with pytest.raises(CamsApiError) as err:
        check_response("GetFlow", {"statusCode": 200, "body": {"Code": "Something.New", "RequestId": "R"}})
    assert type(err.value) is CamsApiError


def test_check_response_non_json_body_is_a_transport_error() -> None:
    with pytest.raises(CamsTransportError) as err:
        check_response("PublishFlow", {"statusCode": 200, "body": "<html>oops</html>"})
    assert err.value.maybe_applied


@pytest.mark.parametrize("code", sorted(ERROR_CODES))
def test_every_known_code_maps_to_its_exception_class(code: str) -> None:
    exc = ClientException(
        status_code=400,
        code=code,
        message="reformatted",
        request_id="REQ-1",
        data={
            "Code": code,
            "Message": "original message",
            "RequestId": "REQ-1",
            "Recommend": "https://example.invalid/r",
            "AccessDeniedDetail": {"PolicyType": "x"},
        },
    )
    mapped = translate_sdk_error("PublishFlow", exc)
    assert isinstance(mapped, CamsApiError)
    # What a kind decides, as behaviour: a code that cannot heal fails the task at once (no Airflow retries).
    assert isinstance(mapped, AirflowFailException) is (mapped.kind in (ErrorKind.AUTH, ErrorKind.INVALID))
    assert mapped.code == code
    assert mapped.message == "original message"
    assert mapped.request_id == "REQ-1"
    assert mapped.http_status == 400
    assert mapped.recommend == "https://example.invalid/r"
    assert mapped.access_denied_detail == {"PolicyType": "x"}
    assert mapped.hint and mapped.hint in str(mapped)


@pytest.mark.parametrize(
    ("code", "raised"),
    [
        ("System.LimitControl", CamsThrottledError),  # documented: "The system is under flow control."
        ("Throttling.User", CamsThrottledError),
        ("ServiceUnavailable", CamsTransientError),
        ("InternalError", CamsTransientError),
        ("Ram.PermissionDeny", CamsAuthError),  # documented
        ("SignatureDoesNotMatch", CamsAuthError),
        ("MissingParameter", CamsInvalidRequestError),
        ("Flow.StatusNotSupport", CamsApiError),  # the flow's state explains it, not the code alone
    ],
)
def test_each_code_raises_the_class_that_says_what_happens_next(
    code: str, raised: type[CamsApiError]
) -> None:
    mapped = translate_sdk_error("PublishFlow", ClientException(status_code=400, code=code, data={}))
    assert type(mapped) is raised


@pytest.mark.parametrize(
    "code",
    [
        "Ram.PermissionDeny",
        "Product.Unsubscript",
        "Unknown.ResourceOwnerId",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId.NotFound",
    ],
)
def test_unhealable_errors_fail_without_airflow_retries(code: str) -> None:
    from airflow_provider_cams.utils.compat import AirflowFailException

    mapped = translate_sdk_error("PublishFlow", ClientException(status_code=400, code=code, data={}))
    assert isinstance(mapped, AirflowFailException)


def test_throttling_exception_carries_retry_after_in_seconds() -> None:
    exc = ThrottlingException(
        status_code=400,
        code="System.LimitControl",
        retry_after=1500,
        data={"RequestId": "R", "Message": "The system is under flow control."},
    )
    mapped = translate_sdk_error("PublishFlow", exc)
    assert isinstance(mapped, CamsThrottledError)
    assert mapped.retry_after == 1.5


def test_server_exception_with_unknown_code_is_transient() -> None:
    mapped = translate_sdk_error("GetFlow", ServerException(status_code=503, code="Weird", data={}))
    assert isinstance(mapped, CamsTransientError)


def test_unknown_4xx_code_is_generic_and_not_fail_fast() -> None:
    from airflow_provider_cams.utils.compat import AirflowFailException

    mapped = translate_sdk_error("GetFlow", ClientException(status_code=400, code="Brand.New", data={}))
    assert type(mapped) is CamsApiError
    assert not isinstance(mapped, AirflowFailException)


def _unretryable(inner: Exception) -> UnretryableException:
    try:
        return UnretryableException(RetryPolicyContext(exception=inner))
    except Exception as raised:  # darabonba re-raises ResponseExceptions from the constructor
        raise AssertionError("not a transport exception") from raised


@pytest.mark.parametrize(
    ("inner", "maybe_applied"),
    [
        (requests.exceptions.ReadTimeout("read timed out"), True),
        (requests.exceptions.ConnectionError("Connection aborted. RemoteDisconnected"), True),
        (requests.exceptions.ConnectTimeout("connect timed out"), False),
        (
            requests.exceptions.ConnectionError(
                "Failed to establish a new connection: [Errno 111] Connection refused"
            ),
            False,
        ),
        (ValueError("Expecting value: line 1 column 1 (char 0)"), True),
    ],
)
def test_transport_failures_say_whether_the_request_may_have_been_applied(
    inner: Exception, maybe_applied: bool
) -> None:
    mapped = translate_sdk_error("PublishFlow", _unretryable(inner))
    assert isinstance(mapped, CamsTransportError)
    assert mapped.maybe_applied is maybe_applied
    assert type(inner).__name__ in str(mapped)
