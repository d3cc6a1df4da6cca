"""Request-shape errors, in-process (Starlette TestClient over `create_app`, the session's real OPA,
the stand-in model, a real audit log): malformed, oversized, unreadable or misrouted requests get a
clean OpenAI-style error, nothing reaches the model, and each yields exactly one audit event.

Errors that only a real HTTP server produces (its parser's 400s, raw header bytes) stay with the
uvicorn-served gateway in test_hostile.py.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.harness import CLINICIAN, InProcessGateway

from .test_policies import SSN, everything_received

CHAT = {"model": "primary-model", "messages": [{"role": "user", "content": "hello"}]}
JSON = {"content-type": "application/json", **CLINICIAN}


def assert_envelope(resp: httpx.Response, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    if "/api/" in str(resp.request.url):  # Ollama routes answer in Ollama's shape, fields under `packgate`
        body = resp.json()
        assert isinstance(body["error"], str) and f"code {code}" in body["error"]
        err = body["packgate"]
    else:
        err = resp.json()["error"]
        assert set(err) == {"message", "type", "code", "param", "policy", "decision_id"}
    assert resp.headers["x-should-retry"] == ("true" if status in (502, 503) else "false")
    assert err["code"] == code and "Traceback" not in resp.text
    return err


def chat(content: Any, **extra: Any) -> dict:
    return {"model": "primary-model", "messages": [{"role": "user", "content": content}], **extra}


def nested(depth: int) -> dict:
    v: object = "x"
    for _ in range(depth):
        v = {"a": v}
    return v  # type: ignore[return-value]


@pytest.mark.parametrize("send, status, code", [
    (lambda c: c.post("/v1/chat/completions", content=b"{not json", headers=JSON), 400, "invalid_json"),
    (lambda c: c.post("/v1/chat/completions", content=b'{"messages": "\xff\xfe"}', headers=JSON), 400, "invalid_json"),
    (lambda c: c.post("/v1/chat/completions", content=b"[" * 5000 + b"]" * 5000, headers=JSON), 400, "invalid_json"),
    (lambda c: c.post("/v1/chat/completions", content=b"[]", headers=JSON), 422, "invalid_body"),
    (lambda c: c.post("/v1/chat/completions", json=CHAT, headers={**CLINICIAN, "content-type": "text/plain"}),
     415, "unsupported_media_type"),
    (lambda c: c.post("/v1/chat/completions", content=b'{"messages": [{"role": "user", "content": "'
                      + b"a" * (1024 * 1024) + b'"}]}', headers=JSON), 413, "request_too_large"),
    (lambda c: c.post("/v1/chat/completions", json={"model": "x"}, headers=CLINICIAN), 422, "missing_messages"),
    (lambda c: c.post("/api/chat", json={"model": "x", "messages": [{"role": "user", "content": "x", "images": ["aGk="]}]},
                      headers=CLINICIAN), 422, "unsupported_content"),
    (lambda c: c.post("/v1/nope", json=CHAT, headers=CLINICIAN), 404, "unknown_route"),
    (lambda c: c.post("/routes/no-such-pack/v1/chat/completions", json=CHAT, headers=CLINICIAN), 404, "unknown_route"),
    (lambda c: c.get("/v1/chat/completions"), 405, "method_not_allowed"),
    (lambda c: c.post("/v1/chat/completions", json=CHAT,
                      headers=[("X-User-ID", "u-1"), ("X-User-Role", "clinician"), ("x-user-role", "privacy-officer")]),
     400, "duplicate_header"),
    (lambda c: c.post("/v1/chat/completions", json=CHAT,
                      headers={**CLINICIAN, **{f"x-junk-{i}": "1" for i in range(150)}}), 400, "too_many_headers"),
])
def test_bad_requests_clean_error_one_event(inproc: InProcessGateway, send, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    mark = inproc.audit_mark()
    assert_envelope(send(inproc.client), status, code)
    assert inproc.standin.received == []
    events = inproc.events_after(mark)
    assert len(events) == 1 and events[0]["status"] == status and events[0]["error_code"] == code
    assert events[0]["verdict"] == "bad_request"


def test_chunked_oversized_body_413(inproc: InProcessGateway) -> None:
    def body():  # type: ignore[no-untyped-def]
        yield b'{"messages": [{"role": "user", "content": "'
        for _ in range(20):
            yield b"a" * 65536
        yield b'"}]}'
    mark = inproc.audit_mark()
    assert_envelope(inproc.client.post("/v1/chat/completions", content=body(), headers=JSON), 413, "request_too_large")
    assert inproc.standin.received == [] and len(inproc.events_after(mark)) == 1


def test_client_chosen_paths_never_reach_the_audit_log(inproc: InProcessGateway) -> None:
    mark = inproc.audit_mark()
    inproc.client.post(f"/v1/patient/{SSN}", json=CHAT, headers=CLINICIAN)
    inproc.client.post(f"/routes/{SSN}/v1/chat/completions", json=CHAT, headers=CLINICIAN)
    events = inproc.events_after(mark)
    assert len(events) == 2 and SSN not in repr(events)
    assert [e["endpoint"] for e in events] == ["(unmatched)", "/routes/{unknown}/v1/chat/completions"]


@pytest.mark.parametrize("body, status, code", [
    (b'{"messages": [{"role": "user", "content": "hi"}]', 400, "invalid_json"),                # truncated
    (b'{"messages": [{"role": "user", "content": "hi"}]}{"x": 1}', 400, "invalid_json"),      # trailing doc
    (b'{"messages": [{"role": "user", "content": "hi", "content": "' + SSN.encode() + b'"}]}', None, None),
    (b"\xef\xbb\xbf" + json.dumps(chat("hi")).encode(), 400, "invalid_json"),                   # BOM
    (json.dumps(chat("hi")).encode("utf-16"), 400, "invalid_json"),
    (b'{"messages": [{"role": "user", "content": "\\ud800"}]}', 400, "invalid_json"),          # lone surrogate
    (b'{"messages": [{"role": "user", "content": "a\xc3\x28"}]}', 400, "invalid_json"),         # bad UTF-8
    (json.dumps(chat("hi", metadata=nested(200))).encode(), 200, None),  # metadata is never walked: accepted
    (json.dumps({"messages": [{"role": "user", "content": [nested(100)]}]}).encode(), 422, None),
    (json.dumps({"messages": [{"role": "user\x00", "content": "hi"}]}).encode(), 422, None),
    (json.dumps({"messages": [{"role": "user", "content": "hi", "x\x00": 1}]}).encode(), 422, None),
])
def test_malformed_and_nested_bodies(inproc: InProcessGateway, body: bytes, status, code) -> None:  # type: ignore[no-untyped-def]
    mark = inproc.audit_mark()
    r = inproc.client.post("/v1/chat/completions", content=body, headers=JSON)
    events = inproc.events_after(mark)
    assert len(events) == 1
    if status is None:  # duplicate key: the last value wins, and that is the value scanned and redacted
        assert r.status_code == 200 and SSN not in everything_received(inproc)
        assert "[SSN]" in everything_received(inproc)
        return
    assert r.status_code == status, r.text
    if status == 200:
        assert len(inproc.standin.received) == 1
        return
    err = r.json()["error"]
    assert code is None or err["code"] == code
    assert "Traceback" not in r.text and inproc.standin.received == []
    assert events[0]["status"] == status


@pytest.mark.parametrize("part", [
    {"type": "image_url", "image_url": {"url": "https://example.org/chart.png"}},
    {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(b"\x89PNG").decode()}},
    {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
    {"type": "file", "file": {"file_data": "AAAA", "filename": "note.pdf"}},
])
def test_unreadable_content_parts_are_refused_not_forwarded(inproc: InProcessGateway, part: dict) -> None:
    mark = inproc.audit_mark()
    body = chat([{"type": "text", "text": "what is in this?"}, part])
    assert_envelope(inproc.client.post("/v1/chat/completions", json=body, headers=JSON), 422, "unsupported_content")
    assert inproc.standin.received == []
    events = inproc.events_after(mark)
    assert len(events) == 1 and events[0]["status"] == 422 and events[0]["error_code"] == "unsupported_content"
