"""A field is named anything: names polars would read as a regular expression or a wildcard
(``^x$``, ``a.*``, ``*``), and names like the diff's own helper columns (``__new``), are only
names, through validate, publish and diff."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import places, write_package

import changzhi_stats as cz
from changzhi_stats.release.verify import verify

# beside each regex-looking name, the plain names it would match
FIELDS = [
    {"name": "^x$", "type": "integer", "constraints": {"required": True, "minimum": 0}},
    {"name": "x", "type": "integer"},
    {"name": "a.*", "type": "string", "constraints": {"pattern": "[a-z]+"}},
    {"name": "ab", "type": "string"},
    {"name": "(y)", "type": "number", "constraints": {"maximum": 10}},
    {"name": "y", "type": "number"},
    {"name": "z|w", "type": "string", "constraints": {"enum": ["p", "q"]}},
    {"name": "*", "type": "string", "constraints": {"unique": True}},
]
HEADER = [f["name"] for f in FIELDS]


def names_package(folder: Path, rows: list[list[str]], version: str = "1.0.0") -> Path:
    schema = {"fields": FIELDS, "primaryKey": ["^x$"]}
    table = {"data": [HEADER, *rows], "schema": schema}
    return write_package(folder, {"t": table}, version=version)


CLEAN = [
    ["1", "-5", "abc", "ABC", "1.5", "99", "p", "u1"],
    ["2", "-6", "def", "DEF", "2.5", "99", "q", "u2"],
]


def test_a_clean_table_of_such_names_is_valid(tmp_path: Path) -> None:
    report = cz.validate(names_package(tmp_path / "pkg", CLEAN))
    assert places(report) == []


def test_each_fault_is_found_on_its_own_field(tmp_path: Path) -> None:
    rows = [
        ["1", "-5", "abc", "ABC", "1.5", "99", "p", "u1"],
        ["-1", "-6", "DEF", "def", "11", "-1", "r", "u1"],  # every constrained field wrong
        ["", "7", "ghi", "ABC", "1", "99", "q", "u3"],  # ^x$ missing
    ]
    report = cz.validate(names_package(tmp_path / "pkg", rows))
    found = sorted(places(report), key=lambda p: (p[1], p[2], p[3]))
    assert found == [
        ("t", 3, "(y)", "maximum-error"),
        ("t", 3, "*", "unique-error"),
        ("t", 3, "^x$", "minimum-error"),
        ("t", 3, "a.*", "pattern-error"),
        ("t", 3, "z|w", "enum-error"),
        ("t", 4, "^x$", "required-error"),
    ]


def test_such_names_publish_as_they_are(tmp_path: Path) -> None:
    release = cz.publish(names_package(tmp_path / "pkg", CLEAN), out=tmp_path / "out")
    assert verify(release.path).intact
    frame = pl.read_parquet(release.path / "data" / "t.parquet")
    assert frame.columns == HEADER
    assert frame["^x$"].to_list() == [1, 2]
    assert frame["x"].to_list() == [-5, -6]
    assert frame["a.*"].to_list() == ["abc", "def"]
    assert frame["*"].to_list() == ["u1", "u2"]
    csv = (release.path / "data" / "t.csv").read_text("utf-8").splitlines()
    assert csv[0].split(",") == HEADER
    assert csv[1].split(",") == CLEAN[0]


@pytest.mark.parametrize("extra", [["__new"], ["v", "v__new"], ["v", "__differs__v"], ["^v$", "v"]])
def test_diff_with_fields_named_like_its_own_columns(tmp_path: Path, extra: list[str]) -> None:
    fields = [{"name": "id", "type": "integer"}] + [{"name": n, "type": "number"} for n in extra]
    schema = {"fields": fields, "primaryKey": ["id"]}

    def side(name: str, rows: list[list[str]]) -> Path:
        data = [["id", *extra], *rows]
        return write_package(tmp_path / name, {"t": {"data": data, "schema": schema}})

    width = len(extra)
    old = side("old", [["1", *["1"] * width], ["2", *["2"] * width], ["3", *["3"] * width]])
    new = side("new", [["1", *["1"] * width], ["2", *["5"] * width], ["4", *["4"] * width]])
    changes = cz.diff(old, new).tables["t"]
    assert changes.added == [{"id": "4", **dict.fromkeys(extra, "4")}]
    assert changes.removed == [{"id": "3", **dict.fromkeys(extra, "3")}]
    assert changes.revised == [
        {"key": {"id": "2"}, "changes": {n: {"old": "2", "new": "5"} for n in extra}}
    ]
