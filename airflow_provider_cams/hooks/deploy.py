"""Flows as code: make CAMS match a Flow JSON file, idempotently, converging after any failure.

A deployment is identified by its flow name in its CustSpaceId. Each run reads what CAMS has (ListFlow,
then GetFlow and GetFlowJSONAssest of the flows with that exact name), picks the current flow, and
writes only what differs. Every step is safe to repeat, so a retry after an ambiguous failure (or a
crash between steps) finds the half-done state and finishes it:

- no live flow: CreateFlow (never twice: the hook reconciles by name), attach, publish -> ``created``;
- a DRAFT flow (new, reverted, or half-deployed): fix name/categories/endpoint, attach, publish;
- a PUBLISHED flow with the same content and settings: nothing is written -> ``unchanged``;
- a PUBLISHED flow with other content: UpdateFlowJSONAsset. Meta and AWS document that this sends the
  flow back to DRAFT, to publish again -> ``updated``. CAMS documents nothing; if it refuses because of
  the status, a new flow of the same name is created, attached and published and the old one
  deprecated -> ``replaced``. Settings changes go through ModifyFlow, or the same replacement.

"Unchanged" is decided from content: the SHA-256 of the JSON, which the hosted URL's key carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_cams.exceptions import CamsApiError, CamsFlowStateError, needs_explaining
from airflow_provider_cams.hooks.cams import CamsHook, FlowRef
from airflow_provider_cams.hooks.json_store import JsonStore, sha256_in_url, sha256_of_url
from airflow_provider_cams.vendor.actions import LIVE_STATUSES, PUBLISHED_STATUSES

if TYPE_CHECKING:
    from airflow_provider_cams.flowjson.source import FlowSource


@dataclass(frozen=True)
class FlowSpec:
    """What a deployment wants CAMS to hold (checked before any request)."""

    name: str
    categories: list[str]
    endpoint_uri: str | None
    cust_space_id: str | None
    source: FlowSource
    publish: bool = True
    deprecate_replaced: bool = True


@dataclass
class FlowDeployment:
    """What a deployment did. ``action``: created, updated, replaced or unchanged."""

    flow_id: str
    cust_space_id: str | None
    action: str
    status: str
    sha256: str
    preview_url: str | None = None
    uploaded: bool = False
    retired: list[str] = field(default_factory=list)  # older flows of the name, deprecated or deleted

    def to_xcom(self) -> dict[str, Any]:
        return {
            "flow_id": self.flow_id,
            "cust_space_id": self.cust_space_id,
            "action": self.action,
            "status": self.status,
            "sha256": self.sha256,
            "preview_url": self.preview_url,
            "uploaded": self.uploaded,
            "retired_flow_ids": list(self.retired),
        }


@dataclass
class _Flow:
    """A flow of the deployment's name as CAMS shows it now."""

    ref: FlowRef
    data: dict[str, Any]
    sha256: str | None = None
    content_read: bool = False  # a new flow has no JSON: nothing to read

    @property
    def status(self) -> str:
        return str(self.data.get("Status") or "")


