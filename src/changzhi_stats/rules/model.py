"""The statistical rules of the indicator model, declared as data, with their polars builders.

They apply to any table that has the fields a rule needs (``value``, ``period``, …), so a package
without the model's fields gets the Table Schema checks alone. Lookups (an observation's
indicator, unit kind and source) are joined in by the engine under internal names
(:func:`~changzhi_stats.rules.core.internal`), which no field name can take.
"""

from __future__ import annotations

from changzhi_stats.rules.core import Rule, internal, typed_name

VALUE = internal("value")
MEASURE = internal("measure")
IND_UNIT = internal("indicator_unit")
IND_MULT = internal("indicator_multiplier")
UNIT_KIND = internal("unit_kind")
PUBLISHED = internal("published")
QUOTE_OK = internal("quote_ok")
PERIOD_OK = internal("period_well_formed")
PERIOD_WHY = internal("period_invalid_why")
PERIOD_END = internal("period_end")
QUOTE_FIGURE = internal(
    "quote_figure"
)  # 0 a figure of the quote, 1 unclear (warning), 2 not (error)
GROWTH_LIMIT = 1000

SINGLE_PERIOD = r"^[0-9]{4}(-Q[0-9]|-[0-9]{2}|-[0-9]{2}-[0-9]{2})?$"

# (columns the rule needs, the rule). Reported on the model's field names.
SHARE = {"measure": "share", "low": 0, "high": 100}
GROWTH_FLOOR = {"measure": "growth_yoy", "low": -100}
GROWTH_CEILING = {"measure": "growth_yoy", "high": GROWTH_LIMIT}
UNIT = {"name": "unit", "other": IND_UNIT}
TYPED_MULTIPLIER = typed_name("unit_multiplier")
MULTIPLIER = {"name": TYPED_MULTIPLIER, "other": IND_MULT}

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
        (TYPED_MULTIPLIER, IND_MULT),
        Rule("multiplier-mismatch", "unit_multiplier", "differs", MULTIPLIER),
    ),
    ((PERIOD_OK,), Rule("period-format", "period", "period-format")),
    ((PERIOD_WHY,), Rule("period-invalid", "period", "period-invalid")),
    ((PERIOD_END, PUBLISHED), Rule("period-after-source", "period", "period-after-source")),
    ((QUOTE_OK,), Rule("quote-not-in-source", "source_quote", "flag", {"ok": QUOTE_OK})),
    ((QUOTE_FIGURE,), Rule("value-not-in-quote", "value", "quote-figure", {"level": 2})),
    ((QUOTE_FIGURE,), Rule("quote-figure-unclear", "value", "quote-figure", {"level": 1})),
)


def applicable(columns: set[str]) -> list[Rule]:
    return [rule for needs, rule in STAT_RULES if set(needs) <= columns]
