"""`packgate bundle serve --sign KEY`: every replica's OPA verifies the fleet's bundle with OPA's own
bundle signing; a replica holding another key refuses to start (one line, no traceback)."""

from __future__ import annotations

import os
import subprocess

import httpx
import pytest

from packgate.runtime.demo.standin import StandinModel

from tests.harness import CLINICIAN, PACK_FILES, PACKGATE, GatewayProc, Output, forwarded_ids, key_pair, start_standin
from tests.harness.net import ROOT

from .conftest import ENV, start_replica


@pytest.fixture(scope="module")
def signed(pg_server, tmp_path_factory):
    work = tmp_path_factory.mktemp("signed")
    signer, signer_pub = key_pair(work, "signer")
    _, other_pub = key_pair(work, "other")
    paths = {"key": signer, "pub": signer_pub, "other": other_pub}
    proc = subprocess.Popen([*PACKGATE, "bundle", "serve", *map(str, PACK_FILES), "--port", "0",
                             "--sign", str(paths["key"]), "--key-id", "fleet-signer"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **ENV}, cwd=work)
    out = Output(proc.stdout)
    err = Output(proc.stderr)
    try:
        url = out.wait_for(r"serving (http://\S+)/bundle\.tar\.gz", 120, proc).group(1)
    except AssertionError:
        raise AssertionError(err.text()) from None
    assert "signed, key id fleet-signer" in out.text()
    yield url, paths, work
    proc.terminate()
    proc.wait(20)


def test_a_replica_with_the_signers_key_serves(signed, pg_server, tmp_path) -> None:
    url, paths, _ = signed
    standin = start_standin(StandinModel())
    try:
        replica = start_replica(url, standin.url, pg_server.new_database(), list(PACK_FILES), tmp_path / "signed",
                                "--verification-key", str(paths["pub"]), "--verification-key-id", "fleet-signer")
        with replica.client() as c:
            r = c.post("/v1/chat/completions", headers={**CLINICIAN, "X-User-ID": "signed-1"},
                       json={"model": "primary-model", "messages": [{"role": "user", "content": "req signed-1 hi"}]})
        assert r.status_code == 200 and forwarded_ids(standin)["signed-1"] == 1
        replica.stop()
    finally:
        standin.stop()


def test_a_replica_with_another_key_refuses_to_start(signed, pg_server, tmp_path) -> None:
    url, paths, _ = signed
    args = ["--bundle-url", url, "--audit-db", pg_server.new_database(), "--verification-key", str(paths["other"]),
            "--verification-key-id", "fleet-signer"]
    for p in PACK_FILES:
        args += ["--pack", str(p)]
    with pytest.raises(AssertionError) as info:
        GatewayProc.cli(*args, env=ENV, cwd=tmp_path)
    text = str(info.value)
    assert "packgate: opa refused the bundle" in text and "Traceback" not in text
    assert httpx.get(url + "/bundle.tar.gz", timeout=5).status_code == 401  # and the service wants the token
