"""Build the wheel, install it into a fresh virtualenv and serve a frame and embed.js from it.

Offline recipe: the wheel is built from a copy of the checkout (``pip wheel --no-deps
--no-build-isolation``, so no build requirements are downloaded and the shared tree gets no
``build/`` or ``*.egg-info``). It is installed with ``--no-deps`` into a venv created *without*
``--system-site-packages``; the venv reaches its dependencies through a ``.pth`` file naming this
test venv's site-packages. That directory holds only an editable-install *finder* for ``widget``,
which a ``.pth`` path line does not activate, so ``widget`` can only come from the installed wheel.
The app then runs in a subprocess from a temporary working directory.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("widget", "templates", "static", "setup.cfg", "pyproject.toml", "README.md")
SERVE = """
import sys, widget
from werkzeug.serving import make_server
from widget.state import resource_dir
print(widget.__file__, resource_dir("templates"), resource_dir("static"), sep="\\n", flush=True)
server = make_server("127.0.0.1", 0, widget.create_app())
print(server.server_port, flush=True)
server.serve_forever()
"""


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command and return its output; fail with the output when it fails."""
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"{args[:4]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a copy of the checkout's package files."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
        "-w", out, source, cwd=source)
    [built] = out.glob("ready_to_rebuild-*.whl")
    return built


@pytest.fixture(scope="module")
def venv_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Create a fresh venv, point it at this venv's dependencies and install the wheel alone."""
    home = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", home, cwd=home)
    python = home / "bin" / "python"
    [fresh_site] = run(python, "-c", "import site; print(site.getsitepackages()[0])", cwd=home).split()
    deps = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (Path(fresh_site) / "rtr_test_dependencies.pth").write_text("\n".join(deps) + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel, cwd=home)
    return python


def test_wheel_carries_every_package_template_and_static_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"widget/py.typed"}
    expected |= {str(p.relative_to(REPO)) for p in (REPO / "widget").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
    for folder in ("templates", "static"):
        expected |= {"widget/" + str(p.relative_to(REPO)) for p in (REPO / folder).rglob("*") if p.is_file()}
    missing = sorted(expected - names)
    assert not missing, f"the wheel misses {missing}: map them in setup.cfg"


@pytest.fixture
def installed_server(venv_python: Path, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """Run the installed app from a temporary working directory; yield its URL and where it loaded from."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RTR_", "PYTHON", "FLASK_"))}
    env.update(RTR_SECRET_KEY="wheel-test-secret", RTR_WORKER="off", RTR_INSTANCE_PATH=str(tmp_path / "instance"),
               RTR_RATELIMIT_STORAGE_URI="memory://", PYTHONWARNINGS="ignore")
    run(venv_python, "-m", "flask", "--app", "widget", "rtr", "demo", cwd=tmp_path, env=env)
    process = subprocess.Popen([str(venv_python), "-c", SERVE], cwd=tmp_path, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        origins = [process.stdout.readline().strip() for _ in range(3)]
        port = process.stdout.readline().strip()
        assert port.isdigit(), f"the installed app did not start (printed {[*origins, port]})"
        yield f"http://127.0.0.1:{port}", origins
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout:
            process.stdout.close()


def test_installed_wheel_serves_frame_and_loader(installed_server: tuple[str, list[str]], venv_python: Path) -> None:
    url, (module, templates, static) = installed_server
    venv = str(venv_python.parent.parent)
    for loaded in (module, templates, static):
        assert loaded.startswith(venv) and "site-packages" in loaded, f"{loaded} is not from the installed wheel"

    frame = requests.get(url + "/w/demo/frame", timeout=10)
    assert frame.status_code == 200
    assert 'class="rtr-card"' in frame.text and "988" in frame.text
    assert "Set-Cookie" not in frame.headers
    spanish = requests.get(url + "/w/demo/frame?lang=es", timeout=10)
    assert "Su nombre" in spanish.text and "Terapia de pareja" in spanish.text, "the catalogs travel in the wheel"

    loader = requests.get(url + "/embed.js", timeout=10)
    assert loader.status_code == 200
    assert loader.headers["Content-Type"].startswith("text/javascript")
    assert loader.content == (Path(static) / "rtr" / "embed.js").read_bytes()
    assert loader.content == (REPO / "static" / "rtr" / "embed.js").read_bytes()
    css = requests.get(url + "/static/frame.css", timeout=10)
    assert css.status_code == 200 and b".rtr-card" in css.content
