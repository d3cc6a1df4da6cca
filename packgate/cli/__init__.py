"""The `packgate` command. The Typer app is `packgate.cli.app.app`; `main` runs it so that a user
never sees a Python traceback: every failure is one `packgate: ...` line and an `ExitCode`.

The command modules (and through them the compiler, the gateway and the redaction engine) are
imported when `main` runs, not when this package is imported, so a half-installed packgate (a file
of the package or a dependency missing) stops with a clear message instead of a traceback.
"""

from __future__ import annotations

import os
import sys

from .errors import ExitCode

__all__ = ["ExitCode", "main"]


def _run() -> None:
    from .app import app  # every command module, and everything they use

    app()


def main() -> None:
    try:
        _run()
    except KeyboardInterrupt:
        sys.exit(ExitCode.INTERRUPTED)
    except SystemExit:
        raise
    except ImportError as exc:  # stop, naming what is missing; never run with a part of packgate absent
        missing = exc.name or str(exc)
        print(f"packgate: install incomplete: cannot import {missing}; reinstall packgate "
              "(`make setup`, or pip install -e . in the source tree)", file=sys.stderr)
        if os.environ.get("PACKGATE_DEBUG") == "1":
            raise
        sys.exit(ExitCode.INCOMPLETE_INSTALL)
    except Exception as exc:  # never a traceback; never the exception text (it may hold PHI)
        print(f"packgate: internal error ({type(exc).__name__}); rerun with PACKGATE_DEBUG=1 for details",
              file=sys.stderr)
        if os.environ.get("PACKGATE_DEBUG") == "1":
            raise
        sys.exit(ExitCode.INTERNAL)
