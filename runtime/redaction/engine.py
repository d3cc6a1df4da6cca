"""The engine: built once per pack, then `scan` and `redact` per request."""

from __future__ import annotations

import bisect
import gc
import re
import threading
from itertools import islice
from operator import itemgetter, sub
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from packgate.compiler.lint import compile_re2

from . import lexicons
from .categories import category_map
from .addresses import scan_addresses
from .clinical import address_tails, scan_clinical
from .clinical import native_orders as clinical_orders
from .findings import HIPAA, PII, Finding, Plain, Span, count, count_rows, make_finding, settle_spans
from .inert import ascii_stand_in
from .markers import MARKER, RedactionSession, render
from .native import core, lexicons as native_lexicons
from .names import joined_names, list_neighbours, numbered_places, repeat_mentions, scan_names
from .normalise import join_digit_groups, normalise
from .patterns import Hit, lower_and_words, scan_structured, word_index

# The markers this engine writes are never scanned again, so redaction is idempotent (markers.MARKER).


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


def _in_marker(start: int, end: int, marks: list[tuple[int, int]], mark_starts: list[int]) -> bool:
    """Does [start, end) overlap one of the (sorted, disjoint) marker spans? O(log n)."""
    i = bisect.bisect_left(mark_starts, end)
    return i > 0 and marks[i - 1][1] > start


def _union_same_category(hits: list[Hit]) -> list[Hit]:
    """Overlapping hits of one category become one hit over their union.

    Detectors see pieces of one value (a street, then its city/state/ZIP tail; a phone number's
    national part, then its country code); keeping only the most confident piece would leave the
    rest of the value in the text. The union keeps the most confident piece's confidence and detector.
    """
    if len(hits) < 2:
        return hits
    hits = sorted(hits, key=lambda h: (h[0], h[1], -h[2]))
    out: list[Hit] = [hits[0]]
    for h in hits[1:]:
        last = out[-1]
        if h[0] == last[0] and h[1] < last[2]:
            if h[2] > last[2] or h[3] > last[3]:
                lead = h if h[3] > last[3] else last
                out[-1] = (last[0], last[1], max(last[2], h[2]), lead[3], lead[4])
        else:
            out.append(h)
    return out


def _merge(findings: list[Finding]) -> list[Finding]:
    """Union of overlapping findings of one policy: one finding per overlapping group, covering all of
    it, labelled as its most confident member (so nothing either view found is left out)."""
    findings = sorted(findings, key=lambda f: (f.start, -f.end))
    out: list[Finding] = []
    for f in findings:
        if out and f.start < out[-1].end:
            last = out[-1]
            lead = last if last.confidence >= f.confidence else f
            out[-1] = Finding(lead.policy, lead.category, last.start, max(last.end, f.end), lead.confidence, lead.detector)
        else:
            out.append(f)
    return out


# Digit runs packed together by the dozen (`1 2 3 4 ...`, `123 123 ...`, `AB12-34/56 AB12-34/56 ...`, a
# folded `fi1/2fi1/2...`): 64 or more digit runs, each at most 3 characters (no line break) from the
# next. No note writes a number that way; an adversary does, to make every digit detector run at every
# run. The whole region is one OTHER_ID finding (fail closed: nothing in it reaches the model) and the
# digit-led detectors see it blanked out, so their cost no longer grows with the runs inside it.
_DENSE = re.compile(r"\d(?<!\d\d)\d*+(?:[^\d\n]{1,3}+\d++){63,}+")
_DENSE_MIN = 64 * 2  # shorter texts cannot hold a region
_DENSE_RUNS = 64  # nor texts with fewer digit runs
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
_SMALL_GAP = (4).__gt__  # a gap of 1 to 3 characters between two runs
_RUNS_FIRST = 1 << 14  # up to this length, the runs are counted before `_DENSE` runs (see `raw_hits`)


def _may_be_dense(runs: list[tuple[int, int]]) -> bool:
    """Can these digit runs hold a dense region? It takes 64 runs with 63 gaps of at most 3 characters
    between them (a 2 KB note has 97 runs, 33 such gaps): counted in C-level passes, no regex."""
    if len(runs) < _DENSE_RUNS:
        return False
    gaps = map(sub, map(_FIRST, islice(runs, 1, None)), map(_SECOND, runs))
    return sum(map(_SMALL_GAP, gaps)) >= _DENSE_RUNS - 1


