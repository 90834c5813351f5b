"""FlowRef: the checked flow reference passed down as a value (hooks/refs.py)."""

from __future__ import annotations

import dataclasses

import pytest

from airflow_provider_cams.hooks.refs import FlowRef


def test_params_are_the_request_parameters_of_one_flow() -> None:
    assert FlowRef("42", "space-1").params == {"FlowId": "42", "CustSpaceId": "space-1"}
    assert FlowRef("42", None).params == {"FlowId": "42", "CustSpaceId": None}


def test_a_ref_cannot_change_once_checked() -> None:
    ref = FlowRef("42", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.flow_id = "43"  # type: ignore[misc]
    assert {ref, FlowRef("42", None)} == {ref}
