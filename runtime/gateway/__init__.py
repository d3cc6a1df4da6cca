"""The gateway: the Starlette app and the request path (parse, identity, scan, decide, forward, deliver)."""

from .app import create_app, record_rejection
from .config import GatewayConfig, Route, RouteTable, data_path_for, install_routes

__all__ = ["GatewayConfig", "Route", "RouteTable", "create_app", "data_path_for", "install_routes",
           "record_rejection"]
