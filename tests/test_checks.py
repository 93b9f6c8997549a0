"""Every check code of the catalogue: at least one case where it fires and one where it must not.

A failing case names the exact (resource, row, field, check) of every problem the report must
list, and nothing else may be listed. Rows count as Frictionless counts them: the header is row 1.
Generic Table Schema cases are small packages written into tmp_path; statistical rules are
planted into a copy of the bundled Changzhi package, one cell at a time.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import (
    compress,
    observation_row,
    places,
    read_rows,
    set_cell,
    write_package,
)

import changzhi_stats as cz
from changzhi_stats.package.descriptor import bundled_package_path
from changzhi_stats.package.limits import Limits
from changzhi_stats.report.catalogue import CHECKS, ERROR, WARNING

SOURCE_TEXT = "changzhi-press-release-2024-12-04.txt"  # the bundled source text
GB_TEXT = "region_code,name_zh\n140400,长治市\n140403,潞州区\n"
GB_FIELDS = ["region_code", "name_zh"]


# --- the harness -------------------------------------------------------------------------------


class Ctx:
    """What a case builder gets: a scratch folder, small packages, copies of the bundled one."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self._n = 0

    def _fresh(self, stem: str) -> Path:
        self._n += 1
        return self.tmp / f"{stem}{self._n}"

    def make(self, tables: dict[str, dict], **descriptor: object) -> Path:
        return write_package(self._fresh("p"), tables, **descriptor)

    def table(self, fields: list, data: object, **resource: object) -> Path:
        """A one-resource package: resource ``t`` with ``fields`` and ``data``."""
        return self.make({"t": {"fields": fields, "data": data, **resource}})

    def copy(self) -> Path:
        target = self._fresh("bundled")
        shutil.copytree(bundled_package_path().parent, target)
        return target

    def outside(self, text: str = "x\nnot-a-number\n", name: str = "outside.csv") -> Path:
        """A file outside every package folder that would produce errors if it were read."""
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return path


@dataclass
class Case:
    """``build(ctx)`` returns the package folder and, for a failing case, the expected places."""

    id: str
    check: str
    build: Callable[[Ctx], tuple[Path, list[tuple]]]
    max_errors: int | None = None
    options: dict = field(default_factory=dict)  # further keyword arguments of validate()
    message: dict[str, str] = field(default_factory=dict)  # check -> text its message contains

    def param(self):
        return pytest.param(self, id=self.id)


def run(case: Case, ctx: Ctx) -> tuple[cz.Report, list[tuple]]:
    folder, expected = case.build(ctx)
    kwargs = {} if case.max_errors is None else {"max_errors": case.max_errors}
    kwargs.update(case.options)
    return cz.validate(folder, **kwargs), expected


def assert_exactly(report: cz.Report, expected: list[tuple]) -> None:
    found = Counter(places(report))
    want = Counter(expected)
    assert found == want, (
        f"\nmissing: {sorted(want - found, key=repr)}\nunexpected: {sorted(found - want, key=repr)}"
    )


# --- failing cases: the package and its files --------------------------------------------------


def _empty_resources(ctx: Ctx):
    folder = ctx.tmp / "empty"
    write_package(folder, {})
    return folder, [(None, None, None, "package-error")]


def _bad_package_name(ctx: Ctx):
    # a descriptor problem does not stop the data from being checked
    folder = ctx.make({"t": {"fields": ["a:integer"], "data": "a\n1\nx\n"}}, name="Not A Name!")
    return folder, [(None, None, None, "package-error"), ("t", 3, "a", "type-error")]


def _unknown_encoding(ctx: Ctx):
    folder = ctx.table(["a"], "a\n1\n", encoding="klingon")
    return folder, [("t", None, None, "resource-error")]


def _bad_pattern(ctx: Ctx):
    fields = [{"name": "a", "constraints": {"pattern": "("}}, "b:integer"]
    return ctx.table(fields, "a,b\nx,1\ny,z\n"), [
        ("t", None, None, "schema-error"),
        ("t", 3, "b", "type-error"),  # the rest of the table is still checked
    ]


def _foreign_key_to_missing_resource(ctx: Ctx):
    folder = ctx.make(
        {
            "t": {
                "schema": {
                    "fields": [{"name": "a"}],
                    "foreignKeys": [
                        {"fields": ["a"], "reference": {"resource": "nope", "fields": ["id"]}}
                    ],
                },
                "data": "a\n1\n",
            }
        }
    )
    return folder, [("t", None, None, "schema-error")]


def _fields_not_a_list(ctx: Ctx):
    folder = ctx.make({"t": {"schema": {"fields": "a"}, "data": "a\n1\n"}})
    return folder, [("t", None, None, "schema-error"), ("t", 1, None, "extra-label")]


def _duplicate_field_names(ctx: Ctx):
    folder = ctx.table(["a:integer", "a:integer"], "a,a\n1,2\nx,3\n")
    return folder, [
        ("t", None, None, "schema-error"),
        ("t", 1, "a", "duplicate-label"),
        ("t", 3, "a", "type-error"),
    ]


def _absolute_path(ctx: Ctx):
    outside = ctx.outside()
    folder = ctx.make({"t": {"fields": ["x:integer"], "path": str(outside)}})
    return folder, [("t", None, None, "unsafe-path")]


def _dotdot_path(ctx: Ctx):
    ctx.outside()
    folder = ctx.make({"t": {"fields": ["x:integer"], "path": "../outside.csv"}})
    return folder, [("t", None, None, "unsafe-path")]


def _dotdot_inside_path(ctx: Ctx):
    ctx.outside()
    folder = ctx.make({"t": {"fields": ["x:integer"], "path": "data/../../outside.csv"}})
    return folder, [("t", None, None, "unsafe-path")]


def _custom_profile(ctx: Ctx):
    table = {"fields": ["x:integer"], "data": "x\n1\n", "profile": "dev/zero"}
    folder = ctx.make({"t": table}, profile="https://example.com/profile.json")
    return folder, [
        (None, None, None, "remote-profile"),
        ("t", None, None, "profile-not-fetched"),
    ]


def _remote_schema(ctx: Ctx):
    folder = ctx.make(
        {
            "t": {
                "schema": "https://example.com/schema.json",
                "data": "x\n1\n",
                "profile": "tabular-data-resource",
            },
            "u": {"fields": ["x:integer"], "data": "x\n1\n", "dialect": "http://example.com/d"},
        },
        profile="tabular-data-package",
    )
    return folder, [("t", None, None, "remote-schema"), ("u", None, None, "remote-schema")]


def _url_path(ctx: Ctx):
    folder = ctx.make({"t": {"fields": ["x:integer"], "path": "https://example.com/t.csv"}})
    return folder, [("t", None, None, "unsafe-path")]


def _symlinked_file(ctx: Ctx):
    outside = ctx.outside()
    folder = ctx.make({"t": {"fields": ["x:integer"], "path": "data/t.csv"}})
    (folder / "data").mkdir()
    os.symlink(outside, folder / "data" / "t.csv")
    return folder, [("t", None, None, "unsafe-path")]


def _symlinked_folder(ctx: Ctx):
    ctx.outside()
    folder = ctx.make({"t": {"fields": ["x:integer"], "path": "data/outside.csv"}})
    os.symlink(ctx.tmp, folder / "data")
    return folder, [("t", None, None, "unsafe-path")]


def _schema_outside(ctx: Ctx):
    ctx.outside('{"fields": [{"name": "x", "type": "integer"}]}', name="schema.json")
    folder = ctx.make({"t": {"schema": "../schema.json", "data": "x\nnot-a-number\n"}})
    return folder, [("t", None, None, "unsafe-path")]


def _source_text_symlinked_outside(ctx: Ctx):
    # if the outside text were read, every quote would be reported as not found in it
    folder = ctx.copy()
    fake = ctx.outside("nothing of the release", name="fake.txt")
    text = folder / read_rows(folder / "data" / "sources.csv")[1][5]
    text.unlink()
    os.symlink(fake, text)
    return folder, [("sources", 2, "path", "unsafe-path")]


def _source_text_absolute(ctx: Ctx):
    folder = ctx.copy()
    fake = ctx.outside("nothing of the release", name="fake.txt")
    set_cell(folder, "sources", 2, "path", str(fake))
    return folder, [("sources", 2, "path", "unsafe-path")]


def _missing_file(ctx: Ctx):
    folder = ctx.make({"t": {"fields": ["a"], "path": "nope.csv"}})
    return folder, [("t", None, None, "source-error")]


def _empty_file(ctx: Ctx):
    return ctx.table(["a"], b""), [("t", None, None, "source-error")]


def _missing_schema_file(ctx: Ctx):
    folder = ctx.make({"t": {"schema": "schema.json", "data": "a\n1\n"}})
    return folder, [("t", None, None, "source-error")]


def _missing_source_text(ctx: Ctx):
    folder = ctx.copy()
    set_cell(folder, "sources", 2, "path", "sources/absent.txt")
    return folder, [("sources", 2, "path", "source-error")]


def _spreadsheet(ctx: Ctx):
    folder = ctx.make({"t": {"fields": ["a"], "path": "t.ods", "data": b"PK\x03\x04"}})
    return folder, [("t", None, None, "format-error")]


def _multipart(ctx: Ctx):  # a path list is read (test_multipart.py); of ods parts, it is not
    folder = ctx.make({"t": {"fields": ["a"], "path": ["t.ods", "u.ods"]}})
    (folder / "t.ods").write_text("a\n1\n")
    (folder / "u.ods").write_text("a\n2\n")
    return folder, [("t", None, None, "format-error")]


def _gb18030_declared_utf8(ctx: Ctx):  # one finding for the cause
    folder = ctx.table(GB_FIELDS, GB_TEXT.encode("gb18030"), encoding="utf-8")
    return folder, [("t", None, None, "encoding-gb18030")]


def _gb18030_undeclared(ctx: Ctx):  # one finding for the cause
    folder = ctx.table(GB_FIELDS, GB_TEXT.encode("gb18030"))
    return folder, [("t", None, None, "encoding-gb18030")]


