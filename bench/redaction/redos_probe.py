"""Probe every compiled regex of the detector for superlinear backtracking (issue 9). A script, not a test.

    PYTHONPATH=. .venv/bin/python -m bench.redaction.redos_probe            # every pattern, pumped
    PYTHONPATH=. .venv/bin/python -m bench.redaction.redos_probe --engines  # flagged shapes, both engines

Each pattern found in the detector modules (module globals, and patterns held in their tuples, lists
and dicts) is searched (`finditer`, as the detectors do) on pumped strings: a prefix that starts it (a
word taken from the pattern's own literals, or nothing), then n repetitions of a pump, then a suffix
that makes it fail. The time at n=40 and n=160 is compared: linear gives x4, quadratic x16, cubic
x64; a ratio over 8 (on a time large enough to read) is flagged. `--engines` then times the engine on
each of `speed.backtracking_inputs()` (the flagged shapes that were slow through the detectors) at
1k..8k characters: the Rust ports on the ASCII text and the Python detectors on the same text with
one non-ASCII character appended (the engine sends such text to Python). Quadratic flags from a
pattern that opens with a blank run are `finditer` restarting at every blank: the detectors run those
with `match` at one offset (or on a bounded window), so they are read in context, not rewritten."""

from __future__ import annotations

import argparse
import importlib
import re
import time

MODULES = ["addresses", "clinical", "engine", "lexicons", "markers", "names", "ner", "normalise", "patterns"]
PUMPS = [" ", "\t", " \t", "a", "A", "1", "x", ".", "-", "/", ":", "#", "'", ",", "\n", "1 ", "a ", "A ", "Ab ",
         "1.", "1-", "12 ", "a.", "A.", "Ab", "ab", "a-", "a'", "1/", "Dr. ", " 1", "aB", "A1", "1a", "@a", "a@"]
SUFFIXES = ["", "!"]


def patterns() -> dict[str, re.Pattern[str]]:
    """Every compiled pattern the detector modules hold, by module.name."""
    out: dict[str, re.Pattern[str]] = {}

    def take(name: str, v: object, depth: int = 0) -> None:
        if isinstance(v, re.Pattern) and isinstance(v.pattern, str):
            out.setdefault(name, v)
        elif depth < 2 and isinstance(v, (list, tuple, frozenset, set)):
            for i, x in enumerate(v):
                take(f"{name}[{i}]", x, depth + 1)
        elif depth < 2 and isinstance(v, dict):
            for k, x in v.items():
                take(f"{name}[{k!r}]", x, depth + 1)

    for mod in MODULES:
        m = importlib.import_module(f"packgate.runtime.redaction.{mod}")
        for k, v in vars(m).items():
            take(f"{mod}.{k}", v)
    # _WORD_AT: one literal word per pattern (linear); one of them stands for all
    return {k: v for k, v in out.items() if not k.startswith("patterns._WORD_AT[") or k == "patterns._WORD_AT['jan']"}


def prefixes(p: re.Pattern[str]) -> list[str]:
    """Words the pattern spells (after its escapes are dropped), to start a match; and nothing."""
    src = re.sub(r"\\[A-Za-z]|\(\?[A-Za-z<!=:>]*|\[[^\]]*\]", " ", p.pattern)
    words = sorted(set(re.findall(r"[A-Za-z]{2,}", src)), key=lambda w: (-len(w), w))
    return ["", "A", "1", "Dr "] + words[:10]


def _t(p: re.Pattern[str], text: str) -> float:
    best = float("inf")
    for _ in range(2):
        a = time.perf_counter()
        for _ in p.finditer(text):
            pass
        best = min(best, time.perf_counter() - a)
    return best


def probe(limit: float = 8.0, floor: float = 2e-4) -> list[tuple[str, str, str, str, float, float]]:
    """Flag each pattern at its first superlinear shape (n=40 vs n=160; x4 linear, x16 quadratic)."""
    flagged = []
    for name, p in patterns().items():
        found = None
        for pre in prefixes(p):
            for pump in PUMPS:
                for suf in SUFFIXES:
                    small = _t(p, pre + pump * 40 + suf)
                    big = small if small > 5e-3 else _t(p, pre + pump * 160 + suf)
                    if small > 5e-3 or (big > floor and big / max(small, 1e-7) > limit):
                        found = (pre, pump, suf, small, big)
                        break
                if found:
                    break
            if found:
                break
        if found:
            pre, pump, suf, small, big = found
            print(f"FLAG {name}: n=40 {small * 1e3:.2f} ms, n=160 {big * 1e3:.2f} ms (x{big / max(small, 1e-7):.0f}) "
                  f"prefix={pre!r} pump={pump!r} suffix={suf!r}\n     {p.pattern[:160]}", flush=True)
            flagged.append((name, pre, pump, suf, small, big))
    return flagged


def engines() -> None:
    """Time the engine on `speed.backtracking_inputs()` at 1k..8k: Rust on ASCII, Python with one 'é'."""
    from bench.redaction.speed import backtracking_inputs
    from packgate.runtime.redaction import Engine

    engine = Engine.default()
    for name in backtracking_inputs(1024):
        row = []
        for n in (1000, 2000, 4000, 8000):
            text = backtracking_inputs(n)[name]
            a = time.process_time()
            engine.scan(text)
            b = time.process_time()
            engine.scan(text + "\u00e9")
            c = time.process_time()
            row.append((n, b - a, c - b))
            if c - b > 5 or b - a > 5:
                break
        print(f"{name}: " + "; ".join(
            f"n={n} rust {r * 1e3:.1f} ms python {p * 1e3:.1f} ms" for n, r, p in row), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", action="store_true")
    args = ap.parse_args()
    if args.engines:
        engines()
        return
    print(f"{len(patterns())} patterns")
    probe()


if __name__ == "__main__":
    main()
