"""``cz-stats validate --watch``: checks, then checks again when a file is saved; Ctrl-C is exit 0.

The process is bounded: it is killed if it does not answer within the deadline.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 120.0  # seconds for the whole exchange; far above what it takes


def _reader(stream, lines: list[str], seen: threading.Event) -> None:
    for line in stream:
        lines.append(line)
        seen.set()


def _wait_for(lines: list[str], seen: threading.Event, text: str, count: int, until: float):
    while sum(text in line for line in lines) < count:
        left = until - time.monotonic()
        assert left > 0, f"{text!r} not seen {count} time(s): {''.join(lines)}"
        seen.wait(min(left, 1.0))
        seen.clear()


def test_watch_checks_again_after_a_save_and_stops_cleanly(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(ROOT / "datapackage", package)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "CZ_STATS_WATCH_INTERVAL": "0.2",
        "LC_ALL": "C",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from changzhi_stats.cli import main; main()",
            "validate",
            str(package / "datapackage.json"),
            "--watch",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    lines: list[str] = []
    seen = threading.Event()
    thread = threading.Thread(target=_reader, args=(process.stdout, lines, seen), daemon=True)
    thread.start()
    until = time.monotonic() + DEADLINE
    try:
        _wait_for(lines, seen, ": valid:", 1, until)
        observations = next((package / "data").glob("observations*.csv"))
        text = observations.read_text(encoding="utf-8")
        header, first, *rest = text.splitlines(keepends=True)
        observations.write_text(header + first + first + "".join(rest), encoding="utf-8")
        _wait_for(lines, seen, "changed: ", 1, until)
        _wait_for(lines, seen, ": INVALID:", 1, until)  # the duplicated row is found
        process.send_signal(signal.SIGINT)
        process.wait(timeout=max(1.0, until - time.monotonic()))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    thread.join(timeout=5)
    output = "".join(lines)
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert "stopped watching" in output
