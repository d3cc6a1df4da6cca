"""The one error shape clients see: OpenAI-style, with the policy and OPA decision that caused it.

`{"error": {"message", "type", "code", "param", "policy", "decision_id"}}` — the OpenAI SDK turns it
into `APIStatusError` with `.code`/`.param` intact; the Ollama client shows it as its error text.
Messages are fixed strings or OPA's message: never request content (it may hold PHI).
"""

from __future__ import annotations

from collections.abc import Mapping

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
                 headers: Mapping[str, str] | None = None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.policy = policy
        self.decision_id = decision_id
        self.verdict = verdict  # the audit verdict: OPA's for its decisions, named at the raise site otherwise
        self.headers = headers  # e.g. Retry-After on 503 overloaded


def error_body(status: int, code: str, message: str, *, param: str | None = None,
               policy: str | None = None, decision_id: str | None = None) -> bytes:
    return orjson.dumps({"error": {
        "message": message,
        "type": ERROR_TYPES.get(status, "api_error"),
        "code": code,
        "param": param,
        "policy": policy,
        "decision_id": decision_id,
    }})


def error_response(err: GatewayError, headers: Mapping[str, str] | None = None) -> Response:
    body = error_body(err.status, err.code, err.message, param=err.param, policy=err.policy,
                      decision_id=err.decision_id)
    return Response(body, status_code=err.status, media_type="application/json",
                    headers=headers if headers is not None else err.headers)


def bad(status: int, code: str, message: str, param: str | None = None) -> GatewayError:
    return GatewayError(status, code, message, param=param, verdict="bad_request")
