"""Run the real gateway (Supervisor, uvicorn with uvloop + httptools) for the bench: the packs' chains
against an external OPA, every target sent to the bench's instant upstream, a real SQLite audit log.

    python -m bench.gateway.gateway_proc --port P --opa-url URL --upstream URL --audit-db PATH [--workers N] PACK...
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from packgate.runtime.process import GatewayOptions, configure_logging, run_gateway, run_workers


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("packs", nargs="+", type=Path)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--opa-url", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--audit-db", type=Path, required=True)
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args()
    configure_logging(False)
    logging.getLogger("packgate").setLevel(logging.ERROR)  # the stand-in warning on every start
    opts = GatewayOptions(packs=a.packs, port=a.port, opa_url=a.opa_url, audit_db=a.audit_db,
                          standin_url=a.upstream, watch=False, workers=a.workers)
    if a.workers > 1:
        run_workers(opts)
    else:
        run_gateway(opts)


if __name__ == "__main__":
    main()
