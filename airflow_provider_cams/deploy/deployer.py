"""FlowDeployer: make CAMS hold a Flow JSON as the one current flow of its name, from observed state.

A deployment is identified by its flow name in its CustSpaceId. The deployer works in rounds: each
round reads what CAMS holds (ListFlow, then GetFlow of every flow with that exact name, and the JSON
of the newest live one), makes at most one kind of change, and the next round reads again. It returns
only from a round that found CAMS as wanted and wrote nothing, so what it reports is what CAMS held
when it last looked. The rules every overlapping deployment of the same name follows:

- The **newest** live flow (DRAFT, PUBLISHED or THROTTLED) is the current one. ASSUMED (CAMS documents
  no order, and FlowIds are not ordered): ListFlow lists flows in creation order, oldest first.
  Older live flows are retired (PUBLISHED deprecated, DRAFT deleted) once the newest is PUBLISHED with
  the wanted content, so overlapping runs end with one PUBLISHED flow.
- A newest DRAFT that this run did not create or write to belongs to another deployment under way (or
  one that stopped half way): it is waited for, never written to blindly; this run's own older drafts
  are deleted. After the wait the task fails with :class:`DeploymentContention` (Airflow retries it);
  on a retry (``take_over_drafts``) the draft is finished instead.
- A refused write is explained by reading the flow again, never by its (undocumented) code: a
  PUBLISHED flow that still holds the old content or settings takes the replacement path (a new flow
  of the same name); a flow that changed or went away starts the next round; a refusal the flow's
  state does not explain fails with CAMS's code, message and request id.
- A flow this run wrote that then holds another content was written by an overlapping run: this run
  stops (DeploymentContention) instead of fighting; its retry deploys its content again.

"Unchanged" is decided from content: the SHA-256 of the JSON CAMS serves back (GetFlowJSONAssest).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from airflow_provider_cams.deploy.fetch import FlowJsonFetchError, fetch_flow_json, redact_url, sha256_of
from airflow_provider_cams.deploy.results import FlowDeployment
from airflow_provider_cams.exceptions import (
    CamsApiError,
    CamsAuthError,
    CamsDuplicateFlowError,
    CamsError,
    CamsFlowStateError,
    CamsThrottledError,
    CamsTransientError,
    needs_explaining,
)
from airflow_provider_cams.flowjson.source import FlowSource  # the task has loaded it already
from airflow_provider_cams.hooks.cams import FlowRef
from airflow_provider_cams.vendor.actions import LIVE_STATUSES, PUBLISHED_STATUSES

if TYPE_CHECKING:
    from airflow_provider_cams.deploy.json_store import JsonStore
    from airflow_provider_cams.hooks.cams import CamsHook

MAX_ROUNDS = 12
DRAFT_WAIT = 60.0  # seconds to wait for another deployment's DRAFT
POLL_INTERVAL = 1.0
_KEY_IN_URL = "sha256-"


class DeploymentContention(CamsError):
    """Another deployment of the same flow name is changing it right now; the task's retry resolves it.

    Not an ``AirflowFailException``: Airflow's retries are the way out."""


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
class _Flow:
    """A flow of the deployment's name as CAMS showed it in this round."""

    ref: FlowRef
    data: dict[str, Any]
    sha256: str | None = None
    content_read: bool = False

    @property
    def flow_id(self) -> str:
        return self.ref.flow_id

    @property
    def status(self) -> str:
        return str(self.data.get("Status") or "")


@dataclass
class _Run:
    """What this deployment did so far (across rounds)."""

    mine: set[str] = field(default_factory=set)  # flows it created, or wrote to
    created: set[str] = field(default_factory=set)
    wrote: set[str] = field(default_factory=set)  # flows it attached JSON to, modified or published
    first_seen: dict[str, str] = field(default_factory=dict)  # flow id -> status when first seen
    retired: list[str] = field(default_factory=list)
    retired_published: bool = False
    uploaded: bool = False


