"""Table Schema / Data Package v2 forms read as frictionless-py 5.21 reads them (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import changzhi_stats as cz

V2 = "https://datapackage.org/profiles/2.0/datapackage.json"


def _findings(tmp_path: Path, field: dict, cells: list[str]) -> set[tuple[str, int | None]]:
    folder = tmp_path / "p"
    folder.mkdir()
    lines = ["a", *[json.dumps(c) if "," in c else c for c in cells]]
    (folder / "t.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    resource = {"name": "t", "path": "t.csv", "schema": {"fields": [{"name": "a", **field}]}}
    descriptor = {"$schema": V2, "name": "p", "resources": [resource]}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = cz.validate(folder)
    return {
        (p.check, p.row)
        for p in report.errors + report.warnings
        if p.check not in ("missing-title", "missing-license")
    }


@pytest.mark.parametrize(
    ("field", "cells", "expected"),
    [
        # list: was a schema-error "type 'list' is not in Table Schema"
        ({"type": "list"}, ["a,b", "x"], set()),
        ({"type": "list", "itemType": "integer", "delimiter": ";"}, ["1; 2", "1;x"], {3}),
        ({"type": "list", "itemType": "date", "delimiter": "|"}, ["2020-01-31", "2020-02-30"], {3}),
        ({"type": "list", "itemType": "boolean"}, ["true,0", "true,yes"], {3}),
        # decimalChar: a '.' left is no number (was read as 1.5)
        ({"type": "number", "decimalChar": ","}, ["1,5", "1.5"], {3}),
        ({"type": "number", "decimalChar": ",", "groupChar": "."}, ["1.000,5", "1,5"], set()),
        # bareNumber false strips as frictionless-py: ".5" is 5, "x" is nothing
        ({"type": "number", "bareNumber": False}, ["$1.5", "1.5%", ".5", "x"], {5}),
        # integer: no groupChar in frictionless-py, only bareNumber
        ({"type": "integer", "groupChar": ",", "bareNumber": False}, ["$15", "1,000"], {3}),
        ({"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}, ["yes", "true"], {3}),
    ],
)
def test_v2_field_forms(tmp_path: Path, field: dict, cells: list[str], expected: set) -> None:
    found = _findings(tmp_path, field, cells)
    assert found == {("type-error", row) for row in expected}


def test_list_length_is_said_unsupported(tmp_path: Path) -> None:
    field = {"type": "list", "constraints": {"minLength": 2}}
    assert _findings(tmp_path, field, ["a,b", "a"]) == {("schema-error", None)}


def test_categories_in_object_form_are_metadata(tmp_path: Path) -> None:
    field = {"type": "string", "categories": [{"value": "x", "label": "X"}]}
    assert _findings(tmp_path, field, ["x", "y"]) == set()


def test_an_unknown_list_item_type_is_a_schema_error(tmp_path: Path) -> None:
    found = _findings(tmp_path, {"type": "list", "itemType": "year"}, ["1"])
    assert found == {("schema-error", None)}
