"""Profile the gateway's hot path under load: py-spy (sampling, whole process incl. native) on the real
gateway process, c=1 on the delivered full chain. Prints inclusive time of the request-path steps and the
top self-time frames.

    .venv/bin/python -m bench.gateway.profile_gateway [requests] [concurrency] [--all]     (needs py-spy: pip install py-spy)
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from .__main__ import OPA, PY, ROOT, SEED, VARIANT, Procs, free_port, loadgen, wait_up
from .prompt import HEADERS, ollama_body


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    work = Path(tempfile.mkdtemp(prefix="packgate-prof-"))
    procs = Procs()
    try:
        bundle = work / "bundle"
        subprocess.run([PY, "-m", "packgate", "build", str(SEED), str(VARIANT), "-o", str(bundle)], check=True,
                       capture_output=True, cwd=ROOT)
        op = free_port()
        procs.start([OPA, "run", "--server", "--addr", f"127.0.0.1:{op}", "--bundle", str(bundle), "--log-level",
                     "error", "--skip-version-check"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_up(f"http://127.0.0.1:{op}/health?bundles=true")
        up = procs.start([PY, "-m", "bench.gateway.upstream"], stdout=subprocess.PIPE, text=True)
        up_port = int(up.stdout.readline().split()[1])  # type: ignore[union-attr]
        gp = free_port()
        out = work / "prof.txt"
        spy = shutil.which("py-spy") or str(Path(PY).parent / "py-spy")
        g = procs.start([spy, "record", "--format", "raw", "-r", "1000", "-o", str(out), "--",
                         PY, "-m", "tests.harness.serve", "--port", str(gp), "--opa-url", f"http://127.0.0.1:{op}",
                         "--standin-url", f"http://127.0.0.1:{up_port}", "--audit-db", str(work / "a.db"),
                         "--pack", str(SEED), "--pack", str(VARIANT)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_up(f"http://127.0.0.1:{gp}/health")
        t = {"name": "packgate", "port": gp, "path": "/routes/bench-deliver-route/api/chat", "body": ollama_body(),
             "headers": HEADERS}
        conc = int(sys.argv[2]) if len(sys.argv) > 2 else 1
        if conc == 1:
            loadgen({"mode": "interleaved", "n": n, "warmup": 100, "targets": [t]})
        else:
            loadgen({"mode": "load", "target": t, "concurrency": conc, "requests": n, "warmup": 1.0})
        kids = Path(f"/proc/{g.pid}/task/{g.pid}/children").read_text().split()
        for k in kids:  # stop the gateway itself; py-spy then writes its samples and exits
            os.kill(int(k), signal.SIGTERM)
        g.wait(30)
        incl: collections.Counter[str] = collections.Counter()
        self_: collections.Counter[str] = collections.Counter()
        total = 0
        for line in out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
            c = int(count)
            total += c
            if "--all" in sys.argv:
                top = frames[min(len(frames) - 1, 1)]
                for f in set(frames):
                    incl["ALL " + f] += c
            if not any(f.startswith("_serve (") for f in frames):
                continue
            self_[frames[-1]] += c
            for f in set(frames):
                incl[f] += c
        serve = sum(v for k, v in incl.items() if k.startswith("_serve "))
        print(f"samples {total}, in app._serve {serve}")
        print("inclusive (share of _serve):")
        for k, v in incl.most_common(60):
            print(f"  {v / max(serve, 1) * 100:5.1f}%  {k}")
        print("self (share of _serve):")
        for k, v in self_.most_common(25):
            print(f"  {v / max(serve, 1) * 100:5.1f}%  {k}")
    finally:
        procs.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
