"""The command line on a first run: help with nothing set, one-line refusals, the setup link once per server.

Every test runs the real ``flask`` command (or ``make run``, or a process building the app as a
gunicorn worker does) in a subprocess and reads its exit code, stdout and stderr.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from widget.migrate import VERSION_TABLE

from .support.smtp import free_port

REPO = Path(__file__).resolve().parent.parent
SECRET = "first-run-test-secret"
LINK = "/admin/setup?token="
#: Two ways to start the app from the command line (a refusal comes before the port is opened).
RUN = ["run", "--port", "0"]
LIST = ["rtr", "list-widgets"]
NO_SECRET_KEY = "Error: RTR_SECRET_KEY must be set: a long random string, e.g. `python -c 'import secrets; print(" \
                "secrets.token_urlsafe(32))'`."


def clean_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """Return os.environ without RTR_*, FLASK_* or make's variables, with tmp_path's instance folder and settings."""
    outside = ("RTR_", "FLASK_", "PYTHONWARN", "MAKE", "MFLAGS")  # MAKE*: set when `make test` runs this file
    env = {key: value for key, value in os.environ.items() if not key.startswith(outside)}
    return {**env, "RTR_INSTANCE_PATH": str(tmp_path / "instance"), **settings}


def configured(tmp_path: Path, **settings: str) -> dict[str, str]:
    """Return an environment a server can start with (warnings off: this file is about the notices)."""
    return clean_env(tmp_path, RTR_SECRET_KEY=SECRET, RTR_WORKER="off", RTR_PUBLIC_URL="http://127.0.0.1:5000",
                     RTR_RATELIMIT_STORAGE_URI="memory://", PYTHONWARNINGS="ignore", **settings)


def flask(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``flask --app widget ARGS`` beside the instance folder and return what it did."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", "widget", *args], input=stdin, env=env,
                          cwd=Path(env["RTR_INSTANCE_PATH"]).parent, capture_output=True, text=True, timeout=120)


def refusal(done: subprocess.CompletedProcess[str]) -> str:
    """Return the one line a refused start printed, after checking it is all it printed."""
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


class Running:
    """A server process whose output is collected while it runs."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path | str) -> None:
        self.process = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert self.process.poll() is None or text in self.output, f"exited before {text!r}:\n{self.output}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout} s:\n{self.output}"
            time.sleep(0.05)

    def stop(self) -> str:
        """End the process group this test started; return everything it printed."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(30)
        self.reader.join(10)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()
        return self.output


@contextmanager
def running(args: list[str], env: dict[str, str], cwd: Path | str) -> Iterator[Running]:
    server = Running(args, env, cwd)
    try:
        yield server
    finally:
        server.stop()


def flask_run(env: dict[str, str], *options: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "widget", "run", "--port", str(free_port()), *options]


# Help with nothing configured ------------------------------------------------------------------------

def test_help_works_with_nothing_configured(tmp_path: Path) -> None:
    env = clean_env(tmp_path)  # `flask rtr --help` itself: tests/test_migrations.py
    command_help = flask(env, "rtr", "create-widget", "--help")
    assert command_help.returncode == 0 and "--notify-email" in command_help.stdout
    top = flask(env, "--help")
    assert top.returncode == 0 and "rtr " in top.stdout and "run " in top.stdout
    assert top.stderr.strip() == NO_SECRET_KEY, "the app could not load: one line says why, no traceback"


# A configuration error is one line naming the key, exit code 2 ---------------------------------------

@pytest.mark.parametrize("command", [RUN, ["rtr", "demo"]],
                         ids=lambda command: " ".join(command[:2]))
def test_a_missing_secret_key_is_one_line_for_every_command(tmp_path: Path, command: list[str]) -> None:
    assert refusal(flask(clean_env(tmp_path), *command)) == NO_SECRET_KEY


@pytest.mark.parametrize(("command", "settings", "expected"), [
    (RUN, {"RTR_SMTP_PORT": "twenty-five"}, "Error: RTR_SMTP_PORT must be a number; got 'twenty-five'."),
    (LIST, {"RTR_SUBMIT_LIMIT": "lots"}, "Error: RTR_SUBMIT_LIMIT must be a Flask-Limiter limit"),
    (RUN, {"RTR_DATABASE_URL": "mysql+nosuchdriver://x/y"}, "Error: RTR_DATABASE_URL can't be opened"),
    (LIST, {"RTR_DATABASE_URL": "sqlite:////nonexistent-folder/rtr.sqlite3"},
     "Error: RTR_DATABASE_URL: the database can't be reached (unable to open database file)."),
    (RUN, {"RTR_DATABASE_URL": "postgresql+psycopg2://rtr:SECRETPW@127.0.0.1:{port}/rtr"},
     "Error: RTR_DATABASE_URL: the database can't be reached (connection to server at \"127.0.0.1\""),
], ids=["number", "limit", "driver", "sqlite folder", "postgresql down"])
def test_a_wrong_setting_is_one_line_naming_the_key(tmp_path: Path, command: list[str], settings: dict[str, str],
                                                    expected: str) -> None:
    settings = {key: value.replace("{port}", str(free_port())) for key, value in settings.items()}
    env = clean_env(tmp_path, RTR_SECRET_KEY=SECRET, **settings)  # warnings on: none may come before a refusal
    line = refusal(flask(env, *command))
    assert line.startswith(expected), line
    assert "SECRETPW" not in line


@pytest.mark.parametrize(("revision", "command", "expected"), [
    ("0002", RUN, "Error: The database is older than this version of Ready to Rebuild (schema revision 0002;"),
    ("9999", LIST, "Error: The database was upgraded by a newer version of Ready to Rebuild (revision 9999,"),
], ids=["behind", "ahead"])
def test_a_database_behind_or_ahead_is_the_same_one_line_refusal(tmp_path: Path, revision: str, command: list[str],
                                                                   expected: str) -> None:
    database = tmp_path / "rtr.sqlite3"
    env = configured(tmp_path, RTR_DATABASE_URL=f"sqlite:///{database}")
    assert flask(env, "rtr", "demo").returncode == 0
    with sqlite3.connect(database) as conn:
        conn.execute(f"UPDATE {VERSION_TABLE} SET version_num = ?", (revision,))
    assert refusal(flask(env, *command)).startswith(expected)


def test_make_run_refuses_a_wrong_setting_in_one_line(tmp_path: Path) -> None:
    env = clean_env(tmp_path, RTR_SMTP_PORT="twenty-five")
    done = subprocess.run(make_run(tmp_path), cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    ours = [line for line in done.stderr.splitlines() if not re.match(r"make(\[\d+\])?: \*\*\*", line)]
    assert ours == ["Error: RTR_SMTP_PORT must be a number; got 'twenty-five'."], done.stderr
    assert "Admin:" not in done.stdout, "no addresses for a server that will not start"


def gunicorn(*options: str) -> list[str]:
    """Return gunicorn as the README starts it in production (the hooks of widget.serving), two workers."""
    return [sys.executable, "-m", "gunicorn", "-c", "python:widget.serving", "--workers", "2",
            "--bind", f"127.0.0.1:{free_port()}", *options, "widget:create_app()"]


@pytest.mark.parametrize("settings", [{}, {"RTR_SECRET_KEY": SECRET, "RTR_SMTP_PORT": "twenty-five"}],
                         ids=["no secret key", "a wrong number"])
def test_gunicorn_refuses_a_wrong_setting_in_one_line_before_any_worker(tmp_path: Path,
                                                                         settings: dict[str, str]) -> None:
    done = subprocess.run(gunicorn(), cwd=tmp_path, env=clean_env(tmp_path, **settings), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    ours = [line for line in done.stderr.splitlines() if not line.startswith("[")]  # gunicorn's own log lines
    assert ours == [NO_SECRET_KEY if not settings else "Error: RTR_SMTP_PORT must be a number; got 'twenty-five'."]
    assert "Traceback" not in done.stderr and "Booting worker" not in done.stderr, done.stderr


def make_run(tmp_path: Path) -> list[str]:
    """Return ``make run`` with this test's Python, instance folder and a free port (never the checkout's)."""
    venv = sys.prefix
    return ["make", "-s", "run", f"VENV={venv}", "-o", f"{venv}/.installed", f"INSTANCE={tmp_path / 'instance'}",
            f"PORT={free_port()}"]


# The setup link: once, at server start ---------------------------------------------------------------

def test_commands_never_print_the_setup_link(tmp_path: Path) -> None:
    env = configured(tmp_path)
    for command in (["rtr", "demo"], ["rtr", "list-widgets"]):
        done = flask(env, *command)
        assert done.returncode == 0, done.stderr
        assert LINK not in done.stdout + done.stderr, command
        assert "No SMTP server configured" not in done.stderr, command


@pytest.mark.parametrize("options", [[], ["--debug"]], ids=["run", "run with the reloader"])
def test_flask_run_prints_the_setup_link_once(tmp_path: Path, options: list[str]) -> None:
    env = configured(tmp_path)
    ready = "Debugger PIN" if options else "Running on"
    with running(flask_run(env, *options), env, tmp_path) as server:
        server.wait_for(ready)
        time.sleep(0.5)
    output = server.stop()
    assert output.count(LINK) == 1, output
    assert "http://127.0.0.1:5000/admin/setup?token=" in output
    assert output.count("No SMTP server configured") == 1


def test_make_run_prints_the_setup_link_once_at_server_start(tmp_path: Path) -> None:
    with running(make_run(tmp_path), clean_env(tmp_path), REPO) as server:
        server.wait_for("Running on")
    output = server.stop()
    assert output.count(LINK) == 1, output
    assert output.index("Admin:") < output.index(LINK) < output.index("Running on"), "printed by the server"


def test_no_link_once_an_admin_exists(tmp_path: Path) -> None:
    env = configured(tmp_path)
    created = flask(env, "rtr", "create-admin", "ann", "--password-stdin", stdin="a long and calm sentence\n")
    assert created.returncode == 0, created.stderr
    with running(flask_run(env), env, tmp_path) as server:
        server.wait_for("Running on")
    assert LINK not in server.stop()


BUILD_AND_WAIT = "from widget import create_app; create_app(); print('built', flush=True); input()"


def test_processes_of_one_server_print_the_link_once(tmp_path: Path) -> None:
    """As gunicorn's workers do: each process builds the app; the first prints, while it lives."""
    env = configured(tmp_path)
    worker = [sys.executable, "-c", BUILD_AND_WAIT]
    with running(worker, env, tmp_path) as first, running(worker, env, tmp_path) as second:
        first.wait_for("built")
        second.wait_for("built")
        time.sleep(0.2)
        printed = [first.output.count(LINK), second.output.count(LINK)]
    assert sorted(printed) == [0, 1], printed
    with running(worker, env, tmp_path) as replacement:
        replacement.wait_for("built")
    assert replacement.stop().count(LINK) == 1, "a new server, after the old one stopped, prints it again"


def test_gunicorn_with_two_workers_prints_the_link_once_and_serves(tmp_path: Path) -> None:
    env = configured(tmp_path)
    command = gunicorn()
    address = command[command.index("--bind") + 1]
    with running(command, env, tmp_path) as server:
        server.wait_for("Booting worker")
        deadline = time.monotonic() + 60
        while _status(f"http://{address}/healthz") != 200:
            assert time.monotonic() < deadline, server.output
            time.sleep(0.1)
        time.sleep(1)  # each worker builds the app as it boots: time for the second to print, if it would
        output = server.stop()
    assert output.count(LINK) == 1, output
    assert output.count("Booting worker") == 2, output
    assert output.index(LINK) < output.index("Booting worker"), "printed by the master, before any worker"


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except OSError:
        return None
