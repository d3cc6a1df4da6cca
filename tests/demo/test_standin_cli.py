"""`packgate standin` as a user runs it: scripted replies in order then echo, a restart on the same
port at once, one clear line when the port is really taken or the script is wrong."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from packgate.cli import ExitCode

from tests.harness import PACKGATE, ROOT, GatewayProc, free_port, run_cli, wait_http

CHAT = {"model": "llama3.1:70b", "messages": [{"role": "user", "content": "hello there"}]}
SCRIPT = """\
replies:
  - text: "Fixed answer."
  - echo
  - {status: 503, error: overloaded}
  - {drop: true, text: "never finished"}
  - {delay_s: 0.2, text: "slow but here"}
"""


class _Standin:
    """`packgate standin` in a child process; `stop()` sends SIGTERM and returns the exit code."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.proc = subprocess.Popen([*PACKGATE, "standin", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=cwd)

    def stop(self) -> tuple[int, str, str]:
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, out, err


def _chat(url: str) -> httpx.Response:
    return httpx.post(f"{url}/v1/chat/completions", json=CHAT, timeout=10)


def test_script_replies_in_order_then_echo(tmp_path: Path) -> None:
    (tmp_path / "replies.yaml").write_text(SCRIPT)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sa = _Standin("--port", str(port), "--script", "replies.yaml", cwd=tmp_path)
    try:
        wait_http(f"{url}/health", 30)
        assert httpx.get(f"{url}/health").json()["scripted_replies_left"] == 5
        first = _chat(url)
        assert first.json()["choices"][0]["message"]["content"] == "Fixed answer."
        assert _chat(url).json()["choices"][0]["message"]["content"] == "[stand-in model] hello there"
        assert _chat(url).status_code == 503
        with pytest.raises(httpx.HTTPError):
            _chat(url).json()
        assert _chat(url).json()["choices"][0]["message"]["content"] == "slow but here"
        assert _chat(url).json()["choices"][0]["message"]["content"] == "[stand-in model] hello there"
        received = httpx.get(f"{url}/_standin/received").json()
        assert len(received) == 6 and received[0]["body"]["messages"] == CHAT["messages"]
    finally:
        code, out, err = sa.stop()
    assert code == 0, err
    assert f"listening on {url}" in out and "5 scripted replies from replies.yaml, then echo" in out
    assert "Traceback" not in err


def test_restart_on_the_same_port_works_at_once(tmp_path: Path) -> None:
    """Connections the first run served leave TIME_WAIT sockets; SO_REUSEADDR lets the port be taken back."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    for _ in range(2):
        sa = _Standin("--port", str(port), cwd=tmp_path)
        with httpx.Client() as c:  # kept open across the stop: the server closes first, TIME_WAIT on its side
            try:
                wait_http(f"{url}/health", 30)
                assert c.post(f"{url}/v1/chat/completions", json=CHAT).status_code == 200
            finally:
                code, _, err = sa.stop()
        assert code == 0, err


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    port = free_port()
    first = _Standin("--port", str(port), cwd=tmp_path)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", 30)
        second = subprocess.run([*PACKGATE, "standin", "--port", str(port)], capture_output=True, text=True,
                                timeout=60, cwd=tmp_path)
    finally:
        first.stop()
    assert second.returncode == ExitCode.FAILURE
    assert second.stderr.startswith(f"packgate: stand-in cannot listen on 127.0.0.1:{port}: ")
    assert len(second.stderr.splitlines()) == 1


@pytest.mark.parametrize(("text", "message"), [
    ("replies:\n  - txt: hi\n", "replies.yaml: replies[0]: unknown key 'txt'"),
    ("replies:\n  - echo\n  - {status: '503'}\n", "replies.yaml: replies[1]: status has the wrong type (str)"),
    ("replies: [echo\n", "replies.yaml:2:1: not valid YAML"),
    ("- echo\n", "replies.yaml: expected a mapping with one key, `replies:` (a list)"),
    ("replies:\n  - {echo: true, text: hi}\n", "replies.yaml: replies[0]: `echo` and `text` exclude each other"),
])
def test_a_bad_script_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "replies.yaml").write_text(text)
    r = run_cli("standin", "--script", "replies.yaml", "--port", "0")
    assert r.returncode == ExitCode.FAILURE
    assert r.stderr.startswith(f"packgate: {message}"), r.stderr
    assert len(r.stderr.splitlines()) == 1


def test_a_scripted_blocked_answer_is_blocked_by_the_seed_pack(tmp_path: Path) -> None:
    """Staging: the seed pack through `--upstream-override` to a stand-in that says a blocked phrase."""
    (tmp_path / "replies.yaml").write_text('replies:\n  - text: "I prescribe 50 mg sertraline daily."\n')
    port = free_port()
    sa = _Standin("--port", str(port), "--script", "replies.yaml", cwd=tmp_path)
    gw = None
    try:
        wait_http(f"http://127.0.0.1:{port}/health", 30)
        gw = GatewayProc.cli("--pack", str(ROOT / "packs" / "behavioral-health-review-route.yaml"),
                             "--audit-db", str(tmp_path / "a.db"), "--no-watch",
                             "--upstream-override", f"http://127.0.0.1:{port}")
        wait_http(f"{gw.url}/health", 30)
        with gw.client() as c:
            r = c.post("/v1/chat/completions", json=CHAT,
                       headers={"X-User-ID": "dr-okafor", "X-User-Role": "clinician", "X-Tool": "summarize"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "output_blocked"
        assert r.headers["x-packgate-standin"] == "true"
    finally:
        if gw is not None:
            gw.stop(signal.SIGTERM)
        sa.stop()
