"""The engine: built once per pack, then `scan` and `redact` per request."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from packgate.compiler.lint import compile_re2

from . import lexicons
from .categories import category_map
from .findings import HIPAA, PII, Finding, count, resolve_overlaps
from .markers import RedactionSession, render
from .names import scan_names
from .patterns import Hit, scan_structured

# Markers this engine writes: never scanned again, so redaction is idempotent.
_MARKER = re.compile(r"\[[A-Z][A-Z0-9_]*\]")


# "Fingerprint", "full-face photograph": a mention of biometric data or of a photo is reported on its
# own ("fingerprint on file" tells the policy a biometric identifier is present), but when the mention
# is the label of a value ("Fingerprint ID AB123456", "Full-face photograph IMG_0042.jpg") the value
# is the identifier and the words in front of it are a label, like "MRN:" — only the value is a
# finding, as a privacy reviewer would mark it.
_MENTION_DETECTORS = frozenset({"biometric-phrase", "photo-phrase"})
_LABEL_REACH = 24  # characters between the end of a mention and the value it labels


def _drop_labels(hits: list[Hit]) -> list[Hit]:
    values = [(h[0], h[1]) for h in hits if h[4] not in _MENTION_DETECTORS]
    return [
        h for h in hits
        if h[4] not in _MENTION_DETECTORS
        or not any(c == h[0] and h[1] <= s <= h[2] + _LABEL_REACH for c, s in values)
    ]


# A DEA check digit passes for one random 2-letter + 7-digit string in ten, an NPI's for one 10-digit
# number in ten: when a label in front of the same value says what it is ("Pacemaker serial number",
# "Claim number"), the label wins and the checksum guess is dropped.
_CHANCE_CHECKSUMS = {"dea-checksum": "DEA", "npi-luhn": "NPI"}


def _label_beats_checksum(hits: list[Hit]) -> list[Hit]:
    labelled = {(h[1], h[2]): h[0] for h in hits if h[4] == "labelled-id"}
    return [
        h for h in hits
        if h[4] not in _CHANCE_CHECKSUMS or labelled.get((h[1], h[2]), h[0]) == _CHANCE_CHECKSUMS[h[4]]
    ]


class PatternError(ValueError):
    """A pack's `detect_patterns` entry is not valid RE2 (the message names the entry, not text)."""


@dataclass(frozen=True)
class RedactResult:
    text: str
    metadata: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _Policy:
    name: str
    mapping: dict[str, str]


