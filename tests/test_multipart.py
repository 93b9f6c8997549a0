"""A resource whose ``path`` is a list (a multipart table, issue 16): read as frictionless-py 5
reads it, one stream with the header line of every part after the first dropped, so row
numbers run on across the parts."""

from __future__ import annotations

import json
from pathlib import Path

from changzhi_stats.validate import validate

PARTS = {
    "p1.csv": "id,name\n1,a\n2,b\n\nx,c\n",  # rows 2, 3, blank 4, type error 5
    "p2.csv": 'id,name\n4,"d\ne"\n2,f\n6\n7,g,h\n',  # 6 (a quoted newline), repeat 7, 8, 9
    "p3.csv": "id,name\n8,i\n",  # 10
}
SCHEMA = {
    "fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}],
    "primaryKey": ["id"],
}
# (check, row, field) as frictionless-py 5.21 reports them for this package (checked by hand:
# `frictionless validate` gives the same row numbers for these five)
EXPECTED = [
    ("blank-row", 4, None),
    ("type-error", 5, "id"),
    ("primary-key", 7, "id"),
    ("missing-cell", 8, "name"),
    ("extra-cell", 9, None),
]


def write_multipart(folder: Path, parts: dict[str, str] = PARTS) -> Path:
    (folder / "data").mkdir(parents=True)
    for name, text in parts.items():
        (folder / "data" / name).write_text(text, encoding="utf-8")
    resource = {
        "name": "t",
        "path": [f"data/{name}" for name in parts],
        "format": "csv",
        "schema": SCHEMA,
    }
    descriptor = {"name": "mp", "title": "mp", "licenses": [{"name": "CC0-1.0"}]}
    descriptor["resources"] = [resource]
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def _cells(report) -> list[tuple]:
    return [(p.check, p.row, p.field) for p in report.errors if p.resource == "t"]


def test_row_numbers_run_on_across_the_parts(tmp_path: Path) -> None:
    report = validate(write_multipart(tmp_path / "pkg"))
    assert _cells(report) == EXPECTED
    assert not [p for p in report.errors if p.check in {"format-error", "resource-error"}]


def test_a_list_path_is_kept_inside_the_package(tmp_path: Path) -> None:
    folder = write_multipart(tmp_path / "pkg")
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["resources"][0]["path"].append("../outside.csv")
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    report = validate(folder)
    assert [p.check for p in report.errors if p.resource == "t"] == ["unsafe-path"]


def test_an_empty_list_path_is_a_resource_error(tmp_path: Path) -> None:
    folder = write_multipart(tmp_path / "pkg")
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["resources"][0]["path"] = []
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    report = validate(folder)
    assert "resource-error" in {p.check for p in report.errors}


def test_the_file_size_limit_is_per_part(tmp_path: Path) -> None:
    from changzhi_stats.package.limits import Limits

    folder = write_multipart(tmp_path / "pkg")
    largest = max(len(text.encode()) for text in PARTS.values())
    report = validate(folder, limits=Limits(file_bytes=largest))
    assert _cells(report) == EXPECTED
    report = validate(folder, limits=Limits(file_bytes=largest - 1))
    assert [p.check for p in report.errors if p.resource == "t"] == ["limit-exceeded"]
