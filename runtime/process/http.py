"""uvicorn's HTTP protocols with one audit event for each request the server itself refuses.

uvicorn answers a request its parser rejects (a malformed request line or header, an invalid
Content-Length, Transfer-Encoding together with Content-Length, ...) with a bare 400 from
`send_400_response`, before any ASGI app runs — so the gateway would never hear of it. These
subclasses record the event (`gateway.app.record_rejection`) and then answer as uvicorn does.
"""

from __future__ import annotations

import logging

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from packgate.runtime.gateway import record_rejection

__all__ = ["AuditedH11Protocol", "AuditedHttpToolsProtocol", "record"]

log = logging.getLogger("packgate.gateway")


def record(app: object, status: int = 400, code: str = "invalid_http") -> None:
    """The audit event of a request the server refused; a failure here never stops the refusal."""
    try:
        record_rejection(app, status, code)
    except Exception:  # never let auditing stop the 400 itself
        log.exception("a rejected request could not be audited")


class AuditedHttpToolsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        record(self.app)
        super().send_400_response(msg)


class AuditedH11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        record(self.app)
        super().send_400_response(msg)
