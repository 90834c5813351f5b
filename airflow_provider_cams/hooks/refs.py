"""FlowRef: a checked reference to one flow, the value that travels between the hook and its callers.

Its own module so that modules the hook imports (``observed.py``) can name it without importing the hook.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FlowRef:
    """A checked reference to one flow: its id and the CustSpaceId to send (None: the account's own).

    Made by :meth:`~airflow_provider_cams.hooks.cams.CamsHook.flow_ref`; hook methods accept it instead
    of a raw id, so a value checked once at the boundary is not checked again on the way down.
    """

    flow_id: str
    cust_space_id: str | None

    @property
    def params(self) -> dict[str, Any]:
        return {"FlowId": self.flow_id, "CustSpaceId": self.cust_space_id}
