"""Partitioned publishing (issue 16, item 4): ``publish --partition-by FIELD``.

Every table that has FIELD is published a part per value: Parquet as a Hive-style dataset
(``data/<stem>.parquet/<field>=<value>/part-0.parquet``, the field kept inside the files too),
CSV parts in key order listed as the resource's ``path`` (every part with its header, as
frictionless-py reads a multipart table). The Spark engine's parts: tests/test_spark_partition.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import frictionless
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import file_tree, write_package

from changzhi_stats.cli import main
from changzhi_stats.errors import PublishRefused
from changzhi_stats.release import writers
from changzhi_stats.release.diff import diff
from changzhi_stats.release.publish import publish
from changzhi_stats.release.verify import verify

CREATED = "2024-12-04T00:00:00Z"


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture(scope="module")
def bundled_releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled package published plain and partitioned by period."""
    base = tmp_path_factory.mktemp("part")
    plain = publish(None, out=base / "plain", created=CREATED)
    parted = publish(None, out=base / "parted", created=CREATED, partition_by="period")
    return plain.path, parted.path


def frictionless_rows(release: Path, resource: str) -> list[dict]:
    package = frictionless.Package(str(release / "datapackage.json"))
    return [dict(row) for row in package.get_resource(resource).read_rows()]


def test_the_partitioned_layout(bundled_releases) -> None:
    _, parted = bundled_releases
    files = set(file_tree(parted))
    csv_parts = sorted(f for f in files if f.startswith("data/observations.csv/"))
    parquet_parts = sorted(f for f in files if f.startswith("data/observations.parquet/"))
    assert csv_parts == [
        "data/observations.csv/period=2024-12-04/part-0.csv",
        "data/observations.csv/period=2024-Q1%252F2024-Q3/part-0.csv",  # "/": escaped twice
    ]
    assert [p.replace(".csv", ".parquet") for p in csv_parts] == parquet_parts
    assert "data/regions.csv" in files and "data/regions.parquet" in files  # no period: as today
    descriptor = json.loads((parted / "datapackage.json").read_text("utf-8"))
    by_name = {r["name"]: r for r in descriptor["resources"]}
    assert by_name["observations"]["path"] == csv_parts
    assert by_name["observations-parquet"]["path"] == parquet_parts
    parts = by_name["observations"]["partitioning"]["parts"]
    assert [p["key"] for p in parts] == ["2024-12-04", "2024-Q1/2024-Q3"]
    sums = (parted / "SHA256SUMS").read_text("utf-8")
    for part in parts:
        assert f"{part['hash'].removeprefix('sha256:')}  {part['path']}\n" in sums
        assert (parted / part["path"]).stat().st_size == part["bytes"]


