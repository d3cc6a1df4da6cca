"""The embedded OPA's reader thread: OPA's output, read a chunk at a time, split into its decision log
(kept whole, in order, one line each) and the error tail (without OPA's access log lines, which OPA writes
at error level), wherever the chunks happen to end."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from packgate.runtime.opa.server import EmbeddedOpa


def _decision(i: int, spaced: bool = False) -> str:
    line = json.dumps({"decision_id": f"id-{i}", "level": "info", "msg": "Decision Log",
                       "result": {"allow": True, "note": 'a "msg":"x" inside'}}, separators=(",", ":"))
    return line.replace('"msg":"Decision Log"', '"msg": "Decision Log"') if spaced else line


OUTPUT = [
    '{"level":"info","msg":"Initializing server.","time":"t"}',
    '{"client_addr":"@","level":"error","msg":"Received request.","req_id":1,"req_method":"POST"}',
    _decision(1),
    '{"client_addr":"@","level":"error","msg":"Sent response.","req_id":1,"resp_status":200}',
    "",
    '{"level":"error","msg":"Bundle load failed, will retry.","err":"signature mismatch","name":"packgate"}',
    _decision(2),
    "panic: not json at all",
    _decision(3, spaced=True),  # a format OPA does not write today: found by parsing, still a decision
    '{"level":"error","msg":"Server failed.","err":"listen"}',
    _decision(4),  # the last line, with no newline after it
]
DECISIONS = [OUTPUT[2], OUTPUT[6], OUTPUT[8], OUTPUT[10]]


class Chunked:
    """A pipe that hands out at most `size` bytes per read, as OPA's writes arrive."""

    def __init__(self, data: bytes, size: int) -> None:
        self._data, self._size = io.BytesIO(data), size

    def read1(self, n: int = -1) -> bytes:
        return self._data.read(min(self._size, n if n > 0 else self._size))


@pytest.mark.parametrize("size", [1, 7, 64, 200, 1 << 16])
def test_decisions_and_errors_come_out_whatever_the_chunks(tmp_path: Path, size: int) -> None:
    out = io.StringIO()
    opa = EmbeddedOpa("http://127.0.0.1:1", "t", opa_binary=Path("opa"), run_dir=tmp_path, decision_log=True,
                      decision_log_stream=out)
    opa._healthy = True
    opa._read_lines(type("P", (), {"stdout": Chunked("\n".join(OUTPUT).encode(), size)})())  # type: ignore[arg-type]
    kept = opa.decisions_path.read_text()
    assert kept == "".join(line + "\n" for line in DECISIONS)
    assert out.getvalue() == kept  # echoed as kept when asked
    assert opa.stderr_tail(10) == ("Bundle load failed, will retry.: signature mismatch | panic: not json at all | "
                                   "Server failed.: listen")
    assert opa.bundle_errors() == ["Bundle load failed, will retry.: signature mismatch"]
    assert opa.bundle_error_count == 1


def test_nothing_kept_without_decisions(tmp_path: Path) -> None:
    opa = EmbeddedOpa("http://127.0.0.1:1", "t", opa_binary=Path("opa"), run_dir=tmp_path)
    opa._read_lines(type("P", (), {"stdout": Chunked(b'{"level":"info","msg":"x"}\n\n', 5)})())  # type: ignore[arg-type]
    assert not opa.decisions_path.exists()
    assert opa.stderr_tail() == "no output"
