"""Session fixtures for the gateway stack (a pytest plugin, registered in tests/conftest.py).

One compiled bundle, one real OPA, one stand-in model per session (starting them costs more than the
tests); the gateway over them under uvicorn (`gw`, `http`) and in-process (`inproc`). Each test starts
from a reset stand-in and an OPA that is up (a fault test may have stopped it), and reads the audit
events recorded after its own start.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from packgate.compiler.build import build_bundle
from packgate.runtime.audit import AuditLog
from packgate.runtime.demo.standin import StandinModel

from .net import free_port
from .opa import OpaProcess
from .stack import PACK_FILES, REVIEW_KEY, SEED_PACK, GatewayServer, InProcessGateway, gateway_app, gateway_env
from .standin import start_standin

# every gateway a test starts (in-process or `packgate gateway run`) may serve a pack that holds answers
os.environ.setdefault("PACKGATE_REVIEW_KEY", REVIEW_KEY)


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
    model = start_standin(StandinModel())
    yield model
    model.stop()


@pytest.fixture(scope="session")
def gateway(bundle: Any, opa: OpaProcess, standin_server: StandinModel,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    gateway_env()
    audit = AuditLog.open(tmp_path_factory.mktemp("audit") / "audit.db")
    server = GatewayServer.start(gateway_app(bundle, opa.url, standin_server.url, audit), audit, opa, standin_server)
    yield server
    server.stop()
    audit.close()


def _ready(opa: OpaProcess, standin: StandinModel) -> None:
    standin.reset()
    if opa.proc is None:
        opa.start()


@pytest.fixture()
def gw(gateway: GatewayServer) -> Iterator[GatewayServer]:
    """The session gateway (uvicorn) with a fresh stand-in and OPA up."""
    _ready(gateway.opa, gateway.standin)
    yield gateway


@pytest.fixture()
def http(gw: GatewayServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gw.url, timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def inproc_session(bundle: Any, opa: OpaProcess, standin_server: StandinModel,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessGateway]:
    gateway_env()
    audit = AuditLog.open(tmp_path_factory.mktemp("audit-inproc") / "audit.db")
    app = gateway_app(bundle, opa.url, standin_server.url, audit)
    with TestClient(app, base_url="http://gateway.test") as client:
        yield InProcessGateway(app, audit, opa, standin_server, client)
    audit.close()


@pytest.fixture()
def inproc(inproc_session: InProcessGateway) -> Iterator[InProcessGateway]:
    """The gateway app in-process (Starlette TestClient) with a fresh stand-in and OPA up."""
    _ready(inproc_session.opa, inproc_session.standin)
    yield inproc_session


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """An editable copy of the seed pack in its own directory (the watcher watches the dir)."""
    d = tmp_path / "packs"
    d.mkdir()
    dst = d / "route.yaml"
    shutil.copy(SEED_PACK, dst)
    return dst


@pytest.fixture
def local_model() -> Iterator[StandinModel]:
    """A stand-in of this test's own, for gateways that reach it through their pack's `base_url`."""
    model = start_standin(StandinModel())
    yield model
    model.stop()


@pytest.fixture
def local_pack(pack_copy: Path, local_model: StandinModel) -> Path:
    """The seed pack with its target's base_url pointing at `local_model` (a pack edit, not a swap)."""
    text = pack_copy.read_text().replace("base_url: http://localhost:11434", f"base_url: {local_model.url}")
    pack_copy.write_text(text)
    return pack_copy


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """One real PostgreSQL 15 for the session (tests/harness/postgres.py); each test takes a database."""
    from .postgres import PostgresServer

    server = PostgresServer().init().start()
    yield server
    server.destroy()


@pytest.fixture()
def pg_url(pg_server: Any) -> str:
    """A fresh database in the session's PostgreSQL, as a postgresql:// URL."""
    if not pg_server.running():
        pg_server.start()
    return pg_server.new_database()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright (tests/harness/browser.py). Per module: Playwright's
    sync API keeps an event loop running while it is open, and later `asyncio.run` callers need none."""
    from .browser import chromium

    with chromium() as b:
        yield b