def test_frictionless_validates_it_and_reads_the_same_rows(bundled_releases) -> None:
    plain, parted = bundled_releases
    report = frictionless.validate(str(parted / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    for name in ("observations", "regions"):
        one, two = frictionless_rows(plain, name), frictionless_rows(parted, name)
        key = lambda row: json.dumps(row, sort_keys=True, default=str)  # noqa: E731
        assert sorted(one, key=key) == sorted(two, key=key)
    # key order, and within a key the input order
    rows = frictionless_rows(plain, "observations")
    expected = sorted(rows, key=lambda row: str(row["period"]))  # sorted() is stable
    assert frictionless_rows(parted, "observations") == expected


def test_the_other_files_are_as_unpartitioned(bundled_releases) -> None:
    """Tables without the field, the SDMX copy (observations in input order), the sources:
    the same bytes as in the unpartitioned release."""
    plain, parted = bundled_releases
    one, two = file_tree(plain), file_tree(parted)
    same = [f for f in one if not f.startswith("data/observations.") or "sdmx" in f]
    assert "data/observations.sdmx.csv" in same and "data/regions.parquet" in same
    assert {f: one[f] for f in same if f.startswith("data/")} == {
        f: two.get(f) for f in same if f.startswith("data/")
    }


def test_split_by_key_gives_each_key_its_rows_in_order(monkeypatch) -> None:
    monkeypatch.setattr(writers, "PART_ROWS", 4)  # windows cut inside keys
    keys = ["b", None, "a", "b", "a", "a", None, "c", "a", "b", "a"]
    tables = [
        pa.table(
            {"n": list(range(i, min(i + 3, len(keys)))), writers.KEY: keys[i : i + 3]},
            schema=pa.schema([("n", pa.int64()), (writers.KEY, pa.large_string())]),
        )
        for i in range(0, len(keys), 3)
    ]
    table = pa.concat_tables(tables)  # several chunks, as the spool reads them
    pieces = list(writers.split_by_key(table))
    assert all(len(set(p.column(writers.KEY).to_pylist())) == 1 for p in pieces)
    assert all(p.num_rows <= 4 for p in pieces)
    got = [
        (key, n)
        for p in pieces
        for key, n in zip(p.column(writers.KEY).to_pylist(), p["n"].to_pylist(), strict=True)
    ]
    numbered = zip(keys, range(len(keys)), strict=True)
    expected = sorted(numbered, key=lambda kn: (kn[0] is None, kn[0] or ""))
    assert got == expected


def test_every_part_has_its_header_and_parts_are_one_table(bundled_releases) -> None:
    _, parted = bundled_releases
    descriptor = json.loads((parted / "datapackage.json").read_text("utf-8"))
    paths = next(r["path"] for r in descriptor["resources"] if r["name"] == "observations")
    headers = {(parted / p).read_bytes().split(b"\r\n", 1)[0] for p in paths}
    assert len(headers) == 1 and headers.pop().startswith(b"indicator_id,region_code,period")


def test_readers_read_the_parquet_dataset(bundled_releases) -> None:
    plain, parted = bundled_releases
    whole = pq.read_table(plain / "data" / "observations.parquet")
    folder = parted / "data" / "observations.parquet"
    # pyarrow.dataset: the column inside the files (no partitioning inferred)
    read = ds.dataset(folder, format="parquet").to_table()
    assert read.schema == whole.schema.remove_metadata() or read.schema.equals(
        whole.schema, check_metadata=False
    )
    assert read.num_rows == whole.num_rows
    assert sorted(read.column("region_code").to_pylist()) == sorted(
        whole.column("region_code").to_pylist()
    )
    # with the Hive partitioning declared as text, the key column is read as text
    hive = ds.partitioning(pa.schema([("period", pa.string())]), flavor="hive")
    read = ds.dataset(folder, format="parquet", partitioning=hive).to_table()
    assert read.schema.field("period").type == pa.string()
    # polars reads a folder Hive-style: the type from the files (text), the value from the
    # folder name ("%2F" where the value has "/"); without Hive, the files' values as they are
    frame = pl.read_parquet(folder)
    assert frame.schema["period"] == pl.String and frame.schema["region_code"] == pl.String
    assert "2024-Q1%2F2024-Q3" in frame["period"].to_list()
    frame = pl.read_parquet(folder, hive_partitioning=False)
    assert frame.height == whole.num_rows
    assert sorted(frame["period"].to_list()) == sorted(whole.column("period").to_pylist())
    # pandas (pyarrow underneath): partitioning=None reads the files' columns
    import pandas as pd

    assert len(pd.read_parquet(folder, partitioning=None)) == whole.num_rows


def test_verify_checks_every_part(bundled_releases, tmp_path: Path) -> None:
    import shutil

    _, parted = bundled_releases
    assert verify(parted).intact
    copy = tmp_path / parted.name
    shutil.copytree(parted, copy)
    part = next((copy / "data" / "observations.parquet").glob("*/part-0.parquet"))
    table = pq.read_table(part)
    pq.write_table(table.slice(1), part)  # one row fewer
    result = verify(copy)
    assert not result.intact
    problems = {(f.file, f.problem) for f in result.findings}
    name = part.relative_to(copy).as_posix()
    assert {(name, "checksum-mismatch"), (name, "hash-mismatch")} <= problems
    assert (name, "copies-differ") in problems


def test_verify_finds_a_missing_part(bundled_releases, tmp_path: Path) -> None:
    import shutil

    _, parted = bundled_releases
    copy = tmp_path / parted.name
    shutil.copytree(parted, copy)
    part = next((copy / "data" / "observations.csv").glob("*/part-0.csv"))
    part.unlink()
    result = verify(copy)
    assert not result.intact
    assert part.relative_to(copy).as_posix() in {f.file for f in result.findings}


def test_diff_between_partitioned_and_plain_is_no_change(bundled_releases) -> None:
    plain, parted = bundled_releases
    assert diff(plain, parted).bump is None
    assert diff(parted, plain).bump is None


def test_a_later_version_over_a_partitioned_one(bundled_releases, tmp_path: Path) -> None:
    """bump=auto compares with the partitioned release: nothing changed, nothing published."""
    import shutil

    _, parted = bundled_releases
    out = tmp_path / "out"
    shutil.copytree(parted.parent, out)
    with pytest.raises(PublishRefused, match="nothing changed"):
        publish(None, out=out, bump="auto", partition_by="period")


def test_the_release_page_and_dcat(bundled_releases) -> None:
    _, parted = bundled_releases
    page = (parted / "index.html").read_text("utf-8")
    assert "observations" in page.lower()
    json.loads((parted / "dcat.jsonld").read_text("utf-8"))


def _multi_key(folder: Path, keys: list[str], repeat: int = 3) -> Path:
    rows = [["area", "batch", "value"]]
    for i in range(repeat):
        for j, key in enumerate(keys):
            rows.append([f"0{140400 + j}", key, str(i * 100 + j)])
    return write_package(
        folder,
        {
            "obs": {"data": rows, "fields": ["area", "batch", "value:number"]},
            "other": {"data": [["code"], ["a"]], "fields": ["code"]},
        },
        version="1.0.0",
    )


HOSTILE = ["2024", "", "../..", "a/b", "..", "__HIVE_DEFAULT_PARTITION__", "长治", "x y%z", "2023"]


def test_hostile_keys_stay_inside_the_release(tmp_path: Path) -> None:
    source = _multi_key(tmp_path / "pkg", HOSTILE)
    release = publish(source, out=tmp_path / "out", created=CREATED, partition_by="batch")
    outside = {p.name for p in (tmp_path / "out").iterdir()}
    assert outside == {"1.0.0", ".lock", "index.json", "catalog.jsonld"}  # no spool left
    folders = sorted(p.parent.name for p in release.path.glob("data/obs.parquet/*/part-0.parquet"))
    assert folders == sorted(
        [
            "batch=%2E%2E",  # a trailing dot is escaped (Windows drops it; "../" climbs)
            "batch=..%252F%2E%2E",  # '/' escaped twice: one decoding gives no path separator
            "batch=2023",
            "batch=2024",
            "batch=%5F%5FHIVE%5FDEFAULT%5FPARTITION%5F%5F",
            "batch=__HIVE_DEFAULT_PARTITION__",  # the missing (empty) value
            "batch=a%252Fb",
            "batch=x%20y%25z",
            "batch=%E9%95%BF%E6%B2%BB",
        ]
    )
    descriptor = json.loads((release.path / "datapackage.json").read_text("utf-8"))
    obs = next(r for r in descriptor["resources"] if r["name"] == "obs")
    keys = [p["key"] for p in obs["partitioning"]["parts"]]
    assert keys == [*sorted(k for k in HOSTILE if k), None]  # code-point order, missing last
    assert verify(release.path).intact
    assert frictionless.validate(str(release.path / "datapackage.json")).valid
    # pyarrow's Hive partitioning decodes the folders back to their values (text, as declared)
    hive = ds.partitioning(pa.schema([("batch", pa.string())]), flavor="hive")
    table = ds.dataset(release.path / "data" / "obs.parquet", partitioning=hive).to_table()
    # a value with '/' reads "%2F"; the literal text of Hive's missing value reads as missing
    twice = {"../..": "..%2F..", "a/b": "a%2Fb", writers.HIVE_NULL: None}
    assert sorted(set(table.column("batch").to_pylist()), key=str) == sorted(
        {twice.get(k, k or None) for k in HOSTILE}, key=str
    )
    # the column inside the files has every value as it is
    inside = pl.read_parquet(release.path / "data" / "obs.parquet", hive_partitioning=False)
    assert set(inside["batch"].to_list()) == {k or None for k in HOSTILE}
    # codes with a leading zero stay text in every reader
    frame = pl.read_parquet(release.path / "data" / "obs.parquet")
    assert frame["area"].str.starts_with("0").all()


def test_rows_within_a_key_keep_their_order(tmp_path: Path) -> None:
    source = _multi_key(tmp_path / "pkg", ["b", "a"], repeat=50)
    release = publish(source, out=tmp_path / "out", created=CREATED, partition_by="batch")
    part = pl.read_csv(release.path / "data/obs.csv/batch=a/part-0.csv")
    assert part["value"].to_list() == [i * 100 + 1 for i in range(50)]


def test_a_too_long_value_is_refused(tmp_path: Path) -> None:
    source = _multi_key(tmp_path / "pkg", ["2024", "x" * 300])
    with pytest.raises(PublishRefused, match="too long for a folder name"):
        publish(source, out=tmp_path / "out", partition_by="batch")
    assert not [p for p in (tmp_path / "out").iterdir() if p.name != ".lock"]


def test_values_differing_only_in_case_are_refused(tmp_path: Path) -> None:
    source = _multi_key(tmp_path / "pkg", ["q1", "Q1"])
    with pytest.raises(PublishRefused, match="differ only in case"):
        publish(source, out=tmp_path / "out", partition_by="batch")
    assert not [p for p in (tmp_path / "out").iterdir() if p.name != ".lock"]


def test_an_unknown_field_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PublishRefused, match="no table has a field 'perod'"):
        publish(None, out=tmp_path / "out", partition_by="perod")
    assert not (tmp_path / "out").exists()


def test_a_table_without_rows_is_one_file(tmp_path: Path) -> None:
    source = write_package(
        tmp_path / "pkg",
        {"obs": {"data": [["area", "batch"]], "fields": ["area", "batch"]}},
        version="1.0.0",
    )
    release = publish(source, out=tmp_path / "out", partition_by="batch")
    assert (release.path / "data" / "obs.csv").is_file()
    assert verify(release.path).intact


def test_part_bytes_do_not_depend_on_the_batches(tmp_path: Path, monkeypatch) -> None:
    """The same rows in other batches give the same part (Spark's tasks see other batches)."""
    monkeypatch.setattr(writers, "PART_ROWS", 7)  # several row groups, cut inside batches
    frame = pl.DataFrame(
        {"k": ["a"] * 40, "v": [str(i) for i in range(40)], "\x01typed\x01v": list(range(40))}
    )
    schema = writers._arrow_schema("t", {"fields": [{"name": "k"}, {"name": "v"}]}, ["k", "v"], {})
    sums = []
    for size in (40, 3, 11):
        staging = tmp_path / f"s{size}"
        staging.mkdir()
        spec = writers.PartSpec("t", "t", "k", ("k", "v"), schema, str(staging))
        chunks = [
            writers.normalised(frame.slice(i, size), spec) for i in range(0, frame.height, size)
        ]
        (part,) = writers.write_sorted(spec, iter(chunks))
        assert part.rows == 40
        sums.append(part.files)
        assert pq.ParquetFile(staging / next(iter(reversed(part.files)))).num_row_groups == 6
    assert sums[0] == sums[1] == sums[2]


def test_the_command_line_option(tmp_path: Path) -> None:
    runner = CliRunner()
    assert "--partition-by FIELD" in runner.invoke(main, ["publish", "--help"]).output
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["publish", "--out", str(out), "--partition-by", "period", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    files = json.loads(result.output)["files"]
    assert "data/observations.parquet/period=2024-12-04/part-0.parquet" in files
    result = runner.invoke(main, ["publish", "--out", str(tmp_path / "o2"), "--partition-by", "x"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "no table has a field 'x'" in result.output


def test_dcat_lists_every_part_and_verify_checks_it(bundled_releases, tmp_path: Path) -> None:
    import shutil
    from urllib.parse import unquote

    _, parted = bundled_releases
    document = json.loads((parted / "dcat.jsonld").read_text("utf-8"))
    urls = {
        unquote(d["dcat:downloadURL"]["@id"]): d for d in document["@graph"][0]["dcat:distribution"]
    }
    descriptor = json.loads((parted / "datapackage.json").read_text("utf-8"))
    for resource in descriptor["resources"]:
        for part in (resource.get("partitioning") or {}).get("parts", []):
            distribution = urls[part["path"]]  # relative URLs without --base-url
            checksum = distribution["spdx:checksum"]["spdx:checksumValue"]["@value"]
            assert "sha256:" + checksum == part["hash"]
    copy = tmp_path / parted.name
    shutil.copytree(parted, copy)
    text = (copy / "dcat.jsonld").read_text("utf-8")
    part = next(p for p in urls if "period=2024-Q1" in p and p.endswith(".csv"))
    size = urls[part]["dcat:byteSize"]["@value"]
    (copy / "dcat.jsonld").write_text(text.replace(f'"{size}"', '"1"'), "utf-8")
    problems = {(f.file, f.problem) for f in verify(copy).findings}
    assert (part, "dcat-mismatch") in problems


def test_ckan_push_uploads_every_part(bundled_releases) -> None:
    """Each part is a file of the dataset; the DataStore loads only unpartitioned tables."""
    from test_ckan import TOKEN, FakeCkan

    from changzhi_stats.release import ckan

    _, parted = bundled_releases
    portal = FakeCkan()
    try:
        result = ckan.push(parted, portal.url, TOKEN, datastore=True)
        resources = {r["name"]: r for r in portal.datasets[result.dataset]["resources"]}
    finally:
        portal.close()
    sums = dict(
        reversed(line.split("  ", 1)) for line in (parted / "SHA256SUMS").read_text().splitlines()
    )
    for path, digest in sums.items():
        assert resources[f"1.0.0/{path}"]["hash"] == f"sha256:{digest}"
    part = next(p for p in sums if p.startswith("data/observations.parquet/"))
    assert resources[f"1.0.0/{part}"]["mimetype"] == writers.PARQUET_MEDIATYPE


def test_what_a_killed_task_left_is_not_published(tmp_path: Path, monkeypatch) -> None:
    """A temporary file of a part whose writer died (a Spark task killed) is cleared."""
    real = writers.ReleaseWriter._write_parts

    def with_leftover(self) -> None:
        for spec in self.partitioned.values():
            folder = self.staging / f"data/{spec.stem}.parquet/batch=a"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / ".part-0.parquet-1-abc").write_bytes(b"half")
        real(self)

    monkeypatch.setattr(writers.ReleaseWriter, "_write_parts", with_leftover)
    source = _multi_key(tmp_path / "pkg", ["a", "b"])
    release = publish(source, out=tmp_path / "out", partition_by="batch")
    assert not list(release.path.rglob(".part-*"))
    assert verify(release.path).intact


def test_many_parts_are_one_dcat_distribution(tmp_path: Path, monkeypatch) -> None:
    from changzhi_stats.release import dcat

    monkeypatch.setattr(dcat, "MAX_PART_DISTRIBUTIONS", 2)
    source = _multi_key(tmp_path / "pkg", ["a", "b", "c"])
    release = publish(source, out=tmp_path / "out", partition_by="batch")
    document = json.loads((release.path / "dcat.jsonld").read_text("utf-8"))
    urls = [d["dcat:accessURL"]["@id"] for d in document["@graph"][0]["dcat:distribution"]]
    assert "data/obs.csv/" in urls and "data/obs.parquet/" in urls
    assert not [u for u in urls if "batch=" in u]
    assert verify(release.path).intact


@pytest.mark.parametrize("field", ["", 5, ["period"]])
def test_a_partition_field_that_is_no_name_is_refused(tmp_path: Path, field) -> None:
    with pytest.raises(PublishRefused, match="is not a field name"):
        publish(None, out=tmp_path / "out", partition_by=field)
    assert not (tmp_path / "out").exists()


def test_partitioned_dcat_conforms_to_dcat_ap_3(tmp_path: Path, monkeypatch) -> None:
    """Each part as a distribution, and a table's folder as one: DCAT-AP 3 shapes pass."""
    from test_portal import SPEC, _graph, _shapes

    pyshacl = pytest.importorskip("pyshacl")
    if not SPEC.is_dir():
        pytest.skip(f"the DCAT-AP shapes are absent ({SPEC})")
    from changzhi_stats.release import dcat

    shapes, _ = _shapes("dcat-ap-SHACL.ttl", "ranges.ttl")
    for limit in (256, 1):
        monkeypatch.setattr(dcat, "MAX_PART_DISTRIBUTIONS", limit)
        out = tmp_path / f"out-{limit}"
        release = publish(None, out=out, partition_by="period", base_url="https://d.example/r")
        for document in (release.path / "dcat.jsonld", out / "catalog.jsonld"):
            conforms, _, text = pyshacl.validate(
                _graph(document), shacl_graph=shapes, inference="none"
            )
            assert conforms, text
