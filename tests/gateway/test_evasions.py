"""Issue 9's evasions through the real gateway: each planted value, in a message of either wire
format, never reaches the model (the stand-in records every body it receives), and a value split
across two messages or two content parts is redacted in both pieces."""

from __future__ import annotations

import httpx
import orjson
import pytest

from tests.harness import CLINICIAN, GatewayServer
from tests.redaction.test_evasions import CASES, _fold

PATHS = {"openai": "/v1/chat/completions", "ollama": "/api/chat"}


def _post(gw: GatewayServer, protocol: str, messages: list[dict]) -> httpx.Response:
    gw.standin.reset()
    body = {"model": "primary-model", "stream": False, "messages": messages}
    with httpx.Client(base_url=gw.url, timeout=30) as http:
        return http.post(PATHS[protocol], content=orjson.dumps(body),
                         headers={**CLINICIAN, "content-type": "application/json"})


def _received(gw: GatewayServer) -> tuple[str, str]:
    raw = "".join(m.get("content") or "" for r in gw.standin.received for m in r.body.get("messages", []))
    return raw, _fold(raw)


@pytest.mark.parametrize("protocol", ["openai", "ollama"])
@pytest.mark.parametrize("text,values", CASES, ids=[str(i) for i in range(len(CASES))])
def test_evasion_never_reaches_the_model(gw: GatewayServer, protocol: str, text: str, values: list[str]) -> None:
    r = _post(gw, protocol, [{"role": "user", "content": f"Summarise: {text}"}])
    assert r.status_code == 200, r.text
    raw, folded = _received(gw)
    assert raw, "the model received nothing"
    for v in values:
        if v.isdigit() and len(v) == 4:
            continue  # a year alone: the test packs apply Safe Harbor, which keeps the year of a date
        assert v not in raw and _fold(v) not in folded, "a planted value reached the model"


@pytest.mark.parametrize("protocol", ["openai", "ollama"])
def test_ssn_split_across_two_messages_is_redacted_in_both(gw: GatewayServer, protocol: str) -> None:
    r = _post(gw, protocol, [{"role": "user", "content": "My SSN is 123-45"},
                             {"role": "user", "content": "-6789 thanks"}])
    assert r.status_code == 200, r.text
    raw, _ = _received(gw)
    assert "123" not in raw and "6789" not in raw and "thanks" in raw


def test_ssn_split_across_two_content_parts_is_redacted_in_both(gw: GatewayServer) -> None:
    parts = [{"type": "text", "text": "My SSN is 123-45"}, {"type": "text", "text": "-6789 thanks"}]
    r = _post(gw, "openai", [{"role": "user", "content": parts}])
    assert r.status_code == 200, r.text
    sent = orjson.dumps([x.body for x in gw.standin.received]).decode()
    assert "123" not in sent and "6789" not in sent and "thanks" in sent
