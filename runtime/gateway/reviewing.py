"""Human review on the gateway: hold an escalated draft, verify reviewers, re-check edits, release.

OPA decides (the review decision: who may review; the response decision with `review.reviewed`:
whether a released or edited text may be delivered, with which disclaimers and transforms; the
response decision's `review.deadline_s`: when a held draft expires). This module enforces and
stores through :mod:`packgate.runtime.review` and never logs held text or the review key.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from packgate.compiler.schema import Jwt
from packgate.runtime import review as store
from packgate.runtime.opa.client import OpaUnavailable
from packgate.runtime.redaction import Finding, RedactionSession
from packgate.runtime.review import Actor, Review, ReviewError, Sealer
from packgate.runtime.safeguards import Notifier
from packgate.runtime.wire import answer, normal
from packgate.runtime.wire.errors import GatewayError, error_response

from . import identity, parsing, recorded, safeguarding
from .config import Route, RouteTable

log = logging.getLogger("packgate.gateway")

__all__ = ["Desk", "act", "desk_for", "hold", "holds", "requester_get", "reviewer", "route_of"]

ACTIONS = ("claim", "approve", "edit", "reject")


@dataclass(frozen=True)
class Desk:
    """Where held drafts live (the gateway's open audit store: SQLite, or a fleet's PostgreSQL), the key
    that seals them, and the webhook sender."""

    db: Any
    sealer: Sealer
    notifier: Notifier
    audit: Any = None  # the gateway's AuditLog: flushed before a transition, so the chain shows the request first

    def flush(self) -> None:
        if self.audit is not None and hasattr(self.audit, "flush"):
            self.audit.flush(5.0)

    def __repr__(self) -> str:
        return f"Desk(db={getattr(self.db, 'name', self.db)})"


def holds(route: Route) -> bool:
    """True when the pack holds answers for review (human-oversight with action escalate in its chain)."""
    cfg = route.pack.policy.human_oversight
    return "human-oversight" in route.pack.policies.chain and cfg is not None and cfg.action == "escalate"


def desk_for(routes: Any, audit: Any) -> Desk | None:
    """The review desk for these routes; ReviewKeyError when a pack holds answers and no key is set."""
    held = [r.name for r in routes if holds(r)]
    sealer = store.load_sealer()
    if held and sealer is None:
        raise store.ReviewKeyError(
            f"pack {held[0]} has human-oversight: escalate, which holds answers for review sealed at rest: "
            f"set {store.KEY_ENV} to a base64-encoded 32-byte key (`packgate escalations keygen`) "
            f"or {store.KEY_FILE_ENV} to a file holding one")
    if sealer is None or audit is None or not hasattr(audit, "store"):
        return None
    store.ensure_schema(audit.store)
    return Desk(audit.store, sealer, Notifier(), audit)


# -- holding ---------------------------------------------------------------------------------------


HOLD_FLUSH_S = 2.0  # how long an escalation's answer waits for its held draft to be committed


async def hold(desk: Desk, route: Route, *, esc_id: str, event_id: str, requester: str | None, role: str | None,
               policy: str, code: str, decision: dict[str, Any], protocol: str, generate: bool, model: str,
               target: str, prompt: list[str], output: str, transforms: list[dict[str, Any]],
               session: RedactionSession, priority: str | None = None) -> str:
    """Seal the draft with its escalation and return the deadline; a failure fails the request (503).

    OPA's response decision gives both deadlines; an urgent escalation (OPA's crisis priority) takes the shorter."""
    terms = decision.get("review")
    which = "urgent_deadline_s" if priority == "urgent" else "deadline_s"
    deadline = terms.get(which) if isinstance(terms, dict) else None
    if not isinstance(deadline, (int, float)) or isinstance(deadline, bool) or deadline <= 0:
        raise GatewayError(503, "policy_engine_unavailable", "the policy engine gave no review deadline",
                           verdict="policy_unavailable")
    held = {
        "prompt": prompt, "output": output, "target": target, "model": model, "generate": generate,
        "reasons": [{"policy": v.get("policy"), "code": v.get("code"), "message": v.get("message")}
                    for v in decision.get("violations") or [] if isinstance(v, dict)]
                   or [{"policy": policy, "code": code, "message": decision.get("message")}],
        "disclaimers": [d for d in decision.get("disclaimers") or [] if isinstance(d, str)],
        "restore": any(t.get("restore_tokens") for t in transforms), "originals": session.originals(),
    }
    if desk.audit is None:
        raise GatewayError(503, "audit_unavailable", "the answer could not be held for review",
                           verdict="audit_unavailable")
    row = store.held_row(desk.sealer, esc_id=esc_id, event_id=event_id, pack=route.name, requester=requester,
                         requester_role=role, policy=policy, code=code, priority=priority, protocol=protocol,
                         model=model, deadline_s=float(deadline), held=held)
    try:
        desk.audit.enqueue_item("review", row)  # written with the request's event by the one audit writer
    except Exception as exc:  # AuditUnavailable (closed, queue full): never the draft in the log, the type only
        log.error("review: escalation %s could not be held (%s)", esc_id, type(exc).__name__)
        raise GatewayError(503, "audit_unavailable", "the answer could not be held for review",
                           verdict="audit_unavailable") from None
    # committed before the answer leaves, so the id it carries can be read on every replica at once; a
    # failing store delays this by at most the bound (the draft stays queued, spooled, replayed)
    await asyncio.to_thread(desk.audit.flush, HOLD_FLUSH_S)
    cfg = route.pack.policy.human_oversight
    if cfg is not None and cfg.notify_url:
        desk.notifier.notify(cfg.notify_url, cfg.notify_secret_env, _notice("escalation.opened", row, held["reasons"]),
                             route.pack.providers.ca_bundle)
    return str(row["deadline"])


def _notice(kind: str, review: dict[str, Any], reasons: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A webhook payload: ids, pack, reason codes, deadline, state; never text."""
    return {"type": kind, "escalation_id": review["id"], "event_id": review["event_id"], "pack": review["pack"],
            "state": review["state"], "deadline": review["deadline"], "priority": review["priority"],
            "reasons": [{"policy": r.get("policy"), "code": r.get("code")} for r in reasons or []]
            or [{"policy": review["policy"], "code": review["code"]}]}


