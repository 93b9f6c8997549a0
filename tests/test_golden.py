"""Golden reports: the whole JSON report of small invalid packages, as a statistician sees it.

Each folder of ``tests/fixtures/`` is a package with planted faults (``tests/fixtures/README.md``
lists them); ``tests/golden/<name>.json`` is its report, minus the timing and with the package
folder written as ``<package>``. After a deliberate change of the report, regenerate with

    CZ_UPDATE_GOLDEN=1 pytest tests/test_golden.py

and review every changed line of the goldens before committing them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import changzhi_stats as cz

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"
NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "datapackage.json").is_file())
UPDATE = os.environ.get("CZ_UPDATE_GOLDEN") == "1"


def normalised(report: cz.Report, folder: Path) -> dict:
    data = report.to_dict()
    data["stats"].pop("seconds")
    text = json.dumps(data, ensure_ascii=False)
    for spelling in {str(folder.resolve()), str(folder)}:
        text = text.replace(json.dumps(spelling)[1:-1], "<package>")
    return json.loads(text)


def test_there_are_fixtures() -> None:
    assert len(NAMES) >= 3


@pytest.mark.parametrize("name", NAMES)
def test_report_matches_golden(name: str) -> None:
    folder = FIXTURES / name
    actual = normalised(cz.validate(folder), folder)
    golden = GOLDEN / f"{name}.json"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert golden.is_file(), f"no golden for {name}; run with CZ_UPDATE_GOLDEN=1 and review it"
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert actual == expected


@pytest.mark.parametrize("name", NAMES)
def test_golden_is_self_consistent(name: str) -> None:
    """What the goldens promise, independent of their exact text."""
    data = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    problems = data["errors"] + data["warnings"]
    assert data["valid"] is (data["errors"] == [])
    assert data["valid"] is False, "every fixture is invalid on purpose"
    assert data["stats"]["errors"] == len(data["errors"]) and not data["capped"]
    assert data["stats"]["warnings"] == len(data["warnings"])
    assert sum(data["counts"].values()) == len(problems)
    assert all(p["row"] is None or p["row"] >= 1 for p in problems)
    assert all(
        p["row"] != 1 or p["check"].endswith("-label") or p["check"] == "encoding-error"
        for p in problems
    )
    assert "/work/" not in json.dumps(data) and "/tmp/" not in json.dumps(data)


def test_golden_of_bad_observations_names_every_planted_fault() -> None:
    """The planted faults of tests/fixtures/README.md, each found at its cell."""
    data = json.loads((GOLDEN / "bad-observations.json").read_text(encoding="utf-8"))
    found = {(p["row"], p["field"], p["check"]) for p in data["errors"] + data["warnings"]}
    assert found == {
        (3, "value", "type-error"),
        (4, "value", "count-not-whole"),
        (5, "value", "share-range"),
        (8, "value", "growth-range"),
        (9, "value", "growth-implausible"),
        (10, "period", "period-after-source"),
        (12, "unit", "unit-mismatch"),
        (15, "period", "period-invalid"),
        (16, "period", "period-invalid"),
        (19, "region_code", "foreign-key"),
        (20, "obs_status", "enum-error"),
        (22, "value", "value-not-finite"),
        (26, "unit_multiplier", "multiplier-mismatch"),
        (28, "source_quote", "quote-not-in-source"),
        (30, "comparator", "enum-error"),
    } | {  # a planted wrong figure also contradicts the quote that states the right one
        (row, "value", "value-not-in-quote") for row in (4, 5, 8, 9, 12, 26, 28, 30)
    }
    assert [p["check"] for p in data["warnings"]] == ["growth-implausible"]
