"""A throwaway PostgreSQL cluster owned by the postgres user, on a loopback port."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time


def _pg_bin(name: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    """initdb + pg_ctl start in a temp folder; ``url`` is a SQLAlchemy URL to database ``rtr``.

    fsync is off by default (tests need speed, not durability); ``fsync=True`` keeps PostgreSQL's
    own default, so a benchmark pays for every commit what production pays.
    """

    def __init__(self, fsync: bool = False) -> None:
        self.fsync = fsync
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not self.initdb or not self.pg_ctl:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.dir = tempfile.mkdtemp(prefix="rtr-pg-")
        os.chmod(self.dir, 0o777)
        self.port = _free_port()
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/rtr"

    def _as_postgres(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresCluster:
        data = os.path.join(self.dir, "data")
        self._as_postgres(self.initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
        fsync = "on" if self.fsync else "off"
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync={fsync}"
        self._as_postgres(self.pg_ctl, "-D", data, "-o", options, "-l", os.path.join(self.dir, "log"), "-w", "start")
        deadline = time.time() + 30
        while True:
            try:
                self._as_postgres(_pg_bin("createdb") or "createdb", "-h", "127.0.0.1", "-p", str(self.port),
                                  "-U", "postgres", "rtr")
                return self
            except subprocess.CalledProcessError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self) -> None:
        try:
            self._as_postgres(self.pg_ctl, "-D", os.path.join(self.dir, "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
