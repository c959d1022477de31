"""Print what the widget weighs on a visitor's first render, beside two well-known embeds.

Our figures come from the app itself (the demo widget's frame rendered through the test client).
The peers are measured on their npm packages when ``npm pack`` can fetch them, and are always
shown with the figures quoted in the issue.
"""

from __future__ import annotations

import gzip
import logging
import shutil
import subprocess
import tarfile
import tempfile
import warnings
from pathlib import Path

from widget import create_app

BUDGET = 1500  # bytes of gzip for embed.js (issue 11, item 2)
PEERS = [
    # (label, npm spec, file inside the package, gzip bytes quoted in the issue)
    ("Cal.com embed.js (embed-core 1.5.3)", "@calcom/embed-core@1.5.3", "package/dist/embed/embed.js", 17_228),
    ("Typebot web.js (@typebot.io/js 0.10.7)", "@typebot.io/js@0.10.7", "package/dist/web.js", 196_440),
]


def gzip_python(data: bytes) -> int:
    """Return the size of data under Python's gzip at level 9."""
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def gzip_cli(data: bytes) -> int | None:
    """Return the size under ``gzip -9`` (reading stdin, so no file name in the header), if installed."""
    if not shutil.which("gzip"):
        return None
    return len(subprocess.run(["gzip", "-9", "-c"], input=data, capture_output=True, check=True).stdout)


def our_assets() -> list[tuple[str, bytes]]:
    """Render the demo widget's first view and return each response body the browser downloads."""
    logging.getLogger("widget").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = create_app({"TESTING": True, "RTR_SECRET_KEY": "bench", "RTR_WORKER": "off",
                          "RTR_DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3"}, instance_path=folder)
        app.test_cli_runner().invoke(args=["rtr", "demo"])
        client = app.test_client()
        query = "mode=inline&origin=https://practice.example&instance=demo&page=https://practice.example/blog"
        frame = client.get("/w/demo/frame?" + query)
        bodies = [("embed.js", client.get("/embed.js").data), ("frame HTML (demo widget)", frame.data)]
        bodies += [(name, client.get("/static/" + name).data) for name in ("frame.css", "frame.js")]
        app.extensions["rtr"].store.engine.dispose()
    for name, body in bodies:
        if not body:
            raise SystemExit(f"{name} came back empty; is the app broken?")
    return bodies


def measure_peer(spec: str, member: str) -> tuple[int, int] | str:
    """Fetch a package with ``npm pack`` and return (raw, gzip) of one file, or why it could not."""
    if not shutil.which("npm"):
        return "npm not installed"
    with tempfile.TemporaryDirectory() as folder:
        try:
            done = subprocess.run(["npm", "pack", spec, "--silent"], cwd=folder, capture_output=True,
                                  text=True, timeout=90)
        except subprocess.TimeoutExpired:
            return "npm pack timed out"
        tarballs = list(Path(folder).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            return "npm pack failed: " + (done.stderr.strip().splitlines() or ["no output"])[-1][:60]
        with tarfile.open(tarballs[0]) as archive:
            handle = archive.extractfile(member)
            if handle is None:
                return f"{member} not in the package"
            data = handle.read()
    return len(data), gzip_python(data)


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    bodies = our_assets()
    print(row(["What", "Raw bytes", "gzip -9 (Python)", "gzip -9 (CLI)"]))
    print(row(["---", "---:", "---:", "---:"]))
    total_raw = total_gzip = 0
    for name, body in bodies:
        packed, cli = gzip_python(body), gzip_cli(body)
        total_raw += len(body)
        total_gzip += packed
        print(row([name, f"{len(body):,}", f"{packed:,}", f"{cli:,}" if cli is not None else "n/a"]))
    print(row(["**Total first render** (all four)", f"{total_raw:,}", f"{total_gzip:,}", ""]))
    for label, spec, member, quoted in PEERS:
        measured = measure_peer(spec, member)
        if isinstance(measured, tuple):
            print(row([label + ", measured", f"{measured[0]:,}", f"{measured[1]:,}", ""]))
        else:
            print(row([label + f", measured: {measured}", "", "", ""]))
        print(row([label + ", quoted", "", f"{quoted:,}", ""]))
    embed = gzip_python(bodies[0][1])
    verdict = "within" if embed <= BUDGET else "OVER"
    print(f"\nembed.js is {embed:,} bytes gzip: {verdict} the {BUDGET:,}-byte budget.")


if __name__ == "__main__":
    main()
