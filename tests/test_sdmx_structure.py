"""SDMX-ML 3.0 structures (issue 17): each release carries the codelists, concept scheme, DSD
and dataflow its SDMX-CSV names, versioned by the structure, not by the release.

pysdmx (the ``test`` extra) reads the structure, validating it against the official SDMX 3.0
XSDs, and then reads the SDMX-CSV against it; without pysdmx those tests skip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import read_rows, set_cell, write_rows

import changzhi_stats as cz
from changzhi_stats.package.descriptor import bundled_package_path
from changzhi_stats.release import sdmx_structure
from changzhi_stats.release.sdmx import sdmx_time_period
from changzhi_stats.release.sdmx_structure import STRUCTURE_PATH, Structure

CSV = "data/observations.sdmx.csv"


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def pysdmx_io():
    pytest.importorskip("pysdmx", reason="pysdmx not installed (pip install -e '.[test]')")
    pytest.importorskip("lxml", reason="pysdmx[xml] not installed (pip install -e '.[test]')")
    from pysdmx import io

    return io


def observations(release: Path) -> pd.DataFrame:
    return pd.read_csv(release / "data" / "observations.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.0.0 of the bundled package; 1.1.0 with one value revised (same structure); 1.2.0 with
    one more indicator in the code table (codes added)."""
    base = tmp_path_factory.mktemp("sdmx")
    out = base / "releases"
    cz.publish(out=out)
    package = base / "pkg"
    shutil.copytree(bundled_package_path().parent, package)
    rows = read_rows(package / "data" / "observations.csv")
    # a value and its quote revised together (the quote must state the figure)
    old, new = rows[1][3], str(int(rows[1][3]) + 1)
    quote = rows[1][9].replace(old, new)
    with open(package / "sources" / "changzhi-press-release-2024-12-04.txt", "a") as handle:
        handle.write(f"\n{quote}。\n")
    set_cell(package, "observations", 2, "value", new)
    set_cell(package, "observations", 2, "source_quote", quote)
    assert cz.publish(package, out=out, bump="auto").version == "1.1.0"
    indicators = read_rows(package / "data" / "indicators.csv")
    added = list(indicators[1])
    added[0], added[1], added[2] = "zz_new_indicator", "新指标", "A new indicator"
    write_rows(package / "data" / "indicators.csv", [*indicators, added])
    release = cz.publish(package, out=out, bump="auto")
    assert release.version == "1.2.0", release.version
    return out


def test_pysdmx_reads_the_data_against_the_shipped_structure(releases: Path) -> None:
    io = pysdmx_io()
    release = releases / "1.0.0"
    message = io.read_sdmx(release / STRUCTURE_PATH, validate=True)  # the official XSDs
    [flow] = message.get_dataflows()
    assert (flow.agency, flow.id, flow.version) == ("CZ_STATS", "CHANGZHI_STATS", "1.0.0")
    [dataset] = io.get_datasets(release / CSV, release / STRUCTURE_PATH)
    assert dataset.short_urn == "Dataflow=CZ_STATS:CHANGZHI_STATS(1.0.0)"
    components = {c.id: c for c in dataset.structure.components}
    assert [c.id for c in dataset.structure.components.dimensions] == [
        "INDICATOR",
        "REF_AREA",
        "TIME_PERIOD",
    ]
    data = dataset.data
    source = observations(release)
    assert len(data) == len(source)
    # codes: every coded value is in its codelist, and the codelists are the package's
    for concept, field in (
        ("INDICATOR", "indicator_id"),
        ("REF_AREA", "region_code"),
        ("UNIT_MEASURE", "unit"),
        ("OBS_STATUS", "obs_status"),
        ("COMPARATOR", "comparator"),
    ):
        codes = {code.id for code in components[concept].enumeration}
        assert set(data[concept]) <= codes, concept
        assert list(data[concept]) == list(source[field])
    indicators = pd.read_csv(release / "data" / "indicators.csv", dtype=str)
    assert {c.id for c in components["INDICATOR"].enumeration} == set(indicators["indicator_id"])
    # periods in SDMX's time formats, values typed as numbers
    assert list(data["TIME_PERIOD"]) == [sdmx_time_period(p) for p in source["period"]]
    assert "2024-01-01/P9M" in set(data["TIME_PERIOD"])
    assert [float(v) for v in data["OBS_VALUE"]] == [float(v) for v in source["value"]]
    assert [int(v) for v in data["UNIT_MULT"]] == [int(v) for v in source["unit_multiplier"]]


