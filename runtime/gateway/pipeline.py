"""The gateway: one chat request, top to bottom, as in DESIGN.md's data flow.

    parse + validate → identity → [big body: OPA pre-check without findings] → pre-scan (off the
    event loop when big; counts only go to OPA) → OPA request decision
    → deny | redact per `transforms` → forward to `target` (failover along `targets`)
    → OPA response decision → deliver (disclaimers, output redaction, token restore)
      | 409 output_blocked | escalation (200, content null, finish_reason "escalated")
    → exactly one audit event, whatever happened.

Python never re-decides: statuses, codes, messages, params, audit verdicts and the audit settings
come from OPA's answer; an answer that is missing, undefined or malformed (a field absent or of the
wrong type) is a 503 `policy_engine_unavailable` and nothing is forwarded or delivered.

Streaming: the upstream answer is always read to its end before the response decision, and only
the approved (redacted, disclaimed) text is then streamed to the client as SSE / NDJSON. A stream
therefore starts when the whole answer is approved; text a response decision would block is never
released, and a blocked or failed stream is an ordinary JSON error before any byte of body.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from packgate.runtime.audit import prompt_hmac
from packgate.runtime.opa.client import OpaUnavailable
from packgate.runtime.redaction import RedactionSession
from packgate.runtime.upstream.client import UpstreamFailed
from packgate.runtime.wire import answer
from packgate.runtime.wire.answer import Completion
from packgate.runtime.wire.chat import ParsedChat, Protocol
from packgate.runtime.wire.errors import GatewayError, error_response

from . import inputs, recorded, reviewing, safeguarding
from .config import GatewayConfig, Route, RouteTable
from .outcome import MAX_AUDIT_STR, Gateway, Outcome, finish, short
from .scanning import Scan

log = logging.getLogger("packgate.gateway")

ESCALATION_HEADER = "X-Packgate-Escalation-Id"
STANDIN_HEADER = "X-Packgate-Standin"
TARGET_HEADER = "X-Packgate-Target"  # which target answered; the body's `packgate` says why (`routing`)
RESPONSE_ACTIONS = ("deliver", "block", "escalate")
DECISION_VERDICTS = frozenset({"allowed", "denied", "blocked", "escalated"})  # the audit verdicts OPA may give


async def chat(request: Request, protocol: Protocol, *, generate: bool = False) -> Response:
    """One chat request (OpenAI or Ollama format; Ollama's `/api/generate` as the chat it means),
    from bytes in to one audit event out."""
    gw: Gateway = request.app.state.gateway
    table: RouteTable = request.app.state.routes  # read once: a hot reload never splits a request
    out = Outcome(endpoint=_endpoint(request), revision=table.revision)
    try:
        route = _route_for(request, table)
        out.route = route
        response = await _serve(request, gw, route, protocol, out, generate)
    except GatewayError as err:
        out.fail(err)
        response = error_response(err, protocol=protocol)
    except Exception:  # never a traceback to the client, never request content in the log
        log.exception("internal error on %s (event %s)", out.endpoint, out.id)
        err = GatewayError(500, "internal_error", "internal error", verdict="internal_error")
        out.fail(err)
        response = error_response(err, protocol=protocol)
    finish(gw, out)
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


async def _serve(request: Request, gw: Gateway, route: Route, protocol: Protocol, out: Outcome,
                 generate: bool = False) -> Response:
    cfg = gw.config
    # 1. parse + validate (no identity, no OPA, nothing forwarded if this fails)
    chat = await inputs.parse(request, protocol, max_header_count=cfg.max_header_count,
                              max_body_bytes=cfg.max_body_bytes, generate=generate)
    out.stream, out.model = chat.stream, chat.model
    if cfg.audit is not None and not cfg.audit.healthy:
        raise GatewayError(503, "audit_unavailable", "the audit log cannot be written; refusing unaudited traffic",
                           verdict="audit_unavailable")

    # 2. identity (the user id as OPA and the audit trail see it)
    asked = inputs.identify(request, route, chat)
    who = asked.who
    out.user_id, out.role = who.user_id, who.role
    out.tools, out.sensitivity = asked.tools, asked.sensitivity
    slot = await gw.admission.admit()  # a slot before anything costly (scan, OPA), else 503 overloaded

    # 3. pre-scan: findings per text slot (off the event loop when big); only counts leave this step
    texts = list(chat.texts())
    out.prompt_hmac = prompt_hmac("\x1e".join(texts))
    if gw.scanner.offloads(texts):
        await _precheck(gw, route, asked.facts(), out)
    t0 = time.perf_counter()
    scan = await gw.scanner.scan(route, texts)
    out.latency["scan"] = (time.perf_counter() - t0) * 1000

    # 4. OPA request decision (with 3a, the safeguard facts: crisis and injection findings, client
    #    system messages, categories only)
    req = await _decide(gw, route, "request", out, inputs.request_input(route, chat, asked, scan.counts))
    audit = req.get("audit")
    if not isinstance(audit, dict) or not isinstance(audit.get("log_provider_selection"), bool):
        raise _malformed(out, "request decision has no 'audit.log_provider_selection'")
    if audit["log_provider_selection"]:
        out.excluded = _excluded(req.get("excluded_targets"))
    out.reasons = _reasons(req.get("violations"))
    effective = (req.get("sensitivity") or {}).get("effective") if isinstance(req.get("sensitivity"), dict) else None
    if isinstance(effective, str):
        out.sensitivity = effective  # the tier OPA enforced (declared or inferred from findings, the higher)
    # 4a. crisis-detection: a respond route answers with the pack's resources; the model is not called
    crisis = safeguarding.crisis_of(req, route)
    if crisis is not None and crisis["action"] == "respond":
        safeguarding.record_crisis(request.app, route, crisis, out)
        out.verdict, out.status = crisis["verdict"], crisis["status"]
        return _deliver(chat, None, crisis["message"], chat.model or route.name, "stop",
                        {"decision_id": out.decision_ids.get("request"), "safeguard": crisis["code"]}, {})
    allow = req.get("allow")
    if allow is not True:
        if allow is not False:
            raise _malformed(out, "request decision has no boolean 'allow'")
        raise _denial(req, out, phase="request")
    if crisis is not None and crisis["action"] == "flag":
        safeguarding.record_crisis(request.app, route, crisis, out)

    # 4b. prompt-guard: the pinned system prompt first, client system messages as OPA says
    safeguarding.apply_guard(req, route, chat, out)

    # 5. redact per transforms (obligations), then forward along OPA's targets
    transforms = req.get("transforms") or []
    session = RedactionSession()
    _check_obligations(transforms, out)
    if any(t.get("action") == "redact" for t in transforms):
        session = await _redact_slots(gw, route, chat, texts, scan, transforms, session, out)
    order = _failover_order(req, route, out)
    slot.release()  # waiting on the model costs the event loop nothing
    completion, target = await _forward(gw, route, chat, order, out)
    await slot.reacquire()
    out.target = target

    # 6. OPA response decision on every string of the answer (content, refusal, tool-call names and
    #    arguments), normalised: what is scanned and delivered is `clean`, what OPA matches is `fold`
    try:
        completion.normalise()
    except ValueError:
        raise GatewayError(502, "upstream_error", "the model's answer could not be checked",
                           decision_id=out.decision_ids.get("request"), verdict="upstream_error") from None
    resp_input, out_texts, out_findings = inputs.response_input(route, who, target, completion)
    out.output_hmac = prompt_hmac(completion.text)
    resp = await _decide(gw, route, "response", out, resp_input)
    action = resp.get("action")
    if action not in RESPONSE_ACTIONS:
        raise _malformed(out, "response decision has no valid 'action'")
    out.reasons += _reasons(resp.get("violations"))
    model = _model_name(route, target, cfg)
    extra = {"decision_id": out.decision_ids.get("response"), "request_decision_id": out.decision_ids.get("request"),
             "target": target, "routing": _why(route, chat.model, target, req, out)}
    answered = {TARGET_HEADER: target}
    if action == "block":
        raise _denial(resp, out, phase="response")

    # 6a. crisis-detection: an escalate route holds the answer (urgent); output in scope is checked too
    out_crisis = safeguarding.crisis_of(resp, route)
    if out_crisis is not None and out_crisis["action"] == "respond":
        safeguarding.record_crisis(request.app, route, out_crisis, out)
        out.verdict, out.status = out_crisis["verdict"], out_crisis["status"]
        return _deliver(chat, None, out_crisis["message"], model, "stop", {**extra, "safeguard": out_crisis["code"]}, {})
    if out_crisis is not None and out_crisis["action"] == "flag":
        safeguarding.record_crisis(request.app, route, out_crisis, out)
    held_crisis = next((c for c in (crisis, out_crisis) if c is not None and c["action"] == "escalate"), None)
    if held_crisis is not None:
        out.escalation_id = cfg.audit.open_escalation(out.id, route.name, short(who.user_id), short(who.role),
                                                      held_crisis["policy"], held_crisis["code"],
                                                      priority=held_crisis.get("priority")
                                                      ) if cfg.audit else f"esc_{uuid.uuid4().hex}"
        safeguarding.record_crisis(request.app, route, held_crisis, out, out.escalation_id)
        out.verdict, out.status = held_crisis["verdict"], held_crisis["status"]
        extra.update(escalation_id=out.escalation_id, priority=held_crisis.get("priority"))
        if gw.desk is not None and reviewing.holds(route):  # a route with reviewers: the draft waits for them
            extra["review_deadline"] = await reviewing.hold(
                gw.desk, route, esc_id=out.escalation_id, event_id=out.id, requester=short(who.user_id),
                role=short(recorded.vocabulary(route).known(who.role, recorded.vocabulary(route).roles)),
                policy=held_crisis["policy"], code=held_crisis["code"], decision=resp, protocol=chat.protocol,
                generate=generate, model=model, target=target, prompt=list(chat.texts()), output=completion.text,
                transforms=transforms, session=session, priority=held_crisis.get("priority"))
        return _deliver(chat, None, None, model, "escalated", extra, {ESCALATION_HEADER: out.escalation_id},
                        status=held_crisis["status"])

    if action == "escalate":
        held = _outcome(resp, range(200, 300))
        if held is None or held.code is None or held.policy is None:
            raise _malformed(out, "escalation without status/code/policy/verdict")
        out.reasons.append({"policy": held.policy, "code": held.code, "status": held.status, "param": held.param})
        if reviewing.holds(route) and gw.desk is None and cfg.audit is not None:  # e.g. added by a hot reload
            raise GatewayError(503, "review_unavailable", "this route holds answers for review and the gateway "
                               "has no review key; nothing was delivered", verdict="audit_unavailable")
        names = recorded.vocabulary(route)
        out.escalation_id = cfg.audit.open_escalation(out.id, route.name, short(who.user_id),
                                                      short(names.known(who.role, names.roles)),
                                                      held.policy, held.code) if cfg.audit else f"esc_{uuid.uuid4().hex}"
        out.verdict, out.status = held.verdict, held.status
        extra["escalation_id"] = out.escalation_id
        if gw.desk is not None and reviewing.holds(route):  # the draft, sealed, for the reviewer
            extra["review_deadline"] = await reviewing.hold(
                gw.desk, route, esc_id=out.escalation_id, event_id=out.id, requester=short(who.user_id),
                role=short(names.known(who.role, names.roles)), policy=held.policy, code=held.code, decision=resp,
                protocol=chat.protocol, generate=generate, model=model, target=target, prompt=list(chat.texts()),
                output=completion.text, transforms=transforms, session=session)
        return _deliver(chat, None, None, model, "escalated", extra, {ESCALATION_HEADER: out.escalation_id, **answered},
                        status=held.status, generate=generate)

    # 7. deliver: redact output, restore tokens if asked, prepend disclaimers
    delivered = _outcome(resp, range(200, 300))
    if delivered is None:
        raise _malformed(out, "delivery without status/code/policy/message/param/verdict")
    out_transforms = resp.get("transforms") or []
    text = approved_text(route, resp, completion, out_texts, out_findings, transforms, session, out)
    if any(t.get("include_metadata") for t in transforms + out_transforms):
        extra["redactions"] = dict(out.redactions)
    out.verdict, out.status = delivered.verdict, delivered.status
    return _deliver(chat, completion, text, model, completion.finish_reason, extra, answered,
                    status=delivered.status, generate=generate)


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


@dataclass(frozen=True)
class _Said:
    """What OPA's decision says about its outcome: every field read from the answer, none filled in."""

    status: int
    code: str | None
    policy: str | None
    message: str | None
    param: str | None
    verdict: str


def _outcome(decision: dict[str, Any], statuses: range) -> _Said | None:
    """The decision's status, code, policy, message, param and verdict; None when any is missing or malformed."""
    fields = ("code", "policy", "message", "param")
    status, verdict = decision.get("status"), decision.get("verdict")
    if (not isinstance(status, int) or isinstance(status, bool) or status not in statuses
            or verdict not in DECISION_VERDICTS
            or any(f not in decision or not isinstance(decision[f], (str, type(None))) for f in fields)):
        return None
    return _Said(status, decision["code"], decision["policy"], decision["message"], decision["param"], verdict)


def _denial(decision: dict[str, Any], out: Outcome, *, phase: str) -> GatewayError:
    """OPA said no: its status, code, message, policy, param and verdict, as they are."""
    said = _outcome(decision, range(400, 600))
    if said is None or said.code is None or said.message is None:
        return _malformed(out, f"{phase} denial without status/code/message/param/verdict")
    return GatewayError(said.status, said.code, said.message, param=said.param, policy=said.policy,
                        decision_id=out.decision_ids.get(phase), verdict=said.verdict,
                        violations=violations_of(decision))


def violations_of(decision: dict[str, Any]) -> list[dict[str, Any]]:
    """Every violation of OPA's decision, in OPA's order, with the fields a client may read (from OPA, as they are)."""
    return [{k: v.get(k) for k in ("policy", "code", "status", "message", "param")}
            for v in decision.get("violations") or [] if isinstance(v, dict)]


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


async def _precheck(gw: Gateway, route: Route, facts: dict[str, Any], out: Outcome) -> None:
    """Before a big scan: OPA's request decision on the facts known without findings (identity,
    headers, tools, declared sensitivity). Every rule that reads findings can only add violations, so
    a refusal here is a refusal with findings too: a missing token or role is refused before any
    scanning work. An allow here decides nothing; the full decision follows the scan."""
    pre = await _decide(gw, route, "request", out, {**facts, "findings": []})
    allow = pre.get("allow")
    if allow is not True:
        if allow is not False:
            raise _malformed(out, "request decision has no boolean 'allow'")
        out.reasons = _reasons(pre.get("violations"))
        raise _denial(pre, out, phase="request")


async def _redact_slots(gw: Gateway, route: Route, chat: ParsedChat, texts: list[str], scan: Scan,
                        transforms: list[dict[str, Any]], session: RedactionSession, out: Outcome
                        ) -> RedactionSession:
    rewritten, categories, session = await gw.scanner.redact(route, texts, scan, transforms, session)
    for i, text in rewritten.items():
        chat.rewrite(i, text)
    out.redactions.update(categories)
    return session


def approved_text(route: Route, resp: dict[str, Any], completion: Completion, texts: list[str],
                  findings: list[list[Any]], transforms: list[dict[str, Any]], session: RedactionSession,
                  out: Outcome) -> str:
    """What a delivered answer says: the output redacted per the response decision's transforms, tokens
    restored if a transform asks, the decision's disclaimers first (one paragraph each)."""
    out_transforms = resp.get("transforms") or []
    _check_obligations(out_transforms, out)
    if any(t.get("action") == "redact" for t in out_transforms):
        _redact_output(route, completion, texts, findings, out_transforms, session, out)
    if any(t.get("restore_tokens") for t in transforms + out_transforms):
        completion.replace_strings([session.restore(t) for t in completion.strings()])
    text = completion.text
    disclaimers = [d for d in resp.get("disclaimers") or [] if isinstance(d, str)]
    if disclaimers:
        text = "\n\n".join([*disclaimers, text]) if text else "\n\n".join(disclaimers)
    return text


def _redact_output(route: Route, completion: Completion, texts: list[str], findings: list[list[Any]],
                   transforms: list[dict[str, Any]], session: Any, out: Outcome) -> None:
    """Redact every string of the answer (`Completion.strings`) in place."""
    redacted = [route.engine.redact(t, f, transforms, session).text if f else t for t, f in zip(texts, findings)]
    for f in findings:
        _count_redactions(f, transforms, out)
    completion.replace_strings(redacted)


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
            completion = await gw.upstreams.complete(route.targets[target_id], chat, route.pack.providers.ca_bundle)
        except UpstreamFailed as exc:
            log.warning("upstream %s failed: %s", target_id, exc.reason)
            out.failed.append({"id": target_id, "reason": exc.reason})
            gw.metrics.child("upstream", target_id, "error").observe(time.perf_counter() - t0)
            continue
        gw.metrics.child("upstream", target_id, "ok").observe(time.perf_counter() - t0)
        out.latency["upstream"] = (time.perf_counter() - started) * 1000
        return completion, target_id
    out.latency["upstream"] = (time.perf_counter() - started) * 1000
    out.target = order[-1]
    raise GatewayError(502, "upstream_error", "no target answered", decision_id=out.decision_ids.get("request"),
                       verdict="upstream_error")


def _why(route: Route, requested: str | None, target: str, decision: dict[str, Any], out: Outcome
         ) -> dict[str, Any]:
    """Why `target` answered: the client's `model` named it, or named a target OPA excluded (with
    OPA's reasons) or one that failed, or named none (OPA's first choice). Facts, not a decision."""
    named = [t.id for t in route.targets.values() if requested in (t.id, t.model)]
    why: dict[str, Any] = {"requested": short(requested) if named else None, "failed": [f["id"] for f in out.failed]}
    if not named or target in named:
        why["reason"] = "requested" if named else "policy_order"
        return why
    excluded = {t.get("id"): t for t in decision.get("excluded_targets") or [] if isinstance(t, dict)}
    hit = next((excluded[n] for n in named if n in excluded), None)
    if hit is not None:
        why["reason"] = "requested_target_excluded"
        why["excluded"] = [{"code": r.get("code"), "message": r.get("message")} for r in hit.get("reasons") or []
                           if isinstance(r, dict)]
    else:
        why["reason"] = "requested_target_failed"
    return why


def _model_name(route: Route, target: str, cfg: GatewayConfig) -> str:
    return route.targets[target].model


def _deliver(chat: ParsedChat, completion: Completion | None, text: str | None, model: str, finish: str,
             extra: dict[str, Any], headers: dict[str, str], *, status: int = 200, generate: bool = False) -> Response:
    """Render the approved answer (or the escalation marker) in the client's own format."""
    if chat.protocol == "openai":
        # An escalation's response id is its escalation id: the one field every OpenAI client keeps
        # (LiteLLM maps the unknown finish_reason to "stop"; LangChain keeps finish_reason but not extras)
        rid = extra.get("escalation_id") or f"chatcmpl-{uuid.uuid4().hex}"
        if chat.stream:
            return StreamingResponse(answer.openai_sse(completion, text, model=model, rid=rid, finish=finish, extra=extra),
                                     media_type="text/event-stream", headers={"cache-control": "no-cache", **headers},
                                     status_code=status)
        body = answer.openai_json(completion, text, model=model, rid=rid, finish=finish, extra=extra)
    else:
        if chat.stream:
            lines = answer.ollama_ndjson(completion, text, model=model, finish=finish, extra=extra)
            return StreamingResponse(answer.ollama_generate_ndjson(lines) if generate else lines,
                                     media_type="application/x-ndjson", headers=headers, status_code=status)
        body = answer.ollama_json(completion, text, model=model, finish=finish, extra=extra)
        body = answer.as_generate(body) if generate else body
    return Response(orjson.dumps(body), media_type="application/json", headers=headers, status_code=status)
