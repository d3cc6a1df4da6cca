"""A minimal detector with the redaction engine's interface (SSN, e-mail, phone only).

Used by the gateway only while `packgate.runtime.redaction` is absent, so the request path can be
built and tested against the final interface: `Engine.from_pack`, `scan`, `count`, `redact`,
`RedactionSession.restore`. Patterns here are our own fixed ones (never pack-supplied), so the
standard `re` module is safe.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from packgate.compiler.schema import DETECTOR_POLICIES, Pack

_PATTERNS: dict[str, re.Pattern[str]] = {
    "SSN": re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
    "EMAIL": re.compile(r"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}\b"),
    "PHONE": re.compile(r"(?<!\d)(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.\s]\d{4}(?!\d)"),
}


@dataclass(frozen=True)
class Finding:
    policy: str
    category: str
    start: int
    end: int


@dataclass
class RedactionResult:
    text: str
    metadata: list[dict[str, Any]] = field(default_factory=list)


class RedactionSession:
    """Token markers stay consistent within one request and can be put back into the output."""

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}  # marker -> original
        self._by_value: dict[tuple[str, str], str] = {}
        self._counts: Counter[str] = Counter()

    def token(self, category: str, value: str) -> str:
        key = (category, value)
        if key not in self._by_value:
            self._counts[category] += 1
            marker = f"[{category}_{self._counts[category]}]"
            self._by_value[key] = marker
            self._tokens[marker] = value
        return self._by_value[key]

    def restore(self, text: str) -> str:
        for marker, value in self._tokens.items():
            text = text.replace(marker, value)
        return text


class Engine:
    def __init__(self, policies: tuple[str, ...]):
        self.policies = policies

    @classmethod
    def from_pack(cls, pack: Pack) -> Engine:
        chain = pack.policies.chain
        return cls(tuple(p for p in chain if p in DETECTOR_POLICIES and pack.policy.get(p) is not None))

    def scan(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        for policy in self.policies:
            for category, rx in _PATTERNS.items():
                found.extend(Finding(policy, category, m.start(), m.end()) for m in rx.finditer(text))
        return found

    @staticmethod
    def count(findings: list[Finding]) -> list[dict[str, Any]]:
        counts = Counter((f.policy, f.category) for f in findings)
        return [{"policy": p, "category": c, "count": n} for (p, c), n in sorted(counts.items())]

    def redact(self, text: str, findings: list[Finding], transforms: list[dict[str, Any]],
               session: RedactionSession) -> RedactionResult:
        """Replace each span a redact transform names, by that transform's marker format."""
        rules = {}
        for t in transforms:
            if t.get("action") != "redact":
                continue
            for cat in t.get("categories") or []:
                rules.setdefault(cat, t)
        spans: list[tuple[int, int, str, dict[str, Any]]] = []
        last_end = -1
        for f in sorted(findings, key=lambda f: (f.start, -f.end)):
            if f.category in rules and f.start >= last_end:
                spans.append((f.start, f.end, f.category, rules[f.category]))
                last_end = f.end
        out, pos, meta = [], 0, []
        for start, end, cat, rule in spans:
            value = text[start:end]
            fmt = rule.get("marker_format", "label")
            if fmt == "token":
                marker = session.token(cat, value)
            elif fmt == "asterisk":
                marker = "*" * len(value)
            elif fmt == "partial":
                marker = "*" * max(len(value) - 4, 0) + value[-4:]
            else:
                marker = f"[{cat}]"
            out.append(text[pos:start])
            out.append(marker)
            pos = end
            meta.append({"category": cat, "policy": rule.get("policy"), "marker": marker})
        out.append(text[pos:])
        return RedactionResult("".join(out), meta if any(r.get("include_metadata") for r in rules.values()) else [])
