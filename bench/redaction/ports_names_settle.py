"""CPU time of the Rust ports of names.py's last four detectors and of the settling of spans beside the
Python functions they replace, interleaved in one process on the 2 KB note. A script, not a test.

    PYTHONPATH=. .venv/bin/python -m bench.redaction.ports_names_settle [--rounds 30] [--calls 200]
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Callable

from bench.redaction.speed import _texts
from packgate.runtime.redaction import Engine, lexicons
from packgate.runtime.redaction import names as N
from packgate.runtime.redaction.engine import _union_same_category
from packgate.runtime.redaction.findings import settle_spans
from packgate.runtime.redaction.native import core
from packgate.runtime.redaction.native import lexicons as native_lexicons
from packgate.runtime.redaction.normalise import normalise


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--calls", type=int, default=200, help="calls per side per round")
    args = ap.parse_args()
    lex = lexicons.load()
    nat = native_lexicons(lex)
    text = _texts()[1]
    found = list(N.scan_names(text, lex))
    names = [(h[1], h[2]) for h in found if h[0] == "NAME"]
    places = [(h[1], h[2]) for h in found]
    oracle = Engine.default(native=False)
    hits = oracle.raw_hits(normalise(text)[0])
    pol = oracle._policies[0]
    mapped = [(pol.mapping[c], s, e, conf, det) for c, s, e, conf, det in _union_same_category(hits)
              if c in pol.mapping and e > s]
    pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
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
    gc.disable()
    for name, (py, rs) in pairs.items():
        assert py() == rs(), name
        t_py = t_rs = 0.0
        for _ in range(args.rounds):
            a = time.process_time()
            for _ in range(args.calls):
                py()
            b = time.process_time()
            for _ in range(args.calls):
                rs()
            c = time.process_time()
            t_py += b - a
            t_rs += c - b
        n = args.rounds * args.calls
        print(f"{name:34} Python {t_py / n * 1e6:7.1f} us   Rust {t_rs / n * 1e6:6.1f} us   ({t_py / t_rs:.1f}x)")


if __name__ == "__main__":
    main()
