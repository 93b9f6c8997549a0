"""The statistical rules of the indicator model, declared as data, with their polars builders.

They apply to any table that has the fields a rule needs (``value``, ``period``, …), so a package
without the model's fields gets the Table Schema checks alone. Lookups (an observation's
indicator, unit kind and source) are joined in by :func:`enrich` under fixed ``__`` names.
"""

from __future__ import annotations

import polars as pl

from .rules import Failure, Rule, builder

VALUE = "__value"
MEASURE = "__measure"
IND_UNIT = "__indicator_unit"
IND_MULT = "__indicator_multiplier"
UNIT_KIND = "__unit_kind"
PUBLISHED = "__published"
QUOTE_OK = "__quote_ok"
PERIOD_OK = "__period_well_formed"
PERIOD_WHY = "__period_invalid_why"
PERIOD_END = "__period_end"
GROWTH_LIMIT = 1000

SINGLE_PERIOD = r"^[0-9]{4}(-Q[0-9]|-[0-9]{2}|-[0-9]{2}-[0-9]{2})?$"

# (columns the rule needs, the rule). Reported on the model's field names.
SHARE = {"measure": "share", "low": 0, "high": 100}
GROWTH_FLOOR = {"measure": "growth_yoy", "low": -100}
GROWTH_CEILING = {"measure": "growth_yoy", "high": GROWTH_LIMIT}
UNIT = {"name": "unit", "other": IND_UNIT}
MULTIPLIER = {"name": "__typed__unit_multiplier", "other": IND_MULT}

# (columns the rule needs, the rule). Reported on the model's field names.
STAT_RULES: tuple[tuple[tuple[str, ...], Rule], ...] = (
    ((VALUE,), Rule("value-not-finite", "value", "not-finite")),
    ((VALUE, MEASURE), Rule("share-range", "value", "outside", SHARE)),
    ((VALUE, MEASURE), Rule("growth-range", "value", "outside", GROWTH_FLOOR)),
    (
        (VALUE, MEASURE),
        Rule("growth-implausible", "value", "outside", GROWTH_CEILING, {"limit": GROWTH_LIMIT}),
    ),
    ((VALUE, MEASURE), Rule("rank-range", "value", "rank")),
    ((VALUE, UNIT_KIND), Rule("count-not-whole", "value", "count-fraction")),
    ((VALUE, UNIT_KIND), Rule("count-negative", "value", "count-negative")),
    (("unit", IND_UNIT), Rule("unit-mismatch", "unit", "differs", UNIT)),
    (
        ("__typed__unit_multiplier", IND_MULT),
        Rule("multiplier-mismatch", "unit_multiplier", "differs", MULTIPLIER),
    ),
    ((PERIOD_OK,), Rule("period-format", "period", "period-format")),
    ((PERIOD_WHY,), Rule("period-invalid", "period", "period-invalid")),
    ((PERIOD_END, PUBLISHED), Rule("period-after-source", "period", "period-after-source")),
    ((QUOTE_OK,), Rule("quote-not-in-source", "source_quote", "flag", {"ok": QUOTE_OK})),
)


def applicable(columns: set[str]) -> list[Rule]:
    return [rule for needs, rule in STAT_RULES if set(needs) <= columns]


@builder("not-finite")
def _not_finite() -> Failure:
    value = pl.col(VALUE)
    return Failure(value.is_not_null() & (value.is_nan() | value.is_infinite()))


@builder("outside")
def _outside(measure: str, low: float | None = None, high: float | None = None) -> Failure:
    value = pl.col(VALUE)
    out = pl.lit(False)
    if low is not None:
        out = out | (value < low)
    if high is not None:
        out = out | (value > high)
    return Failure((pl.col(MEASURE) == measure) & value.is_finite() & out)


@builder("rank")
def _rank() -> Failure:
    value = pl.col(VALUE)
    wrong = (value < 1) | (value != value.floor())
    return Failure((pl.col(MEASURE) == "rank") & value.is_finite() & wrong)


@builder("count-fraction")
def _count_fraction() -> Failure:
    value = pl.col(VALUE)
    return Failure(
        (pl.col(UNIT_KIND) == "count") & value.is_finite() & (value != value.floor()),
        {"unit": pl.col("unit")},
    )


@builder("count-negative")
def _count_negative() -> Failure:
    value = pl.col(VALUE)
    return Failure((pl.col(UNIT_KIND) == "count") & value.is_finite() & (value < 0))


