"""The codes each policy's library rules can return, with their statuses, per decision phase.

The library (`rego/packgate/lib/`) decides; this table only names what it can say, for the review
card (REVIEW.md) and for checking a pack test's `expect`. `tests/compiler/test_codes.py` reads the
library's Rego and fails when a code there is missing here or a code here is not in the library.
"""

from __future__ import annotations

# policy -> phase -> ((code, status), ...); `pack` is the preflight before the chain.
CODES: dict[str, dict[str, tuple[tuple[str, int], ...]]] = {
    "pack": {"request": (("pack_disabled", 503), ("invalid_sensitivity", 400))},
    "rbac": {
        "request": (("missing_header", 401), ("invalid_token", 401),
                    ("unauthenticated", 401), ("unknown_role", 403), ("tool_not_allowed", 403),
                    ("sensitivity_exceeds_role", 403), ("phi_not_permitted_for_role", 403)),
        "response": (("tool_not_allowed", 403),),
    },
    "data-routing-policy": {"request": (("no_compliant_provider", 409),)},
    "hipaa-phi-detector": {"request": (("input_blocked", 409),), "response": (("output_blocked", 409),)},
    "pii-detector": {"request": (("input_blocked", 409),), "response": (("output_blocked", 409),)},
    "healthcare-compliance": {"response": (("output_blocked", 409),)},
    "human-oversight": {"response": (("escalated", 200), ("output_blocked", 409)),
                        # the `review` decision: may this identity review a held answer on the route?
                        "review": (("reviewer", 200), ("unauthenticated", 401), ("not_a_reviewer", 403),
                                   ("own_request", 403))},
    "audit-logger": {},
    "crisis-detection": {"request": (("crisis_indicator", 200),), "response": (("crisis_indicator", 200),)},
    "prompt-guard": {"request": (("system_message_not_allowed", 422), ("prompt_injection", 409))},
}

# Where each policy's logic lives in the library.
LIBRARY: dict[str, str] = {
    "rbac": "data.packgate.lib.rbac",
    "data-routing-policy": "data.packgate.lib.routing",
    "hipaa-phi-detector": "data.packgate.lib.detectors",
    "pii-detector": "data.packgate.lib.detectors",
    "healthcare-compliance": "data.packgate.lib.compliance",
    "human-oversight": "data.packgate.lib.oversight",
    "audit-logger": "data.packgate.lib.auditing",
    "crisis-detection": "data.packgate.lib.crisis",
    "prompt-guard": "data.packgate.lib.guard",
}

def codes_for(chain: list[str]) -> dict[str, set[str]]:
    """Per phase, every code a pack with this chain can answer with (its preflight included)."""
    out: dict[str, set[str]] = {"request": set(), "response": set()}
    for policy in ["pack", *chain]:
        for phase, pairs in CODES.get(policy, {}).items():
            if phase in out:  # the reviewer decision is not a phase a pack test runs
                out[phase] |= {code for code, _ in pairs}
    return out


def codes_of(policy: str, part: str) -> list[str]:
    """`code status` of what one generated rule of `policy` can return, for its METADATA: `part` is a
    phase, `escalate` / `response-block` (human-oversight's two rules) or `none` (no codes)."""
    table = CODES.get(policy, {})
    if part == "escalate":
        pairs = [p for p in table.get("response", ()) if p[0] == "escalated"]
    elif part == "response-block":
        pairs = [p for p in table.get("response", ()) if p[0] != "escalated"]
    else:
        pairs = list(table.get(part, ()))
    return [f"{code} {status}" for code, status in pairs]
