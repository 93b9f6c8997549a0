"""No hidden contracts: any resource or field name a Frictionless package may use works."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import places, read_rows, set_cell

from changzhi_stats import publish, validate


def _rename_sources(folder: Path, name: str) -> None:
    """Call the package's ``sources`` resource ``name`` (its foreign key follows)."""
    descriptor = folder / "datapackage.json"
    content = json.loads(descriptor.read_text("utf-8"))
    for resource in content["resources"]:
        if resource["name"] == "sources":
            resource["name"] = name
    descriptor.write_text(json.dumps(content, ensure_ascii=False), "utf-8")
    schema_path = folder / "schemas" / "observations.json"
    schema = json.loads(schema_path.read_text("utf-8"))
    for fk in schema["foreignKeys"]:
        if fk["reference"]["resource"] == "sources":
            fk["reference"]["resource"] = name
    schema_path.write_text(json.dumps(schema, ensure_ascii=False), "utf-8")


@pytest.mark.parametrize("name", ["periods", "quotes", "quote-figures", "quote-periods"])
def test_a_sources_resource_may_have_any_name(package_copy: Path, name: str) -> None:
    _rename_sources(package_copy, name)
    assert validate(package_copy).valid  # the renamed package is as clean as the bundled one
    quote = read_rows(package_copy / "data" / "observations.csv")[1][9]
    set_cell(package_copy, "observations", 2, "source_quote", quote + "。")
    report = validate(package_copy)
    assert places(report) == [("observations", 2, "source_quote", "quote-not-in-source")]


INTERNAL_LOOKING = ["__row__", "__value", "__typed__value", "__absent__value", "__measure"]


def _odd_package(make_package, rows: list[list[str]]) -> Path:
    fields = [
        {"name": "__row__", "type": "integer", "constraints": {"required": True}},
        {"name": "__value", "type": "number", "constraints": {"maximum": 10}},
        {"name": "__typed__value", "type": "string", "constraints": {"enum": ["a", "b"]}},
        {"name": "__absent__value", "type": "string"},
        {"name": "__measure", "type": "string"},
        {"name": "value", "type": "number"},
    ]
    schema = {"fields": fields, "primaryKey": ["__row__"]}
    return make_package(
        {"t": {"data": [[*INTERNAL_LOOKING, "value"], *rows], "schema": schema}},
        version="1.0.0",
    )


def test_fields_named_like_internal_columns_are_checked(make_package) -> None:
    folder = _odd_package(
        make_package,
        [
            ["1", "3", "a", "x", "share", "5"],
            ["x", "4", "b", "y", "share", "6"],  # row 3: __row__ is no integer
            ["3", "11", "a", "z", "share", "7"],  # row 4: __value over its maximum
            ["4", "2", "c", "w", "share", "8"],  # row 5: __typed__value not in its enum
            ["4", "2", "a", "", "", "1e999"],  # row 6: __row__ repeats
            ["6", "1", "b"],  # row 7: short
        ],
    )
    report = validate(folder)
    assert sorted(places(report)) == sorted(
        [
            ("t", 3, "__row__", "type-error"),
            ("t", 4, "__value", "maximum-error"),
            ("t", 5, "__typed__value", "enum-error"),
            ("t", 6, "__row__", "primary-key"),
            ("t", 6, "value", "value-not-finite"),  # the model's rules see the real "value"
            ("t", 7, "__absent__value", "missing-cell"),
            ("t", 7, "__measure", "missing-cell"),
            ("t", 7, "value", "missing-cell"),
        ]
    )


def test_fields_named_like_internal_columns_are_published(make_package, tmp_path: Path) -> None:
    rows = [["1", "3", "a", "x", "share", "5"], ["2", "4.5", "b", "y", "level", "6"]]
    folder = _odd_package(make_package, rows)
    release = publish(folder, out=tmp_path / "out")
    assert release.report.valid
    written = pl.read_parquet(release.path / "data" / "t.parquet")
    assert written.columns == [*INTERNAL_LOOKING, "value"]
    assert written["__row__"].to_list() == [1, 2]
    assert written["__value"].to_list() == [3.0, 4.5]
    assert written["__typed__value"].to_list() == ["a", "b"]
    assert read_rows(release.path / "data" / "t.csv") == [[*INTERNAL_LOOKING, "value"], *rows]


@pytest.mark.parametrize("odd", ["a\x00b", "\x01row", "\x01typed:c"])
def test_a_field_name_with_a_nul_is_a_schema_error(make_package, odd: str) -> None:
    schema = {"fields": [{"name": odd, "type": "integer"}, {"name": "c", "type": "integer"}]}
    folder = make_package({"t": {"data": [[odd, "c"], ["x", "y"]], "schema": schema}})
    report = validate(folder)
    checks = [(p.check, p.row, p.field) for p in report.errors + report.warnings]
    assert ("type-error", 2, "c") in checks
    assert any(check == "schema-error" for check, _, _ in checks)
    assert not any(check == "internal-error" for check, _, _ in checks)
