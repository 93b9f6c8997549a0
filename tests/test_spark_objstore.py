"""The Spark engine on a package on an object store (issue 16): its tasks open the files
through pyarrow.fs, and the report equals the polars engine's on the same package on disk.

moto's S3 server on 127.0.0.1 (see test_objstore.py) and a local[2] Spark session whose Python
workers get the AWS_* variables as ``spark.executorEnv.*`` settings, as executors on a cluster
would get them. Skips, with the reason, without Java, pyspark or moto.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from spark_support import SPARK_WARNINGS, local_session, require_spark

from changzhi_stats.validate import validate

require_spark()
pytest.importorskip("moto", reason="moto is not installed (pip install 'moto[server]')")
pytestmark = SPARK_WARNINGS

from test_objstore import FIXTURES, serve_s3, store, upload  # noqa: E402


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_s3(tmp_path_factory.mktemp("moto"))


@pytest.fixture(scope="module")
def spark(s3: str) -> Iterator[object]:
    aws = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    yield from local_session({f"spark.executorEnv.{k}": v for k, v in aws.items()})


def _same(report, local) -> None:
    mine, theirs = report.to_dict(), local.to_dict()
    for side in (mine, theirs):
        side["stats"].pop("seconds", None)
    assert mine == theirs


def test_spark_reads_a_package_on_s3(spark, s3: str) -> None:
    folder = FIXTURES / "bad-observations"
    uri = upload(s3, folder, "spark-packages", "bad")
    _same(validate(uri, engine="spark", lang="en"), validate(folder, lang="en"))


def test_spark_reads_a_multipart_table_on_s3(spark, s3: str, tmp_path: Path) -> None:
    from test_multipart import EXPECTED, write_multipart

    folder = write_multipart(tmp_path / "mp")
    report = validate(upload(s3, folder, "spark-packages", "mp"), engine="spark", lang="en")
    assert [(p.check, p.row, p.field) for p in report.errors if p.resource == "t"] == EXPECTED
    _same(report, validate(folder, lang="en"))


def test_spark_writes_failures_to_s3(spark, s3: str, tmp_path: Path) -> None:
    import pyarrow.dataset as ds
    from test_failures import read_failures
    from test_multipart import write_multipart

    folder = write_multipart(tmp_path / "mp")
    uri = upload(s3, folder, "spark-packages", "mp-failures")
    store(s3).create_dir("spark-results")
    validate(uri, engine="spark", failures="s3://spark-results/run/", lang="en")
    validate(folder, failures=tmp_path / "local", lang="en")
    fs = store(s3)
    written = ds.dataset("spark-results/run", filesystem=fs, format="parquet").to_table()
    key = lambda r: (r["resource"] or "", r["row"] or 0, r["check"], r["field"] or "")  # noqa: E731
    assert sorted(written.to_pylist(), key=key) == read_failures(tmp_path / "local")


def test_spark_joins_parts_on_s3_as_on_disk(spark, s3: str, tmp_path: Path) -> None:
    from test_multipart_joins import JOINED, PLAIN, write_parts

    from changzhi_stats.package.limits import Limits

    for name, parts, limits in [("joined", JOINED, None), ("cut", PLAIN, Limits(rows=8))]:
        folder = write_parts(tmp_path / name, parts)
        uri = upload(s3, folder, "spark-packages", name)
        options = {"limits": limits} if limits else {}
        _same(validate(uri, engine="spark", lang="en", **options), validate(folder, **options))
