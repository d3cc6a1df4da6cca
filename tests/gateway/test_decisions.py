"""What the client gets and the audit event records comes from OPA's decision, field by field.

The real OPA answers every request; for these tests one field of its real answer is then changed
(or removed) on the way to the gateway. A changed field shows up in the response or the event —
so the gateway read it from OPA rather than working it out itself — and a removed one is a
malformed decision: 503 `policy_engine_unavailable`, nothing forwarded or delivered.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import jwt
import pytest

from tests.harness import CLINICIAN, JWT_SECRET, GatewayServer

Mutate = Callable[[dict[str, Any]], None]
ESCALATING = "/routes/behavioral-health-review-route/v1/chat/completions"
AUTH = "/routes/gw-auth/v1/chat/completions"


class _Tampered:
    """The gateway's real OPA client, with `mutate` applied to one phase's real answer."""

    def __init__(self, real: Any, phase: str, mutate: Mutate) -> None:
        self._real, self._phase, self._mutate = real, phase, mutate

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def decide(self, path: str, input: dict[str, Any]) -> Any:
        decision = await self._real.decide(path, input)
        if not path.endswith("/" + self._phase):
            return decision
        result = copy.deepcopy(decision.result)
        self._mutate(result)
        return dataclasses.replace(decision, result=result)


@pytest.fixture()
def tamper(gw: GatewayServer) -> Iterator[Callable[[str, Mutate], None]]:
    state = gw.app.state.gateway
    real = state.opa

    def install(phase: str, mutate: Mutate) -> None:
        state.opa = _Tampered(real, phase, mutate)

    yield install
    state.opa = real


def post(http: httpx.Client, path: str, headers: dict[str, str], text: str = "hello",
         model: str = "primary-model") -> httpx.Response:
    return http.post(path, json={"model": model, "messages": [{"role": "user", "content": text}]}, headers=headers)


def one_event(gw: GatewayServer, mark: int) -> dict[str, Any]:
    events = gw.events_after(mark)
    assert len(events) == 1, [e["verdict"] for e in events]
    return events[0]


def _set(**fields: Any) -> Mutate:
    return lambda decision: decision.update(fields)


def _drop(*names: str) -> Mutate:
    def mutate(decision: dict[str, Any]) -> None:
        for name in names:
            decision.pop(name, None)
    return mutate


def _refused_as_malformed(gw: GatewayServer, r: httpx.Response, mark: int, *, forwarded: int = 0) -> None:
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "policy_engine_unavailable"
    assert len(gw.standin.received) == forwarded
    assert one_event(gw, mark)["verdict"] == "policy_unavailable"


# --- the bearer token: a fact sent to OPA, the 401 is OPA's ------------------------------------------


def _token(claims: dict[str, Any], key: str = JWT_SECRET) -> str:
    return jwt.encode({"sub": "u-9", "role": "clinician", "iss": "packgate-tests", "exp": int(time.time()) + 60,
                       **claims}, key, algorithm="HS256")


@pytest.mark.parametrize("claims,key,message", [
    ({}, "forged-key-0123456789abcdef0123456789", "token signature does not verify"),
    ({"exp": int(time.time()) - 3600}, JWT_SECRET, "token expired"),
    ({"iss": "someone-else"}, JWT_SECRET, "token issuer is not accepted on this route"),
])
def test_forged_jwt_401_is_an_opa_decision(gw: GatewayServer, http: httpx.Client, claims: dict[str, Any],
                                          key: str, message: str) -> None:
    mark = gw.audit_mark()
    r = post(http, AUTH, {**CLINICIAN, "Authorization": f"Bearer {_token(claims, key)}"}, model="auth-model")
    assert r.status_code == 401
    err = r.json()["error"]
    assert (err["code"], err["policy"], err["param"], err["message"]) == ("invalid_token", "rbac", "authorization",
                                                                          message)
    assert err["decision_id"]  # OPA decided it
    assert gw.standin.received == []
    ev = one_event(gw, mark)
    assert ev["verdict"] == "denied" and ev["status"] == 401
    assert ev["decision_ids"]["request"] == err["decision_id"]
    assert {"policy": "rbac", "code": "invalid_token"}.items() <= ev["reasons"][0].items()


def test_the_token_verdict_is_what_opa_returns(gw: GatewayServer, http: httpx.Client, tamper) -> None:  # type: ignore[no-untyped-def]
    """Were OPA to let an invalid token through, the gateway would: Python does not re-decide."""
    def allow(decision: dict[str, Any]) -> None:
        decision.update(allow=True, status=200, code=None, policy=None, message=None, param=None, verdict="allowed",
                        violations=[], target="local", targets=["local"])
    tamper("request", allow)
    r = post(http, AUTH, {"Authorization": f"Bearer {_token({}, 'forged-key-0123456789abcdef0123456789')}"},
             model="auth-model")
    assert r.status_code == 200, r.text
    assert len(gw.standin.received) == 1


# --- denials: status, code, param and verdict as OPA gives them ------------------------------------------


def test_denial_param_and_verdict_come_from_the_decision(gw: GatewayServer, http: httpx.Client, tamper) -> None:  # type: ignore[no-untyped-def]
    tamper("request", _set(param="X-From-Opa", verdict="blocked"))
    mark = gw.audit_mark()
    r = post(http, "/v1/chat/completions", {"X-User-Role": "clinician"})  # X-User-ID missing: 401
    assert r.status_code == 401
    err = r.json()["error"]
    assert err["code"] == "missing_header" and err["param"] == "X-From-Opa"  # not violations[0].param
    ev = one_event(gw, mark)
    assert ev["verdict"] == "blocked"  # OPA's verdict, not one derived from the status


@pytest.mark.parametrize("field", ["param", "verdict", "message", "status", "code"])
def test_denial_missing_a_field_is_a_malformed_decision(gw: GatewayServer, http: httpx.Client, tamper,  # type: ignore[no-untyped-def]
                                                        field: str) -> None:
    tamper("request", _drop(field))
    mark = gw.audit_mark()
    _refused_as_malformed(gw, post(http, "/v1/chat/completions", {"X-User-Role": "clinician"}), mark)


def test_denial_with_an_unknown_verdict_is_malformed(gw: GatewayServer, http: httpx.Client, tamper) -> None:  # type: ignore[no-untyped-def]
    tamper("request", _set(verdict="fine"))
    mark = gw.audit_mark()
    _refused_as_malformed(gw, post(http, "/v1/chat/completions", {"X-User-Role": "clinician"}), mark)


def test_response_block_param_and_verdict_from_the_decision(gw: GatewayServer, http: httpx.Client) -> None:
    from packgate.runtime.demo.standin import Reply

    gw.standin.script(Reply(text="You should PRESCRIBE more."), model="primary-model")
    mark = gw.audit_mark()
    r = post(http, "/v1/chat/completions", CLINICIAN)
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "output_blocked" and err["param"].startswith("blocked_patterns[")
    assert one_event(gw, mark)["verdict"] == "blocked"


# --- delivery and escalation -------------------------------------------------------------------------


def test_delivery_verdict_comes_from_the_decision(gw: GatewayServer, http: httpx.Client, tamper) -> None:  # type: ignore[no-untyped-def]
    tamper("response", _drop("verdict"))
    mark = gw.audit_mark()
    r = post(http, "/v1/chat/completions", CLINICIAN)
    _refused_as_malformed(gw, r, mark, forwarded=1)
    assert "choices" not in r.json()


def test_escalation_status_code_and_policy_come_from_the_decision(gw: GatewayServer, http: httpx.Client,  # type: ignore[no-untyped-def]
                                                                  tamper) -> None:
    tamper("response", _set(code="held_for_pharmacist", status=202))
    mark = gw.audit_mark()
    r = post(http, ESCALATING, CLINICIAN, model="llama3.1:70b")
    assert r.status_code == 202, r.text
    assert r.json()["choices"][0]["finish_reason"] == "escalated"
    ev = one_event(gw, mark)
    assert (ev["verdict"], ev["status"]) == ("escalated", 202)
    assert {"policy": "human-oversight", "code": "held_for_pharmacist", "status": 202}.items() <= ev["reasons"][-1].items()
    esc = [e for e in gw.audit.list_escalations() if e["id"] == ev["escalation_id"]]
    assert esc and esc[0]["reason"] == "held_for_pharmacist"


@pytest.mark.parametrize("field", ["code", "status", "policy", "verdict", "param"])
def test_escalation_missing_a_field_is_a_malformed_decision(gw: GatewayServer, http: httpx.Client, tamper,  # type: ignore[no-untyped-def]
                                                            field: str) -> None:
    tamper("response", _drop(field))
    mark = gw.audit_mark()
    r = post(http, ESCALATING, CLINICIAN, model="llama3.1:70b")
    _refused_as_malformed(gw, r, mark, forwarded=1)
    assert not [e for e in gw.audit.list_escalations() if e["event_id"] == gw.events_after(mark)[0]["id"]]


# --- the audit settings ------------------------------------------------------------------------------


def test_provider_selection_logged_as_the_decision_says(gw: GatewayServer, http: httpx.Client, tamper) -> None:  # type: ignore[no-untyped-def]
    mark = gw.audit_mark()
    assert post(http, "/v1/chat/completions", CLINICIAN).status_code == 200
    assert "excluded_targets" in one_event(gw, mark)  # gw-deliver logs its provider selection
    tamper("request", lambda d: d["audit"].update(log_provider_selection=False))
    mark = gw.audit_mark()
    assert post(http, "/v1/chat/completions", CLINICIAN).status_code == 200
    assert "excluded_targets" not in one_event(gw, mark)


def test_decision_without_audit_settings_is_malformed(gw: GatewayServer, http: httpx.Client, tamper) -> None:  # type: ignore[no-untyped-def]
    tamper("request", _drop("audit"))
    mark = gw.audit_mark()
    _refused_as_malformed(gw, post(http, "/v1/chat/completions", CLINICIAN), mark)
