"""The gateway stack the gateway and e2e tests share: the packs it serves, the identities they use, and
the gateway itself, served by uvicorn in a thread (`GatewayServer`) or called in-process through
Starlette's `TestClient` (`InProcessGateway`). Both run in front of a real OPA and the stand-in model,
with a real SQLite audit log, and answer the same questions (`audit_mark`, `events_after`)."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.testclient import TestClient

from packgate.runtime.audit import AuditLog, query_events
from packgate.runtime.demo.standin import StandinModel
from packgate.runtime.gateway import GatewayConfig, Route, create_app

from .net import ROOT, wait_http
from .opa import OpaProcess

PACKS_DIR = ROOT / "tests" / "gateway" / "packs"
SEED_PACK = ROOT / "packs" / "behavioral-health-review-route.yaml"
JWT_SECRET = "gateway-tests-secret-0123456789abcdef"
# the first pack is also served at the root paths
PACK_FILES = [PACKS_DIR / "gw-deliver.yaml", SEED_PACK, PACKS_DIR / "gw-no-provider.yaml",
              PACKS_DIR / "gw-block.yaml", PACKS_DIR / "gw-auth.yaml"]
CLINICIAN = {"X-User-ID": "u-17", "X-User-Role": "clinician"}
REVIEW_KEY = "cmV2aWV3LWtleS1mb3ItdGVzdHMtb25seS0zMmJ5dGU="  # base64 of 32 bytes: packs that hold answers need one


def gateway_env() -> None:
    """The secrets the test packs' gateways read from the environment."""
    os.environ["PACKGATE_JWT_SECRET"] = JWT_SECRET
    os.environ.setdefault("PACKGATE_AUDIT_HMAC_KEY", "gateway-tests-hmac")
    os.environ.setdefault("PACKGATE_REVIEW_KEY", REVIEW_KEY)


def gateway_app(bundle: Any, opa_url: str, standin_url: str, audit: AuditLog) -> Any:
    """`create_app` over the compiled test packs, every target sent to the stand-in."""
    config = GatewayConfig(
        routes=[Route.from_built(p) for p in bundle.packs], opa_url=opa_url, bundle_revision=bundle.revision,
        audit=audit, opa_timeout_s=0.5, standin_url=standin_url, max_body_bytes=1024 * 1024,
    )
    return create_app(config)


class AuditView:
    """What a test reads of a gateway's audit log (`self.audit`): a mark, then the events after it."""

    def audit_mark(self) -> int:
        self.audit.flush(5)
        last = query_events(self.audit.path, limit=1)
        return last[-1]["seq"] if last else 0

    def events_after(self, mark: int) -> list[dict[str, Any]]:
        assert self.audit.flush(5)
        return query_events(self.audit.path, after_seq=mark)


@dataclass
class _Stack(AuditView):
    app: Any
    audit: AuditLog
    opa: OpaProcess
    standin: StandinModel


@dataclass
class GatewayServer(_Stack):
    """The gateway under uvicorn on a loopback port (real HTTP: SDK clients, streaming, raw sockets)."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def route(self, pack: str | None) -> str:
        return self.url if pack is None else f"{self.url}/routes/{pack}"

    @classmethod
    def start(cls, app: Any, audit: AuditLog, opa: OpaProcess, standin: StandinModel) -> GatewayServer:
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
        return cls(app, audit, opa, standin, url, server, thread)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


@dataclass
class InProcessGateway(_Stack):
    """The gateway app called in-process (no HTTP server): request-shape errors in milliseconds."""

    client: TestClient
