"""The HTTP transport's limits: uvicorn's httptools protocol with bounds on what one connection may cost.

uvicorn bounds none of these with httptools (`h11_max_incomplete_event_size` is for h11 only):

* **Header size and count.** httptools grows a header value by concatenation, so a 64 MB header took
  7-30 s of CPU to parse while every other request (and `/health`) waited. The request line plus
  headers are counted as bytes arrive, *before* the parser sees them: past `max_header_bytes` the
  parser is never fed again and the client gets 431 `headers_too_large`; past `max_header_count`
  headers, 431 `too_many_headers`. Both are OpenAI-style JSON and close the connection.
* **Slow and silent connections.** A connection must deliver its request line and headers within
  `header_timeout_s` of opening (or of the first byte of a keep-alive request), else it is closed
  (408 `request_timeout` if a request had begun); a request body must arrive within `body_timeout_s`
  of its headers, else the connection is closed (the request's event says `incomplete_body`). Idle
  keep-alive connections close after uvicorn's `timeout_keep_alive`.
* **Open connections.** At most `max_connections` (never more than the file-descriptor limit minus
  a reserve for OPA, upstream and audit files). At the cap, a new connection evicts the connection
  that has been idle longest (no request in progress: silent, keep-alive, or still sending headers);
  requests in flight are never cut. Only when every connection carries a request in flight is the
  new one refused (503 `overloaded`, `Retry-After`). A flood of half-open connections therefore
  cannot exhaust descriptors or lock out `/health`.

`uvicorn_config()` builds the `uvicorn.Config` every serving path uses (`gateway run`, `--workers`,
the reliability harness), so the limits are the same wherever the gateway runs.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import resource
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import httptools

from packgate.runtime.wire.errors import error_body

from .http import AuditedHttpToolsProtocol, record

log = logging.getLogger("packgate.gateway")

KiB = 1024
FD_RESERVE = 512  # descriptors kept for OPA and upstream pools, the audit database, logs
LINGER_S = 2.0    # after a refusal: read and drop what the client still sends, so it reads the answer


@dataclass(frozen=True)
class TransportLimits:
    """Per-connection and per-process bounds of the HTTP server (README: "Limits")."""

    max_header_bytes: int = 64 * KiB   # request line + headers; more: 431 headers_too_large
    max_header_count: int = 100        # more: 431 too_many_headers
    header_timeout_s: float = 10.0     # request line + headers must arrive within this; else closed (408)
    body_timeout_s: float = 30.0       # the body must arrive within this after the headers; else closed
    keep_alive_s: int = 5              # an idle keep-alive connection closes after this
    max_connections: int = 4096        # open connections; capped by RLIMIT_NOFILE - FD_RESERVE

    def connection_cap(self) -> int:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return self.max_connections
        return max(16, min(self.max_connections, soft - FD_RESERVE))


class _TooManyHeaders(Exception):
    """Raised from `on_header`; httptools stops parsing and re-raises it from `feed_data`."""


def _response(status: int, reason: bytes, code: str, message: str, extra: bytes = b"") -> bytes:
    body = error_body(status, code, message)
    return (b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n%s\r\n" % (status, reason, len(body), extra)) + body


class LimitedHttpToolsProtocol(AuditedHttpToolsProtocol):
    """uvicorn's httptools protocol with the bounds above; one instance per connection. A request it
    refuses (431, 408) leaves one audit event, as a request the parser refuses does (400)."""

    def __init__(self, *args: Any, limits: TransportLimits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits or TransportLimits()
        state = self.server_state
        idle = getattr(state, "packgate_idle", None)
        if idle is None:  # shared by every connection of this server
            idle = OrderedDict()
            state.packgate_idle = idle  # type: ignore[attr-defined]
            state.packgate_cap = self.limits.connection_cap()  # type: ignore[attr-defined]
        self._idle: OrderedDict[LimitedHttpToolsProtocol, None] = idle
        self._cap: int = state.packgate_cap  # type: ignore[attr-defined]
        self._in_head = True      # the next bytes belong to a request line and headers
        self._head_bytes = 0
        self._header_count = 0
        self._deadline: asyncio.TimerHandle | None = None
        self._closed = False      # no more input is parsed on this connection
        self._gone = False        # closed or closing for good

    # --- connection lifecycle ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self._cap and not self._evict_idle():
            self._refuse(_response(503, b"Service Unavailable", "overloaded",
                                   "the gateway is at its connection limit; retry shortly", b"retry-after: 1\r\n"))
            return
        self._idle[self] = None
        self._arm(self.limits.header_timeout_s)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = self._gone = True
        self._idle.pop(self, None)
        self._disarm()
        super().connection_lost(exc)

    def _evict_idle(self) -> bool:
        """Close the connection idle longest to make room; False if every connection is busy."""
        while self._idle:
            oldest, _ = self._idle.popitem(last=False)
            if not oldest._gone:
                oldest._close_idle()
                return True
        return False

    def _close_idle(self) -> None:
        self._closed = self._gone = True
        self._disarm()
        self.connections.discard(self)  # its slot is free now, not when the close completes
        self.transport.abort()

    def _refuse(self, response: bytes) -> None:
        """Answer and close. Closing with unread input would make the kernel reset the connection and
        the client could lose the answer: send it, half-close, drop further input for `LINGER_S`
        (first in line for eviction meanwhile), then close."""
        self._closed = True
        self._disarm()
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(response)
            if self.transport.can_write_eof():
                self.transport.write_eof()
            self._idle[self] = None
            self._idle.move_to_end(self, last=False)
            self._deadline = self.loop.call_later(LINGER_S, self._close_idle)
        else:  # a pipelined response is still being written: do not interleave
            self._close_idle()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._on_deadline)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _on_deadline(self) -> None:
        self._deadline = None
        if self._closed or self._gone or self.transport.is_closing():
            return
        if self._in_head and self._head_bytes == 0:
            self._close_idle()  # opened (or kept alive) and silent: nothing to answer
        elif self._in_head:
            record(self.app, 408, "request_timeout")
            self._refuse(_response(408, b"Request Timeout", "request_timeout",
                                   "request headers were not received in time"))
        elif self.cycle is not None and not self.cycle.response_started:
            self._close_idle()  # the body stalled: the app sees a disconnect (400 incomplete_body, one event)

    # --- bytes in ------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._closed:
            return
        self._unset_keepalive_if_required()
        while data:
            if self._in_head:
                if self._deadline is None and (self.cycle is None or self.cycle.response_complete):
                    self._arm(self.limits.header_timeout_s)  # a keep-alive request starts with this byte
                room = self.limits.max_header_bytes + 1 - self._head_bytes
                chunk, data = data[:room], data[room:]
                self._head_bytes += len(chunk)
            else:
                chunk, data = data, b""
            if not self._feed(chunk):
                return
            if self._in_head and self._head_bytes > self.limits.max_header_bytes:
                record(self.app, 431, "headers_too_large")
                self._refuse(_response(431, b"Request Header Fields Too Large", "headers_too_large",
                                       f"request line and headers exceed {self.limits.max_header_bytes} bytes"))
                return

    def _feed(self, chunk: bytes) -> bool:
        try:
            self.parser.feed_data(chunk)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except (httptools.HttpParserError, _TooManyHeaders):
            if self._header_count > self.limits.max_header_count:
                record(self.app, 431, "too_many_headers")
                self._refuse(_response(431, b"Request Header Fields Too Large", "too_many_headers",
                                       f"more than {self.limits.max_header_count} request headers"))
            else:
                msg = "Invalid HTTP request received."
                self.logger.warning(msg)
                self._closed = True
                self.send_400_response(msg)
            return False
        return not self._closed

    # --- parser callbacks ----------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_header_count:
            raise _TooManyHeaders()  # httptools turns it into HttpParserCallbackError
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = self._header_count = 0
        self._idle.pop(self, None)  # a request is in flight: never evicted
        self._arm(self.limits.body_timeout_s)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_head = True
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._closed and not self.transport.is_closing():
            self._idle[self] = None  # keep-alive: evictable again, uvicorn's keep-alive timer runs
            self._idle.move_to_end(self)


def http_protocol(limits: TransportLimits | None = None) -> Any:
    """The protocol factory for `uvicorn.Config(http=...)` (a picklable partial, for `--workers`)."""
    return functools.partial(LimitedHttpToolsProtocol, limits=limits or TransportLimits())


def uvicorn_config(app: Any, limits: TransportLimits | None = None, **kwargs: Any) -> Any:
    """`uvicorn.Config` with uvloop, the limited httptools protocol and quiet logging; `kwargs` add to it."""
    import uvicorn

    limits = limits or TransportLimits()
    options: dict[str, Any] = dict(loop="uvloop", log_level="warning", access_log=False, server_header=False,
                                   backlog=2048, timeout_keep_alive=limits.keep_alive_s)
    options.update(kwargs)
    return uvicorn.Config(app, http=http_protocol(limits), **options)
