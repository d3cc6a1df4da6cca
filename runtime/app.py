"""The gateway's Starlette application (request path filled in below)."""

from __future__ import annotations

from starlette.applications import Starlette

from .config import GatewayConfig


def create_app(config: GatewayConfig) -> Starlette:
    """Build the gateway for `config`; `app.state.routes` holds the swappable RouteTable."""
    app = Starlette()
    app.state.config = config
    app.state.routes = config.route_table()
    return app
