"""Run declared rules over a table as vectorised checks, and turn failures into problems.

All rule expressions are evaluated in one polars pass (polars runs them in parallel and shares
common subexpressions) that sums each rule's "fails" column, counting every failure exactly. The
rules that fail get their boolean columns in a second pass, and pandera runs a check per rule
over those columns, lazily, so no failing check stops another; its failure cases give the row
index of each failing cell, which maps back to the file's row number. A clean batch costs one
polars pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from changzhi_stats.engines.polars.builders import Failure, build, raw
from changzhi_stats.report.problems import Findings, make_problem
from changzhi_stats.rules.core import Rule, internal
from changzhi_stats.sources.text import ROW


def run(
    frame: pl.DataFrame,
    rules: Sequence[Rule],
    resource: str,
    findings: Findings,
    failures: Sequence[Failure] | None = None,
) -> None:
    """Check ``frame`` against ``rules``; every failure is counted, a bounded sample is kept.

    ``failures`` are the rules already built, when the caller checks many batches alike.
    """
    if not rules or frame.height == 0:
        return
    failures = failures or [build(rule) for rule in rules]
    totals = frame.select(
        failure.bad.fill_null(False).sum().alias(f"rule{number}")
        for number, failure in enumerate(failures)
    ).row(0)
    failing = [number for number, total in enumerate(totals) if total]
    if not failing:
        return  # the common case: one polars pass, no column materialised, nothing to collect
    masks = frame.select(failures[n].bad.fill_null(False).alias(f"rule{n}") for n in failing)
    for number, indices in _failing_rows(masks).items():
        rule, failure = rules[number], failures[number]
        sample = indices.head(findings.room(rule.code))
        findings.add_count(
            rule.code, indices.len(), _problems(frame, rule, failure, sample, resource)
        )


def _holds(data) -> pl.LazyFrame:
    return data.lazyframe.select(~pl.col(data.key))


def _failing_rows(masks: pl.DataFrame) -> dict[int, pl.Series]:
    """pandera's lazy validation over the per-rule columns: rule number → failing row indices."""
    import pandera.polars as pa  # imported when needed: clean data never pays for it

    schema = pa.DataFrameSchema(
        {
            name: pa.Column(pl.Boolean, checks=pa.Check(_holds, error=name), nullable=False)
            for name in masks.columns
        }
    )
    try:
        schema.validate(masks, lazy=True)
        return {}
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    cases = cases.filter(pl.col("index").is_not_null()).select(
        pl.col("column").str.strip_prefix("rule").cast(pl.Int64).alias("rule"), pl.col("index")
    )
    return {
        number: group["index"].unique().sort()
        for (number,), group in cases.group_by("rule", maintain_order=True)
    }


def _shown_value(rule: Rule, frame: pl.DataFrame) -> pl.Expr:
    shown = rule.shown or ""
    if shown in frame.columns:
        return raw(shown).cast(pl.String)
    parts = [p for p in shown.split(",") if p in frame.columns]
    if parts:
        return pl.concat_str([raw(p).fill_null("") for p in parts], separator=", ")
    return pl.lit(None, dtype=pl.String)


def _problems(
    frame: pl.DataFrame, rule: Rule, failure: Failure, indices: pl.Series, resource: str
) -> list:
    if indices.len() == 0:
        return []
    row, value, extra = internal("row"), internal("value"), internal("extra:")
    exprs = {row: pl.col(ROW), value: _shown_value(rule, frame)}
    exprs.update({extra + k: v for k, v in failure.extras.items()})
    if failure.window:  # extras that look at other rows (e.g. "first seen at row …")
        picked = frame.select(**exprs)[indices]
    else:
        picked = frame[indices].select(**exprs)
    problems = []
    for record in picked.iter_rows(named=True):
        extras = {k[len(extra) :]: v for k, v in record.items() if k.startswith(extra)}
        problems.append(
            make_problem(
                rule.code,
                resource=resource,
                row=record[row],
                field=rule.field,
                value=record[value],
                **{**rule.params, **extras},
            )
        )
    return problems
