"""The gateway in front of each model server the client tests drive: the real Ollama of the session
(`tests/ollama`, the tiny model) and the scripted stand-in. Both serve the same three packs
(tests/clients/packs, one route each: `cl-answer` delivers, `cl-block` blocks the answer with 409,
`cl-escalate` holds it for review) from one compiled bundle and one real OPA.

A test takes `backend` (parametrised over both servers) and reads what matters to a user: what the
client got, how many chat requests the model server received (`backend.upstream_requests()`: the
stand-in's record, or the real Ollama's own request log) and the audit events written.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from packgate.compiler.build import build_bundle
from packgate.runtime.audit import AuditLog
from packgate.runtime.demo.standin import StandinModel
from packgate.runtime.gateway import GatewayConfig, Route, create_app

from tests.harness import CLINICIAN, GatewayServer, OpaProcess, free_port, gateway_env
from tests.ollama.fixtures import ollama_server  # noqa: F401  (registers the fixture)
from tests.ollama.server import ANSWER, OllamaServer

PACKS = sorted((Path(__file__).parent / "packs").glob("*.yaml"))
ASK = "Please summarise the visit."          # answered on cl-answer
BLOCKED_ASK = "Say hello, tiny test model."  # the stand-in echoes it; the tiny model's answer names it too
# Ollama's request log (gin): `[GIN] ... | 200 | ... | 127.0.0.1 | POST "/api/chat"`
_OLLAMA_CHAT = re.compile(r'\|\s+(POST)\s+"(/api/chat|/api/generate|/v1/chat/completions)"')

__all__ = ["ANSWER", "ASK", "BLOCKED_ASK", "CLINICIAN", "Backend"]


@dataclass
class Backend:
    """The gateway in front of one model server, with what that server received."""

    name: str  # "ollama" (real) or "standin"
    gw: GatewayServer
    ollama: OllamaServer | None

    def route(self, pack: str) -> str:
        return self.gw.route(pack)

    @property
    def answer(self) -> str:
        """What an allowed `ASK` gets back from this model server."""
        return ANSWER if self.name == "ollama" else "[stand-in model] " + ASK

    def upstream_requests(self) -> int:
        """Chat requests the model server has received so far (this server's own record)."""
        if self.ollama is None:
            return len(self.gw.standin.received)
        time.sleep(0.2)  # gin writes its line after the answer is sent
        text = self.ollama.log_path.read_text(errors="replace")
        return len(_OLLAMA_CHAT.findall(text))

    def mark(self) -> tuple[int, int]:
        return self.gw.audit_mark(), self.upstream_requests()

    def since(self, mark: tuple[int, int]) -> tuple[int, list[dict[str, Any]]]:
        """(chat requests the model server received, audit events written) since `mark`."""
        return self.upstream_requests() - mark[1], self.gw.events_after(mark[0])


@pytest.fixture(scope="session")
def clients_bundle(ollama_server: OllamaServer, tmp_path_factory: pytest.TempPathFactory) -> Any:  # noqa: F811
    src = tmp_path_factory.mktemp("client-packs")
    paths = []
    for p in PACKS:
        dst = src / p.name
        dst.write_text(p.read_text().replace("{base_url}", ollama_server.url).replace("{model}", ollama_server.model))
        paths.append(str(dst))
    result = build_bundle(paths, tmp_path_factory.mktemp("client-bundle"))
    assert not [d for d in result.diagnostics if d.severity == "error"], result.diagnostics
    return result


@pytest.fixture(scope="session")
def clients_opa(clients_bundle: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpaProcess]:
    log = tmp_path_factory.mktemp("client-opa") / "opa.log"
    proc = OpaProcess(Path(clients_bundle.bundle_dir), free_port(), bundle=True, log_path=log).start()
    yield proc
    proc.stop()


def _gateway(bundle: Any, opa: OpaProcess, standin: StandinModel, audit: AuditLog, standin_url: str | None
             ) -> GatewayServer:
    gateway_env()
    routes = [Route.from_built(p) for p in bundle.packs]
    first = next(r for r in routes if r.name == "cl-answer")
    config = GatewayConfig(routes=[first, *[r for r in routes if r is not first]], opa_url=opa.url,
                           bundle_revision=bundle.revision, audit=audit, opa_timeout_s=2.0,
                           standin_url=standin_url)
    return GatewayServer.start(create_app(config), audit, opa, standin)


@pytest.fixture(scope="session")
def real_gateway(clients_bundle: Any, clients_opa: OpaProcess, standin_server: StandinModel,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    audit = AuditLog.open(tmp_path_factory.mktemp("client-audit-real") / "audit.db")
    server = _gateway(clients_bundle, clients_opa, standin_server, audit, None)
    yield server
    server.stop()
    audit.close()


@pytest.fixture(scope="session")
def standin_gateway(clients_bundle: Any, clients_opa: OpaProcess, standin_server: StandinModel,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    audit = AuditLog.open(tmp_path_factory.mktemp("client-audit-standin") / "audit.db")
    server = _gateway(clients_bundle, clients_opa, standin_server, audit, standin_server.url)
    yield server
    server.stop()
    audit.close()


@pytest.fixture(params=["ollama", "standin"])
def backend(request: pytest.FixtureRequest, ollama_server: OllamaServer) -> Backend:  # noqa: F811
    if request.param == "ollama":
        return Backend("ollama", request.getfixturevalue("real_gateway"), ollama_server)
    gw: GatewayServer = request.getfixturevalue("standin_gateway")
    gw.standin.reset()
    return Backend("standin", gw, None)
