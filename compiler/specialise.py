"""A policy's configuration worked out at compile time, for templates that write its consequences as
plain Rego rules (values inlined, one rule per role or requirement) instead of generic library calls.

OPA evaluates a generic call by reading the configuration with `object.get` and walking its tables
on every decision; the pack's configuration is fixed when the bundle is built, so what it implies is
worked out here once. Each function mirrors one library function's semantics exactly (named in its
docstring); the library keeps those semantics and its tests, and `tests/compiler/test_specialised.py`
compares the decisions of both formulations on every pack in the repo.
"""

from __future__ import annotations

import json
from typing import Any

from .toolchain import REPO_ROOT

TIERS = ["public", "internal", "confidential", "restricted"]


def rbac(config: dict[str, Any]) -> dict[str, Any]:
    """What `data.packgate.lib.rbac.request_violations` and `response_violations` read from `config`.

    - `named`: every role the pack names (`named_roles`), sorted; empty means any role is known.
    - `tool_rules`: per role with a tools entry whose lists deny something, the tools it may not use:
      `{"role", "allowed": sorted names or None (all), "denied": sorted names}` (a role with
      `"*"` allowed and nothing denied gets no rule; `"*"` denied denies all: allowed []).
    - `toolless`: roles without a tools entry get no tools (`object.get(roles, role, {})`): any
      role not in `tool_roles` is refused every tool.
    - `ceilings`: per tier below restricted, the roles capped there and the tiers above it
      (a named role without a data_access entry is capped at public), when data_access is set.
    - `phi_roles`: the roles allowed PHI when minimum_necessary is in force, else None.
    """
    roles = config.get("roles", {})
    data_access = config.get("data_access", {})
    minimum = config.get("minimum_necessary", {})
    named = sorted(set(roles) | set(data_access) | set(minimum.get("allowed_phi_roles", [])))
    tool_rules = []
    for role, tools in roles.items():
        allowed, denied = tools.get("allowed_tools", []), tools.get("denied_tools", [])
        if "*" in denied:
            tool_rules.append({"role": role, "allowed": [], "denied": []})
        elif "*" in allowed:
            if denied:
                tool_rules.append({"role": role, "allowed": None, "denied": sorted(set(denied))})
        else:
            tool_rules.append({"role": role, "allowed": sorted(set(allowed) - set(denied)), "denied": []})
    ceilings = []
    if data_access:
        capped: dict[str, list[str]] = {}
        for role in named:
            tier = data_access[role]["max_sensitivity"] if role in data_access else "public"
            capped.setdefault(tier, []).append(role)
        for tier in TIERS[:-1]:
            if capped.get(tier):
                ceilings.append({"tier": tier, "roles": capped[tier], "above": TIERS[TIERS.index(tier) + 1:]})
    in_force = len(minimum) > 0 and minimum.get("enabled", True) is True
    return {
        "named": named,
        "tool_roles": sorted(roles),
        "tool_rules": tool_rules,
        "ceilings": ceilings,
        "phi_roles": sorted(set(minimum.get("allowed_phi_roles", []))) if in_force else None,
        # OPA's lower() and Python's agree on ASCII; another name is lowered by OPA at evaluation
        "headers": [{"name": name, "key": name.lower() if name.isascii() else None}
                    for name in dict.fromkeys(config.get("deny_if_missing", []))],
        "require_auth": config.get("require_auth") is True,
    }


def detector(config: dict[str, Any]) -> dict[str, Any]:
    """What `data.packgate.lib.detectors.transforms` and `block` read from one detector's `config`:
    its action, and the constant part of its redact transform (the configured `redaction`, every field
    present: the schema fills its defaults, the same as the library's `redaction_defaults`;
    `safe_harbor_method` as `safe_harbor`)."""
    redaction = config["redaction"]
    return {
        "action": config["action"],
        "settings": {
            "marker_format": redaction["marker_format"],
            "safe_harbor": config.get("safe_harbor_method", False),
            "include_metadata": redaction["include_metadata"],
            "preserve_length": redaction["preserve_length"],
            "restore_tokens": redaction["restore_tokens"],
        },
    }


def routing_requirements() -> list[dict[str, Any]]:
    """The requirements table, read from the library's own `data.json` (it exists once)."""
    path = REPO_ROOT / "rego" / "packgate" / "lib" / "routing" / "data.json"
    return json.loads(path.read_text(encoding="utf-8"))["requirements"]


def routing(config: dict[str, Any]) -> dict[str, Any]:
    """The requirements `data.packgate.lib.routing.target_reasons` applies under `config`: a boolean
    requirement is active when the option equals the value a target must declare (`config[option]
    == want`, booleans only: Rego's `true == 1` is false), a limit when the option is a number.
    Each: `{field, want, reason}` or `{field, limit, reason}`, in table order."""
    active = []
    for check in routing_requirements():
        value = config.get(check["option"])
        reason = {"code": check["code"], "message": check["message"]}
        if check["want"] is not None:
            if isinstance(value, bool) and value is check["want"]:
                active.append({"field": check["field"], "want": check["want"], "reason": reason})
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            active.append({"field": check["field"], "limit": value, "reason": reason})
    return {"requirements": active}


def compliance(config: dict[str, Any]) -> dict[str, Any]:
    """What `data.packgate.lib.compliance.answer_violations` and `disclaimers` read from `config`:
    each blocked pattern with the `(?i)` prefix it is matched with, by index, and the disclaimers."""
    return {
        "patterns": [{"index": i, "regex": "(?i)" + pattern}
                     for i, pattern in enumerate(config.get("blocked_patterns", []))],
        "disclaimers": config.get("required_disclaimers", []),
        "fda_class": config.get("fda_class"),
    }


_UNIT_S = {"s": 1, "m": 60, "h": 3600}


def _seconds(duration: str) -> int:
    """Seconds of a schema-valid deadline (`^[1-9][0-9]{0,5}(s|m|h)$`), as OPA's
    time.parse_duration_ns / 1e9 gives them."""
    return int(duration[:-1]) * _UNIT_S[duration[-1]]


def oversight(config: dict[str, Any]) -> dict[str, Any]:
    """What `data.packgate.lib.oversight.escalates`, `response_violations` and `terms` read from
    `config`: the action and both deadlines in seconds (the schema fills and checks both)."""
    return {"action": config["action"], "terms": {"deadline_s": _seconds(config["review_deadline"]),
                                                  "urgent_deadline_s": _seconds(config["urgent_deadline"])}}
