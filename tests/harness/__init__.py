"""One harness for every test that needs real processes or the real CLI.

- `net`: `free_port`, `wait_http`
- `opa`: `OpaProcess` (`opa run --server` on a fixed port), `start_opa`
- `standin`: the stand-in model on a restartable port, `forwarded_ids`
- `process`: `GatewayProc` (`packgate gateway run`, or `tests.harness.serve`), `gone`
- `serve`: the test/bench gateway server (`python -m tests.harness.serve`)
- `stack`: the shared test packs and the gateway in a thread (`GatewayServer`) or in-process
  (`InProcessGateway`); `fixtures` (a pytest plugin, loaded by tests/conftest.py) builds them once
- `cli`: `run_cli`, the CLI in-process through typer's CliRunner

`bench/` imports it too (ports, OPA, the serve module); nothing here is collected as tests.
"""

from .cli import CliResult, run_cli
from .net import ROOT, free_port, wait_http
from .opa import OPA_BIN, OpaProcess, start_opa
from .process import PACKGATE, GatewayProc, Output, gone
from .stack import (
    AuditView,
    CLINICIAN, JWT_SECRET, REVIEW_KEY, PACK_FILES, PACKS_DIR, SEED_PACK, GatewayServer, InProcessGateway, gateway_app,
    gateway_env,
)
from .standin import forwarded_ids, is_serving, start_standin

__all__ = [
    "AuditView", "CLINICIAN", "JWT_SECRET", "REVIEW_KEY", "OPA_BIN", "PACKGATE", "PACKS_DIR", "PACK_FILES", "ROOT", "SEED_PACK", "CliResult",
    "GatewayProc", "GatewayServer", "InProcessGateway", "OpaProcess", "Output", "forwarded_ids", "free_port",
    "gateway_app", "gateway_env", "gone", "is_serving", "run_cli", "start_opa", "start_standin", "wait_http",
]
