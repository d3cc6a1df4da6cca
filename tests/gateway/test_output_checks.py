"""The response decision sees every string of the answer, normalised, and rbac sees every tool a
request names (issue 10, output side). Each test checks what the client got and, for refusals on
the way in, that the stand-in model received nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from packgate.runtime.demo.standin import Reply

from tests.harness import CLINICIAN, GatewayServer

PRESCRIBE = "I will prescribe 40mg of fluoxetine."
PHONE_DIGITS = "123-4567"


def chat(gw: GatewayServer, body: dict[str, Any], protocol: str = "openai",
         headers: dict[str, str] | None = None) -> httpx.Response:
    path = "/v1/chat/completions" if protocol == "openai" else "/api/chat"
    body = {"model": "primary-model", "messages": [{"role": "user", "content": "go"}], **body}
    return httpx.post(gw.url + path, json=body, headers=headers or CLINICIAN, timeout=10)


def script_target(gw: GatewayServer, target: str, reply: Reply) -> None:
    """Make `target` answer: the backup (an OpenAI-type target) answers after the primary fails."""
    if target == "ollama-target":
        gw.standin.script(reply, model="primary-model")
    else:
        gw.standin.script(Reply(status=500), model="primary-model")
        gw.standin.script(reply, model="backup-model")


@pytest.mark.parametrize("target", ["ollama-target", "openai-target"])
@pytest.mark.parametrize("protocol,stream", [("openai", False), ("openai", True), ("ollama", False), ("ollama", True)])
def test_blocked_language_in_tool_call_arguments_never_delivered(gw: GatewayServer, target: str, protocol: str,
                                                                  stream: bool) -> None:
    script_target(gw, target, Reply(text="", tool_calls=[{"name": "summarize", "arguments": {"note": PRESCRIBE}}]))
    r = chat(gw, {"stream": stream}, protocol)
    assert r.status_code == 409, r.text
    assert r.headers["x-packgate-error-code"] == "output_blocked"
    assert "fluoxetine" not in r.text


@pytest.mark.parametrize("protocol", ["openai", "ollama"])
def test_blocked_language_behind_json_escapes_in_arguments_is_blocked(gw: GatewayServer, protocol: str) -> None:
    escaped = '{"note": "I will pres\\u0063ribe it", "n\\u200bote": "pre\\u00adscribe"}'
    script_target(gw, "openai-target", Reply(text="", tool_calls=[{"name": "summarize", "arguments": escaped}]))
    r = chat(gw, {}, protocol)
    assert (r.status_code, r.headers["x-packgate-error-code"]) == (409, "output_blocked"), r.text


def test_phi_behind_json_escapes_in_arguments_is_redacted(gw: GatewayServer) -> None:
    escaped = '{"callback": "(555) \\u0031\\u0032\\u0033-4567"}'
    script_target(gw, "openai-target", Reply(text="ok", tool_calls=[{"name": "summarize", "arguments": escaped}]))
    r = chat(gw, {})
    assert r.status_code == 200, r.text
    arguments = r.json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert "4567" not in arguments and "[PHONE]" in arguments


@pytest.mark.parametrize("variant", [
    "I will pres\u200bcribe it.",          # zero-width space
    "I will pre\u00adscribe it.",          # soft hyphen
    "I will \uff50\uff52\uff45\uff53\uff43\uff52\uff49\uff42\uff45 it.",  # fullwidth letters
    "I will prescr\u0131be it.",           # dotless i
    "I will pr\u0435scribe it.",           # Cyrillic e
    "I will PR\u0395SCRIBE it.",           # Greek capital epsilon
    "We diagn\u03bfse you with nothing.",   # Greek omicron
    "pres\u2060cri\ufeffbe",               # word joiner, BOM
    "I will pre\u0301scri\u0308be it.",     # combining accents
    "I will \u0440r\u0435s\u0441ri\u0432e it.",  # several Cyrillic letters (р, е, с, в)
])
def test_unicode_variants_of_blocked_patterns_are_blocked(gw: GatewayServer, variant: str) -> None:
    gw.standin.script(Reply(text=variant))
    r = chat(gw, {})
    assert r.status_code == 409, r.text
    assert r.headers["x-packgate-error-code"] == "output_blocked"


def test_blocked_language_in_a_tool_name_or_refusal_is_blocked(gw: GatewayServer) -> None:
    script_target(gw, "openai-target", Reply(text="ok", refusal="I cannot, but you could prescribe it yourself."))
    r = chat(gw, {})
    assert (r.status_code, r.headers["x-packgate-error-code"]) == (409, "output_blocked"), r.text
    gw.standin.script(Reply(text="", tool_calls=[{"name": "prescribe_now", "arguments": {}}]))
    r = chat(gw, {}, headers={"X-User-ID": "u-1", "X-User-Role": "privacy-officer"})
    assert (r.status_code, r.headers["x-packgate-error-code"]) == (409, "output_blocked"), r.text


def test_clean_refusal_is_delivered(gw: GatewayServer) -> None:
    script_target(gw, "openai-target", Reply(text="", refusal="I cannot help with that request."))
    r = chat(gw, {})
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["refusal"] == "I cannot help with that request."


def test_output_phi_with_zero_width_characters_is_redacted(gw: GatewayServer) -> None:
    phone = "(555) 123-\u200b4567"
    gw.standin.script(Reply(text=f"Call the patient at {phone}.",
                            tool_calls=[{"name": "summarize", "arguments": {"callback": "(555) 12\u200d3-4567"}}]))
    r = chat(gw, {})
    assert r.status_code == 200, r.text
    message = r.json()["choices"][0]["message"]
    assert "[PHONE]" in message["content"]
    assert "4567" not in message["content"] and "4567" not in message["tool_calls"][0]["function"]["arguments"]


def test_n_above_1_refused_and_never_forwarded(gw: GatewayServer) -> None:
    r = chat(gw, {"n": 2})
    assert (r.status_code, r.headers["x-packgate-error-code"]) == (422, "unsupported_parameter")
    assert gw.standin.received == []


@pytest.mark.parametrize("stream", [False, True])
def test_an_upstream_answering_several_choices_is_not_delivered(gw: GatewayServer, stream: bool) -> None:
    reply = Reply(text="A clean first choice.", extra_choices=[PRESCRIBE])
    script_target(gw, "openai-target", reply)
    r = chat(gw, {"stream": stream})
    assert r.status_code == 502, r.text
    assert "fluoxetine" not in r.text


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"tools": [{"type": "function", "function": {"name": "delete_chart"}}]}, 403, "tool_not_allowed"),
    ({"functions": [{"name": "delete_chart", "parameters": {}}]}, 422, "unsupported_field"),
    ({"functions": [{"name": "summarize"}], "function_call": {"name": "delete_chart"}}, 422, "unsupported_field"),
    ({"tools": [{"type": "custom", "custom": {"name": "delete_chart"}}]}, 422, "invalid_tools"),
    ({"tools": [{"type": "function", "function": {"name": "summarize"}}],
      "tool_choice": {"type": "custom", "custom": {"name": "delete_chart"}}}, 422, "unsupported_field"),
    ({"tools": [{"type": "function", "function": {"name": "summarize"}}],
      "tool_choice": {"type": "function", "function": {"name": "delete_chart"}}}, 422, "invalid_tool_choice"),
], ids=["function_tool", "functions", "function_call", "custom_tool", "custom_tool_choice", "tool_choice_elsewhere"])
def test_every_way_of_naming_a_tool_is_checked_by_rbac_or_refused(gw: GatewayServer, body: dict[str, Any],
                                                                   status: int, code: str) -> None:
    """A tool rbac does not see is never forwarded: rbac denies it, or the form is refused."""
    mark = gw.audit_mark()
    r = chat(gw, body)
    assert (r.status_code, r.headers["x-packgate-error-code"]) == (status, code), r.text
    assert gw.standin.received == []
    assert gw.events_after(mark)[0]["verdict"] == ("denied" if status == 403 else "bad_request")


@pytest.mark.parametrize("body", [
    {"functions": [{"name": "summarize"}]},
    {"tools": [{"type": "custom", "custom": {"name": "summarize"}}]},
], ids=["functions", "custom_tool"])
def test_legacy_and_custom_tool_forms_are_refused_even_when_allowed(gw: GatewayServer, body: dict[str, Any]) -> None:
    r = chat(gw, body)
    assert r.status_code == 422, r.text
    assert gw.standin.received == []


def test_a_tool_with_two_names_is_refused(gw: GatewayServer) -> None:
    tool = {"type": "custom", "custom": {"name": "summarize"}, "function": {"name": "delete_chart"}}
    r = chat(gw, {"tools": [tool]})
    assert (r.status_code, r.headers["x-packgate-error-code"]) == (422, "unsupported_field")
    assert gw.standin.received == []
