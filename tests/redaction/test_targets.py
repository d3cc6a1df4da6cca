"""The issue's targets on the seeded corpus, on DEV and on HOLDOUT templates alike."""

from __future__ import annotations

import pytest

from bench.redaction.corpus import LEXICAL, STRUCTURED, build
from bench.redaction.evaluate import ours, score


@pytest.fixture(scope="module")
def scores():
    corpus = build()
    predict = ours()
    return {
        "all": score(corpus, predict),
        "dev": score([e for e in corpus if e.split in ("dev", "negative")], predict),
        "holdout": score([e for e in corpus if e.split in ("holdout", "negative")], predict),
    }


# Below target today, with the figure measured on this corpus (tracked in the README, not hidden).
# Empty: every target is met on all splits (see the README's redaction section for the figures).
KNOWN_SHORT: dict[str, str] = {}


@pytest.mark.parametrize("cat", [pytest.param(c, marks=pytest.mark.xfail(c in KNOWN_SHORT, reason=KNOWN_SHORT.get(c, ""))) for c in STRUCTURED])
def test_structured_recall(scores, cat):
    assert scores["all"].recall(cat) >= 0.99, cat


@pytest.mark.parametrize("cat", [pytest.param(c, marks=pytest.mark.xfail(c in KNOWN_SHORT, reason=KNOWN_SHORT.get(c, ""))) for c in LEXICAL])
def test_names_places_recall_dev(scores, cat):
    assert scores["dev"].recall(cat) >= 0.95, cat


@pytest.mark.parametrize("cat", [pytest.param(c, marks=pytest.mark.xfail(c in KNOWN_SHORT, reason=KNOWN_SHORT.get(c, ""))) for c in LEXICAL])
def test_names_places_recall_holdout(scores, cat):
    # HOLDOUT templates were never looked at one by one while tuning: this is the generalisation figure.
    assert scores["holdout"].recall(cat) >= 0.95, cat


def test_overall_precision(scores):
    assert scores["all"].precision() >= 0.90


def test_negatives_stay(scores):
    corpus = [e for e in build() if e.split == "negative"]
    predict = ours()
    flagged = [i for i, e in enumerate(corpus) if predict(e.text)]
    assert flagged == []
