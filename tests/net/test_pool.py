"""The shared keep-alive pool (`packgate.runtime.net`) against raw sockets: chunked streams, bodies
delimited by the close, connections dropped mid-stream, and stale pooled connections."""

from __future__ import annotations

import asyncio

import pytest

from packgate.runtime.net import ConnectionLost, Pool


async def _serve(answers: list[bytes], close_after: bool = False):
    """A server that answers each request on a connection with the next of `answers`."""
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while answers:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            await reader.readexactly(length)
            writer.write(answers.pop(0))
            await writer.drain()
            if close_after:
                break
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


HEAD = b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n"


async def _stream(pool: Pool) -> tuple[int, bytes, object]:
    conn = await pool.connect()
    status, _ = await conn.send(HEAD, b"{}", stream=True)
    out = b"".join([c async for c in conn.chunks()])
    return status, out, conn


def test_chunked_stream_then_reuse() -> None:
    async def run() -> None:
        chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab\n\r\n2\r\ncd\r\n0\r\n\r\n"
        server, port = await _serve([chunked, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
        pool = Pool("127.0.0.1", port)
        status, body, conn = await _stream(pool)
        assert (status, body) == (200, b"ab\ncd")
        pool.release(conn)  # type: ignore[arg-type]
        again = pool.pooled()
        assert again is conn
        assert await again.send(HEAD, b"{}") == (200, b"ok")
        pool.close()
        server.close()
    asyncio.run(run())


def test_body_delimited_by_close() -> None:
    async def run() -> None:
        server, port = await _serve([b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"], close_after=True)
        pool = Pool("127.0.0.1", port)
        status, body, conn = await _stream(pool)
        assert (status, body) == (200, b"all of it")
        pool.release(conn)  # type: ignore[arg-type]
        assert pool.pooled() is None
        server.close()
    asyncio.run(run())


def test_dropped_mid_stream_raises() -> None:
    async def run() -> None:
        cut = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab\n\r\n"
        server, port = await _serve([cut], close_after=True)
        with pytest.raises(ConnectionLost):
            await _stream(Pool("127.0.0.1", port))
        server.close()
    asyncio.run(run())


def test_whole_answer_cut_raises() -> None:
    async def run() -> None:
        server, port = await _serve([b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"], close_after=True)
        conn = await Pool("127.0.0.1", port).connect()
        with pytest.raises(ConnectionLost):
            await conn.send(HEAD, b"{}")
        server.close()
    asyncio.run(run())


def test_unix_socket(tmp_path) -> None:
    """The same pool over a Unix domain socket (the embedded OPA's decision hop)."""
    async def run() -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(2)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
            writer.close()

        path = str(tmp_path / "s.sock")
        server = await asyncio.start_unix_server(handle, path)
        conn = await Pool("localhost", 0, unix_path=path).connect()
        assert await conn.send(HEAD, b"{}") == (200, b"ok")
        server.close()
    asyncio.run(run())
