"""The gateway: one chat request, top to bottom, as in DESIGN.md's data flow.

    parse + validate → identity → pre-scan (counts only go to OPA) → OPA request decision
    → deny | redact per `transforms` → forward to `target` (failover along `targets`)
    → OPA response decision → deliver (disclaimers, output redaction, token restore)
      | 409 output_blocked | escalation (200, content null, finish_reason "escalated")
    → exactly one audit event, whatever happened.

Python never re-decides: statuses, codes and messages come from OPA's answer; an answer that is
missing, undefined or malformed is a 503 `policy_engine_unavailable` and nothing is forwarded.

Streaming: the upstream answer is always read to its end before the response decision, and only
the approved (redacted, disclaimed) text is then streamed to the client as SSE / NDJSON. A stream
therefore starts when the whole answer is approved; text a response decision would block is never
released, and a blocked or failed stream is an ordinary JSON error before any byte of body.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route as Endpoint

from . import identity, parsing, upstream
from .audit import new_event_id, prompt_hmac
from .config import GatewayConfig, Route, RouteTable
from .errors import GatewayError, error_response
from .metrics import Metrics
from .opa_client import OpaClient, OpaUnavailable
from .parsing import ParsedChat, Protocol
from .upstream import Completion, UpstreamFailed, Upstreams

try:
    from .redaction import RedactionSession  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - until the redaction engine lands
    from .detect_fallback import RedactionSession

log = logging.getLogger("packgate.gateway")

ESCALATION_HEADER = "X-Packgate-Escalation-Id"
STANDIN_HEADER = "X-Packgate-Standin"
MAX_AUDIT_STR = 256
RESPONSE_ACTIONS = ("deliver", "block", "escalate")


@dataclass
class Gateway:
    """What every request shares: the config, the OPA and upstream clients, metrics."""

    config: GatewayConfig
    opa: OpaClient
    upstreams: Upstreams
    metrics: Metrics = field(default_factory=Metrics)


def _short(value: Any) -> Any:
    return value[:MAX_AUDIT_STR] if isinstance(value, str) else value


@dataclass
class Outcome:
    """The facts of one request as it proceeds; becomes its audit event and its metrics."""

    endpoint: str
    id: str = field(default_factory=new_event_id)
    started: float = field(default_factory=time.perf_counter)
    route: Route | None = None
    revision: str | None = None
    verdict: str = "internal_error"
    status: int = 500
    error_code: str | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)
    decision_ids: dict[str, str] = field(default_factory=dict)
    latency: dict[str, float] = field(default_factory=dict)
    user_id: str | None = None
    role: str | None = None
    target: str | None = None
    excluded: list[dict[str, Any]] | None = None
    redactions: Counter[str] = field(default_factory=Counter)
    prompt_hmac: str | None = None
    output_hmac: str | None = None
    escalation_id: str | None = None
    stream: bool | None = None
    model: str | None = None
    tools: list[str] | None = None
    sensitivity: str | None = None

    def fail(self, err: GatewayError) -> None:
        self.status, self.error_code = err.status, err.code
        self.verdict = err.verdict or ("bad_request" if err.status in (400, 404, 405, 413, 415, 422) else "denied")
        if err.policy and not self.reasons:
            self.reasons = [{"policy": err.policy, "code": err.code, "status": err.status, "param": err.param}]

    def event(self) -> dict[str, Any]:
        self.latency["total"] = (time.perf_counter() - self.started) * 1000
        ev: dict[str, Any] = {
            "id": self.id, "verdict": self.verdict, "status": self.status, "endpoint": self.endpoint,
            "bundle_revision": self.revision, "decision_ids": self.decision_ids, "reasons": self.reasons,
            "user_id": _short(self.user_id), "role": _short(self.role), "target": self.target,
            "redactions": dict(self.redactions), "prompt_hmac": self.prompt_hmac,
            "latency_ms": {k: round(v, 3) for k, v in self.latency.items()},
            "escalation_id": self.escalation_id, "error_code": self.error_code, "stream": self.stream,
            "model": _short(self.model), "tools": [_short(t) for t in self.tools or []][:32],
            "sensitivity": _short(self.sensitivity), "output_hmac": self.output_hmac,
        }
        if self.route is not None:
            ev.update(pack=self.route.name, pack_version=self.route.version, route=self.route.name)
        if self.excluded is not None:
            ev["excluded_targets"] = self.excluded
        return ev


# --- the request path -------------------------------------------------------------------------


async def chat(request: Request, protocol: Protocol) -> Response:
    """One chat request (OpenAI or Ollama format), from bytes in to one audit event out."""
    gw: Gateway = request.app.state.gateway
    table: RouteTable = request.app.state.routes  # read once: a hot reload never splits a request
    out = Outcome(endpoint=_endpoint(request), revision=table.revision)
    try:
        route = _route_for(request, table)
        out.route = route
        response = await _serve(request, gw, route, protocol, out)
    except GatewayError as err:
        out.fail(err)
        response = error_response(err)
    except Exception:  # never a traceback to the client, never request content in the log
        log.exception("internal error on %s (event %s)", out.endpoint, out.id)
        err = GatewayError(500, "internal_error", "internal error", verdict="internal_error")
        out.fail(err)
        response = error_response(err)
    _finish(gw, out)
    if gw.upstreams.standin_url:
        response.headers[STANDIN_HEADER] = "true"
    return response


def _endpoint(request: Request) -> str:
    """The endpoint for the audit event: a path template, never a client-chosen string (it could hold PHI)."""
    pack = request.path_params.get("pack")
    path = request.url.path
    if pack is not None:
        table: RouteTable = request.app.state.routes
        name = pack if table.get(pack) is not None else "{unknown}"
        path = "/routes/" + name + path.split("/" + pack, 1)[-1] if path.startswith("/routes/") else path
    return path[:MAX_AUDIT_STR]


def _route_for(request: Request, table: RouteTable) -> Route:
    name = request.path_params.get("pack")
    if name is None:
        return table.default
    route = table.get(name)
    if route is None:
        raise GatewayError(404, "unknown_route", "no pack is served under this route", param="pack",
                           verdict="bad_request")
    return route


async def _serve(request: Request, gw: Gateway, route: Route, protocol: Protocol, out: Outcome) -> Response:
    cfg = gw.config
    # 1. parse + validate (no identity, no OPA, nothing forwarded if this fails)
    parsing.check_headers(request, cfg.max_header_count)
    body = await parsing.read_json(request, cfg.max_body_bytes)
    chat = parsing.parse_chat(body, protocol)
    out.stream, out.model = chat.stream, chat.model
    if cfg.audit is not None and not cfg.audit.healthy:
        raise GatewayError(503, "audit_unavailable", "the audit log cannot be written; refusing unaudited traffic",
                           verdict="audit_unavailable")

    # 2. identity
    headers = parsing.opa_headers(request, route.opa_header_names)
    who, headers = identity.resolve(headers, chat.metadata, route.pack.policy.rbac,
                                    request.headers.get("authorization"))
    out.user_id, out.role = who.user_id, who.role
    tools = identity.tools_used(chat.tools, headers)
    sensitivity = identity.declared_sensitivity(headers, chat.metadata)
    out.tools, out.sensitivity = tools, sensitivity

    # 3. pre-scan: findings per text slot; only counts leave this step
    texts = list(chat.texts())
    out.prompt_hmac = prompt_hmac("\x1e".join(texts))
    slot_findings = [route.engine.scan(t) for t in texts]
    all_findings = [f for fs in slot_findings for f in fs]

    # 4. OPA request decision
    req = await _decide(gw, route, "request", out, {
        "identity": who.as_input(), "headers": headers, "tools": tools, "sensitivity": sensitivity,
        "findings": route.engine.count(all_findings), "model": chat.model,
    })
    if req.get("audit", {}).get("log_provider_selection"):
        out.excluded = _excluded(req.get("excluded_targets"))
    out.reasons = _reasons(req.get("violations"))
    effective = (req.get("sensitivity") or {}).get("effective") if isinstance(req.get("sensitivity"), dict) else None
    if isinstance(effective, str):
        out.sensitivity = effective  # the tier OPA enforced (declared or inferred from findings, the higher)
    allow = req.get("allow")
    if allow is not True:
        if allow is not False:
            raise _malformed(out, "request decision has no boolean 'allow'")
        raise _denial(req, out, verdict="denied", phase="request")

    # 5. redact per transforms (obligations), then forward along OPA's targets
    transforms = req.get("transforms") or []
    session = RedactionSession()
    _check_obligations(transforms, out)
    if any(t.get("action") == "redact" for t in transforms):
        _redact_slots(route, chat, texts, slot_findings, transforms, session, out)
    order = _failover_order(req, route, out)
    completion, target = await _forward(gw, route, chat, order, out)
    out.target = target

    # 6. OPA response decision on the whole answer
    out_texts = [completion.text] + [c["arguments"] for c in completion.tool_calls]
    out_findings = [route.engine.scan(t) for t in out_texts]
    out.output_hmac = prompt_hmac(completion.text)
    resp = await _decide(gw, route, "response", out, {
        "identity": who.as_input(), "target": target,
        "output": {"text": completion.text, "tool_calls": completion.tool_names},
        "findings": route.engine.count([f for fs in out_findings for f in fs]),
    })
    action = resp.get("action")
    if action not in RESPONSE_ACTIONS:
        raise _malformed(out, "response decision has no valid 'action'")
    out.reasons += _reasons(resp.get("violations"))
    model = _model_name(route, target, cfg)
    extra = {"decision_id": out.decision_ids.get("response"), "request_decision_id": out.decision_ids.get("request")}
    if action == "block":
        raise _denial(resp, out, verdict="blocked", phase="response")

    if action == "escalate":
        policy, code = resp.get("policy"), resp.get("code") or "escalated"
        out.reasons.append({"policy": policy, "code": code, "status": 200, "param": None})
        out.escalation_id = cfg.audit.open_escalation(out.id, route.name, _short(who.user_id), _short(who.role),
                                                      policy, code) if cfg.audit else f"esc_{uuid.uuid4().hex}"
        out.verdict, out.status = "escalated", 200
        extra["escalation_id"] = out.escalation_id
        return _deliver(chat, None, None, model, "escalated", extra, {ESCALATION_HEADER: out.escalation_id})

    # 7. deliver: redact output, restore tokens if asked, prepend disclaimers
    out_transforms = resp.get("transforms") or []
    _check_obligations(out_transforms, out)
    text = completion.text
    if any(t.get("action") == "redact" for t in out_transforms):
        text = _redact_output(route, completion, out_texts, out_findings, out_transforms, session, out)
    if any(t.get("restore_tokens") for t in transforms + out_transforms):
        text = session.restore(text)
        for call in completion.tool_calls:
            call["arguments"] = session.restore(call["arguments"])
    disclaimers = [d for d in resp.get("disclaimers") or [] if isinstance(d, str)]
    if disclaimers:
        text = "\n\n".join([*disclaimers, text]) if text else "\n\n".join(disclaimers)
    if any(t.get("include_metadata") for t in transforms + out_transforms):
        extra["redactions"] = dict(out.redactions)
    out.verdict, out.status = "allowed", 200
    return _deliver(chat, completion, text, model, completion.finish_reason, extra, {})


async def _decide(gw: Gateway, route: Route, phase: str, out: Outcome, input: dict[str, Any]) -> dict[str, Any]:
    try:
        decision = await gw.opa.decide(f"{route.data_path}/{phase}", input)
    except OpaUnavailable as exc:
        log.warning("OPA %s decision unavailable: %s", phase, exc.reason)
        raise GatewayError(503, "policy_engine_unavailable", "the policy engine did not answer; nothing was forwarded",
                           verdict="policy_unavailable") from None
    out.latency[f"opa_{phase}"] = decision.seconds * 1000
    gw.metrics.child("decision", phase).observe(decision.seconds)
    if decision.decision_id:
        out.decision_ids[phase] = decision.decision_id
    return decision.result


def _malformed(out: Outcome, why: str) -> GatewayError:
    log.error("OPA answer rejected: %s", why)
    return GatewayError(503, "policy_engine_unavailable", "the policy engine gave no usable decision",
                        decision_id=out.decision_ids.get("request"), verdict="policy_unavailable")


def _denial(decision: dict[str, Any], out: Outcome, *, verdict: str, phase: str) -> GatewayError:
    """OPA said no: its status, code, message and policy, as they are."""
    status, code = decision.get("status"), decision.get("code")
    if not isinstance(status, int) or not 400 <= status <= 599 or not isinstance(code, str):
        return _malformed(out, f"{phase} denial without status/code")
    first = (decision.get("violations") or [{}])[0]
    param = first.get("param") if isinstance(first, dict) else None
    return GatewayError(status, code, decision.get("message") or code, param=param, policy=decision.get("policy"),
                        decision_id=out.decision_ids.get(phase), verdict=verdict)


def _reasons(violations: Any) -> list[dict[str, Any]]:
    return [{"policy": v.get("policy"), "code": v.get("code"), "status": v.get("status"), "param": v.get("param")}
            for v in violations or [] if isinstance(v, dict)]


def _excluded(items: Any) -> list[dict[str, Any]]:
    return [{"id": t.get("id"),
             "reasons": [{"code": r.get("code"), "message": r.get("message")} for r in t.get("reasons") or []]}
            for t in items or [] if isinstance(t, dict)]


def _check_obligations(transforms: list[Any], out: Outcome) -> None:
    """An obligation we cannot carry out must stop the request, never be skipped."""
    for t in transforms:
        if not isinstance(t, dict) or t.get("action") != "redact" or not isinstance(t.get("categories", []), list):
            raise _malformed(out, "unknown obligation in transforms")


def _redact_slots(route: Route, chat: ParsedChat, texts: list[str], slot_findings: list[list[Any]],
                  transforms: list[dict[str, Any]], session: Any, out: Outcome) -> None:
    for i, (text, findings) in enumerate(zip(texts, slot_findings)):
        if findings:
            chat.rewrite(i, route.engine.redact(text, findings, transforms, session).text)
            _count_redactions(findings, transforms, out)


def _redact_output(route: Route, completion: Completion, texts: list[str], findings: list[list[Any]],
                   transforms: list[dict[str, Any]], session: Any, out: Outcome) -> str:
    redacted = [route.engine.redact(t, f, transforms, session).text if f else t for t, f in zip(texts, findings)]
    for f in findings:
        _count_redactions(f, transforms, out)
    for call, args in zip(completion.tool_calls, redacted[1:]):
        call["arguments"] = args
    return redacted[0]


def _count_redactions(findings: list[Any], transforms: list[dict[str, Any]], out: Outcome) -> None:
    named = {(t.get("policy"), c) for t in transforms for c in t.get("categories") or []}
    spans = {(f.start, f.end, f.category) for f in findings if (f.policy, f.category) in named}
    out.redactions.update(cat for _, _, cat in spans)


def _failover_order(decision: dict[str, Any], route: Route, out: Outcome) -> list[str]:
    first, rest = decision.get("target"), decision.get("targets") or []
    order = [t for t in dict.fromkeys([first, *rest]) if isinstance(t, str)]
    if not order or any(t not in route.targets for t in order):
        raise _malformed(out, "allowed request without a known target")
    return order


async def _forward(gw: Gateway, route: Route, chat: ParsedChat, order: list[str], out: Outcome) -> tuple[Completion, str]:
    """The first target in OPA's order that answers; failover to the next only on failure."""
    started = time.perf_counter()
    for target_id in order:
        t0 = time.perf_counter()
        try:
            completion = await gw.upstreams.complete(route.targets[target_id], chat)
        except UpstreamFailed as exc:
            log.warning("upstream %s failed: %s", target_id, exc.reason)
            gw.metrics.child("upstream", target_id, "error").observe(time.perf_counter() - t0)
            continue
        gw.metrics.child("upstream", target_id, "ok").observe(time.perf_counter() - t0)
        out.latency["upstream"] = (time.perf_counter() - started) * 1000
        return completion, target_id
    out.latency["upstream"] = (time.perf_counter() - started) * 1000
    out.target = order[-1]
    raise GatewayError(502, "upstream_error", "no target answered", decision_id=out.decision_ids.get("request"),
                       verdict="upstream_error")


