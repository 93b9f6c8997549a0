"""What the Spark engine's driver holds and does (issue 16's leftovers).

- Repeated keys are re-checked on the cluster: the driver receives each key's exact count and
  its first ``--max-errors`` problems, never the candidate rows, and the report equals the
  polars engine's (50,000 repeated keys, a multipart table, ``--failures``).
- Progress for the tables Spark reads advances as its tasks finish (a captured sink).
- The driver does not scan the files the tasks read for NUL bytes; the finding still appears
  once, at the same row.

One local SparkSession (``local[2]``) serves the module; the agreement suite
(``tests/test_spark_agreement.py``) runs the same engine on a standalone cluster. Skips, with
the reason, where Java or pyspark is absent (``pip install -e '.[spark]'``).
"""

from __future__ import annotations

import io
import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from spark_support import SPARK_WARNINGS, agree, local_session, report_of, require_spark

from changzhi_stats.validate import validate

pyspark = require_spark()
pytestmark = SPARK_WARNINGS


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    yield from local_session()


def _package(folder: Path, parts: list[list[str]], header: str = "id,code,value") -> Path:
    """A table with a primary key (id) and a unique field (code), one file a part."""
    folder.mkdir(parents=True)
    paths = []
    for number, lines in enumerate(parts):
        path = folder / f"part{number}.csv"
        path.write_text(header + "\n" + "".join(line + "\n" for line in lines), encoding="utf-8")
        paths.append(path.name)
    descriptor = {
        "name": "keys",
        "resources": [
            {
                "name": "table",
                "path": paths if len(paths) > 1 else paths[0],
                "format": "csv",
                "schema": {
                    "fields": [
                        {"name": "id", "type": "integer"},
                        {"name": "code", "type": "string", "constraints": {"unique": True}},
                        {"name": "value", "type": "number"},
                    ],
                    "primaryKey": ["id"],
                },
            }
        ],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def _repeating(keys: int) -> list[str]:
    """``2 * keys`` rows: every id twice (the second time far below), codes repeat by tens."""
    first = [f"{i},c{i // 10},{i}.5" for i in range(keys)]
    again = [f"{i},d{i},{i}" for i in range(keys)]
    return first + again


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _package(tmp_path_factory.mktemp("many") / "package", [_repeating(50_000)])


class Received:
    """Counts what the driver receives of the re-check of repeated keys."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from changzhi_stats.engines.spark import engine

        self.rows: list = []
        collect = engine._collect

        def counting(frame: object) -> list:
            rows = collect(frame)
            self.rows.extend(rows)
            return rows

        monkeypatch.setattr(engine, "_collect", counting)

    @property
    def problems(self) -> int:
        return sum(1 for row in self.rows if row[3] is not None)


def test_fifty_thousand_repeated_keys_agree_with_the_polars_engine(
    spark, many: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    received = Received(monkeypatch)
    report = agree(many, max_errors=20)
    assert report["counts"]["primary-key"] == 50_000
    assert report["counts"]["unique-error"] == 45_000
    keys = [p for p in report["errors"] if p["check"] == "primary-key"]
    assert keys and [p["row"] for p in keys] == list(range(50_002, 50_002 + len(keys)))
    assert "repeats row 2" in keys[0]["message"]  # names the first row holding the key
    # the driver received the first 20 problems of each key and a count a bucket, no rows
    assert received.problems == 2 * 20
    assert len(received.rows) <= 2 * 20 + 2 * 4


@pytest.mark.parametrize("cap", [0, 1])
def test_a_capped_report_of_repeated_keys(
    spark, many: Path, cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also with more re-check tasks than shuffle partitions (one per 10,000 candidate rows)."""
    from changzhi_stats.engines.spark import engine

    monkeypatch.setattr(engine, "ROWS_PER_RECHECK", 10_000)
    received = Received(monkeypatch)
    agree(many, max_errors=cap)
    assert received.problems == 2 * cap
    # 55,000 repeated hashes: 11 re-check tasks, each sends a count per key rule it saw
    assert len(received.rows) - received.problems <= 2 * 11


def test_repeated_keys_across_the_parts_of_a_table(spark, tmp_path: Path) -> None:
    """A key repeated in another part, and within a part; rows numbered as the whole table's,
    with a blank row and a quoted newline before the repeats."""
    lines = _repeating(300)
    parts = [lines[:250], ["", '7,"x\ny",1', *lines[250:420]], lines[420:]]
    report = agree(_package(tmp_path / "parts", parts), max_errors=5)
    assert report["counts"]["primary-key"] == 301


def test_all_failures_of_repeated_keys_as_parquet(spark, tmp_path: Path) -> None:
    from test_failures import read_failures

    source = _package(tmp_path / "p", [(lines := _repeating(500))[:600], lines[600:]])
    written = {}
    for engine in ("polars", "spark"):
        folder = tmp_path / engine
        report = validate(source, engine=engine, max_errors=3, failures=folder, lang="en")
        written[engine] = read_failures(folder)
        assert Counter(r["check"] for r in written[engine]) == Counter(report.to_dict()["counts"])
    assert written["spark"] == written["polars"]


def test_progress_advances_as_the_tasks_finish(spark, tmp_path: Path) -> None:
    """A captured sink: calls in order, the last one every row and every byte of the table."""
    lines = [f"{i},c{i},{i}" for i in range(3000)]
    source = _package(tmp_path / "p", [lines[:1000], lines[1000:2000], lines[2000:]])
    calls: list[tuple[int, int, int]] = []
    report = validate(source, engine="spark", progress=lambda *c: calls.append(c))
    size = sum(p.stat().st_size for p in source.glob("*.csv"))
    assert calls and calls[-1] == (report.rows, size, size) and report.rows == 3000
    assert calls == sorted(calls)


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "3,000 rows checked"), ("zh", "已校验 3,000 行")]
)
def test_the_progress_line_in_both_languages(spark, tmp_path: Path, lang: str, said: str) -> None:
    from changzhi_stats.report.progress import TerminalProgress

    lines = [f"{i},c{i},{i}" for i in range(3000)]
    source = _package(tmp_path / "p", [lines[:1500], lines[1500:]])
    stream = io.StringIO()
    validate(source, engine="spark", progress=TerminalProgress(stream, interval=0, lang=lang))
    assert said in stream.getvalue()


