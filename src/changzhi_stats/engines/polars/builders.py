"""The polars builders: one per rule kind, registered by name, each turning a
:class:`~changzhi_stats.rules.core.Rule` into an expression that is true where the rule fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

import polars as pl
import polars.selectors as cs

from changzhi_stats.engines.polars.fieldtypes import NUMBER, explain
from changzhi_stats.rules.core import Rule, absent_name, typed_name
from changzhi_stats.sources.text import ROW

Builder = Callable[..., "Failure"]
BUILDERS: dict[str, Builder] = {}
PER_VALUE: set[str] = set()  # kinds whose verdict on a cell depends on that cell's value alone
FORMULA_START = r"^[=+\-@\t\r]"  # what makes a spreadsheet read a cell as a formula


@dataclass(frozen=True)
class Failure:
    """What a builder returns: where the rule fails, and per-row message parameters."""

    bad: pl.Expr
    extras: Mapping[str, pl.Expr] = field(default_factory=dict)
    window: bool = False  # extras must see the whole table, not just the failing rows


class Tables:
    """The tables read whole (codelists, foreign-key targets), for the builders that look
    beyond the batch: each referenced key set is computed once."""

    def __init__(self, frames: Mapping[str, pl.DataFrame] | None = None) -> None:
        self.frames = dict(frames or {})
        self._keys: dict[tuple[str, tuple[str, ...]], pl.Series] = {}

    def keys(self, resource: str, fields: tuple[str, ...]) -> pl.Series:
        """The distinct values of ``fields`` in ``resource`` (joined by U+001F), as text.

        A referenced cell that is not of its field's type (a type-error there) is no key value,
        as in frictionless-py: only the text of well-typed cells is allowed.
        """
        found = self._keys.get((resource, fields))
        if found is None:
            frame = self.frames[resource]
            columns = [raw(n) for n in fields]
            joined = columns[0] if len(columns) == 1 else pl.concat_str(columns, separator="\x1f")
            typed_keys = [typed(n) for n in fields if typed_name(n) in frame.columns]
            candidates = frame.filter(*[k.is_not_null() for k in typed_keys])
            found = candidates.select(joined.alias("k")).drop_nulls().unique().to_series()
            self._keys[(resource, fields)] = found
        return found


NO_TABLES = Tables()
WITH_TABLES: set[str] = set()  # kinds whose builder reads the tables read whole


def builder(
    kind: str, *, per_value: bool = False, tables: bool = False
) -> Callable[[Builder], Builder]:
    """Register a polars builder for ``kind``; each kind is registered exactly once.

    ``per_value``: a rule of this kind on one field looks at that cell alone, so it may be
    judged once per distinct value (see :mod:`changzhi_stats.engines.polars.distinct`).
    ``tables``: the builder is also given the :class:`Tables` read whole, as ``tables``.
    """

    def register(function: Builder) -> Builder:
        if kind in BUILDERS:
            raise ValueError(f"rule kind {kind!r} registered twice")
        BUILDERS[kind] = function
        if per_value:
            PER_VALUE.add(kind)
        if tables:
            WITH_TABLES.add(kind)
        return function

    return register


def build(rule: Rule, tables: Tables = NO_TABLES) -> Failure:
    if rule.kind in WITH_TABLES:
        return BUILDERS[rule.kind](**rule.args, tables=tables)
    return BUILDERS[rule.kind](**rule.args)


def value_column(rule: Rule) -> str | None:
    """The one field whose cell alone decides ``rule``, or None."""
    if rule.kind not in PER_VALUE:
        return None
    names = rule.args.get("names", (rule.args.get("name"),))
    return names[0] if len(names) == 1 and isinstance(names[0], str) else None


def raw(name: str) -> pl.Expr:
    """The column called ``name``, whatever it is called: the one way the engine names a field.

    ``pl.col`` reads a name that starts with ``^`` and ends with ``$`` as a regular expression
    and ``*`` as every column, and a Table Schema field may be called either; such a name is
    selected by name instead (any other name is literal to ``pl.col``, and stays a plain column).
    """
    if name == "*" or (name.startswith("^") and name.endswith("$")):
        return cs.by_name(name).as_expr()
    return pl.col(name)


def typed(name: str) -> pl.Expr:
    """The parsed (typed) column of field ``name``."""
    return pl.col(typed_name(name))


def _explain_all(spec: dict, cells: pl.Series) -> pl.Series:
    """Why each cell (of the few failing rows the message is built for) is not of its type."""
    return pl.Series(
        [None if v is None else explain(spec, v) for v in cells.to_list()], dtype=pl.String
    )


@builder("type")
def _type(name: str, spec: Mapping) -> Failure:
    # map_batches over a partial, not map_elements over a lambda: polars inspects each new
    # lambda's bytecode, which cost seconds on a header of 10,000 typed columns
    why = raw(name).map_batches(partial(_explain_all, dict(spec)), return_dtype=pl.String)
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
    backtrack for hours); plan.PolarsTypes.pattern vets the pattern."""
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


@builder("foreign-key", per_value=True, tables=True)
def _foreign_key(
    names: tuple[str, ...], resource: str, fields: tuple[str, ...], tables: Tables
) -> Failure:
    allowed = tables.keys(resource, fields)
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
