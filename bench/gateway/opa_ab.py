"""OPA's own cost of the two decisions, this tree's Rego library against another revision's, interleaved.

    python -m bench.gateway.opa_ab [--ref main] [--rounds 7] [--flag --optimize-store-for-read-speed]
    python -m bench.gateway.opa_ab --templates-ref main   # compiler, templates and library all at main
    python -m bench.gateway.opa_ab --ref 91fa848 --build-ref 81d67a0   # library swap, templates of 81d67a0

Builds the bench bundle (seed pack + `bench/gateway/packs/bench-deliver-route.yaml`) with this tree's
compiler, copies it and swaps in `rego/packgate/lib` as it is at `--ref` (the before), then runs
`opa bench` on the seed pack's request and response decisions with the inputs the gateway builds for
the bench prompt (`opa_decisions.inputs`), alternating before/after round by round so load on the
machine falls on both alike; then serves each bundle from its own `opa run --server` and asks both, request
by request in turn, with `?metrics=true` (`--n` decisions per side and phase): OPA's eval
(`timer_rego_query_eval_ns`) and handler (`timer_server_handler_ns`) p50, as `opa_decisions` reports them.
Prints JSON: per decision and side, the median ns/op over the rounds, allocations per op, the median of
`opa bench`'s eval medians, and the servers' eval and handler p50 in ms. The library swap measures
changes to the hand-written Rego; a template change shows up on both sides. With `--templates-ref`, the
before is instead built whole by the compiler as it is at that ref (`git archive` of compiler/, rego/,
packgate/ and the packs, run with this venv): templates, compiler and library all as they were.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import orjson

from tests.harness import free_port

from .__main__ import OPA, ROOT, SEED, VARIANT, wait_up
from .opa_decisions import inputs

LIB = "rego/packgate/lib"


def lib_at(ref: str, dest: Path) -> None:
    """Write `rego/packgate/lib` as it is at git `ref` into `dest` (replacing what is there)."""
    names = subprocess.run(["git", "ls-tree", "-r", "--name-only", ref, LIB], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    shutil.rmtree(dest)
    for name in names:
        out = dest / Path(name).relative_to(LIB)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(subprocess.run(["git", "show", f"{ref}:{name}"], cwd=ROOT, check=True,
                                       capture_output=True).stdout)


def build_at(ref: str, out: Path, work: Path) -> None:
    """Build the bench bundle with the compiler, templates and library as they are at git `ref`."""
    src = work / "src"
    src.mkdir()
    tar = subprocess.run(["git", "archive", ref, "compiler", "rego", "packgate", "packs", "bench/gateway/packs"],
                         cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=tar, check=True)
    # The package maps packgate.compiler -> compiler/ and packgate.runtime -> runtime/ (pyproject's
    # package-dir); the archive's own compiler is found first through these links and PYTHONPATH.
    (src / "packgate" / "compiler").symlink_to("../compiler")
    (src / "packgate" / "runtime").symlink_to(ROOT / "runtime")
    (src / ".tools").symlink_to(ROOT / ".tools")
    env = {**os.environ, "PYTHONPATH": str(src)}
    check = subprocess.run([sys.executable, "-c", "import packgate.compiler.build as b; print(b.__file__)"],
                           cwd=src, env=env, check=True, capture_output=True, text=True).stdout
    assert Path(check.strip()).resolve().is_relative_to(src.resolve()), check
    subprocess.run([sys.executable, "-m", "packgate", "build", str(src / SEED.relative_to(ROOT)),
                    str(src / VARIANT.relative_to(ROOT)), "-o", str(out)], cwd=src, env=env, check=True,
                   capture_output=True)


def bench(bundle: Path, query: str, inp: Path, flags: list[str]) -> tuple[float, int, int]:
    out = subprocess.run([OPA, "bench", *flags, "--format", "json", "-b", str(bundle), "--input", str(inp),
                          "--count", "1", query], check=True, capture_output=True, text=True).stdout
    x = json.loads(out)
    return x["T"] / x["N"], x["MemAllocs"] // x["N"], int(x["Extra"]["histogram_timer_rego_query_eval_ns_median"])


def server_p50s(bundles: dict[str, Path], path: str, inp: dict[str, dict], n: int) -> dict:
    """Each bundle on its own OPA server; decisions asked side by side in turn: eval and handler p50 (ms)."""
    procs, urls = [], {}
    try:
        for side, bundle in bundles.items():
            port = free_port()
            procs.append(subprocess.Popen([OPA, "run", "--server", "--addr", f"127.0.0.1:{port}", "--bundle",
                                           str(bundle), "--log-level", "error", "--skip-version-check"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            urls[side] = f"http://127.0.0.1:{port}"
            wait_up(f"{urls[side]}/health?bundles=true")
        out: dict = {}
        clients = {side: httpx.Client(base_url=url) for side, url in urls.items()}
        for phase in ("request", "response"):
            body = orjson.dumps({"input": inp[phase]})
            ev: dict[str, list[float]] = {side: [] for side in urls}
            hd: dict[str, list[float]] = {side: [] for side in urls}
            for i in range(n + 100):
                for side in (list(urls) if i % 2 == 0 else list(reversed(urls))):
                    m = clients[side].post(f"/v1/data/{path}/{phase}?metrics=true", content=body).json()["metrics"]
                    if i >= 100:
                        ev[side].append(m["timer_rego_query_eval_ns"] / 1e6)
                        hd[side].append(m["timer_server_handler_ns"] / 1e6)
            out[phase] = {side: {"eval_p50_ms": round(statistics.median(ev[side]), 3),
                                 "handler_p50_ms": round(statistics.median(hd[side]), 3)} for side in urls}
        for c in clients.values():
            c.close()
        return out
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", default="main")
    ap.add_argument("--build-ref", default=None,
                    help="library swap only, both sides built by the compiler at this ref (templates this tree's "
                         "library may no longer match, e.g. --ref 91fa848 against per-pack specialised templates)")
    ap.add_argument("--templates-ref", default=None,
                    help="build the before side whole with the compiler at this ref (not just its library)")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--flag", action="append", default=[], help="extra `opa bench` flag for both sides")
    ap.add_argument("--n", type=int, default=1000, help="server decisions per side and phase")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if a.build_ref:  # the compiler at build_ref on both sides, this tree's library on the after
            build_at(a.build_ref, work / "after", work)
            shutil.rmtree(work / "after" / LIB.removeprefix("rego/"))
            shutil.copytree(ROOT / LIB, work / "after" / LIB.removeprefix("rego/"))
        else:
            subprocess.run([sys.executable, "-m", "packgate", "build", str(SEED), str(VARIANT), "-o", str(work / "after")],
                           cwd=ROOT, check=True, capture_output=True)
        if a.templates_ref:
            build_at(a.templates_ref, work / "before", work)
        else:
            shutil.copytree(work / "after", work / "before")
            lib_at(a.ref, work / "before" / "packgate" / "lib")
        (work / "before" / ".manifest").unlink(missing_ok=True)
        (work / "after" / ".manifest").unlink(missing_ok=True)
        path, req, resp = inputs(SEED)
        for phase, inp in (("request", req), ("response", resp)):
            (work / f"{phase}.json").write_text(json.dumps(inp))
        runs: dict[str, dict[str, list[tuple[float, int, int]]]] = {
            ph: {"before": [], "after": []} for ph in ("request", "response")}
        for r in range(a.rounds):
            for phase in ("request", "response"):
                sides = ("before", "after") if r % 2 == 0 else ("after", "before")
                for side in sides:
                    runs[phase][side].append(bench(work / side, f"data.{path.replace('/', '.')}.{phase}",
                                                   work / f"{phase}.json", a.flag))
        out = {"ref": a.templates_ref or a.ref, "whole_build": bool(a.templates_ref), "build_ref": a.build_ref,
               "rounds": a.rounds, "flags": a.flag}
        for phase, sides in runs.items():
            out[phase] = {side: {"ns_op_median": round(statistics.median(t for t, _, _ in v)),
                                 "allocs_op": v[0][1],
                                 "eval_ns_median": round(statistics.median(e for _, _, e in v))}
                          for side, v in sides.items()}
        servers = server_p50s({"before": work / "before", "after": work / "after"}, path,
                              {"request": req, "response": resp}, a.n)
        for phase in ("request", "response"):
            for side in ("before", "after"):
                out[phase][side].update(servers[phase][side])
        print(json.dumps(out))


if __name__ == "__main__":
    main()
