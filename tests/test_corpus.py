"""Real packages from other publishers (../shared/corpus, see its SOURCES.md): the checks work on
any Frictionless package, and agree with frictionless-py where SOURCES.md records its verdict."""

from __future__ import annotations

import hashlib
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from conftest import CORPUS, places

import changzhi_stats as cz

PACKAGES = (
    sorted(p.name for p in CORPUS.iterdir() if (p / "datapackage.json").is_file())
    if (CORPUS.is_dir())
    else []
)


# what a reuser needs, warned of in a corpus package that lacks it (each once)
REUSE = {"missing-license": 1, "missing-title": 1}


@cache
def report(name: str, max_errors: int = 5000) -> cz.Report:
    return cz.validate(CORPUS / name, max_errors=max_errors)


def test_corpus_is_there(corpus: Path) -> None:
    assert len(PACKAGES) >= 10


@pytest.mark.parametrize("name", PACKAGES)
def test_every_package_validates_without_raising(corpus: Path, name: str) -> None:
    result = report(name)
    assert isinstance(result.valid, bool)
    assert result.resources >= 1
    data = result.to_dict()
    warnings = {"growth-implausible", *REUSE}
    assert data["stats"]["errors"] == sum(
        n for code, n in result.counts.items() if code not in warnings
    )
    for problem in result.errors:
        assert problem.row is None or problem.row >= 1


@pytest.mark.parametrize("name", ["gdp", "inflation", "global-temp", "house-prices-us"])
def test_valid_packages_are_valid(corpus: Path, name: str) -> None:
    result = report(name)
    assert result.valid, places(result)[:10]
    assert result.counts == {} and result.warnings == []
    assert result.rows > 1000


def test_cpi_label_drift(corpus: Path) -> None:
    result = report("cpi")
    assert places(result) == [("cpi", 1, "Country Name", "incorrect-label")]
    assert result.errors[0].value == "Country"
    assert result.rows == 11182


def test_country_codes_duplicates_and_extra_label(corpus: Path) -> None:
    result = report("country-codes")
    assert result.counts == {"unique-error": 16, "extra-label": 1}
    extra = [p for p in result.errors if p.check == "extra-label"]
    assert [(p.row, p.field, p.value) for p in extra] == [(1, None, "wikidata_id")]
    # SOURCES.md names Denmark and the Netherlands; Seychelles and Western Sahara repeat too
    # (frictionless-py 5.21 reports the same 16 cells: 4 rows x 4 unique fields)
    unique = [p for p in result.errors if p.check == "unique-error"]
    assert {p.row for p in unique} == {66, 159, 203, 251}
    assert {p.field for p in unique} == {
        "ISO3166-1-Alpha-3",
        "ISO3166-1-Alpha-2",
        "M49",
        "Geoname ID",
    }
    assert {p.message for p in unique if p.row == 66} == {"value repeats row 65"}
    assert "DNK" in _cell(corpus / "country-codes" / "data" / "country-codes.csv", 66)


def _cell(path: Path, row: int) -> str:
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        for number, cells in enumerate(csv.reader(handle), start=1):
            if number == row:
                return ",".join(cells)
    raise LookupError(row)


def test_co2_ppm_extra_cells_and_blank_row(corpus: Path) -> None:
    result = report("co2-ppm")
    assert set(result.counts) == {"extra-cell", "blank-row"}
    per_resource = Counter(p.resource for p in result.errors if p.check == "extra-cell")
    assert per_resource["co2-mm-mlo"] == 820  # as frictionless-py counts (SOURCES.md)
    assert places(result, "blank-row") == [("co2-gr-mlo", 2, None, "blank-row")]
    assert not result.capped and len(result.errors) == sum(result.counts.values())
    valid = {"co2-annmean-gl", "co2-annmean-mlo", "co2-gr-gl"}
    assert not {p.resource for p in result.errors} & valid


def test_e_highway_descriptor_error_does_not_stop_the_data(corpus: Path) -> None:
    result = report("e-highway")
    # each descriptor finding names its resource (issue 15): frictionless-py's verdict does not
    descriptor = [p for p in result.errors if p.check == "schema-error"]
    assert {p.resource for p in descriptor} == {"demand", "volatile-generator"}
    assert all("profile" in p.message for p in descriptor), [p.message for p in descriptor]
    # the oemof-style foreign keys are the only descriptor errors (as frictionless-py says);
    # single-string primary keys and foreign-key fields are valid Table Schema v1
    assert result.counts == {"schema-error": 2, **REUSE}  # nor a title nor a licence
    assert result.resources == 12
    assert result.rows > 17000  # the data was read, semicolons and all


def test_frictionless_invalid_fixture_blank_rows(corpus: Path) -> None:
    result = report("frictionless-py-invalid")
    found = [p for p in places(result) if p[3] not in REUSE]  # it has no title nor licence
    assert found == [("data", 3, None, "blank-row"), ("data2", 4, None, "blank-row")]
    assert result.counts == {"blank-row": 2, **REUSE}  # and no foreign-key error, as frictionless


def test_validation_does_not_modify_the_corpus(corpus: Path) -> None:
    def digest() -> dict[str, str]:
        return {
            str(p.relative_to(corpus)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(corpus.rglob("*"))
            if p.is_file()
        }

    before = digest()
    for name in ("gdp-uk", "frictionless-py-invalid"):
        cz.validate(corpus / name)
    assert digest() == before
