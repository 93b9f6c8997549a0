"""Engines behind one small interface (:mod:`changzhi_stats.engines.base`), by name.

``ENGINES`` maps a name to a factory called with the run's context (``lookups``: the tables read
whole; ``base``: the package's folder; options an engine may ignore, as ``spark_master``);
:func:`get_engine` returns an engine for one run.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from changzhi_stats.engines.base import Engine, TableSpec
from changzhi_stats.errors import UsageError

# Where pyspark is installed (the [spark] extra), pandera imports pyspark.pandas, which warns on
# stderr of pandas >= 3; nothing here uses pandas-on-Spark (mapInArrow passes Arrow batches)
warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)


def _polars(*, lookups: Any = None, base: Any = None, **_options: Any) -> Engine:
    from changzhi_stats.engines.polars.engine import PolarsEngine

    return PolarsEngine(lookups=lookups, base=base)


def _spark(**context: Any) -> Engine:
    from changzhi_stats.engines.spark.engine import SparkEngine  # pyspark is imported lazily

    return SparkEngine(**context)


ENGINES: dict[str, Callable[..., Engine]] = {"polars": _polars, "spark": _spark}


def get_engine(name: str = "polars", **context: Any) -> Engine:
    """A fresh engine ``name`` for one validation run; an unknown name is a :class:`UsageError`."""
    factory = ENGINES.get(name) if isinstance(name, str) else None
    if factory is None:
        known = ", ".join(sorted(ENGINES))
        raise UsageError(f"unknown engine {name!r} (engines: {known})")
    return factory(**context)


__all__ = ["ENGINES", "Engine", "TableSpec", "get_engine"]
