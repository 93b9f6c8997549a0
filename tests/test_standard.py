"""Table Schema v1 and Data Package v2 read as the standard says (issue 15).

Each test holds a form a real package uses and cz-stats once got wrong: a false finding, or a
form silently ignored.
"""

from __future__ import annotations

import json

import pytest
from conftest import places

import changzhi_stats as cz

# --- format "any": whatever dateutil reads, as frictionless-py --------------------------------


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("date", ["1993-Jan", "1880", "2020-05-30", "30 May 2020", "2020-05-30T10:00:00"]),
        ("datetime", ["1993-Jan", "1880", "2020-05-30T02:57:37Z", "May 30 2020 10:01"]),
        ("time", ["10:01", "10:01:02", "10am", "2020-05-30T02:57:37Z"]),
    ],
)
def test_format_any_reads_what_dateutil_reads(make_package, kind, values) -> None:
    rows = [["v"], *([v] for v in values)]
    field = {"name": "v", "type": kind, "format": "any"}
    folder = make_package({"t": {"data": rows, "fields": [field]}})
    report = cz.validate(folder / "datapackage.json")
    assert places(report) == []


def test_format_any_still_rejects_what_is_no_date(make_package) -> None:
    rows = [["v"], ["1993-Jan"], ["not a date"], ["2020-13-45"]]
    field = {"name": "v", "type": "date", "format": "any"}
    folder = make_package({"t": {"data": rows, "fields": [field]}})
    report = cz.validate(folder / "datapackage.json")
    assert places(report) == [("t", 3, "v", "type-error"), ("t", 4, "v", "type-error")]


def test_format_any_constraints_compare_parsed_dates(make_package) -> None:
    rows = [["v"], ["1993-Jan"], ["1880"]]
    field = {"name": "v", "type": "date", "format": "any", "constraints": {"minimum": "1900"}}
    folder = make_package({"t": {"data": rows, "fields": [field]}})
    report = cz.validate(folder / "datapackage.json")
    assert places(report) == [("t", 3, "v", "minimum-error")]


# --- %z reads the UTC designator Z, as Python's strptime ----------------------------------------


def test_percent_z_reads_the_utc_designator(make_package) -> None:
    rows = [["v"], ["2020-05-30T02:57:37Z"], ["2020-05-30T02:57:37+0200"], ["2020-05-30T02:57:37"]]
    field = {"name": "v", "type": "datetime", "format": "%Y-%m-%dT%H:%M:%S%z"}
    folder = make_package({"t": {"data": rows, "fields": [field]}})
    report = cz.validate(folder / "datapackage.json")
    assert places(report) == [("t", 4, "v", "type-error")]


# --- Data Package v2 forms --------------------------------------------------------------------

V2 = {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json"}


def test_missing_values_in_object_form_are_honoured(make_package) -> None:
    rows = [["k", "v"], ["a", "1"], ["b", "n/a"], ["c", ""], ["d", "x"]]
    folder = make_package({"t": {"data": rows, "fields": ["k", "v:integer"]}}, **V2)
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["resources"][0]["schema"]["missingValues"] = [
        {"value": "", "label": "empty"},
        {"value": "n/a", "label": "not asked"},
    ]
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    report = cz.validate(folder / "datapackage.json")
    assert places(report) == [("t", 5, "v", "type-error")]


def test_categories_in_object_form_are_no_schema_error(make_package) -> None:
    field = {
        "name": "v",
        "type": "integer",
        "categories": [{"value": 1, "label": "yes"}, {"value": 0, "label": "no"}],
        "categoriesOrdered": False,
    }
    other = {"name": "s", "type": "string", "categories": ["a", "b"]}
    rows = [["v", "s"], ["1", "a"], ["0", "b"]]
    folder = make_package({"t": {"data": rows, "fields": [field, other]}}, **V2)
    assert places(cz.validate(folder / "datapackage.json")) == []


def test_keys_as_one_string(make_package) -> None:
    parent = {"data": [["id"], ["a"], ["a"]], "fields": ["id"]}
    child = {"data": [["ref"], ["a"], ["z"]], "fields": ["ref"]}
    folder = make_package({"parent": parent, "child": child}, **V2)
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["resources"][0]["schema"]["primaryKey"] = "id"
    descriptor["resources"][1]["schema"]["foreignKeys"] = [
        {"fields": "ref", "reference": {"resource": "parent", "fields": "id"}}
    ]
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    found = places(cz.validate(folder / "datapackage.json"))
    assert found == [("parent", 3, "id", "primary-key"), ("child", 3, "ref", "foreign-key")]


# --- fieldsMatch: columns matched by name, not position, unless "exact" ----------------------


def fields_match_package(make_package, mode: str, header: list[str], required: bool = False):
    rows = [header, *([str(n) if h == "n" else "x" for h in header] for n in range(1, 4))]
    fields = [{"name": "k"}, {"name": "n", "type": "integer"}]
    if required:
        fields[0]["constraints"] = {"required": True}
    folder = make_package({"t": {"data": rows, "fields": fields}}, **V2)
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["resources"][0]["schema"]["fieldsMatch"] = mode
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    return places(cz.validate(folder / "datapackage.json"))


@pytest.mark.parametrize("mode", ["equal", "subset", "superset", "partial"])
def test_fields_match_reordered_columns(make_package, mode) -> None:
    assert fields_match_package(make_package, mode, ["n", "k"]) == []


def test_fields_match_exact_is_by_position(make_package) -> None:
    found = fields_match_package(make_package, "exact", ["n", "k"])
    assert ("t", 1, "k", "incorrect-label") in found
    assert ("t", 2, "n", "type-error") in found


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("equal", [("t", 1, None, "extra-label")]),
        ("subset", []),
        ("superset", [("t", 1, None, "extra-label")]),
        ("partial", []),
    ],
)
def test_fields_match_extra_column(make_package, mode, expected) -> None:
    assert fields_match_package(make_package, mode, ["n", "extra", "k"]) == expected


@pytest.mark.parametrize(
    ("mode", "required", "expected"),
    [
        ("equal", False, [("t", 1, "k", "missing-label")]),
        ("subset", False, [("t", 1, "k", "missing-label")]),
        ("superset", False, []),
        ("superset", True, [("t", 1, "k", "missing-label")]),
        ("partial", False, []),
        ("partial", True, [("t", 1, "k", "missing-label")]),
    ],
)
def test_fields_match_absent_field(make_package, mode, required, expected) -> None:
    assert fields_match_package(make_package, mode, ["n"], required) == expected


def test_fields_match_partial_needs_one_match(make_package) -> None:
    found = fields_match_package(make_package, "partial", ["a", "b"])
    assert found == [("t", 1, "k", "missing-label"), ("t", 1, "n", "missing-label")]


# --- dialects the standard forbids (held by package.descriptor.dialect_fault) -----------------


@pytest.mark.parametrize(
    "dialect",
    [
        {"delimiter": "::"},
        {"delimiter": ""},
        {"quoteChar": "''"},
        {"delimiter": ";", "quoteChar": ";"},
    ],
)
def test_a_forbidden_dialect_is_a_finding(make_package, dialect) -> None:
    rows = [["a", "b"], ["1", "2"]]
    folder = make_package({"t": {"data": rows, "fields": ["a", "b"], "dialect": dialect}})
    report = cz.validate(folder / "datapackage.json")
    assert not report.valid
    assert ("t", None, None, "resource-error") in places(report)
