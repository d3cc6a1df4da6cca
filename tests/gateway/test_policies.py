"""Every row of DESIGN.md's policy table, enforced end to end: official SDKs → gateway → real OPA →
stand-in model. Each test checks what the client got, what the stand-in received (never a redacted
value, nothing at all for a denied request) and the one audit event the request produced."""

from __future__ import annotations

import time

import jwt
import ollama
import openai
import pytest

from packgate.runtime.demo.standin import ECHO_PREFIX, Reply

from tests.harness import CLINICIAN, JWT_SECRET, GatewayServer

SSN = "123-45-6789"
EMAIL = "jane.roe@example.org"
PHONE = "(555) 123-4567"
DISCLAIMER = "This output is for licensed clinical review only and is not medical advice."


def sdk(gw: GatewayServer, headers: dict[str, str] | None = None, pack: str | None = None,
        api_key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.route(pack) + "/v1", api_key=api_key, default_headers=headers or {},
                         max_retries=0, timeout=10)


def ask(client: openai.OpenAI, text: str, **kw):  # type: ignore[no-untyped-def]
    return client.chat.completions.create(model=kw.pop("model", "primary-model"),
                                          messages=[{"role": "user", "content": text}], **kw)


def status_error(fn) -> openai.APIStatusError:  # type: ignore[no-untyped-def]
    with pytest.raises(openai.APIStatusError) as info:
        fn()
    return info.value


def one_event(gw: GatewayServer, mark: int) -> dict:
    events = gw.events_after(mark)
    assert len(events) == 1, [e["verdict"] for e in events]
    return events[0]


def everything_received(gw: GatewayServer) -> str:
    return repr([r.body for r in gw.standin.received])


# --- rbac -------------------------------------------------------------------------------------


def test_rbac_missing_identity_headers_401(gw: GatewayServer) -> None:
    mark = gw.audit_mark()
    err = status_error(lambda: ask(sdk(gw, {"X-User-Role": "clinician"}), "hello"))
    assert err.status_code == 401
    assert err.body["code"] == "missing_header" and err.body["policy"] == "rbac"
    assert err.body["decision_id"]
    assert gw.standin.received == []
    ev = one_event(gw, mark)
    assert ev["verdict"] == "denied" and ev["status"] == 401
    assert {"policy": "rbac", "code": "missing_header"}.items() <= ev["reasons"][0].items()
    assert ev["decision_ids"]["request"] == err.body["decision_id"]


def test_rbac_tool_not_allowed_403_from_body_and_header(gw: GatewayServer) -> None:
    tools = [{"type": "function", "function": {"name": "prescribe_drug", "parameters": {"type": "object"}}}]
    err = status_error(lambda: ask(sdk(gw, CLINICIAN), "hello", tools=tools))
    assert (err.status_code, err.body["code"]) == (403, "tool_not_allowed")
    err = status_error(lambda: ask(sdk(gw, {**CLINICIAN, "X-Tool": "schedule"}), "hello"))
    assert (err.status_code, err.body["code"]) == (403, "tool_not_allowed")
    assert gw.standin.received == []
    r = ask(sdk(gw, {**CLINICIAN, "X-Tool": "summarize"}), "hello")
    assert r.choices[0].finish_reason == "stop"


def test_rbac_sensitivity_ceiling_and_minimum_necessary_403(gw: GatewayServer) -> None:
    desk = {"X-User-ID": "u-2", "X-User-Role": "front-desk"}
    err = status_error(lambda: ask(sdk(gw, {**desk, "X-Data-Sensitivity": "restricted"}), "hello"))
    assert (err.status_code, err.body["code"]) == (403, "sensitivity_exceeds_role")
    err = status_error(lambda: ask(sdk(gw, desk), f"patient SSN {SSN}"))
    assert err.status_code == 403 and err.body["code"] in ("phi_not_permitted_for_role", "sensitivity_exceeds_role")
    err = status_error(lambda: ask(sdk(gw, {**CLINICIAN, "X-Data-Sensitivity": "top-secret"}), "hello"))
    assert (err.status_code, err.body["code"]) == (400, "invalid_sensitivity")
    assert gw.standin.received == []
    # metadata in the body declares sensitivity too
    err = status_error(lambda: ask(sdk(gw, desk), "hello", metadata={"data_sensitivity": "confidential"}))
    assert err.body["code"] == "sensitivity_exceeds_role"


