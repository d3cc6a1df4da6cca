"""CPU time of the Rust `scan_names` beside `names.scan_names` (the Python function it replaces),
interleaved in one process on the 2 KB note, and once each on the 1 MiB adversarial inputs that are
ASCII. Asserts equal output first. A script, not a test.

    PYTHONPATH=. .venv/bin/python -m bench.redaction.port_scan_names [--rounds 30] [--calls 50]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from bench.redaction.speed import _texts, adversarial_inputs
from packgate.runtime.redaction import lexicons
from packgate.runtime.redaction import names as N
from packgate.runtime.redaction.native import core
from packgate.runtime.redaction.native import lexicons as native_lexicons


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--calls", type=int, default=50, help="calls per side per round")
    ap.add_argument("--no-adversarial", action="store_true")
    args = ap.parse_args()
    lex = lexicons.load()
    nat = native_lexicons(lex)
    text = _texts()[1]
    assert text.isascii()
    assert core.scan_names(text, nat) == list(N.scan_names(text, lex))  # also warms the Python token memo
    gc.disable()
    py_t, rs_t = [], []
    for _ in range(args.rounds):
        a = time.process_time()
        for _ in range(args.calls):
            list(N.scan_names(text, lex))
        b = time.process_time()
        for _ in range(args.calls):
            core.scan_names(text, nat)
        c = time.process_time()
        py_t.append((b - a) / args.calls)
        rs_t.append((c - b) / args.calls)
    py, rs = statistics.median(py_t), statistics.median(rs_t)
    print(f"2 KB note, scan_names: Python {py * 1e6:.1f} us, Rust {rs * 1e6:.1f} us ({py / rs:.1f}x; "
          f"medians of {args.rounds} rounds of {args.calls} calls, CPU time)")
    gc.enable()
    if args.no_adversarial:
        return
    for name, big in adversarial_inputs().items():
        if not big.isascii():
            continue
        a = time.process_time()
        want = list(N.scan_names(big, lex))
        b = time.process_time()
        got = core.scan_names(big, nat)
        c = time.process_time()
        assert got == want, name
        print(f"1 MiB {name!r:22} Python {b - a:.3f} s, Rust {c - b:.4f} s")


if __name__ == "__main__":
    main()
