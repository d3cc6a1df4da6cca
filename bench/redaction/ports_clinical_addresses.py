"""CPU time of the Rust ports of clinical.py's `scan_clinical` and `address_tails` and of addresses.py's
`scan_addresses` beside the Python functions, interleaved in one process on the 2 KB note (median of
the rounds, the side that goes first alternating). A script, not a test.

    PYTHONPATH=. .venv/bin/python -m bench.redaction.ports_clinical_addresses [--rounds 40] [--calls 50]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from typing import Callable

from bench.redaction.speed import _texts
from packgate.runtime.redaction import clinical, lexicons
from packgate.runtime.redaction.addresses import scan_addresses
from packgate.runtime.redaction.native import core
from packgate.runtime.redaction.native import lexicons as native_lexicons
from packgate.runtime.redaction.patterns import scan_structured, word_index


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--calls", type=int, default=50, help="calls per side per round")
    args = ap.parse_args()
    lex = lexicons.load()
    nat = native_lexicons(lex)
    text = _texts()[1]
    assert text.isascii()
    low, words, at = word_index(text)
    runs = [m.span() for m in clinical._RUN.finditer(text)]
    hits = list(scan_structured(text, low, words, runs, at)) + list(clinical.scan_clinical(text, words, runs))

    def py_clinical() -> object:
        return list(clinical.scan_clinical(text, words, runs))

    def rs_clinical() -> object:  # as the engine calls it: the set orders are part of the cost
        return core.scan_clinical(text, *clinical.native_orders(words))

    def py_addresses() -> object:
        return list(scan_addresses(text, lex.english, low, lex.street_words))

    def rs_addresses() -> object:
        return core.scan_addresses(text, nat)

    def py_tails() -> object:
        return clinical.address_tails(text, hits)

    def rs_tails() -> object:  # with the engine's list of street spans
        return core.address_tails(text, [(h[1], h[2]) for h in hits if h[4] == "street-address"])

    pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "scan_clinical": (py_clinical, rs_clinical),
        "scan_addresses": (py_addresses, rs_addresses),
        "address_tails": (py_tails, rs_tails),
        "all three": (lambda: (py_clinical(), py_addresses(), py_tails()),
                      lambda: (rs_clinical(), rs_addresses(), rs_tails())),
    }
    gc.disable()
    for name, (py, rs) in pairs.items():
        assert py() == rs(), name
        times: dict[str, list[float]] = {"py": [], "rs": []}
        for r in range(args.rounds):
            for side in ("py", "rs") if r % 2 == 0 else ("rs", "py"):
                f = py if side == "py" else rs
                a = time.process_time()
                for _ in range(args.calls):
                    f()
                times[side].append((time.process_time() - a) / args.calls * 1e6)
        t_py, t_rs = statistics.median(times["py"]), statistics.median(times["rs"])
        print(f"{name:16} Python {t_py:7.1f} us   Rust {t_rs:6.1f} us   ({t_py / t_rs:.1f}x)")


if __name__ == "__main__":
    main()
