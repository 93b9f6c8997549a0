"""The polars builders: one per rule kind, registered by name, each turning a
:class:`~changzhi_stats.rules.core.Rule` into an expression that is true where the rule fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import polars as pl

from changzhi_stats.engines.polars.fieldtypes import NUMBER, explain
from changzhi_stats.rules.core import Rule, absent_name, typed_name
from changzhi_stats.sources.text import ROW

Builder = Callable[..., "Failure"]
BUILDERS: dict[str, Builder] = {}
__all__ = ["typed_name"]  # re-exported: the writers read typed columns by it
PER_VALUE: set[str] = set()  # kinds whose verdict on a cell depends on that cell's value alone
FORMULA_START = r"^[=+\-@\t\r]"  # what makes a spreadsheet read a cell as a formula


@dataclass(frozen=True)
class Failure:
    """What a builder returns: where the rule fails, and per-row message parameters."""

    bad: pl.Expr
    extras: Mapping[str, pl.Expr] = field(default_factory=dict)
    window: bool = False  # extras must see the whole table, not just the failing rows


def builder(kind: str, *, per_value: bool = False) -> Callable[[Builder], Builder]:
    """Register a polars builder for ``kind``; each kind is registered exactly once.

    ``per_value``: a rule of this kind on one field looks at that cell alone, so it may be
    judged once per distinct value (see :mod:`changzhi_stats.engines.polars.distinct`).
    """

    def register(function: Builder) -> Builder:
        if kind in BUILDERS:
            raise ValueError(f"rule kind {kind!r} registered twice")
        BUILDERS[kind] = function
        if per_value:
            PER_VALUE.add(kind)
        return function

    return register


def build(rule: Rule) -> Failure:
    return BUILDERS[rule.kind](**rule.args)


def value_column(rule: Rule) -> str | None:
    """The one field whose cell alone decides ``rule``, or None."""
    if rule.kind not in PER_VALUE:
        return None
    names = rule.args.get("names", (rule.args.get("name"),))
    return names[0] if len(names) == 1 and isinstance(names[0], str) else None


def raw(name: str) -> pl.Expr:
    return pl.col(name)


def typed(name: str) -> pl.Expr:
    """The parsed (typed) column of field ``name``."""
    return pl.col(typed_name(name))


@builder("type")
def _type(name: str, spec: Mapping) -> Failure:
    why = raw(name).map_elements(lambda v: explain(dict(spec), v), return_dtype=pl.String)
    return Failure(raw(name).is_not_null() & typed(name).is_null(), {"why": why})


@builder("required")
def _required(name: str, absent: bool = False) -> Failure:
    bad = raw(name).is_null()
    if absent:  # cells of short rows are reported as missing-cell, not again as required
        bad = bad & ~pl.col(absent_name(name)).fill_null(False)
    return Failure(bad)


@builder("unique")
def _unique(names: tuple[str, ...]) -> Failure:
    keys = [typed(n) for n in names]
    key = keys[0] if len(keys) == 1 else pl.struct(keys)
    complete = pl.all_horizontal([k.is_not_null() for k in keys])
    first = pl.col(ROW).filter(complete).first().over(key)
    return Failure(complete & ~key.is_first_distinct(), {"first": first}, window=True)


@builder("enum", per_value=True)
def _enum(name: str, values: tuple) -> Failure:
    return Failure(typed(name).is_not_null() & ~typed(name).is_in(list(values)))


@builder("pattern", per_value=True)
def _pattern(name: str, regex: str, engine: str = "polars") -> Failure:
    """polars' (Rust) regex only, whatever ``engine`` says (linear time: Python's re may
    backtrack for hours); tableschema.pattern_regex vets the pattern."""
    value = typed(name)
    return Failure(value.is_not_null() & ~value.str.contains(f"^(?:{regex})$"))


@builder("compare", per_value=True)
def _compare(name: str, op: str, bound: object) -> Failure:
    value = typed(name)
    fails = {"lt": value < bound, "le": value <= bound, "gt": value > bound, "ge": value >= bound}
    return Failure(value.is_not_null() & fails[op])


@builder("length", per_value=True)
def _length(name: str, op: str, bound: int) -> Failure:
    length = typed(name).str.len_chars()
    return Failure(length < bound if op == "lt" else length > bound)


@builder("foreign-key", per_value=True)
def _foreign_key(names: tuple[str, ...], allowed: pl.Series) -> Failure:
    keys = [raw(n) for n in names]
    # an empty cell, or one that is not of its type (a type-error), is no key: not checked
    complete = pl.all_horizontal([typed(n).is_not_null() for n in names])
    key = keys[0] if len(keys) == 1 else pl.concat_str(keys, separator="\x1f")
    return Failure(complete & ~key.is_in(allowed.implode()))


@builder("formula-injection", per_value=True)
def _formula_injection(name: str) -> Failure:
    """Text a spreadsheet would run as a formula: it starts like one and is not a number."""
    value = raw(name)
    # when/then: the number test runs only on the few cells that start like a formula
    starts = value.str.contains(FORMULA_START)
    return Failure(pl.when(starts).then(~value.str.contains(NUMBER)).otherwise(False))


@builder("nul-byte", per_value=True)
def _nul_byte(name: str) -> Failure:
    return Failure(raw(name).str.contains("\x00", literal=True))