def test_rbac_require_auth_with_verified_jwt(gw: GatewayServer) -> None:
    def tok(claims: dict, key: str = JWT_SECRET, alg: str = "HS256") -> str:
        return jwt.encode({"iss": "packgate-tests", "exp": int(time.time()) + 60, **claims}, key, algorithm=alg)

    good = tok({"sub": "u-5", "role": "clinician"})
    # role headers are ignored: the token's role (clinician) is what OPA sees
    r = ask(sdk(gw, {"X-User-Role": "front-desk"}, "gw-auth", api_key=good), "hi", model="auth-model")
    assert r.choices[0].message.content.startswith(ECHO_PREFIX)
    mark = gw.audit_mark()
    for bad in (tok({"sub": "u", "role": "clinician"}, key="forged-key-0123456789abcdef01234567"),
                tok({"sub": "u", "role": "clinician", "exp": int(time.time()) - 600}),
                jwt.encode({"sub": "u", "role": "clinician", "iss": "packgate-tests",
                            "exp": int(time.time()) + 60}, None, algorithm="none")):
        err = status_error(lambda: ask(sdk(gw, CLINICIAN, "gw-auth", api_key=bad), "hi", model="auth-model"))
        assert (err.status_code, err.body["code"]) == (401, "invalid_token")
    # no token: headers alone do not authenticate; OPA says so
    no_token = openai.OpenAI(base_url=gw.route("gw-auth") + "/v1", api_key="x", max_retries=0,
                             default_headers={**CLINICIAN, "Authorization": ""})
    err = status_error(lambda: ask(no_token, "hi", model="auth-model"))
    assert err.status_code == 401
    assert len(gw.standin.received) == 1
    assert [e["verdict"] for e in gw.events_after(mark)] == ["denied"] * 4


# --- data-routing-policy ----------------------------------------------------------------------


def test_routing_excludes_noncompliant_target_and_logs_selection(gw: GatewayServer) -> None:
    mark = gw.audit_mark()
    raw = sdk(gw, CLINICIAN).chat.completions.with_raw_response.create(  # asks for the excluded target
        model="cloud-model", messages=[{"role": "user", "content": "hello"}])
    r = raw.parse()
    assert r.model == "primary-model"
    # which target answered and why, where the client sees it
    assert raw.headers["x-packgate-target"] == "local-primary"
    routing = r.model_extra["packgate"]["routing"]
    assert r.model_extra["packgate"]["target"] == "local-primary"
    assert routing["reason"] == "requested_target_excluded" and routing["requested"] == "cloud-model"
    assert "zero_data_retention_required" in {x["code"] for x in routing["excluded"]}
    assert [x.body["model"] for x in gw.standin.received] == ["primary-model"]
    ev = one_event(gw, mark)
    assert ev["target"] == "local-primary"
    excluded = {t["id"]: {c["code"] for c in t["reasons"]} for t in ev["excluded_targets"]}
    assert "zero_data_retention_required" in excluded["cloud-gpt"]


def test_routing_no_compliant_provider_409(gw: GatewayServer) -> None:
    mark = gw.audit_mark()
    err = status_error(lambda: ask(sdk(gw, CLINICIAN, "gw-no-provider"), "hello", model="cloud-model"))
    assert (err.status_code, err.body["code"]) == (409, "no_compliant_provider")
    assert gw.standin.received == []
    assert one_event(gw, mark)["verdict"] == "denied"


