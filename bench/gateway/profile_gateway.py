"""Profile the gateway's hot path under load: py-spy (sampling, whole process incl. native) on the real
gateway process (asking OPA over its Unix socket, as with the embedded OPA), on the delivered full chain. Prints inclusive time of the request-path steps and the
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

from .__main__ import PY, REVIEW_KEY, SEED, VARIANT, Procs, free_port, loadgen, opa_and_upstream, opa_socket, wait_up
from .prompt import HEADERS, ollama_body


# request-path components, matched on a sample's innermost frame that belongs to one (pool, hmac and
# asyncio frames count for their caller); first match wins
COMPONENTS: list[tuple[str, tuple[str, ...]]] = [
    ("audit writer thread (off the request path, shares the GIL)", ("AuditLog._run ",)),
    ("PHI scans and redaction (runtime/redaction, gateway/scanning)", ("runtime/redaction/", "gateway/scanning.py")),
    ("OPA decisions (client, socket)", ("runtime/opa/",)),
    ("upstream call (client, socket)", ("runtime/upstream/",)),
    ("audit enqueue (outcome.finish -> AuditLog.record)", ("runtime/audit/", "gateway/outcome.py")),
    ("metrics", ("gateway/metrics.py",)),
    ("safeguard facts (crisis, injection)", ("runtime/safeguards/", "gateway/safeguarding.py")),
    ("headers, identity, recorded ids (HMAC), JSON parse, allow-list", (
        "gateway/parsing.py", "gateway/identity.py", "gateway/inputs.py", "gateway/recorded.py", "wire/chat.py")),
    ("answer rendering, normalisation (wire)", ("runtime/wire/",)),
    ("pipeline glue (gateway/pipeline, admission)", ("gateway/pipeline.py", "gateway/admission.py", "gateway/app.py")),
    ("Starlette request/response objects, routing, middleware", ("starlette/",)),
    ("uvicorn protocol (httptools), transport limits", ("uvicorn/", "runtime/process/")),
]


IDLE = ("Runner.run (", "run_until_complete (", "run_forever (", "wait (threading.py", "Condition.wait (",
        "select (selectors.py", "Server.run (", "asyncio_run (")


def shares(raw: str) -> tuple[int, list[tuple[str, int]]]:
    """py-spy raw samples -> (total, [(component, samples)]) for the whole gateway process."""
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        c = int(count)
        total += c
        frames = stack.split(";")
        name = "other (event loop, interpreter)"
        if any(frames[-1].startswith(f) for f in IDLE):
            name = "idle: waiting in epoll / a timed Condition.wait (py-spy counts it as active)"
        elif any(f.startswith("AuditLog._run ") for f in frames):
            name = COMPONENTS[0][0]
        else:
            for f in reversed(frames):
                hit = next((n for n, pats in COMPONENTS[1:] if any(p in f for p in pats)), None)
                if hit is not None:
                    name = hit
                    break
        counts[name] += c
    return total, counts.most_common()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    work = Path(tempfile.mkdtemp(prefix="packgate-prof-"))
    procs = Procs()
    try:
        op, up_port = opa_and_upstream(procs, work, [SEED, VARIANT])
        gp = free_port()
        out = work / "prof.txt"
        spy = shutil.which("py-spy") or str(Path(PY).parent / "py-spy")
        g = procs.start([spy, "record", "--format", "raw", "-r", "1000", "-o", str(out), "--",
                         PY, "-m", "tests.harness.serve", "--port", str(gp), "--opa-url", f"unix://{opa_socket(work)}",
                         "--standin-url", f"http://127.0.0.1:{up_port}", "--audit-db", str(work / "a.db"),
                         "--pack", str(SEED), "--pack", str(VARIANT)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        # the seed pack escalates: its gateway needs a key to seal held answers (as in start_gateway)
                        env={"PACKGATE_REVIEW_KEY": REVIEW_KEY, **os.environ})
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
        total, comp = shares(out.read_text())
        busy = total - sum(v for k, v in comp if k.startswith("idle"))
        print(f"components (share of all {total} samples of the gateway process | of the {busy} busy ones):")
        for k, v in comp:
            print(f"  {v / max(total, 1) * 100:5.1f}% | {v / max(busy, 1) * 100:5.1f}%  {k}")
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
