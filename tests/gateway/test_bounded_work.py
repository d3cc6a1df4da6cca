"""Bounded work on the request path: a big body is scanned off the event loop (other requests keep
being served while it is), identity refusals that need no findings come before any scanning, and
what is scanned off the loop is redacted exactly as it would be inline."""

from __future__ import annotations

import random
import threading
import time

import httpx
import jwt
import orjson

from tests.harness import CLINICIAN, JWT_SECRET, GatewayServer

SSN = "123-45-6789"
JSON = {"content-type": "application/json"}


def spaced_digits(chars: int) -> str:
    """The shape the issue measured at ~10 s per MiB: single digits separated by spaces."""
    rnd = random.Random(7)
    return " ".join(str(rnd.randint(0, 9)) for _ in range(chars // 2 + 1))[:chars]


def body(text: str, model: str = "primary-model") -> bytes:
    return orjson.dumps({"model": model, "stream": False, "messages": [{"role": "user", "content": text}]})


def token(role: str = "clinician") -> str:
    return jwt.encode({"iss": "packgate-tests", "sub": "u-9", "role": role, "exp": int(time.time()) + 120},
                      JWT_SECRET, algorithm="HS256")


def event_for(gw: GatewayServer, mark: int) -> dict:
    events = gw.events_after(mark)
    assert len(events) == 1, [e["verdict"] for e in events]
    return events[0]


def _paused_worker(gw: GatewayServer) -> list[int]:
    """The scan worker, started by one big request and then stopped (SIGSTOP): a big body sent now
    waits in the worker for as long as the test likes, however fast the scan itself has become."""
    import os
    import signal

    with httpx.Client(base_url=gw.url, timeout=120) as c:
        warm = c.post("/v1/chat/completions", content=body("Note. " * 2_000 + f"SSN {SSN}"),
                      headers={**CLINICIAN, **JSON})
    assert warm.status_code == 200
    scanner = gw.app.state.gateway.scanner
    assert scanner._pool is not None, "a big body was not sent to a scan worker"
    pids = list(scanner._pool._processes)
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    return pids


def _resume(pids: list[int]) -> None:
    import os
    import signal

    for pid in pids:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


def _wait_until_in_worker(gw: GatewayServer, thread: threading.Thread) -> None:
    scanner = gw.app.state.gateway.scanner
    deadline = time.monotonic() + 60
    while scanner.busy == 0:
        assert time.monotonic() < deadline and thread.is_alive(), "the big request never reached the scan worker"
        time.sleep(0.01)


def test_small_request_completes_while_a_big_body_is_scanned(gw: GatewayServer) -> None:
    """The big body's scan is held in the (stopped) worker process; a small request sent meanwhile is
    answered, so the event loop was never waiting for the big scan. Then the big one completes, redacted."""
    big: dict[str, object] = {}

    def send_big() -> None:
        with httpx.Client(base_url=gw.url, timeout=120) as c:
            r = c.post("/v1/chat/completions", content=body(spaced_digits(600_000) + f" SSN {SSN}"),
                       headers={**CLINICIAN, **JSON})
            big["status"] = r.status_code
            big["done"] = True

    pids = _paused_worker(gw)
    try:
        thread = threading.Thread(target=send_big, daemon=True)
        thread.start()
        _wait_until_in_worker(gw, thread)
        with httpx.Client(base_url=gw.url, timeout=60) as c:
            small = c.post("/v1/chat/completions", content=body("Summarise: mood stable, sleeping better."),
                           headers={**CLINICIAN, **JSON})
        big_finished_first = "done" in big
    finally:
        _resume(pids)
    thread.join(120)
    assert small.status_code == 200
    assert not big_finished_first, "the small request waited for the big scan"
    assert big.get("status") == 200
    seen = orjson.dumps([r.body for r in gw.standin.received]).decode()
    assert SSN not in seen and "[SSN]" in seen  # the big body was scanned and redacted all the same


def test_missing_token_is_refused_before_a_big_body_is_scanned(gw: GatewayServer) -> None:
    text = "Follow-up note. " * 20_000 + f"SSN {SSN}"  # ~320 KB: big enough to be scanned off the loop
    with httpx.Client(base_url=gw.route("gw-auth"), timeout=60) as c:
        mark = gw.audit_mark()
        r = c.post("/v1/chat/completions", content=body(text, "auth-model"), headers={**CLINICIAN, **JSON})
        assert r.status_code == 401 and r.json()["error"]["code"] in ("missing_header", "unauthenticated")
        refused = event_for(gw, mark)
        mark = gw.audit_mark()
        ok = c.post("/v1/chat/completions", content=body(text, "auth-model"),
                    headers={**JSON, "Authorization": f"Bearer {token()}"})
        allowed = event_for(gw, mark)
    assert refused["verdict"] == "denied" and "scan" not in refused["latency_ms"]  # no scanning work was done
    assert ok.status_code == 200 and allowed["latency_ms"]["scan"] > 0
    assert len(gw.standin.received) == 1 and SSN not in orjson.dumps(gw.standin.received[0].body).decode()


def test_big_body_redacted_off_the_loop_keeps_tokens_for_restore(gw: GatewayServer) -> None:
    """The token route (marker_format token, restore_tokens): redaction runs in the worker process and
    its session comes back, so the model sees `[SSN_1]` and the client gets the value back."""
    text = "Note. " * 2_000 + f"Patient SSN {SSN}, repeat {SSN}."
    with httpx.Client(base_url=gw.route("gw-auth"), timeout=60) as c:
        r = c.post("/v1/chat/completions", content=body(text, "auth-model"),
                   headers={**JSON, "Authorization": f"Bearer {token()}"})
    assert r.status_code == 200, r.text
    sent = gw.standin.received[0].body["messages"][0]["content"]
    assert SSN not in sent and sent.endswith("Patient SSN [SSN_1], repeat [SSN_1].")
    assert r.json()["choices"][0]["message"]["content"].endswith(f"Patient SSN {SSN}, repeat {SSN}.")


def test_a_worker_that_dies_mid_scan_fails_closed_then_recovers(gw: GatewayServer) -> None:
    """Fault injection: the scan worker is killed while it holds a big body's scan. Nothing unscanned is
    forwarded (503), and the next big request gets a fresh worker."""
    import os
    import signal

    result: dict[str, httpx.Response] = {}

    def send_big() -> None:
        with httpx.Client(base_url=gw.url, timeout=120) as c:
            result["r"] = c.post("/v1/chat/completions", content=body(spaced_digits(600_000) + f" SSN {SSN}"),
                                 headers={**CLINICIAN, **JSON})

    pids = _paused_worker(gw)
    received = len(gw.standin.received)
    try:
        thread = threading.Thread(target=send_big, daemon=True)
        thread.start()
        _wait_until_in_worker(gw, thread)
        for pid in pids:  # the injected fault
            os.kill(pid, signal.SIGKILL)
    finally:
        _resume(pids)
    thread.join(120)
    r = result["r"]
    assert (r.status_code, r.json()["error"]["code"]) == (503, "scanner_unavailable")
    assert len(gw.standin.received) == received  # nothing of the big body was forwarded
    with httpx.Client(base_url=gw.url, timeout=60) as c:
        again = c.post("/v1/chat/completions", content=body("Note. " * 2_000 + f"SSN {SSN}"),
                       headers={**CLINICIAN, **JSON})
    assert again.status_code == 200
    sent = orjson.dumps(gw.standin.received[-1].body).decode()
    assert SSN not in sent and "[SSN]" in sent
