"""Hot reload: pack file changed -> new bundle -> OPA activates it -> the gateway swaps its routes.

Order matters, and is what makes a reload drop no request:
1. compile into a NEW directory (the active bundle is never touched; a pack that no longer compiles
   is logged as `file:line:col: error: ...` and the last good bundle stays);
2. publish it to the bundle server; OPA (long polling) downloads it and activates it atomically —
   each decision is evaluated wholly against the old policy or wholly against the new one;
3. wait until OPA reports the new revision active (`data.system.bundles.packgate.manifest.revision`);
   if it never does (OPA rejected the bundle), republish the last good one and keep the old routes;
4. only then swap the gateway's route table (pack version, bundle revision): one assignment.

Between 2 and 4 (a few milliseconds) a request may be decided by the new policy while its audit event
still names the old revision. A renamed pack (new Rego package) would answer 503 in that window, as
its old package is gone from OPA before the gateway routes to the new one.

A *follower* (a uvicorn worker when `--workers N` > 1) compiles the same files but does not publish;
it swaps its own routes once OPA shows the same revision, which the leader published — the compiler
is deterministic (revision = content hash), so every process converges on the same bundle.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .server import active_etag, active_revision

log = logging.getLogger("packgate.reload")

Publish = Callable[[Path, str], Any]
Install = Callable[[Any], None]
KEEP_BUILDS = 3


@dataclass
class ReloadOutcome:
    ok: bool
    revision: str | None = None
    changed: bool = False
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _same_bundle(a: Any, b: Any) -> bool:
    """Byte for byte the same bundle files (a re-signed, re-approved or changed bundle is not)."""
    return _digest(Path(a.bundle_dir)) == _digest(Path(b.bundle_dir))


def _digest(bundle_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in bundle_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(bundle_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def prebuilt(bundle: Path) -> Callable[[Sequence[Path], Path], Any]:
    """A `build` that serves a bundle built (and signed) elsewhere, e.g. by `packgate build --sign`.

    The packs are still compiled, for the gateway's routes and to check that the bundle was built
    from exactly these pack files (their `source_sha256` in its manifest); the bundle itself is
    copied as it is (a snapshot: OPA's signature check sees the bytes on disk, changed or not).
    """
    bundle = Path(bundle)

    def build(paths: Sequence[Path], out_dir: Path) -> Any:
        import json

        from packgate.compiler.build import build_bundle
        from packgate.compiler.diagnostics import Diagnostic, PackError

        result = build_bundle([str(p) for p in paths], out_dir)
        where = str(bundle / ".manifest")
        try:
            manifest = json.loads((bundle / ".manifest").read_text(encoding="utf-8"))
            recorded, revision = manifest["metadata"]["packs"], manifest["revision"]
            sources = {name: entry.get("source_sha256") for name, entry in recorded.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PackError([Diagnostic(where, 1, 1, "error", f"not a packgate bundle ({type(exc).__name__}); "
                                                                "build it with `packgate build --sign`")]) from None
        ours = {p.name: p.loaded.sha256 for p in result.packs}
        if sources != ours or not isinstance(revision, str):
            differ = sorted(n for n in set(sources) | set(ours) if sources.get(n) != ours.get(n))
            raise PackError([Diagnostic(where, 1, 1, "error", f"bundle was not built from these pack files "
                                        f"({', '.join(differ)} differ); rebuild and sign it with `packgate build --sign`")])
        shutil.rmtree(out_dir)
        shutil.copytree(bundle, out_dir)
        result.bundle_dir, result.revision = Path(out_dir), revision
        return result

    return build


def activation_facts(result: Any) -> dict[str, Any]:
    """What an activation event records of a bundle: revision, packs, signer, approver and ticket.

    The signer is the `keyid` claim of the signature OPA verified (None: an unsigned bundle, served
    without a verification key); approver and ticket come from the manifest (`build --approved-by`).
    """
    import json

    from packgate.compiler.signing import signature_claims

    bundle = Path(result.bundle_dir)
    try:
        metadata = json.loads((bundle / ".manifest").read_text(encoding="utf-8")).get("metadata") or {}
    except (OSError, ValueError, AttributeError):
        metadata = {}
    approval = metadata.get("approval") if isinstance(metadata.get("approval"), dict) else {}
    claims = signature_claims(bundle) or {}
    keyid = claims.get("keyid")
    return {
        "revision": result.revision,
        "packs": {p.name: p.version for p in result.packs},
        "signer": keyid if isinstance(keyid, str) else None,
        "approved_by": approval.get("approved_by"),
        "ticket": approval.get("ticket"),
    }


def _default_build(paths: Sequence[Path], out_dir: Path) -> Any:
    from packgate.compiler.build import build_bundle  # the compiler is imported only when used

    return build_bundle([str(p) for p in paths], out_dir)


class Reloader:
    """Owns the current `BuildResult` and moves OPA and the gateway to a new one, or not at all."""

    def __init__(self, pack_paths: Sequence[Path], work_dir: Path, *,
                 opa_url: Callable[[], str] | str | None = None,
                 publish: Publish | None = None,
                 install: Install | None = None,
                 build: Callable[[Sequence[Path], Path], Any] = _default_build,
                 opa_errors: Callable[[], list[str]] | None = None,
                 opa_error_count: Callable[[], int] | None = None,
                 on_activate: Callable[[Any, Any], None] | None = None,
                 on_reject: Callable[[Any, list[str]], None] | None = None,
                 watch_trees: Sequence[Path] = (),
                 activation_timeout: float = 10.0, quiet: bool = False) -> None:
        self.pack_paths = [Path(p).resolve() for p in pack_paths]
        self.work_dir = Path(work_dir)
        self._opa_url = opa_url
        self._publish = publish
        self._install = install
        self._build = build
        self._opa_errors = opa_errors
        self._opa_error_count = opa_error_count
        self._on_activate = on_activate  # (result, previous): after OPA and the routes switched
        self._on_reject = on_reject      # (result or None, errors): a new bundle was not activated
        self.watch_trees = [Path(p).resolve() for p in watch_trees]
        self.problems: list[str] = []    # why the packs on disk are not what is serving (empty: they are)
        self.activation_timeout = activation_timeout
        self._log = log.debug if quiet else log.error  # followers: the leader already said it
        self._info = log.debug if quiet else log.info
        self.current: Any = None
        self.reloads = 0
        self._serial = 0
        self._lock = threading.Lock()  # one reload at a time, whoever triggers it

    @property
    def opa_url(self) -> str | None:
        return self._opa_url() if callable(self._opa_url) else self._opa_url

    def _next_dir(self) -> Path:
        self._serial += 1
        return self.work_dir / f"build-{self._serial:04d}"

    def initial(self) -> Any:
        """First compile (PackError propagates: the gateway does not start on a broken pack)."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        result = self._build(self.pack_paths, self._next_dir())
        if self._publish is not None:
            self._publish(Path(result.bundle_dir), result.revision)
        self.current = result
        return result

    def reload(self) -> ReloadOutcome:
        """Recompile and switch, synchronously (run it off the event loop)."""
        with self._lock:
            return self._reload()

    def _reload(self) -> ReloadOutcome:
        from packgate.compiler.diagnostics import PackError

        started = time.monotonic()
        try:
            result = self._build(self.pack_paths, self._next_dir())
        except PackError as exc:
            errors = [str(d) for d in exc.diagnostics]
            for line in errors:
                self._log("%s", line)
            self._log("reload: packs do not compile; still serving revision %s", self._rev())
            return self._failed(None, errors, started)
        except Exception as exc:  # a compiler bug must not take the gateway down
            self._log("reload: compiler failed (%s); still serving revision %s",
                      type(exc).__name__, self._rev())
            return self._failed(None, [type(exc).__name__], started)

        if self.current is not None and _same_bundle(result, self.current):
            shutil.rmtree(result.bundle_dir, ignore_errors=True)
            self.problems = []
            return ReloadOutcome(True, result.revision, changed=False,
                                 seconds=time.monotonic() - started)

        seen = self._opa_error_count() if self._opa_error_count else 0
        published = None
        if self._publish is not None:
            published = self._publish(Path(result.bundle_dir), result.revision)
        etag = getattr(published, "etag", None)
        if self.opa_url is not None and not self._await_revision(result.revision, seen, etag):
            errors = self._opa_errors()[-1:] if self._opa_errors else []
            self._log("reload: OPA did not activate revision %s%s; still serving %s",
                      result.revision, f" ({errors[0]})" if errors else "", self._rev())
            if self._publish is not None and self.current is not None:  # stop OPA retrying it
                self._publish(Path(self.current.bundle_dir), self.current.revision)
            return self._failed(result, [f"opa refused revision {result.revision}: {e}" for e in errors]
                                or [f"opa did not activate revision {result.revision} (timeout)"], started)

        if self._install is not None:
            self._install(result)
        previous, self.current = self.current, result
        self.problems = []
        self.reloads += 1
        if self._on_activate is not None:
            self._on_activate(result, previous)
        self._prune()
        took = time.monotonic() - started
        packs = ", ".join(f"{p.name} {p.version}" for p in result.packs)
        self._info("reloaded: %s (revision %s, from %s) in %.0f ms", packs, result.revision,
                   getattr(previous, "revision", "-"), took * 1000)
        return ReloadOutcome(True, result.revision, changed=True, seconds=took)

    def _failed(self, result: Any, errors: list[str], started: float) -> ReloadOutcome:
        self.problems = list(errors)
        if self._on_reject is not None:
            self._on_reject(result, errors)
        return ReloadOutcome(False, self._rev(), errors=errors, seconds=time.monotonic() - started)

    def _rev(self) -> str | None:
        return getattr(self.current, "revision", None)

    def _await_revision(self, revision: str, seen_errors: int = 0, etag: str | None = None) -> bool:
        """True once OPA runs `revision` (the download with `etag`, when we published one); False on
        timeout, or as soon as OPA logs a bundle error (a signature it refuses, a bundle it cannot parse)."""
        deadline = time.monotonic() + self.activation_timeout
        url = self.opa_url
        assert url is not None

        def active(client: httpx.Client) -> bool:
            if etag is not None:
                return active_etag(url, client) == etag
            return active_revision(url, client) == revision

        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if active(client):
                    return True
                if self._opa_error_count is not None and self._opa_error_count() > seen_errors:
                    return active(client)
                time.sleep(0.01)
        return False

    def _prune(self) -> None:
        """Keep the newest builds only (the active one, and one to roll back to)."""
        keep = {Path(self.current.bundle_dir).resolve()}
        builds = sorted(self.work_dir.glob("build-*"))
        for old in builds[:-KEEP_BUILDS]:
            if old.resolve() not in keep:
                shutil.rmtree(old, ignore_errors=True)

    async def watch(self, stop: asyncio.Event | None = None, debounce_ms: int = 200) -> None:
        """Reload whenever one of the pack files changes (editors that save by rename included)."""
        from watchfiles import awatch

        targets = {str(p) for p in self.pack_paths}
        trees = self.watch_trees
        dirs = sorted({str(p.parent) for p in self.pack_paths} | {str(t) for t in trees})

        def wanted(_change: Any, path: str) -> bool:
            resolved = Path(path).resolve()
            return str(resolved) in targets or any(resolved.is_relative_to(t) for t in trees)

        async def catch_up() -> None:
            # An edit made between the first compile and the watcher being armed would otherwise
            # go unnoticed until the next one; a reload of unchanged packs is a cheap no-op.
            await asyncio.sleep(0.5)
            await asyncio.to_thread(self.reload)

        first = asyncio.create_task(catch_up())
        try:
            async for _changes in awatch(*dirs, watch_filter=wanted, debounce=debounce_ms, step=50,
                                         stop_event=stop, recursive=bool(trees)):
                await asyncio.to_thread(self.reload)
        finally:
            first.cancel()
