"""Encryption in transit through the real `packgate gateway run`: the gateway serves HTTPS with a
certificate made at test time and talks to an HTTPS upstream verified against the pack's CA bundle;
an upstream whose certificate the bundle does not vouch for fails closed (502, nothing sent)."""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from packgate.runtime.demo.standin import StandinModel

from .certs import Issued, issue

HEADERS = {"X-User-ID": "c-1", "X-User-Role": "clinician"}


def tls_pack(name: str, upstream: str, ca: Path) -> str:
    return f"""pack:
  name: {name}
  version: 1.0.0
providers:
  ca_bundle: {ca}
  targets:
    - id: tls-model
      provider: openai
      model: tls-model
      base_url: {upstream}/v1
      timeout_s: 5
policies:
  chain: [rbac, audit-logger]
policy:
  rbac:
    deny_if_missing: [X-User-ID, X-User-Role]
  audit-logger: {{}}
"""


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Issued]:
    d = tmp_path_factory.mktemp("certs")
    return {"upstream": issue(d, "upstream"), "gateway": issue(d, "gateway"), "other": issue(d, "other")}


@pytest.fixture(scope="module")
def https_standin(certs: dict[str, Issued]) -> Iterator[tuple[str, StandinModel]]:
    """The stand-in model behind TLS (its certificate signed by the `upstream` CA)."""
    model = StandinModel()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(model.app, log_level="warning", access_log=False,
                                           ssl_certfile=str(certs["upstream"].cert),
                                           ssl_keyfile=str(certs["upstream"].key)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.02)
    yield f"https://127.0.0.1:{sock.getsockname()[1]}", model
    server.should_exit = True
    thread.join(5)


@pytest.fixture(scope="module")
def gateway(certs: dict[str, Issued], https_standin: tuple[str, StandinModel],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    upstream, _ = https_standin
    d = tmp_path_factory.mktemp("tls-packs")
    good, bad = d / "tls-good.yaml", d / "tls-wrong-ca.yaml"
    good.write_text(tls_pack("tls-good", upstream, certs["upstream"].ca))
    bad.write_text(tls_pack("tls-wrong-ca", upstream, certs["other"].ca))
    env = {**os.environ, "PACKGATE_AUDIT_HMAC_KEY": "tls-tests"}
    proc = subprocess.Popen([sys.executable, "-m", "packgate", "gateway", "run", "--port", "0", "--no-watch",
                             "--pack", str(good), "--pack", str(bad), "--audit-db", str(d / "audit.db"),
                             "--tls-cert", str(certs["gateway"].cert), "--tls-key", str(certs["gateway"].key)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    threading.Thread(target=lambda: [lines.append(x) for x in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    deadline = time.monotonic() + 60
    url = None
    while url is None:
        assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
        url = next((m.group(1) for x in list(lines) if (m := re.search(r"listening on (\S+)", x))), None)
        time.sleep(0.05)
    yield url
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def chat(url: str, pack: str, ca: Path) -> httpx.Response:
    return httpx.post(f"{url}/routes/{pack}/v1/chat/completions", headers=HEADERS, verify=ssl.create_default_context(cafile=str(ca)), timeout=20,
                      json={"model": "m", "messages": [{"role": "user", "content": "Summarise: stable."}]})


def test_gateway_serves_https_and_calls_a_verified_https_upstream(
        gateway: str, certs: dict[str, Issued], https_standin: tuple[str, StandinModel]) -> None:
    assert gateway.startswith("https://")
    _, model = https_standin
    model.reset()
    r = chat(gateway, "tls-good", certs["gateway"].ca)
    assert r.status_code == 200, r.text
    assert len(model.received) == 1
    assert model.received[0].body["messages"][-1]["content"] == "Summarise: stable."


def test_plain_http_and_untrusted_clients_cannot_talk_to_the_https_gateway(gateway: str, certs: dict[str, Issued]) -> None:
    with pytest.raises(httpx.ConnectError):
        chat(gateway, "tls-good", certs["other"].ca)  # the client does not trust the gateway's certificate
    with pytest.raises(httpx.HTTPError):
        httpx.get(gateway.replace("https://", "http://") + "/health", timeout=5)


def test_wrong_upstream_certificate_fails_closed_with_502_and_nothing_sent(
        gateway: str, certs: dict[str, Issued], https_standin: tuple[str, StandinModel]) -> None:
    _, model = https_standin
    model.reset()
    r = chat(gateway, "tls-wrong-ca", certs["gateway"].ca)
    assert r.status_code == 502
    assert r.json()["error"]["code"] == "upstream_error"
    assert model.received == []


def test_mismatched_certificate_and_key_stop_the_gateway_before_it_starts(certs: dict[str, Issued], tmp_path: Path) -> None:
    pack = tmp_path / "p.yaml"
    pack.write_text(tls_pack("tls-start", "https://127.0.0.1:9", certs["upstream"].ca))
    proc = subprocess.run([sys.executable, "-m", "packgate", "gateway", "run", "--port", "0", "--no-watch",
                           "--pack", str(pack), "--audit-db", str(tmp_path / "a.db"),
                           "--tls-cert", str(certs["gateway"].cert), "--tls-key", str(certs["other"].key)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "TLS certificate/key" in proc.stderr + proc.stdout
