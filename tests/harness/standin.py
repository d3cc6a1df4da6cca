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
    """Request ids (`req <id> ` in the prompt) the stand-in received, one count per upstream call."""
    ids: Counter[str] = Counter()
    for r in model.received:
        m = ID_RE.search(orjson.dumps(r.body).decode())
        if m:
            ids[m.group(1)] += 1
    return ids
