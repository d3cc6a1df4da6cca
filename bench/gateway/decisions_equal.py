"""Whole decisions of two compilers on the same packs and inputs: this tree's against `--ref`'s.

    python -m bench.gateway.decisions_equal [--ref 81d67a0]

Builds every pack in the repo (packs/, tests/*/packs/, the bench pack) plus the edge-shape packs of
`tests/compiler/test_specialised.py` once with the compiler, templates and library at `--ref`
(`opa_ab.build_at`) and once with this tree's, then asks `opa eval` for the `request` and `response`
decision of each pack on that test's seeded inputs (targets varied as there). Prints each difference
and a count; exits 1 if any decision differs. A check for template changes that must not change what
is decided (e.g. per-pack specialised Rego against the generic formulation at 81d67a0).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from packgate.compiler.build import build_bundle
from packgate.compiler.rego_literal import identifier
from tests.compiler.test_specialised import EDGE_PACKS, REPO_PACKS, _inputs

from .__main__ import OPA
from .opa_ab import build_at


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", default="81d67a0")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        paths = []
        for p in REPO_PACKS:
            q = tmp / p.name
            q.write_text(p.read_text().replace("{base_url}", "http://127.0.0.1:9").replace("{model}", "m"))
            paths.append(q)
        for n, text in EDGE_PACKS.items():
            (tmp / f"{n}.yaml").write_text(text)
            paths.append(tmp / f"{n}.yaml")
        (tmp / "w").mkdir()
        build_at(a.ref, tmp / "old", tmp / "w")
        src = tmp / "w" / "src"
        subprocess.run([sys.executable, "-m", "packgate", "build", *map(str, paths), "-o", str(tmp / "old")], cwd=src,
                       env={**os.environ, "PYTHONPATH": str(src)}, check=True, capture_output=True)
        build_bundle(paths, tmp / "new")
        total = differ = 0
        for path in paths:
            pack = yaml.safe_load(path.read_text())
            pkg = "data.packgate.packs." + identifier(pack["pack"]["name"])
            requests, responses = _inputs(pack)
            for phase, inputs in (("request", requests), ("response", responses)):
                (tmp / "in.json").write_text(json.dumps(inputs))
                each = (f'x := {pkg}.{phase} with input as object.remove(item, ["_targets"]) '
                        f'with {pkg}.targets as object.get(item, "_targets", {pkg}.targets)')
                out = {}
                for side in ("old", "new"):
                    r = subprocess.run([OPA, "eval", "-f", "json", "-b", str(tmp / side), "--input", str(tmp / "in.json"),
                                        f"[x | some item in input; {each}]"], capture_output=True, text=True, check=True)
                    out[side] = json.loads(r.stdout)["result"][0]["expressions"][0]["value"]
                    assert len(out[side]) == len(inputs), f"{path.name} {phase}: undefined for some input ({side})"
                for inp, old, new in zip(inputs, out["old"], out["new"], strict=True):
                    total += 1
                    if old != new:
                        differ += 1
                        print("differs:", path.name, phase, json.dumps(inp)[:400], json.dumps(old)[:400],
                              json.dumps(new)[:400])
        print(json.dumps({"ref": a.ref, "packs": len(paths), "decisions": total, "differ": differ}))
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