# -- who may review --------------------------------------------------------------------------------


async def reviewer(request: Request, route: Route, requester: str | None, token: str | None = None) -> Actor:
    """A verified reviewer for `route` (OPA's review decision), else ReviewError with OPA's status and code."""
    gw = request.app.state.gateway
    authorization = f"Bearer {token}" if token else request.headers.get("authorization")
    rbac = route.pack.policy.rbac
    if not authorization or not authorization.strip():
        who = identity.Identity(None, None, False, "none", token="absent")
    else:
        try:
            check = identity.verify_bearer(authorization, (rbac.jwt if rbac is not None else None) or Jwt())
        except GatewayError as err:
            raise ReviewError(err.status, err.code, err.message) from None
        who = identity.Identity(recorded.user_id(check.user_id, route), check.role, check.error is None, "jwt",
                                token="valid" if check.error is None else "invalid", token_error=check.error)
    decision = await _decide(gw, route, "review", {"identity": who.as_input(), "requester": requester})
    allow, status, code, message = (decision.get(k) for k in ("allow", "status", "code", "message"))
    if allow is True and who.user_id:
        return Actor(who.user_id, recorded.vocabulary(route).known(who.role, frozenset(_reviewer_roles(route))),
                     "jwt")
    if allow is False and isinstance(status, int) and isinstance(code, str) and isinstance(message, str):
        raise ReviewError(status, code, message)
    raise ReviewError(503, "policy_engine_unavailable", "the policy engine gave no usable review decision")


def _reviewer_roles(route: Route) -> list[str]:
    cfg = route.pack.policy.human_oversight
    return list(cfg.reviewer_roles) if cfg is not None else []


async def _decide(gw: Any, route: Route, phase: str, input: dict[str, Any]) -> dict[str, Any]:
    try:
        decision = await gw.opa.decide(f"{route.data_path}/{phase}", input)
    except OpaUnavailable as exc:
        log.warning("OPA %s decision unavailable: %s", phase, exc.reason)
        raise ReviewError(503, "policy_engine_unavailable", "the policy engine did not answer") from None
    return decision.result if isinstance(decision.result, dict) else {}


# -- re-check and release --------------------------------------------------------------------------


