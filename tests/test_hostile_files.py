"""Hostile files (issue 18): FIFOs, stale or huge workbook dimensions, broken workbooks, parse
errors in big or compressed files, and output that cannot be written.

Every case ends with a finding or a clean one-line error, never a hang, a traceback or rows lost
in silence. A case that hung before runs in a subprocess with a timeout, so it fails instead.
"""

from __future__ import annotations

import bz2
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import SRC, run_cli

import changzhi_stats as cz
from changzhi_stats.cli import main
from changzhi_stats.package import paths
from changzhi_stats.scaffold import ScaffoldFailed, ScaffoldRefused, init
from changzhi_stats.sources import csv as csvsource

FIELDS = [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]


def package(folder: Path, path: str, data: bytes | None, **resource: object) -> Path:
    """A one-table package whose data file is ``path`` (``data`` None: not written)."""
    folder.mkdir(parents=True, exist_ok=True)
    if data is not None:
        (folder / path).write_bytes(data)
    spec = {"name": "t", "path": path, "schema": {"fields": FIELDS}, **resource}
    (folder / "datapackage.json").write_text(json.dumps({"name": "p", "resources": [spec]}))
    return folder


def cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return run_cli(*args, timeout=timeout)


def no_traceback(text: str) -> None:
    assert "Traceback" not in text and "internal error" not in text, text


# --- only regular files are opened ------------------------------------------------------------


def test_open_regular_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer comes; open_regular refuses it without waiting."""
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    with pytest.raises(paths.NotRegularFile, match="FIFO"):
        paths.open_regular(fifo)
    with pytest.raises(paths.NotRegularFile, match="character device"):
        paths.open_regular("/dev/null")
    with pytest.raises(paths.NotRegularFile, match="folder"):
        paths.open_regular(tmp_path)
    (tmp_path / "r").write_text("x")
    with paths.open_regular(tmp_path / "r", "r", encoding="utf-8") as handle:
        assert handle.read() == "x"


@pytest.mark.parametrize("path", ["t.csv", "t.csv.gz", "t.xlsx"])
def test_a_fifo_data_file_is_a_finding_not_a_hang(tmp_path: Path, path: str) -> None:
    folder = package(tmp_path / "pkg", path, None)
    os.mkfifo(folder / path)
    ran = cli("validate", str(folder), "--format", "json")
    assert ran.returncode == 1, ran.stderr
    errors = json.loads(ran.stdout)["errors"]
    assert [e["check"] for e in errors] == ["source-error"]
    assert "FIFO" in errors[0]["message"] and path in errors[0]["message"]


def test_a_fifo_behind_a_declared_hash_or_a_source_text_is_a_finding(tmp_path: Path) -> None:
    folder = package(tmp_path / "pkg", "t.csv", b"id,name\n1,a\n", hash="md5:00")
    os.mkfifo(folder / "text.txt")
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["resources"][0]["path"] = "fifo.csv"
    os.mkfifo(folder / "fifo.csv")
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    ran = cli("validate", str(folder), "--format", "json")
    assert ran.returncode == 1
    assert {e["check"] for e in json.loads(ran.stdout)["errors"]} == {"source-error"}


def test_a_fifo_source_text_is_a_finding(package_copy: Path) -> None:
    sources = package_copy / "data" / "sources.csv"
    first = sources.read_text(encoding="utf-8").splitlines()[1]
    text_path = next(c for c in first.split(",") if c.endswith(".txt"))
    target = package_copy / text_path
    target.unlink()
    os.mkfifo(target)
    ran = cli("validate", str(package_copy), "--format", "json")
    assert ran.returncode == 1, ran.stderr
    errors = json.loads(ran.stdout)["errors"]
    assert any(e["check"] == "source-error" and "FIFO" in e["message"] for e in errors)


def test_a_source_text_over_the_limit_is_a_finding(
    package_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A source text is held whole in memory: one over the limit is not read at all."""
    from changzhi_stats.engines.polars import enrich as model

    monkeypatch.setattr(model, "SOURCE_TEXT_BYTES", 16)
    report = cz.validate(package_copy)
    hits = [p for p in report.errors if p.check == "limit-exceeded"]
    assert hits and "source text" in hits[0].message