def test_the_progress_of_a_job_is_read_until_it_ends() -> None:
    """The driver's watch over a running job, without Spark: each change is shown once."""
    from changzhi_stats.engines.spark.engine import _watched

    steps = iter([(0, 0), (0, 0), (10, 100), (30, 300)])
    done = threading.Event()
    shown: list[tuple[int, int]] = []

    def read() -> tuple[int, int]:
        value = next(steps, (30, 300))
        if value == (30, 300):
            done.set()
        return value

    def job() -> str:
        done.wait()
        return "collected"

    result = _watched(job, lambda rows, bytes_done: shown.append((rows, bytes_done)), read)
    assert result == "collected"
    assert shown == [(0, 0), (10, 100), (30, 300)]


def test_the_driver_does_not_scan_the_files_spark_reads_for_nul(
    spark, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from changzhi_stats.sources.text import TableSource

    lines = [f"{i},c{i},{i}" for i in range(50)]
    lines[30] = "30,c\x0030,30"
    source = _package(tmp_path / "p", [lines])
    scanned: list[str] = []
    may_hold_soon = TableSource.may_hold_soon

    def counting(self: TableSource, needle: bytes):
        scanned.append(self.name)
        return may_hold_soon(self, needle)

    monkeypatch.setattr(TableSource, "may_hold_soon", counting)
    report = report_of(source, "spark")
    assert scanned == []  # in this process; the task scans its own file
    nul = [p for p in report["errors"] if p["check"] == "nul-byte"]
    assert [p["row"] for p in nul] == [32] and report["counts"]["nul-byte"] == 1
    assert report == report_of(source, "polars")
    assert scanned == ["table"]  # the polars engine still scans: one byte scan, no cell check
