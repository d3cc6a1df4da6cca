"""Every request that reaches the gateway process leaves exactly one audit event — including those
Starlette would redirect (a trailing slash) and those uvicorn's parser refuses before any app runs."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from packgate.runtime.audit import query_events

from tests.harness import GatewayProc


def raw(url: str, payload: bytes) -> bytes:
    """Send bytes on a fresh connection; return everything the server answers until it closes."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        s.sendall(payload)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


REJECTED = {
    "bad_content_length": b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n{}",
    "te_and_cl": (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  b"Content-Length: 5\r\n\r\n0\r\n\r\n"),
    "two_content_lengths": b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    "garbage_request_line": b"\x16\x03\x01 not http at all\r\n\r\n",
    "bad_header_name": b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
}


def events(db: Path, expected: int, timeout: float = 10.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = [e for e in query_events(db) if not e["verdict"].startswith("bundle_")] if db.exists() else []
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.fixture
def gw(pack_copy: Path, tmp_path: Path):
    proc = GatewayProc.cli("--pack", str(pack_copy), "--audit-db", str(tmp_path / "a.db"), "--no-watch")
    yield proc, tmp_path / "a.db"
    proc.stop()


def test_trailing_slash_is_a_404_with_an_event_not_a_redirect(gw) -> None:
    proc, db = gw
    with proc.client(follow_redirects=False) as c:
        r = c.post("/v1/chat/completions/", json={"messages": [{"role": "user", "content": "x"}]})
        r2 = c.get("/v1/models/")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_route")
    assert r2.status_code == 404
    found = events(db, 2)
    assert [(e["status"], e["verdict"]) for e in found] == [(404, "bad_request")] * 2


@pytest.mark.parametrize("kind", sorted(REJECTED))
def test_requests_the_server_rejects_leave_one_event(gw, kind: str) -> None:
    proc, db = gw
    answer = raw(proc.url, REJECTED[kind])
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    found = events(db, 1)
    assert len(found) == 1, found
    assert (found[0]["status"], found[0]["verdict"], found[0]["error_code"], found[0]["endpoint"]) == \
        (400, "bad_request", "invalid_http", "(rejected)")
    with proc.client() as c:  # and the gateway goes on serving
        assert c.get("/health").status_code == 200
