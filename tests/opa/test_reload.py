"""Hot reload at the OPA level: compile -> publish -> OPA activates -> routes swapped, in that order."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest

from packgate.runtime.opa.bundle_server import BundleServer
from packgate.runtime.opa.server import EmbeddedOpa, active_revision
from packgate.runtime.opa.reload import Reloader

INFO = "/v1/data/packgate/packs/behavioral_health_review_route/info"


@pytest.fixture
def stack(pack_copy: Path, tmp_path: Path):
    """Bundle server + reloader (real compiler) + embedded OPA; `installed` records each swap."""
    server = BundleServer().start()
    installed: list[tuple[str, str | None]] = []
    holder: dict[str, EmbeddedOpa] = {}

    def install(result) -> None:  # must only run once OPA already answers with the new bundle
        installed.append((result.revision, active_revision(holder["opa"].url)))

    reloader = Reloader([pack_copy], tmp_path / "work", opa_url=lambda: holder["opa"].url,
                        publish=server.publish, install=install,
                        opa_errors=lambda: holder["opa"].bundle_errors())
    reloader.initial()
    holder["opa"] = EmbeddedOpa(server.url, server.token, run_dir=tmp_path).start()
    yield reloader, holder["opa"], installed
    holder["opa"].stop()
    server.close()


def _version(url: str, client: httpx.Client) -> str:
    r = client.get(url + INFO)
    r.raise_for_status()
    return r.json()["result"]["version"]


def test_edit_reloads_without_a_failed_decision(stack, pack_copy: Path) -> None:
    reloader, opa, installed = stack
    first = reloader.current.revision
    seen: list[str] = []
    failures: list[str] = []
    stop = threading.Event()

    def client_loop() -> None:
        with httpx.Client(timeout=2.0) as client:
            while not stop.is_set():
                try:
                    seen.append(_version(opa.url, client))
                except Exception as exc:  # noqa: BLE001 - every failure counts
                    failures.append(repr(exc))

    async def run() -> None:
        stop_watch = asyncio.Event()
        watcher = asyncio.create_task(reloader.watch(stop_watch, debounce_ms=50))
        await asyncio.sleep(0.5)  # the watcher is armed
        pack_copy.write_text(pack_copy.read_text().replace("version: 1.0.0", "version: 1.1.0"))
        deadline = time.monotonic() + 10
        while reloader.reloads == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        stop_watch.set()
        await watcher

    t = threading.Thread(target=client_loop)
    t.start()
    try:
        asyncio.run(run())
    finally:
        stop.set()
        t.join()
    assert failures == []
    assert seen[0] == "1.0.0" and seen[-1] == "1.1.0"
    assert seen.index("1.1.0") > 0 and "1.0.0" not in seen[seen.index("1.1.0"):]  # no flapping
    new = reloader.current.revision
    assert new != first and installed == [(new, new)]  # swapped only once OPA ran it
    assert active_revision(opa.url) == new


def test_bundle_opa_rejects_is_rolled_back(stack, pack_copy: Path, tmp_path: Path) -> None:
    """If OPA refuses a bundle the compiler accepted, the last good one is republished."""
    reloader, opa, installed = stack
    good = reloader.current.revision
    real_build = reloader._build

    def bad_build(paths, out):
        result = real_build(paths, out)
        (Path(result.bundle_dir) / "packgate" / "lib" / "broken.rego").write_text("package packgate.lib.x\n\nx := {\n")
        result.revision = "broken-" + result.revision[:8]
        return result

    reloader._build = bad_build
    reloader.activation_timeout = 1.5
    pack_copy.write_text(pack_copy.read_text().replace("version: 1.0.0", "version: 9.9.9"))
    outcome = reloader.reload()
    assert not outcome.ok and outcome.revision == good
    assert active_revision(opa.url) == good and installed == []
    time.sleep(0.5)
    assert active_revision(opa.url) == good