@builder("differs")
def _differs(name: str, other: str) -> Failure:
    mine, theirs = pl.col(name), pl.col(other)
    bad = mine.is_not_null() & theirs.is_not_null() & (mine != theirs)
    return Failure(bad, {"expected": theirs, "indicator": pl.col("indicator_id")})


@builder("flag")
def _flag(ok: str) -> Failure:
    return Failure(pl.col(ok).not_(), {"source": pl.col("source_id")})


def _parts() -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    pieces = pl.col("period").str.split("/")
    return pieces.list.first(), pieces.list.last(), pieces.list.len()


def _well_formed() -> pl.Expr:
    start, end, count = _parts()
    return (count <= 2) & start.str.contains(SINGLE_PERIOD) & end.str.contains(SINGLE_PERIOD)


def _granularity(text: pl.Expr) -> pl.Expr:
    length = text.str.len_chars()
    return (
        pl.when(length == 4)
        .then(pl.lit("year"))
        .when(text.str.contains("Q"))
        .then(pl.lit("quarter"))
        .when(length == 7)
        .then(pl.lit("month"))
        .otherwise(pl.lit("day"))
    )


def _bounds(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """First and last day of one period; null when it is not a real calendar period."""
    year = text.str.slice(0, 4)
    quarter = text.str.slice(6, 1).cast(pl.Int32, strict=False)
    q_first = (year + "-" + (quarter * 3 - 2).cast(pl.String).str.zfill(2) + "-01").str.to_date(
        "%Y-%m-%d", strict=False
    )
    q_last = (year + "-" + (quarter * 3).cast(pl.String).str.zfill(2) + "-01").str.to_date(
        "%Y-%m-%d", strict=False
    )
    month = (text + "-01").str.to_date("%Y-%m-%d", strict=False)
    day = text.str.to_date("%Y-%m-%d", strict=False)
    kind = _granularity(text)
    first = (
        pl.when(kind == "year")
        .then((year + "-01-01").str.to_date("%Y-%m-%d", strict=False))
        .when(kind == "quarter")
        .then(pl.when(quarter.is_between(1, 4)).then(q_first))
        .when(kind == "month")
        .then(month)
        .otherwise(day)
    )
    last = (
        pl.when(kind == "year")
        .then((year + "-12-31").str.to_date("%Y-%m-%d", strict=False))
        .when(kind == "quarter")
        .then(pl.when(quarter.is_between(1, 4)).then(q_last.dt.month_end()))
        .when(kind == "month")
        .then(month.dt.month_end())
        .otherwise(day)
    )
    return first, last


def period_facts(periods: pl.Series) -> pl.DataFrame:
    """Parse each distinct period once: well formed?, why not real?, and the day it ends.

    A long table repeats a few thousand periods millions of times, so the rules read these
    facts through a join instead of re-parsing every row.
    """
    start, end, count = _parts()
    start_first, _ = _bounds(start)
    end_first, end_last = _bounds(end)
    interval = count == 2
    why = (
        pl.when(start_first.is_null())
        .then(pl.format("{} is not a real calendar period", start))
        .when(end_first.is_null())
        .then(pl.format("{} is not a real calendar period", end))
        .when(interval & (_granularity(start) != _granularity(end)))
        .then(pl.lit("START and END of an interval must have the same granularity"))
        .when(interval & (start.str.slice(0, 4) != end.str.slice(0, 4)))
        .then(pl.lit("a cumulative interval must lie within one year"))
        .when(interval & (start_first > end_first))
        .then(pl.lit("START must not be after END"))
    )
    well_formed = _well_formed()
    return (
        periods.drop_nulls()
        .unique()
        .to_frame("period")
        .with_columns(
            well_formed.alias(PERIOD_OK),
            pl.when(well_formed).then(why).alias(PERIOD_WHY),
            pl.when(well_formed).then(end_last).alias(PERIOD_END),  # the end judged alone
        )
    )


@builder("period-format")
def _period_format() -> Failure:
    return Failure(pl.col(PERIOD_OK).not_())


@builder("period-invalid")
def _period_invalid() -> Failure:
    return Failure(pl.col(PERIOD_WHY).is_not_null(), {"why": pl.col(PERIOD_WHY)})


@builder("period-after-source")
def _period_after_source() -> Failure:
    end = pl.col(PERIOD_END)
    return Failure(
        end > pl.col(PUBLISHED),
        {"end": end, "published": pl.col(PUBLISHED), "source": pl.col("source_id")},
    )
