"""What the Spark suites share: the reason they skip (no Java, no pyspark), the warning pyspark
gives about pandas, one local session per module and the comparison of the two engines."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from changzhi_stats.validate import validate

# pyspark warns on every Arrow exchange that it does not fully support our pandas
SPARK_WARNINGS = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)


def require_spark(*, module: bool = True) -> ModuleType:
    """Skip (the whole module, or the test) without Java 17+ or pyspark; else pyspark."""
    if shutil.which("java") is None:
        pytest.skip(
            "the Spark engine needs Java 17+ (no `java` on PATH)", allow_module_level=module
        )
    return pytest.importorskip(
        "pyspark", reason="pyspark is not installed (pip install -e '.[spark]')"
    )


def local_session(settings: dict[str, str] | None = None) -> Iterator[object]:
    """A ``local[2]`` session (Python workers in processes of their own) for a module-scoped
    fixture to yield from; the engine uses the active session."""
    from changzhi_stats.engines.spark.session import session

    active = session("local[2]", {"spark.sql.shuffle.partitions": "4", **(settings or {})})
    yield active
    active.stop()


def report_of(source: object, engine: str, **options: object) -> dict:
    report = validate(source, engine=engine, lang="en", **options).to_dict()
    report["stats"].pop("seconds")
    return report


def agree(source: object, **options: object) -> dict:
    """Both engines' reports of ``source``, which must be equal; returns the polars engine's."""
    expected = report_of(source, "polars", **options)
    assert report_of(source, "spark", **options) == expected
    return expected


def bench_module() -> ModuleType:
    """bench/validate.py as a module: its generator makes the packages with planted faults."""
    path = Path(__file__).resolve().parents[1] / "bench" / "validate.py"
    spec = importlib.util.spec_from_file_location("bench_validate", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_validate", module)
    spec.loader.exec_module(module)
    return module
