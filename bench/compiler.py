"""How long building the seed pack takes end to end (load, lint, render, write), without `opa`.

Run: .venv/bin/python -m bench.compiler
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from packgate.compiler.build import build_bundle, compile_pack, load_all

SEED = Path(__file__).resolve().parents[1] / "packs" / "behavioral-health-review-route.yaml"


def main(rounds: int = 50) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        build_bundle([SEED], Path(tmp) / "warm")  # imports, template compilation
        total, load, render = [], [], []
        for i in range(rounds):
            t0 = time.perf_counter()
            loaded, _ = load_all([SEED])
            t1 = time.perf_counter()
            compile_pack(loaded[0])
            t2 = time.perf_counter()
            build_bundle([SEED], Path(tmp) / f"b{i}")
            t3 = time.perf_counter()
            load.append((t1 - t0) * 1000)
            render.append((t2 - t1) * 1000)
            total.append((t3 - t2) * 1000)
    print(f"seed pack build, {rounds} rounds (ms): "
          f"load+lint p50 {statistics.median(load):.2f} | render p50 {statistics.median(render):.2f} | "
          f"end to end (load, lint, render, write bundle) p50 {statistics.median(total):.2f}, max {max(total):.2f}")
    t0 = time.perf_counter()
    import subprocess
    import sys
    subprocess.run([sys.executable, "-m", "packgate", "build", str(SEED), "-o", "/tmp/packgate-bench-bundle"],
                   capture_output=True, check=True)
    print(f"cold CLI `packgate build` including interpreter start: {(time.perf_counter() - t0) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
