"""Run declared rules over a table as vectorised pandera checks, and turn failures into problems.

pandera (polars backend) runs every check lazily, so one failing check never stops another; its
failure cases give the row index of each failing cell, which maps back to the file's row number.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandera.polars as pa
import polars as pl

from .report import Findings, make_problem
from .rules import Rule, build
from .tables import ROW


def run(frame: pl.DataFrame, rules: Sequence[Rule], resource: str, findings: Findings) -> None:
    """Check ``frame`` against ``rules``; every failure is counted, a bounded sample is kept."""
    if not rules or frame.height == 0:
        return
    failures = [build(rule) for rule in rules]
    columns: dict[str, list[pa.Check]] = {}
    for number, (rule, failure) in enumerate(zip(rules, failures)):
        anchor = _anchor(rule, frame)
        columns.setdefault(anchor, []).append(
            pa.Check(_passes(failure.bad), error=str(number), name=rule.code)
        )
    schema = pa.DataFrameSchema(
        {name: pa.Column(None, checks=checks, nullable=True) for name, checks in columns.items()},
        strict=False,
    )
    try:
        schema.validate(frame, lazy=True)
        return
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    cases = cases.filter(pl.col("index").is_not_null()).select(
        pl.col("check").cast(pl.Int64, strict=False).alias("rule"), pl.col("index")
    )
    for (number,), group in cases.group_by("rule", maintain_order=True):
        if number is None:
            continue
        rule, failure = rules[number], failures[number]
        indices = group["index"].unique().sort()
        sample = indices.head(findings.room(rule.code))
        findings.add_count(rule.code, indices.len(), _problems(frame, rule, failure, sample, resource))


def _anchor(rule: Rule, frame: pl.DataFrame) -> str:
    """The column pandera files the check under: the rule's field when the table has it."""
    for name in (rule.shown, rule.field, *(rule.field or "").split(",")):
        if name and name in frame.columns:
            return name
    return ROW


def _passes(bad: pl.Expr):
    def check(data) -> pl.LazyFrame:
        return data.lazyframe.select((~bad.fill_null(False)).alias("passes"))

    return check


def _shown_value(rule: Rule, frame: pl.DataFrame) -> pl.Expr:
    shown = rule.shown or ""
    if shown in frame.columns:
        return pl.col(shown).cast(pl.String)
    parts = [p for p in shown.split(",") if p in frame.columns]
    if parts:
        return pl.concat_str([pl.col(p).fill_null("") for p in parts], separator=", ")
    return pl.lit(None, dtype=pl.String)


def _problems(frame, rule, failure, indices: pl.Series, resource: str) -> list:
    if indices.len() == 0:
        return []
    exprs = {"__row": pl.col(ROW), "__value": _shown_value(rule, frame)}
    exprs.update({f"__extra_{k}": v for k, v in failure.extras.items()})
    if failure.window:  # extras that look at other rows (e.g. "first seen at row …")
        picked = frame.select(**exprs)[indices]
    else:
        picked = frame[indices].select(**exprs)
    problems = []
    for record in picked.iter_rows(named=True):
        extras = {k[len("__extra_") :]: v for k, v in record.items() if k.startswith("__extra_")}
        problems.append(
            make_problem(
                rule.code,
                resource=resource,
                row=record["__row"],
                field=rule.field,
                value=record["__value"],
                **{**rule.params, **extras},
            )
        )
    return problems
