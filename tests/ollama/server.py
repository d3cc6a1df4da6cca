"""A real `ollama serve` on a free loopback port, serving the tiny test model.

    with OllamaServer(models_dir=tmp) as srv:        # starts, creates the model, loads it
        httpx.post(f"{srv.url}/api/chat", json={"model": srv.model, "messages": [...], "stream": False})

The binary is the one `make setup` builds (tests/ollama/install.sh): .tools/bin/ollama, or
$PACKGATE_OLLAMA. The model files (GGUF + Modelfile) come from .tools/ollama-models and are written
there by tests/ollama/tinymodel.py if missing (pure Python, a fraction of a second).

The server gets its own OLLAMA_MODELS and HOME (so nothing lands in ~/.ollama), no cloud features,
keeps the model loaded, and runs in its own process group: stop() ends it and its runner process
together; on Linux it also dies with the process that started it, so a killed pytest leaves no orphan.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from . import tinymodel

ROOT = Path(__file__).resolve().parents[2]
OLLAMA_BIN = Path(os.environ.get("PACKGATE_OLLAMA", ROOT / ".tools" / "bin" / "ollama"))
MODEL_SRC = ROOT / ".tools" / "ollama-models"
OLLAMA_VERSION = "0.17.4"
MODEL = f"{tinymodel.MODEL_NAME}:latest"
ANSWER = tinymodel.ANSWER


class OllamaNotInstalled(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child between fork and exec (Linux only)
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _exited(pid: int) -> bool:
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


class OllamaServer:
    """One `ollama serve` child. `start()` returns when the model is created and (by default) loaded."""

    def __init__(self, models_dir: Path | str | None = None, *, binary: Path | str | None = None,
                 model_src: Path | str | None = None, preload: bool = True,
                 ready_timeout: float = 90.0, load_timeout: float = 180.0) -> None:
        self.binary = Path(binary or OLLAMA_BIN)
        self.model_src = Path(model_src or MODEL_SRC)
        self._own_dir = models_dir is None
        self.base = Path(models_dir) if models_dir else Path(tempfile.mkdtemp(prefix="packgate-ollama-"))
        self.preload = preload
        self.ready_timeout = ready_timeout
        self.load_timeout = load_timeout
        self.model = MODEL
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log_path = self.base / "ollama-serve.log"

    # -- addresses -------------------------------------------------------------------------------
    @property
    def host(self) -> str:
        """`127.0.0.1:PORT`, what OLLAMA_HOST and `ollama.Client(host=...)` take."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def openai_base_url(self) -> str:
        """Base URL of Ollama's OpenAI-compatible API (`openai.OpenAI(base_url=..., api_key="x")`)."""
        return f"{self.url}/v1"

    def env(self) -> dict[str, str]:
        """Environment for the server and for `ollama` CLI calls against it."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("OLLAMA_")}
        home = self.base / "home"
        home.mkdir(parents=True, exist_ok=True)
        env.update({
            "HOME": str(home),
            "OLLAMA_HOST": self.host,
            "OLLAMA_MODELS": str(self.base / "models"),
            "OLLAMA_NO_CLOUD": "1",
            "OLLAMA_KEEP_ALIVE": "-1",         # keep the model loaded for the server's lifetime
            "OLLAMA_MAX_LOADED_MODELS": "1",
            "OLLAMA_NUM_PARALLEL": "1",
            "OLLAMA_CONTEXT_LENGTH": str(tinymodel.N_CTX),
            "OLLAMA_NOPRUNE": "1",
            "GIN_MODE": "release",             # no route table in the log
        })
        return env

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> OllamaServer:
        if not os.access(self.binary, os.X_OK):
            raise OllamaNotInstalled(f"{self.binary} is missing: run `make setup` (or bash tests/ollama/install.sh)")
        modelfile = tinymodel.write_model(self.model_src)
        for attempt in range(3):   # a free port can be taken between choosing it and binding it
            self.port = free_port()
            self._spawn()
            try:
                self._wait_ready()
                break
            except RuntimeError:
                self.stop()
                if attempt == 2 or "address already in use" not in self.log_tail():
                    raise
        try:
            self._create(modelfile)
            if self.preload:
                self._load()
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self) -> None:
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                [str(self.binary), "serve"], env=self.env(), cwd=self.base, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        finally:
            log.close()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"ollama serve exited early:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/api/version", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"ollama serve not ready after {self.ready_timeout:.0f}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def _create(self, modelfile: Path) -> None:
        done = subprocess.run([str(self.binary), "create", self.model, "-f", str(modelfile)],
                              env=self.env(), cwd=modelfile.parent, capture_output=True, text=True,
                              timeout=self.load_timeout, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(f"ollama create failed ({done.returncode}):\n{done.stdout}{done.stderr}\n"
                               f"{self.log_tail()}")

    def _load(self) -> None:
        # an empty prompt only loads the model into a runner (done_reason "load")
        r = httpx.post(f"{self.url}/api/generate", json={"model": self.model, "keep_alive": -1},
                       timeout=self.load_timeout)
        if r.status_code != 200:
            raise RuntimeError(f"loading {self.model} failed: {r.status_code} {r.text}\n{self.log_tail()}")

    def stop(self) -> None:
        """End the server and its runner (the whole process group); idempotent."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        # wait for the server to exit without reaping it: while it is a zombie its group id cannot be
        # reused, so the SIGKILL below reaches only what is left of this server's group (its runner)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not _exited(proc.pid):
            time.sleep(0.05)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)

    def close(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.base, ignore_errors=True)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def __enter__(self) -> OllamaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
