"""The Spark engine and the polars engine agree (issue 16): the same report, to the last field.

A standalone Spark cluster (a master and two workers, started from the ``spark-class`` launcher
the pyspark package carries) runs on 127.0.0.1 for this module; one SparkSession serves every
test. Each case validates a package with both engines and compares ``Report.to_dict()``: the
bundled package, every fixture with planted faults, a file of reading traps, a generated package
with planted faults of every kind the benchmark plants, capped reports, and a release.

Skips, with the reason, where Java or pyspark is absent (``pip install -e '.[spark]'``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import file_tree, stop_group
from spark_support import SPARK_WARNINGS, agree, bench_module, require_spark

from changzhi_stats.release.publish import publish
from changzhi_stats.validate import validate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE_NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "datapackage.json").is_file())

pyspark = require_spark()
pytestmark = SPARK_WARNINGS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(command: list[str], log: Path, env: dict) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``spark://127.0.0.1:<port>``: a standalone master with two one-core workers."""
    home = Path(pyspark.__file__).parent
    launcher = str(home / "bin" / "spark-class")
    work = tmp_path_factory.mktemp("spark-cluster")
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_MEMORY": "256m",
        "PYSPARK_PYTHON": sys.executable,
    }
    port = _free_port()
    url = f"spark://127.0.0.1:{port}"
    master_log = work / "master.log"
    processes = [
        _start(
            [
                *(launcher, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"),
                *("--port", str(port), "--webui-port", str(_free_port())),
            ],
            master_log,
            env,
        )
    ]
    try:
        for n in range(2):
            processes.append(
                _start(
                    [
                        *(launcher, "org.apache.spark.deploy.worker.Worker", url),
                        *("--host", "127.0.0.1", "--cores", "1", "--memory", "1g"),
                        *("--webui-port", str(_free_port()), "--work-dir", str(work / f"w{n}")),
                    ],
                    work / f"worker{n}.log",
                    env,
                )
            )
        deadline = time.monotonic() + 240  # a busy 2-core machine starts three JVMs slowly
        while master_log.read_text(errors="replace").count("Registering worker") < 2:
            dead = [p for p in processes if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in work.glob("*.log"))
                pytest.fail(f"the standalone Spark cluster did not start:\n{logs}")
            time.sleep(0.5)
        yield url
    finally:
        for process in reversed(processes):
            stop_group(process, grace=30)


@pytest.fixture(scope="module")
def spark(cluster: str) -> Iterator[object]:
    """One SparkSession on the cluster for the module; the engine uses the active session."""
    from changzhi_stats.engines.spark.session import session

    settings = {
        "spark.executor.memory": "512m",
        "spark.executor.cores": "1",
        "spark.cores.max": "2",
        "spark.sql.shuffle.partitions": "4",
    }
    active = session(cluster, settings)
    assert active.sparkContext.master == cluster
    yield active
    active.stop()


def test_the_command_line_on_the_cluster(cluster: str) -> None:
    """``cz-stats validate --engine spark --spark-master URL``: the same JSON, the same exit.

    First in the module: its own application gets the cluster's cores before the session
    the other tests share holds them."""
    folder = FIXTURES / "bad-observations"
    command = [sys.executable, "-m", "changzhi_stats.cli", "validate", str(folder)]
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    runs = [
        subprocess.run(
            [*command, "--format", "json", *extra], capture_output=True, text=True, env=env
        )
        for extra in ([], ["--engine", "spark", "--spark-master", cluster])
    ]
    (polars_run, spark_run) = runs
    assert spark_run.returncode == polars_run.returncode == 1, spark_run.stderr[-2000:]
    reports = [json.loads(run.stdout) for run in runs]
    for report in reports:
        report["stats"].pop("seconds")
    assert reports[1] == reports[0]
    assert "Traceback" not in spark_run.stderr


def test_the_bundled_package(spark) -> None:
    report = agree(None)
    assert report["valid"] and report["stats"]["rows"] > 0


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_every_fixture_with_planted_faults(spark, name: str) -> None:
    agree(FIXTURES / name)


TRAPS = (
    "id,value,name\n"
    "1,12,plain\n"
    "2, 12,a leading space\n"
    "3,12d,a suffix d\n"
    "\n"
    "4,Infinity,infinity\n"
    "5,１２,full-width digits\n"
    '6,7,"a quoted\nnewline"\n'
    '7,8,"doubled ""quotes"""\n'
    "8,9\n"
    "9,10,a long row,extra\n"
    "10,11,ten\n"
    "10,12,ten again\n"
    ",13,no id\n"
    "\n"
    "\n"
    "11,1e3,exponent\n"
    "12,-1,negative\n"
    "13,12⏎,a return sign\n"
)


def _traps(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "traps.csv").write_text(TRAPS, encoding="utf-8")
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "value", "type": "number", "constraints": {"minimum": 0}},
            {"name": "name", "type": "string", "constraints": {"required": True, "unique": True}},
        ],
        "primaryKey": ["id"],
    }
    descriptor = {
        "name": "traps",
        "resources": [
            {"name": "traps", "path": "data/traps.csv", "format": "csv", "schema": schema}
        ],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def _split_traps(folder: Path) -> Path:
    """The traps file as a multipart table of three parts, each with the header."""
    _traps(folder)
    header, body = TRAPS.split("\n", 1)
    first, rest = body.split("5,１２", 1)
    second, third = ("5,１２" + rest).split("10,11,ten\n", 1)
    parts = [first, second, "10,11,ten\n" + third]
    names = []
    for index, text in enumerate(parts, start=1):
        names.append(f"data/part{index}.csv")
        (folder / names[-1]).write_text(f"{header}\n{text}", encoding="utf-8")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0]["path"] = names
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def test_a_multipart_table_is_read_a_part_a_task(spark, tmp_path: Path) -> None:
    """``path`` a list: Spark reads each part in a task of its own; the row numbers run on
    across the parts (as frictionless-py numbers them) and equal the single file's."""
    from test_multipart import EXPECTED, write_multipart

    report = agree(write_multipart(tmp_path / "small"))
    assert [(p["check"], p["row"], p["field"]) for p in report["errors"]] == EXPECTED
    whole = agree(_traps(tmp_path / "whole"))
    split = agree(_split_traps(tmp_path / "split"))
    assert split["errors"] == whole["errors"] and split["counts"] == whole["counts"]
    assert split["stats"]["rows"] == whole["stats"]["rows"]


