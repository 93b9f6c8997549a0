"""A SparkSession for the engine: pyspark imported here only, with clean errors when absent."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from changzhi_stats.errors import CzStatsError

DEFAULT_MASTER = "local[*]"
INSTALL_HINT = "pip install 'changzhi-stats[spark]'"


class SparkUnavailable(CzStatsError):
    """The Spark engine was asked for, but pyspark or Java is missing or the master unreachable."""


def source_root() -> str:
    """The folder that holds the ``changzhi_stats`` package, for the workers' ``PYTHONPATH``."""
    return str(Path(__file__).resolve().parents[3])


def session(master: str | None = None, settings: dict[str, str] | None = None) -> Any:
    """The active SparkSession, or a new one on ``master`` (default ``local[*]``).

    Workers start this interpreter (``PYSPARK_PYTHON``) with this package on their path, so the
    tasks run the very code the driver runs. An active session (one an application or a test
    made) is used as it is. ``settings``: more Spark settings (executor memory, cores).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable(f"the Spark engine needs pyspark: {INSTALL_HINT}") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    root = source_root()
    paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    builder = (
        SparkSession.builder.master(master or DEFAULT_MASTER)
        .appName("cz-stats")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.executorEnv.PYTHONPATH", os.environ["PYTHONPATH"])
        .config("spark.executorEnv.PYSPARK_PYTHON", os.environ["PYSPARK_PYTHON"])
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", "8")
    )
    for key, value in (settings or {}).items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # pyspark raises its own errors when Java or the master is missing
        raise SparkUnavailable(
            f"could not start Spark on {master or DEFAULT_MASTER}: {_first_line(exc)} "
            "(the Spark engine needs Java 17 or later, and pyspark: "
            f"{INSTALL_HINT})"
        ) from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
