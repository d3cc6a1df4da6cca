"""A real PostgreSQL server of the tests' own: Debian's `postgresql` package, `initdb` into a temporary
directory, `pg_ctl start` on a free loopback port (as the `postgres` user when we are root: the server
refuses to run as root). `make setup` installs the package; a missing one fails the tests that need it
with that message instead of skipping them.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from .net import free_port

MISSING = "PostgreSQL server binaries (initdb, pg_ctl) not found: run `make setup` (installs Debian's postgresql)"


def _bindir() -> Path:
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(cand, "pg_ctl").is_file() and Path(cand, "initdb").is_file():
            return Path(cand)
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    raise RuntimeError(MISSING)


class PostgresServer:
    """One cluster: `url(db)` for a database in it, `stop()`/`start()` for outage tests."""

    USER = "packgate"

    def __init__(self) -> None:
        self.bin = _bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="packgate-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = free_port()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.dir)
        if check and done.returncode != 0:
            hint = (" (/dev/null is not writable by the postgres user: run `make setup`)"
                    if "/dev/null" in done.stderr + done.stdout else "")
            raise RuntimeError(f"{args[0]} failed{hint}: {(done.stderr or done.stdout).strip()[-800:]}")
        return done

    def init(self) -> PostgresServer:
        self._run("initdb", "-D", str(self.data), "-U", self.USER, "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        return self

    def start(self, timeout: float = 60.0) -> PostgresServer:
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='{self.dir}' "
                "-c max_connections=200 -c fsync=on -c log_min_messages=warning "
                # every statement with its bind parameters in the server log: the PHI scan reads it
                "-c log_statement=all")
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w",
                  "-t", str(int(timeout)))
        deadline = time.monotonic() + timeout
        while True:  # pg_ctl -w waited for the socket; be sure TCP answers too
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return self
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60", check=False)

    def running(self) -> bool:
        return self._run("pg_ctl", "status", "-D", str(self.data), check=False).returncode == 0

    def url(self, db: str) -> str:
        return f"postgresql://{self.USER}@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        """A fresh, empty database in this cluster; its URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def server_log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in [self.log] if p.exists())

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
