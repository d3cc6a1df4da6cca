"""Real components for the safeguard tests: packs written at test time (the notification receiver's
port is only known then), compiled into a real bundle, a real `opa run --server`, the gateway under
uvicorn, a real SQLite audit log, the stand-in model (records what it received) and a local HTTP
receiver for urgent notifications (records what it received)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from packgate.compiler.build import build_bundle
from packgate.runtime.audit import AuditLog
from packgate.runtime.demo.standin import StandinModel
from packgate.runtime.gateway.app import create_app
from packgate.runtime.gateway.config import GatewayConfig, Route

from ..harness.net import free_port, wait_http
from ..harness.opa import OpaProcess
from ..harness import AuditView

NOTIFY_SECRET = "safeguard-tests-notify-secret"
PATIENT = {"X-User-ID": "p-1", "X-User-Role": "patient"}
CLINICIAN = {"X-User-ID": "c-1", "X-User-Role": "clinician"}
SYSTEM_PROMPT = "You draft clinical summaries for licensed clinicians. Never give dosing instructions."


def pack_yaml(name: str, chain: list[str], policies: str) -> str:
    return f"""pack:
  name: {name}
  version: 1.0.0
providers:
  targets:
    - id: local
      provider: openai
      model: {name}-model
      base_url: http://127.0.0.1:9/v1
      timeout_s: 5
policies:
  chain: [{", ".join(["rbac", *chain, "audit-logger"])}]
policy:
  rbac:
    deny_if_missing: [X-User-ID, X-User-Role]
    roles:
      patient: {{allowed_tools: ["*"]}}
      clinician: {{allowed_tools: ["*"]}}
{policies}  audit-logger: {{}}
"""


def crisis_policy(action: str, audience: str, notify: str) -> str:
    return f"""  crisis-detection:
    scope: [input, output]
    audience: {audience}
    action: {action}
    response: "If you are in immediate danger, call or text 988 (Suicide & Crisis Lifeline) or 911."
    notify_url: {notify}
    notify_secret_env: SG_TEST_NOTIFY_SECRET
"""


def guard_policy(client_system: str, injection: str) -> str:
    return f"""  prompt-guard:
    system_prompt: "{SYSTEM_PROMPT}"
    client_system_messages: {client_system}
    injection: {injection}
"""


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local webhook receiver: records every POST; answers 500 to the next `fail_next` of them."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    fail_next: int = 0
    statuses: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/crisis"

    def wait(self, n: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            me = holder[0]
            me.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            status = 500 if me.fail_next > 0 else 204
            me.fail_next -= status == 500
            me.statuses.append(status)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder[0]
    server.shutdown()


@dataclass
class Gw(AuditView):
    url: str
    audit: AuditLog
    standin: StandinModel
    receiver: Receiver

    def route(self, pack: str) -> str:
        return f"{self.url}/routes/{pack}"

    def mark(self) -> int:
        return self.audit_mark()


def write_packs(directory: Path, notify_url: str) -> list[Path]:
    packs = {
        "sg-respond": pack_yaml("sg-respond", ["crisis-detection"], crisis_policy("respond", "patient", notify_url)),
        "sg-escalate": pack_yaml("sg-escalate", ["crisis-detection"], crisis_policy("escalate", "patient", notify_url)),
        "sg-clinician": pack_yaml("sg-clinician", ["crisis-detection"], crisis_policy("respond", "clinician", notify_url)),
        "sg-guard": pack_yaml("sg-guard", ["prompt-guard"], guard_policy("refuse", "block")),
        "sg-replace": pack_yaml("sg-replace", ["prompt-guard"], guard_policy("replace", "flag")),
        "sg-urgent": pack_yaml("sg-urgent", ["crisis-detection", "human-oversight"],
                               crisis_policy("escalate", "patient", notify_url)
                               + "  human-oversight:\n    action: escalate\n    urgent_deadline: 5m\n"),
        "sg-restore": pack_yaml("sg-restore", ["pii-detector", "human-oversight"],
                                "  pii-detector:\n    action: redact\n    redaction:\n      marker_format: token\n"
                                "      restore_tokens: true\n  human-oversight:\n    action: escalate\n"),
        "sg-review": pack_yaml("sg-review", ["human-oversight"], "  human-oversight:\n    action: escalate\n"
                               f"    notify_url: {notify_url}\n    notify_secret_env: SG_TEST_NOTIFY_SECRET\n"),
    }
    paths = []
    for name, text in packs.items():
        path = directory / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="session")
def sg_gateway(receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gw]:
    os.environ["SG_TEST_NOTIFY_SECRET"] = NOTIFY_SECRET
    os.environ.setdefault("PACKGATE_AUDIT_HMAC_KEY", "safeguard-tests-hmac")
    packs = write_packs(tmp_path_factory.mktemp("packs"), receiver.url)
    bundle = build_bundle([str(p) for p in packs], tmp_path_factory.mktemp("bundle"))
    assert not [d for d in bundle.diagnostics if d.severity == "error"], bundle.diagnostics
    opa = OpaProcess(Path(bundle.bundle_dir), free_port(), bundle=True,
                     log_path=tmp_path_factory.mktemp("opa") / "opa.log").start()
    standin = StandinModel().start()
    audit = AuditLog.open(tmp_path_factory.mktemp("audit") / "audit.db")
    config = GatewayConfig(routes=[Route.from_built(p) for p in bundle.packs], opa_url=opa.url,
                           bundle_revision=bundle.revision, audit=audit, opa_timeout_s=2.0,
                           standin_url=standin.url)
    app = create_app(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "gateway did not start"
        time.sleep(0.01)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    wait_http(f"{url}/health")
    yield Gw(url, audit, standin, receiver)
    server.should_exit = True
    thread.join(5)
    standin.stop()
    opa.stop()
    audit.close()


@pytest.fixture()
def gw(sg_gateway: Gw) -> Gw:
    sg_gateway.standin.reset()
    sg_gateway.receiver.received.clear()
    sg_gateway.receiver.statuses.clear()
    sg_gateway.receiver.fail_next = 0
    return sg_gateway
