"""A generator of hostile inputs (issue 15, item 4), each run through the real command line.

Every case builds its input in a fresh folder and names the command to run on it and what must
come out: a finding (its check code on stdout) or a clean error (an exit code and one line), never
a traceback or ignored-exception noise on stdout or stderr, and never a run past the subprocess
timeout. The cases: an xlsx zip bomb and XML entity expansion (billion laughs, an external
entity), zip members named with ``..``, concatenated gzip members, a symlinked release folder and
releases tampered in new ways (a changed byte in a Parquet file, a SHA256SUMS with an extra or a
missing line, a renamed file).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import run_cli, write_package

import changzhi_stats as cz

TIMEOUT = 60  # seconds: a hang guard, not a timing test (each case takes about a second)
NOISE = ("Traceback", "Exception ignored", "internal error", "Error in sys.excepthook")
FIELDS = [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return run_cli(*args, timeout=TIMEOUT, cwd=cwd, LC_ALL="C.UTF-8")


@dataclass
class Case:
    id: str
    build: Callable[[Path], list[str]]  # the command's arguments, given a fresh folder
    codes: tuple[int, ...]  # the exit codes allowed
    says: str  # what stdout + stderr must contain (a check code, a file name)


def one_table(folder: Path, path: str, data: bytes, **resource: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / path).write_bytes(data)
    spec = {"name": "t", "path": path, "schema": {"fields": FIELDS}, **resource}
    descriptor = {"name": "p", "title": "P", "licenses": [{"name": "CC0-1.0"}]}
    (folder / "datapackage.json").write_text(json.dumps({**descriptor, "resources": [spec]}))
    return folder


# --- workbooks -----------------------------------------------------------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="t" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def sheet(doctype: str = "", cell: str = "a", padding: int = 0) -> str:
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
        f'<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>{cell}</t></is></c>'
        "</row>"
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="http://schemas.'
        f'openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData>'
        f"{' ' * padding}</worksheet>"
    )


def workbook(sheet_xml: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
EXTERNAL = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


def xlsx_case(data: Callable[[], bytes]) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        return ["validate", str(one_table(folder / "p", "t.xlsx", data()))]

    return build


def _bomb() -> bytes:
    # 100 MB of spaces inside the sheet: about 100 KB zipped, a ratio of about 1,000
    return workbook(sheet(padding=100 * 1024 * 1024))


# --- compressed CSV ------------------------------------------------------------------------


def _zip_with(names: list[str], data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name)
            archive.writestr(info, data)
    return buffer.getvalue()


def _zip_dotdot(folder: Path) -> list[str]:
    data = _zip_with(["../../evil.csv"], b"id,name\n1,a\nx,b\n")
    package = one_table(folder / "p", "t.csv.zip", data)
    return ["validate", str(package)]


def _zip_dotdot_innerpath(folder: Path) -> list[str]:
    data = _zip_with(["../../evil.csv", "ok.csv"], b"id,name\n1,a\nx,b\n")
    package = one_table(folder / "p", "t.csv.zip", data, innerpath="../../evil.csv")
    return ["validate", str(package)]


def _gzip_members(folder: Path) -> list[str]:
    # two gzip members, one after the other: a valid gzip file (RFC 1952), read as one stream;
    # the type error is in the second member's row
    data = gzip.compress(b"id,name\n1,a\n") + gzip.compress(b"x,b\n")
    return ["validate", str(one_table(folder / "p", "t.csv.gz", data))]


def _gzip_member_then_junk(folder: Path) -> list[str]:
    data = gzip.compress(b"id,name\n1,a\n") + b"\x1f\x8b\x08\x00garbage"
    return ["validate", str(one_table(folder / "p", "t.csv.gz", data))]


# --- pathological shapes (item 3: each a finding or a named limit, never a hang) -------------


def _csv_case(text: Callable[[], str]) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        return ["validate", str(one_table(folder / "p", "t.csv", text().encode()))]

    return build


def _wide(columns: int) -> str:
    return ",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" * columns) + "\n"


# --- releases ------------------------------------------------------------------------------


def _release(folder: Path) -> Path:
    package = write_package(
        folder / "pkg", {"t": {"fields": ["a:integer", "b"], "data": "a,b\n1,x\n2,y\n"}}
    )
    return cz.publish(package, version="1.0.0", out=folder / "out").path


def _parquet_byte(folder: Path) -> list[str]:
    release = _release(folder)
    parquet = next(release.rglob("*.parquet"))
    data = bytearray(parquet.read_bytes())
    data[len(data) // 2] ^= 0x01
    parquet.write_bytes(bytes(data))
    return ["verify", str(release)]


def _sums_extra_line(folder: Path) -> list[str]:
    release = _release(folder)
    sums = release / "SHA256SUMS"
    extra = hashlib.sha256(b"ghost").hexdigest() + "  data/ghost.csv\n"
    sums.write_text(sums.read_text() + extra)
    return ["verify", str(release)]


def _sums_missing_line(folder: Path) -> list[str]:
    release = _release(folder)
    sums = release / "SHA256SUMS"
    lines = sums.read_text().splitlines(keepends=True)
    sums.write_text("".join(line for line in lines if ".parquet" not in line))
    return ["verify", str(release)]


def _renamed_file(folder: Path) -> list[str]:
    release = _release(folder)
    parquet = next(release.rglob("*.parquet"))
    parquet.rename(parquet.with_name("renamed.parquet"))
    return ["verify", str(release)]


def _symlinked_release(folder: Path) -> list[str]:
    release = _release(folder)
    link = folder / "link"
    os.symlink(release, link)
    return ["verify", str(link)]


def _symlinked_out(folder: Path) -> list[str]:
    """publish into an OUT whose version folder is a symlink to elsewhere"""
    package = write_package(folder / "pkg", {"t": {"fields": ["a:integer"], "data": "a\n1\n"}})
    (folder / "elsewhere").mkdir()
    (folder / "out").mkdir()
    os.symlink(folder / "elsewhere", folder / "out" / "1.0.0")
    return ["publish", str(package), "--version", "1.0.0", "--out", str(folder / "out")]


CASES = [
    Case("xlsx-zip-bomb", xlsx_case(_bomb), (1,), "limit-exceeded"),
    Case("xlsx-billion-laughs", xlsx_case(lambda: workbook(sheet(LAUGHS, "&lol9;"))), (1,), "t"),
    Case(
        "xlsx-external-entity",
        xlsx_case(lambda: workbook(sheet(EXTERNAL, "&secret;"))),
        (0, 1),
        "t",
    ),
    Case("zip-member-dotdot", _zip_dotdot, (1,), "type-error"),
    Case("zip-innerpath-dotdot", _zip_dotdot_innerpath, (1,), "t"),
    Case("gzip-concatenated-members", _gzip_members, (1,), "type-error"),
    Case("gzip-member-then-junk", _gzip_member_then_junk, (1,), "source-error"),
    # 10,000 columns: under the column limit, every unknown column an extra-label (~1.8 s CPU)
    Case("header-10000-columns", _csv_case(lambda: _wide(10_000)), (1,), "extra-label"),
    # 20,000 columns: over Limits.columns (16,384)
    Case("header-20000-columns", _csv_case(lambda: _wide(20_000)), (1,), "--max-columns"),
    # a 5 MB line without a newline: over Limits.cell_chars
    Case("line-5mb-no-newline", _csv_case(lambda: "id\n" + "7" * 5_000_000), (1,), "limit"),
    # a quote never closed: the rest of the file is one cell
    Case("quote-never-closed", _csv_case(lambda: 'id,name\n"' + 'x,"",\n' * 200_000), (1,), "t"),
    Case("release-parquet-byte", _parquet_byte, (1,), ".parquet"),
    Case("release-sums-extra-line", _sums_extra_line, (1,), "ghost.csv"),
    Case("release-sums-missing-line", _sums_missing_line, (1,), ".parquet"),
    Case("release-renamed-file", _renamed_file, (1,), "renamed.parquet"),
    Case("release-symlinked-folder", _symlinked_release, (1, 2), "link"),
    Case("publish-into-symlinked-version", _symlinked_out, (1, 2), "1.0.0"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path) -> None:
    args = case.build(tmp_path)
    result = cli(*args, cwd=tmp_path)
    both = result.stdout + result.stderr
    for noise in NOISE:
        assert noise not in both, both
    assert result.returncode in case.codes, both
    assert case.says in both, both
    assert not (tmp_path.parent / "evil.csv").exists()
    assert "root:" not in both  # an external entity is never resolved
