"""Partitioned publishing on Spark (issue 16, item 4): ``publish --engine spark --partition-by``.

The parts are written by Spark tasks (a shuffle brings each key's rows to one task, which writes
them with the release's own writer), and the release is byte-identical to the polars engine's
partitioned release: the same SHA256SUMS, the same files. Skips, with the reason, where Java or
pyspark is absent (``pip install -e '.[spark]'``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import file_tree, read_rows, write_rows
from spark_support import SPARK_WARNINGS, bench_module, local_session, require_spark

from changzhi_stats.release import writers
from changzhi_stats.release.publish import publish
from changzhi_stats.release.verify import verify

ROOT = Path(__file__).resolve().parents[1]
CREATED = "2024-12-04T00:00:00Z"

pyspark = require_spark()
pytestmark = SPARK_WARNINGS


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    yield from local_session()


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def both(source: object, out: Path, field: str, monkeypatch: pytest.MonkeyPatch) -> tuple:
    """The polars engine's partitioned release and the Spark engine's, of ``source``."""
    one = publish(source, out=out / "polars", created=CREATED, partition_by=field)

    def spooled(*_args: object) -> None:
        raise AssertionError("on Spark the driver spools no rows: the tasks write the parts")

    with monkeypatch.context() as patch:
        patch.setattr(writers.Spool, "add", spooled)
        two = publish(
            source, out=out / "spark", created=CREATED, partition_by=field, engine="spark"
        )
    return one, two


def test_the_bundled_package(spark, tmp_path: Path, monkeypatch) -> None:
    one, two = both(None, tmp_path, "period", monkeypatch)
    assert (one.path / "SHA256SUMS").read_bytes() == (two.path / "SHA256SUMS").read_bytes()
    assert file_tree(one.path) == file_tree(two.path)
    assert any("period=" in f for f in two.files)
    assert verify(two.path).intact


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark's generated package, 6,000 valid rows, its observations in two parts (a
    multipart table: each part is read by a task of its own)."""
    bench = bench_module()
    base = tmp_path_factory.mktemp("bench")
    indicators = bench.build_indicators()
    observations = bench.generate_observations(
        6_000, 20241204, indicators, bench.read_regions(), bench.build_periods()
    )
    folder = base / "package"
    bench.write_package(folder, observations, indicators)
    rows = read_rows(folder / "data" / "observations.csv")
    head, body = rows[0], rows[1:]
    write_rows(folder / "data" / "observations-1.csv", [head, *body[:2500]])
    write_rows(folder / "data" / "observations-2.csv", [head, *body[2500:]])
    (folder / "data" / "observations.csv").unlink()
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == "observations":
            resource["path"] = ["data/observations-1.csv", "data/observations-2.csv"]
            resource.pop("bytes", None)
            resource.pop("hash", None)
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    return folder


@pytest.mark.parametrize("field", ["period", "region_code"])
def test_a_generated_multi_key_package(spark, generated, tmp_path, field, monkeypatch) -> None:
    one, two = both(generated, tmp_path, field, monkeypatch)
    assert one.report.valid
    parts = [f for f in two.files if f.endswith("part-0.parquet")]
    assert len(parts) > 3  # many keys
    assert (one.path / "SHA256SUMS").read_bytes() == (two.path / "SHA256SUMS").read_bytes()
    assert file_tree(one.path) == file_tree(two.path)


def test_hostile_keys_on_spark(spark, tmp_path: Path, monkeypatch) -> None:
    from test_partition import HOSTILE, _multi_key

    source = _multi_key(tmp_path / "pkg", HOSTILE)
    one, two = both(source, tmp_path, "batch", monkeypatch)
    assert file_tree(one.path) == file_tree(two.path)
    assert {p.name for p in (tmp_path / "spark").iterdir()} == {
        "1.0.0",
        ".lock",
        "index.json",
        "catalog.jsonld",
    }


def test_a_too_long_key_on_spark_is_refused_cleanly(spark, tmp_path: Path) -> None:
    from test_partition import _multi_key

    from changzhi_stats.errors import PublishRefused

    source = _multi_key(tmp_path / "pkg", ["2024", "x" * 300])
    with pytest.raises(PublishRefused, match="too long for a folder name"):
        publish(source, out=tmp_path / "out", partition_by="batch", engine="spark")
    assert [p.name for p in (tmp_path / "out").iterdir()] == [".lock"]


def test_spark_reads_the_parquet_dataset(spark, tmp_path: Path) -> None:
    """As docs/release.md says: without partition discovery Spark reads the files' columns."""
    release = publish(None, out=tmp_path / "out", created=CREATED, partition_by="region_code")
    folder = str(release.path / "data" / "observations.parquet")
    frame = spark.read.option("recursiveFileLookup", "true").parquet(folder)
    assert frame.schema["region_code"].dataType.simpleString() == "string"
    assert frame.count() == 31
    codes = {row[0] for row in frame.select("region_code").collect()}
    assert all(isinstance(code, str) and len(code) == 6 for code in codes)
    inferred = spark.read.parquet(folder)  # partition discovery: the folders' types
    assert inferred.schema["region_code"].dataType.simpleString() == "int"