def test_failover_only_along_opa_targets_else_502(gw: GatewayServer) -> None:
    mark = gw.audit_mark()
    gw.standin.script(Reply(status=500), model="primary-model")
    r = ask(sdk(gw, CLINICIAN), "hello", model="local-primary")
    assert r.model == "backup-model"
    assert [x.body["model"] for x in gw.standin.received] == ["primary-model", "backup-model"]
    routing = r.model_extra["packgate"]["routing"]
    assert routing["reason"] == "requested_target_failed" and routing["failed"] == ["local-primary"]
    ev = one_event(gw, mark)  # the failed attempt is in the audit event, not only on stderr
    assert ev["target"] == "local-backup" and [f["id"] for f in ev["failed_targets"]] == ["local-primary"]
    gw.standin.reset()
    mark = gw.audit_mark()
    gw.standin.script(Reply(malformed=True), model="primary-model")
    gw.standin.script(Reply(drop=True), model="backup-model")
    err = status_error(lambda: ask(sdk(gw, CLINICIAN), "hello"))
    assert (err.status_code, err.body["code"]) == (502, "upstream_error")
    assert "cloud-model" not in everything_received(gw)
    ev = one_event(gw, mark)
    assert ev["verdict"] == "upstream_error"
    assert [f["id"] for f in ev["failed_targets"]] == ["local-primary", "local-backup"]


def test_unavailable_policy_engine_is_retried_after_retry_after(gw: GatewayServer) -> None:
    """503: the SDK retries (x-should-retry: true) after Retry-After; nothing reaches the model."""
    gw.opa.stop()  # the next test's fixture starts it again
    with pytest.raises(ollama.ResponseError) as listing:  # model lists come from OPA too: fail closed
        ollama.Client(host=gw.url).list()
    assert listing.value.status_code == 503
    mark = gw.audit_mark()
    client = openai.OpenAI(base_url=gw.url + "/v1", api_key="unused", default_headers=CLINICIAN,
                           max_retries=1, timeout=30)
    started = time.monotonic()
    err = status_error(lambda: ask(client, "hello"))
    assert (err.status_code, err.body["code"]) == (503, "policy_engine_unavailable")
    assert err.response.headers["retry-after"] == "2" and err.response.headers["x-should-retry"] == "true"
    assert time.monotonic() - started >= 2  # waited as told before the one retry
    assert gw.standin.received == []
    assert [e["verdict"] for e in gw.events_after(mark)] == ["policy_unavailable"] * 2


def test_upstream_timeout_fails_over(gw: GatewayServer) -> None:
    gw.standin.script(Reply(delay_s=3.0), model="primary-model")  # target timeout_s is 2
    r = ask(sdk(gw, CLINICIAN), "hello")
    assert r.model == "backup-model"


# --- detectors --------------------------------------------------------------------------------


def test_phi_redacted_before_the_model_openai_sdk(gw: GatewayServer) -> None:
    mark = gw.audit_mark()
    text = f"Summarise: patient SSN {SSN}, email {EMAIL}, phone {PHONE}."
    r = ask(sdk(gw, CLINICIAN), text)
    seen = everything_received(gw)
    for value in (SSN, EMAIL, PHONE):
        assert value not in seen
    assert "[SSN]" in seen
    content = r.choices[0].message.content
    assert SSN not in content and content.startswith(DISCLAIMER + "\n\n" + ECHO_PREFIX)
    ev = one_event(gw, mark)
    assert ev["verdict"] == "allowed" and ev["redactions"].get("SSN") == 1
    assert SSN not in repr(ev)