# one finding per cause (issue 14): each stands for the findings its cause would flood
CODED = [{"name": "region", "constraints": {"required": True}}, "year:integer", "gdp:number"]


def _title_row(ctx: Ctx):
    text = "长治市主要经济指标（2024年）,,\nregion,year,gdp\nr1,2000,1.5\nr2,2001,2.5\n"
    return ctx.table(CODED, text), [("t", 2, None, "header-not-first-row")]


def _data_on_other_sheet(ctx: Ctx):
    import openpyxl

    folder = ctx.make({"t": {"path": "t.xlsx", "format": "xlsx", "fields": CODED}})
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表为长治市主要经济指标"])
    data = book.create_sheet("数据")
    data.append(["region", "year", "gdp"])
    data.append(["r1", 2000, 1.5])
    book.save(folder / "t.xlsx")
    return folder, [("t", None, None, "data-on-other-sheet")]


def _merged_blanks(ctx: Ctx):
    rows = "".join(("长治" if i % 4 == 0 else "") + f",{2000 + i},{i}\n" for i in range(8))
    return ctx.table(CODED, "region,year,gdp\n" + rows), [("t", 3, "region", "merged-cell-blanks")]


def _trailing_empty(ctx: Ctx):
    text = "region,year,gdp,,\nr1,2000,1,,\nr2,2001,2,,\n,,,,\n,,,,\n"
    return ctx.table(CODED, text), [("t", 4, None, "trailing-empty")]


def _bad_byte_after_quoted_newline(ctx: Ctx):
    # the quoted cell spans two lines, so the bad byte is on line 4 but in row 3
    folder = ctx.table(["a", "b"], b'a,b\n"two\nlines",1\nx,\xff\n')
    return folder, [("t", 3, None, "encoding-error")]


PLAIN = "a,b\n1,x\ny,2\n,\n3,4,5\n"  # one error of each kind: type, blank row, extra cell
PLAIN_FOUND = [
    ("t", 3, "a", "type-error"),
    ("t", 4, None, "blank-row"),
    ("t", 5, None, "extra-cell"),
]


def _compressed(kind: str, text: str = PLAIN, encoding: str = "utf-8", **resource: object):
    """Table ``t`` compressed as ``kind``: found exactly what the plain CSV gives."""

    def build(ctx: Ctx):
        data = compress(kind, text.encode(encoding))
        if encoding != "utf-8":
            resource["encoding"] = encoding
        path = f"t.csv.{kind}" if "compression" not in resource else "t.dat"
        folder = ctx.make(
            {"t": {"fields": ["a:integer", "b"], "path": path, "data": data, **resource}}
        )
        return folder, PLAIN_FOUND

    return build


def _corrupt_gzip(ctx: Ctx):
    # over 1 MiB of data, so the head is read and the fault is met while streaming
    whole = compress("gz", ("a\n" + "\n".join(map(str, range(400_000)))).encode())
    folder = ctx.make({"t": {"fields": ["a:integer"], "path": "t.csv.gz", "data": whole[:-40]}})
    return folder, [("t", None, None, "source-error")]


def _not_gzip(ctx: Ctx):
    folder = ctx.make({"t": {"fields": ["a"], "path": "t.csv.gz", "data": "a\n1\n"}})
    return folder, [("t", None, None, "source-error")]


def _unsupported_compression(ctx: Ctx):
    folder = ctx.make(
        {"t": {"fields": ["a"], "path": "t.csv", "data": "a\n1\n", "compression": "7z"}}
    )
    return folder, [("t", None, None, "source-error")]


def _zip_of_two(ctx: Ctx):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("t.csv", "a\n1\n")
        archive.writestr("u.csv", "a\n2\n")
    folder = ctx.make({"t": {"fields": ["a"], "path": "t.zip", "data": buffer.getvalue()}})
    return folder, [("t", None, None, "source-error")]


def _declared(expected: list[tuple], text: str = "a\n1\n", **resource: object):
    def build(ctx: Ctx):
        return ctx.table(["a"], text, **resource), expected

    return build


def _declared_file(ctx: Ctx):
    # a plain file (not a table), as a release lists its Parquet copy: its hash is checked too
    folder = ctx.make(
        {"notes": {"type": "file", "path": "notes.md", "data": "# notes\n", "bytes": 8}}
    )
    (folder / "notes.md").write_text("# notes, edited\n")
    return folder, [("notes", None, None, "byte-count")]


def _unparsable_descriptor(content: bytes):
    def build(ctx: Ctx):
        folder = ctx.tmp / f"bad{abs(hash(content))}"
        folder.mkdir()
        (folder / "datapackage.json").write_bytes(content)
        return folder, [(None, None, None, "package-error")]

    return build


def _path_case(path: str):
    """A resource at ``path``, with a file beside the package that it would reach."""

    def build(ctx: Ctx):
        ctx.outside()
        return ctx.make({"t": {"fields": ["x:integer"], "path": path}}), [
            ("t", None, None, "unsafe-path")
        ]

    return build


def _hard_linked_file(ctx: Ctx):
    # a hard link is the outside file under a second name: nothing on the path shows it
    outside = ctx.outside()
    folder = ctx.make({"t": {"fields": ["x:integer"], "path": "t.csv"}})
    os.link(outside, folder / "t.csv")
    return folder, [("t", None, None, "unsafe-path")]


def _remote_allowed(ctx: Ctx):
    folder = ctx.make(
        {
            "t": {"fields": ["x:integer"], "path": "https://example.com/t.csv"},
            "u": {"schema": "https://example.com/schema.json", "data": "x\n1\n"},
        }
    )
    return folder, [
        ("t", None, None, "remote-not-supported"),
        ("u", None, None, "remote-not-supported"),
    ]


def _limit(tables: dict, expected: list[tuple]):
    return lambda ctx: (ctx.make(tables), expected)


