"""The pre-scan and the input redaction, kept off the event loop when they are big.

The detector engine is Python around a Rust core (`native/`; the Python detectors for text that is not
ASCII, RE2 for pack patterns). Measured when it was all Python, with ~1 MiB of spaced digits: a scan in a
thread left the loop's ticks late by 6 ms at p50 and 35 ms at p99 (it held the GIL; every await of every
other request paid that), a scan in a worker process by 0.1 ms and 13 ms. The Rust scan releases the GIL,
but the Python path and the redaction still hold it, so:

- a request whose strings total at most `inline_chars` characters (a normal prompt: a 2 KB note scans
  in about 0.2 ms on the Rust core, 1.2 ms on the Python detectors; less than a round trip to a worker)
  is scanned on the loop;
- a bigger one is scanned, and later redacted, in a worker process (`ProcessPoolExecutor`, spawn
  context, `workers` processes; jobs beyond that wait in the pool's queue, never on the loop).

Findings cross the process boundary as plain tuples (`Found`), never as `Finding` objects: pickling
130,000 dataclass findings took ~1 s each way, tuples ~0.1 s. The worker scans with the route's own
`Engine`: it is pickled once per route (~0.9 MB, lexicons included; RE2 patterns pickle too), the
bytes ride along with every job (a memory copy beside up to 1 MiB of text), and each worker unpickles
them once per hash and keeps the engine — so the worker cannot drift from what the route was built
with. An engine that cannot be pickled (an NER callable, say) is scanned inline, with a warning.

A worker that dies or cannot scan fails the request closed (503 `scanner_unavailable`, nothing
forwarded); the pool is replaced for the next request.

`scan_slots` is the single place where the request's slot strings are scanned (see the marked line):
an engine API that scans several strings as one (values split across messages or parts) replaces
that one call, for both the inline and the worker path.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import pickle
import weakref
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from packgate.runtime.redaction import Engine, RedactionSession
from packgate.runtime.redaction.findings import Plain
from packgate.runtime.wire.errors import GatewayError

__all__ = ["Found", "Scan", "Scanner", "scan_slots", "redact_slots"]

log = logging.getLogger("packgate.gateway")

Found = Plain  # Finding fields: policy, category, start, end, confidence, detector


@dataclass(frozen=True)
class Scan:
    """Per slot, its findings (as tuples); `counts` is the OPA input `findings` (no values, no spans).

    An offloaded scan keeps its findings as the worker pickled them (`bytes`): the gateway never
    looks inside, it hands them back for redaction — so the event loop never unpickles 100,000 tuples
    (~0.1 s holding the GIL), it copies bytes."""

    findings: list[list[Found]] | bytes
    counts: list[dict[str, object]]
    offloaded: bool


# --- the work itself: the same functions inline and in a worker ----------------------------------------


def scan_slots(engine: Engine, texts: Sequence[str]) -> tuple[list[list[Found]], list[dict[str, object]]]:
    """Findings for every slot string of a request, in slot order, and their counts for OPA."""
    # The slots are scanned as one text (a value split across two messages or two content parts is
    # found) and each slot gets the findings for its own fragment.
    return engine.scan_many_plain(texts)


def redact_slots(engine: Engine, texts: Sequence[str], findings: Sequence[Sequence[Found]],
                 transforms: list[dict[str, Any]], session: RedactionSession
                 ) -> tuple[dict[int, str], list[str], RedactionSession]:
    """OPA's redact transforms over every slot with findings: {slot index: new text}, the category of
    each redacted span (for the audit event's counts), and the session (its tokens, for restore)."""
    named = {(t.get("policy"), c) for t in transforms for c in t.get("categories") or []}
    rewritten: dict[int, str] = {}
    categories: list[str] = []
    for i, found in enumerate(findings):
        if not found:
            continue
        rewritten[i] = engine.redact_plain(texts[i], found, transforms, session).text
        categories.extend(cat for _, _, cat in {(f[2], f[3], f[1]) for f in found if (f[0], f[1]) in named})
    return rewritten, categories, session


# --- worker side ---------------------------------------------------------------------------------------

_ENGINES: dict[str, Engine] = {}


def _engine(key: str, blob: bytes) -> Engine:
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = pickle.loads(blob)
    return engine


def _warm() -> bool:
    return True  # the process is spawned and this module (with the redaction package) imported


def _scan_job(key: str, blob: bytes, texts: list[str]) -> tuple[bytes, list[dict[str, object]]]:
    found, counts = scan_slots(_engine(key, blob), texts)
    return pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL), counts


