"""PublishFlowTrigger: the name a publish started in the triggerer had before FlowActionTrigger.

:class:`~airflow_provider_cams.triggers.flow_action.FlowActionTrigger` (``action="publish"``) now starts
``PublishFlowOperator`` tasks in the triggerer; this subclass keeps the old import path and serialized
form (``airflow_provider_cams.triggers.publish.PublishFlowTrigger`` with ``flow_id``, ``cust_space_id``,
``cams_conn_id``, ``hook_params`` and ``check_first``), so a trigger a user's database already holds
still loads and publishes.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_cams.triggers.flow_action import (
    RESUME,
    START_TIMEOUT,
    FlowActionTrigger,
    action_start_args,
    start_args_for,
    task_arguments,
)

TASK_ARGUMENTS = task_arguments("publish")
TRIGGER_CLASS = "airflow_provider_cams.triggers.publish.PublishFlowTrigger"


class PublishFlowTrigger(FlowActionTrigger):
    """:class:`~airflow_provider_cams.triggers.flow_action.FlowActionTrigger` with ``action="publish"``
    (its arguments, without ``missing_ok``)."""

    def __init__(self, *, action: str = "publish", **kwargs: Any) -> None:
        if action != "publish":
            raise ValueError(f"PublishFlowTrigger only publishes (got {action!r}): use FlowActionTrigger.")
        super().__init__(action=action, **kwargs)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        classpath, kwargs = super().serialize()
        del kwargs["action"]  # the form triggers serialized before FlowActionTrigger have
        return classpath, kwargs


def publish_start_args() -> Any:
    """``PublishFlowOperator.start_trigger_args``: None where Airflow cannot start tasks in the triggerer."""
    return action_start_args("publish")


__all__ = [
    "RESUME",
    "START_TIMEOUT",
    "TASK_ARGUMENTS",
    "TRIGGER_CLASS",
    "PublishFlowTrigger",
    "publish_start_args",
    "start_args_for",
]