def _big_schema_file(ctx: Ctx):
    folder = ctx.make({"t": {"schema": "schema.json", "data": "a\n1\n"}})
    schema = {"fields": [{"name": "a", "description": "长治" * 100}]}
    (folder / "schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    return folder, [("t", None, None, "limit-exceeded")]


def _bare(ctx: Ctx, key: str):
    """A valid package without ``key`` (``title`` or ``licenses``)."""
    folder = ctx.table(["x:integer"], "x\n1\n")
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    del descriptor[key]
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder, [(None, None, None, f"missing-{key.removesuffix('s')}")]


def _sheet(ctx: Ctx, rows: list[tuple], expected: list[tuple]):
    """An .xlsx resource ``t`` (``period`` text, ``value`` number) of ``(period, value, format
    of the value)`` rows."""
    import openpyxl

    folder = ctx.make(
        {"t": {"path": "t.xlsx", "format": "xlsx", "fields": ["period", "value:number"]}}
    )
    book = openpyxl.Workbook()
    book.active.append(["period", "value"])
    for number, (period, value, fmt) in enumerate(rows, 2):
        book.active.append([period, value])
        if fmt:
            book.active.cell(number, 2).number_format = fmt
    book.save(folder / "t.xlsx")
    return folder, expected


def _formula_cells(ctx: Ctx):
    rows = [
        ["id", "note", "n"],
        ["1", '=HYPERLINK("http://x")', "-2"],
        ["2", "+86 355 1234567", "+3"],
        ["3", "-1.5", "-1.5"],  # a number in a text field is harmless
        ["4", "@SUM(A1)", "4"],
        ["5", "\tindented", "5"],
        ["6", "a=b", "6"],
        ["7", "-", "7"],
    ]
    folder = ctx.table(["id:integer", "note", "n:number"], rows)
    return folder, [
        ("t", 2, "note", "formula-injection"),
        ("t", 3, "note", "formula-injection"),
        ("t", 5, "note", "formula-injection"),
        ("t", 6, "note", "formula-injection"),
        ("t", 8, "note", "formula-injection"),
    ]


# --- failing cases: header and rows ------------------------------------------------------------


def _header(text: str, fields: list, expected: list[tuple]):
    return lambda ctx: (ctx.table(fields, text), expected)


# --- failing cases: Table Schema field checks -------------------------------------------------

TYPE_ERRORS = [
    # (type, format, a valid value, an invalid value, text the message contains)
    ("number", None, "12.6", "１２.６", "full-width"),
    ("number", None, "-1.5e3", "12,6", "decimal mark"),
    ("number", None, "NaN", "inf", "NaN, INF and -INF"),
    ("number", None, "INF", "Infinity", "NaN, INF and -INF"),
    ("number", None, ".5", "12.6%", "not a valid number"),
    ("number", None, "1", " 1", "spaces"),
    ("integer", None, "+3", "1.0", "not a valid integer"),
    ("integer", None, "-4", "1e3", "not a valid integer"),
    ("integer", None, "0", "１", "full-width"),
    ("boolean", None, "true", "yes", "not a valid boolean"),
    ("boolean", None, "0", "T", "not a valid boolean"),
    ("date", None, "2024-02-29", "2023-02-29", "not a valid date"),
    ("date", None, "2024-12-04", "2024/12/04", "not a valid date"),
    ("date", "%d/%m/%Y", "04/12/2024", "2024-12-04", "format '%d/%m/%Y'"),
    ("datetime", None, "2024-12-04T10:00:00Z", "2024-12-04 10:00", "not a valid datetime"),
    ("time", None, "23:59:59", "25:00:00", "not a valid time"),
    ("year", None, "2024", "24", "not a valid year"),
    ("yearmonth", None, "2024-12", "2024-13", "not a valid yearmonth"),
    ("duration", None, "P1Y2M3DT4H", "P", "not a valid duration"),
    ("duration", None, "PT1.5S", "1Y", "not a valid duration"),
    ("geopoint", None, "113.1,36.2", "200,36", "not a valid geopoint"),
    ("geopoint", "array", "[113.1, 36.2]", "[113.1]", "not a valid geopoint"),
    ("object", None, '{"a": 1}', "[1]", "not a valid object"),
    ("array", None, "[1, 2]", '{"a": 1}', "not a valid array"),
]


def _type_case(kind: str, fmt: str | None, good: str, bad: str, text: str) -> Case:
    spec = {"name": "x", "type": kind, **({"format": fmt} if fmt else {})}

    def build(ctx: Ctx):
        return ctx.table([spec], [["x"], [good], [bad]]), [("t", 3, "x", "type-error")]

    return Case(f"type-error-{kind}-{bad}", "type-error", build, message={"type-error": text})


V2 = {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json"}


def _constraint(
    constraints: dict, kind: str, values: list[str], expected: list[tuple], **descriptor: object
):
    """A column ``x`` with ``constraints`` (beside an ``id`` column, so no row is blank)."""
    spec = {"name": "x", "type": kind, "constraints": constraints}
    rows = [["id", "x"], *[[str(i), v] for i, v in enumerate(values)]]

    def build(ctx: Ctx):
        folder = ctx.make({"t": {"fields": ["id", spec], "data": rows}}, **descriptor)
        return folder, [("t", r, "x", c) for r, c in expected]

    return build


def _backreference_pattern(ctx: Ctx):
    spec = {"name": "x", "type": "string", "constraints": {"pattern": "(a)\\1"}}
    rows = [["id", "x"], ["0", "aa"], ["1", "ab"]]
    return ctx.make({"t": {"fields": ["id", spec], "data": rows}}), [
        ("t", None, None, "schema-error")
    ]


def _primary_key(key: list[str], text: str, expected: list[tuple]):
    def build(ctx: Ctx):
        schema = {"fields": [{"name": n} for n in text.split("\n", 1)[0].split(",")]}
        schema["primaryKey"] = key
        return ctx.make({"t": {"schema": schema, "data": text}}), expected

    return build


def _fk_single(ctx: Ctx):
    folder = ctx.make(
        {
            "parent": {"fields": ["id"], "data": "id\na\nb\n"},
            "child": {
                "schema": {
                    "fields": [{"name": "pid"}, {"name": "v"}],
                    "foreignKeys": [
                        {"fields": ["pid"], "reference": {"resource": "parent", "fields": ["id"]}}
                    ],
                },
                "data": "pid,v\na,1\nz,2\n,3\nb,4\nA,5\n",
            },
        }
    )
    return folder, [("child", 3, "pid", "foreign-key"), ("child", 6, "pid", "foreign-key")]


def _fk_composite(ctx: Ctx):
    folder = ctx.make(
        {
            "parent": {"fields": ["x", "y"], "data": "x,y\na,1\nb,2\n"},
            "child": {
                "schema": {
                    "fields": [{"name": "x"}, {"name": "y"}],
                    "foreignKeys": [
                        {
                            "fields": ["x", "y"],
                            "reference": {"resource": "parent", "fields": ["x", "y"]},
                        }
                    ],
                },
                # (a, 2) and (b, 1): each part exists, the pair does not
                "data": "x,y\na,1\na,2\nb,2\nb,1\n",
            },
        }
    )
    return folder, [("child", 3, "x,y", "foreign-key"), ("child", 5, "x,y", "foreign-key")]


def _fk_self(ctx: Ctx):
    schema = {
        "fields": [{"name": "id"}, {"name": "parent"}],
        "primaryKey": "id",  # Table Schema v1 allows a single name as a string
        "foreignKeys": [{"fields": "parent", "reference": {"resource": "", "fields": "id"}}],
    }
    folder = ctx.make({"t": {"schema": schema, "data": "id,parent\na,\nb,a\nc,zz\nd,c\n"}})
    return folder, [("t", 4, "parent", "foreign-key")]


# --- failing cases: statistical rules (planted into a copy of the bundled package) ----------


def _contradicts_quote(column: str, value: str) -> bool:
    """A planted finite value or unit is no longer the figure the row's quote states."""
    if column == "unit":
        return True
    try:
        return column == "value" and math.isfinite(float(value))
    except ValueError:
        return False


def restate(folder: Path, row: int, quote: str) -> None:
    """Give observation ``row`` a quote that states its planted figure (added to the copy's
    source text), so the planted value exercises its own rule and not value-not-in-quote."""
    with open(folder / "sources" / SOURCE_TEXT, "a", encoding="utf-8") as handle:
        handle.write(f"\n{quote}。\n")
    set_cell(folder, "observations", row, "source_quote", quote)


def _plant(
    measure: str | None, kind: str | None, column: str, value: str, checks: list[str], target=None
):
    """Set one cell of an observation whose indicator has ``measure``/unit ``kind``."""

    def build(ctx: Ctx):
        folder = ctx.copy()
        row = observation_row(folder, measure=measure, kind=kind)
        set_cell(folder, "observations", row, column, value)
        expected = [("observations", row, target or column, c) for c in checks]
        if _contradicts_quote(column, value):  # the quote states the bundled figure
            expected.append(("observations", row, "value", "value-not-in-quote"))
        return folder, expected

    return build


def _multiplier_mismatch(ctx: Ctx):
    folder = ctx.copy()
    row = observation_row(folder, kind="currency")
    current = int(read_rows(folder / "data" / "observations.csv")[row - 1][5])
    set_cell(folder, "observations", row, "unit_multiplier", str((current + 4) % 12))
    return folder, [
        ("observations", row, "unit_multiplier", "multiplier-mismatch"),
        ("observations", row, "value", "value-not-in-quote"),
    ]


def _quote_changed(ctx: Ctx):
    folder = ctx.copy()
    quote = read_rows(folder / "data" / "observations.csv")[1][9]
    set_cell(folder, "observations", 2, "source_quote", quote + "。")
    return folder, [("observations", 2, "source_quote", "quote-not-in-source")]


def _quote_other_digits(ctx: Ctx):
    folder = ctx.copy()
    quote = read_rows(folder / "data" / "observations.csv")[1][9]
    changed = "".join(str((int(ch) + 1) % 10) if ch.isdigit() else ch for ch in quote)
    assert changed != quote
    set_cell(folder, "observations", 2, "source_quote", changed)
    return folder, [
        ("observations", 2, "source_quote", "quote-not-in-source"),
        ("observations", 2, "value", "value-not-in-quote"),  # 33座 is not 22
    ]


def _row_of(folder: Path, indicator: str) -> int:
    rows = read_rows(folder / "data" / "observations.csv")
    return next(n for n, r in enumerate(rows[1:], start=2) if r[0] == indicator)


def _wrong_figures(ctx: Ctx):
    """The issue's cases: growth 163 for 增长31%, a share 0.93 for 93%以上, 2024-Q3 and 2024-09
    for a 前三季度 figure."""
    folder = ctx.copy()
    growth = _row_of(folder, "high_tech_equipment_mfg_value_added_growth")
    share = _row_of(folder, "coal_advanced_capacity_share")
    output = _row_of(folder, "digital_economy_core_output")
    set_cell(folder, "observations", growth, "value", "163")
    set_cell(folder, "observations", share, "value", "0.93")
    set_cell(folder, "observations", output, "period", "2024-Q3")
    return folder, [
        ("observations", n, "value", "value-not-in-quote") for n in (growth, share, output)
    ]


def _quote_without_figure(ctx: Ctx):
    folder = ctx.copy()
    restate(folder, 2, "煤炭行业已经建成绿色开采煤矿")
    return folder, [("observations", 2, "value", "quote-figure-unclear")]


FAILING: list[Case] = [
    Case(
        "value-not-in-quote",
        "value-not-in-quote",
        _wrong_figures,
        message={"value-not-in-quote": "; the quote states: "},
    ),
    Case(
        "quote-figure-unclear",
        "quote-figure-unclear",
        _quote_without_figure,
        message={"quote-figure-unclear": "no figure could be read in the quote"},
    ),
    Case("package-error-no-resources", "package-error", _empty_resources),
    Case("package-error-name", "package-error", _bad_package_name),
    Case("resource-error-encoding", "resource-error", _unknown_encoding),
    Case("schema-error-pattern", "schema-error", _bad_pattern),
    Case("schema-error-fk-resource", "schema-error", _foreign_key_to_missing_resource),
    Case("schema-error-fields", "schema-error", _fields_not_a_list),
    Case("schema-error-duplicate-fields", "schema-error", _duplicate_field_names),
    Case(
        "unsafe-path-absolute", "unsafe-path", _absolute_path, message={"unsafe-path": "absolute"}
    ),
    Case("unsafe-path-dotdot", "unsafe-path", _dotdot_path, message={"unsafe-path": "'..'"}),
    Case("unsafe-path-dotdot-inside", "unsafe-path", _dotdot_inside_path),
    Case("unsafe-path-url", "unsafe-path", _url_path, message={"unsafe-path": "URL"}),
    Case(
        "profile-not-fetched",
        "profile-not-fetched",
        _custom_profile,
        message={"profile-not-fetched": "not fetched or read"},
    ),
    Case(
        "remote-schema",
        "remote-schema",
        _remote_schema,
        message={"remote-schema": "is a URL: cz-stats reads a"},
    ),
    Case("remote-profile", "remote-profile", _custom_profile),
    Case("unsafe-path-symlink", "unsafe-path", _symlinked_file, message={"unsafe-path": "symlink"}),
    Case("unsafe-path-symlinked-folder", "unsafe-path", _symlinked_folder),
    Case("unsafe-path-schema", "unsafe-path", _schema_outside),
    Case("unsafe-path-source-text-symlink", "unsafe-path", _source_text_symlinked_outside),
    Case("unsafe-path-source-text-absolute", "unsafe-path", _source_text_absolute),
    Case("unsafe-path-backslash", "unsafe-path", _path_case("..\\outside.csv")),
    Case("unsafe-path-backslash-inside", "unsafe-path", _path_case("data\\..\\..\\outside.csv")),
    Case("unsafe-path-drive-letter", "unsafe-path", _path_case("C:\\outside.csv")),
    Case("unsafe-path-drive-relative", "unsafe-path", _path_case("c:outside.csv")),
    Case("unsafe-path-unc", "unsafe-path", _path_case("\\\\server\\share\\outside.csv")),
    Case("unsafe-path-home", "unsafe-path", _path_case("~/outside.csv")),
    Case("unsafe-path-percent-encoded", "unsafe-path", _path_case("%2e%2e/outside.csv")),
    Case("unsafe-path-percent-encoded-upper", "unsafe-path", _path_case("%2E%2E%2Foutside.csv")),
    Case("unsafe-path-file-url", "unsafe-path", _path_case("file:///etc/passwd")),
    Case(
        "unsafe-path-hard-link",
        "unsafe-path",
        _hard_linked_file,
        message={"unsafe-path": "a hard link can lead outside the folder"},
    ),
    Case(
        "remote-not-supported",
        "remote-not-supported",
        _remote_allowed,
        options={"allow_remote": True},
        message={"remote-not-supported": "download it into the package folder"},
    ),
    Case(
        "limit-exceeded-file-bytes",
        "limit-exceeded",
        _limit(
            {"t": {"fields": ["a"], "data": "a\n" + "x\n" * 20}},
            [("t", None, None, "limit-exceeded")],
        ),
        options={"limits": Limits(file_bytes=40)},
        message={"limit-exceeded": "raise it with --max-file-bytes"},
    ),
    Case(
        "limit-exceeded-rows",
        "limit-exceeded",
        _limit(
            {"t": {"fields": ["a:integer"], "data": "a\n1\n2\nx\ny\n"}},
            [("t", 4, None, "limit-exceeded")],  # row 5 (y) is not read, so not reported
        ),
        options={"limits": Limits(rows=2)},
        message={
            "limit-exceeded": "row 4 and the rows after it were not read; raise it with --max-rows"
        },
    ),
    Case(
        "limit-exceeded-cell-chars",
        "limit-exceeded",
        _limit(
            {"t": {"fields": ["a:integer", "b"], "data": "a,b\nx,长治\n2,长治市\n3,z\n"}},
            [("t", 2, "a", "type-error"), ("t", 3, "b", "limit-exceeded")],
        ),
        options={"limits": Limits(cell_chars=2)},
        message={"limit-exceeded": "a cell has 3 characters, over the limit of 2 characters"},
    ),
    Case(
        "limit-exceeded-schema-file",
        "limit-exceeded",
        _big_schema_file,
        options={"limits": Limits(descriptor_bytes=300)},
        message={"limit-exceeded": "--max-descriptor-bytes"},
    ),
    Case("formula-injection", "formula-injection", _formula_cells),
    Case("missing-title", "missing-title", lambda ctx: _bare(ctx, "title")),
    Case(
        "missing-license",
        "missing-license",
        lambda ctx: _bare(ctx, "licenses"),
        message={"missing-license": "publish refuses"},
    ),
    Case(
        "cell-format-rounds",
        "cell-format-rounds",
        lambda ctx: _sheet(ctx, [("2024", 6.84, "0.0")], [("t", 2, "value", "cell-format-rounds")]),
        message={"cell-format-rounds": "holds 6.84 but its number format '0.0' shows 6.8"},
    ),
    Case(
        "date-cell-in-text",
        "date-cell-in-text",
        lambda ctx: _sheet(
            ctx, [(dt.datetime(2024, 9, 1), 1, None)], [("t", 2, "period", "date-cell-in-text")]
        ),
        message={"date-cell-in-text": "2024-09-01"},
    ),
    Case(
        "nul-byte",
        "nul-byte",
        lambda ctx: (
            ctx.table(["a:integer", "b"], b"a,b\n1,x\x00y\n2\x00,z\n"),
            [("t", 2, "b", "nul-byte"), ("t", 3, "a", "type-error")],
        ),
        message={"nul-byte": "UTF-16 or binary"},
    ),
    Case("source-error-missing-file", "source-error", _missing_file),
    Case(
        "source-error-gzip-cut-short",
        "source-error",
        _corrupt_gzip,
        message={"source-error": "t.csv.gz: cannot be parsed as CSV: the gzip data is corrupt"},
    ),
    Case(
        "source-error-not-gzip",
        "source-error",
        _not_gzip,
        message={"source-error": "t.csv.gz: cannot read: the gzip data is corrupt"},
    ),
    Case(
        "source-error-unsupported-compression",
        "source-error",
        _unsupported_compression,
        message={"source-error": "compression '7z' is not supported"},
    ),
    Case(
        "source-error-zip-of-two",
        "source-error",
        _zip_of_two,
        message={"source-error": "the zip holds 2 files ('t.csv', 'u.csv')"},
    ),
    *[
        Case(f"compressed-{kind}", "type-error", _compressed(kind))
        for kind in ("gz", "bz2", "xz", "zip")
    ],
    Case("compressed-declared", "type-error", _compressed("gz", compression="gz", format="csv")),
    Case(
        "compressed-gb18030",
        "encoding-gb18030",
        lambda ctx: (
            ctx.make(
                {
                    "t": {
                        "fields": GB_FIELDS,
                        "path": "t.csv.gz",
                        "data": compress("gz", GB_TEXT.encode("gb18030")),
                    }
                }
            ),
            [("t", None, None, "encoding-gb18030")],
        ),
    ),
    Case(
        "byte-count",
        "byte-count",
        _declared([("t", None, None, "byte-count")], bytes=3),
        message={"byte-count": "file 't.csv' is 4 bytes, but the resource declares 3 bytes"},
    ),
    Case("byte-count-file", "byte-count", _declared_file),
    Case(
        "hash-count-sha256",
        "hash-count",
        _declared([("t", None, None, "hash-count")], hash="sha256:" + "0" * 64),
        message={
            "hash-count": "file 't.csv' has sha256 "
            "309b0e45a73d3fc5325e2b6ed0a01ef8b9cde6b05a5633c1f893f970d52bfddc, but the resource "
            "declares " + "0" * 64
        },
    ),
    Case(
        "hash-count-bare-md5",
        "hash-count",
        _declared([("t", None, None, "hash-count")], hash="0" * 32),
        message={"hash-count": "has md5 "},
    ),
    Case(
        "resource-error-hash-algorithm",
        "resource-error",
        _declared([("t", None, None, "resource-error")], hash="crc32:cbf43926"),
        message={"resource-error": "algorithm cz-stats cannot compute"},
    ),
    Case(
        "package-error-not-json",
        "package-error",
        _unparsable_descriptor(b'{"name": "x",\n  "resources": [}\n'),
        message={"package-error": "not valid JSON: Expecting value at line 2 column 17"},
    ),
    Case("package-error-not-utf8", "package-error", _unparsable_descriptor(b"\xff\xfe{}")),
    Case("package-error-array", "package-error", _unparsable_descriptor(b"[]")),
    Case("source-error-empty-file", "source-error", _empty_file),
    Case("source-error-missing-schema", "source-error", _missing_schema_file),
    Case("source-error-source-text", "source-error", _missing_source_text),
    Case("format-error-ods", "format-error", _spreadsheet),
    Case("format-error-multipart", "format-error", _multipart),
    Case(
        "encoding-gb18030-as-utf8",
        "encoding-gb18030",
        _gb18030_declared_utf8,
        message={"encoding-gb18030": '"encoding": "gb18030"'},
    ),
    Case(
        "encoding-gb18030-undeclared",
        "encoding-gb18030",
        _gb18030_undeclared,
        message={"encoding-gb18030": '"encoding": "gb18030"'},
    ),
    Case("encoding-error-row-number", "encoding-error", _bad_byte_after_quoted_newline),
    Case(
        "header-not-first-row",
        "header-not-first-row",
        _title_row,
        message={"header-not-first-row": "header is row 2, below 1 row(s) of title"},
    ),
    Case(
        "data-on-other-sheet",
        "data-on-other-sheet",
        _data_on_other_sheet,
        message={"data-on-other-sheet": 'declare "sheet": "数据"'},
    ),
    Case(
        "merged-cell-blanks",
        "merged-cell-blanks",
        _merged_blanks,
        message={"merged-cell-blanks": "blank below a value in 6 row(s) from row 3"},
    ),
    Case(
        "trailing-empty",
        "trailing-empty",
        _trailing_empty,
        message={"trailing-empty": "2 empty row(s) and 2 empty column(s)"},
    ),
    Case(
        "blank-label",
        "blank-label",
        _header("a,,c\n1,2,3\n", ["a", "b", "c"], [("t", 1, "b", "blank-label")]),
    ),
    Case(
        "duplicate-label",
        "duplicate-label",
        _header("a,a\n1,2\n", ["a", "b"], [("t", 1, "b", "duplicate-label")]),
        message={"duplicate-label": "repeats column 1"},
    ),
    Case(
        "incorrect-label",
        "incorrect-label",
        _header("a,B\n1,2\n", ["a", "b"], [("t", 1, "b", "incorrect-label")]),
    ),
    Case(
        "missing-label",
        "missing-label",
        _header("a,b\n1,2\n", ["a", "b", "c"], [("t", 1, "c", "missing-label")]),
    ),
    Case(
        "extra-label",
        "extra-label",
        _header("a,b,c\n1,2,3\n", ["a", "b"], [("t", 1, None, "extra-label")]),
    ),
    Case(
        "blank-row",
        "blank-row",
        lambda ctx: (
            ctx.table(["a", "b:integer"], "a,b\n1,2\n\n,\n3,x\n"),
            [("t", 3, None, "blank-row"), ("t", 4, None, "blank-row"), ("t", 5, "b", "type-error")],
        ),
    ),
    Case(
        "extra-cell",
        "extra-cell",
        lambda ctx: (
            ctx.table(["a", "b:integer"], "a,b\n1,2,3\n4,x,6,7\n"),
            [
                ("t", 2, None, "extra-cell"),
                ("t", 3, "b", "type-error"),  # the other cells of a long row are still checked
                ("t", 3, None, "extra-cell"),
                ("t", 3, None, "extra-cell"),
            ],
        ),
        message={"extra-cell": "the header has 2"},
    ),
    Case(
        "missing-cell",
        "missing-cell",
        lambda ctx: (
            ctx.table(
                ["a:integer", {"name": "b", "constraints": {"required": True}}, "c"],
                "a,b,c\n1\nx,y\n",
            ),
            [
                ("t", 2, "b", "missing-cell"),  # not also a required-error
                ("t", 2, "c", "missing-cell"),
                ("t", 3, "a", "type-error"),
                ("t", 3, "c", "missing-cell"),
            ],
        ),
    ),
    *[_type_case(*spec) for spec in TYPE_ERRORS],
    Case(
        "required-error",
        "required-error",
        _constraint({"required": True}, "integer", ["1", "", "3"], [(3, "required-error")]),
    ),
    Case(
        "required-error-missing-values",
        "required-error",
        lambda ctx: (
            ctx.make(
                {
                    "t": {
                        "schema": {
                            "missingValues": ["", "NA"],
                            "fields": [
                                {"name": "x", "type": "number", "constraints": {"required": True}},
                                {"name": "y", "type": "string"},
                            ],
                        },
                        # a row of missing values only is blank, as frictionless-py says; so "y"
                        "data": "x,y\nNA,a\n1.5,b\n",
                    }
                }
            ),
            [("t", 2, "x", "required-error")],
        ),
    ),
    Case(
        "unique-error",
        "unique-error",
        _constraint({"unique": True}, "integer", ["1", "2", "01", "", ""], [(4, "unique-error")]),
        message={"unique-error": "repeats row 2"},
    ),
    Case(
        "enum-error",
        "enum-error",
        _constraint(
            {"enum": ["A", "P", "E"]},
            "string",
            ["A", "a", "E", "X"],
            [(3, "enum-error"), (5, "enum-error")],
        ),
    ),
    Case(
        "enum-error-integer",
        "enum-error",
        _constraint({"enum": [0, 4, 8]}, "integer", ["4", "04", "5"], [(4, "enum-error")]),
    ),
    Case(
        "pattern-error",
        "pattern-error",
        _constraint(
            {"pattern": "[1-9][0-9]{5}"},
            "string",
            ["140400", "1404001", "040400"],
            [(3, "pattern-error"), (4, "pattern-error")],
        ),
    ),
    Case(
        # a back-reference is not in Table Schema's (XML Schema) patterns, and Python's
        # backtracking re is never run on a pattern: the schema is at fault, not the cells
        "pattern-backreference-is-a-schema-error",
        "schema-error",
        _backreference_pattern,
    ),
    Case(
        "minimum-error",
        "minimum-error",
        _constraint({"minimum": 0}, "integer", ["0", "-1", "5"], [(3, "minimum-error")]),
        message={"minimum-error": ">= 0"},
    ),
    Case(
        "minimum-error-exclusive",
        "minimum-error",
        _constraint({"exclusiveMinimum": 0}, "number", ["0.1", "0"], [(3, "minimum-error")], **V2),
    ),
    Case(
        "minimum-error-date",
        "minimum-error",
        _constraint(
            {"minimum": "2024-01-01"}, "date", ["2024-01-01", "2023-12-31"], [(3, "minimum-error")]
        ),
    ),
    Case(
        "maximum-error",
        "maximum-error",
        _constraint({"maximum": 12}, "integer", ["12", "13"], [(3, "maximum-error")]),
        message={"maximum-error": "<= 12"},
    ),
    Case(
        "maximum-error-exclusive",
        "maximum-error",
        _constraint(
            {"exclusiveMaximum": 100}, "number", ["99.9", "100"], [(3, "maximum-error")], **V2
        ),
    ),
    Case(
        "min-length-error",
        "min-length-error",
        _constraint({"minLength": 2}, "string", ["ab", "a", "长治"], [(3, "min-length-error")]),
    ),
    Case(
        "max-length-error",
        "max-length-error",
        _constraint({"maxLength": 3}, "string", ["长治市", "abcd"], [(3, "max-length-error")]),
    ),
    Case(
        "primary-key",
        "primary-key",
        _primary_key(["id"], "id,v\na,1\nb,2\na,3\n", [("t", 4, "id", "primary-key")]),
        message={"primary-key": "repeats row 2"},
    ),
    Case(
        "primary-key-required",
        "primary-key",
        _primary_key(
            ["id"],
            "id,v\na,1\na,2\n,3\n",
            [("t", 3, "id", "primary-key"), ("t", 4, "id", "required-error")],
        ),
    ),
    Case(
        "primary-key-composite",
        "primary-key",
        _primary_key(
            ["a", "b"], "a,b,v\nx,1,1\nx,2,2\ny,1,3\nx,1,4\n", [("t", 5, "a,b", "primary-key")]
        ),
    ),
    Case(
        "foreign-key", "foreign-key", _fk_single, message={"foreign-key": "not found in parent.id"}
    ),
    Case("foreign-key-composite", "foreign-key", _fk_composite),
    Case("foreign-key-self", "foreign-key", _fk_self),
    # statistical rules
    Case(
        "value-not-finite-nan",
        "value-not-finite",
        _plant("share", None, "value", "NaN", ["value-not-finite"]),
    ),
    Case(
        "value-not-finite-inf",
        "value-not-finite",
        _plant("level", "count", "value", "INF", ["value-not-finite"]),
    ),
    Case(
        "value-not-finite-neg-inf",
        "value-not-finite",
        _plant("growth_yoy", None, "value", "-INF", ["value-not-finite"]),
    ),
    Case(
        "share-range-high", "share-range", _plant("share", None, "value", "100.1", ["share-range"])
    ),
    Case("share-range-low", "share-range", _plant("share", None, "value", "-0.5", ["share-range"])),
    Case(
        "growth-range",
        "growth-range",
        _plant("growth_yoy", None, "value", "-100.5", ["growth-range"]),
    ),
    Case(
        "growth-implausible",
        "growth-implausible",
        _plant("growth_yoy", None, "value", "1000.5", ["growth-implausible"]),
    ),
    Case("rank-range-zero", "rank-range", _plant("rank", None, "value", "0", ["rank-range"])),
    Case(
        "rank-range-fraction",
        "rank-range",
        _plant("rank", "count", "value", "2.5", ["rank-range", "count-not-whole"]),
    ),
    Case(
        "count-not-whole",
        "count-not-whole",
        _plant("level", "count", "value", "22.5", ["count-not-whole"]),
    ),
    Case(
        "count-negative",
        "count-negative",
        _plant("level", "count", "value", "-3", ["count-negative"]),
    ),
    Case(
        "count-negative-fraction",
        "count-negative",
        _plant("level", "count", "value", "-0.5", ["count-not-whole", "count-negative"]),
    ),
    Case(
        "unit-mismatch",
        "unit-mismatch",
        _plant("level", "count", "unit", "percent", ["unit-mismatch"]),
        message={"unit-mismatch": "is measured in 'count'"},
    ),
    Case("multiplier-mismatch", "multiplier-mismatch", _multiplier_mismatch),
    Case("quote-not-in-source", "quote-not-in-source", _quote_changed),
    Case("quote-not-in-source-digits", "quote-not-in-source", _quote_other_digits),
]

PERIOD_FAULTS = [
    # (period, check, text the message contains)
    ("2024/12", "period-format", "YYYY"),
    ("24-12", "period-format", "YYYY"),
    ("2024-1", "period-format", "YYYY"),
    ("2024-W01", "period-format", "YYYY"),
    ("2024年", "period-format", "YYYY"),
    ("2024-Q1/2024-Q2/2024-Q3", "period-format", "YYYY"),
    ("2024-Q1/", "period-format", "YYYY"),
    ("2024-13", "period-invalid", "2024-13 is not a real calendar period"),
    ("2024-00", "period-invalid", "not a real calendar period"),
    ("2023-02-29", "period-invalid", "not a real calendar period"),
    ("2024-02-30", "period-invalid", "not a real calendar period"),
    ("2024-04-31", "period-invalid", "not a real calendar period"),
    ("2024-Q5", "period-invalid", "2024-Q5 is not a real calendar period"),
    ("2024-Q0", "period-invalid", "not a real calendar period"),
    ("2024-Q1/2024-Q5", "period-invalid", "2024-Q5 is not a real calendar period"),
    ("2024-Q3/2024-Q1", "period-invalid", "START must not be after END"),
    ("2024-09-30/2024-01-01", "period-invalid", "START must not be after END"),
    ("2023-11/2024-02", "period-invalid", "within one year"),
    ("2023-Q4/2024-Q1", "period-invalid", "within one year"),
    ("2024-01/2024-Q3", "period-invalid", "same granularity"),
    ("2024/2024-09", "period-invalid", "same granularity"),
    ("2024", "period-after-source", "period ends 2024-12-31"),
    ("2024-12", "period-after-source", "period ends 2024-12-31"),
    ("2024-Q4", "period-after-source", "period ends 2024-12-31"),
    ("2024-01/2024-12", "period-after-source", "period ends 2024-12-31"),
    ("2024-Q1/2024-Q4", "period-after-source", "published on 2024-12-04"),
    ("2024-12-05", "period-after-source", "period ends 2024-12-05"),
    ("2025-01", "period-after-source", "period ends 2025-01-31"),
]

FAILING += [
    Case(
        f"{check}-{period}",
        check,
        _plant(None, None, "period", period, [check]),
        message={check: text},
    )
    for period, check, text in PERIOD_FAULTS
]


@pytest.mark.parametrize("case", [c.param() for c in FAILING])
def test_failing_case(case: Case, tmp_path: Path) -> None:
    report, expected = run(case, Ctx(tmp_path))
    assert case.check in {c for *_, c in expected}
    assert_exactly(report, expected)
    assert report.counts == dict(Counter(c for *_, c in expected)), "counts are exact"
    errors = [p for p in expected if CHECKS[p[3]].severity == ERROR]
    assert report.valid is not errors
    for problem in report.errors + report.warnings:
        assert problem.severity == CHECKS[problem.check].severity
        assert problem.message
    for check, text in case.message.items():
        messages = [p.message for p in report.errors + report.warnings if p.check == check]
        assert messages and all(text in m for m in messages), messages


# --- passing cases: the same checks where they must stay silent --------------------------------


def _valid_table(ctx: Ctx):
    fields = [
        {"name": "id", "type": "integer", "constraints": {"required": True, "unique": True}},
        {"name": "status", "type": "string", "constraints": {"enum": ["A", "P", "E"]}},
        {"name": "code", "type": "string", "constraints": {"pattern": "[1-9][0-9]{5}"}},
        {"name": "share", "type": "number", "constraints": {"minimum": 0, "maximum": 100}},
        {"name": "name", "type": "string", "constraints": {"minLength": 2, "maxLength": 3}},
    ]
    rows = [
        ["id", "status", "code", "share", "name"],
        ["1", "A", "140400", "0", "长治"],
        ["2", "P", "140403", "100", "潞州区"],
        ["3", "E", "", "", "ab"],  # empty optional cells are not checked against constraints
    ]
    return ctx.table(fields, rows)


def _all_types_valid(ctx: Ctx):
    specs = [
        {"name": f"c{i}", "type": kind, **({"format": fmt} if fmt else {})}
        for i, (kind, fmt, *_) in enumerate(TYPE_ERRORS)
    ]
    good = [good for _, _, good, *_ in TYPE_ERRORS]
    empty = ["1", *[""] * (len(good) - 1)]  # empty cells are missing values, not type errors
    return ctx.table(specs, [[s["name"] for s in specs], good, empty])


def _keys_valid(ctx: Ctx):
    return ctx.make(
        {
            "parent": {
                "schema": {"fields": [{"name": "x"}, {"name": "y"}], "primaryKey": ["x", "y"]},
                "data": "x,y\na,1\na,2\nb,1\n",
            },
            "child": {
                "schema": {
                    "fields": [{"name": "id"}, {"name": "x"}, {"name": "y"}, {"name": "up"}],
                    "primaryKey": "id",
                    "foreignKeys": [
                        {
                            "fields": ["x", "y"],
                            "reference": {"resource": "parent", "fields": ["x", "y"]},
                        },
                        {"fields": "up", "reference": {"resource": "", "fields": "id"}},
                    ],
                },
                "data": "id,x,y,up\n1,a,1,\n2,a,2,1\n3,b,1,2\n4,,,3\n",
            },
        }
    )


def _gb18030_declared(ctx: Ctx):
    return ctx.table(GB_FIELDS, GB_TEXT.encode("gb18030"), encoding="gb18030")


def _bom_crlf(ctx: Ctx):
    data = ("\ufeff" + GB_TEXT.replace("\n", "\r\n")).encode("utf-8")
    return ctx.table(GB_FIELDS, data)


def _symlink_inside(ctx: Ctx):
    folder = ctx.make({"t": {"fields": ["a:integer"], "path": "link.csv"}})
    (folder / "real.csv").write_text("a\n1\n")
    os.symlink(folder / "real.csv", folder / "link.csv")
    return folder


def _formula_lookalikes(ctx: Ctx):
    rows = [["note", "n"], ["-1.5", "-2"], ["+3", "+3"], ["1e5", "1e5"], ["a=b", "0"], ["", "1"]]
    return ctx.table(["note", "n:number"], rows)


def _limits_boundary(ctx: Ctx):
    # a cell of exactly the default limit in characters (three times as many bytes)
    return ctx.table(["a"], "a\n" + "长" * Limits().cell_chars + "\n")


def _header_only(ctx: Ctx):
    return ctx.table(["a:integer", "b"], "a,b\n")


def _no_schema(ctx: Ctx):
    # a resource without a schema gets no label checks: frictionless infers the schema
    return ctx.make({"t": {"data": "a,b\n1,x\n"}})


def _declared_valid(ctx: Ctx):
    import hashlib

    text = b"a\n1\n"
    tables = {
        "sha256": {"hash": "sha256:" + hashlib.sha256(text).hexdigest(), "bytes": len(text)},
        "md5": {"hash": hashlib.md5(text).hexdigest()},  # bare: MD5, as the standard says
        "upper": {"hash": "SHA-512:" + hashlib.sha512(text).hexdigest().upper()},
        "sha1": {"hash": "sha1:" + hashlib.sha1(text).hexdigest(), "bytes": len(text)},
    }
    return ctx.make(
        {name: {"fields": ["a:integer"], "data": text, **t} for name, t in tables.items()}
    )


def _compressed_valid(ctx: Ctx):
    text = b"a,b\n1,x\n2,y\n"
    tables = {
        kind: {
            "fields": ["a:integer", "b"],
            "path": f"{kind}.csv.{kind}",
            "data": compress(kind, text),
        }
        for kind in ("gz", "bz2", "xz", "zip")
    }
    tables["tsv"] = {
        "fields": ["a:integer", "b"],
        "path": "t.tsv.gz",
        "data": compress("gz", b"a\tb\n1\tx,y\n"),
    }
    return ctx.make(tables)


def _tsv(ctx: Ctx):
    return ctx.make(
        {
            "t": {
                "fields": ["a:integer", "b"],
                "path": "t.tsv",
                "format": "tsv",
                "data": "a\tb\n1\tx,y\n",
            }
        }
    )


def _semicolons(ctx: Ctx):
    return ctx.table(["a:integer", "b:number"], "a;b\n1;2.5\n")


def _string_keys_v1(ctx: Ctx):
    # primaryKey and foreign-key fields written as single strings are valid Table Schema v1
    return ctx.make(
        {
            "t": {
                "schema": {
                    "fields": [{"name": "id"}, {"name": "up"}],
                    "primaryKey": "id",
                    "foreignKeys": [
                        {"fields": "up", "reference": {"resource": "", "fields": "id"}}
                    ],
                },
                "data": "id,up\na,\nb,a\n",
            }
        }
    )


def _inline_and_json(ctx: Ctx):
    folder = ctx.make(
        {
            "t": {"fields": ["a:integer"], "data": "a\n1\n"},
            "meta": {"path": "meta.json", "format": "json", "data": "{}"},
        }
    )
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["resources"].append({"name": "inline", "data": [["a"], [1]]})
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    return folder


def _bundled_boundaries(ctx: Ctx):
    """The bundled package with every statistical rule at its boundary, still valid."""
    folder = ctx.copy()
    plants = [
        ("share", None, "value", "0"),
        ("growth_yoy", None, "value", "-100"),
        ("rank", None, "value", "1"),
        ("level", "count", "value", "0"),
        ("level", "currency", "value", "0.5"),
    ]
    quotes = ["先进产能达到0%以上", "增加值下降100%", "位居全国前1", "建成0座", "补助达0.5万元"]
    for (measure, kind, column, value), quote in zip(plants, quotes, strict=True):
        row = observation_row(folder, measure=measure, kind=kind)
        set_cell(folder, "observations", row, column, value)
        restate(folder, row, quote)
    rows = read_rows(folder / "data" / "observations.csv")
    indicators = {r[0]: r for r in read_rows(folder / "data" / "indicators.csv")}
    shares = [n for n, r in enumerate(rows[1:], start=2) if indicators[r[0]][3] == "share"]
    growths = [n for n, r in enumerate(rows[1:], start=2) if indicators[r[0]][3] == "growth_yoy"]
    set_cell(folder, "observations", shares[-1], "value", "100")
    set_cell(folder, "observations", growths[-1], "value", "1000")
    restate(folder, shares[-1], "支出的100%以上")
    restate(folder, growths[-1], "投资增长1000%")
    periods = [
        "2023",
        "2024-11",
        "2024-Q3",
        "2024-01/2024-11",
        "2024-Q1/2024-Q3",
        "2024-12-04",
        "2020-02-29",
        "2024-01-01/2024-12-04",
        "2024-Q2/2024-Q2",
    ]
    free = [n for n in range(2, len(rows) + 1) if n not in shares + growths][: len(periods)]
    for row, period in zip(free, periods, strict=True):
        set_cell(folder, "observations", row, "period", period)
    return folder


PASSING = [
    # (id, build, codes the case exercises)
    (
        "valid-constraints",
        _valid_table,
        [
            "required-error",
            "unique-error",
            "enum-error",
            "pattern-error",
            "minimum-error",
            "maximum-error",
            "min-length-error",
            "max-length-error",
            "type-error",
            "blank-label",
            "duplicate-label",
            "incorrect-label",
            "missing-label",
            "extra-label",
            "blank-row",
            "extra-cell",
            "missing-cell",
            "header-not-first-row",
            "merged-cell-blanks",
            "trailing-empty",
        ],
    ),
    ("valid-types", _all_types_valid, ["type-error"]),
    ("valid-keys", _keys_valid, ["primary-key", "foreign-key", "required-error", "schema-error"]),
    (
        "valid-gb18030-declared",
        _gb18030_declared,
        ["encoding-error", "resource-error", "encoding-gb18030"],
    ),
    ("valid-bom-crlf", _bom_crlf, ["encoding-error", "incorrect-label", "blank-row"]),
    (
        "valid-symlink-inside",
        _symlink_inside,
        ["unsafe-path", "remote-not-supported", "profile-not-fetched"],
    ),
    ("valid-formula-lookalikes", _formula_lookalikes, ["formula-injection", "nul-byte"]),
    (
        "valid-sheet-as-displayed",  # and titled and licensed (write_package's defaults)
        lambda ctx: _sheet(ctx, [("2024", 0.93, "0%"), ("2025", 6.8, "0.0")], [])[0],
        [
            "cell-format-rounds",
            "date-cell-in-text",
            "missing-title",
            "missing-license",
            "data-on-other-sheet",
        ],
    ),
    ("valid-limits-boundary", _limits_boundary, ["limit-exceeded"]),
    ("valid-header-only", _header_only, ["source-error"]),
    ("valid-no-schema", _no_schema, ["extra-label", "schema-error"]),
    ("valid-tsv", _tsv, ["format-error"]),
    ("valid-declared-bytes-and-hash", _declared_valid, ["byte-count", "hash-count"]),
    ("valid-compressed", _compressed_valid, ["format-error", "source-error"]),
    ("valid-semicolons", _semicolons, ["format-error", "type-error"]),
    ("valid-string-keys-v1", _string_keys_v1, ["schema-error", "package-error"]),
    ("valid-inline-and-json", _inline_and_json, ["format-error", "source-error", "resource-error"]),
    (
        "valid-bundled-boundaries",
        _bundled_boundaries,
        [
            "value-not-finite",
            "share-range",
            "growth-range",
            "growth-implausible",
            "rank-range",
            "count-not-whole",
            "count-negative",
            "unit-mismatch",
            "multiplier-mismatch",
            "period-format",
            "period-invalid",
            "period-after-source",
            "quote-not-in-source",
            "value-not-in-quote",
            "quote-figure-unclear",
            "package-error",
            "unsafe-path",
            "source-error",
            "remote-schema",
            "remote-profile",
        ],
    ),
]


@pytest.mark.parametrize(("build", "codes"), [pytest.param(b, c, id=i) for i, b, c in PASSING])
def test_passing_case(build, codes: list[str], tmp_path: Path) -> None:
    report = cz.validate(build(Ctx(tmp_path)))
    assert places(report) == []
    assert report.valid and report.counts == {} and not report.capped


def test_every_check_code_has_a_failing_and_a_passing_case() -> None:
    failing = {case.check for case in FAILING}
    passing = {code for *_, codes in PASSING for code in codes}
    assert set(CHECKS) - failing == set()
    assert set(CHECKS) - passing == set()
    assert failing <= set(CHECKS) and passing <= set(CHECKS)


def test_severities() -> None:
    assert {spec.severity for spec in CHECKS.values()} == {ERROR, WARNING}
    assert [code for code, spec in CHECKS.items() if spec.severity == WARNING] == [
        "profile-not-fetched",
        "remote-profile",
        "growth-implausible",
        "quote-figure-unclear",
        "formula-injection",
        "missing-title",
        "missing-license",
    ]


# --- unsafe paths are never read ---------------------------------------------------------------


def test_unsafe_paths_are_never_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not just "no error from the file": the outside file is never opened at all."""
    outside = tmp_path / "secret.csv"
    outside.write_text("x\n1\n")
    folder = write_package(
        tmp_path / "pkg",
        {
            "abs": {"fields": ["x"], "path": str(outside)},
            "up": {"fields": ["x"], "path": "../secret.csv"},
            "link": {"fields": ["x"], "path": "link.csv"},
        },
    )
    os.symlink(outside, folder / "link.csv")
    opened: list[str] = []
    real_read_bytes, real_open = Path.read_bytes, Path.open

    def spy_read_bytes(self: Path) -> bytes:
        opened.append(str(self.resolve()))
        return real_read_bytes(self)

    def spy_open(self: Path, *args, **kwargs):
        opened.append(str(self.resolve()))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", spy_read_bytes)
    monkeypatch.setattr(Path, "open", spy_open)
    report = cz.validate(folder)
    assert places(report) == [
        ("abs", None, None, "unsafe-path"),
        ("up", None, None, "unsafe-path"),
        ("link", None, None, "unsafe-path"),
    ]
    assert str(outside.resolve()) not in opened
    assert [p.value for p in report.errors] == [str(outside), "../secret.csv", "link.csv"]


# --- a bad cell never hides another fault ------------------------------------------------------


def test_bad_cell_never_hides_a_fault_of_the_same_column(package_copy: Path) -> None:
    count_row = observation_row(package_copy, measure="level", kind="count")
    share_row = observation_row(package_copy, measure="share")
    set_cell(package_copy, "observations", count_row, "value", "abc")
    set_cell(package_copy, "observations", share_row, "value", "130")
    restate(package_copy, share_row, "先进产能达到130%以上")
    report = cz.validate(package_copy)
    assert places(report) == [
        ("observations", count_row, "value", "type-error"),
        ("observations", share_row, "value", "share-range"),
    ]


def test_every_fault_of_one_row_and_one_table_is_reported(package_copy: Path) -> None:
    """Several faults, in several columns of the same rows, all come back at once."""
    share = observation_row(package_copy, measure="share")
    count = observation_row(package_copy, measure="level", kind="count")
    other = count + 1
    assert observation_row(package_copy, measure="level", kind="count") < other != share
    set_cell(package_copy, "observations", share, "value", "１００")
    set_cell(package_copy, "observations", share, "period", "2024-13")
    set_cell(package_copy, "observations", share, "unit_multiplier", "x")
    set_cell(package_copy, "observations", share, "obs_status", "Z")
    set_cell(package_copy, "observations", count, "value", "-2.5")
    set_cell(package_copy, "observations", other, "unit", "percent")
    set_cell(package_copy, "observations", count, "region_code", "140499")
    set_cell(package_copy, "observations", count, "source_quote", "")
    report = cz.validate(package_copy)
    assert Counter(places(report)) == Counter(
        [
            ("observations", share, "period", "period-invalid"),
            ("observations", share, "value", "type-error"),
            ("observations", share, "unit_multiplier", "type-error"),
            ("observations", share, "obs_status", "enum-error"),
            ("observations", count, "region_code", "foreign-key"),
            ("observations", count, "value", "count-not-whole"),
            ("observations", count, "value", "count-negative"),
            ("observations", other, "unit", "unit-mismatch"),
            ("observations", other, "value", "value-not-in-quote"),  # 17座 is no percent
            ("observations", count, "source_quote", "required-error"),
        ]
    )
    rows = [p.row for p in report.errors]
    assert rows == sorted(rows), "problems are listed in reading order"


# --- Frictionless row numbers ------------------------------------------------------------------


def test_row_numbers_agree_with_frictionless(tmp_path: Path) -> None:
    import frictionless

    schema = {
        "fields": [
            {"name": "a", "type": "integer"},
            {"name": "b", "type": "number", "constraints": {"minimum": 0, "required": True}},
            {"name": "c", "type": "string", "constraints": {"enum": ["x", "y"]}},
        ],
        "primaryKey": ["a"],
    }
    text = 'a,b,c\n1,2,x\n\nz,-1,y\n3,4\n5,6,x,8\n"multi\nline",1,y\n9,x,q\n1,1,x\n,,\n10,,x\n'
    folder = write_package(tmp_path / "pkg", {"t": {"schema": schema, "data": text}})
    ours = cz.validate(folder)
    theirs = frictionless.validate(str(folder / "datapackage.json"))
    constraint = {"required-error", "enum-error", "minimum-error", "maximum-error"}
    row_level = {"blank-row", "extra-cell", "primary-key", "foreign-key"}

    def kind(code: str) -> str:
        return "constraint-error" if code in constraint else code

    def place(row: int, field: str | None, code: str) -> tuple:
        return (row, "" if code in row_level else field or "", code)

    mine = sorted(place(p.row, p.field, kind(p.check)) for p in ours.errors)
    reference = sorted(
        place(e.row_number, getattr(e, "field_name", None), e.type)
        for task in theirs.tasks
        for e in task.errors
        # frictionless adds a primary-key error wherever the key cell is null (blank rows, type
        # errors); we report the cause once: blank-row, type-error or required-error
        if getattr(e, "row_number", None) and "are all" not in e.note
    )
    assert mine == reference
    assert sorted({p.row for p in ours.errors}) == [3, 4, 5, 6, 7, 8, 9, 10, 11]


# --- the listing is capped, the counts are not -------------------------------------------------


def test_listing_is_capped_and_counts_stay_exact(package_copy: Path) -> None:
    rows = read_rows(package_copy / "data" / "observations.csv")
    for number in range(2, len(rows) + 1):
        set_cell(package_copy, "observations", number, "value", "x")
    set_cell(package_copy, "observations", 2, "obs_status", "Z")
    set_cell(package_copy, "observations", 3, "period", "2025")
    data = len(rows) - 1
    report = cz.validate(package_copy, max_errors=5)
    assert report.capped
    assert len(report.errors) == 5 and report.warnings == []
    assert report.counts == {"type-error": data, "enum-error": 1, "period-after-source": 1}
    stats = report.to_dict()["stats"]
    assert stats["errors"] == data + 2 and stats["warnings"] == 0
    assert report.to_dict()["capped"] is True and report.to_dict()["max_errors"] == 5
    assert places(report)[:3] == [
        ("observations", 2, "value", "type-error"),
        ("observations", 2, "obs_status", "enum-error"),
        ("observations", 3, "period", "period-after-source"),
    ]
    assert "capped" in report.to_text()
    full = cz.validate(package_copy)
    assert not full.capped and len(full.errors) == data + 2 and full.counts == report.counts


def test_capped_warnings_are_counted(package_copy: Path) -> None:
    rows = read_rows(package_copy / "data" / "observations.csv")
    indicators = {r[0]: r[3] for r in read_rows(package_copy / "data" / "indicators.csv")}
    growth = [n for n, r in enumerate(rows[1:], start=2) if indicators[r[0]] == "growth_yoy"]
    assert len(growth) >= 3
    for number in growth:
        set_cell(package_copy, "observations", number, "value", "5000")
        restate(package_copy, number, "增长5000%")
    report = cz.validate(package_copy, max_errors=2)
    assert report.valid and report.capped
    assert report.errors == [] and len(report.warnings) == 2
    assert report.counts == {"growth-implausible": len(growth)}
    assert report.to_dict()["stats"]["warnings"] == len(growth)


def test_max_errors_must_not_be_negative() -> None:
    with pytest.raises(ValueError):
        cz.validate(bundled_package_path(), max_errors=-1)


# --- the bundled package -----------------------------------------------------------------------


def test_bundled_package_is_valid_without_warnings() -> None:
    report = cz.validate()
    assert report.valid
    assert report.errors == [] and report.warnings == [] and report.counts == {}
    assert report.resources == 5
    assert report.rows == sum(
        len(read_rows(path)) - 1 for path in (bundled_package_path().parent / "data").glob("*.csv")
    )
    explicit = cz.validate(bundled_package_path())
    assert explicit.to_dict() | {"stats": None} == report.to_dict() | {"stats": None}


def model_faults(folder: Path) -> list[str]:
    """An independent reading of the model's rules: quotes, units and multipliers."""
    data = folder / "data"
    observations = read_rows(data / "observations.csv")
    head = observations[0]
    indicators = {r[0]: r for r in read_rows(data / "indicators.csv")[1:]}
    ihead = read_rows(data / "indicators.csv")[0]
    units = {r[0] for r in read_rows(data / "units.csv")[1:]}
    sources = read_rows(data / "sources.csv")
    shead = sources[0]
    texts = {
        r[0]: (folder / r[shead.index("path")]).read_text(encoding="utf-8") for r in sources[1:]
    }
    faults = []
    for number, row in enumerate(observations[1:], start=2):
        obs = dict(zip(head, row, strict=True))
        indicator = dict(zip(ihead, indicators[obs["indicator_id"]], strict=True))
        if obs["source_quote"] not in texts[obs["source_id"]]:
            faults.append(f"row {number}: quote not in source")
        if not obs["source_quote"].strip():
            faults.append(f"row {number}: empty quote")
        if obs["unit"] != indicator["unit"] or obs["unit"] not in units:
            faults.append(f"row {number}: unit")
        if int(obs["unit_multiplier"]) != int(indicator["unit_multiplier"]):
            faults.append(f"row {number}: multiplier")
    return faults


def test_every_observation_quote_unit_and_multiplier_hold(bundled: Path) -> None:
    assert model_faults(bundled.parent) == []


def test_the_model_check_above_can_fail(package_copy: Path) -> None:
    set_cell(package_copy, "observations", 2, "source_quote", "不在原文中的句子")
    set_cell(package_copy, "observations", 3, "unit", "percent")
    currency = observation_row(package_copy, kind="currency")
    set_cell(package_copy, "observations", currency, "unit_multiplier", "0")
    assert model_faults(package_copy) == [
        "row 2: quote not in source",
        "row 3: unit",
        f"row {currency}: multiplier",
    ]
    report = cz.validate(package_copy)
    assert Counter(places(report)) == Counter(
        [
            ("observations", 2, "source_quote", "quote-not-in-source"),
            ("observations", 3, "unit", "unit-mismatch"),
            ("observations", 3, "value", "value-not-in-quote"),
            ("observations", currency, "unit_multiplier", "multiplier-mismatch"),
            ("observations", currency, "value", "value-not-in-quote"),
            ("observations", 2, "value", "quote-figure-unclear"),  # the new quote states no figure
        ]
    )


def test_every_stated_figure_is_a_finite_ascii_number(bundled: Path) -> None:
    import math
    import re

    rows = read_rows(bundled.parent / "data" / "observations.csv")
    values = [row[rows[0].index("value")] for row in rows[1:]]
    assert all(re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", v) for v in values), values
    assert all(math.isfinite(float(v)) for v in values)


def test_report_round_trips_as_json() -> None:
    import json

    report = cz.validate()
    data = json.loads(report.to_json())
    assert data["valid"] is True
    assert set(data) >= {"valid", "errors", "warnings", "stats"}
    assert set(data["stats"]) >= {"resources", "rows", "seconds"}


def test_problem_shape_matches_the_contract(package_copy: Path) -> None:
    share = observation_row(package_copy, measure="share")
    set_cell(package_copy, "observations", share, "value", "130")
    restate(package_copy, share, "先进产能达到130%以上")
    data = cz.validate(package_copy).to_dict()
    assert data["valid"] is False
    assert data["errors"] == [
        {
            "resource": "observations",
            "row": share,
            "field": "value",
            "value": "130",
            "check": "share-range",
            "severity": "error",
            "message": "share must be within 0..100",
            "fix": None,  # issue 14: what to write instead, when certain (report/fixes.py)
        }
    ]
    assert data["warnings"] == []
    assert data["stats"]["resources"] == 5


def test_missing_cell_message_counts_the_cells_of_the_row(tmp_path: Path) -> None:
    folder = write_package(
        tmp_path / "p", {"t": {"fields": ["a", "b", "c", "d"], "data": "a,b,c,d\n1\n1,2\n"}}
    )
    report = cz.validate(folder)
    assert [(p.row, p.field, p.message) for p in report.errors] == [
        (2, "b", "row has 1 cells, so field 'b' is missing"),
        (2, "c", "row has 1 cells, so field 'c' is missing"),
        (2, "d", "row has 1 cells, so field 'd' is missing"),
        (3, "c", "row has 2 cells, so field 'c' is missing"),
        (3, "d", "row has 2 cells, so field 'd' is missing"),
    ]


def test_problems_of_unread_resources_keep_the_descriptor_order(tmp_path: Path) -> None:
    folder = write_package(
        tmp_path / "p",
        {
            "first": {"fields": ["a"], "path": "/abs.csv"},
            "second": {"fields": ["a:integer"], "data": "a\nx\n"},
            "third": {"fields": ["a"], "path": "t.xlsx"},
            "fourth": {"fields": ["a"], "path": "missing.csv"},
        },
    )
    assert [p.resource for p in cz.validate(folder).errors] == [
        "first",
        "second",
        "third",
        "fourth",
    ]


def test_an_absent_descriptor_raises(tmp_path: Path) -> None:
    """No file at all: nothing to report on, the job cannot be done (exit 2)."""
    with pytest.raises(cz.PackageUnreadable) as raised:
        cz.validate(tmp_path)
    assert "datapackage.json" in str(raised.value)
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    "content",
    [b"{nope", b"[]", b"\xff\xfe{}", b'"a string"'],
    ids=["not-json", "array", "not-utf8", "string"],
)
def test_a_descriptor_that_is_not_a_json_object_is_a_finding(
    tmp_path: Path, content: bytes
) -> None:
    """A file that is there but is not a JSON object: a package-error, as frictionless-py says."""
    (tmp_path / "datapackage.json").write_bytes(content)
    report = cz.validate(tmp_path)
    assert not report.valid and places(report) == [(None, None, None, "package-error")]
    assert "datapackage.json" in report.errors[0].message
    assert report.resources == 0 and report.rows == 0


def test_a_remote_descriptor_is_not_fetched() -> None:
    with pytest.raises(cz.PackageUnreadable, match="remote"):
        cz.validate("https://example.com/datapackage.json")


def test_folder_and_descriptor_path_give_the_same_report(package_copy: Path) -> None:
    set_cell(package_copy, "observations", 2, "value", "x")
    by_folder = cz.validate(package_copy).to_dict()
    by_file = cz.validate(package_copy / "datapackage.json").to_dict()
    by_text = cz.validate(str(package_copy)).to_dict()
    for data in (by_folder, by_file, by_text):
        data["stats"].pop("seconds")
    assert by_folder == by_file == by_text
    assert by_folder["counts"] == {"type-error": 1}


def test_generic_package_gets_table_schema_checks_alone(tmp_path: Path) -> None:
    """No indicator model: a `share` above 100 or a negative count is just a number."""
    folder = write_package(
        tmp_path / "p",
        {
            "t": {
                "fields": ["region:string", "amount:number", "share:number", "count:integer"],
                "data": "region,amount,share,count\n长治,-5,130,-3\n晋城,x,1e3,2\n",
            }
        },
    )
    report = cz.validate(folder)
    assert places(report) == [("t", 3, "amount", "type-error")]


def test_a_flood_of_one_check_never_hides_another(make_package) -> None:
    """With the listing capped, every check that fired still shows its first problems."""
    rows = [["n", "s"], *[[str(i), "x"] for i in range(1, 40)], ["bad", "y"]]
    fields = ["n:integer", {"name": "s", "type": "string", "constraints": {"enum": ["y"]}}]
    folder = make_package({"t": {"data": rows, "fields": fields}})
    report = cz.validate(folder / "datapackage.json", max_errors=5)
    assert report.counts == {"enum-error": 39, "type-error": 1}
    assert report.capped
    assert len(report.errors) == 5
    assert {p.check for p in report.errors} == {"enum-error", "type-error"}
    assert [p.row for p in report.errors if p.check == "enum-error"] == [2, 3, 4, 5]


# --- formula-injection is not checked where the constraints already reject formulas --------------


@pytest.mark.parametrize(
    ("constraints", "checked"),
    [
        ({}, True),
        ({"pattern": "^[a-z][a-z0-9_]*$"}, False),
        ({"pattern": "^([a-z][a-z0-9_]*|[A-Z]{3})$"}, False),
        ({"pattern": "[1-9][0-9]{5}"}, False),
        ({"pattern": ".*"}, True),  # admits anything: checked
        ({"pattern": "-?[0-9]+"}, True),  # may start with '-': checked
        ({"pattern": "(ab|=c)"}, True),
        ({"pattern": "\\w+"}, True),  # not plain to see: checked
        ({"enum": ["A", "P", "E"]}, False),
        ({"enum": ["x", "=y"]}, True),
    ],
)
def test_formula_injection_is_skipped_only_where_constraints_reject_formulas(
    tmp_path: Path, constraints: dict, checked: bool
) -> None:
    (tmp_path / "t.csv").write_text("code\n=cmd()\nab\n", encoding="utf-8")
    schema = {"fields": [{"name": "code", "type": "string", "constraints": constraints}]}
    descriptor = {"name": "p", "resources": [{"name": "t", "path": "t.csv", "schema": schema}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = cz.validate(tmp_path)
    found = {(p.row, p.check) for p in report.errors + report.warnings}
    assert ((2, "formula-injection") in found) is checked
    if not checked:  # the cell is still reported: as breaking the constraint
        assert found & {(2, "pattern-error"), (2, "enum-error")}