def _model_name(route: Route, target: str, cfg: GatewayConfig) -> str:
    return route.targets[target].model


def _deliver(chat: ParsedChat, completion: Completion | None, text: str | None, model: str, finish: str,
             extra: dict[str, Any], headers: dict[str, str]) -> Response:
    """Render the approved answer (or the escalation marker) in the client's own format."""
    if chat.protocol == "openai":
        rid = f"chatcmpl-{uuid.uuid4().hex}"
        if chat.stream:
            return StreamingResponse(upstream.openai_sse(completion, text, model=model, rid=rid, finish=finish, extra=extra),
                                     media_type="text/event-stream", headers={"cache-control": "no-cache", **headers})
        body = upstream.openai_json(completion, text, model=model, rid=rid, finish=finish, extra=extra)
    else:
        if chat.stream:
            return StreamingResponse(upstream.ollama_ndjson(completion, text, model=model, finish=finish, extra=extra),
                                     media_type="application/x-ndjson", headers=headers)
        body = upstream.ollama_json(completion, text, model=model, finish=finish, extra=extra)
    return Response(orjson.dumps(body), media_type="application/json", headers=headers)


def _finish(gw: Gateway, out: Outcome) -> None:
    """Exactly one audit event per request; then metrics."""
    route_name = out.route.name if out.route else "-"
    gw.metrics.child("requests", route_name, out.verdict, str(out.status)).inc()
    audit = gw.config.audit
    if audit is None:
        return
    try:
        audit.record(out.event())
    except ValueError:  # an event outside the schema: record the minimum rather than nothing
        log.exception("audit event rejected; recording a reduced event")
        with contextlib.suppress(Exception):
            audit.record({"id": out.id, "verdict": out.verdict, "status": out.status, "error_code": out.error_code})
    except Exception as exc:  # AuditUnavailable: healthy is already False; the next request gets 503
        log.error("audit event %s not recorded: %s", out.id, type(exc).__name__)


