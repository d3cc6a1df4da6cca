"""CPU time of `Engine._settled` on the 2 KB note three ways, interleaved in one process (median of the
rounds, the side that goes first rotating): the one Rust call (`core.Scanner`, native/src/scan.rs), the
per-port path it replaces (each port called from the Python glue), and the Python oracle. A script, not
a test.

    PYTHONPATH=. .venv/bin/python -m bench.redaction.port_scan_ascii [--rounds 40] [--calls 50]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from typing import Callable

from bench.redaction.speed import _texts
from packgate.runtime.redaction import Engine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--calls", type=int, default=50, help="calls per side per round")
    args = ap.parse_args()
    text = _texts()[1]
    assert text.isascii()
    one = Engine.default()
    ports = Engine.default()
    ports._scanner = None  # the glue in Python, each port called on its own
    oracle = Engine.default(native=False)
    want = oracle._settled(text)
    sides: dict[str, Callable[[], object]] = {
        "scan_ascii (one call)": lambda: one._settled(text),
        "per-port glue": lambda: ports._settled(text),
        "python oracle": lambda: oracle._settled(text),
    }
    for name, fn in sides.items():
        assert fn() == want, name
    times: dict[str, list[float]] = {k: [] for k in sides}
    names = list(sides)
    gc.disable()
    for r in range(args.rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            fn = sides[name]
            t0 = time.process_time()
            for _ in range(args.calls):
                fn()
            times[name].append((time.process_time() - t0) / args.calls * 1e6)
    gc.enable()
    base = statistics.median(times["python oracle"])
    for name in names:
        med = statistics.median(times[name])
        print(f"{name:24} {med:8.1f} us  (x{base / med:.1f} vs python)")


if __name__ == "__main__":
    main()