class FlowDeployer:
    """Runs one deployment with a hook (its pacing and retries) and a JSON store."""

    def __init__(self, hook: CamsHook, store: JsonStore, log: Any) -> None:
        self.hook = hook
        self.store = store
        self.log = log

    def deploy(self, spec: FlowSpec) -> FlowDeployment:
        flows = self._flows_named(spec)
        blocked = [f for f in flows if f.status == "BLOCKED"]
        if blocked:
            raise CamsFlowStateError(
                action="DeployFlow",
                code="Flow.Blocked",
                request_id=None,
                message=f"Flow {blocked[0].ref.flow_id} ({spec.name!r}) is BLOCKED by WhatsApp "
                f"({blocked[0].data.get('StatusReason') or 'no reason given'}): its data endpoint failed "
                "health checks. Fix the endpoint, then deprecate the flow and deploy again.",
            )
        live = [f for f in flows if f.status in LIVE_STATUSES]
        current = self._pick(live, spec.source.sha256)
        older = [f for f in live if f is not current]
        if current is None:
            return self._create_and_publish(spec, flows, older, action="created")
        if current.status == "DRAFT":  # one with JSON already was deployed before: a new version
            fresh = not older and self._content_of(current) is None
            return self._finish_draft(spec, current, older, action="created" if fresh else "updated")
        if current.sha256 == spec.source.sha256 and self._same_settings(current, spec):
            return self._result(spec, current, "unchanged", older)
        return self._update_published(spec, current, flows, older)

    # ----------------------------------------------------------------- reading
    def _flows_named(self, spec: FlowSpec) -> list[_Flow]:
        """Every flow with exactly this name, newest first (ASSUMED: FlowIds grow; none documented)."""
        listed = [
            f
            for f in self.hook._list_flows(spec.name, spec.cust_space_id, 100)
            if f.get("FlowName") == spec.name
        ]
        flows = []
        for item in listed:
            ref = FlowRef(str(item["FlowId"]), spec.cust_space_id)
            flows.append(_Flow(ref, self.hook._get_flow(ref).get("Data") or {}))
        return sorted(flows, key=lambda f: _order(f.ref.flow_id), reverse=True)

    def _content_of(self, flow: _Flow) -> str | None:
        """The SHA-256 of the flow's JSON (read once per flow), or None when it has none."""
        if not flow.content_read:
            url = (self.hook.get_flow_json_asset(flow.ref).get("Data") or {}).get("FilePath")
            flow.sha256 = sha256_in_url(url) or (sha256_of_url(url) if url else None)
            flow.content_read = True
        return flow.sha256

    def _pick(self, live: list[_Flow], sha256: str) -> _Flow | None:
        """The flow to converge: a DRAFT first (a deployment under way), then one with this content,
        then the newest."""
        if not live:
            return None
        drafts = [f for f in live if f.status == "DRAFT"]
        if drafts:
            return drafts[0]
        for flow in live:
            if self._content_of(flow) == sha256:
                return flow
        return live[0]

    @staticmethod
    def _same_settings(flow: _Flow, spec: FlowSpec) -> bool:
        return (
            sorted(flow.data.get("Categories") or []) == sorted(spec.categories)
            and (flow.data.get("EndpointUri") or None) == spec.endpoint_uri
        )

    # ----------------------------------------------------------------- writing
    def _create_and_publish(
        self, spec: FlowSpec, known: list[_Flow], older: list[_Flow], action: str
    ) -> FlowDeployment:
        created = self.hook._create(
            spec.name,
            spec.categories,
            spec.endpoint_uri,
            spec.cust_space_id,
            reuse_existing=False,  # this run's own listing found no flow to reuse
            ignore={f.ref.flow_id for f in known},
        )
        ref = FlowRef(created.flow_id, spec.cust_space_id)
        self.log.info("Created flow %s (%r) for this deployment.", ref.flow_id, spec.name)
        return self._finish_draft(spec, _Flow(ref, {"Status": "DRAFT"}, content_read=True), older, action)

    def _finish_draft(self, spec: FlowSpec, flow: _Flow, older: list[_Flow], action: str) -> FlowDeployment:
        if not self._same_settings(flow, spec) and flow.data.get("FlowName"):
            self._modify(flow, spec)
        uploaded = False
        if self._content_of(flow) != spec.source.sha256:
            uploaded = self._attach(flow, spec)
        if spec.publish:
            self.hook.publish_flow(flow.ref, check_first=False)
            flow.data["Status"] = "PUBLISHED"
        result = self._result(spec, flow, action, older)
        result.uploaded = uploaded
        return result

    def _update_published(
        self, spec: FlowSpec, flow: _Flow, known: list[_Flow], older: list[_Flow]
    ) -> FlowDeployment:
        try:
            if not self._same_settings(flow, spec):
                self._modify(flow, spec)
            uploaded = self._attach(flow, spec) if flow.sha256 != spec.source.sha256 else False
        except CamsApiError as exc:
            if not needs_explaining(exc):  # no code decides (issue 15); the deploy branch reads the flow
                raise
            self.log.info(
                "CAMS refused to change PUBLISHED flow %s (%s): replacing it with a new flow.",
                flow.ref.flow_id,
                exc.code,
            )
            return self._create_and_publish(spec, known, [flow, *older], action="replaced")
        status = str((self.hook._get_flow(flow.ref).get("Data") or {}).get("Status") or "")
        flow.data["Status"] = status
        if spec.publish and status == "DRAFT":  # Meta's documented behaviour: back to DRAFT
            self.hook.publish_flow(flow.ref, check_first=False)
            flow.data["Status"] = "PUBLISHED"
        result = self._result(spec, flow, "updated", older)
        result.uploaded = uploaded
        return result

    def _modify(self, flow: _Flow, spec: FlowSpec) -> None:
        self.hook._modify(flow.ref, spec.name, spec.categories, spec.endpoint_uri)
        flow.data.update(Categories=spec.categories, EndpointUri=spec.endpoint_uri)

    def _attach(self, flow: _Flow, spec: FlowSpec) -> bool:
        url, uploaded = self.store.host(spec.source.content, spec.source.sha256)
        self.log.info(
            "%s the Flow JSON (sha256 %s); attaching it to flow %s.",
            "Uploaded" if uploaded else "Reusing the hosted copy of",
            spec.source.sha256[:12],
            flow.ref.flow_id,
        )
        self.hook._attach_json(flow.ref, url)
        flow.sha256, flow.content_read = spec.source.sha256, True
        return uploaded

    def _result(self, spec: FlowSpec, flow: _Flow, action: str, older: list[_Flow]) -> FlowDeployment:
        retired = self._retire(older) if spec.deprecate_replaced and flow.status in PUBLISHED_STATUSES else []
        if action == "updated" and any(
            f.status in PUBLISHED_STATUSES for f in older if f.ref.flow_id in retired
        ):
            action = "replaced"  # a replacement that an earlier try left half done
        if flow.status == "THROTTLED":
            self.log.warning(
                "Flow %s is THROTTLED by WhatsApp (its data endpoint is slow or failing): it is published "
                "but delivery is limited. Check the endpoint's health.",
                flow.ref.flow_id,
            )
        return FlowDeployment(
            flow.ref.flow_id,
            spec.cust_space_id,
            action,
            flow.status,
            spec.source.sha256,
            preview_url=flow.data.get("PreviewUrl"),
            retired=retired,
        )

    def _retire(self, older: list[_Flow]) -> list[str]:
        """Older live flows of the name: deprecate the published ones, delete leftover drafts."""
        retired = []
        for flow in older:
            if flow.status == "DRAFT":
                self.hook.delete_flow(flow.ref)
            else:
                self.hook.deprecate_flow(flow.ref)
            self.log.info("Retired older flow %s (%s).", flow.ref.flow_id, flow.status)
            retired.append(flow.ref.flow_id)
        return retired


def _order(flow_id: str) -> tuple[int, str]:
    return (int(flow_id), "") if flow_id.isdigit() else (0, flow_id)