def _redact_job(key: str, blob: bytes, texts: list[str], findings: bytes,
                transforms: list[dict[str, Any]], session: RedactionSession
                ) -> tuple[dict[int, str], list[str], RedactionSession]:
    return redact_slots(_engine(key, blob), texts, pickle.loads(findings), transforms, session)


# --- gateway side --------------------------------------------------------------------------------------


class Scanner:
    """Runs `scan_slots` / `redact_slots` inline for small requests, in worker processes for big ones."""

    def __init__(self, workers: int = 1, inline_chars: int = 4096) -> None:
        self.workers = max(1, workers)
        self.inline_chars = inline_chars
        self.busy = 0  # jobs in worker processes right now
        self._pool: ProcessPoolExecutor | None = None
        self._packs: weakref.WeakKeyDictionary[Engine, tuple[str, bytes] | None] = weakref.WeakKeyDictionary()

    def start(self) -> None:
        """Start the worker processes (spawned in the background). Called on the first big request: a
        gateway that never sees one never pays for the processes (~200 MB each once they hold engines)."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            for _ in range(self.workers):
                self._pool.submit(_warm)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def offloads(self, texts: Sequence[str]) -> bool:
        """True when these strings are scanned off the loop (their scan costs more than a round trip)."""
        return sum(map(len, texts)) > self.inline_chars

    def _pack(self, route: Any) -> tuple[str, bytes] | None:
        """The route's engine as (hash, pickled bytes), made once per engine; None if it cannot be pickled."""
        if route.engine in self._packs:
            return self._packs[route.engine]
        try:
            blob = pickle.dumps(route.engine)
            entry: tuple[str, bytes] | None = (hashlib.sha256(blob).hexdigest(), blob)
        except Exception:  # noqa: BLE001 - e.g. an NER model object
            log.warning("the detector engine of route %s cannot be sent to a worker; scanning it inline", route.name)
            entry = None
        self._packs[route.engine] = entry
        return entry

    async def _run(self, fn: Any, *args: Any) -> Any:
        if self._pool is None:
            self.start()
        assert self._pool is not None
        self.busy += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)
        except BrokenProcessPool:
            log.error("scan worker died; replacing the pool")
            self.close()
            raise GatewayError(503, "scanner_unavailable", "the PHI scanner is unavailable; nothing was forwarded",
                               verdict="internal_error") from None
        finally:
            self.busy -= 1

    async def scan(self, route: Any, texts: list[str]) -> Scan:
        packed = self._pack(route) if self.offloads(texts) else None
        if packed is None:
            found, counts = scan_slots(route.engine, texts)
            return Scan(found, counts, offloaded=False)
        found, counts = await self._run(_scan_job, *packed, texts)
        return Scan(found, counts, offloaded=True)

    async def redact(self, route: Any, texts: list[str], scan: Scan, transforms: list[dict[str, Any]],
                     session: RedactionSession) -> tuple[dict[int, str], list[str], RedactionSession]:
        packed = self._pack(route) if scan.offloaded else None
        if packed is None or not isinstance(scan.findings, bytes):
            found = pickle.loads(scan.findings) if isinstance(scan.findings, bytes) else scan.findings
            return redact_slots(route.engine, texts, found, transforms, session)
        return await self._run(_redact_job, *packed, texts, scan.findings, transforms, session)

