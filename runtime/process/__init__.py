"""Process lifecycle: the supervisor (compile, OPA, audit, app), serving, and `--workers N`."""

from .serving import run_gateway, serve_uvloop
from .supervisor import GatewayOptions, StartupError, Supervisor, configure_logging, terminate_on_sigterm
from .transport import TransportLimits, uvicorn_config
from .workers import run_workers

__all__ = ["GatewayOptions", "StartupError", "Supervisor", "configure_logging", "run_gateway", "run_workers",
           "serve_uvloop", "terminate_on_sigterm", "TransportLimits", "uvicorn_config"]