# --- the other endpoints ----------------------------------------------------------------------


async def chat_openai(request: Request) -> Response:
    return await chat(request, "openai")


async def chat_ollama(request: Request) -> Response:
    return await chat(request, "ollama")


async def models(request: Request) -> Response:
    table: RouteTable = request.app.state.routes
    name = request.path_params.get("pack")
    route = table.default if name is None else table.get(name)
    if route is None:
        return await _not_routed(request, GatewayError(404, "unknown_route", "no pack is served under this route",
                                                       param="pack", verdict="bad_request"))
    data = [{"id": t.id, "object": "model", "created": 0, "owned_by": t.provider,
             "packgate": {"model": t.model, "provider": t.provider}} for t in route.pack.providers.targets]
    return Response(orjson.dumps({"object": "list", "data": data}), media_type="application/json")


async def health(request: Request) -> Response:
    gw: Gateway = request.app.state.gateway
    table: RouteTable = request.app.state.routes
    opa_ok = await gw.opa.bundles_ready()
    audit_ok = gw.config.audit is None or gw.config.audit.healthy
    ok = opa_ok and audit_ok
    body = {"status": "ok" if ok else "unavailable", "opa": opa_ok, "audit": audit_ok,
            "bundle_revision": table.revision, "packs": [{"name": r.name, "version": r.version} for r in table.routes]}
    return Response(orjson.dumps(body), status_code=200 if ok else 503, media_type="application/json")


