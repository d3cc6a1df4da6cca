"""The `packgate` Typer app: one Typer per command group, mounted here and nowhere else.

Groups without a name put their commands at the top level
(`packgate init|lint|build|test|schema|explain|diff|review|redact|demo|standin`); named groups are
`packgate gateway|bundle|events|escalations ...`.
"""

from __future__ import annotations

import typer

from . import build, bundle, demo, escalations, events, gateway, governance, init, redact, standin

__all__ = ["app"]

app = typer.Typer(
    name="packgate",
    help="Policy packs for clinical AI: compile to OPA bundles, serve the gateway, read the audit log.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for group in (init.app, build.app, redact.app, governance.app, gateway.app, bundle.app, demo.app, standin.app,
              events.app, escalations.app):
    app.add_typer(group)
