"""The in-gateway bundle server: a client that resets its connection mid-request (OPA killed while the
gateway refuses to start) leaves no traceback on the gateway's stderr (a busy fresh-clone run caught one)."""

from __future__ import annotations

import socket
import struct
import time
from urllib.parse import urlsplit

from packgate.runtime.opa.bundle_server import BundleServer


def test_a_client_reset_mid_request_prints_no_traceback(capfd) -> None:
    server = BundleServer().start()
    try:
        url = urlsplit(server.url)
        for _ in range(3):
            with socket.create_connection((url.hostname, url.port)) as sock:
                sock.sendall(b"GET /bundles/")  # an unfinished request line
                time.sleep(0.05)  # the handler thread is reading it
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
        time.sleep(0.3)  # let the handler threads hit the reset
    finally:
        server.close()
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ConnectionResetError" not in err, err
