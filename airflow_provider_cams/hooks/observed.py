"""What a flow looks like when CAMS refused something: the one reading that explains a refusal.

CAMS documents no code for a wrong flow status, a missing flow or a flow without JSON, so a refusal
that :func:`~airflow_provider_cams.exceptions.needs_explaining` is explained by reading the flow with
documented reads only: GetFlow, and when GetFlow fails too, ListFlow of the flow's CustSpaceId (a flow it
does not list is gone). The hook's lifecycle methods and the sensor decide from this, never from a code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_cams.exceptions import CamsApiError, needs_explaining

if TYPE_CHECKING:
    from airflow_provider_cams.hooks.refs import FlowRef
    from airflow_provider_cams.hooks.results import Body


class FlowReader(Protocol):
    """The two documented reads an observation needs (``CamsHook`` has them; named here so that this
    module, which the hook imports, does not import the hook back)."""

    def get_flow(self, flow_id: str | FlowRef, cust_space_id: str | None = None) -> Body: ...

    def list_flows(
        self,
        flow_name: str | None = None,
        cust_space_id: str | None = None,
        page_size: int = 100,
        max_pages: int = 1000,
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Observation:
    """The flow as read after a refusal. ``listed`` is None when GetFlow answered (no listing needed)."""

    ref: FlowRef
    flow: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None
    listed: bool | None = None
    read_error: CamsApiError | None = None

    @property
    def status(self) -> str | None:
        status = self.flow.get("Status")
        return str(status) if status else None

    @property
    def gone(self) -> bool:
        """ListFlow of the flow's CustSpaceId does not list it."""
        return self.listed is False

    def describe(self) -> str:
        flow, space = self.ref.flow_id, self.ref.cust_space_id or "-"
        if self.status is not None:
            version = self.flow.get("JSONVersion")
            attached = f"JSONVersion {version}" if version else "no JSONVersion reported"
            return f"GetFlow (RequestId {self.request_id}) shows flow {flow} {self.status}, {attached}"
        read = _short(self.read_error)
        if self.gone:
            return f"flow {flow} is not listed by ListFlow in CustSpaceId {space} (GetFlow: {read})"
        return f"GetFlow failed ({read}) although ListFlow lists flow {flow} in CustSpaceId {space}"


def observe(hook: FlowReader, ref: FlowRef) -> Observation:
    """Read the flow (GetFlow; if that is refused too, whether ListFlow lists it).

    Errors that are not refusals (throttling, credentials, transport...) propagate: they say nothing
    about the flow.
    """
    try:
        body = hook.get_flow(ref)
    except CamsApiError as exc:
        if not needs_explaining(exc):
            raise
        return Observation(ref, listed=is_listed(hook, ref), read_error=exc)
    return Observation(ref, dict(body.get("Data") or {}), body.get("RequestId"))


def is_listed(hook: FlowReader, ref: FlowRef) -> bool:
    """Whether ListFlow (every page) of the flow's CustSpaceId lists its FlowId.

    ASSUMED: ListFlow shows a flow as soon as CreateFlow answered and stops as soon as DeleteFlow did.
    """
    return any(str(f.get("FlowId")) == ref.flow_id for f in hook.list_flows(None, ref.cust_space_id))


def _short(exc: CamsApiError | None) -> str:
    if exc is None:
        return "not read"
    return f"{exc.code or 'no error code'}, HTTP {exc.http_status}, RequestId {exc.request_id}"
