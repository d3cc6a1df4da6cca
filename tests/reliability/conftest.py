"""Fixtures: the gateway tests' compiled bundle in a real OPA, a restartable stand-in model, and the
gateway in its own process (see harness.py). The in-process gateway fixtures of tests/gateway are
re-exported for the hostile-input tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from packgate.runtime.demo.standin import StandinModel

from tests.gateway.conftest import bundle, gateway, gw, http, opa, standin_server  # noqa: F401 - fixtures
from tests.gateway.procs import OpaProcess, free_port

from .harness import GatewayProc, start_gateway, start_standin


@pytest.fixture(scope="session")
def rel_opa(bundle: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpaProcess]:  # noqa: F811
    """A real OPA of our own (tests here kill, freeze and restart it)."""
    log = tmp_path_factory.mktemp("rel-opa") / "opa.log"
    proc = OpaProcess(Path(bundle.bundle_dir), free_port(), bundle=True, log_path=log).start()
    yield proc
    if proc.proc is not None and proc.proc.poll() is None:
        import signal

        proc.proc.send_signal(signal.SIGCONT)
    proc.stop()


@pytest.fixture(scope="session")
def rel_standin() -> Iterator[StandinModel]:
    model = start_standin(StandinModel())
    yield model
    model.stop()


@pytest.fixture(scope="session")
def gw_proc(rel_opa: OpaProcess, rel_standin: StandinModel,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProc]:
    proc = start_gateway(tmp_path_factory.mktemp("gw-proc"), rel_opa.url, rel_standin.url)
    yield proc
    proc.stop()


@pytest.fixture()
def live(gw_proc: GatewayProc, rel_opa: OpaProcess, rel_standin: StandinModel) -> Iterator[GatewayProc]:
    """The gateway process with OPA up, the stand-in up and reset (a fault test may have stopped them)."""
    if rel_opa.proc is None:
        rel_opa.start()
    if rel_standin.server is None or not rel_standin.server.started or rel_standin.server.should_exit:
        start_standin(rel_standin, rel_standin.port)
    rel_standin.reset()
    assert gw_proc.proc.poll() is None, gw_proc.log.read_text()[-3000:]
    yield gw_proc
