"""Shared fixtures: the bundled package, writable copies of it, and the external corpus."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from changzhi_stats.package.descriptor import bundled_package_path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(autouse=True, scope="session")
def _verdict_cache(tmp_path_factory: pytest.TempPathFactory):
    """frictionless-py's remembered verdicts (package/verdicts.py) go to a folder of this run,
    never the home folder; the suite shares it, so every test also checks that a remembered
    verdict gives the same report (tests of the cache itself set their own folder)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CZ_STATS_CACHE_DIR", str(tmp_path_factory.mktemp("verdict-cache")))
        yield


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages follow the locale (``--lang``'s default); tests assert on the English ones, so
    a Chinese locale on the machine running them is neutralised (tests that want zh say so)."""
    from changzhi_stats.report.i18n import resolve

    if resolve() != "en":
        monkeypatch.setenv("LC_ALL", "C.UTF-8")


@pytest.fixture
def bundled() -> Path:
    return bundled_package_path()


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled package; returns the folder."""
    target = tmp_path / "pkg"
    shutil.copytree(bundled_package_path().parent, target)
    return target


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def stop_group(process: subprocess.Popen, grace: float = 20) -> None:
    """End a server a test started in a process group of its own (``start_new_session``):
    SIGTERM to the group, SIGKILL after ``grace`` seconds."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # the group the test started, by its id
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def file_tree(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` and its SHA-256: two releases are the same release."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def set_cell(folder: Path, resource: str, row: int, field: str, value: str) -> None:
    """Change one cell; ``row`` counts as Frictionless does (the header is row 1)."""
    path = folder / "data" / f"{resource}.csv"
    rows = read_rows(path)
    rows[row - 1][rows[0].index(field)] = value
    write_rows(path, rows)


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the external corpus is absent ({CORPUS}); it lives in ../shared/corpus")
    return CORPUS


# --- small packages written from scratch (generic Table Schema cases) ------------------------


# what publish requires of every package (a title and a licence): tests of their absence drop them
REUSABLE = {
    "title": "Test package",
    "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
}


def write_package(folder: Path, tables: dict[str, dict], **descriptor: object) -> Path:
    """Write ``datapackage.json`` and one file per resource into ``folder``; returns the folder.

    Each table is a resource descriptor plus ``data`` (bytes, text, or a list of rows written as
    UTF-8 CSV) and ``fields`` (shorthand for ``schema``: ``"name"`` or ``"name:type"`` or a
    field dict). ``path`` defaults to ``<name>.csv``.
    """
    import json

    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    for name, table in tables.items():
        resource = dict(table)
        data = resource.pop("data", None)
        fields = resource.pop("fields", None)
        resource = {"name": name, "path": f"{name}.csv", **resource}
        if fields is not None:
            resource["schema"] = {"fields": [_field(f) for f in fields]}
        if data is not None:
            target = folder / resource["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, list):
                write_rows(target, data)
            else:
                target.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        resources.append(resource)
    content = {"name": "test-package", **REUSABLE, "resources": resources, **descriptor}
    (folder / "datapackage.json").write_text(json.dumps(content, ensure_ascii=False, indent=2))
    return folder


def _field(spec: str | dict) -> dict:
    if isinstance(spec, dict):
        return spec
    name, _, kind = spec.partition(":")
    return {"name": name, "type": kind or "string"}


def places(report, check: str | None = None) -> list[tuple]:
    """(resource, row, field, check) of every listed problem, errors then warnings."""
    return [
        (p.resource, p.row, p.field, p.check)
        for p in report.errors + report.warnings
        if check is None or p.check == check
    ]


def observation_row(folder: Path, *, measure: str | None = None, kind: str | None = None) -> int:
    """The Frictionless row number of the first observation whose indicator has ``measure`` and
    whose unit has ``kind`` (so tests do not hard-code the bundled package's row order)."""
    indicators = {r[0]: r for r in read_rows(folder / "data" / "indicators.csv")[1:]}
    head = read_rows(folder / "data" / "indicators.csv")[0]
    units = {r[0]: r[3] for r in read_rows(folder / "data" / "units.csv")[1:]}
    rows = read_rows(folder / "data" / "observations.csv")
    for number, row in enumerate(rows[1:], start=2):
        indicator = indicators[row[0]]
        if measure is not None and indicator[head.index("measure")] != measure:
            continue
        if kind is not None and units[indicator[head.index("unit")]] != kind:
            continue
        return number
    raise LookupError(f"no observation with measure={measure!r} kind={kind!r}")


@pytest.fixture
def make_package(tmp_path: Path):
    """``make_package(tables, **descriptor)``: a fresh small package folder under tmp_path."""
    counter = iter(range(1_000_000))

    def make(tables: dict[str, dict], **descriptor: object) -> Path:
        return write_package(tmp_path / f"p{next(counter)}", tables, **descriptor)

    return make


def compress(kind: str, data: bytes) -> bytes:
    """``data`` as a compressed resource file: gz, bz2, xz, or a zip holding ``t.csv``."""
    import bz2
    import gzip
    import io
    import lzma
    import zipfile

    if kind == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("t.csv", data)
        return buffer.getvalue()
    return {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[kind](data)


SRC = str(Path(__file__).resolve().parents[1] / "src")


def run_cli(
    *args: str, timeout: float = 30, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess:
    """The real command line in a subprocess: a hang becomes a failure, not a stuck suite."""
    code = "import sys; from changzhi_stats.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": SRC, **env},
        cwd=cwd,
    )


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip(
            "Chromium is absent: install Debian's `chromium` package (apt-get install chromium) "
            "to render the HTML pages in a real headless browser"
        )
    return found


def browse(target: Path | str, profile: Path, *extra: str, options: tuple[str, ...] = ()) -> str:
    """Render ``target`` (a file, or a URL) in headless Chromium; returns the DOM as rendered
    (or runs ``extra`` instead of ``--dump-dom``). ``options``: more switches for Chromium."""
    url = target.resolve().as_uri() if isinstance(target, Path) else target
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        *options,
        f"--user-data-dir={profile}",
        *(extra or ("--dump-dom",)),
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout
