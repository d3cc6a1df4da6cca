"""Who is asking: identity facts for OPA, from headers, body metadata, or a verified bearer JWT.

Without `rbac.require_auth`, identity comes from `X-User-ID` / `X-User-Role` (else `metadata.user_id`
/ `metadata.user_role` in the body; a header always wins) and is marked `verified: false`. Missing
values are left missing: OPA's `deny_if_missing` decides what that means.

With `rbac.require_auth: true`, client-sent identity headers and metadata are dropped and identity
comes only from `Authorization: Bearer <jwt>`, verified with the pack's `rbac.jwt` algorithm
(HS256: key in `PACKGATE_JWT_SECRET`; RS256: PEM public key in `PACKGATE_JWT_PUBLIC_KEY`). The
outcome is a fact for OPA, never a decision here: `token` is "absent", "valid" or "invalid", and an
invalid token's `token_error` says why as a code (`malformed`, `expired`, `not_yet_valid`,
`bad_signature`, `wrong_algorithm`, `wrong_issuer`, `wrong_audience`, `missing_claim`, `rejected`),
never the token. The rbac library turns "invalid" into 401 `invalid_token` and no token into 401
`unauthenticated`. Without `require_auth` the header is not read (`token: "unchecked"`).
`nbf`/`iat` in the future count as `not_yet_valid`; a token valid for longer than the pack's
`rbac.jwt.max_lifetime_s` (24 h by default, from now or from its `iat`) is `lifetime_exceeded`: a
stolen token with `exp` in the year 5000 would otherwise never stop working.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt

from packgate.compiler.schema import Jwt, Rbac
from packgate.runtime.wire.errors import GatewayError

SECRET_ENV = "PACKGATE_JWT_SECRET"
PUBLIC_KEY_ENV = "PACKGATE_JWT_PUBLIC_KEY"
SENSITIVITY_HEADER = "x-data-sensitivity"


@dataclass(frozen=True)
class Identity:
    user_id: str | None
    role: str | None
    verified: bool
    method: str  # "header" | "metadata" | "jwt" | "none"
    token: str = "unchecked"  # "unchecked" | "absent" | "valid" | "invalid"
    token_error: str | None = None  # why an invalid token failed, as a code

    def as_input(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "role": self.role, "verified": self.verified, "method": self.method,
                "token": self.token, "token_error": self.token_error}


@dataclass(frozen=True)
class TokenCheck:
    """What verifying a bearer token found: the claims' user and role, or why it failed."""

    user_id: str | None = None
    role: str | None = None
    error: str | None = None  # None: verified


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


@lru_cache(maxsize=8)
def _rsa_key(pem: str) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(pem.encode())


def _verification_key(cfg: Jwt) -> Any:
    if cfg.algorithm == "HS256":
        secret = os.environ.get(SECRET_ENV)
        if not secret:
            raise GatewayError(503, "auth_unavailable", f"{SECRET_ENV} is not set; cannot verify tokens",
                               verdict="denied")
        return secret
    pem = os.environ.get(PUBLIC_KEY_ENV)
    if not pem:
        raise GatewayError(503, "auth_unavailable", f"{PUBLIC_KEY_ENV} is not set; cannot verify tokens",
                           verdict="denied")
    try:
        return _rsa_key(pem)
    except ValueError:
        raise GatewayError(503, "auth_unavailable", f"{PUBLIC_KEY_ENV} is not a PEM public key",
                           verdict="denied") from None


# PyJWT's failures as reason codes for OPA, most specific first (subclasses before their bases).
_TOKEN_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.InvalidAlgorithmError, "wrong_algorithm"),
    (jwt.InvalidIssuerError, "wrong_issuer"),
    (jwt.InvalidAudienceError, "wrong_audience"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.DecodeError, "malformed"),
)


def _token_error(exc: Exception) -> str:
    return next((code for kind, code in _TOKEN_ERRORS if isinstance(exc, kind)), "rejected")


def _lifetime_exceeded(claims: dict[str, Any], cfg: Jwt) -> bool:
    """A token valid for longer than `max_lifetime_s` (from now, or from its `iat`), leeway aside.

    A stolen token with `exp` in the year 5000 (or `1e20`) would otherwise never stop working.
    PyJWT has checked that `exp` and any `iat` convert with `int()` (it compares them the same way),
    and refused an `iat` in the future."""
    longest = cfg.max_lifetime_s + cfg.leeway_s
    exp = int(claims["exp"])
    iat = int(claims["iat"]) if "iat" in claims else None
    return exp - time.time() > longest or (iat is not None and exp - iat > longest)


def verify_bearer(authorization: str, cfg: Jwt) -> TokenCheck:
    """Verify `Authorization: Bearer <jwt>`: the token's (user, role), or the reason it failed."""
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return TokenCheck(error="malformed")
    key = _verification_key(cfg)
    try:
        claims = jwt.decode(
            token, key, algorithms=[cfg.algorithm],  # exactly one algorithm: no `none`, no HS/RS confusion
            audience=cfg.audience, issuer=cfg.issuer, leeway=cfg.leeway_s,
            options={"require": ["exp"], "verify_aud": cfg.audience is not None},
        )
    except jwt.PyJWTError as exc:
        return TokenCheck(error=_token_error(exc))
    if _lifetime_exceeded(claims, cfg):
        return TokenCheck(error="lifetime_exceeded")
    return TokenCheck(_clean(claims.get(cfg.user_claim)), _clean(claims.get(cfg.role_claim)))


def resolve(headers: dict[str, str], metadata: dict[str, Any], rbac: Rbac | None,
            authorization: str | None = None) -> tuple[Identity, dict[str, str]]:
    """The identity for OPA and the `headers` map to send (identity headers made consistent).

    `headers` comes without credentials (parsing.opa_headers); `authorization` is passed apart.
    """
    headers = dict(headers)
    headers.pop("authorization", None)
    if rbac is not None and rbac.require_auth:
        for name in ("x-user-id", "x-user-role"):
            headers.pop(name, None)
        if authorization is None or not authorization.strip():
            return Identity(None, None, False, "none", token="absent"), headers
        check = verify_bearer(authorization, rbac.jwt or Jwt())
        if check.error is not None:
            return Identity(None, None, False, "jwt", token="invalid", token_error=check.error), headers
        if check.user_id is not None:
            headers["x-user-id"] = check.user_id
        if check.role is not None:
            headers["x-user-role"] = check.role
        return Identity(check.user_id, check.role, True, "jwt", token="valid"), headers
    user, role = _clean(headers.get("x-user-id")), _clean(headers.get("x-user-role"))
    method = "header" if (user or role) else "none"
    for header, key in (("x-user-id", "user_id"), ("x-user-role", "user_role"), ("x-tool", "tool")):
        if not _clean(headers.get(header)) and _clean(metadata.get(key)):
            headers[header] = _clean(metadata.get(key))  # type: ignore[assignment]
            if method == "none":
                method = "metadata"
    user, role = _clean(headers.get("x-user-id")), _clean(headers.get("x-user-role"))
    for name in ("x-user-id", "x-user-role"):
        if name in headers and not _clean(headers[name]):
            del headers[name]  # an empty or blank identity header counts as missing
    return Identity(user, role, False, method), headers


def declared_sensitivity(headers: dict[str, str], metadata: dict[str, Any]) -> str | None:
    """The declared tier, header first (OPA validates the name)."""
    return _clean(headers.get(SENSITIVITY_HEADER)) or _clean(metadata.get("data_sensitivity"))


def tools_used(body_tools: list[str], headers: dict[str, str]) -> list[str]:
    """Union of body tool names and the comma-separated `X-Tool` header, first-seen order."""
    seen: dict[str, None] = dict.fromkeys(body_tools)
    for name in (headers.get("x-tool") or "").split(","):
        name = name.strip()
        if name:
            seen.setdefault(name, None)
    return list(seen)
