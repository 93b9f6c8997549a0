"""``pandera_schema``: an analyst's pandera schema finds what ``cz-stats validate`` finds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.errors
import polars as pl
import pytest
from conftest import set_cell

import changzhi_stats as cz
from changzhi_stats import CzStatsError, pandera_schema

FIXTURES = Path(__file__).parent / "fixtures"


def engine_pairs(package: Path, resource: str) -> set[tuple[int, str]]:
    report = cz.validate(package, max_errors=100_000)
    return {
        (p.row, p.check)
        for p in [*report.errors, *report.warnings]
        if p.resource == resource and p.row is not None and p.row > 1
    }


def pandera_pairs(schema, frame) -> set[tuple[int, str]]:
    """(file row, check code) of each failure pandera lists; the file row is index + 2."""
    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        if isinstance(cases, pd.DataFrame):
            cases = pl.from_pandas(cases[["index", "check"]].astype({"check": str}))
        cases = cases.filter(pl.col("index").is_not_null())
        return {(int(i) + 2, str(c)) for i, c in cases.select("index", "check").iter_rows()}
    return set()


def text_frame(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


@pytest.fixture
def faulted(package_copy: Path) -> Path:
    """The bundled package with one fault of several kinds in its observations."""
    for row, field, value in [
        (2, "value", "abc"),  # type-error
        (3, "unit", "furlongs"),  # foreign key
        (4, "comparator", "about"),  # enum
        (5, "period", "2024-13"),  # period-invalid
        (6, "region_code", "14040"),  # pattern
    ]:
        set_cell(package_copy, "observations", row, field, value)
    return package_copy


def test_the_polars_schema_finds_what_the_engine_finds(faulted: Path) -> None:
    schema = pandera_schema(faulted / "datapackage.json", "observations")
    frame = text_frame(faulted / "data" / "observations.csv")
    expected = engine_pairs(faulted / "datapackage.json", "observations")
    assert len(expected) >= 5
    assert pandera_pairs(schema, frame) == expected


def test_the_pandas_schema_finds_what_the_engine_finds(faulted: Path) -> None:
    schema = pandera_schema(faulted / "datapackage.json", "observations", flavor="pandas")
    frame = pd.read_csv(faulted / "data" / "observations.csv", dtype=str, keep_default_na=False)
    frame = frame.replace({"": None})
    expected = engine_pairs(faulted / "datapackage.json", "observations")
    assert pandera_pairs(schema, frame) == expected


@pytest.mark.parametrize("fixture", ["bad-observations", "generic-budget"])
def test_fault_fixtures_agree(fixture: str) -> None:
    package = FIXTURES / fixture / "datapackage.json"
    spec = cz.validate(package)
    assert spec.errors  # the fixtures are faulted
    import json

    descriptor = json.loads(package.read_text("utf-8"))
    for resource in descriptor["resources"]:
        path = resource.get("path")
        if not isinstance(path, str) or not path.endswith(".csv"):
            continue
        schema = pandera_schema(package, resource["name"])
        frame = text_frame(package.parent / path)
        assert pandera_pairs(schema, frame) == engine_pairs(package, resource["name"])


def test_a_clean_table_passes(bundled: Path) -> None:
    schema = pandera_schema(bundled, "observations")
    frame = text_frame(bundled.parent / "data" / "observations.csv")
    assert schema.validate(frame, lazy=True).height == frame.height


def test_an_unknown_resource_is_a_clear_error(bundled: Path) -> None:
    with pytest.raises(CzStatsError, match="no readable resource 'nope'"):
        pandera_schema(bundled, "nope")
