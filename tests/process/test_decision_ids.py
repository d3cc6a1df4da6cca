"""`packgate gateway run` with its defaults (no `--decision-log`): every answer and every audit event
carries OPA's decision ids, and they are the ids in OPA's own (masked) decision log."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from packgate.runtime.audit import query_events

from tests.harness import CLINICIAN, GatewayProc

CHAT = {"model": "llama3.1:70b", "messages": [{"role": "user", "content": "Suggest next steps for low mood."}]}


def _logged_ids(path: Path, wanted: set[str], timeout: float = 15.0) -> dict[str, str]:
    """decision_id -> path, from OPA's decision log, once every wanted id is there."""
    deadline = time.monotonic() + timeout
    while True:
        found = {}
        for line in path.read_text().splitlines() if path.exists() else []:
            entry = json.loads(line)
            found[entry["decision_id"]] = entry["path"]
        if wanted <= set(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_decision_ids_by_default_match_opas_decision_log(local_pack: Path, tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    gw = GatewayProc.cli("--pack", str(local_pack), "--audit-db", str(db))
    try:
        assert gw.opa_pid is not None
        run_dir = Path(os.readlink(f"/proc/{gw.opa_pid}/cwd"))  # the embedded OPA runs in its run dir
        with gw.client() as c:
            r = c.post("/v1/chat/completions", headers=CLINICIAN, json=CHAT)
            denied = c.post("/v1/chat/completions", headers={"X-User-ID": "u-1"}, json=CHAT)
        assert r.status_code == 200 and denied.status_code == 401
        meta = r.json()["packgate"]
        ids = {"request": meta["request_decision_id"], "response": meta["decision_id"]}
        assert all(ids.values())
        denied_id = denied.json()["error"]["decision_id"]
        assert denied_id and denied.headers["x-packgate-decision-id"] == denied_id
        logged = _logged_ids(run_dir / "opa-decisions.log", {*ids.values(), denied_id})
    finally:
        gw.stop()
    assert logged[ids["request"]].endswith("/request") and logged[ids["response"]].endswith("/response")
    assert logged[denied_id].endswith("/request")
    events = [e for e in query_events(db) if not e["verdict"].startswith("bundle_")]  # requests only
    assert [e["decision_ids"] for e in events] == [ids, {"request": denied_id}]
