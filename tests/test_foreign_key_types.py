"""Foreign keys compare typed values, as frictionless-py compares them (docs/parity.md).

frictionless-py builds its lookup as a set of tuples of typed Python values, so ``True == 1 ==
Decimal("1.0")``, while ``"1" != 1`` and ``date(2020, 1, 1) != datetime(2020, 1, 1)``. Each case
below is checked against frictionless-py's own report, then against cz-stats'.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("frictionless")
from test_parity import cz_places, frictionless_places

import changzhi_stats

Fields = list[dict]


def _package(folder: Path, parent: tuple[Fields, str], child: tuple[Fields, str]) -> Path:
    """Tables p and c, each (fields, CSV text), with c's fields referring to p's."""
    resources = []
    for name, (fields, text) in (("p", parent), ("c", child)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
        dialect = {"headerRows": [1]}  # else frictionless may sniff another header on tiny tables
        schema = {"fields": fields}
        resources.append({"name": name, "path": f"{name}.csv", "schema": schema})
        resources[-1]["dialect"] = dialect
    key = {
        "fields": [f["name"] for f in child[0]],
        "reference": {"resource": "p", "fields": [f["name"] for f in parent[0]]},
    }
    resources[1]["schema"]["foreignKeys"] = [key]
    (folder / "datapackage.json").write_text(
        json.dumps({"name": "fk", "resources": resources}), encoding="utf-8"
    )
    return folder / "datapackage.json"


def _one(kind: str, **more: object) -> Fields:
    return [{"name": "k", "type": kind, **more}]


# (parent fields, parent text, child fields, child text, child rows with a foreign-key finding)
CASES = {
    # the generated example: dateutil reads "1" as a date; the boolean true is no date
    "boolean-to-date": (_one("date", format="any"), "k\n1\n", _one("boolean"), "k\n1\n", [2]),
    # Decimal("1.0") == 1 == True: equal numbers whatever their type or spelling
    "number-to-integer": (
        _one("integer"),
        "k\n1\n0\n100\n",
        _one("number"),
        "k\n1.0\n1e0\n10e-1\n-0\n1E2\n1.5\n",
        [7],
    ),
    "integer-to-number": (_one("number"), "k\n1.0\n2.50\n", _one("integer"), "k\n1\n2\n", [3]),
    "boolean-to-integer": (_one("integer"), "k\n1\n0\n", _one("boolean"), "k\ntrue\nFALSE\n", []),
    "integer-to-boolean": (_one("boolean"), "k\ntrue\n", _one("integer"), "k\n1\n0\n2\n", [3, 4]),
    "integer-leading-zero": (_one("integer"), "k\n1\n", _one("integer"), "k\n01\n+1\n", []),
    # text is no number: "01" and "1" as strings are not the integer 1
    "string-to-integer": (_one("integer"), "k\n1\n", _one("string"), "k\n01\n1\n", [2, 3]),
    "integer-to-string": (_one("string"), "k\n1\n", _one("integer"), "k\n1\n01\n", [2, 3]),
    "any-to-string": (_one("string"), "k\n01\n", _one("any"), "k\n01\n1\n", [3]),
    "year-to-integer": (_one("integer"), "k\n2020\n", _one("year"), "k\n2020\n2021\n", [3]),
    "integer-to-year": (_one("year"), "k\n2020\n", _one("integer"), "k\n2020\n02020\n", []),
    # a date is not a datetime, even at midnight
    "date-to-datetime": (
        _one("datetime"),
        "k\n2020-01-01T00:00:00\n",
        _one("date"),
        "k\n2020-01-01\n",
        [2],
    ),
    "datetime-to-datetime": (
        _one("datetime"),
        "k\n2020-01-01T00:00:00\n",
        _one("datetime"),
        "k\n2020-01-01T00:00:00\n2020-01-01T00:00:01\n",
        [3],
    ),
    "date-formats": (
        _one("date"),
        "k\n2020-01-02\n",
        _one("date", format="%d/%m/%Y"),
        "k\n02/01/2020\n01/02/2020\n",
        [3],
    ),
    "time-to-string": (_one("string"), "k\n10:00:00\n", _one("time"), "k\n10:00:00\n", [2]),
    # groupChar and decimalChar: the typed number is what is compared
    "number-with-group-char": (
        _one("integer"),
        "k\n1000\n",
        _one("number", groupChar=" ", decimalChar=","),
        'k\n"1 000,0"\n"1 000,5"\n',
        [3],
    ),
    # several fields: typed cell by cell; a key with an empty cell is a key (1, None)
    "multi-field": (
        [{"name": "x", "type": "number"}, {"name": "y", "type": "string"}],
        "x,y\n1.0,a\n2,\n",
        [{"name": "x", "type": "integer"}, {"name": "y", "type": "string"}],
        "x,y\n1,a\n2,\n3,\n,a\n1,b\n",
        [4, 5, 6],
    ),
    "multi-field-cross-types": (
        [{"name": "x", "type": "boolean"}, {"name": "y", "type": "year"}],
        "x,y\ntrue,2020\n",
        [{"name": "x", "type": "integer"}, {"name": "y", "type": "number"}],
        "x,y\n1,2020.0\n1,2021\n0,2020\n",
        [3, 4],
    ),
    # text that would join two cells into one is no key
    "multi-field-separator": (
        [{"name": "x"}, {"name": "y"}],
        "x,y\na\x1fb,c\n",
        [{"name": "x"}, {"name": "y"}],
        "x,y\na,b\x1fc\na\x1fb,c\n",
        [2],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_foreign_key_compares_typed_values(tmp_path: Path, name: str) -> None:
    parent_fields, parent_text, child_fields, child_text, rows = CASES[name]
    path = _package(tmp_path, (parent_fields, parent_text), (child_fields, child_text))
    expected = {("c", row, None, "foreign-key") for row in rows}
    assert frictionless_places(path) == expected
    assert cz_places(path) == expected


def test_a_self_reference_compares_typed_values(tmp_path: Path) -> None:
    schema = {
        "fields": [{"name": "id", "type": "integer"}, {"name": "parent", "type": "number"}],
        "foreignKeys": [{"fields": ["parent"], "reference": {"resource": "", "fields": ["id"]}}],
    }
    (tmp_path / "t.csv").write_text("id,parent\n1,\n2,1.0\n3,4\n4,2e0\n5,x\n", encoding="utf-8")
    descriptor = {"name": "fk", "resources": [{"name": "t", "path": "t.csv", "schema": schema}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    path = tmp_path / "datapackage.json"
    # 4 is only a parent further down: the whole table is the lookup; x is a type-error alone
    expected = {("t", 6, "parent", "type-error")}
    assert frictionless_places(path) == expected
    assert cz_places(path) == expected


def test_the_message_shows_the_cell_as_written(tmp_path: Path) -> None:
    path = _package(tmp_path, (_one("integer"), "k\n1\n"), (_one("number"), "k\n1.0\n2.50\n"))
    report = changzhi_stats.validate(path, lang="en")
    (problem,) = [p for p in report.errors if p.check == "foreign-key"]
    assert problem.row == 3 and problem.value == "2.50"
    assert "'2.50'" in problem.message


def test_nan_matches_nothing_and_text_is_no_nan(tmp_path: Path) -> None:
    """NaN equals nothing in Python, not even NaN; a text that spells a key is only text."""
    parent = ([{"name": "x", "type": "number"}, {"name": "y"}], "x,y\nNaN,n:nan\nINF,a\n")
    child = ([{"name": "x", "type": "number"}, {"name": "y"}], "x,y\nNaN,n:nan\nINF,a\n1,a\n")
    path = _package(tmp_path, parent, child)
    expected = {("c", 2, None, "foreign-key"), ("c", 4, None, "foreign-key")}
    assert frictionless_places(path) == expected
    assert cz_places(path) == expected
    path = _package(tmp_path, (_one("string"), "k\nn:nan\n"), (_one("string"), "k\nn:nan\n"))
    assert frictionless_places(path) == cz_places(path) == set()
