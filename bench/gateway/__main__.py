"""`make bench`: what the gateway costs per request, side by side with direct calls and a bare proxy.

One run, one machine, real components: a real `opa run --server` with the compiled bundle of the seed
pack (+ a bench variant without human-oversight so output is delivered), the real gateway
(`packgate.runtime` under uvicorn/uvloop/httptools, SQLite audit log), a bare Starlette+httpx proxy, an
instant raw-uvloop upstream, and an external load-generator process (`bench/gateway/loadgen.py`).
Writes `docs/benchmarks.md`. Not a pytest suite: nothing here asserts timings.

Environment knobs (defaults in brackets):
    PACKGATE_BENCH_N [2000]             paired requests per target at concurrency 1 (after 200 warm-up)
    PACKGATE_BENCH_SECONDS [5]          measured seconds per target at concurrency 32 (after 1 s warm-up)
    PACKGATE_BENCH_RSS_REQUESTS [20000] requests of the RSS phase (100000 for the full memory check)
    PACKGATE_BENCH_STALL_SECONDS [20]   loaded phase of bench.gateway.scan_stall (1 MiB bodies beside small requests)
    PACKGATE_BENCH_QUICK=1              small numbers everywhere (smoke run of the harness)
"""

from __future__ import annotations

import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import redirect_stdout
from pathlib import Path

import httpx

from packgate.runtime.opa.server import EMBEDDED_GO_GC, embedded_env
from tests.harness import free_port, wait_http
from tests.harness.stack import REVIEW_KEY

from . import cpu
from .prompt import HEADERS, ollama_body

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "packs" / "behavioral-health-review-route.yaml"
VARIANT = ROOT / "bench" / "gateway" / "packs" / "bench-deliver-route.yaml"
OUT = ROOT / "docs" / "benchmarks.md"
PY = sys.executable
OPA = str(ROOT / ".tools" / "bin" / "opa") if (ROOT / ".tools" / "bin" / "opa").exists() else (shutil.which("opa") or "opa")

QUICK = os.environ.get("PACKGATE_BENCH_QUICK") == "1"
N = int(os.environ.get("PACKGATE_BENCH_N", 200 if QUICK else 2000))
SECONDS = float(os.environ.get("PACKGATE_BENCH_SECONDS", 1 if QUICK else 5))
RSS_REQUESTS = int(os.environ.get("PACKGATE_BENCH_RSS_REQUESTS", 2000 if QUICK else 20000))


# The Rego library before issue 18's rewrite (the lever's "before" for `bench.gateway.opa_ab`).
REGO_BEFORE = "91fa848"
# The compiler before per-pack specialised Rego (`bench.gateway.opa_ab --templates-ref`: the bundle
# built whole by the compiler, templates and library as they were there).
TEMPLATES_BEFORE = "81d67a0"

C1_TARGETS = ("direct", "floor", "proxy", "packgate", "packgate_prod", "packgate_tcp", "packgate_py", "packgate_seed",
              "standin")
C32_TARGETS = ("direct", "floor", "proxy", "packgate", "packgate_prod", "packgate_tcp", "packgate_py", "packgate_seed")
BUNDLE_TOKEN = "bench-bundle-token"  # the as-deployed replica's bundle service token (loopback, this run only)
LITELLM = ("not measured: `litellm[proxy]==1.110.2` needs `litellm-proxy==1.110.2`, which the package registry "
           "reachable here does not have (`pip install 'litellm[proxy]'` fails); the issue's own side-by-side figure "
           "was 19.7 ms added")


# --- processes -------------------------------------------------------------------------------------



class Procs:
    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, args: list[str], **kw) -> subprocess.Popen:
        p = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.DEVNULL, **kw)
        self.procs.append(p)
        return p

    def stop(self, p: subprocess.Popen) -> None:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)

    def close(self) -> None:
        for p in reversed(self.procs):
            self.stop(p)


def wait_up(url: str, timeout: float = 30.0, method: str = "GET") -> None:
    """Up means answering at all (an empty POST may be a 4xx)."""
    wait_http(url, timeout, method, ready=lambda status: status < 500)


