"""What the audit trail may hold of a client-supplied string: a name the pack defines, or a keyed hash.

Clients choose the `model` field, the role and user headers, `X-Tool`, tool names; OPA echoes some of
them back as `reasons[].param`. Any of them can carry PHI, and the audit database (and its WAL and
spool) keeps what it is given for years. So an event holds:

- role, tools, model, sensitivity tier and reason params: the value itself when the pack defines it
  (a role it names, a tool in some role's lists, a target id or model, a tier, a required header,
  `blocked_patterns[i]`, detector categories), else `hmac:<32 hex>` — HMAC-SHA256 under
  `PACKGATE_AUDIT_HMAC_KEY`, so equal values still match across events without being readable;
- user_id: the value when it is identifier-shaped (letters, digits, `._:@+-`, at most 128) and the
  pack's detectors find nothing in it, else its keyed hash. The same form is what OPA receives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from packgate.runtime.audit import prompt_hmac
from packgate.runtime.redaction.categories import HIPAA_CATEGORIES, PII_BASE, PII_HEALTHCARE, PII_PCI
from packgate.runtime.safeguards import SAFEGUARD_PARAMS

from .config import Route

__all__ = ["HASH_PREFIX", "Vocabulary", "keyed", "user_id", "vocabulary"]

HASH_PREFIX = "hmac:"
TIERS = frozenset({"public", "internal", "confidential", "restricted"})
GATEWAY_PARAMS = frozenset({"authorization", "Authorization", "X-Data-Sensitivity", "pack"})
_USER_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}")
_CATEGORIES = frozenset(HIPAA_CATEGORIES + PII_BASE + PII_HEALTHCARE + PII_PCI)


def keyed(value: str) -> str:
    """The keyed hash the audit trail holds instead of a value the pack does not define."""
    return HASH_PREFIX + prompt_hmac(value)[:32]


@dataclass(frozen=True)
class Vocabulary:
    """The names a pack defines; only these are recorded as they are."""

    roles: frozenset[str]
    tools: frozenset[str]
    models: frozenset[str]
    params: frozenset[str]
    categories: frozenset[str]

    def known(self, value: Any, names: frozenset[str]) -> Any:
        return value if not isinstance(value, str) or value in names else keyed(value)

    def param(self, value: Any) -> Any:
        if not isinstance(value, str) or value in self.params:
            return value
        parts = value.split(",")
        return value if all(p in self.categories for p in parts) else keyed(value)

    def reasons(self, reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**r, "param": self.param(r.get("param"))} for r in reasons]


EMPTY = Vocabulary(frozenset(), frozenset(), frozenset(), GATEWAY_PARAMS | TIERS, _CATEGORIES)


@lru_cache(maxsize=64)
def vocabulary(route: Route | None) -> Vocabulary:
    """The pack's names (computed once per route: a reload builds new routes)."""
    if route is None:
        return EMPTY
    pack = route.pack
    rbac = pack.policy.rbac
    roles: set[str] = set()
    tools: set[str] = set()
    headers: set[str] = set()
    if rbac is not None:
        roles |= set(rbac.roles) | set(rbac.data_access)
        if rbac.minimum_necessary is not None:
            roles |= set(rbac.minimum_necessary.allowed_phi_roles)
        for entry in rbac.roles.values():
            tools |= set(entry.allowed_tools) | set(entry.denied_tools)
        headers |= set(rbac.deny_if_missing)
    tools.discard("*")
    models = {t.id for t in pack.providers.targets} | {t.model for t in pack.providers.targets}
    compliance = pack.policy.healthcare_compliance
    patterns = {f"blocked_patterns[{i}]" for i in range(len(compliance.blocked_patterns))} if compliance else set()
    pii = pack.policy.pii_detector
    custom = {f"CUSTOM_{p.name}" for p in pii.detect_patterns} if pii is not None else set()
    return Vocabulary(
        roles=frozenset(roles), tools=frozenset(tools), models=frozenset(models),
        params=frozenset(roles | tools | headers | patterns) | GATEWAY_PARAMS | TIERS | SAFEGUARD_PARAMS,
        categories=_CATEGORIES | frozenset(custom),
    )


def user_id(value: str | None, route: Route | None) -> str | None:
    """The user id as recorded (and sent to OPA): itself if identifier-shaped and PHI-free, else keyed."""
    if value is None:
        return None
    if _USER_SHAPE.fullmatch(value) and (route is None or route.engine is None or not route.engine.scan(value)):
        return value
    return keyed(value)
