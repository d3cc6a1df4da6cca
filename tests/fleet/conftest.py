"""A fleet on real parts: one PostgreSQL (the session's), one `packgate bundle serve`, three gateway
replicas (`tests.harness.serve --bundle-url`: the Supervisor as `gateway run` assembles it, with
embedded OPAs pulling the bundle service), targets answered by the stand-in. Started once per module."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from packgate.runtime.demo.standin import StandinModel

from tests.harness import JWT_SECRET, PACK_FILES, PACKGATE, GatewayProc, Output, start_standin, wait_http
from tests.harness.net import ROOT
from tests.harness.stack import REVIEW_KEY

TOKEN = "fleet-test-bundle-token"
ENV = {"PACKGATE_JWT_SECRET": JWT_SECRET, "PACKGATE_AUDIT_HMAC_KEY": "fleet-hmac", "PACKGATE_BUNDLE_TOKEN": TOKEN,
       "PACKGATE_REVIEW_KEY": REVIEW_KEY}  # the seed pack holds answers for review: every replica has the key


def start_replica(bundles_url: str, standin_url: str, db: str, packs: list[Path], logs: Path,
                  *extra: str) -> GatewayProc:
    """One replica (`tests.harness.serve --bundle-url`), healthy; its output under `logs`."""
    cmd = [*PACKGATE[:1], "-m", "tests.harness.serve", "--port", "0", "--bundle-url", bundles_url,
           "--standin-url", standin_url, "--audit-db", db, *extra]
    for p in packs:
        cmd += ["--pack", str(p)]
    proc = GatewayProc(cmd, env=ENV, cwd=logs.parent, logs=logs, timeout=120)
    wait_http(f"{proc.url}/health", 60)
    return proc


@dataclass
class Fleet:
    db: str
    packs: list[Path]
    bundles: subprocess.Popen[str]
    bundles_url: str
    bundles_out: Output
    replicas: list[GatewayProc]
    standin: StandinModel
    work: Path

    def start_replica(self, name: str) -> GatewayProc:
        return start_replica(self.bundles_url, self.standin.url, self.db, self.packs, self.work / name)

    def urls(self) -> list[str]:
        return [r.url for r in self.replicas]


@pytest.fixture(scope="module")
def fleet(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    work = tmp_path_factory.mktemp("fleet")
    packs = []
    for p in PACK_FILES:
        packs.append(work / p.name)
        shutil.copy(p, packs[-1])
    if not pg_server.running():
        pg_server.start()
    db = pg_server.new_database()
    standin = start_standin(StandinModel())
    bundles = subprocess.Popen([*PACKGATE, "bundle", "serve", *map(str, packs), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                               env={**__import__("os").environ, "PYTHONPATH": str(ROOT), **ENV}, cwd=work)
    out = Output(bundles.stdout)
    Output(bundles.stderr)
    url = out.wait_for(r"serving (http://\S+)/bundle\.tar\.gz", 120, bundles).group(1)
    fleet = Fleet(db, packs, bundles, url, out, [], standin, work)
    try:
        for i in range(3):
            fleet.replicas.append(fleet.start_replica(f"replica-{i}"))
        yield fleet
    finally:
        for r in fleet.replicas:
            r.stop()
        bundles.terminate()
        bundles.wait(20)
        standin.stop()