class FlowDeployer:
    """Runs one deployment with a hook (its pacing and retries) and a JSON store.

    :param take_over_drafts: finish a DRAFT of the name that this run did not start (set on task
        retries, when the draft is most likely this task's own, left by the failed try).
    """

    def __init__(
        self,
        hook: CamsHook,
        store: JsonStore,
        log: Any,
        *,
        take_over_drafts: bool = False,
        draft_wait: float = DRAFT_WAIT,
        poll_interval: float = POLL_INTERVAL,
        max_rounds: int = MAX_ROUNDS,
        fetch: Callable[[str], bytes] = fetch_flow_json,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.hook = hook
        self.store = store
        self.log = log
        self.take_over_drafts = take_over_drafts
        self.draft_wait = draft_wait
        self.poll_interval = poll_interval
        self.max_rounds = max_rounds
        self.fetch = fetch
        self.sleep = sleep

    def deploy(self, spec: FlowSpec) -> FlowDeployment:
        self.store.check()  # scheme, connection and bucket: before any CAMS write
        run = _Run()
        for _ in range(self.max_rounds):
            flows = self._flows_named(spec, run)
            live = [f for f in flows if f.status in LIVE_STATUSES]
            if not live:
                self._create(spec, run, flows)
                continue
            newest, older = live[0], live[1:]
            if newest.status == "DRAFT":
                self._check_not_overwritten(spec, run, newest)
                if newest.flow_id not in run.mine and not self._may_finish(spec, newest):
                    self._wait_for_other(spec, run, newest, older)
                    continue
                if not spec.publish and self._holds(spec, newest):
                    return self._result(spec, run, newest)  # publish=False: a DRAFT with the JSON is the goal
                self._finish_draft(spec, run, newest)
                continue
            if not self._holds(spec, newest):
                self._check_not_overwritten(spec, run, newest)
                self._update_published(spec, run, newest, flows)
                continue
            if spec.deprecate_replaced and older:
                self._retire(run, older)
                continue
            return self._result(spec, run, newest)
        raise DeploymentContention(
            f"Flow {spec.name!r} did not settle after {self.max_rounds} rounds: another deployment of the "
            "same name is changing it at the same time. The task's retry finishes the deployment."
        )

    # ----------------------------------------------------------------- reading
    def _flows_named(self, spec: FlowSpec, run: _Run) -> list[_Flow]:
        """Every flow with exactly this name, newest first."""
        flows = []
        for item in reversed(self.hook.list_flows(spec.name, spec.cust_space_id)):  # ASSUMED order: see above
            if item.get("FlowName") != spec.name:  # ListFlow's filter is not documented as exact
                continue
            data = self._read(FlowRef(str(item["FlowId"]), spec.cust_space_id), spec.name)
            if data is not None:
                flow = _Flow(FlowRef(str(item["FlowId"]), spec.cust_space_id), data)
                run.first_seen.setdefault(flow.flow_id, flow.status)
                flows.append(flow)
        blocked = [f for f in flows if f.status == "BLOCKED"]
        if blocked:
            raise CamsFlowStateError(
                action="DeployFlow",
                code="Flow.Blocked",
                request_id=None,
                message=f"Flow {blocked[0].flow_id} ({spec.name!r}) is BLOCKED by WhatsApp "
                f"({blocked[0].data.get('StatusReason') or 'no reason given'}): its data endpoint failed "
                "health checks. Fix the endpoint, then deprecate the flow and deploy again.",
            )
        return flows

    def _read(self, ref: FlowRef, name: str | None) -> dict[str, Any] | None:
        """GetFlow's Data, or None when the flow is gone (deleted by an overlapping run): a refused
        GetFlow is explained by ListFlow, not by its code."""
        try:
            return dict(self.hook.get_flow(ref).get("Data") or {})
        except CamsApiError as exc:
            if needs_explaining(exc) and not any(
                str(f.get("FlowId")) == ref.flow_id for f in self.hook.list_flows(name, ref.cust_space_id)
            ):
                return None
            raise

    def _content_of(self, flow: _Flow) -> str | None:
        """The SHA-256 of the JSON CAMS holds for the flow (read once per round), None when it has none.

        ASSUMED (undocumented): CAMS serves back the bytes it was given, so equal hashes mean equal
        content (a CAMS that re-encoded the JSON would make every run an update)."""
        if not flow.content_read:
            url = (self.hook.get_flow_json_asset(flow.ref).get("Data") or {}).get("FilePath")
            flow.sha256 = _sha256_in_url(url) or (self._hash_of(flow, url) if url else None)
            flow.content_read = True
        return flow.sha256

    def _hash_of(self, flow: _Flow, url: str) -> str:
        try:
            return sha256_of(self.fetch(url))
        except FlowJsonFetchError as exc:
            raise CamsError(
                f"Could not read flow {flow.flow_id}'s JSON from CAMS to compare it: {exc}"
                + (" The task's retry reads it again." if exc.transient else "")
            ) from None

    def _holds(self, spec: FlowSpec, flow: _Flow) -> bool:
        """The flow has the wanted content and settings (and status, when publishing)."""
        wanted_status = flow.status in PUBLISHED_STATUSES if spec.publish else flow.status == "DRAFT"
        return wanted_status and _same_settings(flow, spec) and self._content_of(flow) == spec.source.sha256

    def _may_finish(self, spec: FlowSpec, draft: _Flow) -> bool:
        """Finish another deployment's DRAFT only on a retry, or when it already is exactly ours."""
        return self.take_over_drafts or (
            _same_settings(draft, spec) and self._content_of(draft) == spec.source.sha256
        )

    # ----------------------------------------------------------------- writing
    def _create(self, spec: FlowSpec, run: _Run, known: list[_Flow]) -> None:
        try:
            created = self.hook.create_flow(
                spec.name,
                spec.categories,
                spec.endpoint_uri,
                spec.cust_space_id,
                reuse_existing=False,  # this round's listing found no live flow to reuse
                ignore={f.flow_id for f in known},
            )
        except CamsDuplicateFlowError as exc:
            raise DeploymentContention(
                f"{exc} (an overlapping deployment created one of them); the task's retry settles it."
            ) from None
        except CamsApiError as exc:
            if not (needs_explaining(exc) and self._appeared(spec, known)):
                raise
            self.log.info(
                "CreateFlow was refused (%s) while another flow named %r appeared; reading again.",
                exc.code,
                spec.name,
            )
            return
        run.mine.add(created.flow_id)
        run.created.add(created.flow_id)
        self.log.info("Created flow %s (%r) for this deployment.", created.flow_id, spec.name)
        if not created.reused:  # a new flow: its settings are the spec's and it has no JSON yet
            data = {"FlowName": spec.name, "Categories": spec.categories, "EndpointUri": spec.endpoint_uri}
            fresh = _Flow(FlowRef(created.flow_id, spec.cust_space_id), {**data, "Status": "DRAFT"})
            fresh.content_read = True
            self._finish_draft(spec, run, fresh)

    def _appeared(self, spec: FlowSpec, known: list[_Flow]) -> bool:
        """A flow of the name that the last listing did not show exists now (an overlapping run's)."""
        seen = {f.flow_id for f in known}
        return any(
            f.get("FlowName") == spec.name and str(f.get("FlowId")) not in seen
            for f in self.hook.list_flows(spec.name, spec.cust_space_id)
        )

    def _finish_draft(self, spec: FlowSpec, run: _Run, flow: _Flow) -> None:
        """Settings, JSON, then PublishFlow on a DRAFT that is this run's to finish."""
        if flow.flow_id not in run.mine:
            self.log.info(
                "Finishing DRAFT flow %s (%r), left by an earlier try or run.", flow.flow_id, spec.name
            )
        run.mine.add(flow.flow_id)
        try:
            if not _same_settings(flow, spec):
                self._write(run, flow, lambda: self.hook.modify_flow(flow.ref, *_settings_args(spec)))
            if self._content_of(flow) != spec.source.sha256:
                self._attach(spec, run, flow)
            if spec.publish:
                self._write(run, flow, lambda: self.hook.publish_flow(flow.ref, check_first=False))
        except _Refused as refused:
            if refused.flow is not None and refused.flow.status == "DRAFT":
                raise refused.unexplained() from None
            # published, deprecated or deleted meanwhile (an overlapping run): the next round reads again

    def _update_published(self, spec: FlowSpec, run: _Run, flow: _Flow, known: list[_Flow]) -> None:
        """Change a PUBLISHED flow in place; where CAMS refuses, replace it with a new flow."""
        old_sha = self._content_of(flow)
        try:
            run.mine.add(flow.flow_id)
            if not _same_settings(flow, spec):
                self._write(run, flow, lambda: self.hook.modify_flow(flow.ref, *_settings_args(spec)))
            if old_sha != spec.source.sha256:
                self._attach(spec, run, flow)
        except _Refused as refused:
            run.mine.discard(flow.flow_id)
            now = refused.flow
            if now is None or now.status not in PUBLISHED_STATUSES:
                return  # it changed or went away meanwhile: read again
            if _settings(now.data) != _settings(flow.data) or self._content_of(now) != old_sha:
                return  # someone else changed it meanwhile: the next round decides
            if now.status not in PUBLISHED_STATUSES:
                raise refused.unexplained() from None
            self.log.info(
                "CAMS refused to change PUBLISHED flow %s (%s, HTTP %s): replacing it with a new flow.",
                flow.flow_id,
                refused.error.code,
                refused.error.http_status,
            )
            self._create(spec, run, known)

    def _attach(self, spec: FlowSpec, run: _Run, flow: _Flow) -> None:
        """Host the JSON (verified), then UpdateFlowJSONAsset; a refusal of a DRAFT gets one more try
        with a fresh signed URL (CAMS may not have been able to download the first)."""
        hosted = self.store.host(spec.source.content, spec.source.sha256)
        run.uploaded = run.uploaded or hosted.uploaded
        self.log.info(
            "%s the Flow JSON (sha256 %s) at %s; attaching it to flow %s.",
            "Uploaded" if hosted.uploaded else "Verified the hosted copy of",
            spec.source.sha256[:12],
            hosted.location,
            flow.flow_id,
        )
        try:
            self._write(run, flow, lambda: self.hook.update_flow_json_asset(flow.ref, hosted.url))
        except _Refused as refused:
            if refused.flow is None or refused.flow.status != "DRAFT":
                raise  # the caller decides (a PUBLISHED flow: replacement; gone: read again)
            self.log.info(
                "CAMS refused UpdateFlowJSONAsset of DRAFT flow %s (%s); once more with a fresh signed URL.",
                flow.flow_id,
                refused.error.code,
            )
            again = self.store.host(spec.source.content, spec.source.sha256)
            try:
                self._write(run, flow, lambda: self.hook.update_flow_json_asset(flow.ref, again.url))
            except _Refused as second:
                if second.flow is None or second.flow.status != "DRAFT":
                    raise
                raise CamsError(
                    f"{_describe(second.error)} The JSON is hosted at {again.location} and was "
                    "verified there; "
                    "the task's retry tries again with a fresh signed URL."
                ) from None
        flow.sha256, flow.content_read = spec.source.sha256, True

    def _write(self, run: _Run, flow: _Flow, send: Callable[[], Any]) -> None:
        """Send one write. A business refusal is explained by reading the flow right after it: a
        PublishFlow that finds the flow PUBLISHED succeeded; anything else becomes :class:`_Refused`
        with the flow as read (None: gone), for the caller to decide from that state."""
        try:
            send()
        except (CamsAuthError, CamsThrottledError, CamsTransientError):
            raise
        except CamsApiError as exc:
            data = self._read(flow.ref, flow.data.get("FlowName"))
            now = None if data is None else _Flow(flow.ref, data)
            if exc.action == "PublishFlow" and now is not None and now.status in PUBLISHED_STATUSES:
                self.log.info(
                    "PublishFlow of %s was refused (%s) but the flow is PUBLISHED.", flow.flow_id, exc.code
                )
            else:
                raise _Refused(exc, now) from None
        run.wrote.add(flow.flow_id)

    def _retire(self, run: _Run, older: list[_Flow]) -> None:
        """Older live flows of the name: deprecate the published ones, delete leftover drafts."""
        for flow in older:
            try:
                if flow.status == "DRAFT":
                    self.hook.delete_flow(flow.ref)
                else:
                    self.hook.deprecate_flow(flow.ref)
            except (CamsAuthError, CamsThrottledError, CamsTransientError):
                raise
            except CamsApiError as exc:
                data = self._read(flow.ref, flow.data.get("FlowName"))
                if data is not None and data.get("Status") == flow.status:
                    raise _Refused(exc, _Flow(flow.ref, data)).unexplained() from None
                continue  # deprecated, deleted or published meanwhile by an overlapping run: read again
            run.retired.append(flow.flow_id)
            run.retired_published = run.retired_published or flow.status in PUBLISHED_STATUSES
            self.log.info("Retired older flow %s (%s).", flow.flow_id, flow.status)

    def _wait_for_other(self, spec: FlowSpec, run: _Run, draft: _Flow, older: list[_Flow]) -> None:
        """Another deployment's DRAFT is newest: drop this run's own older drafts and wait for it."""
        for flow in older:
            if flow.flow_id in run.created and flow.status == "DRAFT":
                self.hook.delete_flow(flow.ref)
                run.mine.discard(flow.flow_id)
                self.log.info("Deleted this run's DRAFT %s: flow %s is newer.", flow.flow_id, draft.flow_id)
        self.log.info(
            "Flow %s (%r) is a DRAFT of another deployment; waiting up to %g s for it to finish.",
            draft.flow_id,
            spec.name,
            self.draft_wait,
        )
        deadline = time.monotonic() + self.draft_wait
        while time.monotonic() < deadline:
            self.sleep(self.poll_interval)
            data = self._read(draft.ref, spec.name)
            if data is None or data.get("Status") != "DRAFT":
                return
        raise DeploymentContention(
            f"Flow {draft.flow_id} ({spec.name!r}) stayed a DRAFT for {self.draft_wait:g} s: "
            "another deployment "
            "of this name is under way or stopped half way. The task's retry finishes or replaces it."
        )

    def _check_not_overwritten(self, spec: FlowSpec, run: _Run, flow: _Flow) -> None:
        """A flow this run wrote now holds another content: an overlapping run wrote after it."""
        if flow.flow_id in run.wrote and self._content_of(flow) not in (None, spec.source.sha256):
            raise DeploymentContention(
                f"Flow {flow.flow_id} ({spec.name!r}) now holds another JSON "
                f"(sha256 {str(flow.sha256)[:12]}) "
                "than this deployment attached: an overlapping run wrote it. The task's retry deploys this "
                "file's content again."
            )

    # ----------------------------------------------------------------- reporting
    def _result(self, spec: FlowSpec, run: _Run, flow: _Flow) -> FlowDeployment:
        """The current flow as this round read it, and what this run did to get there."""
        if flow.flow_id in run.created or (
            flow.flow_id in run.wrote and run.first_seen.get(flow.flow_id) == "DRAFT"
        ):
            had_published = any(
                s in PUBLISHED_STATUSES for f, s in run.first_seen.items() if f != flow.flow_id
            )
            action = "replaced" if had_published else "created"
        elif flow.flow_id in run.wrote:
            action = "updated"
        else:
            action = "replaced" if run.retired_published else "unchanged"
        if flow.status == "THROTTLED":
            self.log.warning(
                "Flow %s is THROTTLED by WhatsApp (its data endpoint is slow or failing): it is published "
                "but delivery is limited. Check the endpoint's health.",
                flow.flow_id,
            )
        return FlowDeployment(
            flow.flow_id,
            spec.cust_space_id,
            action,
            flow.status,
            spec.source.sha256,
            preview_url=flow.data.get("PreviewUrl"),
            uploaded=run.uploaded,
            retired=list(run.retired),
        )


class _Refused(Exception):
    """A write CAMS refused, with the flow as read right after (None: gone)."""

    def __init__(self, error: CamsApiError, flow: _Flow | None) -> None:
        super().__init__(error.code)
        self.error = error
        self.flow = flow

    def unexplained(self) -> CamsError:
        """The refusal, as the task's error, when the flow's state does not explain it."""
        state = f"flow {self.flow.flow_id} is {self.flow.status}" if self.flow else "the flow is gone"
        return CamsError(
            f"{_describe(self.error)} CAMS's refusal is not explained by the flow's state ({state})."
        )


def _settings(data: dict[str, Any]) -> tuple[list[str], str | None]:
    return sorted(data.get("Categories") or []), data.get("EndpointUri") or None


def _same_settings(flow: _Flow, spec: FlowSpec) -> bool:
    return _settings(flow.data) == (sorted(spec.categories), spec.endpoint_uri)


def _settings_args(spec: FlowSpec) -> tuple[str, list[str], str | None]:
    """ModifyFlow's arguments (name, categories, endpoint) from the checked spec."""
    return spec.name, spec.categories, spec.endpoint_uri


def _describe(exc: CamsApiError) -> str:
    """CAMS's code, message and request id, verbatim except for URL queries (signatures)."""
    message = re.sub(r"https?://\S+", lambda m: redact_url(m.group(0)), str(exc.message or "").strip())
    status = f" (HTTP {exc.http_status})" if exc.http_status is not None else ""
    code = exc.code or "no error code"
    return f"CAMS {exc.action} refused: {code}{status}: {message}. RequestId: {exc.request_id}."


def _sha256_in_url(url: str | None) -> str | None:
    """The content hash our own hosted URL carries in its key (the bytes were verified before CAMS got
    it). ASSUMED: a FilePath CAMS reports under such a key is the URL we gave."""
    if not url:
        return None
    name = unquote(urlsplit(url).path).rsplit("/", 1)[-1]
    if name.startswith(_KEY_IN_URL) and name.endswith(".json"):
        digest = name[len(_KEY_IN_URL) : -len(".json")]
        if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
            return digest
    return None
