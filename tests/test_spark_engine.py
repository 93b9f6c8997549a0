"""The Spark engine's seam, without Spark (issue 16): it is registered, chosen by name, and a
missing pyspark is a one-line error, never a traceback. The agreement of the two engines on a
real cluster is ``tests/test_spark_agreement.py``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from changzhi_stats import engines
from changzhi_stats.cli import main
from changzhi_stats.errors import CzStatsError
from changzhi_stats.validate import validate

SRC = Path(__file__).resolve().parents[1] / "src" / "changzhi_stats"


@pytest.fixture
def no_pyspark(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if pyspark were not installed (it may be, in a venv with the [spark] extra)."""
    for name in list(sys.modules):
        if name == "pyspark" or name.startswith("pyspark."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)


def test_spark_is_registered() -> None:
    assert set(engines.ENGINES) >= {"polars", "spark"}


def test_without_pyspark_the_spark_engine_says_how_to_install_it(no_pyspark) -> None:
    with pytest.raises(CzStatsError, match=r"pip install 'changzhi-stats\[spark\]'"):
        validate(None, engine="spark")


def test_without_pyspark_the_command_line_fails_cleanly(no_pyspark) -> None:
    result = CliRunner().invoke(main, ["validate", "--engine", "spark"])
    assert result.exit_code == 2
    assert "changzhi-stats[spark]" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["validate", "publish"])
def test_the_engine_options_are_offered(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "--engine [polars|spark]" in result.output and "--spark-master URL" in result.output


def test_an_unknown_engine_on_the_command_line_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["validate", "--engine", "dask"])
    assert result.exit_code == 2 and "dask" in result.output


def test_only_the_spark_package_imports_pyspark() -> None:
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ]
        names += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        if any(n == "pyspark" or n.startswith("pyspark.") for n in names):
            assert path.relative_to(SRC).parts[:2] == ("engines", "spark"), path
            assert path.name == "session.py", f"{path}: pyspark is imported in session.py only"


def test_validating_with_polars_never_imports_pyspark() -> None:
    code = (
        "import sys, changzhi_stats, changzhi_stats.cli\n"
        "changzhi_stats.validate()\n"
        "assert not [m for m in sys.modules if m.startswith('pyspark')], 'pyspark imported'\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]


def test_a_task_reads_and_checks_a_file_as_one_machine_does(tmp_path: Path) -> None:
    """What a Spark task runs (engines/spark/tasks.py), here in-process and without Spark: the
    opener survives pickling, and the task's findings, merged, are the polars engine's."""
    import pickle

    import pyarrow as pa

    from changzhi_stats.engines.spark import tasks
    from changzhi_stats.package.descriptor import load_package
    from changzhi_stats.report.problems import Findings
    from changzhi_stats.validate import check_package

    folder = Path(__file__).resolve().parent / "fixtures" / "bad-observations"
    expected, _ = check_package(load_package(folder), Findings(1000))

    queued: list = []

    class Recording:
        """The polars engine for tables read whole; streamed tables are only recorded."""

        reads_files = True

        def __init__(self, **context) -> None:
            from changzhi_stats.engines.polars.engine import PolarsEngine

            self.local, self.context = PolarsEngine(**context), context

        def plan_table(self, table):
            if table.opener is not None:
                queued.append(table)
            return self.local.plan_table(table)

        def run_batch(self, plan, batch, findings) -> None:
            self.local.run_batch(plan, batch, findings)

        def finish(self, plan, findings) -> None:
            if plan.table not in queued:
                self.local.finish(plan, findings)

        def complete(self, findings) -> dict[str, int]:
            openers = [pickle.loads(pickle.dumps(t.opener)) for t in queued]
            context = tasks.Context(openers, self.context["lookups"], self.context["base"], 1000)
            jobs = pa.record_batch([pa.array(range(len(openers)), pa.int32())], names=["job"])
            rows: dict[str, int] = {}
            for out in tasks.check(context, iter([jobs])):
                columns = [out.column(i).to_pylist() for i in (0, 1, 3)]
                for job, key, payload in zip(*columns, strict=True):
                    if key == tasks.FINDINGS:
                        result = pickle.loads(payload)
                        for check, count in result["counts"].items():
                            findings.add_count(check, count, result["kept"].get(check, []))
                        rows[queued[job].name] = result["rows"]
            return rows

    from changzhi_stats import engines as registry

    registry.ENGINES["recording"] = lambda **context: Recording(
        lookups=context["lookups"], base=context["base"]
    )
    try:
        actual, _ = check_package(load_package(folder), Findings(1000), engine="recording")
    finally:
        del registry.ENGINES["recording"]
    assert queued, "the streamed tables were handed over"
    # repeated keys are found by the cluster's shuffle, which this test leaves out
    keys = ("primary-key", "unique")
    drop = [p for p in expected.to_dict()["errors"] if p["check"] not in keys]
    assert [p for p in actual.to_dict()["errors"] if p["check"] not in keys] == drop
    counts = {c: n for c, n in expected.to_dict()["counts"].items() if c not in keys}
    assert {c: n for c, n in actual.to_dict()["counts"].items() if c not in keys} == counts
    assert actual.to_dict()["stats"]["rows"] == expected.to_dict()["stats"]["rows"]
