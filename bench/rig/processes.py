"""Start the servers a benchmark needs as child processes, and always stop them again.

Every child runs in its own session (process group), so stopping it also stops what it forked
(gunicorn's workers). ``Stack`` stops every child on the way out of its ``with`` block, whether
the benchmark finished, failed or was interrupted (SIGINT, or SIGTERM turned into SystemExit).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
EXIT_MISSING = 2  # a dependency is not installed: the bench could not run at all
EXIT_FAILED = 1  # the bench ran and something broke


class BenchError(RuntimeError):
    """The benchmark cannot go on; the message says why (a server died, an answer was wrong)."""


class Stopped(Exception):  # noqa: N818 - a request to stop, not an error
    """The benchmark got SIGTERM; unwinding stops its servers."""


def _stop_on_sigterm(_signum: int, _frame: Any) -> None:
    raise Stopped


class MissingDependency(BenchError):  # noqa: N818 - it is an error; the name says what is missing
    """Something the benchmark needs is not installed; the message says how to install it."""


def need_binary(name: str, how: str) -> str:
    """Return the path of an executable, or raise MissingDependency saying how to install it."""
    path = shutil.which(name)
    if not path:
        raise MissingDependency(f"{name} is not installed ({how}).")
    return path


def need_module(name: str, how: str = "pip install -e '.[test,bench]', which `make bench` does") -> None:
    """Raise MissingDependency when a Python module can't be imported by this interpreter."""
    if importlib.util.find_spec(name) is None:
        raise MissingDependency(f"the Python module {name!r} is not installed in {sys.prefix} ({how}).")


def free_port() -> int:
    """Return a loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Child:
    """One child process and the file its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    stopped: bool = field(default=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 15) -> str:
        """Return the last lines the child printed (for an error message)."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(f"    {self.name}| {line}" for line in text.splitlines()[-lines:])


class Stack:
    """The child processes of one benchmark run, in a temporary folder removed at the end."""

    def __init__(self, prefix: str = "rtr-bench-") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=prefix))
        os.chmod(self.folder, 0o755)
        self.children: list[Child] = []
        self._cleanups: list[Callable[[], Any]] = []

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        for child in reversed(self.children):
            self.stop(child, timeout=5)
        for cleanup in reversed(self._cleanups):
            try:
                cleanup()
            except Exception:  # one failed cleanup must not keep the others from running
                traceback.print_exc()
        shutil.rmtree(self.folder, ignore_errors=True)

    def on_exit(self, cleanup: Callable[[], Any]) -> None:
        """Run cleanup when the stack closes (after the children are stopped)."""
        self._cleanups.append(cleanup)

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Child:
        """Start argv in its own process group, output to ``NAME.log`` in the stack's folder."""
        log = self.folder / f"{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env=env, cwd=ROOT, start_new_session=True)
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def stop(self, child: Child, sig: int = signal.SIGTERM, timeout: float = 10) -> int | None:
        """Send sig to the child's process group, wait, then SIGKILL; return its exit code."""
        if child.stopped:
            return child.process.returncode
        child.stopped = True
        if child.alive():
            _signal_group(child.pid, sig)
            try:
                return child.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        _signal_group(child.pid, signal.SIGKILL)  # whatever it forked may outlive it
        try:
            return child.process.wait(5)
        except subprocess.TimeoutExpired:
            return None

    def wait_http(self, child: Child, url: str, timeout: float = 30) -> None:
        """Wait until url answers at all (any status); fail early if the child died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not child.alive():
                raise BenchError(f"{child.name} exited with code {child.process.returncode} while starting:\n"
                                 f"{child.tail()}")
            try:
                requests.get(url, timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise BenchError(f"{child.name} did not answer {url} within {timeout:g} s:\n{child.tail()}")


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def run(main: Callable[[], None]) -> None:
    """Run a benchmark's main: SIGTERM unwinds like Ctrl-C; failures print one clear line and exit non-zero."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    script = Path(sys.argv[0]).name
    try:
        main()
    except MissingDependency as error:
        print(f"{script}: MISSING DEPENDENCY: {error}", file=sys.stderr)
        sys.exit(EXIT_MISSING)
    except BenchError as error:
        print(f"{script}: FAILED: {error}", file=sys.stderr)
        sys.exit(EXIT_FAILED)
    except KeyboardInterrupt:
        print(f"{script}: interrupted; its servers are stopped.", file=sys.stderr)
        sys.exit(130)
    except Stopped:
        print(f"{script}: stopped by SIGTERM; its servers are stopped.", file=sys.stderr)
        sys.exit(128 + signal.SIGTERM)
