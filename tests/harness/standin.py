"""The stand-in model (the only fake upstream) on a port that survives stop and restart."""

from __future__ import annotations

import re
from collections import Counter

import orjson

from packgate.runtime.demo.standin import StandinModel

ID_RE = re.compile(r"req (\S+) ")


def start_standin(model: StandinModel, port: int = 0) -> StandinModel:
    """`StandinModel.start` on loopback; its SO_REUSEADDR lets a restart take the same port back at once."""
    return model.start(port)


def is_serving(model: StandinModel) -> bool:
    """False once a test stopped it (restart it with `start_standin(model, model.port)`)."""
    return model.server is not None and model.server.started and not model.server.should_exit


def forwarded_ids(model: StandinModel) -> Counter[str]:
    """Request ids (`req <id> ` in the prompt) the stand-in received: for each id, the most calls any
    one target (the body's `model`) got. A request sent once to each target of OPA's failover order
    (the first timed out on a starved machine) counts 1; the same request sent twice to one target
    (a re-send) counts 2."""
    calls: Counter[tuple[str, str]] = Counter()
    for r in model.received:
        m = ID_RE.search(orjson.dumps(r.body).decode())
        if m:
            calls[(m.group(1), str(r.body.get("model")))] += 1
    ids: Counter[str] = Counter()
    for (rid, _), n in calls.items():
        ids[rid] = max(ids[rid], n)
    return ids