# --- workbooks --------------------------------------------------------------------------------


def workbook(rows: int, columns: int = 2) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "name"][:columns] + [f"c{i}" for i in range(columns - 2)])
    for i in range(rows):
        sheet.append([i + 1, f"row {i + 1}"] + [None] * (columns - 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def edit_parts(data: bytes, edit) -> bytes:
    """The workbook with ``edit(name, bytes) -> bytes | None`` applied to every part (None:
    the part is left out)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = edit(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
    return out.getvalue()


def with_dimension(data: bytes, ref: str) -> bytes:
    def edit(name: str, content: bytes) -> bytes:
        if name.startswith("xl/worksheets/"):
            content = re.sub(
                rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), content
            )
        return content

    return edit_parts(data, edit)


def test_a_stale_dimension_loses_no_rows(tmp_path: Path) -> None:
    """31 rows under a declared A1:J10: openpyxl's read-only mode read 9 of them, "valid"."""
    data = with_dimension(workbook(30), "A1:J10")
    folder = package(tmp_path / "pkg", "t.xlsx", data, format="xlsx")
    report = cz.validate(folder)
    assert report.valid, report.to_text()
    assert report.to_dict()["stats"]["rows"] == 30


def test_a_huge_declared_dimension_is_not_padded(tmp_path: Path) -> None:
    """A1:XFD1048576 made every row 16,384 cells and the sheet a million rows (a hang)."""
    data = with_dimension(workbook(3), "A1:XFD1048576")
    folder = package(tmp_path / "pkg", "t.xlsx", data, format="xlsx")
    ran = cli("validate", str(folder), "--format", "json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert json.loads(ran.stdout)["stats"]["rows"] == 3


def test_shared_strings_over_the_limit_are_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from changzhi_stats.sources import xlsx as xlsxsource

    monkeypatch.setattr(xlsxsource, "SHARED_STRINGS_BYTES", 1024)
    strings = b"<sst>" + b"<si><t>x</t></si>" * 100 + b"</sst>"

    def edit(name: str, content: bytes) -> bytes:
        return content

    data = edit_parts(workbook(3), edit)
    with zipfile.ZipFile(io.BytesIO(data)) as source, io.BytesIO() as out:
        with zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                target.writestr(info, source.read(info))
            target.writestr("xl/sharedStrings.xml", strings)
        data = out.getvalue()
    folder = package(tmp_path / "pkg", "t.xlsx", data, format="xlsx")
    report = cz.validate(folder)
    assert [p.check for p in report.errors] == ["limit-exceeded"]
    assert "shared strings" in report.errors[0].message


def cut_short(data: bytes) -> bytes:
    def edit(name: str, content: bytes) -> bytes:
        return content[: len(content) // 2] if name.startswith("xl/worksheets/") else content

    return edit_parts(data, edit)


def no_sheet(data: bytes) -> bytes:
    def edit(name: str, content: bytes) -> bytes | None:
        if name.startswith("xl/worksheets/"):
            return None
        if name == "xl/workbook.xml":
            return re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", content, flags=re.S)
        return content

    return edit_parts(data, edit)


@pytest.mark.parametrize("broken", [cut_short, no_sheet])
def test_a_broken_workbook_is_a_finding(tmp_path: Path, broken) -> None:
    folder = package(tmp_path / "pkg", "t.xlsx", broken(workbook(5)), format="xlsx")
    ran = cli("validate", str(folder), "--format", "json")
    no_traceback(ran.stderr)
    assert ran.returncode == 1, ran.stderr
    assert [e["check"] for e in json.loads(ran.stdout)["errors"]] == ["source-error"]


@pytest.mark.parametrize("broken", [cut_short, no_sheet])
def test_init_from_a_broken_workbook_is_a_clean_error(tmp_path: Path, broken) -> None:
    source = tmp_path / "obs.xlsx"
    source.write_bytes(broken(workbook(5)))
    with pytest.raises(ScaffoldRefused, match="cannot read the observations"):
        init(tmp_path / "new", source, "140400")


def test_init_reads_every_row_of_a_stale_dimension(tmp_path: Path) -> None:
    source = tmp_path / "obs.xlsx"
    source.write_bytes(with_dimension(workbook(30), "A1:B3"))
    from changzhi_stats.scaffold import _read_sheet

    header, rows = _read_sheet(source)
    assert header == ["id", "name"] and len(rows) == 30


# --- parse errors stay in bounded memory -------------------------------------------------------


def test_a_parse_error_does_not_read_the_whole_file_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stray quote made cz-stats decode the whole file in memory (1.5 GB: killed at 4 GiB);
    now it is decoded a chunk at a time: no read asks for the whole file."""
    body = b'id,name\n1,"stray\n' + b"2,plain row of the table\n" * 120_000
    folder = package(tmp_path / "pkg", "t.csv", body)
    monkeypatch.setattr(csvsource, "BATCH_BYTES", 64 << 10)
    sizes: list[int] = []
    original = csvsource._Transcoding._fill

    def watched(self) -> None:
        before = len(self._out)
        original(self)
        sizes.append(len(self._out) - before)

    monkeypatch.setattr(csvsource._Transcoding, "_fill", watched)
    init_source = csvsource.CsvSource.__init__
    monkeypatch.setattr(
        csvsource.CsvSource,
        "__init__",
        lambda self, r, f, batch_bytes=64 << 10: init_source(self, r, f, batch_bytes),
    )
    report = cz.validate(folder)
    assert [p.check for p in report.errors] == ["source-error"]
    assert "never closed" in report.errors[0].message
    assert sizes and max(sizes) <= csvsource.CHUNK < len(body)


def test_a_bz2_bomb_with_a_parse_error_stops_at_the_first_block(tmp_path: Path) -> None:
    """50 MB of one line of zeros in a 50 KB bz2 file: an answer, no whole-file decode."""
    data = bz2.compress(b"id,name\n1," + b"0" * (48 << 20) + b"\n")
    folder = package(tmp_path / "pkg", "t.csv.bz2", data)
    ran = cli("validate", str(folder), "--format", "json")
    assert ran.returncode == 1, ran.stderr
    errors = json.loads(ran.stdout)["errors"]
    assert [e["check"] for e in errors] == ["source-error"]


def test_a_gb18030_file_streams_and_reports_bad_bytes_by_row(tmp_path: Path) -> None:
    text = "id,name\n" + "".join(f"{i},长治{i}\n" for i in range(1, 2001))
    data = text.encode("gb18030")
    bad = data.replace("长治1500".encode("gb18030"), b"\xff\xfe1500")
    folder = package(tmp_path / "pkg", "t.csv", bad, encoding="gb18030")
    report = cz.validate(folder)
    assert [(p.check, p.row) for p in report.errors] == [("encoding-error", 1501)]
    assert report.to_dict()["stats"]["rows"] == 2000


# --- command line ------------------------------------------------------------------------------


def test_output_into_a_missing_folder_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "-o", str(tmp_path / "no" / "r.txt")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot write") and result.exception is not None
    assert isinstance(result.exception, SystemExit)
    no_traceback(result.stderr)


def test_output_to_a_full_device_is_a_one_line_error() -> None:
    ran = cli("validate", "--format", "json", "-o", "/dev/full")
    assert ran.returncode == 2 and "No space left" in ran.stderr
    no_traceback(ran.stderr)
    with open("/dev/full", "w") as full:
        code = "import sys; from changzhi_stats.cli import main; sys.exit(main())"
        ran2 = subprocess.run(
            [sys.executable, "-c", code, "validate"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": SRC},
        )
    assert ran2.returncode == 2, ran2.stderr
    assert ran2.stderr.strip().splitlines() == [
        "error: cannot write the output: No space left on device"
    ]


def test_init_refuses_full_width_digits(tmp_path: Path, bundled: Path) -> None:
    observations = bundled.parent / "data" / "observations.csv"
    result = CliRunner().invoke(
        main,
        ["init", str(tmp_path / "new"), "--from", str(observations), "--region", "１４０４００"],
    )
    assert result.exit_code == 1 and "6-digit" in result.stderr
    assert not (tmp_path / "new").exists()


def test_init_into_a_folder_that_cannot_be_written_is_a_clean_error(
    tmp_path: Path, bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    observations = bundled.parent / "data" / "observations.csv"
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(
        main, ["init", str(blocker / "new"), "--from", str(observations), "--region", "140400"]
    )
    assert result.exit_code == 2 and result.stderr.startswith("error: "), result.stderr
    no_traceback(result.stderr)

    def read_only(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(ScaffoldFailed, match="Permission denied"):
        init(tmp_path / "ro" / "new", observations, "140400")


def test_init_from_a_fifo_is_refused_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "obs.csv"
    os.mkfifo(fifo)
    ran = cli("init", str(tmp_path / "new"), "--from", str(fifo), "--region", "140400")
    assert ran.returncode == 1 and "FIFO" in ran.stderr, ran.stderr
    no_traceback(ran.stderr)


# --- diff reads as validate does ---------------------------------------------------------------


def test_diff_reads_the_package_encoding_and_dialect(tmp_path: Path) -> None:
    """diff read every table as UTF-8 with ',' whatever the package declared: a GB18030 table
    came out garbled and a ';'-delimited one as a single column."""
    dialect = {"delimiter": ";"}
    old = package(
        tmp_path / "old",
        "t.csv",
        "id;name\n1;长治\n2;太原\n".encode("gb18030"),
        encoding="gb18030",
        dialect=dialect,
    )
    new = package(
        tmp_path / "new",
        "t.csv",
        "id;name\n1;长治市\n2;太原\n3;晋城\n".encode("gb18030"),
        encoding="gb18030",
        dialect=dialect,
    )
    for folder in (old, new):
        descriptor = json.loads((folder / "datapackage.json").read_text())
        descriptor["resources"][0]["schema"]["primaryKey"] = ["id"]
        (folder / "datapackage.json").write_text(json.dumps(descriptor))
    changes = cz.diff(old, new).tables["t"]
    assert changes.added == [{"id": "3", "name": "晋城"}]
    assert changes.revised == [
        {"key": {"id": "1"}, "changes": {"name": {"old": "长治", "new": "长治市"}}}
    ]


@pytest.mark.parametrize("which", ["datapackage.json", "schema.json"])
def test_a_fifo_descriptor_or_schema_is_unreadable_not_a_hang(tmp_path: Path, which: str) -> None:
    """The descriptor and the files it names are opened only when they are regular files."""
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "t.csv").write_text("a\n1\n", encoding="utf-8")
    descriptor = {
        "name": "p",
        "resources": [{"name": "t", "path": "t.csv", "schema": "schema.json"}],
    }
    if which == "schema.json":
        (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    os.mkfifo(folder / which)
    code = (
        "import changzhi_stats as cz, sys\n"
        "try:\n    r = cz.validate(sys.argv[1]); print('report', [e.message for e in r.errors])\n"
        "except cz.PackageUnreadable as e:\n    print('unreadable', e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder / "datapackage.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr
    assert "regular file" in done.stdout


def test_one_opener_and_one_name_for_a_kind_of_file() -> None:
    """``package.paths`` opens regular files and names the other kinds; ``files`` keeps no copy."""
    import stat

    from changzhi_stats.package import files

    assert not hasattr(files, "open_regular") and not hasattr(files, "kind_of")
    assert paths.kind_of(stat.S_IFIFO) == "a FIFO" and paths.kind_of(stat.S_IFLNK) == "a symlink"


def test_a_long_cell_in_a_row_of_the_wrong_width_is_a_finding(tmp_path: Path) -> None:
    """A row pyarrow sets aside (three cells) whose cell is over 128 Ki characters: Python's csv
    re-reads it, and its own field limit once ended in "internal error" (found by the generated
    hostile cases under load)."""
    data = b'id,name\n1,"' + b"x" * 200_000 + b'",extra\n2,b\n'
    report = cz.validate(package(tmp_path / "p", "t.csv", data))
    assert {p.check for p in report.errors} == {"limit-exceeded", "extra-cell"}
    assert any(p.row == 2 and p.field == "name" for p in report.errors)