def test_phi_redacted_in_parts_and_tool_arguments(gw: GatewayServer) -> None:
    client = sdk(gw, CLINICIAN)
    client.chat.completions.create(model="primary-model", messages=[
        {"role": "user", "content": [{"type": "text", "text": f"SSN {SSN}"}]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "summarize", "arguments": f'{{"ssn": "{SSN}"}}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": f"mail {EMAIL}"},
    ])
    seen = everything_received(gw)
    assert SSN not in seen and EMAIL not in seen


def test_phi_redacted_before_the_model_ollama_client(gw: GatewayServer) -> None:
    client = ollama.Client(host=gw.url, headers=CLINICIAN)
    r = client.chat(model="primary-model", messages=[{"role": "user", "content": f"SSN {SSN}"}], stream=False)
    assert SSN not in everything_received(gw)
    assert r.message.content.startswith(DISCLAIMER) and "[SSN]" in r.message.content
    parts = list(client.chat(model="primary-model", messages=[{"role": "user", "content": f"SSN {SSN}"}], stream=True))
    assert parts[-1].done and SSN not in "".join(p.message.content or "" for p in parts)


def test_output_phi_redacted_by_response_transforms(gw: GatewayServer) -> None:
    gw.standin.script(Reply(text=f"Call the patient at {PHONE}."))
    r = ask(sdk(gw, CLINICIAN), "who to call?")
    assert PHONE not in r.choices[0].message.content and "[PHONE]" in r.choices[0].message.content


def test_detector_block_409_input_blocked_and_output(gw: GatewayServer) -> None:
    mark = gw.audit_mark()
    err = status_error(lambda: ask(sdk(gw, CLINICIAN, "gw-block"), f"SSN {SSN}", model="block-model"))
    assert (err.status_code, err.body["code"]) == (409, "input_blocked")
    assert gw.standin.received == []
    assert one_event(gw, mark)["verdict"] == "denied"
    gw.standin.script(Reply(text=f"their SSN is {SSN}"))
    err = status_error(lambda: ask(sdk(gw, CLINICIAN, "gw-block"), "hello", model="block-model"))
    assert err.status_code == 409
    assert SSN not in repr(err.body)


def test_token_markers_restored_only_when_asked(gw: GatewayServer) -> None:
    good = jwt.encode({"sub": "u-5", "role": "clinician", "iss": "packgate-tests", "exp": int(time.time()) + 60},
                      JWT_SECRET, algorithm="HS256")
    r = ask(sdk(gw, {}, "gw-auth", api_key=good), f"mail {EMAIL} and {EMAIL}", model="auth-model")
    seen = everything_received(gw)
    assert EMAIL not in seen
    assert r.choices[0].message.content == f"{ECHO_PREFIX}mail {EMAIL} and {EMAIL}"


# --- healthcare-compliance ----------------------------------------------------------------------


def test_blocked_output_409_never_delivered(gw: GatewayServer) -> None:
    mark = gw.audit_mark()
    gw.standin.script(Reply(text="I will prescribe 40mg of fluoxetine."))
    err = status_error(lambda: ask(sdk(gw, CLINICIAN), "what now?"))
    assert (err.status_code, err.body["code"]) == (409, "output_blocked")
    assert err.body["policy"] == "healthcare-compliance" and err.body["param"] == "blocked_patterns[0]"
    assert "fluoxetine" not in repr(err.body)
    ev = one_event(gw, mark)
    assert ev["verdict"] == "blocked" and ev["decision_ids"]["response"] == err.body["decision_id"]


def test_streaming_allowed_output_with_disclaimer(gw: GatewayServer) -> None:
    gw.standin.script(Reply(text="Mood stable, sleep improved over two weeks of therapy sessions."))
    stream = ask(sdk(gw, CLINICIAN), "summarise", stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == DISCLAIMER + "\n\nMood stable, sleep improved over two weeks of therapy sessions."
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert gw.standin.received[0].body["stream"] is True


def test_streaming_never_leaks_blocked_output(gw: GatewayServer) -> None:
    gw.standin.script(Reply(text="Fine so far. Then increase the dose to 80mg tonight."))
    with pytest.raises(openai.APIStatusError) as info:
        for _ in ask(sdk(gw, CLINICIAN), "summarise", stream=True):
            pytest.fail("a chunk of blocked output was released")
    assert info.value.status_code == 409
    client = ollama.Client(host=gw.url, headers=CLINICIAN)
    gw.standin.script(Reply(text="Fine so far. Then increase the dose to 80mg tonight."))
    with pytest.raises(ollama.ResponseError) as oinfo:
        for _ in client.chat(model="primary-model", messages=[{"role": "user", "content": "x"}], stream=True):
            pytest.fail("a chunk of blocked output was released")
    assert oinfo.value.status_code == 409


def test_tool_call_in_output_checked_against_role(gw: GatewayServer) -> None:
    gw.standin.script(Reply(text="", tool_calls=[{"name": "delete_chart", "arguments": {"id": 1}}]))
    err = status_error(lambda: ask(sdk(gw, CLINICIAN), "go"))
    assert err.status_code == 403 and err.body["code"] == "tool_not_allowed"
    gw.standin.script(Reply(text="", tool_calls=[{"name": "summarize", "arguments": {"id": 1}}]))
    r = ask(sdk(gw, CLINICIAN), "go")
    assert r.choices[0].message.tool_calls[0].function.name == "summarize"


# --- human-oversight ----------------------------------------------------------------------------


def test_escalation_seed_pack(gw: GatewayServer) -> None:
    mark = gw.audit_mark()
    client = sdk(gw, CLINICIAN, "behavioral-health-review-route")
    raw = client.chat.completions.with_raw_response.create(
        model="llama3.1:70b", messages=[{"role": "user", "content": f"Summarise the note for SSN {SSN}"}])
    esc_id = raw.headers["X-Packgate-Escalation-Id"]
    r = raw.parse()
    assert r.choices[0].message.content is None and r.choices[0].finish_reason == "escalated"
    assert r.model_extra["packgate"]["escalation_id"] == esc_id and esc_id.startswith("esc_")
    assert SSN not in everything_received(gw) and len(gw.standin.received) == 1
    ev = one_event(gw, mark)
    assert ev["verdict"] == "escalated" and ev["escalation_id"] == esc_id and ev["redactions"]["SSN"] == 1
    escalations = gw.audit.list_escalations()
    assert any(e["id"] == esc_id and e["event_id"] == ev["id"] for e in escalations)


def test_escalation_streaming_and_ollama(gw: GatewayServer) -> None:
    client = sdk(gw, CLINICIAN, "behavioral-health-review-route")
    chunks = list(ask(client, "summarise", model="llama3.1:70b", stream=True))
    assert all((c.choices[0].delta.content or "") == "" for c in chunks if c.choices)
    assert chunks[-1].choices[0].finish_reason == "escalated"
    oc = ollama.Client(host=gw.route("behavioral-health-review-route"), headers=CLINICIAN)
    r = oc.chat(model="llama3.1:70b", messages=[{"role": "user", "content": "x"}], stream=False)
    assert r.message.content == "" and r.done_reason == "escalated"


def test_human_oversight_block_409(gw: GatewayServer) -> None:
    err = status_error(lambda: ask(sdk(gw, CLINICIAN, "gw-block"), "hello", model="block-model"))
    assert err.status_code == 409


# --- models and health --------------------------------------------------------------------------


def test_models_health_metrics(gw: GatewayServer, http) -> None:  # type: ignore[no-untyped-def]
    ids = [m.id for m in sdk(gw, CLINICIAN).models.list()]
    assert ids == ["local-primary", "local-backup"]  # cloud-gpt is excluded by data-routing-policy: never listed
    assert [m.model for m in ollama.Client(host=gw.url).list().models] == ["local-primary", "local-backup"]
    assert [m.id for m in sdk(gw, CLINICIAN, "gw-block").models.list()] == ["local"]
    h = http.get("/health")
    assert h.status_code == 200 and h.json()["opa"] is True
    m = http.get("/metrics").text
    assert "packgate_requests_total" in m and "packgate_opa_decision_seconds" in m
