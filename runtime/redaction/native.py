"""The Rust detector core (`native/`, built from source by `make setup`), and what it is handed.

The Python detectors in this package are the reference: each Rust port returns exactly what the
Python function it replaces returns, and `tests/native/` holds the two equal on generated and corpus
text. The engine hands a text to the ports only when it is ASCII (`text.isascii()`), or when its other
characters are symbols no detector reads, replaced by ASCII stand-ins (`inert.py`); other text runs on
the Python detectors, whose Unicode rules (`str.isupper`, `re`'s `\\w` and `\\s`) the ports do not
reproduce. A missing extension is an incomplete install: importing this module fails, and with it
the engine and `packgate gateway run` (which says so and exits), never a quiet fall-back.
"""

from __future__ import annotations

import dataclasses

import packgate_native as core

from .lexicons import Lexicons

__all__ = ["core", "lexicons"]

_SEP = "\x1f"  # joins a multi-word place's tokens (native/src/lexicons.rs: TUPLE_SEP)
_handed: dict[int, tuple[Lexicons, core.Lexicons]] = {}


def lexicons(lex: Lexicons) -> core.Lexicons:
    """`lex` as the Rust side holds it, built once per `Lexicons` object (the engine's are cached)."""
    kept = _handed.get(id(lex))
    if kept is not None and kept[0] is lex:
        return kept[1]
    sets: dict[str, list[str]] = {}
    ints: dict[str, int] = {}
    for f in dataclasses.fields(lex):
        value = getattr(lex, f.name)
        if isinstance(value, int):
            ints[f.name] = value
        else:
            sets[f.name] = [_SEP.join(v) if isinstance(v, tuple) else v for v in value]
    handed = core.Lexicons(sets, ints)
    _handed[id(lex)] = (lex, handed)
    return handed
