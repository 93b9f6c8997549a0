"""A package's rules as pandera schemas, for the people who read our releases.

An analyst who loads a resource into a DataFrame (every cell as text, as in the CSV) validates it
in a pipeline with ``schema.validate(frame, lazy=True)`` and gets the same failing rows and check
codes as ``cz-stats validate``: each pandera check is one of our rules, named by its check code,
built by the same polars builder the engine runs. Row numbers are pandera's row index; the file's
row number (as Frictionless counts it, header = 1) is that index + 2 for a file without blank rows.

Inside the engine pandera is not used on the hot path: a clean batch is one polars pass, and a
pandera schema per batch would add validation overhead without adding semantics (see
docs/architecture.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import polars as pl

from changzhi_stats.engines.polars.builders import build, raw, typed_name
from changzhi_stats.errors import CzStatsError
from changzhi_stats.rules.core import Rule
from changzhi_stats.sources.text import ROW


def pandera_schema(
    package: str | Path | None,
    resource: str,
    *,
    flavor: Literal["polars", "pandas"] = "polars",
):
    """The rules of ``resource`` in ``package`` as a pandera ``DataFrameSchema``.

    ``flavor="polars"`` gives a ``pandera.polars.DataFrameSchema`` for a polars DataFrame,
    ``"pandas"`` a ``pandera.pandas.DataFrameSchema`` for a pandas one; either expects the
    resource's fields as text columns (read with every column as a string, empty cells null).
    Codelists (foreign-key targets, indicators, units, sources) are read from the package now.
    """
    from changzhi_stats.validate import table_rules

    if flavor not in ("polars", "pandas"):
        raise CzStatsError(f"flavor must be 'polars' or 'pandas', not {flavor!r}")
    plan = table_rules(package, resource)
    if flavor == "polars":
        return _polars_schema(plan)
    return _pandas_schema(plan)


def _prepare(plan, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame the engine checks: row numbers, typed columns and the model's lookups."""
    frame = frame.select(raw(n).cast(pl.String) for n in plan.fields if n in frame.columns)
    frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    frame = frame.with_columns(expr.alias(typed_name(n)) for n, expr in plan.typed.items())
    return plan.enrich(frame)


def _verdicts(plan, frame: pl.DataFrame) -> pl.DataFrame:
    """One boolean column per rule, true where the row passes it."""
    prepared = _prepare(plan, frame)
    return prepared.select(
        (~build(rule, plan.tables).bad.fill_null(False)).alias(f"r{n}")
        for n, rule in enumerate(plan.rules)
    )


def _check_name(rule: Rule) -> str:
    return rule.code


def _polars_schema(plan):
    import pandera.polars as pa

    def check_for(number: int):
        def holds(data) -> pl.LazyFrame:
            frame = data.lazyframe.collect()
            return _verdicts(plan, frame).select(f"r{number}").lazy()

        return holds

    checks = [
        pa.Check(check_for(n), name=_check_name(rule), error=rule.code)
        for n, rule in enumerate(plan.rules)
    ]
    columns = {
        name: pa.Column(pl.String, nullable=True, required=False, coerce=False)
        for name in plan.fields
    }
    return pa.DataFrameSchema(columns, checks=checks, name=plan.name)


def _pandas_schema(plan):
    import pandas as pd
    import pandera.pandas as pa

    def check_for(number: int):
        def holds(frame: pd.DataFrame) -> pd.Series:
            polars_frame = pl.from_pandas(frame.astype("string"))
            verdict = _verdicts(plan, polars_frame)[f"r{number}"].to_pandas()
            verdict.index = frame.index
            return verdict

        return holds

    checks = [
        pa.Check(check_for(n), name=_check_name(rule), error=rule.code)
        for n, rule in enumerate(plan.rules)
    ]
    columns = {name: pa.Column(object, nullable=True, required=False) for name in plan.fields}
    return pa.DataFrameSchema(columns, checks=checks, name=plan.name)
