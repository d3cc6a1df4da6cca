"""The pipeline's safeguard steps: `crisis-detection` and `prompt-guard` facts in, OPA's answers enforced.

- `facts`: crisis findings in user messages, injection findings in user messages and tool results,
  the number of client system messages — categories and counts only — for `input.safeguards`.
- `crisis_of`: the `crisis` part of a request or response decision, checked (a malformed one is a
  503, as for every other field OPA answers), or None when the route has no crisis-detection.
- `record_crisis`: the event's reasons (one per category, never text) and, when OPA says so, the
  signed urgent notification.
- `apply_guard`: the pinned system prompt first, client system messages dropped when OPA says
  replace, flagged injections into the event's reasons.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from packgate.runtime.safeguards import Notifier, pin_system_prompt, request_facts
from packgate.runtime.safeguards.facts import output_crisis
from packgate.runtime.wire.chat import ParsedChat
from packgate.runtime.wire.errors import GatewayError

from .config import Route
from .outcome import Outcome

CRISIS_ACTIONS = ("none", "respond", "escalate", "flag")
CRISIS_POLICY = "crisis-detection"
GUARD_POLICY = "prompt-guard"


def facts(route: Route, chat: ParsedChat) -> dict[str, Any]:
    chain = route.pack.policies.chain
    return request_facts(chat, crisis_scan=CRISIS_POLICY in chain, injection_scan=GUARD_POLICY in chain).as_input()


def output_facts(route: Route, texts: list[str]) -> dict[str, Any]:
    cfg = route.pack.policy.crisis_detection
    scan = cfg is not None and CRISIS_POLICY in route.pack.policies.chain and "output" in cfg.scope
    return {"crisis": output_crisis(texts) if scan else []}


def _unusable(why: str) -> GatewayError:
    return GatewayError(503, "policy_engine_unavailable", "the policy engine gave no usable decision",
                        verdict="policy_unavailable")


def crisis_of(decision: dict[str, Any], route: Route) -> dict[str, Any] | None:
    """OPA's crisis answer; None when crisis-detection is not in the route's chain."""
    crisis = decision.get("crisis")
    if CRISIS_POLICY not in route.pack.policies.chain:
        return None
    if (not isinstance(crisis, dict) or crisis.get("action") not in CRISIS_ACTIONS
            or not isinstance(crisis.get("categories"), list) or not isinstance(crisis.get("notify"), bool)
            or (crisis["action"] == "respond" and not isinstance(crisis.get("message"), str))
            or (crisis["action"] != "none" and crisis.get("code") is None)):
        raise _unusable("crisis decision malformed")
    return crisis


def record_crisis(app: Starlette, route: Route, crisis: dict[str, Any], out: Outcome,
                  escalation_id: str | None = None) -> None:
    """The crisis reasons in the event (categories only) and the urgent notification if OPA asks for one."""
    for category in crisis["categories"]:
        if isinstance(category, str):
            out.reasons.append({"policy": crisis.get("policy"), "code": crisis["code"], "status": crisis.get("status"),
                                "param": category})
    cfg = route.pack.policy.crisis_detection
    if crisis["notify"] and cfg is not None and cfg.notify_url:
        notifier(app).notify(cfg.notify_url, cfg.notify_secret_env, {
            "type": crisis["code"], "priority": crisis.get("priority"), "event_id": out.id, "route": route.name,
            "action": crisis["action"], "categories": [c for c in crisis["categories"] if isinstance(c, str)],
            "escalation_id": escalation_id,
        }, route.pack.providers.ca_bundle)


def notifier(app: Starlette) -> Notifier:
    existing = getattr(app.state, "safeguard_notifier", None)
    if existing is None:
        existing = Notifier()
        app.state.safeguard_notifier = existing
    return existing


def apply_guard(decision: dict[str, Any], route: Route, chat: ParsedChat, out: Outcome) -> None:
    """Carry out OPA's prompt-guard plan on an allowed request."""
    if GUARD_POLICY not in route.pack.policies.chain:
        return
    plan = decision.get("guard")
    if (not isinstance(plan, dict) or not isinstance(plan.get("drop_client_system"), bool)
            or not isinstance(plan.get("system_prompt"), (str, type(None))) or not isinstance(plan.get("flagged"), list)):
        raise _unusable("prompt-guard plan malformed")
    pin_system_prompt(chat, plan["system_prompt"], plan["drop_client_system"])
    for flag in plan["flagged"]:
        if isinstance(flag, str):
            out.reasons.append({"policy": GUARD_POLICY, "code": "prompt_injection", "status": 200, "param": flag})
