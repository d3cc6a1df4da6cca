"""docs/tutorial.md, executed: every ```console block in order, in one shell, in a fresh directory.

The conventions are the ones the tutorial states at its top: `$ ` starts a command (` \\` continues it,
`<<'EOF'` runs to `EOF`), the lines after it are output that must appear in that order (other lines may
come between), `…` matches anything. A block marked ```console retry is re-run until its output matches
(audit events are written a moment after the answer). The tutorial's ports 8900 and 8901 become free ports.
Its background jobs (`&`) are the shell's; the shell's process group is ended after the test.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness import ROOT, free_port

TUTORIAL = ROOT / "docs" / "tutorial.md"
DONE = "__tutorial_command_done__"
COMMAND_TIMEOUT_S = 180.0  # a busy machine: the gateway's first start compiles and starts OPA
RETRY_FOR_S = 60.0


@dataclass
class Command:
    text: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    commands: list[Command]
    retry: bool


def parse(markdown: str) -> list[Block]:
    """The ```console blocks of the tutorial, as commands with their expected output lines."""
    blocks = []
    for info, body in re.findall(r"^```console([^\n]*)\n(.*?)^```$", markdown, flags=re.S | re.M):
        commands: list[Command] = []
        lines = body.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            i += 1
            if not line.startswith("$ "):
                assert commands, f"output before any command: {line!r}"
                if line.strip():
                    commands[-1].expected.append(line)
                continue
            text = line[2:]
            while text.endswith("\\"):
                text += "\n" + lines[i]
                i += 1
            heredoc = re.search(r"<<'?(\w+)'?", text)
            if heredoc:
                while True:
                    text += "\n" + lines[i]
                    i += 1
                    if lines[i - 1] == heredoc.group(1):
                        break
            commands.append(Command(text))
        blocks.append(Block(commands, retry=info.strip() == "retry"))
    return blocks


def matches(expected: list[str], output: str) -> bool:
    """Each expected line (`…` = anything, ends stripped) in `output`, in order."""
    actual = [line.strip() for line in output.splitlines()]
    pos = 0
    for want in expected:
        pattern = re.compile(".*".join(re.escape(part) for part in want.strip().split("…")))
        while pos < len(actual) and not pattern.fullmatch(actual[pos]):
            pos += 1
        if pos == len(actual):
            return False
        pos += 1
    return True


class Shell:
    """One bash, like the reader's terminal: `cd`, `export` and background jobs carry over."""

    def __init__(self, cwd: Path) -> None:
        path = os.pathsep.join([str(ROOT / ".venv" / "bin"), str(ROOT / ".tools" / "bin"), os.environ["PATH"]])
        env = {k: v for k, v in os.environ.items() if not k.startswith("PACKGATE_")}
        self.proc = subprocess.Popen(["bash", "--noprofile", "--norc"], cwd=cwd, text=True, bufsize=1,
                                     env={**env, "PATH": path}, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def run(self, command: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{command}\nprintf '\\n{DONE}\\n'\n")
        self.proc.stdin.flush()
        out = []
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no end after {COMMAND_TIMEOUT_S:.0f} s: {command}\n{''.join(out)}") from None
            if line.rstrip("\n") == DONE:
                return "".join(out)
            out.append(line)

    def close(self) -> None:
        """End the shell and its background jobs (the stand-in, the gateway) if the tutorial did not."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


def test_parse_reads_commands_continuations_heredocs_and_output() -> None:
    blocks = parse("```console retry\n$ a \\\n  b\nout 1\n\n$ cat > f <<'EOF'\nx\nEOF\n$ c\n```\n")
    assert blocks == [Block([Command("a \\\n  b", ["out 1"]), Command("cat > f <<'EOF'\nx\nEOF"), Command("c")],
                            retry=True)]
    assert matches(["a …", "c"], "zero\na 1\nb\nc\n")
    assert not matches(["c", "a …"], "a 1\nc\n")
    assert not matches(["a"], "ab\n")


def test_every_command_of_the_tutorial_runs_and_prints_what_it_shows(tmp_path: Path) -> None:
    text = TUTORIAL.read_text(encoding="utf-8")
    text = text.replace("8900", str(free_port())).replace("8901", str(free_port()))
    blocks = parse(text)
    assert sum(len(b.commands) for b in blocks) > 20
    shell = Shell(tmp_path)
    try:
        for block in blocks:
            deadline = time.monotonic() + (RETRY_FOR_S if block.retry else 0)
            while True:
                outputs = [(c, shell.run(c.text)) for c in block.commands]
                failed = [(c, out) for c, out in outputs if not matches(c.expected, out)]
                if not failed or time.monotonic() > deadline:
                    break
                time.sleep(0.5)  # a retry block polls: the audit writer commits shortly after the answer
            for command, out in failed:
                raise AssertionError(f"$ {command.text}\nexpected (in order):\n" + "\n".join(command.expected)
                                     + f"\ngot:\n{out}")
    finally:
        shell.close()
    assert "Traceback" not in (tmp_path / "first-pack" / "gateway.log").read_text()
    assert "Traceback" not in (tmp_path / "first-pack" / "standin.log").read_text()
