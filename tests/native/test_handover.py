"""The word lists reach the Rust core whole: every field of `Lexicons`, entry for entry."""

from __future__ import annotations

import dataclasses

import packgate_native
import pytest

from packgate.runtime.redaction import lexicons, native


def test_every_lexicon_field_is_handed_over_whole() -> None:
    lex = lexicons.load()
    handed = native.lexicons(lex)
    assert native.lexicons(lex) is handed  # built once per word lists, not per engine
    for f in dataclasses.fields(lex):
        value = getattr(lex, f.name)
        if isinstance(value, int):
            continue
        assert handed.size(f.name) == len(value), f.name


def test_a_field_the_hand_over_lacks_is_an_error_not_an_empty_list() -> None:
    handed = packgate_native.Lexicons({"first": ["ana"]}, {})
    assert handed.size("first") == 1
    with pytest.raises(KeyError):  # a missing word list must not read as an empty one
        handed.size("last")


def test_an_engine_sent_to_a_scan_worker_keeps_the_rust_ports() -> None:
    """The gateway pickles the engine for its scan workers: it must pickle (else big bodies are scanned
    on the event loop) and come back with the Rust word lists, finding what the sender finds."""
    import pickle

    from packgate.runtime.redaction import Engine

    engine = Engine.default()
    loaded = pickle.loads(pickle.dumps(engine))
    assert loaded._native_lex is not None
    assert pickle.loads(pickle.dumps(Engine.default(native=False)))._native_lex is None
    text = "Patient Jane Doe, DOB 02/14/1958, MRN 00483921, lives at 12 Main St, Boston. Sue Young."
    assert loaded.scan(text) == engine.scan(text) != []
