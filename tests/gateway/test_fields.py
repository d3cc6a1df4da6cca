"""Forward only what was scanned: PHI planted in every field of a request, in each wire format the
client speaks (OpenAI, Ollama) and each the target speaks (Ollama: the pack's first target; OpenAI:
its backup, reached by failing the first), never reaches the stand-in model — the field is scanned
and redacted, or the request is refused with 422 and nothing is forwarded.

Then a property test: random request bodies with PHI in random places (known fields, unknown keys,
nested objects and their keys) are either refused (4xx, nothing forwarded) or forwarded without any
planted value.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packgate.runtime.demo.standin import Reply

from tests.harness import CLINICIAN, GatewayServer

NAME, SSN, MRN = "Maria Gonzalez", "123-45-6789", "00483921"
PHI = f"{NAME}, SSN {SSN}, MRN {MRN}"
PLANTED = ("Gonzalez", SSN, MRN)
PATHS = {"openai": "/v1/chat/completions", "ollama": "/api/chat"}
TOOL = {"type": "function", "function": {"name": "summarize", "description": "Summarise a note",
                                         "parameters": {"type": "object", "properties": {"note": {"type": "string"}}}}}


def base() -> dict[str, Any]:
    return {"model": "primary-model", "stream": False, "messages": [{"role": "user", "content": "Summarise the note."}]}


def send(gw: GatewayServer, client: str, target: str, body: dict[str, Any]) -> httpx.Response:
    """POST as `client`; target "openai" fails the (Ollama) first target so the OpenAI backup gets it."""
    gw.standin.reset()
    if target == "openai":
        gw.standin.script(Reply(status=500), model="primary-model")
    with httpx.Client(base_url=gw.url, timeout=30) as http:
        return http.post(PATHS[client], content=orjson.dumps(body),
                         headers={**CLINICIAN, "content-type": "application/json"})


def received(gw: GatewayServer) -> str:
    return orjson.dumps([r.body for r in gw.standin.received]).decode()


# --- every field, each wire format ---------------------------------------------------------------------
# (client format, case name, body change, expected: "scanned" — forwarded with the value redacted — or
# "refused" — 422, nothing forwarded)

Edit = Callable[[dict[str, Any]], None]


def _tools(b: dict[str, Any], **fn: Any) -> None:
    tool = copy.deepcopy(TOOL)
    tool["function"].update(fn)
    b["tools"] = [tool]


def _history(b: dict[str, Any], call: dict[str, Any], protocol: str) -> None:
    msg: dict[str, Any] = {"role": "assistant", "content": "", "tool_calls": [call]}
    b["messages"] = [b["messages"][0], msg, {"role": "tool", "content": "done",
                                             **({"tool_call_id": "c1"} if protocol == "openai" else {})},
                     {"role": "user", "content": "thanks"}]


def _args(protocol: str, args: dict[str, Any]) -> Any:
    return orjson.dumps(args).decode() if protocol == "openai" else args


def _call(protocol: str, **kw: Any) -> dict[str, Any]:
    fn = {"name": kw.pop("name", "summarize"), "arguments": _args(protocol, kw.pop("args", {"note": "x"}))}
    fn.update(kw.pop("fn_extra", {}))
    call: dict[str, Any] = {"function": fn, **kw}
    if protocol == "openai":
        call = {"id": "c1", "type": "function", **call}
    return call


SCHEMA = {"type": "object", "description": f"about {PHI}",
          "properties": {f"{NAME} SSN {SSN}": {"type": "string", "enum": [f"MRN {MRN}", "other"],
                                               "description": PHI}}}

CASES: list[tuple[str, str, Edit, str]] = []
for p in ("openai", "ollama"):
    CASES += [
        (p, "tool description", lambda b: _tools(b, description=f"Summarise the chart of {PHI}"), "scanned"),
        (p, "tool parameters schema (descriptions, enum values, property names)",
         lambda b: _tools(b, parameters=SCHEMA), "scanned"),
        (p, "tool extra key", lambda b: (_tools(b), b["tools"][0].__setitem__("x_note", PHI)), "refused"),
        (p, "tool function extra key", lambda b: _tools(b, examples=[PHI]), "refused"),
        (p, "tool-call name", lambda b, p=p: _history(b, _call(p, name=f"lookup {PHI}"), p), "scanned"),
        (p, "tool-call argument values", lambda b, p=p: _history(b, _call(p, args={"note": PHI}), p), "scanned"),
        (p, "tool-call argument keys", lambda b, p=p: _history(b, _call(p, args={PHI: {f"SSN {SSN}": 1}}), p),
         "scanned"),
        (p, "tool-call extra key", lambda b, p=p: _history(b, _call(p, note=PHI), p), "refused"),
        (p, "tool-call function extra key", lambda b, p=p: _history(b, _call(p, fn_extra={"why": PHI}), p),
         "refused"),
        (p, "message extra key", lambda b: b["messages"][0].__setitem__("note", PHI), "refused"),
        (p, "unknown top-level field", lambda b: b.__setitem__("context", {"patient": PHI}), "refused"),
        (p, "metadata (read by the gateway, never forwarded)",
         lambda b: b.__setitem__("metadata", {"note": PHI}), "scanned"),
    ]
CASES += [
    ("openai", "stop", lambda b: b.__setitem__("stop", [PHI]), "scanned"),
    ("openai", "stop as one string", lambda b: b.__setitem__("stop", PHI), "scanned"),
    ("openai", "functions", lambda b: b.__setitem__("functions", [{"name": "summarize", "description": PHI}]),
     "refused"),
    ("openai", "function_call", lambda b: b.__setitem__("function_call", {"name": PHI}), "refused"),
    ("openai", "response_format json_schema",
     lambda b: b.__setitem__("response_format", {"type": "json_schema", "json_schema": {
         "name": "chart", "description": PHI, "schema": SCHEMA}}), "scanned"),
    ("openai", "response_format extra key",
     lambda b: b.__setitem__("response_format", {"type": "json_object", "hint": PHI}), "refused"),
    ("openai", "prediction", lambda b: b.__setitem__("prediction", {"type": "content", "content": PHI}), "scanned"),
    ("openai", "prediction parts",
     lambda b: b.__setitem__("prediction", {"type": "content", "content": [{"type": "text", "text": PHI}]}),
     "scanned"),
    ("openai", "tool_choice function name",  # not a tool in tools[]: rbac could not see it
     lambda b: (_tools(b), b.__setitem__("tool_choice", {"type": "function", "function": {"name": PHI}})),
     "refused"),
    ("openai", "tool_choice enum that is not one", lambda b: b.__setitem__("tool_choice", PHI), "refused"),
    ("openai", "refusal part with a text key",
     lambda b: b["messages"].insert(0, {"role": "assistant", "content": [
         {"type": "refusal", "refusal": "ok", "text": PHI}]}), "refused"),
    ("openai", "text part with a refusal key",
     lambda b: b["messages"].__setitem__(0, {"role": "user", "content": [
         {"type": "text", "text": "ok", "refusal": PHI}]}), "refused"),
    ("openai", "refusal part", lambda b: b["messages"].insert(0, {"role": "assistant", "content": [
        {"type": "refusal", "refusal": PHI}]}), "scanned"),
    ("openai", "message name and refusal",
     lambda b: b["messages"].insert(0, {"role": "assistant", "name": PHI, "refusal": PHI, "content": None}),
     "scanned"),
    ("openai", "tool_call_id", lambda b: b["messages"].insert(0, {"role": "tool", "tool_call_id": PHI,
                                                                  "content": "x"}), "scanned"),
    ("openai", "reasoning_effort that is not an enum", lambda b: b.__setitem__("reasoning_effort", PHI), "refused"),
    ("openai", "user (never forwarded)", lambda b: b.__setitem__("user", PHI), "scanned"),
    ("ollama", "format schema", lambda b: b.__setitem__("format", SCHEMA), "scanned"),
    ("ollama", "format string that is not json", lambda b: b.__setitem__("format", PHI), "refused"),
    ("ollama", "options.stop", lambda b: b.__setitem__("options", {"stop": [PHI], "temperature": 0.2}), "scanned"),
    ("ollama", "options unknown key", lambda b: b.__setitem__("options", {"note": PHI}), "refused"),
    ("ollama", "options number that is text", lambda b: b.__setitem__("options", {"temperature": PHI}), "refused"),
    ("ollama", "keep_alive that is not a duration", lambda b: b.__setitem__("keep_alive", PHI), "refused"),
    ("ollama", "think that is not a level", lambda b: b.__setitem__("think", PHI), "refused"),
    ("ollama", "thinking and tool_name",
     lambda b: b["messages"].insert(0, {"role": "assistant", "content": "", "thinking": PHI}), "scanned"),
    ("ollama", "tool message tool_name",
     lambda b: b["messages"].insert(0, {"role": "tool", "content": "x", "tool_name": PHI}), "scanned"),
]


@pytest.mark.parametrize("target", ["ollama", "openai"])
@pytest.mark.parametrize("client, field, edit, expected", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_planted_phi_in_every_field_never_reaches_the_model(gw: GatewayServer, client: str, field: str,
                                                            edit: Edit, expected: str, target: str) -> None:
    body = base()
    edit(body)
    r = send(gw, client, target, body)
    seen = received(gw)
    for value in PLANTED:
        assert value not in seen, f"{value!r} from {field} reached the model"
    if expected == "refused":
        assert r.status_code == 422, r.text
        assert r.headers["x-packgate-error-code"] in ("unsupported_field", "invalid_message", "invalid_tools",
                                             "invalid_tool_choice", "invalid_response_format", "invalid_format",
                                             "invalid_options", "invalid_parameter", "unsupported_content")
        assert gw.standin.received == []
        for value in PLANTED:
            assert value not in r.text  # the error never echoes the value
    else:
        assert r.status_code == 200, r.text
        last = gw.standin.received[-1]
        assert last.path == ("/api/chat" if target == "ollama" else "/v1/chat/completions")


def test_scanned_fields_still_reach_the_model_redacted(gw: GatewayServer) -> None:
    """Scanning is not dropping: a tool's schema, stop sequences and a JSON schema arrive, redacted."""
    body = base()
    _tools(body, description=f"Summarise the chart of {PHI}", parameters=SCHEMA)
    body["stop"] = [f"SSN {SSN}"]
    body["response_format"] = {"type": "json_schema", "json_schema": {"name": "chart", "schema": SCHEMA}}
    r = send(gw, "openai", "openai", body)
    assert r.status_code == 200, r.text
    sent = gw.standin.received[-1].body
    fn = sent["tools"][0]["function"]
    assert fn["name"] == "summarize" and "[SSN]" in fn["description"] and "[NAME]" in fn["description"]
    [(prop, spec)] = fn["parameters"]["properties"].items()
    assert fn["parameters"]["type"] == "object" and "[SSN]" in prop and spec["enum"] == ["MRN [MRN]", "other"]
    assert sent["stop"] == ["SSN [SSN]"]
    [(prop, spec)] = sent["response_format"]["json_schema"]["schema"]["properties"].items()
    assert "[SSN]" in prop and spec["enum"] == ["MRN [MRN]", "other"]
    ollama = gw.standin.received[0].body  # the first (failed) target speaks Ollama: the schema became `format`
    assert ollama["format"]["description"].startswith("about [NAME]") and ollama["options"]["stop"] == ["SSN [SSN]"]


