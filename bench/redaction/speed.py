"""Redaction throughput (MB/s on long notes) and 2 KB prompt latency (p50/p99). A script, not a test.

    .venv/bin/python -m bench.redaction.speed                 # this tree
    .venv/bin/python -m bench.redaction.speed --against HEAD~3  # this tree vs a git ref, same process
    .venv/bin/python -m bench.redaction.speed --adversarial     # 1 MiB adversarial inputs, each <= 1 s
    .venv/bin/python -m bench.redaction.speed --adversarial --against REF  # the same, REF's engine beside
    .venv/bin/python -m bench.redaction.speed --slots --against REF  # the gateway's scan_slots/redact_slots

With `--against REF`, the engine package as it was at REF is extracted (git archive) into a temporary
directory, imported under another name, and both engines are timed interleaved, round after round, in
this one process: on a shared, noisy machine that is the only comparison worth reading. Latency there
is CPU time (time.process_time), so time spent waiting for a core does not count against either side.
"""

from __future__ import annotations

import argparse
import importlib
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import types
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


def with_symbols(text: str) -> str:
    """`text` with the symbols notes pasted from word processors and EHR exports keep (issue 18): a bullet
    at each line's start, and a degree sign, a plus-minus, a greater-or-equal or an arrow before every
    40th word."""
    words = re.sub(r"\n(?=[^\n])", "\n\u2022 ", text).split(" ")
    for i in range(40, len(words), 40):
        words[i] = "\u00b0\u00b1\u2265\u2192"[i // 40 % 4] + " " + words[i]
    return " ".join(words)


def _prompts() -> dict[str, str]:
    """The 2 KB prompt rows: as it is, with symbols (the Rust path since issue 18), and with symbols and a
    name with an accent (the Python path, after the look for symbols)."""
    prompt = _texts()[1]
    return {"2 KB": prompt, "2 KB with symbols": with_symbols(prompt),
            "2 KB with symbols, \u00e9": with_symbols(prompt).replace(" ", " Jos\u00e9 ", 1)}


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
    for name, text in list(_prompts().items())[1:]:
        lat = []
        for _ in range(500):
            a = time.perf_counter()
            engine.scan(text)
            lat.append((time.perf_counter() - a) * 1000)
        lat.sort()
        print(f"{name} prompt scan: p50 {statistics.median(lat):.3f} ms, p99 {lat[int(len(lat) * 0.99)]:.3f} ms")


def _engine_at(ref: str, tmp: Path):
    """`Engine` class of runtime/redaction as committed at `ref`, imported as `ref_redaction`."""
    blob = subprocess.run(["git", "archive", ref, "runtime/redaction"], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(tmp, filter="data")
    (tmp / "runtime" / "redaction").rename(tmp / "ref_redaction")
    sys.path.insert(0, str(tmp))
    return importlib.import_module("ref_redaction").Engine


def _scanning_at(ref: str):
    """`runtime/gateway/scanning.py` as committed at `ref`, over REF's engine package (imported first by
    `_engine_at` as `ref_redaction`), as the module `ref_scanning`."""
    src = subprocess.run(["git", "show", f"{ref}:runtime/gateway/scanning.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    mod = types.ModuleType("ref_scanning")
    sys.modules["ref_scanning"] = mod
    exec(compile(src.replace("from packgate.runtime.redaction import", "from ref_redaction import"), "ref_scanning",
                 "exec"), mod.__dict__)
    return mod


def slots(ref: str, rounds: int) -> None:
    """The gateway's `scan_slots` and `redact_slots` on the bench request's two slots (system prompt +
    `bench/gateway/prompt.PROMPT`, the delivered route's transforms), REF's code against this tree's,
    interleaved in this process (CPU time per call, median of the rounds); outputs asserted equal."""
    from bench.gateway.__main__ import VARIANT
    from bench.gateway.prompt import PROMPT
    from packgate.runtime.gateway import scanning

    texts = ["You are a careful clinical assistant.", PROMPT]
    with tempfile.TemporaryDirectory() as d:
        sides = {ref: (_engine_at(ref, Path(d)).default(), _scanning_at(ref)), "this tree": (Engine.default(), scanning)}
        found, counts = scanning.scan_slots(sides["this tree"][0], texts)
        transforms = redaction_decisions(VARIANT, [counts])[0]["transforms"]
        outs = {}
        for name, (eng, mod) in sides.items():
            f, c = mod.scan_slots(eng, texts)
            outs[name] = (f, c, mod.redact_slots(eng, texts, f, transforms, mod.RedactionSession())[:2])
        assert outs[ref] == outs["this tree"]
        calls = 100
        times: dict[tuple[str, str], list[float]] = {}
        for r in range(rounds):
            for name in (list(sides) if r % 2 else list(sides)[::-1]):
                eng, mod = sides[name]
                a = time.process_time()
                for _ in range(calls):
                    mod.scan_slots(eng, texts)
                b = time.process_time()
                for _ in range(calls):
                    mod.redact_slots(eng, texts, found, transforms, mod.RedactionSession())
                c = time.process_time()
                times.setdefault((name, "scan_slots"), []).append((b - a) / calls * 1e6)
                times.setdefault((name, "redact_slots"), []).append((c - b) / calls * 1e6)
    for step in ("scan_slots", "redact_slots"):
        base = statistics.median(times[(ref, step)])
        for name in sides:
            t = statistics.median(times[(name, step)])
            print(f"{step:12} two slots {name:>12}: {t:7.1f} us ({(t / base - 1) * 100:+.1f}%)  "
                  f"(CPU time, median of {rounds} interleaved rounds of {calls} calls)")


def compare(ref: str, rounds: int) -> None:
    long_text, _ = _texts()
    prompts = _prompts()
    with tempfile.TemporaryDirectory() as d:
        engines = {ref: _engine_at(ref, Path(d)).default(), "this tree": Engine.default()}
        lat: dict[tuple[str, str], list[float]] = {(k, p): [] for k in engines for p in prompts}
        mbs: dict[str, list[float]] = {k: [] for k in engines}
        for r in range(rounds):
            for name in (list(engines) if r % 2 else list(engines)[::-1]):
                eng = engines[name]
                a = time.process_time()
                eng.scan(long_text)
                mbs[name].append(len(long_text) / max(time.process_time() - a, 1e-9) / 1e6)
                for label, prompt in prompts.items():
                    for _ in range(50):
                        a = time.process_time()
                        eng.scan(prompt)
                        lat[name, label].append((time.process_time() - a) * 1000)
    for label in prompts:
        base = statistics.median(lat[ref, label])
        for name in engines:
            xs = sorted(lat[name, label])
            p50 = statistics.median(xs)
            print(f"{name:>12}: {label + ' scan':>26} p50 {p50:.3f} ms ({(p50 / base - 1) * 100:+.1f}%), "
                  f"p90 {xs[int(len(xs) * 0.9)]:.3f} ms")
    for name in engines:
        print(f"{name:>12}: long notes scan {statistics.median(mbs[name]):.2f} MB/s "
              f"(CPU time, {rounds} interleaved rounds)")


MIB = 1 << 20


def adversarial_inputs() -> dict[str, str]:
    """1 MiB inputs shaped to hit each detector's worst case (issue 9: each must scan in <= 1 s)."""
    import random

    r = random.Random(9)

    def fill(unit: str) -> str:
        return (unit * (MIB // len(unit) + 1))[:MIB]

    caps = ["Hollis", "Grant", "Maria", "Cedar", "Valley", "Smith", "John", "Paris", "Anna", "Lee", "Dr.", "County"]
    return {
        "spaced digits": fill("1 2 3 4 5 6 7 8 9 0 "),
        "capitalised words": " ".join(r.choice(caps) for _ in range(MIB // 6))[:MIB],
        "digit groups": fill("123 "),
        "digit run": "7" * MIB,
        "dash run": "-" * MIB,
        "en-dash digits": fill("12\u201334\u2013"),
        "dotted digits": fill("12.34."),
        "mixed ids": fill("AB12-34/56 "),
        "zero-width digits": fill("1\u200b2\u200b3\u200b-"),
        "fullwidth digits": fill("\uff11\uff12\uff13 "),
        "combining marks": fill("Jose\u0301 "),
        "ligatures": fill("\ufb01\u00bd"),
        "markers and names": fill("[NAME] John [NAME_1] "),
        "at signs": fill("a@b "),
        "street-like": fill("12 Main St, "),
        "month words": fill("since October 4/81 "),
        # recall3's house number after a name or place, and two streets joined by "and" (a finding or
        # two every 20-25 characters)
        "joined streets": fill("to Leon and Eyrarodda 66 "),
        "street after on": fill("on Hoge Wei 32 St. "),
        "name and number": fill("Joaquin Suarez 2906. "),
    }


def backtracking_inputs(size: int = MIB) -> dict[str, str]:
    """1 MiB (`size`) inputs for issue 9's backtracking patterns: a cue word, one long blank run, a failing end.

    Before the blank runs were made possessive, each took every split of the run (cubic in its length:
    "pager" + 2000 spaces + "x 1" took 17.7 s in Python). Kept apart from `adversarial_inputs()`,
    whose key set `tests/redaction/findings_expected.json` freezes; `--adversarial` times both."""

    def blank(cue: str, end: str = " x", unit: str = " ") -> str:
        return cue + (unit * size)[: size - len(cue) - len(end)] + end

    return {
        "pager blanks": blank("pager", " x 1"),
        "zip code blanks": blank("zip code"),
        "ssn blanks": blank("SSN"),
        "phone blanks": blank("phone"),
        "cvv blanks": blank("CVV"),
        "mrn blanks": blank("MRN"),
        "dob blanks": blank("DOB"),
        "aged blanks": blank("aged"),
        "po box blanks": blank("POB"),
        "address blanks": blank("address"),
        "plate blanks": blank("plate"),
        "tab blanks": blank("pager", " x 1", " \t"),
        # a street, a city, then blanks before a 3-digit run: the address tail's city group (three runs)
        "city blanks": blank("12 Main St, Springfield", " x 123"),
        "lower city blanks": blank("12 main st, springfield", " x 123"),
    }


def adversarial(limit_s: float = 1.0, against: str | None = None) -> bool:
    """Scan each adversarial input once (after a warm-up); print the time; False if any is over `limit_s`.

    With `against`, the engine at that git ref scans each input too, right before this tree's: an A/B
    in one process and one run window (the verdict is this tree's); the backtracking inputs are this
    tree's only."""
    with tempfile.TemporaryDirectory() as d:
        engines = {"this tree": Engine.default()}
        if against:
            engines = {against: _engine_at(against, Path(d)).default(), **engines}
        for eng in engines.values():
            eng.scan("warm up: Patient Jane Doe, MRN 1234567.")
        ok = True
        backtracking = backtracking_inputs()
        for name, text in {**adversarial_inputs(), **backtracking}.items():
            for label, engine in engines.items():
                if name in backtracking and label != "this tree":
                    continue  # a ref before the possessive blank runs (52a8f9c) takes hours on these
                t0 = time.perf_counter()
                cpu0 = time.process_time()
                engine.scan(text)
                wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
                mine = label == "this tree"
                flag = "  OVER" if mine and cpu > limit_s else ""
                ok = ok and (cpu <= limit_s or not mine)
                who = f" [{label}]" if against else ""
                print(f"1 MiB {name:18}{who}: {cpu:.2f} s CPU ({wall:.2f} s wall), {MIB / max(cpu, 1e-9) / 1e6:.2f} MB/s{flag}")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--against", metavar="REF", help="also time the engine at this git ref, interleaved")
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--adversarial", action="store_true", help="time the 1 MiB adversarial inputs (each <= 1 s)")
    ap.add_argument("--slots", action="store_true", help="the gateway's scan_slots/redact_slots against REF (--against, default main)")
    args = ap.parse_args()
    if args.slots:
        return slots(args.against or "main", args.rounds)
    if args.adversarial:
        raise SystemExit(0 if adversarial(against=args.against) else 1)
    if args.against:
        compare(args.against, args.rounds)
    else:
        single()


if __name__ == "__main__":
    main()
