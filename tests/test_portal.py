"""What portals harvest: diff and version bumps, verify, DCAT-AP 3 and SDMX-CSV (issue 5)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import frictionless
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from conftest import ROOT, read_rows, set_cell, write_rows

import changzhi_stats as cz
from changzhi_stats.cli import main
from changzhi_stats.package.descriptor import bundled_package_path
from changzhi_stats.release.sdmx import period_bounds, sdmx_time_period

SPEC = ROOT.parent / "shared" / "spec" / "dcat-ap-3.0.1"
BASE_URL = "https://data.example.org/changzhi/releases"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


SOURCE_TEXT = "changzhi-press-release-2024-12-04.txt"  # the bundled source text


def revise(folder: Path) -> tuple[str, str, str]:
    """Revise the first observation's value, and its quote with it (a revised figure is stated
    by its source, else value-not-in-quote refuses it); return its key."""
    rows = read_rows(folder / "data" / "observations.csv")
    first = rows[1]
    old, new = first[3], str(int(first[3]) + 1)
    quote = first[9].replace(old, new)
    assert quote != first[9]
    with open(folder / "sources" / SOURCE_TEXT, "a", encoding="utf-8") as handle:
        handle.write(f"\n{quote}。\n")
    set_cell(folder, "observations", 2, "value", new)
    set_cell(folder, "observations", 2, "source_quote", quote)
    return first[0], first[1], first[2]


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[str, str, str]]:
    """1.0.0 from the bundled package, then ``--bump auto`` after one revised value."""
    base = tmp_path_factory.mktemp("two")
    out = base / "releases"
    cz.publish(out=out, base_url=BASE_URL)
    package = base / "pkg"
    shutil.copytree(bundled_package_path().parent, package)
    key = revise(package)
    release = cz.publish(package, out=out, bump="auto", base_url=BASE_URL)
    assert release.version == "1.1.0"
    return out, key


# --- diff --------------------------------------------------------------------------------------


def test_diff_across_two_real_publishes_with_a_revised_value(two_releases) -> None:
    out, (indicator, region, period) = two_releases
    result = cz.diff(out / "1.0.0", out / "1.1.0")
    assert not result.identical
    assert result.bump == "minor" and result.proposed_version == "1.1.0"
    observations = result.tables["observations"]
    assert observations.added == [] and observations.removed == []
    [revision] = observations.revised
    assert revision["key"] == {"indicator_id": indicator, "region_code": region, "period": period}
    old = revision["changes"]["value"]["old"]
    assert revision["changes"]["value"] == {"old": old, "new": str(int(old) + 1)}
    assert set(revision["changes"]) == {"value", "source_quote"}  # the quote states the new value
    assert result.schema == [] and result.metadata == []
    assert result.summary() == {"added": 0, "removed": 0, "revised": 1, "schema": 0, "metadata": 0}
    text = result.to_text()
    assert f"value: {old} -> {int(old) + 1}" in text and "proposed bump: minor" in text


def test_every_release_carries_its_changes(two_releases) -> None:
    out, _ = two_releases
    first = json.loads((out / "1.0.0" / "changes.json").read_text("utf-8"))
    assert first["old"] is None and first["initial"] is True
    assert first["rows"]["observations"] == len(read_rows(out / "1.0.0/data/observations.csv")) - 1
    changes = json.loads((out / "1.1.0" / "changes.json").read_text("utf-8"))
    expected = cz.diff(out / "1.0.0", out / "1.1.0").to_dict()
    assert changes["old"] == {"path": "../1.0.0", "kind": "release", "version": "1.0.0"}
    assert changes["new"] == {"path": ".", "kind": "release", "version": "1.1.0"}
    for key in ("bump", "summary", "resources", "schema", "metadata", "proposed_version"):
        assert changes[key] == expected[key], key
    markdown = (out / "1.1.0" / "CHANGES.md").read_text("utf-8")
    assert markdown.startswith("# Changes in 1.1.0")
    assert "Against release 1.0.0" in markdown and "**minor**" in markdown
    revision = changes["resources"]["observations"]["revised"][0]["changes"]["value"]
    assert f"| {revision['old']} | {revision['new']} |" in markdown
    index = json.loads((out / "index.json").read_text("utf-8"))
    newest, oldest = index["releases"]
    assert newest["changes"] == {
        "previous": "1.0.0",
        "bump": "minor",
        "added": 0,
        "removed": 0,
        "revised": 1,
        "schema": 0,
        "metadata": 0,
    }
    assert oldest["changes"]["previous"] is None
    for version in ("1.0.0", "1.1.0"):
        sums = (out / version / "SHA256SUMS").read_text("utf-8")
        for name in ("changes.json", "CHANGES.md", "dcat.jsonld", "data/observations.sdmx.csv"):
            assert f"  {name}\n" in sums, (version, name)


def test_release_with_new_files_still_validates_with_frictionless(two_releases) -> None:
    out, _ = two_releases
    report = frictionless.validate(str(out / "1.1.0" / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    descriptor = json.loads((out / "1.1.0" / "datapackage.json").read_text("utf-8"))
    listed = {r["path"]: r for r in descriptor["resources"]}
    for name in ("changes.json", "CHANGES.md", "data/observations.sdmx.csv"):
        assert listed[name]["type"] == "file"
        assert listed[name]["hash"] == "sha256:" + sha256(out / "1.1.0" / name)
    assert "dcat.jsonld" not in listed  # it describes the descriptor's files; SHA256SUMS has it


def test_bump_auto_is_reproducible(tmp_path: Path, package_copy: Path) -> None:
    trees = []
    for name in ("a", "b"):
        out = tmp_path / name
        cz.publish(out=out)
        folder = tmp_path / f"pkg-{name}"
        shutil.copytree(package_copy, folder)
        revise(folder)
        trees.append(tree_bytes(cz.publish(folder, out=out, bump="auto").path))
    assert trees[0] == trees[1]


def test_diff_of_a_package_and_its_release_is_empty(tmp_path: Path, bundled: Path) -> None:
    release = cz.publish(bundled, out=tmp_path)
    result = cz.diff(bundled, release.path)
    assert result.identical and result.bump is None
    shown = run("diff", str(bundled.parent), str(release.path), "--format", "json")
    assert shown.exit_code == 0
    assert json.loads(shown.stdout) == result.to_dict()


def _drop_field(folder: Path, field: str) -> None:
    schema_path = folder / "schemas" / "observations.json"
    schema = json.loads(schema_path.read_text("utf-8"))
    schema["fields"] = [f for f in schema["fields"] if f["name"] != field]
    schema_path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), "utf-8")
    rows = read_rows(folder / "data" / "observations.csv")
    index = rows[0].index(field)
    write_rows(folder / "data" / "observations.csv", [r[:index] + r[index + 1 :] for r in rows])


def _edit_schema(folder: Path, edit) -> None:
    schema_path = folder / "schemas" / "observations.json"
    schema = json.loads(schema_path.read_text("utf-8"))
    edit(schema)
    schema_path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), "utf-8")


def test_field_removed_is_major(bundled: Path, package_copy: Path) -> None:
    _drop_field(package_copy, "note")
    result = cz.diff(bundled, package_copy)
    assert result.bump == "major"
    assert [(c["change"], c["field"]) for c in result.schema] == [("field-removed", "note")]


def test_field_retyped_or_key_changed_is_major(bundled: Path, package_copy: Path) -> None:
    def retype(schema: dict) -> None:
        next(f for f in schema["fields"] if f["name"] == "unit_multiplier")["type"] = "number"

    _edit_schema(package_copy, retype)
    result = cz.diff(bundled, package_copy)
    assert result.bump == "major"
    assert [c["change"] for c in result.schema] == ["field-retyped"]

    _edit_schema(package_copy, lambda s: s.update(primaryKey=["indicator_id", "period"]))
    changes = [c["change"] for c in cz.diff(bundled, package_copy).schema]
    assert "primary-key-changed" in changes


def test_rows_added_removed_revised_are_minor(bundled: Path, package_copy: Path) -> None:
    rows = read_rows(package_copy / "data" / "observations.csv")
    removed = rows.pop(2)
    added = [*rows[1][:2], "2023", *rows[1][3:]]
    rows.append(added)
    rows[1][3] = rows[1][3] + ".5"
    write_rows(package_copy / "data" / "observations.csv", rows)
    result = cz.diff(bundled, package_copy)
    table = result.tables["observations"]
    assert [r["period"] for r in table.added] == ["2023"]
    assert [r["indicator_id"] for r in table.removed] == [removed[0]]
    assert len(table.revised) == 1
    assert result.bump == "minor"


def test_numbers_compare_as_numbers(bundled: Path, package_copy: Path) -> None:
    value = read_rows(package_copy / "data" / "observations.csv")[1][3]
    set_cell(package_copy, "observations", 2, "value", value + ".0")
    assert cz.diff(bundled, package_copy).identical


def test_metadata_only_is_a_patch(bundled: Path, package_copy: Path) -> None:
    descriptor = json.loads((package_copy / "datapackage.json").read_text("utf-8"))
    descriptor["title"] = "Another title"
    (package_copy / "datapackage.json").write_text(json.dumps(descriptor), "utf-8")
    result = cz.diff(bundled, package_copy)
    assert result.bump == "patch"
    assert [c["path"] for c in result.metadata] == ["title"]


def test_diff_cli_exit_codes(tmp_path: Path, bundled: Path, package_copy: Path) -> None:
    revise(package_copy)
    changed = run("diff", str(bundled), str(package_copy))
    assert changed.exit_code == 1
    assert (
        "1 revised" in changed.stdout and "proposed bump: minor (1.0.0 -> 1.1.0)" in changed.stdout
    )
    shown = run("diff", str(bundled), str(package_copy), "--format", "json")
    assert json.loads(shown.stdout) == cz.diff(bundled, package_copy).to_dict()
    missing = run("diff", str(bundled), str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "Traceback" not in missing.stderr
    assert missing.stdout == ""


def test_bump_auto_refuses_when_nothing_changed(tmp_path: Path, bundled: Path) -> None:
    out = tmp_path / "releases"
    first = run("publish", "--out", str(out), "--bump", "auto")
    assert first.exit_code == 0 and (out / "1.0.0").is_dir()  # first release: package version
    again = run("publish", "--out", str(out), "--bump", "auto")
    assert again.exit_code == 1 and "nothing changed" in again.stderr
    forced = run("publish", "--out", str(out), "--bump", "patch")
    assert forced.exit_code == 0 and (out / "1.0.1").is_dir()
    both = run("publish", "--out", str(out), "--bump", "minor", "--version", "9.0.0")
    assert both.exit_code == 1


# --- verify ------------------------------------------------------------------------------------


@pytest.fixture
def release_copy(tmp_path: Path, bundled: Path) -> Path:
    return cz.publish(bundled, out=tmp_path / "releases").path


def problems(folder: Path) -> set[tuple[str, str]]:
    result = cz.verify(folder)
    return {(f.file, f.problem) for f in result.findings}


def test_verify_an_intact_release(release_copy: Path) -> None:
    result = cz.verify(release_copy)
    assert result.intact, result.to_text()
    assert result.files == len((release_copy / "SHA256SUMS").read_text().splitlines())
    shown = run("verify", str(release_copy), "--format", "json")
    assert shown.exit_code == 0
    assert json.loads(shown.stdout) == result.to_dict()


def test_verify_a_changed_byte(release_copy: Path) -> None:
    path = release_copy / "data" / "units.csv"
    data = bytearray(path.read_bytes())
    data[-3] = ord("X") if data[-3] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))
    assert problems(release_copy) == {
        ("data/units.csv", "checksum-mismatch"),
        ("data/units.csv", "hash-mismatch"),
        ("data/units.csv", "dcat-mismatch"),
        ("data/units.parquet", "copies-differ"),  # the changed byte was a cell
    }
    shown = run("verify", str(release_copy))
    assert shown.exit_code == 1
    assert "data/units.csv: checksum-mismatch" in shown.stdout and "NOT INTACT" in shown.stdout


def test_verify_a_file_added(release_copy: Path) -> None:
    (release_copy / "data" / "extra.csv").write_text("a\r\n1\r\n", "utf-8")
    assert problems(release_copy) == {("data/extra.csv", "unlisted")}
    assert run("verify", str(release_copy)).exit_code == 1


def test_verify_a_file_removed(release_copy: Path) -> None:
    (release_copy / "data" / "regions.parquet").unlink()
    assert problems(release_copy) == {("data/regions.parquet", "missing")}
    (release_copy / "SHA256SUMS").unlink()
    assert ("SHA256SUMS", "missing") in problems(release_copy)


def test_verify_a_parquet_that_differs_from_its_csv(release_copy: Path) -> None:
    """Re-hashed everywhere, so only the comparison of the two copies can tell."""
    path = release_copy / "data" / "observations.parquet"
    table = pq.read_table(path)
    values = table.column("value").to_pylist()
    values[3] += 1
    table = table.set_column(table.schema.get_field_index("value"), "value", [values])
    pq.write_table(table, path)
    digest, size = sha256(path), path.stat().st_size
    sums = release_copy / "SHA256SUMS"
    sums.write_text(
        "".join(
            f"{digest}  {line.split('  ', 1)[1]}\n"
            if line.endswith("  data/observations.parquet")
            else line + "\n"
            for line in sums.read_text().splitlines()
        )
    )
    descriptor_path = release_copy / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text("utf-8"))
    for resource in descriptor["resources"]:
        if resource["path"] == "data/observations.parquet":
            resource.update(bytes=size, hash=f"sha256:{digest}")
    descriptor_path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), "utf-8")
    result = cz.verify(release_copy)
    found = {(f.file, f.problem) for f in result.findings}
    assert ("data/observations.parquet", "copies-differ") in found
    assert not any(p in {"missing", "unlisted", "hash-mismatch"} for _, p in found)
    detail = next(f.detail for f in result.findings if f.problem == "copies-differ")
    assert "row 5, field 'value'" in detail


def test_verify_something_that_is_not_a_release(tmp_path: Path) -> None:
    with pytest.raises(cz.PackageUnreadable):
        cz.verify(tmp_path / "nowhere")
    shown = run("verify", str(tmp_path / "nowhere"))
    assert shown.exit_code == 2 and "Traceback" not in shown.stderr


# --- DCAT-AP 3 ---------------------------------------------------------------------------------


def _shapes(*names: str):
    from rdflib import Graph
    from rdflib.namespace import SH

    shapes = Graph()
    for name in names:
        shapes.parse(SPEC / name, format="turtle")
    # The published shapes refer to 5 property shapes they never define when both files are
    # loaded (dcat:DatasetShape/4918ff7a…, /95c69c99…, dcat:DistributionShape/65380484…,
    # /a07d6e7a…, dcat:RelationshipShape/b7aa98e1…): pyshacl refuses a shapes graph with such
    # dangling sh:property links, so they, and only they, are dropped.
    dangling = [
        (s, p) for s, p in shapes.subject_objects(SH.property) if shapes.value(p, SH.path) is None
    ]
    for subject, shape in dangling:
        shapes.remove((subject, SH.property, shape))
    return shapes, len(dangling)


@pytest.fixture(scope="module")
def shapes():
    pytest.importorskip("pyshacl")
    if not SPEC.is_dir():
        pytest.skip(f"the DCAT-AP shapes are absent ({SPEC})")
    return _shapes("dcat-ap-SHACL.ttl", "ranges.ttl")


def _graph(path: Path):
    rdflib = pytest.importorskip("rdflib")
    graph = rdflib.Graph()
    graph.parse(path, format="json-ld")
    assert len(graph) > 50
    return graph


@pytest.mark.parametrize("name", ["1.0.0/dcat.jsonld", "1.1.0/dcat.jsonld", "catalog.jsonld"])
def test_dcat_conforms_to_dcat_ap_3(two_releases, shapes, name: str) -> None:
    from pyshacl import validate

    out, _ = two_releases
    graph, dangling = shapes[0], shapes[1]
    assert dangling == 5
    conforms, _, text = validate(_graph(out / name), shacl_graph=graph, inference="none")
    assert conforms, text


def test_dcat_conforms_to_the_unmodified_mandatory_shapes(two_releases) -> None:
    pyshacl = pytest.importorskip("pyshacl")
    rdflib = pytest.importorskip("rdflib")
    if not SPEC.is_dir():
        pytest.skip(f"the DCAT-AP shapes are absent ({SPEC})")
    out, _ = two_releases
    shapes = rdflib.Graph().parse(SPEC / "dcat-ap-SHACL.ttl", format="turtle")
    for name in ("1.1.0/dcat.jsonld", "catalog.jsonld"):
        conforms, _, text = pyshacl.validate(_graph(out / name), shacl_graph=shapes)
        assert conforms, text


def test_dcat_dataset_content(two_releases) -> None:
    rdflib = pytest.importorskip("rdflib")
    from rdflib.namespace import DCTERMS, RDF, XSD

    DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")

    out, _ = two_releases
    graph = _graph(out / "1.1.0" / "dcat.jsonld")
    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    adms = rdflib.Namespace("http://www.w3.org/ns/adms#")
    [dataset] = [s for s in graph.subjects(RDF.type, DCAT.Dataset) if str(s).endswith("#dataset")]
    assert str(dataset) == f"{BASE_URL}/1.1.0/dcat.jsonld#dataset"
    titles = {t.language: str(t) for t in graph.objects(dataset, DCTERMS.title)}
    assert set(titles) == {"en", "zh"} and "长治" in titles["zh"]
    assert {d.language for d in graph.objects(dataset, DCTERMS.description)} == {"en", "zh"}
    assert str(graph.value(dataset, DCAT.version)) == "1.1.0"
    notes = {n.language: str(n) for n in graph.objects(dataset, adms.versionNotes)}
    assert "1 revised" in notes["en"] and "修订 1 行" in notes["zh"]
    assert graph.value(graph.value(dataset, DCTERMS.publisher), rdflib.FOAF.name) is not None
    temporal = graph.value(dataset, DCTERMS.temporal)
    assert graph.value(temporal, DCAT.startDate) == rdflib.Literal("2024-01-01", datatype=XSD.date)
    assert graph.value(temporal, DCAT.endDate) == rdflib.Literal("2024-12-04", datatype=XSD.date)
    places = {
        str(graph.value(s, DCTERMS.identifier)) for s in graph.objects(dataset, DCTERMS.spatial)
    }
    assert "140400" in places
    distributions = list(graph.objects(dataset, DCAT.distribution))
    data_files = sorted(
        p.relative_to(out / "1.1.0").as_posix()
        for p in (out / "1.1.0" / "data").iterdir()
        if p.suffix in (".csv", ".parquet")
    )
    urls = sorted(str(graph.value(d, DCAT.downloadURL)) for d in distributions)
    assert urls == [f"{BASE_URL}/1.1.0/{f}" for f in data_files]
    for distribution in distributions:
        name = str(graph.value(distribution, DCAT.downloadURL)).split("/1.1.0/", 1)[1]
        path = out / "1.1.0" / name
        assert int(graph.value(distribution, DCAT.byteSize)) == path.stat().st_size
        checksum = graph.value(distribution, spdx.checksum)
        assert graph.value(checksum, spdx.algorithm) == spdx.checksumAlgorithm_sha256
        assert str(graph.value(checksum, spdx.checksumValue)).lower() == sha256(path)
        assert graph.value(distribution, DCAT.mediaType) is not None
        assert graph.value(distribution, DCTERMS.license) is not None


def test_catalog_lists_every_release_in_one_series(two_releases) -> None:
    rdflib = pytest.importorskip("rdflib")
    from rdflib.namespace import RDF

    DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")

    out, _ = two_releases
    graph = _graph(out / "catalog.jsonld")
    [catalog] = list(graph.subjects(RDF.type, DCAT.Catalog))
    [series] = list(graph.subjects(RDF.type, DCAT.DatasetSeries))
    members = {str(s) for s in graph.subjects(DCAT.inSeries, series)}
    assert members == {f"{BASE_URL}/{v}/dcat.jsonld#dataset" for v in ("1.0.0", "1.1.0")}
    assert members | {str(series)} == {str(d) for d in graph.objects(catalog, DCAT.dataset)}


def test_dcat_without_base_url_is_relative(release_copy: Path) -> None:
    document = json.loads((release_copy / "dcat.jsonld").read_text("utf-8"))
    [dataset] = document["@graph"]
    urls = [d["dcat:downloadURL"]["@id"] for d in dataset["dcat:distribution"]]
    assert "data/observations.csv" in urls and all("://" not in u for u in urls)
    graph = _graph(release_copy / "dcat.jsonld")  # resolved against the file itself
    assert any(str(o).endswith("/data/observations.csv") for o in graph.objects())


# --- SDMX-CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "sdmx", "first", "last"),
    [
        ("2024", "2024", "2024-01-01", "2024-12-31"),
        ("2024-Q3", "2024-Q3", "2024-07-01", "2024-09-30"),
        ("2024-02", "2024-02", "2024-02-01", "2024-02-29"),
        ("2024-12-04", "2024-12-04", "2024-12-04", "2024-12-04"),
        ("2024-01/2024-09", "2024-01-01/P9M", "2024-01-01", "2024-09-30"),
        ("2024-Q1/2024-Q3", "2024-01-01/P9M", "2024-01-01", "2024-09-30"),
        ("2024-Q2/2024-Q4", "2024-04-01/P9M", "2024-04-01", "2024-12-31"),
        ("2024-03-01/2024-03-10", "2024-03-01/P10D", "2024-03-01", "2024-03-10"),
    ],
)
def test_sdmx_time_periods(period: str, sdmx: str, first: str, last: str) -> None:
    assert sdmx_time_period(period) == sdmx
    assert tuple(d.isoformat() for d in period_bounds(period)) == (first, last)


def test_sdmx_csv_reads_back_as_the_observations(release_copy: Path) -> None:
    sdmx = pd.read_csv(
        release_copy / "data" / "observations.sdmx.csv", dtype=str, keep_default_na=False
    )
    observations = pd.read_csv(
        release_copy / "data" / "observations.csv", dtype=str, keep_default_na=False
    )
    assert list(sdmx.columns) == [
        "STRUCTURE", "STRUCTURE_ID", "ACTION", "INDICATOR", "REF_AREA", "TIME_PERIOD",
        "OBS_VALUE", "UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "COMPARATOR",
    ]  # fmt: skip
    assert set(sdmx["STRUCTURE"]) == {"dataflow"}
    assert set(sdmx["STRUCTURE_ID"]) == {"CZ_STATS:CHANGZHI_STATS(1.0.0)"}
    assert set(sdmx["ACTION"]) == {"I"}
    expected = pd.DataFrame(
        {
            "INDICATOR": observations["indicator_id"],
            "REF_AREA": observations["region_code"],
            "TIME_PERIOD": observations["period"].map(sdmx_time_period),
            "OBS_VALUE": observations["value"],
            "UNIT_MEASURE": observations["unit"],
            "UNIT_MULT": observations["unit_multiplier"],
            "OBS_STATUS": observations["obs_status"],
            "COMPARATOR": observations["comparator"],
        }
    )
    pd.testing.assert_frame_equal(sdmx[list(expected.columns)], expected)
    assert "2024-01-01/P9M" in set(sdmx["TIME_PERIOD"])
    typed = pd.read_csv(release_copy / "data" / "observations.sdmx.csv")
    assert typed["OBS_VALUE"].tolist() == observations["value"].astype(float).tolist()


def test_no_sdmx_copy_without_the_observations_table(tmp_path: Path, make_package) -> None:
    folder = make_package(
        {
            "cities": {
                "fields": ["name", "people:integer"],
                "data": [["name", "people"], ["a", "1"]],
            }
        },
        version="1.0.0",
    )
    release = cz.publish(folder, out=tmp_path / "releases")
    assert not (release.path / "data" / "observations.sdmx.csv").exists()
    assert (release.path / "dcat.jsonld").is_file() and cz.verify(release.path).intact