# --- the property: random bodies, PHI anywhere --------------------------------------------------------

PHI_TEXT = st.sampled_from([PHI, f"SSN {SSN}", f"Patient {NAME}", f"MRN {MRN}", f"note on {NAME} ({SSN})"])
KEYS = st.one_of(PHI_TEXT, st.sampled_from(["type", "description", "text", "name", "properties", "x", "content"]))
JSON = st.recursive(st.one_of(PHI_TEXT, st.integers(-5, 5), st.booleans(), st.none()),
                    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
                    max_leaves=8)
MISC_KEYS = st.sampled_from(["note", "context", "extra", "x_patient", "text", "refusal", "description", "id"])


def _plant(protocol: str, where: str, key: str, value: Any, body: dict[str, Any]) -> None:
    msg = body["messages"][0]
    tool = body.setdefault("tools", [copy.deepcopy(TOOL)])[0]
    history = {"role": "assistant", "content": "", "tool_calls": [_call(protocol)]}
    if where == "top":
        body[key] = value
    elif where == "message":
        msg[key] = value
    elif where == "content":
        msg["content"] = value
    elif where == "part":
        msg["content"] = [{"type": "text", "text": "hi", key: value}]
    elif where == "tool":
        tool[key] = value
    elif where == "function":
        tool["function"][key] = value
    elif where == "description":
        tool["function"]["description"] = value
    elif where == "parameters":
        tool["function"]["parameters"] = value
    elif where == "call":
        history["tool_calls"][0][key] = value
    elif where == "call_name":
        history["tool_calls"][0]["function"]["name"] = value
    elif where == "arguments":
        history["tool_calls"][0]["function"]["arguments"] = _args(protocol, value) if isinstance(value, dict) else value
    elif where == "options":
        body.setdefault("options", {})[key] = value
    elif where == "format":
        body["format" if protocol == "ollama" else "response_format"] = value
    elif where == "stop":
        body["stop" if protocol == "openai" else "options"] = value if protocol == "openai" else {"stop": value}
    if where.startswith(("call", "arguments")):
        body["messages"].insert(0, history)


