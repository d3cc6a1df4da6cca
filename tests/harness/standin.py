"""The stand-in model (the only fake upstream) on a port that survives stop and restart."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections import Counter

import orjson
import uvicorn

from packgate.runtime.demo.standin import StandinModel

ID_RE = re.compile(r"req (\S+) ")


def start_standin(model: StandinModel, port: int = 0) -> StandinModel:
    """`StandinModel.start`, but with SO_REUSEADDR so a restart can take the same port back at once."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    model.port = sock.getsockname()[1]
    model.server = uvicorn.Server(uvicorn.Config(model.app, log_level="critical", access_log=False,
                                                 lifespan="off", timeout_graceful_shutdown=1, backlog=1024))
    model.thread = threading.Thread(target=model.server.run, kwargs={"sockets": [sock]}, daemon=True,
                                    name="standin")
    model.thread.start()
    deadline = time.monotonic() + 10
    while not model.server.started:
        assert model.thread.is_alive() and time.monotonic() < deadline, "stand-in did not start"
        time.sleep(0.01)
    return model


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