def _dense_regions(text: str) -> list[tuple[int, int]]:
    if len(text) < _DENSE_MIN:
        return []
    return [m.span() for m in _DENSE.finditer(text)]


_RUN = re.compile(r"\d+")


def _blank(text: str, regions: list[tuple[int, int]]) -> str:
    """`text` with each region replaced by as many NULs (offsets kept; no detector matches a NUL)."""
    pieces, pos = [], 0
    for a, b in regions:
        pieces.append(text[pos:a])
        pieces.append("\x00" * (b - a))
        pos = b
    pieces.append(text[pos:])
    return "".join(pieces)


# A scan allocates many small objects (hits, tuples, offsets) that live until it returns; the cyclic
# garbage collector would walk them again and again (on 1 MiB of capitalised words it was half the
# time). Nothing a scan builds is cyclic, so collection pauses while any scan runs.
_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = False


class _NoGC:
    def __enter__(self) -> None:
        global _gc_depth, _gc_was_enabled
        with _gc_lock:
            if _gc_depth == 0:
                _gc_was_enabled = gc.isenabled()
                gc.disable()
            _gc_depth += 1

    def __exit__(self, *exc: object) -> None:
        global _gc_depth
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_was_enabled:
                gc.enable()


_NO_GC = _NoGC()


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
        native: bool = True,
    ) -> None:
        """`ner`: None (rules only, the default), a backend name ("spacy": see `ner.py`, raises
        `ner.NerUnavailable` when not installed), or any callable text -> [Hit]. `native=False` runs the
        Python detectors only: the oracle the Rust ports are tested against (same findings, slower)."""
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
        # the Rust ports' word lists; None: every text runs on the Python detectors (see `native.py`)
        self._native_lex = native_lexicons(self._lex) if native and self._lex is not None else None
        if isinstance(ner, str):  # a backend name: "spacy" (optional install), "none"
            from . import ner as ner_backends  # imported here: only an NER engine pays for it

            ner = ner_backends.load(ner)
        self._ner = ner
        self._scanner = self._native_scanner()

    def _native_scanner(self) -> Any:
        """The Rust `_settled` for ASCII text (native/src/scan.rs), when the engine has native word lists,
        no custom pattern and no NER (those stay on the Python path); else None."""
        if self._native_lex is None or self._custom or self._ner is not None:
            return None
        return core.Scanner(self._native_lex, [(p.name, p.mapping) for p in self._policies], MARKER.pattern)

    @classmethod
    def from_pack(cls, pack: Any, ner: Any = None, native: bool = True) -> "Engine":
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
            native=native,
        )

    @classmethod
    def default(cls, ner: Any = None, native: bool = True) -> "Engine":
        """The seed pack's detectors: hipaa_18 plus pii-detector with healthcare_mode (rules only by default)."""
        return cls(hipaa=True, pii=True, healthcare_mode=True, ner=ner, native=native)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled for the gateway's scan workers (`gateway/scanning.py`) without the Rust word lists, which
        do not pickle: the worker hands its own copy of the word lists over again when it loads the engine."""
        state = self.__dict__.copy()
        state["_native_lex"] = state["_native_lex"] is not None
        state["_scanner"] = None  # rebuilt from the word lists on load
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        native = state.pop("_native_lex")
        self.__dict__.update(state)
        self._native_lex = native_lexicons(self._lex) if native and self._lex is not None else None
        self._scanner = self._native_scanner()

    @property
    def policies(self) -> list[str]:
        return [p.name for p in self._policies]

    # --- detection ------------------------------------------------------------------------------

    def raw_hits(self, text: str) -> list[Hit]:
        """Every candidate from every built-in detector, before policies and overlaps."""
        # the digit runs, found once for both digit-led detectors (structured, clinical); when no ASCII
        # digit is left (a blanked dense region) each detector decides for itself, as it always did
        # A prompt-sized text's runs are found first, and it is searched for a dense region only when
        # they could make one; a long text is searched first, so its runs are found once.
        runs = [m.span() for m in _RUN.finditer(text)] if len(text) <= _RUNS_FIRST else None
        dense = _dense_regions(text) if runs is None or _may_be_dense(runs) else []
        digits_text = _blank(text, dense) if dense else text
        if not any(c in digits_text for c in "0123456789"):
            runs = None
        elif dense or runs is None:
            runs = [m.span() for m in _RUN.finditer(digits_text)]
        hits: list[Hit] = [("OTHER_ID", a, b, 0.5, "digit-dense") for a, b in dense]
        if self._native_lex is not None and digits_text.isascii():  # the Rust port (native/src/structured.rs)
            low, words = lower_and_words(digits_text)  # it finds its trigger words itself: no offsets needed
            hits.extend(core.scan_structured(digits_text, runs))
        else:
            low, words, at = word_index(digits_text)
            hits.extend(scan_structured(digits_text, low, words, runs, at))
        if self._native_lex is not None and text.isascii():  # the Rust ports take ASCII text only
            hits.extend(core.scan_clinical(digits_text, *clinical_orders(words)))
            hits.extend(core.scan_addresses(digits_text, self._native_lex))
        else:
            hits.extend(scan_clinical(digits_text, words, runs))
            hits.extend(scan_addresses(digits_text, self._lex.english if self._lex else frozenset(), low,
                                       self._lex.street_words if self._lex else frozenset()))
        dets = {h[4] for h in hits}  # one pass, then set tests (three any() scans were 5% on dense text)
        if "street-address" in dets:
            if self._native_lex is not None and text.isascii():
                streets = [(h[1], h[2]) for h in hits if h[4] == "street-address"]
                hits.extend(core.address_tails(text, streets))
            else:
                hits.extend(address_tails(text, hits))
        if not _MENTION_DETECTORS.isdisjoint(dets):
            hits = _drop_labels(hits)
        if not dets.isdisjoint(_CHANCE_CHECKSUMS):
            hits = _label_beats_checksum(hits)
        assert self._lex is not None
        if self._native_lex is not None and text.isascii():  # the Rust port (native/src/names.rs)
            names = core.scan_names(text, self._native_lex)
        else:
            names = list(scan_names(text, self._lex))
        hits.extend(names)
        name_spans = [(h[1], h[2]) for h in names if h[0] == "NAME"]
        nat = self._native_lex if text.isascii() else None  # the Rust ports take ASCII text only
        if nat is not None:
            hits.extend(core.list_neighbours(text, name_spans, nat))
            hits.extend(core.repeat_mentions(text, name_spans, nat))
            hits.extend(core.joined_names(text, nat))
        else:
            hits.extend(list_neighbours(text, name_spans, self._lex))
            hits.extend(repeat_mentions(text, name_spans, self._lex))
            hits.extend(joined_names(text, self._lex))
        if runs is not None:  # a house number after a name needs a digit somewhere
            place_spans = [(h[1], h[2]) for h in names]
            if nat is not None:
                hits.extend(core.numbered_places(text, place_spans, nat))
            else:
                hits.extend(numbered_places(text, place_spans, self._lex))
        if self._ner is not None:
            hits.extend(self._ner(text))
        return hits

    def scan(self, text: str) -> list[Finding]:
        """Findings for each configured policy, non-overlapping within a policy, sorted by position.

        Detection runs on `normalise(text)` (zero-width characters dropped, dashes, digits and
        fullwidth forms folded); spans are mapped back, so they cover the original characters.
        """
        if not self._policies or not text:
            return []
        with _NO_GC:
            return self._scan(text)

    def _scan(self, text: str) -> list[Finding]:
        folded, offsets = normalise(text)
        found = self._settled(folded)
        if offsets.identity:
            return [make_finding(p, c, s, e, conf, det) for s, e, p, c, conf, det in found]
        span = offsets.span
        return [make_finding(p, c, *span(s, e), conf, det) for s, e, p, c, conf, det in found]

    def scan_many(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Findings per text, scanning the texts as one: a value split across two messages or two
        content parts (`123-45` | `-6789`) is found, and each part gets the findings for its fragment.

        Parts are joined as they are, with a space where a letter meets the boundary ("Jane" | "Doe",
        "00483921" | "type"), so split digits and separators run on. Each part is also scanned on its own (a join can hide a value at
        a boundary) and the two views are merged: then `redact(texts[i], result[i], ...)` per part.
        """
        texts = list(texts)
        if len(texts) <= 1:
            return [self.scan(t) for t in texts]
        pieces: list[str] = []
        bases: list[int] = []
        pos = 0
        for i, t in enumerate(texts):
            if i:
                prev = texts[i - 1]
                # run digits and separators on (`123-45` | `-6789`); a letter on either side starts a
                # new word, so `MRN 00483921` | `type` is not one identifier `00483921type`
                letters = bool(prev) and bool(t) and (prev[-1].isalpha() or t[0].isalpha())
                sep = " " if letters else ""
                pieces.append(sep)
                pos += len(sep)
            bases.append(pos)
            pieces.append(t)
            pos += len(t)
        joined = "".join(pieces)
        across = self.scan(joined)
        out: list[list[Finding]] = []
        for i, t in enumerate(texts):
            base, end = bases[i], bases[i] + len(t)
            own = self.scan(t)
            for f in across:
                if f.start < end and base < f.end:
                    own.append(Finding(f.policy, f.category, max(f.start, base) - base, min(f.end, end) - base,
                                       f.confidence, f.detector))
            merged: list[Finding] = []
            for pol in {f.policy for f in own}:
                merged.extend(_merge([f for f in own if f.policy == pol]))
            merged.sort(key=lambda f: (f.start, f.end, f.policy, f.category))
            out.append(merged)
        return out

    def scan_many_plain(self, texts: Sequence[str]) -> tuple[list[list[Plain]], list[dict[str, object]]]:
        """`scan_many(texts)` with each finding as a plain tuple (`Plain`), and `count` of them all: what
        the gateway hands around. When the Rust scanner covers every text (all ASCII, so offsets are the
        identity) the scans, clipping, merge and count are one Rust call and no `Finding` is built (half
        of a two-message request's scan was that Python); otherwise `scan_many` runs (the oracle)."""
        # ASCII is tested here, not only in Rust: handing a str over encodes it, and a lone surrogate
        # (which the Python path scans) does not encode
        if self._scanner is not None and all(map(str.isascii, texts)):
            per_text, tally = self._scanner.scan_many(texts)
            return per_text, count_rows(tally)
        return self.plain_counts(self.scan_many(texts))

    @staticmethod
    def plain_counts(found: list[list[Finding]]) -> tuple[list[list[Plain]], list[dict[str, object]]]:
        """`scan_many`'s `Finding`s as `scan_many_plain` returns them (tuples per text, and their count)."""
        return ([[f.plain() for f in fs] for fs in found],
                count(f for fs in found for f in fs))

    def _settled(self, text: str) -> list[tuple[int, int, str, str, float, str]]:
        """Each policy's settled findings as (start, end, policy, category, confidence, detector),
        sorted: plain tuples until the caller builds the `Finding`s (see `settle_spans`)."""
        if self._scanner is not None:  # the whole scan in one Rust call (native/src/scan.rs), on ASCII text
            if text.isascii():
                return self._scanner.scan(text)
            # symbols no detector reads (37.8°C, • bullets, ≥, emoji) scan as their ASCII stand-ins: same
            # findings, same offsets (inert.py); letters of other scripts keep the Python path
            standing = ascii_stand_in(text)
            if standing is not None:
                return self._scanner.scan(standing)
        text = join_digit_groups(text)  # as the Rust scanner does first ("123*45*6789" -> "123-45-6789")
        # the Rust ports settle spans of any text (they are numbers); native=False keeps the Python ones
        native = self._native_lex is not None
        hits = (core.union_same_category if native else _union_same_category)(self.raw_hits(text))
        if "[" in text:
            marks = [(m.start(), m.end()) for m in MARKER.finditer(text)]
            if marks:
                mark_starts = [s for s, _ in marks]
                hits = [h for h in hits if not _in_marker(h[1], h[2], marks, mark_starts)]
        out: list[tuple[int, int, str, str, float, str]] = []
        # settling is a pure function of a policy's mapped spans, and two policies often map every hit
        # of a text alike (names and places only): the second reuses the first's result. On 1 MiB of
        # "to Leon and Eyrarodda 66 " (42,000 clusters per policy) that is a fifth of the scan.
        prev_mapped: list[Span] | None = None
        prev_settled: list[Span] = []
        for pol in self._policies:
            mp = pol.mapping
            mapped = [(mp[c], s, e, conf, det) for c, s, e, conf, det in hits if c in mp and e > s]
            if pol.name == PII:
                for cat, rx in self._custom:
                    mapped.extend(
                        (cat, m.start(), m.end(), 1.0, "custom-re2")
                        for m in rx.finditer(text)
                        if m.end() > m.start()
                    )
            if mapped != prev_mapped:
                prev_mapped, prev_settled = mapped, (core.settle_spans if native else settle_spans)(mapped)
            name = pol.name
            out.extend((s, e, name, c, conf, det) for c, s, e, conf, det in prev_settled)
        # (start, end, policy, category) is unique after settling (a policy's spans never overlap),
        # so this orders exactly as sorting the findings by those four fields did
        out.sort()
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
        plain = [f.plain() for f in findings]
        return self.redact_plain(text, plain, transforms, session)

    @staticmethod
    def redact_plain(
        text: str,
        found: Iterable[Plain],
        transforms: Iterable[dict[str, Any]],
        session: RedactionSession | None = None,
    ) -> RedactResult:
        """`redact` from findings as plain tuples (`Plain`, as the gateway holds them): no `Finding` is
        built per finding of every request only to be read here."""
        session = session if session is not None else RedactionSession()
        # (start, -end, transform index, input index, finding): sorted as tuples, by start, the longer
        # span first, then chain order, then input order (no key function; the finding is never compared)
        plan: list[tuple[int, int, int, int, Plain]] = []
        tlist = [t for t in transforms if t.get("action", "redact") == "redact"]
        wanted = {(t.get("policy"), c): i for i, t in reversed(list(enumerate(tlist))) for c in t.get("categories", [])}
        size = len(text)
        for n, f in enumerate(found):
            idx = wanted.get((f[0], f[1]))
            if idx is not None and 0 <= f[2] < f[3] <= size:
                plan.append((f[2], -f[3], idx, n, f))
        if not plan:
            return RedactResult(text, [])
        plan.sort()
        # An item joins the group before it when it starts before the group's end. Each group is written
        # as its lead says: the first item with the earliest transform in chain order, then the longest
        # span, then the highest confidence.
        groups: list[tuple[int, int, int, Plain]] = []  # start, end, and the lead's transform index and finding
        g_start = g_end = lead_idx = -1
        lead_key: tuple[int, int, float] = (0, 0, 0.0)
        lead: Plain | None = None
        for start, neg_end, idx, _, f in plan:
            end = -neg_end
            key = (idx, start - end, -f[4])
            if lead is not None and start < g_end:
                if end > g_end:
                    g_end = end
                if key < lead_key:
                    lead_key, lead_idx, lead = key, idx, f
            else:
                if lead is not None:
                    groups.append((g_start, g_end, lead_idx, lead))
                g_start, g_end, lead_key, lead_idx, lead = start, end, key, idx, f
        assert lead is not None
        groups.append((g_start, g_end, lead_idx, lead))
        pieces: list[str] = []
        meta: list[dict[str, Any]] = []
        pos = 0
        out_len = 0
        for start, end, idx, f in groups:
            t = tlist[idx]
            before = text[pos:start]
            pieces.append(before)
            out_len += len(before)
            marker = render(text[start:end], f[1], t, session)
            pieces.append(marker)
            if t.get("include_metadata"):
                meta.append({
                    "category": f[1], "policy": f[0], "detector": f[5],
                    "start": out_len, "end": out_len + len(marker), "confidence": f[4],
                })
            out_len += len(marker)
            pos = end
        pieces.append(text[pos:])
        return RedactResult("".join(pieces), meta)