PLACES = ["top", "message", "content", "part", "tool", "function", "description", "parameters", "call",
          "call_name", "arguments", "options", "format", "stop"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(protocol=st.sampled_from(["openai", "ollama"]), target=st.sampled_from(["ollama", "openai"]),
       plants=st.lists(st.tuples(st.sampled_from(PLACES), MISC_KEYS, JSON), min_size=1, max_size=3))
def test_random_bodies_with_phi_anywhere(gw: GatewayServer, protocol: str, target: str,
                                         plants: list[tuple[str, str, Any]]) -> None:
    body = base()
    for where, key, value in plants:
        _plant(protocol, where, key, value, body)
    r = send(gw, protocol, target, body)
    seen = received(gw)
    if 400 <= r.status_code < 500:
        assert gw.standin.received == [], "a refused request reached the model"
    else:
        assert r.status_code == 200, r.text
        for value in PLANTED:
            assert value not in seen, f"{value!r} reached the model"


# --- the structure that keeps it so ----------------------------------------------------------------------


def test_bodies_are_rendered_from_slots_and_nothing_else() -> None:
    """The body builders only see slot texts: rewriting a slot changes the body, and a string that is
    not a slot text, derived from one, the model name or the wire vocabulary is refused (500)."""
    from packgate.runtime.wire import chat as wire

    parsed = wire.parse_chat({"messages": [{"role": "user", "content": "hello"}],
                              "tools": [{"type": "function", "function": {"name": "summarize",
                                                                          "parameters": {"properties": {"a": {}}}}}],
                              "metadata": {"user_id": PHI}}, "openai")
    assert not hasattr(parsed, "body")  # no raw body to copy from
    for i, text in enumerate(parsed.slot_texts):
        parsed.rewrite(i, f"<{text}>")
    for build in (wire.openai_body, wire.ollama_body):
        sent = orjson.dumps(build(parsed, "m", False)).decode()
        assert "<hello>" in sent and "<summarize>" in sent and "<a>" in sent and PHI not in sent
    with pytest.raises(wire.GatewayError) as info:
        wire._only_scanned_strings({"messages": [{"role": "user", "content": PHI}]}, wire._Render(["x"]), "m")
    assert info.value.status == 500


def test_keys_redacted_to_the_same_marker_are_refused(gw: GatewayServer) -> None:
    body = base()
    _tools(body, parameters={"type": "object", "properties": {"Maria Gonzalez": {}, "Hollis Grant": {}}})
    r = send(gw, "openai", "ollama", body)
    assert r.status_code == 422 and gw.standin.received == []
