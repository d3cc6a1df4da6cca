"""PHI/PII detection and redaction for `hipaa-phi-detector` and `pii-detector`.

The gateway's interface (stable)::

    from packgate.runtime.redaction import Engine, Finding, RedactionSession

    engine = Engine.from_pack(pack)        # compile every regex and lexicon once, per pack
    findings = engine.scan(text)           # list[Finding]: policy, category, start, end, confidence, detector
    per_part = engine.scan_many(parts)     # list[list[Finding]]: parts scanned as one (values split across parts)
    folded, offsets = normalise(text)      # NFKC, zero-width removed, dashes/digits folded; offsets.span(s, e)
    counts = Engine.count(findings)        # [{"policy", "category", "count"}], sorted: OPA input `findings`
    session = RedactionSession()           # one per request: `[NAME_1]` means the same person in every message
    result = engine.redact(text, findings, transforms, session)   # transforms: OPA's `transforms` list
    result.text, result.metadata           # metadata: category, policy, detector, start/end in result.text, confidence
    session.restore(model_output)          # tokens back to values, only when a transform says restore_tokens

`Engine.default()` is the seed pack's detector settings (CLI without `--pack`), rules only. An NER
model is an opt-in extra detector: `Engine(..., ner="spacy")` / `Engine.from_pack(pack, ner="spacy")` /
`packgate redact --ner spacy` (needs the `eval` extra; see `ner.py` for why it is not the default). Findings hold spans,
never values; nothing in this package logs or raises with matched text. Built-in patterns are written to be
linear, on Python `re` here and on PCRE2 in the Rust core (`native.py`: an ASCII text's whole scan runs
there, and a text whose other characters are symbols no detector reads, as their ASCII stand-ins
(`inert.py`); these Python detectors are its oracle and scan every other text); a pack's
`detect_patterns` run on RE2 only.
"""

from .engine import Engine, PatternError, RedactResult
from .findings import Finding
from .markers import RedactionSession
from .normalise import Offsets, normalise

__all__ = ["Engine", "Finding", "Offsets", "PatternError", "RedactResult", "RedactionSession", "normalise"]
