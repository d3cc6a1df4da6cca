"""Keep-alive HTTP/1.1 connection pools shared by the OPA client and the upstream client."""

from .pool import Conn, ConnectionLost, Pool

__all__ = ["Conn", "ConnectionLost", "Pool"]
