"""Redaction throughput (MB/s on long notes) and 2 KB prompt latency (p50/p99). A script, not a test.

    .venv/bin/python -m bench.redaction.speed                 # this tree
    .venv/bin/python -m bench.redaction.speed --against HEAD~3  # this tree vs a git ref, same process

With `--against REF`, the engine package as it was at REF is extracted (git archive) into a temporary
directory, imported under another name, and both engines are timed interleaved, round after round, in
this one process: on a shared, noisy machine that is the only comparison worth reading. Latency there
is CPU time (time.process_time), so time spent waiting for a core does not count against either side.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

from bench.redaction.corpus import build
from packgate.runtime.opa import redaction_decisions
from packgate.runtime.redaction import Engine, RedactionSession

ROOT = Path(__file__).resolve().parents[2]


def _texts() -> tuple[str, str]:
    notes = [e.text for e in build() if "\n\n" in e.text]
    long_text = "\n\n".join(notes)
    return long_text, long_text[:2048]


SEED_PACK = ROOT / "packs" / "behavioral-health-review-route.yaml"


def single() -> None:
    engine = Engine.default()
    long_text, prompt = _texts()
    # what to redact is OPA's decision: asked once per text (outside the timings), then applied each round
    long_tr, prompt_tr = (d["transforms"] for d in redaction_decisions(
        SEED_PACK, [Engine.count(engine.scan(long_text)), Engine.count(engine.scan(prompt))]))
    t0 = time.perf_counter()
    f = engine.scan(long_text)
    engine.redact(long_text, f, long_tr, RedactionSession())
    dt = time.perf_counter() - t0
    print(f"long notes: {len(long_text) / 1e6:.2f} MB scanned+redacted in {dt:.3f} s = {len(long_text) / dt / 1e6:.2f} MB/s")
    lat_scan, lat_all = [], []
    for _ in range(500):
        a = time.perf_counter()
        f = engine.scan(prompt)
        b = time.perf_counter()
        engine.redact(prompt, f, prompt_tr, RedactionSession())
        c = time.perf_counter()
        lat_scan.append((b - a) * 1000)
        lat_all.append((c - a) * 1000)
    for name, lat in (("scan", lat_scan), ("scan+redact", lat_all)):
        lat.sort()
        print(f"2 KB prompt {name}: p50 {statistics.median(lat):.3f} ms, p99 {lat[int(len(lat) * 0.99)]:.3f} ms")


def _engine_at(ref: str, tmp: Path):
    """`Engine` class of runtime/redaction as committed at `ref`, imported as `ref_redaction`."""
    blob = subprocess.run(["git", "archive", ref, "runtime/redaction"], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(tmp, filter="data")
    (tmp / "runtime" / "redaction").rename(tmp / "ref_redaction")
    sys.path.insert(0, str(tmp))
    return importlib.import_module("ref_redaction").Engine


def compare(ref: str, rounds: int) -> None:
    long_text, prompt = _texts()
    with tempfile.TemporaryDirectory() as d:
        engines = {ref: _engine_at(ref, Path(d)).default(), "this tree": Engine.default()}
        lat: dict[str, list[float]] = {k: [] for k in engines}
        mbs: dict[str, list[float]] = {k: [] for k in engines}
        for r in range(rounds):
            for name in (list(engines) if r % 2 else list(engines)[::-1]):
                eng = engines[name]
                a = time.process_time()
                eng.scan(long_text)
                mbs[name].append(len(long_text) / max(time.process_time() - a, 1e-9) / 1e6)
                for _ in range(50):
                    a = time.process_time()
                    eng.scan(prompt)
                    lat[name].append((time.process_time() - a) * 1000)
    base = statistics.median(lat[ref])
    for name in engines:
        xs = sorted(lat[name])
        p50 = statistics.median(xs)
        print(f"{name:>12}: 2 KB scan p50 {p50:.3f} ms ({(p50 / base - 1) * 100:+.1f}%), p90 {xs[int(len(xs) * 0.9)]:.3f} ms; "
              f"long notes scan {statistics.median(mbs[name]):.2f} MB/s (CPU time, {rounds} interleaved rounds)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--against", metavar="REF", help="also time the engine at this git ref, interleaved")
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()
    if args.against:
        compare(args.against, args.rounds)
    else:
        single()


if __name__ == "__main__":
    main()