def opa_and_upstream(procs: Procs, work: Path, packs: list[Path]) -> tuple[int, int]:
    """Build `packs` into `work/b`, start `opa run --server` on it and the instant upstream: their ports
    (the two processes are the last two of `procs`). OPA also listens on the Unix socket `opa_socket(work)`
    (the embedded OPA's decision hop) and runs with the embedded OPA's environment (its Go GC setting)."""
    subprocess.run([PY, "-m", "packgate", "build", *map(str, packs), "-o", str(work / "b")], check=True,
                   capture_output=True, cwd=ROOT)
    op = free_port()
    procs.start([OPA, "run", "--server", "--addr", f"127.0.0.1:{op}", "--addr", f"unix://{opa_socket(work)}",
                 "--bundle", str(work / "b"), "--log-level",
                 "error", "--skip-version-check"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=embedded_env())
    wait_up(f"http://127.0.0.1:{op}/health?bundles=true")
    up = procs.start([PY, "-m", "bench.gateway.upstream"], stdout=subprocess.PIPE, text=True)
    return op, int(up.stdout.readline().split()[1])  # type: ignore[union-attr]


def opa_socket(work: Path) -> Path:
    """The Unix socket the OPA of `opa_and_upstream(…, work, …)` also listens on."""
    return work / "opa.sock"


def start_gateway(procs: Procs, work: Path, opa_url: str | None, up_url: str, workers: int = 1,
                  env: dict[str, str] | None = None, extra: tuple[str, ...] = (),
                  bundle_url: str | None = None) -> tuple[subprocess.Popen, int]:
    """The gateway (`tests.harness.serve`, seed + bench variant packs) asking `opa_url`: process and port. With
    `bundle_url` instead, the gateway as `packgate gateway run` assembles it (a fleet replica: the Supervisor, its
    embedded OPA pulling `bundle_url` with its decision log on, read by the gateway's reader thread)."""
    port = free_port()
    opa = ["--bundle-url", bundle_url] if bundle_url else ["--opa-url", str(opa_url)]
    p = procs.start([PY, "-m", "tests.harness.serve", "--port", str(port), *opa,
                     "--standin-url", up_url, "--audit-db", str(work / f"audit-{workers}-{port}.db"),
                     "--workers", str(workers), "--pack", str(SEED), "--pack", str(VARIANT), *extra],
                    stdout=subprocess.DEVNULL,
                    # the seed pack escalates, so its gateway needs a key to seal held answers (the tests' key)
                    env={"PACKGATE_REVIEW_KEY": REVIEW_KEY, "PACKGATE_BUNDLE_TOKEN": BUNDLE_TOKEN, **os.environ,
                         **(env or {})})
    wait_up(f"http://127.0.0.1:{port}/health")
    return p, port


def bundle_service(procs: Procs, packs: list[Path]) -> str:
    """`packgate bundle serve` on `packs` (what a fleet replica's embedded OPA pulls from): its base URL."""
    p = procs.start([PY, "-m", "packgate", "bundle", "serve", *map(str, packs), "--port", "0"], stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PACKGATE_BUNDLE_TOKEN": BUNDLE_TOKEN})
    assert p.stdout is not None
    for line in p.stdout:  # "bundle revision: …", then "serving URL/bundle.tar.gz (…)"
        if line.startswith("serving "):
            threading.Thread(target=p.stdout.read, daemon=True).start()  # keep its pipe drained
            return line.split()[1].rsplit("/", 1)[0]
    raise RuntimeError(f"packgate bundle serve exited (status {p.wait()}) before serving")


def embedded_opa(gateway: subprocess.Popen) -> int:
    """The pid of the OPA a `start_gateway(…, bundle_url=…)` gateway runs as its child."""
    for pid in cpu.descendants(gateway.pid):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "opa":
                return pid
        except OSError:
            continue
    raise RuntimeError("the as-deployed gateway has no embedded OPA child")


def rss_kib(pid: int) -> int:
    """RSS of pid and its children (the gateway's worker processes), KiB."""
    total = 0
    for p in [pid, *cpu.descendants(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def json_phase(module: str, *args: str) -> dict:
    """`python -m module args...` from the repo root: its JSON on stdout, or {"error": its stderr's tail}
    (a lever's phase that fails is reported in its row, the run goes on)."""
    run = subprocess.run([PY, "-m", module, *args], cwd=ROOT, capture_output=True, text=True)
    try:
        return json.loads(run.stdout)
    except ValueError:
        return {"error": run.stderr.strip()[-300:]}


# --- the load generator ----------------------------------------------------------------------------

def loadgen(spec: dict, on_start=None, on_end=None) -> dict:
    """Run the load generator on `spec`; a load run calls `on_start` when its measured window opens and
    `on_end` when it closes (before the in-flight requests drain)."""
    fd, out_path = tempfile.mkstemp(prefix="packgate-loadgen-", suffix=".json")
    os.close(fd)
    p = subprocess.Popen([PY, "-m", "bench.gateway.loadgen"], cwd=ROOT, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdin is not None
    p.stdin.write(json.dumps({**spec, "out": out_path}))
    p.stdin.close()
    if on_start is not None or on_end is not None:
        assert p.stderr is not None
        p.stderr.readline()  # "measuring"
        if on_start is not None:
            on_start()
        if on_end is not None:
            p.stderr.readline()  # "measured"
            on_end()
    err = p.stderr.read() if p.stderr else ""
    p.wait()
    if p.stdout:
        p.stdout.close()
    try:
        if p.returncode != 0:
            raise RuntimeError(f"load generator failed: {err[-2000:]}")
        return json.loads(Path(out_path).read_text())
    finally:
        os.unlink(out_path)


def c32_load(target: dict, pids: dict[str, int], seconds: float) -> dict:
    """A closed-loop c=32 run on `target` (1 s warm-up): the load generator's result, plus `cpu_ms`: CPU per
    completed request over the measured window, ms, of each process tree in `pids`, of the load generator
    itself and of the whole machine (`cpu.MACHINE`)."""
    snaps: list[dict[str, float]] = []
    r = loadgen({"mode": "load", "target": target, "concurrency": 32, "duration": seconds, "warmup": 1.0},
                on_start=lambda: snaps.append(cpu.snapshot(pids)),
                on_end=lambda: snaps.append(cpu.snapshot(pids)))[target["name"]]
    r["cpu_ms"] = {**cpu.per_request(snaps[0], snaps[1], r["count"]),
                   "loadgen": r["cpu_s"] * 1000 / max(r["count"], 1)}
    return r


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def stats(xs: list[float]) -> dict:
    return {"p50": pct(xs, 50), "p90": pct(xs, 90), "p99": pct(xs, 99), "max": max(xs), "n": len(xs)}


def fmt(v: float) -> str:
    return f"{v:.2f}" if v < 100 else f"{v:.0f}"


# --- the run ---------------------------------------------------------------------------------------

def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        mem = f"{int(Path('/proc/meminfo').read_text().split()[1]) / 1048576:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    opa_v = subprocess.run([OPA, "version"], capture_output=True, text=True).stdout.splitlines()
    return {"nproc": os.cpu_count(), "cores": cpu.cores(),
            "nproc_cmd": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
            "cpu": model, "mem": mem, "kernel": platform.release(), "python": platform.python_version(),
            "opa": opa_v[0] if opa_v else "?"}


def main() -> None:
    t_start = time.time()
    load_start = f"{os.getloadavg()[0]:.2f}"
    m = machine()
    print(f"machine: nproc={m['nproc_cmd']} cpu={m['cpu']} mem={m['mem']} kernel={m['kernel']} "
          f"python={m['python']} {m['opa']}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="packgate-bench-"))
    procs = Procs()
    res: dict = {"machine": m, "n": N, "seconds": SECONDS, "rss_requests": RSS_REQUESTS}
    try:
        opa_port, up_port = opa_and_upstream(procs, work, [SEED, VARIANT])
        opa_proc, up_proc = procs.procs[-2:]
        bundle = work / "b"
        opa_url = f"http://127.0.0.1:{opa_port}"
        up_url = f"http://127.0.0.1:{up_port}"
        px_port, fl_port = free_port(), free_port()
        px = procs.start([PY, "-m", "bench.gateway.proxy", "--port", str(px_port), "--upstream", up_url])
        fl = procs.start([PY, "-m", "bench.gateway.floor", "--port", str(fl_port), "--upstream", up_url])
        sd_port = free_port()
        procs.start([PY, "-m", "packgate.runtime.demo.standin", "--port", str(sd_port)], stdout=subprocess.DEVNULL)
        # the gateway asks OPA over its Unix socket, as `packgate gateway run` does with its embedded OPA;
        # a second gateway over loopback TCP is the lever's "before", measured in the same run
        gw, gw_port = start_gateway(procs, work, f"unix://{opa_socket(work)}", up_url)
        tcp_gw, tcp_port = start_gateway(procs, work, opa_url, up_url)
        # and a third with the Python detectors only: the Rust core's "before"
        py_gw, py_port = start_gateway(procs, work, f"unix://{opa_socket(work)}", up_url, extra=("--python-detectors",))
        # and packgate as deployed: `gateway run`'s Supervisor with its embedded OPA (decision log on, masked, read
        # by the gateway's reader thread), pulling the same packs from `packgate bundle serve`
        prod_gw, prod_port = start_gateway(procs, work, None, up_url, bundle_url=bundle_service(procs, [SEED, VARIANT]))
        prod_opa = embedded_opa(prod_gw)
        wait_up(f"http://127.0.0.1:{px_port}/api/chat", method="POST")
        wait_up(f"http://127.0.0.1:{fl_port}/api/chat", method="POST")
        wait_up(f"http://127.0.0.1:{sd_port}/v1/models")

        body, sbody = ollama_body(False), ollama_body(True)
        T = {
            "direct": {"port": up_port, "path": "/api/chat", "body": body},
            "floor": {"port": fl_port, "path": "/api/chat", "body": body},
            "proxy": {"port": px_port, "path": "/api/chat", "body": body},
            "packgate": {"port": gw_port, "path": "/routes/bench-deliver-route/api/chat", "body": body,
                         "headers": HEADERS},
            "packgate_prod": {"port": prod_port, "path": "/routes/bench-deliver-route/api/chat", "body": body,
                              "headers": HEADERS},
            "packgate_tcp": {"port": tcp_port, "path": "/routes/bench-deliver-route/api/chat", "body": body,
                             "headers": HEADERS},
            "packgate_py": {"port": py_port, "path": "/routes/bench-deliver-route/api/chat", "body": body,
                            "headers": HEADERS},
            "packgate_seed": {"port": gw_port, "path": "/api/chat", "body": body, "headers": HEADERS},
            "standin": {"port": sd_port, "path": "/api/chat", "body": body},
        }
        for k, v in T.items():
            v["name"] = k
        # whose CPU each c=32 target is measured in (direct's server is the upstream itself)
        SERVER = {"floor": fl, "proxy": px, "packgate": gw, "packgate_prod": prod_gw, "packgate_tcp": tcp_gw,
                  "packgate_py": py_gw, "packgate_seed": gw}

        def pids(server: subprocess.Popen | None) -> dict[str, int]:
            if server is prod_gw:  # its own OPA is its child: counted apart (`cpu.apart` below), not the bench's
                return {"server": server.pid, "opa": prod_opa, "upstream": up_proc.pid}
            return {**({"server": server.pid} if server else {}), "opa": opa_proc.pid, "upstream": up_proc.pid}
        # sanity: the gateway delivers on the variant and escalates on the seed pack
        for name in ("packgate", "packgate_prod", "packgate_py", "packgate_seed"):
            t = T[name]
            r = httpx.post(f"http://127.0.0.1:{t['port']}{t['path']}", content=t["body"],
                           headers={**t["headers"], "content-type": "application/json"})
            pg = r.json().get("packgate", {})
            res[f"check_{name}"] = {"status": r.status_code, "done_reason": r.json().get("done_reason"),
                                    "redactions": pg.get("redactions")}
            print(f"check {name}: {res[f'check_{name}']}", flush=True)
        # the lever changes the speed, never the answer: the same redactions from both detector engines
        assert res["check_packgate_py"] == res["check_packgate"], (res["check_packgate_py"], res["check_packgate"])
        # and as deployed, the same answer as the bench's own OPA gives
        assert res["check_packgate_prod"] == res["check_packgate"], (res["check_packgate_prod"], res["check_packgate"])

        # 1-3: concurrency 1, interleaved pairs
        print(f"phase c=1: {N} paired requests per target ...", flush=True)
        res["c1"] = loadgen({"mode": "interleaved", "n": N, "warmup": 200,
                             "targets": [T[k] for k in C1_TARGETS]})
        # 5: streaming
        ST = {k: {**T[k], "name": k, "body": sbody} for k in ("direct", "proxy", "packgate")}
        print(f"phase streaming c=1: {N // 2} paired requests ...", flush=True)
        res["stream"] = loadgen({"mode": "interleaved", "n": N // 2, "warmup": 100, "targets": list(ST.values())})
        # concurrency 32 (saturation)
        res["c32"] = {}
        for k in C32_TARGETS:
            print(f"phase c=32: {k} {SECONDS:.0f} s ...", flush=True)
            res["c32"][k] = c32_load(T[k], pids(SERVER.get(k)), SECONDS)
            if SERVER.get(k) is prod_gw:  # the gateway's tree holds its embedded OPA, reported in its own column
                res["c32"][k]["cpu_ms"] = cpu.apart(res["c32"][k]["cpu_ms"], "server", "opa")
        # 4: OPA decisions alone + OPA's own evaluation time
        print("phase OPA decisions ...", flush=True)
        od = subprocess.run([PY, "-m", "bench.gateway.opa_decisions", "--opa-url", opa_url, "--pack", str(SEED),
                             "--n", str(max(N, 1000)), "--write-inputs", str(work / "inputs")],
                            cwd=ROOT, capture_output=True, text=True, check=True)
        res["opa"] = json.loads(od.stdout)
        res["opa_bench"] = {}
        for phase in ("request", "response"):
            ob = subprocess.run([OPA, "bench", "--format", "json", "-b", str(bundle), "--input",
                                 str(work / "inputs" / f"{phase}.json"), "--count", "1",
                                 f"data.{res['opa']['path'].replace('/', '.')}.{phase}"],
                                capture_output=True, text=True)
            try:
                data = json.loads(ob.stdout)
                res["opa_bench"][phase] = {"ns/op": data["T"] // data["N"],
                                           "eval_median_ns": data["Extra"]["histogram_timer_rego_query_eval_ns_median"],
                                           "allocs/op": data["MemAllocs"] // data["N"]}
            except (ValueError, KeyError, ZeroDivisionError):
                res["opa_bench"][phase] = {"error": (ob.stderr or ob.stdout)[-300:]}
        # the OPA hop's levers: TCP vs Unix socket, decisions alone; input as sent vs only what rules read
        print("phase OPA hop levers ...", flush=True)
        res["opa_hop"] = json_phase("bench.gateway.opa_hop", "--tcp", opa_url, "--unix", f"unix://{opa_socket(work)}",
                                    "--pack", str(VARIANT), "--n", str(max(N, 1000)))
        # Go's GC as a lever on OPA's own CPU: Go's default against the embedded OPA's setting, one OPA each
        print("phase OPA Go GC lever ...", flush=True)
        alone = ("--bundle", str(bundle), "--pack", str(SEED), "--n", str(max(N // 2, 300)),
                 "--seconds", "1" if QUICK else "2", "--rounds", "2" if QUICK else "4")
        res["opa_gc"] = json_phase("bench.gateway.opa_gc", *alone)
        # the decision log's cost, and its levers: one OPA per logging setting, decisions alone
        print("phase OPA decision log levers ...", flush=True)
        res["opa_declog"] = json_phase("bench.gateway.opa_declog", *alone)
        # the Rego library rewrite: this tree's library against REGO_BEFORE's, OPA alone, alternating
        print("phase Rego library lever ...", flush=True)
        # (built by TEMPLATES_BEFORE's compiler: the specialised templates call library functions REGO_BEFORE lacks)
        ab_rounds = ("--rounds", "3" if QUICK else "5", "--n", str(max(N // 2, 200)))
        res["rego_ab"] = json_phase("bench.gateway.opa_ab", "--ref", REGO_BEFORE, "--build-ref", TEMPLATES_BEFORE,
                                    *ab_rounds)
        # per-pack specialised Rego: the bundle as TEMPLATES_BEFORE's compiler built it against this tree's
        print("phase specialised Rego lever ...", flush=True)
        res["spec_ab"] = json_phase("bench.gateway.opa_ab", "--templates-ref", TEMPLATES_BEFORE, *ab_rounds)
        # in-process Wasm evaluation (optional: only if opa-py-wasm is installed)
        wz = subprocess.run([PY, "-m", "bench.gateway.wasm_eval", "--opa", OPA, "--opa-url", opa_url, "--pack",
                             str(SEED), "--inputs", str(work / "inputs"), "--path", res["opa"]["path"]],
                            cwd=ROOT, capture_output=True, text=True)
        try:
            res["wasm"] = json.loads(wz.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            res["wasm"] = {"skipped": f"failed: {wz.stderr.strip()[-300:]}"}
        # RSS across many requests (1 worker)
        print(f"phase RSS: {RSS_REQUESTS} requests at c=32 ...", flush=True)
        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample() -> None:
            t0 = time.perf_counter()
            while not stop.is_set():
                samples.append((time.perf_counter() - t0, rss_kib(gw.pid)))
                stop.wait(0.5)

        rss_before = rss_kib(gw.pid)
        sampler = threading.Thread(target=sample, daemon=True)
        r = loadgen({"mode": "load", "target": T["packgate"], "concurrency": 32, "requests": RSS_REQUESTS,
                     "warmup": 2.0}, on_start=sampler.start)
        stop.set()
        sampler.join()
        rss_after = rss_kib(gw.pid)
        res["rss"] = {"before_warmup_kib": rss_before, "samples": samples, "after_kib": rss_after,
                      "requests": r["packgate"]["count"], "errors": r["packgate"]["errors"],
                      "seconds": r["packgate"]["seconds"]}
        procs.stop(gw)
        # worker count: 2 workers at c=32
        print("phase c=32 with --workers 2 ...", flush=True)
        gw2, gw2_port = start_gateway(procs, work, f"unix://{opa_socket(work)}", up_url, workers=2)
        res["c32_w2"] = {}
        for k, path in (("packgate", T["packgate"]["path"]), ("packgate_seed", "/api/chat")):
            t = {**T[k], "port": gw2_port, "name": k}
            loadgen({"mode": "load", "target": t, "concurrency": 32, "duration": 1.0, "warmup": 0.5})
            res["c32_w2"][k] = c32_load(t, pids(gw2), SECONDS)
        procs.stop(gw2)
    finally:
        procs.close()
        shutil.rmtree(work, ignore_errors=True)
    # compiler and redaction (in process)
    for name, module in (("bench_compiler", "bench.compiler"), ("bench_redaction", "bench.redaction.speed"),
                         ("bench_scan_stall", "bench.gateway.scan_stall"),
                         ("bench_scan_offload", "bench.gateway.scan_offload")):
        print(f"phase {name} ...", flush=True)
        buf = io.StringIO()
        try:
            mod = __import__(module, fromlist=["main"])
            with redirect_stdout(buf):
                mod.main()
        except Exception as exc:  # noqa: BLE001 - report, keep the rest of the results
            buf.write(f"failed: {type(exc).__name__}: {exc}\n")
        res[name] = buf.getvalue().strip()
    res["wall_s"] = time.time() - t_start
    res["loadavg"] = (load_start, f"{os.getloadavg()[0]:.2f}")
    text = report(res)
    OUT.write_text(text)
    print(text)
    print("targets (issue 18): " + " ; ".join(line.strip("| ").replace(" | ", ": ", 1) for line in
                                              text.split("## Targets")[1].splitlines()[4:7]))
    print(f"wrote {OUT.relative_to(ROOT)}")


# --- the report --------------------------------------------------------------------------------------

LABELS = {"direct": "(1) direct to instant upstream",
          "floor": "(F) raw-ASGI floor (uvicorn+httptools+uvloop, aiohttp keep-alive)",
          "proxy": "(2) bare proxy (Starlette+uvicorn+httpx)",
          "packgate_tcp": "(3a') packgate as (3a), OPA over loopback TCP (lever off)",
          "packgate_py": "(3a'') packgate as (3a), detectors on the Python engine (Rust core off)",
          "packgate": "(3a) packgate, full chain, output delivered",
          "packgate_prod": "(3p) packgate **as deployed** (3a through `gateway run`'s Supervisor: embedded OPA with its "
                           "masked decision log, the gateway's reader thread, bundle from `packgate bundle serve`)",
          "packgate_seed": "(3b) packgate, seed pack as is (escalates)",
          "standin": "runtime/demo/standin.py (not used as floor)"}


def opa_hop_rows(h: dict) -> list[str]:
    """The OPA hop's lever rows from `bench.gateway.opa_hop` (decisions alone, same run)."""
    if "hop" not in h:
        return [f"| OPA hop levers | not measured: {h.get('error', '?')} | – | – |"]
    t, u = stats(h["hop"]["tcp"]), stats(h["hop"]["unix"])
    a, b = h["opa_time"]["as sent"], h["opa_time"]["read by rules"]
    ib = h["input_bytes"]
    return [
        f"| the same, decisions alone (request + response decision, {t['n']} interleaved pairs, gateway's client) | "
        f"TCP p50 {t['p50']:.3f} / p99 {t['p99']:.3f} ms | Unix p50 {u['p50']:.3f} / p99 {u['p99']:.3f} ms | "
        f"{'yes' if u['p50'] < t['p50'] else 'no (kept for the owner-only socket; see Notes)'} |",
        f"| request input with only the fields a rule reads (no `identity.user_id`/`method`) | {ib['as sent']} bytes, "
        f"OPA handler p50 {stats(a['handler'])['p50']:.3f} ms (input parse {stats(a['parse'])['p50']:.3f}, eval "
        f"{stats(a['eval'])['p50']:.3f}) | {ib['read by rules']} bytes, handler p50 {stats(b['handler'])['p50']:.3f} ms "
        f"(parse {stats(b['parse'])['p50']:.3f}, eval {stats(b['eval'])['p50']:.3f}) | no (see Notes) |",
    ]


def rego_ab_rows(r: dict, label: str = "Rego library with fewer evaluation steps") -> list[str]:
    """A Rego lever's row from `bench.gateway.opa_ab` (OPA alone, before/after alternating)."""
    if "request" not in r:
        return [f"| {label} | not measured: {r.get('error', '?')} | – | – |"]

    def side(s: str) -> str:
        return "; ".join(
            f"{ph} `opa bench` {r[ph][s]['ns_op_median'] / 1e6:.3f} ms/op, {r[ph][s]['allocs_op']} allocs, "
            f"OPA eval p50 {r[ph][s]['eval_p50_ms']:.3f} / handler {r[ph][s]['handler_p50_ms']:.3f} ms"
            for ph in ("request", "response"))
    how = "--templates-ref, bundle built whole at each side" if r.get("whole_build") else "library swapped"
    return [f"| {label} (`{r['ref']}` -> this tree, `bench.gateway.opa_ab` {how}, "
            f"{r['rounds']} alternating rounds) | {side('before')} | {side('after')} | yes |"]


CPU_COLUMNS = (("server", "server process"), ("opa", "OPA"), ("upstream", "upstream"),
               ("loadgen", "load generator"))


def cpu_rows(c32: dict, cores: int, suffix: str = "") -> list[str]:
    """Rows of the CPU-per-request table: each c=32 run's `cpu_ms` (see `c32_load`)."""
    rows = []
    for k, c in c32.items():
        ms = c.get("cpu_ms")
        if not ms:
            continue
        rps = c["count"] / c["seconds"]
        ours = sum(ms.get(key, 0.0) for key, _ in CPU_COLUMNS)
        cells = [f"{ms[key]:.3f}" if key in ms else "– (the upstream)" for key, _ in CPU_COLUMNS]
        rows.append(f"| {LABELS[k]}{suffix} | {rps:.0f} | {' | '.join(cells)} | {ours:.3f} | "
                    f"{ms[cpu.MACHINE] - ours:.3f} | {ms[cpu.MACHINE] * rps / 1000:.2f} of {cores} |")
    return rows


def floor_cpu(res: dict) -> dict[str, float]:
    """The floor's CPU per request at c=32: its server's, the upstream's and the load generator's ({} if not
    measured)."""
    ms = res["c32"].get("floor", {}).get("cpu_ms", {})
    return {k: v for k, v in ms.items() if k in ("server", "upstream", "loadgen")}


def ceiling_rows(res: dict, added: dict, tp: dict) -> list[str]:
    """What a real OPA server allows at best on this machine, from this run's own figures, arithmetic shown:
    c=32 from OPA's CPU per request in (3a) and, busier, in the decisions alone, against the floor's measured
    req/s and against its capacity from its own CPU per request (which other work on the machine does not
    lower); c=1 from the floor and the OPA table."""
    rows = []
    n = res["machine"].get("cores") or cpu.cores()
    fms = floor_cpu(res)
    cap = cpu.capacity(n, fms) if fms else None

    def c32(label: str, opa_ms: float, how: str) -> str:
        c = cpu.ceiling_c32(n, opa_ms, tp["floor"])
        line = (f"| ceiling of c=32 throughput with this OPA, {label}: OPA alone on every core, the gateway, upstream "
                f"and load generator costing nothing | {n} cores / {how} = {c.rps:.0f} req/s = "
                f"**{c.share * 100:.0f}%** of the floor's measured {c.floor_rps:.0f} req/s")
        shares = [c.share]
        if cap:
            shares.append(c.rps / cap)
            line += (f"; **{c.rps / cap * 100:.0f}%** of the floor's capacity with the machine to itself, "
                     f"{cap:.0f} req/s (min({n} cores / {sum(fms.values()):.3f} ms, 1 core / {max(fms.values()):.3f} "
                     f"ms): its server, upstream and load generator's CPU per request, one event loop each)")
        return line + (" | the 60% target is above this ceiling |" if max(shares) < 0.6 else
                       " | the 60% target is within it |")

    ms = res["c32"]["packgate"].get("cpu_ms")
    if ms and ms["opa"] > 0:
        rows.append(c32("from (3a)", ms["opa"], f"{ms['opa']:.3f} ms OPA CPU per request of (3a) at c=32 (both "
                                                 f"decisions, at the {tp['packgate']:.0f} req/s the gateway let "
                                                 f"through; CPU table)"))
    alone = next((v for v in res.get("opa_gc", {}).get("variants", {}).values() if v.get("env") == EMBEDDED_GO_GC),
                 None)
    if alone and alone["c32_opa_cpu_ms"] > 0:
        rows.append(c32("from the decisions alone", 2 * alone["c32_opa_cpu_ms"],
                        f"2 × {alone['c32_opa_cpu_ms']:.3f} ms OPA CPU per decision at {alone['c32_decisions_s']:.0f} "
                        f"decisions/s (Go GC lever's after side)"))
    o = res["opa"]["samples"]
    fa, rq, rs = added[("floor", "direct")]["p50"], stats(o["request"])["p50"], stats(o["response"])["p50"]
    b = cpu.floor_c1(fa, rq, rs)
    rows.append(
        f"| lower bound of added p50 at c=1: what the floor adds over direct, plus the two OPA decisions in turn "
        f"(client c=1 p50s of the OPA table) | {fa:.2f} + {rq:.3f} + {rs:.3f} = **{b:.2f} ms** (measured: "
        f"{added[('packgate', 'direct')]['p50']:.2f} ms) | "
        f"{'the 1.5 ms target is below this bound' if b > 1.5 else 'the 1.5 ms target is above this bound'} |")
    return rows


def ceiling_note(res: dict, tp: dict) -> str:
    """Where OPA's CPU per request goes beyond evaluating the two decisions (`opa bench`: one thread, no server)."""
    ms, ob = res["c32"]["packgate"].get("cpu_ms"), res.get("opa_bench", {})
    if not ms or not all("ns/op" in ob.get(ph, {}) for ph in ("request", "response")):
        return ""
    ev = (ob["request"]["ns/op"] + ob["response"]["ns/op"]) / 1e6
    n = res["machine"].get("cores") or cpu.cores()
    c = cpu.ceiling_c32(n, ev, tp["floor"])
    fms = floor_cpu(res)
    cap = f", {c.rps / cpu.capacity(n, fms) * 100:.0f}% of its capacity" if fms else ""
    return (f"- Issue 18's c=32 ceiling (Targets): OPA spent {ms['opa']:.3f} ms of CPU per request of (3a); evaluating "
            f"the two decisions alone (`opa bench`, one thread, no HTTP server: {ob['request']['ns/op'] / 1e6:.3f} + "
            f"{ob['response']['ns/op'] / 1e6:.3f} ms) is {ev:.3f} ms of it. The rest is OPA's HTTP server, input "
            f"parsing, result encoding and Go's runtime (collector: see the Go GC lever; scheduler). Evaluation "
            f"alone would put the ceiling at {n} / {ev:.3f} ms = {c.rps:.0f} req/s = {c.share * 100:.0f}% of the "
            f"floor's measured req/s{cap}; a real OPA server does not get there.")


def gc_row(g: dict) -> list[str]:
    """The Go GC lever's row from `bench.gateway.opa_gc` (one OPA per setting, decisions alone, same run)."""
    if "variants" not in g:
        return [f"| Go's GC for the embedded OPA | not measured: {g.get('error', '?')} | – | – |"]
    (bk, b), (ak, a) = list(g["variants"].items())[:2]

    def side(name: str, v: dict) -> str:
        return (f"{name}: c=1 pair p50 {v['c1_p50']:.3f} / p99 {v['c1_p99']:.3f} ms; c=32 {v['c32_decisions_s']:.0f} "
                f"decisions/s, OPA CPU {v['c32_opa_cpu_ms']:.3f} ms per decision; OPA RSS {v['VmRSS'] / 1024:.0f} MiB, "
                f"peak {v['VmHWM'] / 1024:.0f} MiB")
    change = (a["c32_opa_cpu_ms"] / b["c32_opa_cpu_ms"] - 1) * 100
    kept = ",".join(f"{k}={v}" for k, v in EMBEDDED_GO_GC.items())
    return [f"| Go's GC for the embedded OPA (`bench.gateway.opa_gc`: the bench bundle in one `opa run` per setting, "
            f"decisions alone over each one's Unix socket, request + response pairs, {b['c1_n']} rotating pairs at c=1, "
            f"{g['rounds']} rotating rounds of {g['seconds']:.0f} s at c=32) | {side(bk, b)} | {side(ak, a)} "
            f"(OPA CPU per decision {change:+.0f}%) | {'yes' if a['env'] == EMBEDDED_GO_GC else 'no'} "
            f"(`EMBEDDED_GO_GC`: {kept}) |"]


def declog_rows(d: dict) -> list[str]:
    """The decision log's rows from `bench.gateway.opa_declog`: each setting against the one before it."""
    if "variants" not in d:
        return [f"| the embedded OPA's decision log | not measured: {d.get('error', '?')} | – | – |"]
    v = d["variants"]
    how = (f"`bench.gateway.opa_declog`: one OPA per setting, decisions alone, {v['off']['c1_n']} rotating pairs "
           f"at c=1, {d['rounds']} rotating rounds of {d['seconds']:.0f} s at c=32")

    def side(k: str) -> str:
        x = v[k]
        reader = f"; reader {x['reader_cpu_ms']:.3f} ms CPU per decision" if "reader_cpu_ms" in x else ""
        return (f"{k}: c=1 pair p50 {x['c1_p50']:.3f} / p99 {x['c1_p99']:.3f} ms; OPA CPU {x['c32_opa_cpu_ms']:.3f} "
                f"ms per decision at c=32{reader}")

    def change(b: str, a: str) -> str:
        return f" (OPA CPU per decision {(v[a]['c32_opa_cpu_ms'] / v[b]['c32_opa_cpu_ms'] - 1) * 100:+.0f}%)"
    return [f"| The console decision log, no mask ({how}) | {side('off')} | {side('console')}{change('off', 'console')} "
            f"| as deployed (decision ids) |",
            f"| `system.log.mask` on the decision log | {side('console')} | {side('console+mask')}"
            f"{change('console', 'console+mask')} | as deployed (governance) |",
            f"| OPA's HTTP access logs off (`--log-level-request debug` instead of `LOG_FLAGS`' error level: two "
            f"lines less per decision) | {side('console+mask')} | {side('console+mask, no access log')}"
            f"{change('console+mask', 'console+mask, no access log')} | no: OPA then drops `req_id` and "
            f"`requested_by` from every logged decision (governance) |"]


def targets(res: dict, added: dict, tp: dict) -> list[str]:
    """Issue 18's three targets as table rows: added over direct at c=1, c=32 against the floor."""
    a1 = added[("packgate", "direct")]
    floor = tp["floor"]
    return [
        f"| added over direct, c=1, full chain, p50 ≤ 1.5 ms | {a1['p50']:.2f} ms | {'yes' if a1['p50'] <= 1.5 else 'no'} |",
        f"| added over direct, c=1, full chain, p99 ≤ 5 ms | {a1['p99']:.2f} ms | {'yes' if a1['p99'] <= 5 else 'no'} |",
        f"| throughput c=32 ≥ 60% of the raw-ASGI floor | {tp['packgate'] / floor * 100:.0f}% "
        f"({tp['packgate']:.0f} / {floor:.0f} req/s) | {'yes' if tp['packgate'] >= 0.6 * floor else 'no'} |",
        f"| throughput c=32 ≥ 60% of bare proxy (issue 5) | {tp['packgate'] / tp['proxy'] * 100:.0f}% | "
        f"{'yes' if tp['packgate'] >= 0.6 * tp['proxy'] else 'no'} |",
    ]


def report(res: dict) -> str:
    m = res["machine"]
    L: list[str] = []
    w = L.append
    w("# Benchmarks\n")
    w("Regenerated by `make bench` (`bench/gateway/`); do not edit by hand.\n")
    la = res.get("loadavg", ("?", "?"))
    w(f"**Machine:** nproc = {m['nproc_cmd']}, {m['cpu']}, {m['mem']} RAM, Linux {m['kernel']}, "
      f"Python {m['python']}, {m['opa']}. Run took {res['wall_s']:.0f} s; 1-minute load average at start / end: "
      f"{la[0]} / {la[1]} (other work on the machine shows up as noise in p99 and max).\n")
    w("## Method\n")
    gogc = ", ".join(f"{k}={v}" for k, v in EMBEDDED_GO_GC.items())
    w(f"All processes run on the same machine in one run: a real `opa run --server` ({gogc} in its environment, as "
      "`packgate gateway run` starts its embedded OPA) holding the compiled bundle "
      "(seed pack + `bench/gateway/packs/bench-deliver-route.yaml`, the seed chain without human-oversight, fda_class II), "
      "the gateway (`packgate.runtime`, 1 worker, uvicorn + uvloop + httptools, SQLite audit log, targets sent to the "
      "bench upstream as a stand-in; it asks OPA over OPA's Unix socket, as `packgate gateway run` does with its "
      "embedded OPA, and a twin gateway asks over loopback TCP: the lever's before), a bare pass-through proxy on "
      "the same stack (`bench/gateway/proxy.py`), the raw-ASGI floor (`bench/gateway/floor.py`: a raw ASGI app on "
      "uvicorn with httptools and uvloop, one aiohttp keep-alive session, no framework, no policy), and an "
      "instant upstream (`bench/gateway/upstream.py`, raw uvloop, canned ~400-char answer). The load generator "
      "(`bench/gateway/loadgen.py`) is a separate Python process (uvloop, keep-alive, pre-encoded requests). "
      "Every request carries the same ~2 KB PHI-bearing clinical note (`bench/gateway/prompt.py`: names, DOB, MRN, "
      "member id, address, phones, fax, email, SSN, NPI, dates) as an Ollama `/api/chat` body, with "
      "`X-User-ID`/`X-User-Role: clinician`/`X-Tool: summarize`. Through packgate each request runs identity checks, "
      "the PHI pre-scan, the OPA request decision, redaction, the upstream call, the output scan, the OPA response "
      "decision, disclaimer injection and one hash-chained audit event.\n")
    w(f"Concurrency 1: {res['n']} requests per target after 200 warm-up, **interleaved** (direct, floor, proxy, "
      "packgate, packgate as deployed, packgate over TCP, Python detectors, seed, stand-in, then again), so sample *i* of each target is taken back to back; added latency is computed "
      "pair by pair (packgate_i − direct_i) and its percentiles reported. Concurrency 32: closed loop, 32 keep-alive "
      f"connections, {res['seconds']:.0f} s measured after 1 s warm-up; throughput = completed requests / s. "
      "The load generator shares the 2 cores with the servers, which lowers every throughput figure alike. "
      "Latency in ms, from request written to last body byte.\n")
    w("## Latency and throughput\n")
    w("| path | c=1 p50 | p90 | p99 | max | c=32 p50 | p90 | p99 | max | req/s at c=32 | errors |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for k in C1_TARGETS:
        s1 = stats(res["c1"][k]["total"])
        e = res["c1"][k]["errors"]
        row = f"| {LABELS[k]} | {fmt(s1['p50'])} | {fmt(s1['p90'])} | {fmt(s1['p99'])} | {fmt(s1['max'])} |"
        if k in res["c32"]:
            c = res["c32"][k]
            s = stats(c["total"])
            row += f" {fmt(s['p50'])} | {fmt(s['p90'])} | {fmt(s['p99'])} | {fmt(s['max'])} | {c['count'] / c['seconds']:.0f} | {e + c['errors']} |"
        else:
            row += f" – | – | – | – | – | {e} |"
        w(row)
    for k, c in res.get("c32_w2", {}).items():
        s = stats(c["total"])
        w(f"| {LABELS[k]}, **--workers 2** | – | – | – | – | {fmt(s['p50'])} | {fmt(s['p90'])} | {fmt(s['p99'])} | "
          f"{fmt(s['max'])} | {c['count'] / c['seconds']:.0f} | {c['errors']} |")
    w(f"| LiteLLM proxy (peer): {LITELLM} |" + " – |" * 10)
    w("")
    w("## Added latency of packgate, pair by pair (concurrency 1)\n")
    w("| pair | p50 | p90 | p99 | max | ratio p50 (packgate/other) |")
    w("|---|---|---|---|---|---|")
    added = {}
    for a in ("floor", "proxy", "packgate", "packgate_prod", "packgate_tcp", "packgate_py", "packgate_seed"):
        for b in ("direct", "proxy"):
            if a == b or (a in ("floor", "proxy") and b == "proxy"):
                continue
            xa, xb = res["c1"][a]["total"], res["c1"][b]["total"]
            d = [x - y for x, y in zip(xa, xb)]
            r = [x / y for x, y in zip(xa, xb)]
            s = stats(d)
            added[(a, b)] = s
            w(f"| {LABELS[a]} − {LABELS[b]} | {fmt(s['p50'])} | {fmt(s['p90'])} | {fmt(s['p99'])} | {fmt(s['max'])} | "
              f"{statistics.median(r):.2f}× |")
    w("")
    tp = {k: res["c32"][k]["count"] / res["c32"][k]["seconds"] for k in res["c32"]}
    w(f"Throughput at c=32, packgate / bare proxy: full chain delivered **{tp['packgate'] / tp['proxy'] * 100:.0f}%**, "
      f"seed pack {tp['packgate_seed'] / tp['proxy'] * 100:.0f}%.")
    if "c32_w2" in res:
        t2 = {k: c["count"] / c["seconds"] for k, c in res["c32_w2"].items()}
        w(f" With `--workers 2`: {t2['packgate'] / tp['proxy'] * 100:.0f}% (delivered), "
          f"{t2['packgate_seed'] / tp['proxy'] * 100:.0f}% (seed) of the 1-process proxy.")
    w("\n## CPU per request at c=32, ms\n")
    w("CPU seconds (utime + stime from /proc, worker processes included) of each process over each c=32 run's "
      "measured window, divided by the requests completed in it; the load generator reports its own "
      "(`getrusage`). *Rest of machine* is /proc/stat's busy time over the same window minus these processes: "
      "the bench's idle processes, the kernel's softirq work not charged to a process, and anything else "
      "running on the machine. /proc counts in ticks of 10 ms, so each figure is within ±10 ms / the window's "
      "requests (a slightly negative *rest* is that).\n")
    w("| target | req/s | " + " | ".join(h for _, h in CPU_COLUMNS) + " | these four | rest of machine | "
      "machine busy, cores |")
    w("|---|---|---|---|---|---|---|---|---|")
    for line in cpu_rows(res["c32"], m.get("cores") or cpu.cores()):
        w(line)
    for line in cpu_rows(res.get("c32_w2", {}), m.get("cores") or cpu.cores(), ", **--workers 2**"):
        w(line)
    w("\n## Streaming: time to first body byte (concurrency 1, interleaved)\n")
    w("| path | TTFB p50 | p90 | p99 | max | last byte p50 |")
    w("|---|---|---|---|---|---|")
    for k in ("direct", "proxy", "packgate"):
        s = stats(res["stream"][k]["ttfb"])
        t = stats(res["stream"][k]["total"])
        w(f"| {LABELS[k]} | {fmt(s['p50'])} | {fmt(s['p90'])} | {fmt(s['p99'])} | {fmt(s['max'])} | {fmt(t['p50'])} |")
    dd = stats([x - y for x, y in zip(res["stream"]["packgate"]["ttfb"], res["stream"]["direct"]["ttfb"])])
    w(f"\nTTFB added by packgate over direct, pair by pair: p50 {fmt(dd['p50'])} ms, p99 {fmt(dd['p99'])} ms. "
      "packgate reads the whole upstream answer before the response decision (the policy needs the full text for "
      "`blocked_patterns` and output PHI), so its first byte comes after the upstream's last byte plus the response "
      "decision; the direct stream's first byte is the upstream's first chunk.\n")
    w("## OPA decisions alone (seed pack, gateway's client `runtime/opa/client.py`)\n")
    o = res["opa"]["samples"]
    w("| decision | client c=1 p50 | p90 | p99 | max | client c=32 p50 | p99 | decisions/s c=32 | OPA eval p50 | OPA handler p50 | `opa bench` per op |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for ph in ("request", "response"):
        s, s32 = stats(o[ph]), stats(o[f"{ph}_c32"])
        ev, hd = stats(o[f"{ph}_eval"]), stats(o[f"{ph}_handler"])
        ob = res["opa_bench"].get(ph, {})
        nsop = f"{ob['ns/op'] / 1e6:.3f} ms, {ob['allocs/op']} allocs" if "ns/op" in ob else ob.get("error", "?")
        w(f"| {ph} | {s['p50']:.3f} | {s['p90']:.3f} | {s['p99']:.3f} | {s['max']:.2f} | {s32['p50']:.2f} | {s32['p99']:.2f} | "
          f"{o[f'{ph}_c32_rps'][0]:.0f} | {ev['p50']:.3f} | {hd['p50']:.3f} | {nsop} |")
    wz = res.get("wasm", {})
    if "request" in wz:
        w(f"\nIn-process Wasm (`opa build -t wasm`, evaluated with opa-py-wasm/wasmtime on the caller's thread; host "
          f"builtins needed: {', '.join(wz['host_builtins']) or 'none'}): request p50 {wz['request']['p50']:.3f} ms "
          f"(p99 {wz['request']['p99']:.3f}), response p50 {wz['response']['p50']:.3f} ms "
          f"(p99 {wz['response']['p99']:.3f}); same answers as the OPA server: "
          f"{wz['request']['same_answer_as_opa_server'] and wz['response']['same_answer_as_opa_server']}. "
          "Not a gateway mode: see Notes.")
    else:
        w(f"\nIn-process Wasm: {wz.get('skipped', 'not measured')}.")
    w("\nOPA eval = `timer_rego_query_eval_ns`, handler = `timer_server_handler_ns` from `?metrics=true`; the rest of "
      "the client figure is the loopback HTTP hop and the client.\n")
    rs = res["rss"]
    sm = [kib for _, kib in rs["samples"]]
    if sm:
        base = sm[min(len(sm) - 1, 2)]
        growth = (max(sm) - base) / base * 100
        w("## Memory\n")
        w(f"Gateway RSS (1 worker) across {rs['requests']} requests at c=32 (delivered path, {rs['errors']} errors, "
          f"{rs['seconds']:.0f} s): before warm-up {rs['before_warmup_kib'] / 1024:.1f} MiB, at start of measurement "
          f"{base / 1024:.1f} MiB, max {max(sm) / 1024:.1f} MiB, end {rs['after_kib'] / 1024:.1f} MiB: "
          f"**growth {growth:+.1f}%** over the measured run. "
          f"(`PACKGATE_BENCH_RSS_REQUESTS=100000 make bench` for the 100k figure.)\n")
    a1, a2 = added[("packgate", "direct")], added[("packgate", "proxy")]
    w("## Targets (issue 18; issue 5's throughput row kept)\n")
    w("| target | measured | met |")
    w("|---|---|---|")
    for line in targets(res, added, tp):
        w(line)
    for line in ceiling_rows(res, added, tp):
        w(line)
    if "c32_w2" in res:
        t2 = res["c32_w2"]["packgate"]["count"] / res["c32_w2"]["packgate"]["seconds"]
        w(f"| throughput c=32 with `--workers 2` ≥ 60% of bare proxy | {t2 / tp['proxy'] * 100:.0f}% | {'yes' if t2 >= 0.6 * tp['proxy'] else 'no'} |")
    for ph in ("request", "response"):
        p = stats(o[ph])["p50"]
        w(f"| OPA {ph} decision p50 ≤ 0.4 ms | {p:.3f} ms | {'yes' if p <= 0.4 else 'no'} |")
    w(f"| streaming TTFB within 2 ms of direct (or buffering explained) | +{dd['p50']:.2f} ms p50 | "
      f"{'yes' if dd['p50'] <= 2 else 'explained above'} |")
    if sm:
        w(f"| RSS flat within 10% | {growth:+.1f}% over {rs['requests']} requests | {'yes' if abs(growth) <= 10 else 'no'} |")
    w(f"\nAdded over the bare proxy (pair by pair): p50 {a2['p50']:.2f} ms, p99 {a2['p99']:.2f} ms.\n")
    w("## Levers, before/after in this run (issue 18)\n")
    w("| lever | before | after | kept |")
    w("|---|---|---|---|")
    b, a = added[("packgate_tcp", "direct")], added[("packgate", "direct")]
    w(f"| OPA over its Unix socket instead of loopback TCP (3a' -> 3a) | added p50 {b['p50']:.2f} / p99 {b['p99']:.2f} ms, "
      f"{tp['packgate_tcp']:.0f} req/s at c=32 | added p50 {a['p50']:.2f} / p99 {a['p99']:.2f} ms, "
      f"{tp['packgate']:.0f} req/s at c=32 | see Notes |")
    L.extend(opa_hop_rows(res.get("opa_hop", {})))
    L.extend(gc_row(res.get("opa_gc", {})))
    L.extend(declog_rows(res.get("opa_declog", {})))
    p = added[("packgate_prod", "direct")]
    oa, op = res["c32"]["packgate"].get("cpu_ms", {}), res["c32"]["packgate_prod"].get("cpu_ms", {})
    w(f"| What deployment adds: OPA's decision log (console, `system.log.mask`) and the gateway's reader thread writing "
      f"`opa-decisions.log` (3a, the bench's OPA without decision logging -> 3p, as deployed; not a lever: the audit "
      f"event quotes each `decision_id`) | added p50 {a['p50']:.2f} / p99 {a['p99']:.2f} ms, {tp['packgate']:.0f} req/s "
      f"at c=32, OPA CPU {oa.get('opa', 0):.3f} / gateway {oa.get('server', 0):.3f} ms per request | added p50 "
      f"{p['p50']:.2f} / p99 {p['p99']:.2f} ms, {tp['packgate_prod']:.0f} req/s at c=32, OPA CPU {op.get('opa', 0):.3f} "
      f"/ gateway {op.get('server', 0):.3f} ms per request | as deployed |")
    b = added[("packgate_py", "direct")]
    w(f"| The detector core in Rust (`native/`; the Python engine its oracle) (3a'' -> 3a) | added p50 "
      f"{b['p50']:.2f} / p99 {b['p99']:.2f} ms, {tp['packgate_py']:.0f} req/s at c=32 | added p50 {a['p50']:.2f} / "
      f"p99 {a['p99']:.2f} ms, {tp['packgate']:.0f} req/s at c=32 | yes |")
    L.extend(rego_ab_rows(res.get("rego_ab", {})))
    L.extend(rego_ab_rows(res.get("spec_ab", {}), "Per-pack specialised Rego (the pack's configuration written "
                                                  "out as rules by the compiler's templates)"))
    w("")
    w("## Notes (profiles: `python -m bench.gateway.profile_gateway 3000 1` and `... 6000 32`, py-spy at 1 kHz)\n")
    w("- Where the gateway process's CPU goes (issue 18 profile with the detector core in Rust and a request's "
      "slots scanned in one Rust call, a quiet machine; share of busy samples, i.e. without py-spy's samples of"
      " the event loop waiting in epoll and the audit writer's timed wait; c=1 / c=32): PHI scans and redaction"
      " (`runtime/redaction`, `gateway/scanning`) **43% / 38%** (45% / 43% before the slots' one call, 51% / "
      "60% on the Python detectors; nearly all of it is now the Rust scans of the request's two slots, joined "
      "and apart, and of the answer; the Python around them, `redact_plain` and the answer's `Finding`s, is a "
      "few percent); the two OPA decisions 11% / 11% (the socket write that wakes OPA; OPA's own evaluation "
      "runs on the other core); pipeline glue 7% / 9%; audit enqueue (`outcome.finish` -> `AuditLog.record`: "
      "schema check, canonical JSON) 6% / 9%; the audit writer thread (off the request path, shares the GIL) 6%"
      " / 7%; uvicorn's httptools protocol 7% / 6%; event loop and interpreter 7% / 4%; Starlette "
      "request/response objects, routing and middleware 3% / 6%; upstream call 4% / 5%; headers, identity, "
      "recorded ids, JSON parse and allow-list 4% / 4%; safeguard facts 1% / 1%; answer rendering 1% / 1%; "
      "metrics 0.3% / 0.3%.")
    w("- Issue 18 levers. Kept: the embedded OPA also listens on a Unix domain socket in its run dir (mode 600) "
      "and the gateway's decisions and health check go there over the same keep-alive pool (see Levers; "
      "`--opa-url unix:///path` for an operator's OPA; TCP stays for revision checks and operators); the OPA "
      "client lost its second HTTP stack (opa-python-client/aiohttp for the health check). Rejected, with their "
      "figures: dropping the request-input fields no rule reads (`identity.user_id`, `identity.method`: 37 of "
      "~1,400 bytes, OPA's handler time unchanged, see Levers; `user_id` also ties OPA's decision log to the "
      "audit event); OPA's optimiser on the bundle (`opa build -O=1`, measured with `opa bench` on the "
      "bench pack: request 0.84/0.86 -> 0.85/0.81 ms per op in two rounds, allocations -9%, response "
      "0.41/0.36 -> 0.35/0.40 ms: within noise; `-O=2` makes the request decision 30x slower, 25-30 ms, same "
      "answers); plain ASGI for the two hot endpoints (Starlette's objects, routing and middleware are 2-3% of "
      "busy CPU, at most ~0.1 ms at c=1: not worth a second request path); one HTTP client for everything "
      "(decisions and `http://` upstreams already share the httptools pool; aiohttp stays for `https://` "
      "upstreams only, httpx for the synchronous start-up checks, neither on the hot path). Metrics (0.1-0.5%) "
      "and header handling (2%) offer nothing measurable; audit enqueue (4%) is the audit store's validation "
      "and canonical encoding, left to the fleet work. A single `writev` per request was checked with strace "
      "(uvloop's `writelines` already sends head and body in one call).")
    w("- Issue 18, OPA's own evaluation of the decisions (per rule: `opa bench` on the bench bundle with the seed "
      "pack's request input, each rule in turn replaced by a constant, interleaved): rbac ~130 us, "
      "data-routing-policy's target selection ~115 us, the two detectors' redact transforms ~110 us, the rest "
      "(preflight, sensitivity, audit settings, detector violations, composition) ~100 us, plus ~20 us any query "
      "costs; in the response decision healthcare-compliance's regexes ~100 us and the input-independent rules "
      "(review deadlines, disclaimers, fda_class) ~40 us. No rule dominates: `opa eval --instrument` counts ~100 "
      "rule/function evaluations, ~240 builtin calls and 26 comprehensions for one request decision; on this "
      "machine a function call costs ~4 us and a builtin ~1.5 us. Kept (see Levers, `python -m "
      "bench.gateway.opa_ab`): the library rewritten for fewer steps with the same decisions (helpers inlined "
      "where a test does not name them, else-chains instead of bodies re-testing a negated condition, a tier "
      "lookup instead of a scan, routing's requirement rows checked in two comprehensions, each target screened "
      "once, each blocked pattern prefixed and validity-checked once per answer). Rejected, with their figures "
      "(`opa bench`, medians of 5 interleaved rounds): the routing requirements inlined as a Rego literal instead "
      "of `data.json` (request -139 allocations, time within noise; the table stays the one source the generated "
      "tests' oracle reads); `opa run --optimize-store-for-read-speed` (request 658 -> 628 us/op, eval median "
      "497 -> 486 us, -116 allocations; response unchanged: within noise); all blocked_patterns as one "
      "alternation (one regex pass is as slow as three: 29 vs 33 us); `opa build -O=1` again on the new library "
      "(request 633 -> 591 us/op, response 359 -> 259 us/op: constant folding of review deadlines, disclaimers, "
      "fda_class and the chain) - a real gain now, but the served bundle would be opa's partial-evaluation output "
      "instead of the generated, reviewed Rego with its METADATA, and `packgate build` would need opa; not "
      "adopted. What the 0.4 ms target needs: a hand-written request decision for the bench pack's path (config "
      "values inlined, same answer for this input, not a full implementation) evaluates in ~100 us (`opa bench` "
      "eval median, against ~490 us): the library's generality - config read through object.get at every "
      "request, one function per concern - is about three quarters of OPA's cost. Kept since (see Levers, "
      "`opa_ab --templates-ref 81d67a0`): per-pack specialised Rego, the compiler's templates writing rbac, the "
      "detectors' settings, routing's screening, compliance's blocked patterns and oversight's constants out as "
      "rules with the pack's values inlined (`compiler/specialise.py`), the library keeping the semantics and "
      "its tests; `tests/compiler/test_specialised.py` holds each generated rule equal to the library function "
      "it replaces on every repo pack, and `python -m bench.gateway.decisions_equal` found 0 of 10,200 whole "
      "decisions differing from the generic formulation.")
    note = ceiling_note(res, tp)
    if note:
        w(note)
    w("- What the targets need: the detector core is now Rust (`native/`, kept: see Levers, 3a'' -> 3a, the "
      "same answers from both engines checked at start-up of the run; the Python engine stays as its oracle "
      "and for text that is not ASCII), and the 2 KB scan is ~0.3 ms in-process (Compiler and redaction, "
      "below). What is left of the added latency is the serving stack the bare proxy also pays (its row), "
      "the two OPA decisions (the OPA table: request and response as the client sees them), and the rest of "
      "the pipeline (audit enqueue, JSON, headers, the output scan); the 1.5 ms p50 target is below the bare "
      "proxy plus the two decisions on this machine, so it needs OPA's evaluation itself cheaper (in-process "
      "Wasm, measured above, or a smaller decision) as well as the serving stack.")
    w("- Earlier changes measured with this harness: serving on uvloop for real; pooled upstream connections; "
      "OPA decisions over the gateway's own keep-alive HTTP/1.1 pool with orjson (client CPU per decision 275 -> "
      "125 us); the audit writer on orjson with 20 ms batches (150 -> 43 us per event); OPA's input carrying only "
      "the headers the policies read; Rego micro-changes rejected (within `opa bench` noise).")
    w("- Streaming: the response decision needs the whole answer (`blocked_patterns`, output PHI), so packgate "
      "buffers the upstream stream to its end and streams only the approved text; its TTFB is therefore its full "
      "non-streaming latency plus the upstream's generation time, by design.")
    w("- In-process Wasm would remove the HTTP hop (see the OPA table) but needs a host `sprintf` (opa-py-wasm's is "
      "best-effort Go formatting), loses OPA's decision ids and masked decision logs, moves OPA's CPU onto the "
      "gateway's event-loop thread (OPA now evaluates on the other core), and would need its own build/reload path; "
      "it is measured here, not adopted.\n")
    w("## Compiler and redaction (in-process)\n")
    w("```")
    w(res.get("bench_compiler", ""))
    w(res.get("bench_redaction", ""))
    w("```\n")
    w("## A 1 MiB adversarial body does not stall other requests\n")
    w("`bench.gateway.scan_stall`: small requests (the 2 KB prompt, sequential) idle, then while another client "
      "keeps sending ~1 MiB adversarial bodies; `bench.gateway.scan_offload`: how late the event loop's 1 ms ticks "
      "are during one such scan on the loop, in a thread, in a worker process.\n")
    w("```")
    w(res.get("bench_scan_stall", ""))
    w(res.get("bench_scan_offload", ""))
    w("```\n")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
