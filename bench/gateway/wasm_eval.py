"""Would in-process Wasm evaluation beat the OPA server? (issue 5: "keep it only if the numbers favour it")

Builds the seed pack's bundle for OPA's Wasm target (`opa build -t wasm`, entrypoints request/response),
evaluates the gateway's real inputs in process with `opa-py-wasm` (wasmtime) if it is installed, checks
the answers equal the OPA server's, and prints p50/p99 per decision as JSON. Skipped (JSON with `skipped`)
when opa-py-wasm is not installed: it is not a packgate dependency.

    python -m bench.gateway.wasm_eval --opa OPA --opa-url URL --pack PACK --inputs DIR --path packgate/packs/<pkg>
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import httpx


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--opa", required=True)
    ap.add_argument("--opa-url", required=True)
    ap.add_argument("--pack", type=Path, required=True)
    ap.add_argument("--inputs", type=Path, required=True)
    ap.add_argument("--path", required=True)
    ap.add_argument("--n", type=int, default=2000)
    a = ap.parse_args()
    try:
        from opapywasm import OpaWasmPolicy
    except ImportError:
        print(json.dumps({"skipped": "opa-py-wasm not installed (pip install opa-py-wasm)"}))
        return
    logging.disable(logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="packgate-wasm-"))
    out = work / "wasm.tar.gz"
    # a bundle of this pack alone (opa-py-wasm 1.2.1 cannot instantiate the two-pack module's memory import)
    subprocess.run([sys.executable, "-m", "packgate", "build", str(a.pack), "-o", str(work / "bundle")], check=True,
                   capture_output=True)
    subprocess.run([a.opa, "build", "-t", "wasm", "-b", str(work / "bundle"), "-e", f"{a.path}/request",
                    "-e", f"{a.path}/response", "-o", str(out)], check=True, capture_output=True)
    with tarfile.open(out) as tf:
        tf.extractall(work, filter="data")
    policy = OpaWasmPolicy.from_wasm_file(work / "policy.wasm")
    policy.set_data(json.loads((work / "data.json").read_text()))
    res: dict = {"host_builtins": sorted(policy.builtins)}
    with httpx.Client(base_url=a.opa_url) as c:
        for phase in ("request", "response"):
            inp = json.loads((a.inputs / f"{phase}.json").read_text())
            ep = f"{a.path}/{phase}"
            got = policy.evaluate(inp, ep)
            want = c.post(f"/v1/data/{ep}", json={"input": inp}).json()["result"]
            lat = []
            for i in range(a.n + 200):
                t0 = time.perf_counter()
                policy.evaluate(inp, ep)
                if i >= 200:
                    lat.append((time.perf_counter() - t0) * 1000)
            lat.sort()
            res[phase] = {"p50": statistics.median(lat), "p99": lat[int(len(lat) * 0.99)],
                          "same_answer_as_opa_server": got == want}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
