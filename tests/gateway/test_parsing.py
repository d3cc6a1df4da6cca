"""Unit tests: request parsing and identity (no servers)."""

from __future__ import annotations

import time

import jwt
import pytest

from packgate.compiler.schema import Jwt, Rbac
from packgate.runtime.gateway import identity
from packgate.runtime.wire import chat as wire_chat
from packgate.runtime.wire.errors import GatewayError


def chat(body: dict, protocol: str = "openai") -> wire_chat.ParsedChat:
    return wire_chat.parse_chat(body, protocol)  # type: ignore[arg-type]


def code_of(body: dict, protocol: str = "openai") -> tuple[int, str]:
    with pytest.raises(GatewayError) as info:
        chat(body, protocol)
    return info.value.status, info.value.code


def test_content_shapes_are_indexed_as_slots() -> None:
    parsed = chat({"messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "part one"}, {"type": "text", "text": "part two"}]},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "summarize", "arguments": '{"a": 1}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "result"},
    ], "tools": [{"type": "function", "function": {"name": "summarize"}}]})
    # every string the model reads, in order: tool-call name, argument keys and id, tool names too
    assert list(parsed.texts()) == ["be brief", "part one", "part two", "summarize", "a", "c1", "result", "c1",
                                    "summarize"]
    assert parsed.tools == ["summarize"] and parsed.stream is False
    parsed.rewrite(1, "PART")
    assert wire_chat.openai_body(parsed, "m", False)["messages"][1]["content"][0]["text"] == "PART"


def test_ollama_defaults_to_streaming_and_walks_argument_objects() -> None:
    parsed = chat({"messages": [{"role": "assistant", "content": "",
                                 "tool_calls": [{"function": {"name": "f", "arguments": {"x": ["deep", {"y": "z"}]}}}]}]},
                  "ollama")
    assert parsed.stream is True
    assert list(parsed.texts()) == ["", "f", "x", "deep", "y", "z"]


@pytest.mark.parametrize("body, expected", [
    ({}, (422, "missing_messages")),
    ({"messages": []}, (422, "invalid_messages")),
    ({"messages": "hi"}, (422, "invalid_messages")),
    ({"messages": [{"role": "wizard", "content": "x"}]}, (422, "invalid_message")),
    ({"messages": [{"role": "user", "content": 5}]}, (422, "invalid_message")),
    ({"messages": [{"role": "user", "content": "x", "secret": "y"}]}, (422, "invalid_message")),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x/p.png"}}]}]},
     (422, "unsupported_content")),
    ({"messages": [{"role": "user", "content": "x"}], "stream": "yes"}, (422, "invalid_stream")),
    ({"messages": [{"role": "user", "content": "x"}], "tools": [{"function": {}}]}, (422, "invalid_tools")),
    ({"messages": [{"role": "user", "content": "x"}], "metadata": []}, (422, "invalid_metadata")),
])
def test_invalid_bodies(body: dict, expected: tuple[int, str]) -> None:
    assert code_of(body) == expected


def test_ollama_images_are_rejected() -> None:
    assert code_of({"messages": [{"role": "user", "content": "x", "images": ["aGk="]}]}, "ollama") == (422, "unsupported_content")


def test_identity_from_headers_then_metadata() -> None:
    who, headers = identity.resolve({"x-user-id": "u1"}, {"user_role": "clinician", "user_id": "spoof"}, None)
    assert (who.user_id, who.role, who.verified) == ("u1", "clinician", False)
    assert headers == {"x-user-id": "u1", "x-user-role": "clinician"}
    who, headers = identity.resolve({"x-user-id": "  ", "x-user-role": "clinician"}, {}, None)
    assert who.user_id is None and "x-user-id" not in headers


def test_tools_and_sensitivity() -> None:
    assert identity.tools_used(["a"], {"x-tool": "b, a ,,c"}) == ["a", "b", "c"]
    assert identity.declared_sensitivity({"x-data-sensitivity": " internal "}, {"data_sensitivity": "public"}) == "internal"
    assert identity.declared_sensitivity({}, {"data_sensitivity": "public"}) == "public"


SECRET = "unit-secret-0123456789abcdef0123456789"
RBAC = Rbac(require_auth=True, jwt=Jwt(algorithm="HS256", issuer="iss"))