async def _recheck(gw: Any, route: Route, held: dict[str, Any], text: str) -> tuple[dict[str, Any], list[Finding]]:
    """The response decision on a reviewed text (deliver, with disclaimers and transforms, or
    ReviewError) and the findings of `text`, so `_final_text` redacts that same string without a
    second scan."""
    findings = route.engine.scan(text) if route.engine is not None else []
    decision = await _decide(gw, route, "response", {
        "identity": {"user_id": "", "role": "", "verified": False, "method": "header"},
        "target": held.get("target"),
        "output": {"text": normal.fold(text), "strings": [], "tool_calls": []},
        "findings": route.engine.count(findings) if route.engine is not None else [],
        "safeguards": safeguarding.output_facts(route, [text]), "review": {"reviewed": True},
    })
    action = decision.get("action")
    if action == "deliver":
        return decision, findings
    if action == "block":
        reasons = [f"{v.get('policy')}: {v.get('message')}" for v in decision.get("violations") or []
                   if isinstance(v, dict) and isinstance(v.get("message"), str)]
        message = "; ".join(reasons) or decision.get("message") or "blocked"
        raise ReviewError(int(decision.get("status") or 409), str(decision.get("code") or "output_blocked"),
                          f"the response policy blocks this text: {message}")
    raise ReviewError(503, "policy_engine_unavailable", "the policy engine gave no usable response decision")


def _final_text(route: Route, held: dict[str, Any], text: str, decision: dict[str, Any],
                findings: list[Finding]) -> str:
    """Output redaction and token restore as the decision says, disclaimers first (as on delivery).

    `findings` are `_recheck`'s for this very `text`: what is redacted is what was scanned."""
    transforms = [t for t in decision.get("transforms") or [] if isinstance(t, dict)]
    if route.engine is not None and any(t.get("action") == "redact" for t in transforms):
        if findings:
            text = route.engine.redact(text, findings, transforms, RedactionSession()).text
    if held.get("restore") or any(t.get("restore_tokens") for t in transforms):
        text = RedactionSession.restoring(held.get("originals") or {}).restore(text)
    disclaimers = [d for d in decision.get("disclaimers") or [] if isinstance(d, str)]
    if disclaimers:
        text = "\n\n".join([*disclaimers, text]) if text else "\n\n".join(disclaimers)
    return text


def _body(review: Review, held: dict[str, Any], text: str, decision: dict[str, Any]) -> dict[str, Any]:
    extra = {"escalation_id": review.id, "decision_id": None, "reviewed_by_human": True,
             "review_state": review.state}
    model = held.get("model") or review.model or review.pack
    if review.protocol == "openai":
        return answer.openai_json(None, text, model=model, rid=review.id, finish="stop", extra=extra)
    body = answer.ollama_json(None, text, model=model, finish="stop", extra=extra)
    return answer.as_generate(body) if held.get("generate") else body


# -- reviewer actions (the JSON API and the console share these) -----------------------------------


def route_of(table: RouteTable, review: Review) -> Route:
    route = table.get(review.pack)
    if route is None:
        raise ReviewError(409, "pack_not_served", "the pack of this escalation is not served by this gateway")
    return route


async def act(request: Request, esc_id: str, action: str, *, text: str | None = None, note: str | None = None,
              token: str | None = None) -> Review:
    """One reviewer action on one escalation: verified by OPA, an edit re-checked, then stored."""
    desk: Desk | None = request.app.state.gateway.desk
    if desk is None:
        raise ReviewError(404, "escalation_not_found", "no such escalation")
    if action not in ACTIONS:
        raise ReviewError(400, "invalid_action", "action must be claim, approve, edit or reject")
    await asyncio.to_thread(desk.flush)  # the request's event and draft first, in the chain and the store
    review = await asyncio.to_thread(store.get, desk.db, esc_id)
    if review is None:
        raise ReviewError(404, "escalation_not_found", "no such escalation")
    route = route_of(request.app.state.routes, review)
    actor = await reviewer(request, route, review.requester, token)
    if action == "claim":
        await asyncio.to_thread(store.claim, desk.db, esc_id, actor)
    elif action == "edit":
        if not text or not text.strip():
            raise ReviewError(400, "edit_empty", "an edit needs the new text")
        _, held, _ = await asyncio.to_thread(store.content, desk.db, desk.sealer, esc_id)
        await _recheck(request.app.state.gateway, route, held or {}, text)
        await asyncio.to_thread(store.decide, desk.db, desk.sealer, esc_id, actor, "edited", text=text)
    else:
        outcome = "approved" if action == "approve" else "rejected"
        await asyncio.to_thread(store.decide, desk.db, desk.sealer, esc_id, actor, outcome, note=note)
    done = await asyncio.to_thread(store.get, desk.db, esc_id)
    assert done is not None
    cfg = route.pack.policy.human_oversight
    if action != "claim" and cfg is not None and cfg.notify_url:
        desk.notifier.notify(cfg.notify_url, cfg.notify_secret_env, _notice("escalation.resolved", done.as_dict()),
                             route.pack.providers.ca_bundle)
    return done


