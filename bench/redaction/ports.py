"""CPU time of each Rust port (`native/src/`) beside the Python function it replaces, called as the
engine calls them, and of the whole scan (the one Rust call against the Python engine), interleaved in
one process on the 2 KB note (median of the rounds, the side that goes first alternating); then the
gateway's `scan_slots` on the bench request's two slots (the Python around per-text Rust scans against
one Rust call); and with `--adversarial` once each on the 1 MiB adversarial inputs that are ASCII.
Every pair's outputs are asserted equal before they are timed. A script, not a test.

    PYTHONPATH=. .venv/bin/python -m bench.redaction.ports [--rounds 30] [--calls 50] [--adversarial]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from typing import Callable

from bench.redaction.speed import _texts, adversarial_inputs
from packgate.runtime.redaction import Engine, clinical, lexicons
from packgate.runtime.redaction import names as N
from packgate.runtime.redaction.addresses import scan_addresses
from packgate.runtime.redaction.engine import _union_same_category
from packgate.runtime.redaction.findings import settle_spans
from packgate.runtime.redaction.native import core
from packgate.runtime.redaction.native import lexicons as native_lexicons
from packgate.runtime.redaction.normalise import normalise
from packgate.runtime.redaction.patterns import lower_and_words, scan_structured, word_index

Pair = tuple[Callable[[], object], Callable[[], object]]


def _structured(text: str, runs: list[tuple[int, int]] | None) -> list:
    low, words, at = word_index(text)  # on the Python path the engine builds the word index for it
    return list(scan_structured(text, low, words, runs, at))


def pairs(text: str) -> dict[str, Pair]:
    """(Python, Rust) for every port, on `text` (ASCII), each given what the engine gives it."""
    lex = lexicons.load()
    nat = native_lexicons(lex)
    low, words, at = word_index(text)
    runs = [m.span() for m in clinical._RUN.finditer(text)] or None
    structured = list(scan_structured(text, low, words, runs, at))
    found = list(N.scan_names(text, lex))
    names = [(h[1], h[2]) for h in found if h[0] == "NAME"]
    places = [(h[1], h[2]) for h in found]
    hits = Engine.default(native=False).raw_hits(normalise(text)[0])
    streets = [(h[1], h[2]) for h in structured if h[4] == "street-address"]
    mapped_by = Engine.default(native=False)._policies[0].mapping
    mapped = [(mapped_by[c], s, e, conf, det) for c, s, e, conf, det in _union_same_category(hits)
              if c in mapped_by and e > s]
    return {
        "scan_structured (+ word index)": (lambda: _structured(text, runs),
                                           lambda: (lower_and_words(text), core.scan_structured(text, runs))),
        "scan_clinical": (lambda: list(clinical.scan_clinical(text, words, runs)),
                          lambda: core.scan_clinical(text, *clinical.native_orders(words))),
        "scan_addresses": (lambda: list(scan_addresses(text, lex.english, low, lex.street_words)),
                           lambda: core.scan_addresses(text, nat)),
        "address_tails": (lambda: clinical.address_tails(text, structured),
                          lambda: core.address_tails(text, streets)),
        "scan_names": (lambda: list(N.scan_names(text, lex)), lambda: core.scan_names(text, nat)),
        "list_neighbours": (lambda: list(N.list_neighbours(text, names, lex)),
                            lambda: core.list_neighbours(text, names, nat)),
        "repeat_mentions": (lambda: list(N.repeat_mentions(text, names, lex)),
                            lambda: core.repeat_mentions(text, names, nat)),
        "joined_names": (lambda: list(N.joined_names(text, lex)), lambda: core.joined_names(text, nat)),
        "numbered_places": (lambda: list(N.numbered_places(text, places, lex)),
                            lambda: core.numbered_places(text, places, nat)),
        f"_union_same_category ({len(hits)} hits)": (lambda: _union_same_category(hits),
                                                     lambda: core.union_same_category(hits)),
        f"settle_spans ({len(mapped)} spans)": (lambda: settle_spans(mapped), lambda: core.settle_spans(mapped)),
    }


def whole(text: str) -> Pair:
    """The whole scan of an ASCII text (`Engine._settled`): the Python engine, and the one Rust call
    (`core.Scanner`, native/src/scan.rs) that runs every port above and the glue between them."""
    python, rust = Engine.default(native=False), Engine.default()
    assert rust._scanner is not None
    return (lambda: python._settled(text), lambda: rust._settled(text))


def slots() -> Pair:
    """The gateway's `scan_slots` on the bench request's two slots (system prompt + `bench/gateway/prompt`):
    `Engine.scan_many` (a Rust scan of the joined text and of each slot, the clipping, merge and count
    in Python over `Finding`s), and the one Rust call (`Scanner.scan_many`) that `scan_slots` makes."""
    from bench.gateway.prompt import PROMPT
    from packgate.runtime.gateway.scanning import scan_slots

    engine, texts = Engine.default(), ["You are a careful clinical assistant.", PROMPT]
    return (lambda: Engine.plain_counts(engine.scan_many(texts)), lambda: scan_slots(engine, texts))


def _equal(name: str, py: object, rs: object) -> None:
    if name.startswith("scan_structured"):  # the word index is input, not output; trigger words walk set order
        py, rs = sorted(py), sorted(rs[1])  # type: ignore[index, call-overload]
    assert py == rs, name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--calls", type=int, default=50, help="calls per side per round")
    ap.add_argument("--adversarial", action="store_true", help="also the 1 MiB ASCII adversarial inputs, once each")
    args = ap.parse_args()
    text = _texts()[1]
    assert text.isascii()
    gc.disable()
    total = {"py": 0.0, "rs": 0.0}
    rows = {**pairs(text), "whole scan (_settled, one Rust call)": whole(text), "scan_slots, two slots": slots()}
    for name, (py, rs) in rows.items():
        _equal(name, py(), rs())  # also warms the Python token memo
        times: dict[str, list[float]] = {"py": [], "rs": []}
        for r in range(args.rounds):
            for side in ("py", "rs") if r % 2 == 0 else ("rs", "py"):
                f = py if side == "py" else rs
                a = time.process_time()
                for _ in range(args.calls):
                    f()
                times[side].append((time.process_time() - a) / args.calls * 1e6)
        t_py, t_rs = statistics.median(times["py"]), statistics.median(times["rs"])
        if not name.startswith(("whole", "scan_slots")):
            total["py"] += t_py
            total["rs"] += t_rs
        print(f"2 KB {name:36} Python {t_py:7.1f} us   Rust {t_rs:6.1f} us   ({t_py / t_rs:5.1f}x)")
    print(f"2 KB {'the ports one by one, summed':36} Python {total['py']:7.1f} us   Rust {total['rs']:6.1f} us   "
          f"({total['py'] / total['rs']:5.1f}x; medians of {args.rounds} rounds of {args.calls} calls, CPU time)")
    gc.enable()
    if not args.adversarial:
        return
    for label, big in adversarial_inputs().items():
        if not big.isascii():
            continue
        for name, (py, rs) in {**pairs(big), "whole scan (_settled, one Rust call)": whole(big)}.items():
            a = time.process_time()
            want = py()
            b = time.process_time()
            got = rs()
            c = time.process_time()
            _equal(name, want, got)
            print(f"1 MiB {label!r:22} {name:36} Python {b - a:6.3f} s   Rust {c - b:7.4f} s")


if __name__ == "__main__":
    main()
