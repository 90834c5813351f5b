"""DeployFlowOperator and DeployFlowsOperator: flows as code, one idempotent task per flow (or per flow
and many sub-customers) (see :mod:`airflow_provider_cams.deploy`).

Importing this module imports neither the deployer, the JSON store nor the validator: they load when
the task runs, so DAG parsing stays cheap.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import Context

from airflow_provider_cams.exceptions import (
    CamsApiError,
    CamsAuthError,
    CamsConfigError,
    CamsError,
    CamsValidationError,
)
from airflow_provider_cams.operators.base import CamsBaseOperator
from airflow_provider_cams.operators.mixins import cams_template_fields
from airflow_provider_cams.utils.validation import (
    check_categories,
    check_id,
    check_int,
    check_name,
    check_url,
)

if TYPE_CHECKING:
    from airflow_provider_cams.deploy.deployer import FlowSpec


class FlowJsonContent:
    """A dict or JSON text given as ``flow_json``: taken verbatim, never rendered by Jinja.

    Airflow renders only strings and containers; this wrapper is neither, so ``{{ ... }}`` inside the
    JSON reaches CAMS as written. Its repr (shown in the rendered-fields view) names the kind and size,
    not the content.
    """

    template_fields: Sequence[str] = ()

    def __init__(self, value: str | bytes | dict[str, Any]) -> None:
        self.value = value

    def __repr__(self) -> str:
        kind = "dict" if isinstance(self.value, dict) else "text"
        size = len(self.value) if not isinstance(self.value, dict) else len(self.value.get("screens") or [])
        return f"<Flow JSON {kind}: {size} {'screens' if kind == 'dict' else 'characters'}, not templated>"

    __str__ = __repr__


class DeployFlowOperator(CamsBaseOperator):
    """Flows as code: make CAMS hold a published flow with exactly this Flow JSON, idempotently.

    The JSON is validated locally and the JSON store checked (scheme, connection, bucket) before any
    CAMS write. The JSON is hosted in ``json_store`` under a content-addressed key (an object already
    there is read and verified first) and CAMS gets a time-limited signed URL. The flow is identified by
    ``flow_name`` in its CustSpaceId: a re-run with the same file only reads; a changed file updates and
    re-publishes the flow, or, where CAMS refuses to update a PUBLISHED flow, replaces it with a new
    flow and deprecates the old one. Overlapping runs converge on one current PUBLISHED flow (see the
    flows-as-code docs). Every step is safe to retry.

    Returns ``flow_id``, ``action`` (``created``, ``updated``, ``replaced`` or ``unchanged``), ``status``,
    ``sha256`` (of the hosted JSON), ``preview_url`` (when CAMS gives one), ``uploaded`` and
    ``retired_flow_ids``, as CAMS held them when the task last read; ``flow_id`` is also its own key.

    :param flow_name: the flow's name: what identifies it across runs (templated).
    :param categories: WhatsApp Flow categories, e.g. ``["SIGN_UP"]`` (templated).
    :param flow_json: a path to a ``.json`` file (templated; relative paths from the DAG file's folder,
        and it must stay inside that folder or ``flow_json_root``), or the content itself as a dict or
        JSON text, taken verbatim (never rendered by Jinja).
    :param json_store: where to host the JSON, ``s3://bucket/prefix/`` (templated). Alibaba OSS:
        ``s3://`` with an Amazon connection whose ``endpoint_url`` is OSS's S3-compatible endpoint.
    :param json_store_conn_id: the Amazon connection for ``json_store`` (templated); it must exist.
        None uses botocore's default credential chain.
    :param endpoint_uri: the flow's data endpoint, required when the JSON has ``data_api_version``.
    :param publish: publish the flow (default); False leaves it DRAFT with the JSON attached.
    :param deprecate_replaced: retire older flows of the same name once the new one is published.
    :param json_url_expiry: seconds the signed URL given to CAMS stays valid (None: the store's
        default, 3600).
    :param flow_json_root: the folder ``flow_json`` paths must stay in (default: the DAG file's folder).
    """

    template_fields: Sequence[str] = cams_template_fields(
        "flow_name", "categories", "flow_json", "json_store", "json_store_conn_id", "endpoint_uri"
    )

    def __init__(
        self,
        *,
        flow_name: str,
        categories: list[str],
        flow_json: str | dict[str, Any],
        json_store: str,
        json_store_conn_id: str | None = None,
        endpoint_uri: str | None = None,
        publish: bool = True,
        deprecate_replaced: bool = True,
        json_url_expiry: int | None = None,
        flow_json_root: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.flow_name = flow_name
        self.categories = categories
        self.flow_json: Any = FlowJsonContent(flow_json) if _is_content(flow_json) else flow_json
        self.json_store = json_store
        self.json_store_conn_id = json_store_conn_id
        self.endpoint_uri = endpoint_uri
        self.publish = publish
        self.deprecate_replaced = deprecate_replaced
        self.json_url_expiry = json_url_expiry
        self.flow_json_root = flow_json_root

    def execute_cams(self, context: Context) -> dict[str, Any]:
        from airflow_provider_cams.deploy.deployer import FlowDeployer  # not at DAG parse time
        from airflow_provider_cams.deploy.json_store import JsonStore
        from airflow_provider_cams.deploy.results import deployment_to_xcom
        from airflow_provider_cams.hooks.cams import FlowRef

        spec = self._spec()  # every input checked before any request or upload
        expiry = self.json_url_expiry
        if expiry is not None:
            expiry = check_int("json_url_expiry", expiry, 60, 7 * 86400)
        store = JsonStore(self.json_store, self.json_store_conn_id, expiry)
        store.check()  # the store is usable before any CAMS write
        self.log.info(
            "Deploying %s (sha256 %s) as flow %r (CustSpaceId %s).",
            spec.source.origin,
            spec.source.sha256[:12],
            spec.name,
            spec.cust_space_id or "-",
        )
        retry = context["ti"].try_number > 1
        result = FlowDeployer(self.hook, store, self.log, take_over_drafts=retry).deploy(spec)
        self.persist_links(
            context, FlowRef(result.flow_id, result.cust_space_id), {"PreviewUrl": result.preview_url}
        )
        self.log.info(
            "Flow %s %s: %s%s.",
            result.flow_id,
            result.action,
            result.status,
            f", retired {result.retired}" if result.retired else "",
        )
        return deployment_to_xcom(result)

    def _spec(self) -> FlowSpec:
        # The validator (jsonschema) is imported when the task runs, never at DAG parse time.
        from airflow_provider_cams.deploy.deployer import FlowSpec
        from airflow_provider_cams.flowjson import FlowJsonInvalid
        from airflow_provider_cams.flowjson.source import (
            check_endpoint,
            source_from_content,
            source_from_path,
        )

        flow_json = self.flow_json.value if isinstance(self.flow_json, FlowJsonContent) else self.flow_json
        base_dir = Path(self.dag.fileloc).parent if self.has_dag() and self.dag.fileloc else None
        try:
            if isinstance(self.flow_json, FlowJsonContent) or _is_content(flow_json):  # e.g. from an XCom
                source = source_from_content(flow_json)
            else:
                source = source_from_path(str(flow_json), base_dir, self.flow_json_root)
            check_endpoint(source, self.endpoint_uri)
        except FlowJsonInvalid as exc:
            raise CamsValidationError(f"flow_json {_describe(flow_json)}: {exc}") from None
        except (ValueError, OSError) as exc:
            raise CamsValidationError(str(exc)) from None
        return FlowSpec(
            name=check_name("flow_name", self.flow_name),
            categories=check_categories("categories", self.categories),
            endpoint_uri=check_url("endpoint_uri", self.endpoint_uri)
            if self.endpoint_uri is not None
            else None,
            cust_space_id=self.hook.cust_space(self.cust_space_id),
            source=source,
            publish=bool(self.publish),
            deprecate_replaced=bool(self.deprecate_replaced),
        )


def _is_content(flow_json: Any) -> bool:
    """A dict, bytes or JSON text (content), as opposed to a path (which may be a template)."""
    if isinstance(flow_json, (dict, bytes)):
        return True
    return (
        isinstance(flow_json, str)
        and flow_json.lstrip().startswith("{")
        and not flow_json.lstrip().startswith("{{")
    )


def _describe(flow_json: Any) -> str:
    """A short name for a flow_json argument in an error: the path, or what kind of value it was."""
    if isinstance(flow_json, str) and not flow_json.lstrip().startswith("{") and len(flow_json) < 300:
        return repr(flow_json)
    return f"(a {type(flow_json).__name__})"


class DeployFlowsOperator(DeployFlowOperator):
    """Deploy one flow to many sub-customers (CustSpaceIds) from one task, at the task's share of the rate.

    The JSON is validated and the store checked once, before any CAMS request; the JSON is hosted once
    (uploaded or verified, then a fresh signed URL per attachment). Each sub-customer's deployment is
    :class:`DeployFlowOperator`'s (the same :class:`~airflow_provider_cams.deploy.deployer.FlowDeployer`,
    so the same idempotency and convergence); they run in ``max_workers`` threads sharing one hook and
    one thread-safe pacer, so each CAMS API is used at its own limit for the task's ``pool_slots`` at
    the same time. Use it to deploy to many sub-customers fast; use mapped :class:`DeployFlowOperator`
    tasks when each sub-customer needs its own task.

    A failed sub-customer does not stop the others (credential and configuration errors do: the next
    one would fail the same way); the task fails at the end naming the failed ones, and its retry
    redoes only what is not done (a deployed sub-customer costs reads only). Each sub-customer's result
    is pushed to XCom under its CustSpaceId; the return value holds them all under ``deployments``.

    :param cust_space_ids: the sub-customers' CustSpaceIds (templated; a list, e.g. from an XCom).
    :param max_workers: threads (default: 8 per pool slot, at most one per sub-customer); more threads
        than the pacer lets call at once only wait.

    The other parameters are :class:`DeployFlowOperator`'s (``cust_space_id`` is not taken).
    """

    template_fields: Sequence[str] = cams_template_fields(
        "cust_space_ids", *DeployFlowOperator.template_fields
    )

    def __init__(self, *, cust_space_ids: list[str], max_workers: int | None = None, **kwargs: Any) -> None:
        if kwargs.get("cust_space_id") is not None:
            raise CamsValidationError(
                "DeployFlowsOperator deploys to cust_space_ids; do not also give cust_space_id."
            )
        kwargs.setdefault("multiple_outputs", False)  # the per-CustSpaceId keys are pushed one by one
        super().__init__(**kwargs)
        self.cust_space_ids = cust_space_ids
        self.max_workers = max_workers

    def execute_cams(self, context: Context) -> dict[str, Any]:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        from airflow_provider_cams.deploy.deployer import FlowDeployer
        from airflow_provider_cams.deploy.json_store import VerifiedOnceStore

        spaces = self._spaces()
        spec = self._spec()  # validated once, before any request or upload
        expiry = self.json_url_expiry
        if expiry is not None:
            expiry = check_int("json_url_expiry", expiry, 60, 7 * 86400)
        workers = (
            check_int("max_workers", self.max_workers, 1, 1000)
            if self.max_workers is not None
            else 8 * max(1, self.pool_slots)
        )
        store = VerifiedOnceStore(self.json_store, self.json_store_conn_id, expiry)
        store.check()  # the store is usable before any CAMS write
        hook = self.hook
        hook.pacer = hook.pool_pacer().for_threads()  # one budget for all threads, before any call
        _ = hook.transport, hook.client  # built once here, not raced for by the threads
        retry = context["ti"].try_number > 1
        self.log.info(
            "Deploying %s (sha256 %s) as flow %r to %d sub-customer(s), %d thread(s), %d pool slot(s).",
            spec.source.origin,
            spec.source.sha256[:12],
            spec.name,
            len(spaces),
            min(workers, len(spaces)),
            self.pool_slots,
        )
        stop: list[BaseException] = []  # a credential or configuration error: the others would fail too

        def deploy(space: str) -> dict[str, Any]:
            from airflow_provider_cams.deploy.results import deployment_to_xcom

            if stop:
                return {"status": "SKIPPED", "error": f"not attempted: {stop[0]}"}
            log = _SpaceLog(self.log, {"space": space})  # every line says which sub-customer it is about
            try:
                result = FlowDeployer(hook, store, log, take_over_drafts=retry).deploy(
                    replace(spec, cust_space_id=space)
                )
            except (CamsAuthError, CamsConfigError) as exc:
                stop.append(exc)
                return _failure(exc)
            except Exception as exc:  # one sub-customer's failure, whatever it is, never stops the others
                return _failure(exc)
            return deployment_to_xcom(result)

        results: dict[str, dict[str, Any]] = {}
        pool = ThreadPoolExecutor(max_workers=min(workers, len(spaces)), thread_name_prefix="deploy")
        try:
            futures = {pool.submit(deploy, space): space for space in spaces}
            for future in as_completed(futures):
                space = futures[future]
                results[space] = future.result()
                self._report(context, space, results[space])
        except BaseException as exc:  # the task is stopped (timeout, kill): start no more deployments
            stop.append(exc)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if stop:
            raise stop[0]
        ordered = {space: results[space] for space in spaces}
        failed = {s: r["error"] for s, r in ordered.items() if r["status"] in ("FAILED", "SKIPPED")}
        if failed:
            raise CamsError(
                f"Flow {spec.name!r}: {len(failed)} of {len(spaces)} sub-customers failed to deploy "
                "(the task's retry redoes only those): " + "; ".join(f"{s}: {e}" for s, e in failed.items())
            )
        return {"deployments": ordered, "deployed": len(ordered), "flow_name": spec.name}

    def _spaces(self) -> list[str]:
        """The checked, distinct CustSpaceIds, in the given order (all checked before any request)."""
        ids = self.cust_space_ids
        if isinstance(ids, str) or not isinstance(ids, (list, tuple)):
            raise CamsValidationError(
                f"cust_space_ids must be a list of CustSpaceIds, got {type(ids).__name__}. If it is "
                "templated, render it as a list (render_template_as_native_obj=True) or pass an XComArg."
            )
        if not ids:
            raise CamsValidationError("cust_space_ids is empty: give at least one CustSpaceId.")
        spaces = [check_id(f"cust_space_ids[{i}]", s) for i, s in enumerate(ids)]
        return list(dict.fromkeys(spaces))

    def _report(self, context: Context, space: str, result: dict[str, Any]) -> None:
        context["ti"].xcom_push(key=space, value=result)
        if result["status"] in ("FAILED", "SKIPPED"):
            self.log.error("CustSpaceId %s: %s", space, result["error"])
        else:
            self.log.info(
                "CustSpaceId %s: flow %s %s (%s).",
                space,
                result["flow_id"],
                result["action"],
                result["status"],
            )


class _SpaceLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The task's logger, each line prefixed with the sub-customer's CustSpaceId."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"[{(self.extra or {}).get('space')}] {msg}", kwargs


def _failure(exc: BaseException) -> dict[str, Any]:
    """A sub-customer's failure for XCom: CAMS's code, message and request id when CAMS refused."""
    api = exc if isinstance(exc, CamsApiError) else None
    if isinstance(exc, CamsError):
        error = str(exc)  # the provider's errors carry no secret (signed URLs are redacted)
    else:  # not ours: its text may hold a URL with a signature; never into XCom or the log as it is
        from airflow_provider_cams.deploy.fetch import redact_url

        text = re.sub(r"https?://\S+", lambda m: redact_url(m.group(0)), str(exc))
        error = f"{type(exc).__name__}: {text}"[:400]
    return {
        "status": "FAILED",
        "error": error,
        "code": api.code if api else None,
        "message": api.message if api else None,
        "request_id": api.request_id if api else None,
    }
