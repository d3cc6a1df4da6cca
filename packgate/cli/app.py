"""The `packgate` Typer app: one Typer per command group, mounted here and nowhere else.

Groups without a name (`build`, `redact`, `demo`) put their commands at the top level
(`packgate lint|build|test|schema|redact|demo`); named groups are `packgate gateway|bundle|events|escalations ...`.
"""

from __future__ import annotations

import typer

from . import build, bundle, demo, escalations, events, gateway, redact

__all__ = ["app"]

app = typer.Typer(
    name="packgate",
    help="Policy packs for clinical AI: compile to OPA bundles, serve the gateway, read the audit log.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for group in (build.app, redact.app, gateway.app, bundle.app, demo.app, events.app, escalations.app):
    app.add_typer(group)
