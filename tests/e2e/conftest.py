"""Fixtures of the cross-cutting suites: an OPA and a stand-in of their own (tests here kill, freeze
and restart them), and the gateway in its own process (`tests.harness.GatewayProc.serve`) in front of
them. The bundle is the session's (tests/harness/fixtures.py)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from packgate.runtime.demo.standin import StandinModel

from tests.harness import JWT_SECRET, PACK_FILES, GatewayProc, OpaProcess, free_port, is_serving, start_standin


@pytest.fixture(scope="session")
def rel_opa(bundle: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpaProcess]:
    """A real OPA of our own (tests here kill, freeze and restart it)."""
    log = tmp_path_factory.mktemp("rel-opa") / "opa.log"
    proc = OpaProcess(Path(bundle.bundle_dir), free_port(), bundle=True, log_path=log).start()
    yield proc
    if proc.proc is not None and proc.proc.poll() is None:
        proc.proc.send_signal(signal.SIGCONT)
    proc.stop()


@pytest.fixture(scope="session")
def rel_standin() -> Iterator[StandinModel]:
    model = start_standin(StandinModel())
    yield model
    model.stop()


def serve(work: Path, opa: OpaProcess, standin: StandinModel, **kw: Any) -> GatewayProc:
    return GatewayProc.serve(work, opa.url, standin.url, PACK_FILES, **kw,
                             env={"PACKGATE_JWT_SECRET": JWT_SECRET, "PACKGATE_AUDIT_HMAC_KEY": "reliability-hmac"})


@pytest.fixture(scope="session")
def gw_proc(rel_opa: OpaProcess, rel_standin: StandinModel,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProc]:
    proc = serve(tmp_path_factory.mktemp("gw-proc"), rel_opa, rel_standin)
    yield proc
    proc.stop()


@pytest.fixture()
def live(gw_proc: GatewayProc, rel_opa: OpaProcess, rel_standin: StandinModel) -> Iterator[GatewayProc]:
    """The gateway process with OPA up, the stand-in up and reset (a fault test may have stopped them)."""
    if rel_opa.proc is None:
        rel_opa.start()
    if not is_serving(rel_standin):
        start_standin(rel_standin, rel_standin.port)
    rel_standin.reset()
    assert gw_proc.proc.poll() is None, gw_proc.err.text()[-3000:]
    yield gw_proc
