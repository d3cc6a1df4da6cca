"""Score span predictions against the corpus: recall (per gold span) and precision (per prediction).

A gold span is found when every letter and digit of it is covered by predictions of the same
category ("category recall") or of any category ("redaction recall": what matters for leaks).
A prediction is correct when it overlaps a gold span of its category. Only counts are reported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from packgate.runtime.redaction import Engine

from .corpus import Example

Pred = tuple[int, int, str]
HIPAA_VIEW = {"NPI": "OTHER_ID", "DEA": "LICENSE_NUMBER", "CREDIT_CARD": "ACCOUNT_NUMBER", "CVV": "ACCOUNT_NUMBER"}
PII_ONLY = {"NPI", "DEA", "CREDIT_CARD", "CVV"}


@dataclass
class Score:
    gold: Counter = field(default_factory=Counter)
    found: Counter = field(default_factory=Counter)
    found_any: Counter = field(default_factory=Counter)
    pred: Counter = field(default_factory=Counter)
    correct: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    chars: int = 0

    def recall(self, cat: str | None = None) -> float:
        g = self.gold[cat] if cat else sum(self.gold.values())
        f = self.found[cat] if cat else sum(self.found.values())
        return f / g if g else 1.0

    def redaction_recall(self, cat: str | None = None) -> float:
        g = self.gold[cat] if cat else sum(self.gold.values())
        f = self.found_any[cat] if cat else sum(self.found_any.values())
        return f / g if g else 1.0

    def precision(self, cat: str | None = None) -> float:
        p = self.pred[cat] if cat else sum(self.pred.values())
        c = self.correct[cat] if cat else sum(self.correct.values())
        return c / p if p else 1.0


def _covered(text: str, s: int, e: int, preds: Iterable[Pred]) -> bool:
    need = {i for i in range(s, e) if text[i].isalnum()}
    for ps, pe, _ in preds:
        need.difference_update(range(ps, pe))
        if not need:
            return True
    return not need


def score(examples: Iterable[Example], predict: Callable[[str], list[Pred]]) -> Score:
    import time

    sc = Score()
    for ex in examples:
        t0 = time.perf_counter()
        preds = predict(ex.text)
        sc.seconds += time.perf_counter() - t0
        sc.chars += len(ex.text)
        for s, e, cat in ex.spans:
            sc.gold[cat] += 1
            same = [p for p in preds if p[2] in (cat, HIPAA_VIEW.get(cat)) and p[0] < e and s < p[1]]
            if same and _covered(ex.text, s, e, same):
                sc.found[cat] += 1
            if _covered(ex.text, s, e, [p for p in preds if p[0] < e and s < p[1]]):
                sc.found_any[cat] += 1
        for ps, pe, pcat in preds:
            sc.pred[pcat] += 1
            if any(ps < e and s < pe and pcat in (cat, HIPAA_VIEW.get(cat)) for s, e, cat in ex.spans):
                sc.correct[pcat] += 1
    return sc


def ours(engine: Engine | None = None) -> Callable[[str], list[Pred]]:
    """hipaa-phi-detector findings, plus pii-detector's NPI/DEA/card/CVV (the categories HIPAA renames)."""
    engine = engine or Engine(hipaa=True, pii=True, healthcare_mode=True, pci_mode=True)

    def predict(text: str) -> list[Pred]:
        out = []
        for f in engine.scan(text):
            if f.policy == "hipaa-phi-detector" or f.category in PII_ONLY:
                out.append((f.start, f.end, f.category))
        return out

    return predict
