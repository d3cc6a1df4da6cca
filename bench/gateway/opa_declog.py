"""Where the embedded OPA's decision log costs: the same bundle served by one `opa run --server` per
decision-log setting, asked in turn exactly as `bench.gateway.opa_gc` asks its variants (the gateway's client,
each OPA's Unix socket, the bench prompt's real inputs, `EMBEDDED_GO_GC` in every OPA's environment):

- `off`: no decision log (the OPA `make bench` measures its other rows against);
- `console`: the console decision log, JSON at info level, but no mask (`mask_decision` pointed at a rule the
  bundle does not have), OPA's HTTP access logs emitted at error level (two more JSON lines per decision);
- `console+mask`: as deployed (`runtime/opa/server.py`'s `LOG_FLAGS`): `system.log.mask` erasing the
  compiler's pointers from every logged decision, access logs as in `console`;
- `console+mask, no access log`: a rejected lever, access logs at debug level: OPA then also drops `req_id`
  and `requested_by` from every logged decision (a change to what is logged).

Each OPA with a decision log writes to a pipe read by `EmbeddedOpa`'s own reader (`_read_lines`, in a process
of its own: `--read`), so the reader's CPU per logged decision is measured apart from OPA's and the client's;
in the gateway that CPU is the reader thread's, and nearly all of it holds the GIL (JSON parse, file write).

    python -m bench.gateway.opa_declog --bundle DIR --pack PACK [--n 1000] [--seconds 2] [--rounds 4]
prints JSON like `bench.gateway.opa_gc`'s, one entry per setting under `variants`, in the order above, with
`reader_cpu_ms` (per logged decision) and `logged_decisions` where logged.

    python -m bench.gateway.opa_declog --reader-ab OUTPUT [--ref REF] [--rounds 20]
the reader alone, in this process: `EmbeddedOpa`'s reader as of git REF (default `READER_BEFORE`) against
this tree's, in alternating rounds over OUTPUT (OPA output lines, e.g. a run dir's `opa-decisions.log`) handed
over one line per read, as a pipe does when the reader keeps up (the reader's Python work, not the pipe's);
prints JSON: CPU per line (ms) of each round, each side, and the files each side wrote (which must match).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import uvloop

from packgate.runtime.opa.server import EMBEDDED_GO_GC, LOG_FLAGS, EmbeddedOpa

from .__main__ import OPA, PY, ROOT
from .cpu import process_cpu
from .opa_decisions import inputs
from .opa_gc import _measure, _memory_kib, _start, summary

__all__ = ["READER_BEFORE", "SETTINGS", "log_args", "main", "reader_ab"]

READER_BEFORE = "8eec6cd"  # the reader thread before it read OPA's output in chunks
# per setting: mask_decision (None: no decision log) and the level OPA emits its access logs at
SETTINGS: dict[str, tuple[str | None, str]] = {
    "off": (None, "error"),
    "console": ("/system/log/unmasked", "error"),
    "console+mask": ("/system/log/mask", "error"),  # as deployed: LOG_FLAGS
    "console+mask, no access log": ("/system/log/mask", "debug"),
}


def log_args(mask: str | None, request_level: str, config: Path) -> tuple[str, ...]:
    """The logging flags of one setting: `LOG_FLAGS` (the embedded OPA's) with this access-log level and a
    decision log (its config written to `config`); the bench OPA's without a decision log."""
    if mask is None:
        return ("--log-level", "error")
    config.write_text(json.dumps({"decision_logs": {"console": True, "mask_decision": mask}}))
    flags = list(LOG_FLAGS)
    flags[flags.index("--log-level-request") + 1] = request_level
    return ("--config-file", str(config), *flags)


def read(run_dir: Path) -> None:
    """`--read`: `EmbeddedOpa`'s reader on stdin (OPA's output), keeping decisions in `run_dir`."""
    opa = EmbeddedOpa("http://127.0.0.1:1", "unused", opa_binary=Path(OPA), run_dir=run_dir)
    print("ready", flush=True)
    opa._read_lines(SimpleNamespace(stdout=sys.stdin.buffer))  # type: ignore[arg-type]


def _module_at(ref: str, path: str, work: Path) -> Any:
    """`path` (a module of this repository) as it was at git `ref`, imported under a name of its own."""
    src = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True)
    (work / "before.py").write_text(src.stdout)
    spec = importlib.util.spec_from_file_location("packgate_reader_before", work / "before.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class _Writes(io.RawIOBase):
    """OPA's output as a pipe delivers it when the reader keeps up: at most one line (one OPA write) per read."""

    def __init__(self, data: bytes) -> None:
        self._lines = iter(data.splitlines(keepends=True))
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        chunk = self._left or next(self._lines, b"")
        n = min(len(b), len(chunk))
        b[:n], self._left = chunk[:n], chunk[n:]
        return n


def reader_ab(output: Path, ref: str, rounds: int) -> dict[str, Any]:
    """CPU per line of `EmbeddedOpa`'s reader at `ref` and in this tree, alternating rounds over `output`."""
    data = output.read_bytes()
    work = Path(tempfile.mkdtemp(prefix="packgate-reader-ab-"))
    try:
        sides = {"before": _module_at(ref, "runtime/opa/server.py", work).EmbeddedOpa, "after": EmbeddedOpa}
        cpu: dict[str, list[float]] = {k: [] for k in sides}
        kept: dict[str, bytes] = {}
        for r in range(rounds + 1):  # round 0 warms up and is not kept
            for k in (list(sides) if r % 2 else list(sides)[::-1]):
                run_dir = work / f"{k}-{r}"
                run_dir.mkdir()
                opa = sides[k]("http://127.0.0.1:1", "unused", opa_binary=Path(OPA), run_dir=run_dir)
                t0 = time.process_time()
                opa._read_lines(SimpleNamespace(stdout=io.BufferedReader(_Writes(data))))
                if r:
                    cpu[k].append((time.process_time() - t0) * 1000 / max(data.count(b"\n"), 1))
                kept[k] = opa.decisions_path.read_bytes()
                shutil.rmtree(run_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"ref": ref, "lines": data.count(b"\n"), "rounds": rounds, "cpu_ms_per_line": cpu,
            "same_files": kept["before"] == kept["after"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", type=Path)
    ap.add_argument("--pack", type=Path)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--read", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--reader-ab", type=Path)
    ap.add_argument("--ref", default=READER_BEFORE)
    a = ap.parse_args()
    if a.read:
        return read(a.read)
    if a.reader_ab:
        return print(json.dumps(reader_ab(a.reader_ab, a.ref, a.rounds)))
    path, req, resp = inputs(a.pack)
    work = Path(tempfile.mkdtemp(prefix="packgate-opa-declog-"))
    procs: dict[str, subprocess.Popen] = {}
    readers: dict[str, tuple[subprocess.Popen, Path, float]] = {}
    try:
        socks = {k: work / f"opa-{i}.sock" for i, k in enumerate(SETTINGS)}
        for i, (k, (mask, level)) in enumerate(SETTINGS.items()):
            logged = mask is not None
            procs[k] = _start(a.bundle, socks[k], EMBEDDED_GO_GC, log_args(mask, level, work / f"config-{i}.json"),
                              stdout=subprocess.PIPE if logged else subprocess.DEVNULL)
            if logged:
                (work / f"reader-{i}").mkdir()
                r = subprocess.Popen([PY, "-m", "bench.gateway.opa_declog", "--read", str(work / f"reader-{i}")],
                                     cwd=ROOT, stdin=procs[k].stdout, stdout=subprocess.PIPE, text=True)
                procs[k].stdout.close()  # type: ignore[union-attr]  # the reader's now
                assert r.stdout is not None and r.stdout.readline().strip() == "ready"
                readers[k] = (r, work / f"reader-{i}" / "opa-decisions.log", process_cpu(r.pid))
        raw = uvloop.run(_measure(socks, {k: p.pid for k, p in procs.items()}, path, req, resp, a.n,
                                  a.seconds, a.rounds))
        res: dict[str, Any] = summary(raw)
        time.sleep(1.0)  # the readers catch up
        for k, p in procs.items():
            res[k].update(_memory_kib(p.pid))
            res[k]["mask_decision"], res[k]["log_level_request"] = SETTINGS[k]
            if k in readers:
                r, log, cpu0 = readers[k]
                decisions = log.read_text().count("\n")
                res[k]["reader_cpu_ms"] = (process_cpu(r.pid) - cpu0) * 1000 / max(decisions, 1)
                res[k]["logged_decisions"] = decisions
    finally:
        for p in procs.values():
            p.terminate()
            p.wait(10)
        for r, _, _ in readers.values():
            r.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"variants": res, "seconds": a.seconds, "rounds": a.rounds}))


if __name__ == "__main__":
    main()
