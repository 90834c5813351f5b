"""PublishFlowTrigger, FlowActionTrigger's earlier name for publishing: its import path and serialized form
still load (FlowActionTrigger itself: ``test_flow_action.py``)."""

from __future__ import annotations

import pytest

from airflow_provider_cams.triggers.publish import PublishFlowTrigger


def test_a_publish_trigger_serialized_before_flow_action_still_loads_and_keeps_its_form() -> None:
    """A user's database holds PublishFlowTrigger rows with these kwargs: they load and re-serialize as-is."""
    from importlib import import_module

    classpath = "airflow_provider_cams.triggers.publish.PublishFlowTrigger"
    old = {
        "flow_id": "f1",
        "cust_space_id": "cs",
        "cams_conn_id": "acct",
        "hook_params": {},
        "check_first": None,
    }
    module, _, name = classpath.rpartition(".")
    trigger = getattr(import_module(module), name)(**old)
    assert trigger.action == "publish"
    assert trigger.serialize() == (classpath, old)
    with pytest.raises(ValueError, match="only publishes"):
        PublishFlowTrigger(action="delete", flow_id="f1")