def token(claims: dict, key: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode({"iss": "iss", "exp": int(time.time()) + 60, **claims}, key, algorithm=alg)


def test_jwt_identity_replaces_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(identity.SECRET_ENV, SECRET)
    who, headers = identity.resolve({"x-user-role": "privacy-officer", "x-user-id": "spoof"}, {"user_role": "x"}, RBAC,
                                    "Bearer " + token({"sub": "u9", "role": "clinician"}))
    assert (who.user_id, who.role, who.verified, who.method, who.token) == ("u9", "clinician", True, "jwt", "valid")
    assert headers == {"x-user-id": "u9", "x-user-role": "clinician"}


def test_jwt_missing_token_is_left_to_opa(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(identity.SECRET_ENV, SECRET)
    who, headers = identity.resolve({"x-user-role": "clinician"}, {}, RBAC, None)
    assert who.verified is False and who.role is None and headers == {}
    assert who.as_input()["token"] == "absent" and who.as_input()["token_error"] is None


@pytest.mark.parametrize("make,reason", [
    (lambda: token({"sub": "u"}, key="wrong-secret-0123456789abcdef0123456"), "bad_signature"),
    (lambda: token({"sub": "u", "exp": int(time.time()) - 3600}), "expired"),
    (lambda: token({"sub": "u", "nbf": int(time.time()) + 3600}), "not_yet_valid"),
    (lambda: jwt.encode({"sub": "u", "iss": "iss", "exp": int(time.time()) + 60}, None, algorithm="none"),
     "wrong_algorithm"),
    (lambda: token({"sub": "u"}, alg="HS512"), "wrong_algorithm"),
    (lambda: token({"sub": "u", "iss": "other"}), "wrong_issuer"),
    (lambda: jwt.encode({"sub": "u", "iss": "iss"}, SECRET, algorithm="HS256"), "missing_claim"),  # no exp
    (lambda: "not.a.jwt", "malformed"),
])
def test_bad_tokens_are_facts_for_opa_not_errors(monkeypatch: pytest.MonkeyPatch, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    """A failed token is reported to OPA as invalid with a reason code - never raised here, never the token."""
    monkeypatch.setenv(identity.SECRET_ENV, SECRET)
    bearer = make()
    who, headers = identity.resolve({"x-user-id": "spoof", "x-user-role": "clinician"}, {}, RBAC, "Bearer " + bearer)
    facts = who.as_input()
    assert (facts["token"], facts["token_error"], facts["verified"]) == ("invalid", reason, False)
    assert facts["user_id"] is None and facts["role"] is None and headers == {}
    assert bearer not in repr(facts)


@pytest.mark.parametrize("authorization", ["Basic dTpw", "Bearer", "Bearer   "])
def test_a_header_that_is_not_a_bearer_token_is_malformed(monkeypatch: pytest.MonkeyPatch, authorization: str) -> None:
    monkeypatch.setenv(identity.SECRET_ENV, SECRET)
    who, _ = identity.resolve({}, {}, RBAC, authorization)
    assert (who.token, who.token_error) == ("invalid", "malformed")


def test_without_require_auth_the_token_is_not_read() -> None:
    who, _ = identity.resolve({"x-user-id": "u", "x-user-role": "clinician"}, {}, None, "Bearer not.a.jwt")
    assert (who.token, who.token_error, who.method) == ("unchecked", None, "header")


def test_missing_verification_key_is_503_not_a_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(identity.SECRET_ENV, raising=False)
    with pytest.raises(GatewayError) as info:
        identity.resolve({}, {}, RBAC, "Bearer " + token({"sub": "u"}))
    assert (info.value.status, info.value.code) == (503, "auth_unavailable")


def test_rs256_public_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    monkeypatch.setenv(identity.PUBLIC_KEY_ENV, pem.decode())
    rbac = Rbac(require_auth=True, jwt=Jwt(algorithm="RS256"))
    good = jwt.encode({"sub": "u", "role": "r", "exp": int(time.time()) + 60}, key, algorithm="RS256")
    assert identity.verify_bearer("Bearer " + good, rbac.jwt) == identity.TokenCheck("u", "r")  # type: ignore[arg-type]
    # HS256 signed with the public key as secret (algorithm confusion) is refused
    forged = jwt.encode({"sub": "u", "exp": int(time.time()) + 60}, "x" * 40, algorithm="HS256")
    check = identity.verify_bearer("Bearer " + forged, rbac.jwt)  # type: ignore[arg-type]
    assert check == identity.TokenCheck(error="wrong_algorithm")


def test_audit_verdict_is_named_where_the_error_is_raised_not_derived_from_status() -> None:
    from packgate.runtime.gateway.outcome import Outcome

    with pytest.raises(TypeError):
        GatewayError(400, "invalid_json", "bad")  # type: ignore[call-arg]  # no verdict: refused
    out = Outcome(endpoint="/v1/chat/completions")
    out.fail(GatewayError(400, "invalid_sensitivity", "unknown tier", verdict="denied"))  # OPA's 400: its verdict
    assert (out.verdict, out.status) == ("denied", 400)
    out = Outcome(endpoint="/v1/chat/completions")
    out.fail(GatewayError(503, "audit_unavailable", "audit down", verdict="audit_unavailable"))
    assert out.verdict == "audit_unavailable"
