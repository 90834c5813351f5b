"""CamsHookMixin: checks its arguments at DAG parse time, builds one hook when first used, stores links."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.operators.mixins import HOOK_PARAMS, CamsHookMixin, cams_template_fields


class Task(CamsHookMixin):
    """The mixin on its own, with the attributes an Airflow task would give it."""

    log = logging.getLogger(__name__)

    def __init__(self, hook_params: Any = None, **task_attributes: Any) -> None:
        for name, value in task_attributes.items():
            setattr(self, name, value)
        self.init_cams("cams_probe", "space-1", hook_params)


def test_template_fields_are_the_tasks_own_then_the_shared_ones_once() -> None:
    assert cams_template_fields("flow_id", "cams_conn_id") == ("flow_id", "cams_conn_id", "cust_space_id")
    assert cams_template_fields() == ("cust_space_id", "cams_conn_id")


def test_hook_params_must_be_a_dict() -> None:
    with pytest.raises(CamsValidationError, match="hook_params must be a dict, got list"):
        Task(hook_params=[("max_attempts", 2)])


def test_an_unknown_hook_param_is_named_with_the_ones_the_hook_takes() -> None:
    with pytest.raises(CamsValidationError, match=r"unknown key\(s\) \['retries'\]") as err:
        Task(hook_params={"retries": 3, "max_attempts": 2})
    assert all(name in str(err.value) for name in HOOK_PARAMS)


def test_the_hook_is_built_once_on_first_use_with_the_tasks_pool_share() -> None:
    task = Task(hook_params={"max_attempts": 2}, pool="cams_probe", pool_slots=3)
    assert "hook" not in task.__dict__  # nothing built at construction (DAG parse time)
    hook = task.hook
    assert task.hook is hook
    assert (hook.cams_conn_id, hook.pool, hook.pool_slots) == ("cams_probe", "cams_probe", 3)
    assert hook.retry_policy.max_attempts == 2


def test_the_call_summary_never_builds_a_hook(caplog: pytest.LogCaptureFixture) -> None:
    task = Task()
    with caplog.at_level(logging.INFO, logger=__name__):
        task.log_call_summary()
        _ = task.hook  # built, but it made no call: still nothing to summarise
        task.log_call_summary()
    assert "hook" in task.__dict__
    assert caplog.records == []


def test_links_are_cleared_then_the_console_and_known_preview_stored(
    recording_context: dict[str, Any],
) -> None:
    from airflow_provider_cams.hooks.cams import FlowRef

    task = Task()
    task.clear_links(recording_context)
    task.persist_links(recording_context, FlowRef("123", "space-1"))
    task.persist_links(recording_context, FlowRef("124", None), {"preview_url": "https://preview/124"})
    pushed = recording_context["ti"].pushed
    assert pushed[:2] == [("cams_flow_console_url", ""), ("cams_flow_preview_url", "")]
    assert pushed[2][1].endswith("flowId=123&custSpaceId=space-1")
    assert pushed[3][1].endswith("flowId=124")
    assert pushed[4:] == [("cams_flow_preview_url", "https://preview/124")]


def test_a_task_names_its_hook_class_and_gets_it_built_on_first_use() -> None:
    from airflow_provider_cams.hooks.messaging import CamsMessagingHook
    from airflow_provider_cams.operators.send import SendTemplateOperator
    from airflow_provider_cams.operators.template import DeployTemplateOperator
    from airflow_provider_cams.sensors.template import TemplateReviewSensor

    class MessagingTask(Task):
        hook_class = "airflow_provider_cams.hooks.messaging.CamsMessagingHook"

    task = MessagingTask(pool="cams_probe", pool_slots=2)
    assert "hook" not in task.__dict__
    assert type(task.hook) is CamsMessagingHook and task.hook.pool_slots == 2
    assert type(Task().hook).__name__ == "CamsHook"
    for cls in (DeployTemplateOperator, SendTemplateOperator, TemplateReviewSensor):
        assert cls.hook_class == MessagingTask.hook_class
