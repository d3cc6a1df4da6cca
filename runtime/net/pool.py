"""A small keep-alive HTTP/1.1 client pool shared by the OPA client and the upstream calls.

`Conn` is an asyncio protocol with the httptools parser (the one uvicorn uses); one request at a
time per connection. Two ways to read an answer:

* `send(head, payload)` -> future of `(status, whole body)` once the message is complete;
* `send(head, payload, stream=True)` -> future of `(status, b"")` once the headers are in, then
  `async for chunk in conn.chunks()` until the end of the message (chunked transfer decoding is
  done by httptools; a body delimited by the connection closing ends at the close).

A connection that closes or sends unparseable bytes before the end of an answer raises
`ConnectionLost`, both from the future and from `chunks()`. A connection whose answer was not
read to its end, that timed out or was cancelled, must be `fail()`ed, never reused.
"""

from __future__ import annotations

import asyncio
import ssl as _ssl
from collections import deque
from collections.abc import AsyncIterator

import httptools


class ConnectionLost(Exception):
    """The connection broke before a whole answer arrived."""


class Conn(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection; one request at a time, answers parsed by httptools."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []
        self.open = True
        self.reusable = True
        self.stream = False
        self.received = False  # any byte arrived on this connection since the last request
        self.headers = False  # the current answer's headers are in
        self.done = False  # the current answer is complete
        self.failed = False
        self.framed = False  # the current answer has a content-length or is chunked
        self.wake: asyncio.Future[None] | None = None

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.fail()

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if exc is None and self.headers and not self.framed and not self.done:
            self.reusable = False  # a body delimited by the close: the close ends it
            self._complete()
            return
        self.fail()

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) in (14, 17) and name.lower() in (b"content-length", b"transfer-encoding"):
            self.framed = True

    def on_headers_complete(self) -> None:
        self.headers = True
        if self.stream:
            waiter, self.waiter = self.waiter, None
            if waiter is not None and not waiter.done():
                waiter.set_result((self.parser.get_status_code(), b""))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)
        if self.stream:
            self._wake()

    def on_message_complete(self) -> None:
        self.reusable = self.parser.should_keep_alive()
        self._complete()

    def _complete(self) -> None:
        self.done = True
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((self.parser.get_status_code(), b"".join(self.body)))
        if self.stream:
            self._wake()

    def _wake(self) -> None:
        wake, self.wake = self.wake, None
        if wake is not None and not wake.done():
            wake.set_result(None)

    def fail(self) -> None:
        """Break the connection: the pending answer raises `ConnectionLost`; never reused."""
        self.open = self.reusable = False
        if not self.done:
            self.failed = True
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionLost())
        self._wake()
        if self.transport is not None:
            self.transport.abort()

    def send(self, head: bytes, payload: bytes, stream: bool = False) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self.body = []
        self.stream = stream
        self.received = False
        self.headers = self.done = self.failed = self.framed = False
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.writelines((head, payload))
        return self.waiter

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body of a streamed answer, as it arrives, to its end (`ConnectionLost` if cut)."""
        while True:
            if self.body:
                data = b"".join(self.body) if len(self.body) > 1 else self.body[0]
                self.body = []
                yield data
                continue
            if self.done:
                return
            if self.failed or not self.open:
                raise ConnectionLost()
            self.wake = asyncio.get_running_loop().create_future()
            await self.wake

    def close(self) -> None:
        self.open = self.reusable = False
        if self.transport is not None:
            self.transport.close()


class Pool:
    """Idle keep-alive connections to one host:port (plain TCP, or TLS with `ssl`), or to a Unix
    domain socket at `unix_path` (the embedded OPA's: no TCP stack on a same-host hop)."""

    def __init__(self, host: str, port: int, ssl: _ssl.SSLContext | None = None, max_idle: int = 256,
                 unix_path: str | None = None):
        self.host, self.port, self.ssl, self.max_idle = host, port, ssl, max_idle
        self.unix_path = unix_path
        self.idle: deque[Conn] = deque()

    def pooled(self) -> Conn | None:
        """An idle connection that is still open, if any."""
        idle = self.idle
        while idle:
            conn = idle.pop()
            if conn.open:
                return conn
        return None

    async def connect(self) -> Conn:
        loop = asyncio.get_running_loop()
        if self.unix_path is not None:
            _, conn = await loop.create_unix_connection(Conn, self.unix_path)
        else:
            _, conn = await loop.create_connection(Conn, self.host, self.port, ssl=self.ssl)
        return conn

    def release(self, conn: Conn) -> None:
        """Back to the pool if its answer was read to the end and it may be kept alive, else closed."""
        if conn.done and conn.reusable and conn.open and len(self.idle) < self.max_idle:
            self.idle.append(conn)
        else:
            conn.fail()

    def close(self) -> None:
        while self.idle:
            self.idle.pop().close()
