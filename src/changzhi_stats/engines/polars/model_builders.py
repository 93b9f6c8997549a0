"""The polars builders of the indicator model's rules (declared in
:mod:`changzhi_stats.rules.model`), and the period and quote facts they read."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
import polars.selectors as cs

from changzhi_stats.engines.polars.builders import Failure, builder, raw
from changzhi_stats.rules.model import (
    MEASURE,
    PERIOD_END,
    PERIOD_OK,
    PERIOD_WHY,
    PUBLISHED,
    QUOTE_FIGURE,
    SINGLE_PERIOD,
    TYPED_MULTIPLIER,
    UNIT_KIND,
    VALUE,
)
from changzhi_stats.sources.text import compact

if TYPE_CHECKING:
    from changzhi_stats.engines.polars.enrich import Enrichment


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
    mine, theirs = raw(name), raw(other)
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


# --- value ↔ quote: the observation is one of the figures its source_quote states ------------
# Each distinct quote is parsed once (figures.read); the figures become a small table joined to
# the rows by the quote's hash, and every (row, figure) pair is judged by polars, so millions of
# rows cost a join and a few vector operations, not a Python call each. Only the rows reported
# are explained in Python (figures.judge), with the same grammar.

QUOTES_REMEMBERED = 1 << 20  # figure rows of distinct quotes, and periods, kept across batches
_NO_FIGURE, _NO_VALUE, _FAULTY, _WARNED, _MATCH = 4, 3, 2, 1, 0  # a (row, figure) pair


_FIG_SCHEMA = {
    "key": pl.UInt64,
    "number": pl.Float64,
    "mult": pl.Int64,
    "amount": pl.Float64,
    "chinese": pl.Boolean,
    "percent": pl.Boolean,
    "comparator": pl.String,
    "first": pl.Int64,
    "last": pl.Int64,
    "year": pl.Int64,
}
_NO_FIGURES = pl.DataFrame(schema=_FIG_SCHEMA)


def _figure_table(quotes: pl.DataFrame) -> pl.DataFrame:
    """The figures of each (key, quote) of ``quotes``, a row each (one row of nulls for a quote
    with none, so the join still finds it); built column by column, not a dict per figure."""
    from changzhi_stats.rules import figures

    keys, number, mult, amount, chinese, percent = [], [], [], [], [], []
    comparator, first, last, year = [], [], [], []
    for key, quote in quotes.iter_rows():
        found = figures.read(quote)
        if not found:
            keys.append(key)
            for column in (number, mult, amount, chinese, percent, comparator, first, last, year):
                column.append(None)
            continue
        for f in found:
            keys.append(key)
            number.append(f.number)
            mult.append(f.multiplier)
            amount.append(f.amount)
            chinese.append(f.chinese and f.kind in ("number", "rank"))
            percent.append(f.kind in ("percent", "points"))
            comparator.append(f.comparator)
            period = f.period
            first.append(period.first if period else None)
            last.append(period.last if period else None)
            year.append(period.year if period else None)
    columns = (keys, number, mult, amount, chinese, percent, comparator, first, last, year)
    return pl.DataFrame(dict(zip(_FIG_SCHEMA, columns, strict=True)), schema=_FIG_SCHEMA)


def quote_verdicts(frame: pl.DataFrame, state: Enrichment) -> pl.DataFrame:
    """``frame`` with :data:`QUOTE_FIGURE`: is each row's value a figure of its source_quote?"""
    columns = set(frame.columns)
    quote_key = pl.col("source_quote").hash(seed=7)
    quotes = frame.select(quote_key.alias("key"), "source_quote").unique(subset="key")
    quotes = quotes.filter(pl.col("source_quote").is_not_null())
    # the figures of every quote seen (a row each; one row of nulls for a quote with none)
    table = state.quote_figures if state.quote_figures is not None else _NO_FIGURES
    known = state.quote_figure_count
    missing = quotes.filter(~pl.col("key").is_in(table["key"].implode()))
    if missing.height:
        table = pl.concat([table, _figure_table(missing)])
        known += missing.height
        if table.height <= QUOTES_REMEMBERED:
            state.quote_figures, state.quote_figure_count = compact(table), known
    base = frame.select(
        quote_key.alias("key"),
        pl.col(VALUE).alias("value"),
        *(
            [pl.col(TYPED_MULTIPLIER).cast(pl.Int64).alias("mult_obs")]
            if TYPED_MULTIPLIER in columns
            else []
        ),
        *([pl.col("unit")] if "unit" in columns else []),
        *([pl.col(UNIT_KIND).alias("kind")] if UNIT_KIND in columns else []),
        *([pl.col("comparator").alias("comp_obs")] if "comparator" in columns else []),
    )
    several = table.height > known  # a quote with more than one figure
    if several:
        base = base.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("__i"))
    pairs = base.join(table, on="key", how="left", maintain_order="left")
    codes = pairs.select(_pair_codes(set(pairs.columns)).alias("code"))["code"]
    if "period" in columns and pairs["first"].is_not_null().any():
        codes = _period_faults(frame, pairs, codes, state)
    if several:
        codes = pl.DataFrame({"__i": pairs["__i"], "code": codes})
        codes = codes.group_by("__i").agg(pl.col("code").min()).sort("__i")["code"]
    # the best pair decides: a match, else a warning, else an error (3: no figure has the value);
    # a quote with no figure at all (4) is a warning
    verdict = codes.replace_strict([0, 1, 2, 3, 4], [0, 1, 2, 2, 1], return_dtype=pl.UInt8)
    judged = pl.col("source_quote").is_not_null() & pl.col(VALUE).is_finite()
    return frame.with_columns(pl.when(judged).then(verdict).alias(QUOTE_FIGURE))


