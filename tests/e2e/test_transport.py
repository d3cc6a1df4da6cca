"""The HTTP transport under attack, against the gateway in its own process with the production
transport (runtime/process/transport.py): oversized and over-many headers are refused fast while
`/health` keeps answering; a flood of idle and half-open connections past the file-descriptor limit
leaves `/health` and requests in flight working. Loopback only, bounded in count and time.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import httpx
import orjson
import pytest

from packgate.runtime.demo.standin import Reply

from tests.harness import forwarded_ids

from .conftest import serve
from .load import burst, check_policy_outcome


def _addr(url: str) -> tuple[str, int]:
    u = urlsplit(url)
    return u.hostname, u.port  # type: ignore[return-value]


def raw_exchange(url: str, head: bytes, *, chunk: int = 1 << 16, timeout: float = 10) -> tuple[int, bytes, float]:
    """Write `head` (a request line and headers, possibly huge) and read the answer, concurrently.

    Returns (status, raw answer, seconds from the first byte sent to the answer's status line)."""
    sock = socket.create_connection(_addr(url), timeout=timeout)
    t0 = time.monotonic()

    def writer() -> None:
        try:
            for i in range(0, len(head), chunk):
                sock.sendall(head[i:i + chunk])
        except OSError:
            pass  # the server stopped reading once it refused: expected

    w = threading.Thread(target=writer, daemon=True)
    w.start()
    data, first = b"", None
    try:
        while b"\r\n" not in data:
            part = sock.recv(65536)
            if not part:
                break
            data += part
        first = time.monotonic()
        while part := sock.recv(65536):
            data += part
    except OSError:
        pass
    finally:
        sock.close()
        w.join(15)
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
    return status, data, (first or time.monotonic()) - t0


def body_json(raw: bytes) -> dict:
    return orjson.loads(raw.split(b"\r\n\r\n", 1)[1])


class HealthProbe:
    """Polls `GET /health` on fresh connections every 50 ms in a thread; records status and latency."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.results: list[tuple[int, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="health-probe")

    def _run(self) -> None:
        while not self._stop.is_set():
            t = time.monotonic()
            try:
                status = httpx.get(f"{self.url}/health", timeout=5).status_code
            except httpx.HTTPError:
                status = 0
            self.results.append((status, time.monotonic() - t))
            self._stop.wait(0.05)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


HEAD = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"


def test_oversized_header_is_refused_fast_while_health_answers(live) -> None:
    """A 16 MB header value: 431 headers_too_large within 2 s (before the fix it was parsed, growing by
    concatenation, for seconds); /health stays 200 throughout, quickly; the gateway serves afterwards."""
    huge = HEAD + b"X-Junk: " + b"j" * (16 << 20) + b"\r\n\r\n"
    with HealthProbe(live.url) as probe:
        time.sleep(0.2)
        status, raw, seconds = raw_exchange(live.url, huge)
        time.sleep(0.3)
    assert status == 431, raw[:300]
    err = body_json(raw)["error"]
    assert err["code"] == "headers_too_large" and err["type"] == "invalid_request_error"
    assert seconds < 2.0, seconds
    assert probe.results and all(s == 200 for s, _ in probe.results), probe.results
    assert max(t for _, t in probe.results) < 2.0, probe.results
    # headers add up: 90 of 1 KB each pass the count but not the size; more than 100 fail the count
    status, raw, _ = raw_exchange(live.url, HEAD + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 1000) for i in range(90)) + b"\r\n")
    assert status == 431 and body_json(raw)["error"]["code"] == "headers_too_large"
    status, raw, _ = raw_exchange(live.url, HEAD + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n")
    assert status == 431 and body_json(raw)["error"]["code"] == "too_many_headers"
    assert httpx.get(f"{live.url}/health", timeout=5).status_code == 200


def test_slow_headers_time_out_with_408(live) -> None:
    """Slowloris: headers that never finish are cut off at the header deadline (10 s) with 408."""
    sock = socket.create_connection(_addr(live.url), timeout=20)
    t = time.monotonic()
    sock.sendall(HEAD + b"X-Slow: a")
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    assert data.startswith(b"HTTP/1.1 408 ") and body_json(data)["error"]["code"] == "request_timeout"
    assert 9.0 < time.monotonic() - t < 15.0


FLOOD_NOFILE = 1024
FLOOD = 1500  # connections: half again the gateway's fd limit


@pytest.fixture()
def flood_gw(rel_opa, rel_standin, tmp_path_factory):
    """A gateway whose fd limit is 1,024 (as the reported one was 20,000): a flood can reach it in a test."""
    if rel_opa.proc is None:
        rel_opa.start()
    rel_standin.reset()
    proc = serve(tmp_path_factory.mktemp("flood-gw"), rel_opa, rel_standin, args=("--nofile", str(FLOOD_NOFILE)))
    yield proc
    proc.stop()


def test_connection_flood_leaves_health_and_inflight_requests_working(flood_gw, rel_standin) -> None:
    """1,500 idle and half-open loopback connections against a 1,024-fd gateway (opened while four requests
    wait 1.2 s on the model): /health answers within
    2 s throughout, requests already in flight complete with their policy outcome, the gateway never
    holds more descriptors than its limit, and it serves normally once the flood ends."""
    gw = flood_gw
    rel_standin.script(*[Reply(delay_s=1.2)] * 4)  # under the targets' 2 s timeout
    inflight: list = []

    t = threading.Thread(target=lambda: inflight.extend(burst(gw.url, [(f"inflight-{i}", "allowed") for i in range(4)], 4)),
                         daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while len(rel_standin.received) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(rel_standin.received) == 4  # all four are at the model now
    flood: list[socket.socket] = []
    try:
        with HealthProbe(gw.url) as probe:
            for i in range(FLOOD):
                try:
                    s = socket.create_connection(_addr(gw.url), timeout=5)
                except OSError:
                    continue
                if i % 3 == 0:
                    s.sendall(HEAD + b"X-Half: ")  # half-open: a request that never finishes
                flood.append(s)
            held = time.monotonic()
            peak_fds = gw.fds()
            time.sleep(1.5)
            peak_fds = max(peak_fds, gw.fds())
        t.join(30)
    finally:
        for s in flood:
            s.close()
    during = [(s, d) for s, d in probe.results]
    assert len(flood) == FLOOD
    assert during and all(s == 200 for s, _ in during), during
    assert max(d for _, d in during) < 2.0, during
    assert time.monotonic() - held < 10
    assert peak_fds <= FLOOD_NOFILE, peak_fds
    forwarded = forwarded_ids(rel_standin)
    assert len(inflight) == 4 and [p for r in inflight if (p := check_policy_outcome(r, forwarded))] == []
    r = burst(gw.url, [("after-flood", "allowed")], 1)[0]
    assert check_policy_outcome(r, forwarded_ids(rel_standin)) is None, r
