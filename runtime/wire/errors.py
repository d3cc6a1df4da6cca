"""The error shapes clients see, with the policy and OPA decision that caused them.

OpenAI routes: `{"error": {"message", "type", "code", "param", "policy", "decision_id"}}` — the OpenAI
SDK turns it into `APIStatusError` with `.code`/`.param` intact. Ollama routes: `{"error": "<message>
(code ..., policy ..., decision ...)"}` as Ollama itself answers, so the `ollama` client's
`ResponseError.error` is readable text; the structured fields follow under `packgate`.
Messages are fixed strings or OPA's message: never request content (it may hold PHI).

Every error also says whether a retry can help, in the way clients honour: `x-should-retry`
(read by the OpenAI SDKs before their status-based default, which retries 409 and 5xx) and
`Retry-After` where a retry makes sense. A policy outcome (401/403/409) or a bad request is
final: retrying would re-send the same request to the model and write another audit event.
An unavailable policy engine or audit log (503) or a failed upstream (502) may answer later.
The code and decision id are also in `X-Packgate-Error-Code` / `X-Packgate-Decision-Id`.

A refusal by OPA also lists every violation of its decision, in OPA's order (the pack's chain, then
status, then code), under `packgate.violations` (`{policy, code, status, message, param}` each): the
first is the one `error` describes, the rest are the other reasons the same request would be refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    408: "invalid_request_error",
    409: "policy_violation",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    431: "invalid_request_error",
    502: "upstream_error",
    503: "service_unavailable",
}


class GatewayError(Exception):
    """A request that ends here with `status` and `code`; raised anywhere on the request path."""

    def __init__(self, status: int, code: str, message: str, *, verdict: str, param: str | None = None,
                 policy: str | None = None, decision_id: str | None = None,
                 headers: Mapping[str, str] | None = None, violations: list[dict[str, Any]] | None = None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.policy = policy
        self.decision_id = decision_id
        self.verdict = verdict  # the audit verdict: OPA's for its decisions, named at the raise site otherwise
        self.headers = headers  # e.g. Retry-After on 503 overloaded
        self.violations = violations  # every violation of OPA's refusing decision, in its order


def error_body(status: int, code: str, message: str, *, param: str | None = None,
               policy: str | None = None, decision_id: str | None = None,
               violations: list[dict[str, Any]] | None = None) -> bytes:
    body: dict[str, Any] = {"error": {
        "message": message,
        "type": ERROR_TYPES.get(status, "api_error"),
        "code": code,
        "param": param,
        "policy": policy,
        "decision_id": decision_id,
    }}
    if violations is not None:
        body["packgate"] = {"violations": violations}
    return orjson.dumps(body)


# statuses where the same request may succeed later, and how long a client should wait (seconds)
RETRY_AFTER_S: dict[int, int] = {502: 2, 503: 2}


def retry_headers(status: int) -> dict[str, str]:
    """What a client should do about an error with `status`: retry later, or never."""
    if status in RETRY_AFTER_S:
        return {"x-should-retry": "true", "retry-after": str(RETRY_AFTER_S[status])}
    return {"x-should-retry": "false"}


def ollama_error_body(status: int, code: str, message: str, *, param: str | None = None,
                      policy: str | None = None, decision_id: str | None = None,
                      violations: list[dict[str, Any]] | None = None) -> bytes:
    """Ollama's own shape (`{"error": "text"}`), the code, policy and decision id inside the text."""
    said = [f"code {code}"] + ([f"policy {policy}"] if policy else []) + ([f"param {param}"] if param else [])
    said += [f"decision {decision_id}"] if decision_id else []
    packgate: dict[str, Any] = {"code": code, "param": param, "policy": policy, "decision_id": decision_id}
    if violations is not None:
        packgate["violations"] = violations
    return orjson.dumps({"error": f"{message} ({', '.join(said)})", "packgate": packgate})


def error_response(err: GatewayError, headers: Mapping[str, str] | None = None, *,
                   protocol: str = "openai") -> Response:
    render = ollama_error_body if protocol == "ollama" else error_body
    body = render(err.status, err.code, err.message, param=err.param, policy=err.policy,
                  decision_id=err.decision_id, violations=err.violations)
    extra = {**retry_headers(err.status), "x-packgate-error-code": err.code}
    if err.decision_id:
        extra["x-packgate-decision-id"] = err.decision_id
    merged: dict[str, str] = {}
    for source in (extra, err.headers or {}, headers or {}):  # later wins, whatever the case of the name
        merged.update((k.lower(), v) for k, v in source.items())
    return Response(body, status_code=err.status, media_type="application/json", headers=merged)


def bad(status: int, code: str, message: str, param: str | None = None) -> GatewayError:
    return GatewayError(status, code, message, param=param, verdict="bad_request")