def test_all_failures_as_parquet(spark, tmp_path: Path) -> None:
    """``--failures DIR``: a file a Spark task (rows of a part renumbered as the table's) plus
    the driver's; the same rows as the polars engine writes, counts equal to the report's."""
    from collections import Counter

    from test_failures import read_failures

    split = _split_traps(tmp_path / "split")
    for cap in (1, 1000):
        written = {}
        for engine in ("polars", "spark"):
            folder = tmp_path / f"{engine}-{cap}"
            report = validate(split, engine=engine, max_errors=cap, failures=folder, lang="en")
            written[engine] = read_failures(folder)
            counts = Counter(r["check"] for r in written[engine])
            assert counts == Counter(report.to_dict()["counts"])
        assert written["spark"] == written["polars"]
    assert len(list((tmp_path / "spark-1").glob("part-*.parquet"))) == 3


def test_reading_traps(spark, tmp_path: Path) -> None:
    """Blank rows, quoted newlines, short and long rows, " 12", 12d, Infinity, full-width digits
    and doubled quotes: the rows and findings of this project's reader, not Spark's CSV's."""
    report = agree(_traps(tmp_path / "traps"))
    found = {(p["check"], p["row"]) for p in report["errors"] + report["warnings"]}
    assert ("primary-key", 13) in found  # the second 10, after a blank row and a quoted newline
    assert ("missing-cell", 10) in found and ("extra-cell", 11) in found
    assert report["counts"]["type-error"] >= 3


@pytest.fixture(scope="module")
def faulted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The benchmark's generated package, 4,000 rows, with five faults of every planted kind."""
    bench = bench_module()
    base = tmp_path_factory.mktemp("bench")
    indicators = bench.build_indicators()
    observations = bench.generate_observations(
        4_000, 20241204, indicators, bench.read_regions(), bench.build_periods()
    )
    bench.write_package(base / "package", observations, indicators)
    faults = 5 * len(bench.FAULT_CHECKS)
    bad, planted = bench.plant_faults(observations, faults, 20241204, indicators)
    bench.copy_with_observations(base / "package", base / "faults", bad)
    return base / "faults", {bench.FAULT_CHECKS[kind]: n for kind, n in planted.items()}


def test_a_generated_package_with_faults_of_every_planted_kind(spark, faulted) -> None:
    folder, planted = faulted
    report = agree(folder)
    for check, count in planted.items():
        assert report["counts"].get(check, 0) >= count, check


@pytest.mark.parametrize("cap", [0, 1, 3])
def test_a_cappedreport_of(spark, faulted, cap: int) -> None:
    folder, _ = faulted
    report = agree(folder, max_errors=cap)
    assert len(report["errors"]) <= cap


def test_a_capped_report_of_a_fixture(spark) -> None:
    agree(FIXTURES / "bad-observations", max_errors=2)


def test_a_release_checked_on_spark_is_the_same_release(spark, tmp_path: Path) -> None:
    created = "2024-12-04T00:00:00Z"
    one = publish(None, out=tmp_path / "polars", created=created)
    two = publish(None, out=tmp_path / "spark", created=created, engine="spark")
    assert one.datapackage_sha256 == two.datapackage_sha256
    assert file_tree(tmp_path / "polars" / one.version) == file_tree(
        tmp_path / "spark" / two.version
    )


def test_a_partitioned_release_written_by_the_cluster_is_the_same_release(spark, tmp_path):
    """The parts are written by tasks on the standalone workers (other processes than the
    driver), into the staging folder they share with it: byte for byte the polars release."""
    created = "2024-12-04T00:00:00Z"
    one = publish(None, out=tmp_path / "polars", created=created, partition_by="region_code")
    two = publish(
        None, out=tmp_path / "spark", created=created, engine="spark", partition_by="region_code"
    )
    assert one.datapackage_sha256 == two.datapackage_sha256
    tree = file_tree(tmp_path / "spark" / two.version)
    assert tree == file_tree(tmp_path / "polars" / one.version)
    assert any("region_code=" in name for name in tree)
