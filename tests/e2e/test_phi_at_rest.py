"""PHI at rest: the redaction evaluation corpus (bench/redaction/corpus.py, seeded) goes through the
real `packgate gateway run` (embedded OPA, console decision logging ON, stdout/stderr captured to
files), then every byte the system wrote — audit database + WAL + SHM (events and escalation rows),
gateway stdout (banner and OPA's decision log) and stderr — is scanned for every planted identifier.

A positive control proves the scan sees what it should: a marker sent as the user id must be found
in the audit db and in OPA's decision log.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import httpx

from packgate.runtime.demo.standin import StandinModel

from bench.redaction.corpus import build
from tests.harness import PACKS_DIR, SEED_PACK, GatewayProc, start_standin, wait_http


def planted(examples) -> set[str]:
    """Identifiers long and distinctive enough that a hit cannot be a coincidence (hex hashes, UUIDs,
    timestamps and latencies are full of short digit runs)."""
    out = set()
    for ex in examples:
        for s, e, _cat in ex.spans:
            v = ex.text[s:e].strip()
            if len(v) >= 6 and not (re.fullmatch(r"[\d\s.:/-]+", v) and len(re.sub(r"\D", "", v)) < 9):
                out.add(v)
    return out


def test_no_planted_identifier_at_rest(tmp_path: Path) -> None:
    standin = start_standin(StandinModel())
    try:
        deliver = (PACKS_DIR / "gw-deliver.yaml").read_text().replace("http://127.0.0.1:9", standin.url)
        seed = SEED_PACK.read_text().replace("http://localhost:11434", standin.url)
        (tmp_path / "deliver.yaml").write_text(deliver)
        (tmp_path / "seed.yaml").write_text(seed)
        db, out_log, err_log = tmp_path / "audit.db", tmp_path / "stdout.log", tmp_path / "stderr.log"
        gw = GatewayProc.cli("--pack", str(tmp_path / "deliver.yaml"), "--pack", str(tmp_path / "seed.yaml"),
                             "--audit-db", str(db), "--decision-log", "console", "--no-watch",
                             env={"PACKGATE_AUDIT_HMAC_KEY": "phi-at-rest"}, cwd=tmp_path, logs=tmp_path)
        try:
            url = gw.url
            wait_http(f"{url}/health", 30)
            examples = [ex for ex in build(per_template=3, notes=12) if ex.spans]
            # letters only: a run of digits in a random hex id can itself look like an identifier and be hashed
            marker = "ctl-" + "".join(chr(97 + int(c, 16)) for c in uuid.uuid4().hex)
            statuses: dict[int, int] = {}
            with httpx.Client(base_url=url, timeout=30) as c:
                for i, ex in enumerate(examples):
                    path = "/v1/chat/completions" if i % 2 else "/routes/behavioral-health-review-route/v1/chat/completions"
                    model = "primary-model" if i % 2 else "llama3.1:70b"
                    r = c.post(path, json={"model": model, "messages": [{"role": "user", "content": ex.text}],
                                           "stream": i % 4 == 1},
                               headers={"X-User-ID": marker if i == 0 else f"u-{i}", "X-User-Role": "clinician"})
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            assert set(statuses) <= {200, 403, 409}, statuses
            assert statuses.get(200, 0) >= len(examples) // 2
        finally:
            code = gw.stop()
        assert code == 0, gw.err.text()[-2000:]
    finally:
        standin.stop()
    files = [p for p in tmp_path.iterdir() if p.is_file() and p.suffix != ".yaml"]
    assert {db.name, out_log.name, err_log.name} <= {p.name for p in files}
    blobs = {p.name: p.read_bytes() for p in files}
    decisions = [line for line in blobs["stdout.log"].splitlines() if b'"decision_id"' in line]
    assert len(decisions) >= len(examples), "decision logging was not on"
    # positive control: the scan finds a value that is meant to be stored
    assert marker.encode() in blobs["audit.db"] + blobs.get("audit.db-wal", b"")
    assert marker.encode() in blobs["stdout.log"]
    ids = planted(examples)
    hits = []
    for value in ids:
        forms = {value.encode(), json.dumps(value)[1:-1].encode(), json.dumps(value, ensure_ascii=False)[1:-1].encode()}
        hits += [(name, value) for name, blob in blobs.items() for f in forms if f in blob]
    scanned = sum(len(b) for b in blobs.values())
    print(f"\nPHI at rest: {len(examples)} corpus texts sent ({statuses}), {len(ids)} planted identifiers, "
          f"{len(files)} files / {scanned} bytes scanned ({len(decisions)} decision-log lines), "
          f"identifiers found: {len(hits)}")
    assert hits == []