async def metrics(request: Request) -> Response:
    gw: Gateway = request.app.state.gateway
    return Response(gw.metrics.render(), media_type=gw.metrics.content_type)


async def _not_routed(request: Request, err: GatewayError) -> Response:
    """404/405 outside any chat handler: still an OpenAI-style error and one audit event."""
    gw: Gateway = request.app.state.gateway
    out = Outcome(endpoint="(unmatched)", revision=request.app.state.routes.revision)
    out.fail(err)
    _finish(gw, out)
    return error_response(err)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        err = GatewayError(405, "method_not_allowed", "method not allowed on this path", verdict="bad_request")
    else:
        err = GatewayError(exc.status_code, "unknown_route" if exc.status_code == 404 else "http_error",
                           "no such endpoint" if exc.status_code == 404 else "request rejected", verdict="bad_request")
    return await _not_routed(request, err)


def _endpoints() -> list[Endpoint]:
    paths = [("/v1/chat/completions", chat_openai, ["POST"]), ("/api/chat", chat_ollama, ["POST"]),
             ("/v1/models", models, ["GET"])]
    eps = [Endpoint("/health", health, methods=["GET"]), Endpoint("/metrics", metrics, methods=["GET"])]
    for path, fn, methods in paths:
        eps.append(Endpoint(path, fn, methods=methods))
        eps.append(Endpoint("/routes/{pack}" + path, fn, methods=methods))
    return eps


def create_app(config: GatewayConfig) -> Starlette:
    """Build the gateway for `config`; `app.state.routes` holds the swappable RouteTable."""
    gw = Gateway(config=config, opa=OpaClient(config.opa_url, config.opa_timeout_s),
                 upstreams=Upstreams(config.upstream_connect_timeout_s, config.standin_url))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        await gw.opa.start()
        await gw.upstreams.start()
        if config.standin_url:
            log.warning("targets are served by a STAND-IN model at %s (%s)", config.standin_url, config.standin_label)
        try:
            yield
        finally:
            await gw.upstreams.aclose()
            await gw.opa.aclose()
            if config.audit is not None and hasattr(config.audit, "flush"):
                config.audit.flush(5.0)  # type: ignore[attr-defined]

    app = Starlette(routes=_endpoints(), lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error})
    app.state.config = config
    app.state.gateway = gw
    app.state.routes = config.route_table()
    return app