def _period_faults(
    frame: pl.DataFrame, pairs: pl.DataFrame, codes: pl.Series, state: Enrichment
) -> pl.Series:
    """``codes`` with the pairs whose figure has a period word (前三季度) and whose row's period
    is another made faulty; only those pairs are looked at, each distinct period parsed once."""
    from changzhi_stats.rules.figures import period_months

    dated = pairs.with_row_index("__pair").filter(pl.col("first").is_not_null())
    rows = dated["__i"] if "__i" in dated.columns else dated["__pair"]
    dated = dated.with_columns(frame["period"].gather(rows).alias("period"))
    known = state.quote_periods
    distinct = dated["period"].drop_nulls().unique().to_list()
    for period in distinct:
        if period not in known and len(known) < QUOTES_REMEMBERED:
            known[period] = period_months(period)
    facts = pl.DataFrame(
        [
            (p, *((known[p] if p in known else period_months(p)) or (None, None, None)))
            for p in distinct
        ],
        schema={"period": pl.String, "p_year": pl.Int64, "p_first": pl.Int64, "p_last": pl.Int64},
        orient="row",
    )
    dated = dated.join(facts, on="period", how="inner")  # a period not well formed: not judged
    wrong = dated.filter(
        pl.col("p_year").is_not_null()
        & (
            (pl.col("p_first") != pl.col("first")).fill_null(True)
            | (pl.col("p_last") != pl.col("last")).fill_null(True)
            | (pl.col("year").is_not_null() & (pl.col("year") != pl.col("p_year")))
        )
    )["__pair"]
    if not wrong.len():
        return codes
    current = codes.gather(wrong)  # a figure with the value, but not of this period: faulty
    raised = current.to_frame("c").select(
        pl.when(pl.col("c") < _FAULTY).then(_FAULTY).otherwise(pl.col("c")).cast(codes.dtype)
    )
    return codes.scatter(wrong, raised.to_series())


def _close(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (a - b).abs() <= 1e-9 * pl.max_horizontal(pl.lit(1.0), b.abs())


def _pair_codes(columns: set[str]) -> pl.Expr:
    """The verdict on one (row, figure) pair: 0 match … 4 the quote states no figure."""
    value, number = pl.col("value"), pl.col("number")
    chinese, percent = pl.col("chinese"), pl.col("percent")
    power = (
        pl.col("mult_obs").fill_null(pl.col("mult")) if "mult_obs" in columns else pl.col("mult")
    )
    scaled = value * pl.lit(10.0).pow(power)
    amount = pl.col("amount")
    same = pl.when(chinese).then(_close(scaled, amount)).otherwise(_close(value, number))
    flipped = (
        pl.when(chinese)
        .then(_close(-scaled, amount) & (amount != 0))
        .otherwise(_close(value, -number) & (number != 0))
    )
    candidate = same | flipped
    errors = pl.when(flipped & percent).then(1).otherwise(0)
    warnings = pl.when(flipped & ~percent).then(1).otherwise(0)
    if "mult_obs" in columns:
        errors += (
            (~chinese & (pl.col("mult_obs") != pl.col("mult"))).fill_null(False).cast(pl.Int32)
        )
    if "unit" in columns:
        unit = pl.col("unit")
        percent_unit = unit.is_in(sorted(_percent_units()))
        if "kind" in columns:
            # a unit missing from the codelist has no kind: null must not make the verdict null
            kind_percent = pl.col("kind").is_in(["ratio", "percent"]).fill_null(False)
            percent_unit = percent_unit | kind_percent
        wrong = pl.when(percent).then(~percent_unit).otherwise(unit.is_in(sorted(_percent_units())))
        errors += (unit.is_not_null() & wrong).fill_null(False).cast(pl.Int32)
    if "comp_obs" in columns:
        errors += (pl.col("comp_obs") != pl.col("comparator")).fill_null(False).cast(pl.Int32)
    return (
        pl.when(number.is_null())
        .then(_NO_FIGURE)
        .when(~candidate.fill_null(False))
        .then(_NO_VALUE)
        .when(errors > 0)
        .then(_FAULTY)
        .when(warnings > 0)
        .then(_WARNED)
        .otherwise(_MATCH)
    )


def _percent_units() -> set[str]:
    from changzhi_stats.rules.figures import PERCENT_UNITS

    return PERCENT_UNITS


@builder("quote-figure")
def _quote_figure(level: int) -> Failure:
    from changzhi_stats.rules.figures import judge

    def explain(row: dict) -> str:
        verdict = judge(
            row["source_quote"],
            row[VALUE],
            row.get(TYPED_MULTIPLIER),
            row.get("unit"),
            row.get(UNIT_KIND),
            row.get("comparator"),
            row.get("period"),
        )
        return "" if verdict is None else f"{verdict.why}\x1f{verdict.figures}"

    wanted = ("source_quote", VALUE, TYPED_MULTIPLIER, "unit", UNIT_KIND, "comparator", "period")
    # by name, not by a regular expression: a name is a name, whatever characters it holds
    text = pl.struct(cs.by_name(*wanted, require_all=False)).map_elements(
        explain, return_dtype=pl.String
    )
    parts = text.str.split("\x1f")
    return Failure(
        pl.col(QUOTE_FIGURE) == level,
        {"why": parts.list.first(), "figures": parts.list.last()},
    )
