"""`packgate bundle serve` and `gateway run --bundle-url` refuse a fleet set-up that cannot work,
with one line each, before anything starts."""

from __future__ import annotations

import pytest

from tests.harness import SEED_PACK, run_cli


def test_bundle_serve_needs_the_token_and_the_packs(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("PACKGATE_BUNDLE_TOKEN", raising=False)
    r = run_cli("bundle", "serve", str(SEED_PACK), "--port", "0")
    assert r.returncode == 1 and r.stderr.strip() == (
        "packgate: set $PACKGATE_BUNDLE_TOKEN: the replicas' OPAs present it as a bearer token")
    monkeypatch.setenv("PACKGATE_BUNDLE_TOKEN", "t")
    r = run_cli("bundle", "serve", str(tmp_path / "missing.yaml"), "--port", "0")
    assert r.returncode == 1 and "pack not found" in r.stderr


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--bundle-url", "http://127.0.0.1:1"], {}, "needs the bundle service's token in $PACKGATE_BUNDLE_TOKEN"),
    (["--bundle-url", "ftp://x"], {"PACKGATE_BUNDLE_TOKEN": "t"}, "--bundle-url must be an http(s) URL"),
    (["--bundle-url", "http://x", "--opa-url", "http://y"], {}, "an --opa-url OPA pulls bundles from its own config"),
])
def test_gateway_run_refuses_a_replica_set_up_that_cannot_work(monkeypatch, args, env, message) -> None:
    monkeypatch.delenv("PACKGATE_BUNDLE_TOKEN", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    r = run_cli("gateway", "run", "--pack", str(SEED_PACK), *args)
    assert r.returncode == 1 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1
