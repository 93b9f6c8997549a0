"""Multipart tables at their seams (issue 16): a part without a final line break, and the row
limit of a table split in parts, the same on both engines and as frictionless-py reads them.

frictionless-py 5 reads a multipart resource as one stream of the parts' bytes with the header
line of every part after the first dropped: a part that does not end with a line break has its
last line joined to the next part's first data line. ``--max-rows`` counts the data rows of the
table, not of each part. The Spark cases skip, with the reason, without Java or pyspark.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spark_support import SPARK_WARNINGS, local_session, require_spark

from changzhi_stats.package.limits import Limits
from changzhi_stats.validate import validate

SCHEMA = {
    "fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}],
    "primaryKey": ["id"],
}
# parts 1 and 3 end without a line break: "2,b" and "3,c" are one line, "5,f" and "6,g" too;
# part 4 is empty (nothing but its header, no line break), part 5 follows it
JOINED = {
    "p1.csv": "id,name\n1,a\n2,b",
    "p2.csv": "id,name\n3,c\n4,d\n",
    "p3.csv": "id,name\n9,e\n5,f",
    "p4.csv": "id,name",
    "p5.csv": "id,name\n6,g\n1,h\n",
}
PLAIN = {
    "p1.csv": "id,name\n" + "".join(f"{i},a\n" for i in range(1, 6)),  # rows 2-6
    "p2.csv": "id,name\n" + "".join(f"{i},b\n" for i in range(6, 11)) + "z,x\n",  # rows 7-12
    "p3.csv": "id,name\n" + "".join(f"{i},c\n" for i in range(11, 16)),  # rows 13-17
}


def write_parts(folder: Path, parts: dict[str, str]) -> Path:
    (folder / "data").mkdir(parents=True)
    for name, text in parts.items():
        (folder / "data" / name).write_bytes(text.encode("utf-8"))
    resource = {"name": "t", "path": [f"data/{n}" for n in parts], "format": "csv"}
    descriptor = {"name": "mp", "title": "mp", "licenses": [{"name": "CC0-1.0"}]}
    descriptor["resources"] = [{**resource, "schema": SCHEMA}]
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def _ours(report) -> list[tuple]:
    return sorted((p.check, p.row) for p in report.errors if p.resource == "t")


def test_a_part_without_a_final_line_break_is_read_as_frictionless_reads_it(
    tmp_path: Path,
) -> None:
    import frictionless

    folder = write_parts(tmp_path / "pkg", JOINED)
    theirs = frictionless.validate(str(folder / "datapackage.json"))
    expected = sorted(
        (error.type, error.row_number) for task in theirs.tasks for error in task.errors
    )
    assert expected == [("extra-cell", 3), ("extra-cell", 6), ("primary-key", 7)]
    assert _ours(validate(folder, lang="en")) == expected


def test_the_row_limit_counts_the_table_not_a_part(tmp_path: Path) -> None:
    folder = write_parts(tmp_path / "pkg", PLAIN)
    report = validate(folder, limits=Limits(rows=8), lang="en")
    cut = [p for p in report.errors if p.check == "limit-exceeded"]
    assert [(p.row, p.resource) for p in cut] == [(10, "t")]
    assert "row 10 is data row 9" in cut[0].message
    assert report.rows == 8


# --- the Spark engine: the same reports -------------------------------------------------------


@pytest.fixture(scope="module")
def spark() -> object:
    require_spark(module=False)
    yield from local_session()


def _same(folder: Path, **options) -> None:
    polars = validate(folder, lang="en", **options).to_dict()
    spark = validate(folder, lang="en", engine="spark", **options).to_dict()
    for side in (polars, spark):
        side["stats"].pop("seconds")
    assert spark == polars


@SPARK_WARNINGS
def test_spark_joins_a_part_without_a_final_line_break(spark, tmp_path: Path) -> None:
    _same(write_parts(tmp_path / "pkg", JOINED))


@SPARK_WARNINGS
@pytest.mark.parametrize(
    "limits",
    [
        Limits(rows=8),  # the cut is in part 2
        Limits(rows=5),  # part 1 is whole, the cut is the first row of part 2
        Limits(rows=14),  # the cut is in part 3
        Limits(rows=3),  # the cut is in part 1: parts 2 and 3 are not read
        Limits(rows=100),  # no cut
        Limits(cell_chars=1),  # "10,b" in part 2: parts after it are not read
    ],
    ids=["part-2", "part-2-first", "part-3", "part-1", "none", "cell"],
)
def test_spark_applies_the_row_limit_per_table(spark, tmp_path: Path, limits: Limits) -> None:
    _same(write_parts(tmp_path / "pkg", PLAIN), limits=limits)


@SPARK_WARNINGS
def test_spark_writes_the_failures_of_a_second_run_only(spark, tmp_path: Path) -> None:
    from test_failures import read_failures

    folder = write_parts(tmp_path / "pkg", JOINED)
    validate(folder, failures=tmp_path / "polars", lang="en")
    validate(folder, failures=tmp_path / "spark", lang="en", engine="spark")
    assert read_failures(tmp_path / "spark") == read_failures(tmp_path / "polars")
