"""Redaction throughput (MB/s on long notes) and 2 KB prompt latency (p50/p99). A script, not a test.

    .venv/bin/python -m tests.bench.bench_redaction
"""

from __future__ import annotations

import statistics
import time

from packgate.runtime.redaction import Engine, RedactionSession
from tests.redaction.corpus import build


def main() -> None:
    engine = Engine.default()
    notes = [e.text for e in build() if "\n\n" in e.text]
    long_text = "\n\n".join(notes)
    t0 = time.perf_counter()
    f = engine.scan(long_text)
    engine.redact(long_text, f, engine.transforms_for(f), RedactionSession())
    dt = time.perf_counter() - t0
    print(f"long notes: {len(long_text) / 1e6:.2f} MB scanned+redacted in {dt:.3f} s = {len(long_text) / dt / 1e6:.2f} MB/s")
    prompt = long_text[:2048]
    lat_scan, lat_all = [], []
    for _ in range(500):
        a = time.perf_counter()
        f = engine.scan(prompt)
        b = time.perf_counter()
        engine.redact(prompt, f, engine.transforms_for(f), RedactionSession())
        c = time.perf_counter()
        lat_scan.append((b - a) * 1000)
        lat_all.append((c - a) * 1000)
    for name, lat in (("scan", lat_scan), ("scan+redact", lat_all)):
        lat.sort()
        print(f"2 KB prompt {name}: p50 {statistics.median(lat):.3f} ms, p99 {lat[int(len(lat) * 0.99)]:.3f} ms")


if __name__ == "__main__":
    main()