class Engine:
    """Detectors configured from a pack; every pattern and lexicon is compiled in the constructor."""

    def __init__(
        self,
        *,
        hipaa: bool = False,
        pii: bool = False,
        healthcare_mode: bool = False,
        pci_mode: bool = False,
        custom_patterns: Iterable[tuple[str, str]] = (),
        ner: Any = None,
    ) -> None:
        """`ner`: None (rules only, the default), a backend name ("spacy": see `ner.py`, raises
        `ner.NerUnavailable` when not installed), or any callable text -> [Hit]."""
        self._policies: list[_Policy] = []
        if hipaa:
            self._policies.append(_Policy(HIPAA, category_map(HIPAA)))
        if pii:
            self._policies.append(_Policy(PII, category_map(PII, healthcare_mode, pci_mode)))
        self._custom: list[tuple[str, Any]] = []
        if pii:
            for name, pattern in custom_patterns:
                try:
                    self._custom.append((f"CUSTOM_{name}", compile_re2(pattern)))
                except Exception as exc:  # re2.error; keep the message free of the pattern text
                    raise PatternError(f"detect_patterns {name}: not a valid RE2 pattern") from exc
        self._lex = lexicons.load() if self._policies else None
        if isinstance(ner, str):  # a backend name: "spacy" (optional install), "none"
            from . import ner as ner_backends  # imported here: only an NER engine pays for it

            ner = ner_backends.load(ner)
        self._ner = ner

    @classmethod
    def from_pack(cls, pack: Any, ner: Any = None) -> "Engine":
        """Engine for a `packgate.compiler.schema.Pack`; no detector policy means scan finds nothing."""
        hipaa_cfg = pack.policy.hipaa_phi_detector
        pii_cfg = pack.policy.pii_detector
        return cls(
            hipaa=hipaa_cfg is not None,
            pii=pii_cfg is not None,
            healthcare_mode=bool(pii_cfg and pii_cfg.healthcare_mode),
            pci_mode=bool(pii_cfg and pii_cfg.pci_mode),
            custom_patterns=[(p.name, p.pattern) for p in (pii_cfg.detect_patterns if pii_cfg else [])],
            ner=ner,
        )

    @classmethod
    def default(cls, ner: Any = None) -> "Engine":
        """The seed pack's detectors: hipaa_18 plus pii-detector with healthcare_mode (rules only by default)."""
        return cls(hipaa=True, pii=True, healthcare_mode=True, ner=ner)

    @property
    def policies(self) -> list[str]:
        return [p.name for p in self._policies]

    # --- detection ------------------------------------------------------------------------------

    def raw_hits(self, text: str) -> list[Hit]:
        """Every candidate from every built-in detector, before policies and overlaps."""
        hits = list(scan_structured(text))
        if any(h[4] in _MENTION_DETECTORS for h in hits):
            hits = _drop_labels(hits)
        if any(h[4] in _CHANCE_CHECKSUMS for h in hits):
            hits = _label_beats_checksum(hits)
        assert self._lex is not None
        hits.extend(scan_names(text, self._lex))
        if self._ner is not None:
            hits.extend(self._ner(text))
        return hits

    def scan(self, text: str) -> list[Finding]:
        """Findings for each configured policy, non-overlapping within a policy, sorted by position."""
        if not self._policies or not text:
            return []
        hits = self.raw_hits(text)
        if "[" in text:
            marks = [(m.start(), m.end()) for m in _MARKER.finditer(text)]
            if marks:
                hits = [h for h in hits if not any(h[1] < e and s < h[2] for s, e in marks)]
        out: list[Finding] = []
        for pol in self._policies:
            mapped = [
                Finding(pol.name, pol.mapping[c], s, e, conf, det)
                for c, s, e, conf, det in hits
                if c in pol.mapping and e > s
            ]
            if pol.name == PII:
                for cat, rx in self._custom:
                    mapped.extend(
                        Finding(PII, cat, m.start(), m.end(), 1.0, "custom-re2")
                        for m in rx.finditer(text)
                        if m.end() > m.start()
                    )
            out.extend(resolve_overlaps(mapped))
        out.sort(key=lambda f: (f.start, f.end, f.policy, f.category))
        return out

    @staticmethod
    def count(findings: Iterable[Finding]) -> list[dict[str, object]]:
        """The `findings` field of the OPA input: [{policy, category, count}], sorted."""
        return count(findings)

    # --- redaction ------------------------------------------------------------------------------

    def redact(
        self,
        text: str,
        findings: Iterable[Finding],
        transforms: Iterable[dict[str, Any]],
        session: RedactionSession | None = None,
    ) -> RedactResult:
        """Apply OPA's redact transforms: only the listed categories of the listed policy change.

        Overlapping spans (the same SSN seen by both detectors) merge into one replacement, written
        as the earliest transform in chain order says, so no character of either span survives.
        """
        session = session if session is not None else RedactionSession()
        plan: list[tuple[int, int, int, Finding]] = []  # start, end, transform index, finding
        tlist = [t for t in transforms if t.get("action", "redact") == "redact"]
        wanted = {(t.get("policy"), c): i for i, t in reversed(list(enumerate(tlist))) for c in t.get("categories", [])}
        for f in findings:
            idx = wanted.get((f.policy, f.category))
            if idx is not None and 0 <= f.start < f.end <= len(text):
                plan.append((f.start, f.end, idx, f))
        if not plan:
            return RedactResult(text, [])
        plan.sort(key=lambda p: (p[0], -p[1], p[2]))
        groups: list[list[tuple[int, int, int, Finding]]] = []
        for item in plan:
            if groups and item[0] < max(p[1] for p in groups[-1]):
                groups[-1].append(item)
            else:
                groups.append([item])
        pieces: list[str] = []
        meta: list[dict[str, Any]] = []
        pos = 0
        out_len = 0
        for g in groups:
            start = g[0][0]
            end = max(p[1] for p in g)
            lead = min(g, key=lambda p: (p[2], -(p[1] - p[0]), -p[3].confidence))
            f, t = lead[3], tlist[lead[2]]
            before = text[pos:start]
            pieces.append(before)
            out_len += len(before)
            marker = render(text[start:end], f.category, t, session)
            pieces.append(marker)
            if t.get("include_metadata"):
                meta.append({
                    "category": f.category, "policy": f.policy, "detector": f.detector,
                    "start": out_len, "end": out_len + len(marker), "confidence": f.confidence,
                })
            out_len += len(marker)
            pos = end
        pieces.append(text[pos:])
        return RedactResult("".join(pieces), meta)
