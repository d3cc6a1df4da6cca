"""Real components for gateway tests: the compiled bundle in a real `opa run --server`, the gateway
under uvicorn on a free loopback port, a real SQLite audit log — and the stand-in upstream model,
the only fake, which records exactly what it received.

One set per session (starting OPA and uvicorn costs more than the tests); each test starts from a
reset stand-in and reads the audit events recorded after its own start.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from packgate.compiler.build import build_bundle
from packgate.runtime.gateway.app import create_app
from packgate.runtime.audit import AuditLog, query_events
from packgate.runtime.gateway.config import GatewayConfig, Route
from packgate.runtime.demo.standin import StandinModel

from .procs import ROOT, OpaProcess, free_port, wait_http

PACKS_DIR = Path(__file__).parent / "packs"
SEED_PACK = ROOT / "packs" / "behavioral-health-review-route.yaml"
JWT_SECRET = "gateway-tests-secret-0123456789abcdef"
# the first pack is also served at the root paths
PACK_FILES = [PACKS_DIR / "gw-deliver.yaml", SEED_PACK, PACKS_DIR / "gw-no-provider.yaml",
              PACKS_DIR / "gw-block.yaml", PACKS_DIR / "gw-auth.yaml"]
CLINICIAN = {"X-User-ID": "u-17", "X-User-Role": "clinician"}


@dataclass
class GatewayServer:
    url: str
    app: Any
    server: uvicorn.Server
    thread: threading.Thread
    audit: AuditLog
    opa: OpaProcess
    standin: StandinModel

    def route(self, pack: str | None) -> str:
        return self.url if pack is None else f"{self.url}/routes/{pack}"

    def audit_mark(self) -> int:
        self.audit.flush(5)
        last = query_events(self.audit.path, limit=1)
        return last[-1]["seq"] if last else 0

    def events_after(self, mark: int) -> list[dict[str, Any]]:
        assert self.audit.flush(5)
        return query_events(self.audit.path, after_seq=mark)


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("bundle")
    result = build_bundle([str(p) for p in PACK_FILES], out)
    assert not [d for d in result.diagnostics if d.severity == "error"], result.diagnostics
    return result


@pytest.fixture(scope="session")
def opa(bundle: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpaProcess]:
    log = tmp_path_factory.mktemp("opa") / "opa.log"
    proc = OpaProcess(Path(bundle.bundle_dir), free_port(), bundle=True, log_path=log).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def standin_server() -> Iterator[StandinModel]:
    model = StandinModel().start()
    yield model
    model.stop()


@pytest.fixture(scope="session")
def gateway(bundle: Any, opa: OpaProcess, standin_server: StandinModel,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    os.environ["PACKGATE_JWT_SECRET"] = JWT_SECRET
    os.environ.setdefault("PACKGATE_AUDIT_HMAC_KEY", "gateway-tests-hmac")
    audit = AuditLog.open(tmp_path_factory.mktemp("audit") / "audit.db")
    config = GatewayConfig(
        routes=[Route.from_built(p) for p in bundle.packs], opa_url=opa.url, bundle_revision=bundle.revision,
        audit=audit, opa_timeout_s=0.5, standin_url=standin_server.url, max_body_bytes=1024 * 1024,
    )
    app = create_app(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="gateway")
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "gateway did not start"
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/health")
    yield GatewayServer(url, app, server, thread, audit, opa, standin_server)
    server.should_exit = True
    thread.join(5)
    audit.close()


@pytest.fixture()
def gw(gateway: GatewayServer) -> Iterator[GatewayServer]:
    """The session gateway with a fresh stand-in; asserts OPA is up (a test may have stopped it)."""
    gateway.standin.reset()
    if gateway.opa.proc is None:
        gateway.opa.start()
    yield gateway


@pytest.fixture()
def http(gw: GatewayServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gw.url, timeout=10) as client:
        yield client