def test_the_xsds_are_really_checked(tmp_path: Path, releases: Path) -> None:
    io = pysdmx_io()
    text = (releases / "1.0.0" / STRUCTURE_PATH).read_text("utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace("<mes:Test>false</mes:Test>", ""), "utf-8")
    with pytest.raises(Exception, match="Validation Error"):
        io.read_sdmx(broken, validate=True)


def test_the_structure_version_follows_the_structure_not_the_release(releases: Path) -> None:
    versions = {}
    for release in ("1.0.0", "1.1.0", "1.2.0"):
        parsed = sdmx_structure.parse((releases / release / STRUCTURE_PATH).read_bytes())
        assert parsed is not None
        versions[release] = parsed[1]
        ids = set(pd.read_csv(releases / release / CSV, dtype=str)["STRUCTURE_ID"])
        assert ids == {f"CZ_STATS:CHANGZHI_STATS({parsed[1]})"}
    # a revised value keeps the structure; an added indicator code is a minor change
    assert versions == {"1.0.0": "1.0.0", "1.1.0": "1.0.0", "1.2.0": "1.1.0"}


def test_new_data_still_reads_against_the_first_structure(releases: Path) -> None:
    io = pysdmx_io()
    [dataset] = io.get_datasets(releases / "1.1.0" / CSV, releases / "1.0.0" / STRUCTURE_PATH)
    assert len(dataset.data) == len(observations(releases / "1.1.0"))


def test_the_structure_is_listed_and_verified(releases: Path) -> None:
    import json

    release = releases / "1.2.0"
    descriptor = json.loads((release / "datapackage.json").read_text("utf-8"))
    [entry] = [r for r in descriptor["resources"] if r["path"] == STRUCTURE_PATH]
    assert entry["mediatype"].startswith("application/vnd.sdmx.structure+xml")
    assert entry["bytes"] == (release / STRUCTURE_PATH).stat().st_size
    assert cz.verify(release).intact


def test_same_input_same_bytes(tmp_path: Path) -> None:
    cz.publish(out=tmp_path / "a")
    cz.publish(out=tmp_path / "b")
    first = (tmp_path / "a" / "1.0.0" / STRUCTURE_PATH).read_bytes()
    assert first == (tmp_path / "b" / "1.0.0" / STRUCTURE_PATH).read_bytes()


def _structure(**codes: list[str]) -> Structure:
    lists = {k: tuple((c, c, "") for c in v) for k, v in codes.items()}
    return Structure("X", lists, {k: (k, "") for k in codes}, {"INDICATOR": "CL_INDICATOR"})


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (_structure(CL_INDICATOR=["a", "b"]), "2.3.4"),  # the same
        (_structure(CL_INDICATOR=["a", "b", "c"]), "2.4.0"),  # a code added
        (_structure(CL_INDICATOR=["a"]), "3.0.0"),  # a code removed
        (Structure("Y", _structure(CL_INDICATOR=["a", "b"]).codelists), "3.0.0"),  # renamed
    ],
)
def test_bump_rules(new: Structure, expected: str) -> None:
    assert new.bump(_structure(CL_INDICATOR=["a", "b"]), "2.3.4") == expected


def test_names_only_is_a_patch() -> None:
    old = _structure(CL_INDICATOR=["a"])
    new = Structure("X", {"CL_INDICATOR": (("a", "renamed", ""),)}, old.names, old.coded)
    assert new.bump(old, "1.0.0") == "1.0.1"


def test_a_damaged_previous_structure_starts_over(tmp_path: Path) -> None:
    (tmp_path / "1.0.0" / "data").mkdir(parents=True)
    (tmp_path / "1.0.0" / STRUCTURE_PATH).write_text("<not sdmx", "utf-8")
    assert sdmx_structure.previous_structure(tmp_path, "1.1.0") is None
    assert sdmx_structure.previous_structure(tmp_path / "missing", "1.1.0") is None