# -- the requester ---------------------------------------------------------------------------------


async def requester_get(request: Request) -> Response:
    """`GET /v1/escalations/{id}`: 202 while pending, the released answer (once marked delivered),
    or the rejection / expiry as an error. Only the requester (same identity) or a reviewer."""
    protocol = _protocol(request)
    try:
        return await _requester_get(request)
    except ReviewError as err:
        return error_response(GatewayError(err.status, err.code, err.message, verdict="bad_request"),
                              protocol=protocol)
    except GatewayError as err:
        return error_response(err, protocol=protocol)


def _protocol(request: Request) -> str:
    return "ollama" if "/api/" in request.url.path else "openai"


async def _requester_get(request: Request) -> Response:
    desk: Desk | None = request.app.state.gateway.desk
    esc_id = request.path_params["esc_id"]
    missing = ReviewError(404, "escalation_not_found", "no such escalation")
    if desk is None:
        raise missing
    await asyncio.to_thread(desk.flush)  # a draft still in the writer's queue is not missing
    review = await asyncio.to_thread(store.get, desk.db, esc_id)
    if review is None:
        raise missing
    route = route_of(request.app.state.routes, review)
    actor = await _requester_or_reviewer(request, route, review)
    if actor is None:
        raise missing  # not yours: indistinguishable from an unknown id
    if review.state in store.PENDING:
        body = {"id": review.id, "object": "escalation", "state": review.state, "deadline": review.deadline,
                "pack": review.pack}
        return Response(orjson.dumps(body), status_code=202, media_type="application/json",
                        headers={"retry-after": "30"})
    if review.state == "expired":
        raise ReviewError(410, "escalation_expired", "no reviewer released this answer before its deadline")
    if review.state == "delivered":
        body, _ = await asyncio.to_thread(store.deliver, desk.db, desk.sealer, esc_id, {}, actor)
        return _stored(body, _protocol(request))
    _, held, decision = await asyncio.to_thread(store.content, desk.db, desk.sealer, esc_id)
    if review.state == "rejected":
        note = (decision or {}).get("note") or "rejected by the reviewer"
        body = {"refused": {"status": 403, "code": "escalation_rejected",
                            "message": f"the reviewer rejected this answer: {note}"}}
    else:
        if held is None:
            raise ReviewError(410, "escalation_purged", "the held answer has been purged")
        text = (decision or {}).get("text") if review.state == "edited" else held.get("output")
        text = text or ""
        checked, findings = await _recheck(request.app.state.gateway, route, held, text)
        final = _final_text(route, held, text, checked, findings)
        body = _body(review, held, final, checked)
    body, first = await asyncio.to_thread(store.deliver, desk.db, desk.sealer, esc_id, body, actor)
    if first:
        log.info("review: escalation %s delivered", esc_id)
    return _stored(body, _protocol(request))


def _stored(body: dict[str, Any], protocol: str) -> Response:
    """The delivered body; a stored refusal (a rejection and its reason) as the path's error envelope."""
    refused = body.get("refused")
    if isinstance(refused, dict):
        err = GatewayError(int(refused["status"]), str(refused["code"]), str(refused["message"]), verdict="denied")
        return error_response(err, protocol=protocol)
    return Response(orjson.dumps(body), status_code=200, media_type="application/json")


async def _requester_or_reviewer(request: Request, route: Route, review: Review) -> Actor | None:
    headers = parsing.opa_headers(request, route.opa_header_names)
    rbac = route.pack.policy.rbac
    try:
        who, _ = identity.resolve(headers, {}, rbac, request.headers.get("authorization"))
    except GatewayError:
        who = identity.Identity(None, None, False, "none")
    user = recorded.user_id(who.user_id, route)
    require_auth = rbac is not None and rbac.require_auth
    if user is not None and user == review.requester and (who.verified or not require_auth):
        return Actor(user, recorded.vocabulary(route).known(who.role, recorded.vocabulary(route).roles),
                     who.method)
    if request.headers.get("authorization"):
        try:
            return await reviewer(request, route, None)
        except ReviewError:
            return None
    return None
