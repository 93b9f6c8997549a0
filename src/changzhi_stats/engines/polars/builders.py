"""The polars builders: one per rule kind, registered by name, each turning a
:class:`~changzhi_stats.rules.core.Rule` into an expression that is true where the rule fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial

import polars as pl
import polars.selectors as cs

from changzhi_stats.engines.polars.fieldtypes import NUMBER, _number_text, explain
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

    def keys(
        self, resource: str, fields: tuple[str, ...], specs: tuple[Mapping, ...] | None = None
    ) -> pl.Series:
        """The distinct keys of ``fields`` in ``resource`` (:func:`key_of`), as text.

        As in frictionless-py's lookup: a row whose key cells are all without a typed value
        (empty, a missing value, a type-error) gives no key; a key holding NaN matches nothing.
        ``specs``: the fields' Table Schema specs (None: compared as text).
        """
        found = self._keys.get((resource, fields))
        if found is None:
            frame = self.frames[resource]
            cells = self.cells(resource, fields, specs)
            nan = pl.any_horizontal([c.is_nan() for c in cells])
            found = (
                frame.filter(~nan)
                .select(key_of(cells).alias("k"))
                .drop_nulls()
                .unique()
                .to_series()
            )
            self._keys[(resource, fields)] = found
        return found

    def cells(
        self, resource: str, fields: tuple[str, ...], specs: tuple[Mapping, ...] | None = None
    ) -> list[KeyCell]:
        """The key cells of ``fields`` in ``resource`` (their classes of value: tags)."""
        frame = self.frames[resource]
        specs = specs or tuple({} for _ in fields)
        return [
            _cell(n, _as_read(s, frame.schema[typed_name(n)]))
            if typed_name(n) in frame.columns
            else _cell(n, {}, with_typed=False)
            for n, s in zip(fields, specs, strict=True)
        ]


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
    names: tuple[str, ...],
    resource: str,
    fields: tuple[str, ...],
    tables: Tables,
    specs: tuple[Mapping, ...] | None = None,
    target_specs: tuple[Mapping, ...] | None = None,
) -> Failure:
    """Keys compared by typed value, as frictionless-py compares them (:func:`key_of`)."""
    allowed = tables.keys(resource, fields, target_specs)
    specs = specs or tuple({} for _ in names)
    cells = [_cell(n, s) for n, s in zip(names, specs, strict=True)]
    if len(cells) == 1 and cells[0].tag != tables.cells(resource, fields, target_specs)[0].tag:
        return Failure(cells[0].text.is_not_null())  # a value of one class equals none of another
    key = key_of(cells)
    # a key whose cells have no typed value at all (empty, missing, type-error) is not checked
    return Failure(key.is_not_null() & ~key.is_in(allowed.implode()))


# A key cell as frictionless-py holds it is a Python value, and its lookup is a set of tuples:
# True == 1 == Decimal("1.0") == 1.0, but "1" != 1 and date(2020, 1, 1) != datetime(2020, 1, 1).
# Each cell is its class of value (a tag) and a text, so equal keys have equal class and text.
# integer, number, boolean and year are numbers ("n"); string, any and the rest are text ("s")
CLASS_TAGS = {
    "date": "d", "datetime": "t", "time": "h", "yearmonth": "m", "duration": "p",
    "geopoint": "g", "geojson": "o", "object": "o", "array": "a",
}  # fmt: skip
FREE_TEXT = {"s", "g", "o", "a"}  # classes whose text may hold any character (U+001F too)
TYPED_NOT_TEXT = {"integer", "number", "boolean", "year", "date", "datetime", "time"}
NAN = "nan"  # a number's text for NaN, which equals nothing, not even itself


@dataclass(frozen=True)
class KeyCell:
    """One field of a key: its class of value and its value as text (null: no value)."""

    tag: str
    text: pl.Expr

    def is_nan(self) -> pl.Expr:
        return (self.text == NAN).fill_null(False) if self.tag == "n" else pl.lit(False)


def _cell(name: str, spec: Mapping, with_typed: bool = True) -> KeyCell:
    """Field ``name`` as a key cell: its typed value's class and text."""
    if not with_typed:
        return KeyCell("s", raw(name))
    kind = spec.get("type") or "string"
    value = typed(name)
    if kind == "boolean":
        return KeyCell("n", pl.when(value).then(pl.lit("1")).when(~value).then(pl.lit("0")))
    if kind in ("integer", "year"):
        return KeyCell("n", value.cast(pl.String))
    if kind == "number":
        text = _number_text(dict(spec), raw(name))
        numbers = text.map_batches(_decimal_keys, return_dtype=pl.String)
        return KeyCell("n", pl.when(value.is_not_null()).then(numbers))
    tag = CLASS_TAGS.get(kind, "s") if isinstance(kind, str) else "s"
    return KeyCell(tag, value.cast(pl.String))


def _as_read(spec: Mapping, dtype: pl.DataType) -> Mapping:
    """``spec``, or text where the field was read as text only (its type unreadable: a
    schema-error), so its typed column holds the raw text."""
    if dtype == pl.String and spec.get("type") in TYPED_NOT_TEXT:
        return {}
    return spec


def key_of(cells: list[KeyCell]) -> pl.Expr:
    """One text per row for a key of ``cells``; null when no cell has a value. The text of a
    one-field key is its cell's, untagged: the classes of the two sides are compared first.

    A key of several fields keeps the cells without a value (frictionless compares the tuple
    ``(1, None)``: its text is the tag alone). Cells are joined by U+001F, and a text that may
    hold one is prefixed by its length, so no text can fake a join.
    """
    if len(cells) == 1:
        return cells[0].text  # the class is compared before (foreign-key builder)
    parts: list[pl.Expr] = []
    for i, cell in enumerate(cells):
        parts.append(pl.lit(f"\x1f{cell.tag}:" if i else f"{cell.tag}:"))
        if cell.tag in FREE_TEXT:
            parts += [cell.text.str.len_bytes().cast(pl.String), pl.lit(":")]
        parts.append(cell.text)
    joined = pl.concat_str(parts, ignore_nulls=True)
    return pl.when(pl.any_horizontal([c.text.is_not_null() for c in cells])).then(joined)


def _decimal_keys(texts: pl.Series) -> pl.Series:
    """The key text of each number (one Python step per distinct value)."""
    distinct = texts.drop_nulls().unique()
    keys = pl.Series([_decimal_key(t) for t in distinct.to_list()], dtype=pl.String)
    return texts.replace_strict(distinct, keys, default=None, return_dtype=pl.String)


def _decimal_key(text: str) -> str | None:
    """A number's key text, exact as Python's Decimal compares: ``1.0``, ``1``, ``1e0`` and
    ``10e-1`` are all ``1`` (as an integer 1 or a boolean true is)."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if number.is_nan():
        return NAN
    if number.is_infinite():
        return "-inf" if number < 0 else "inf"
    sign, digit_tuple, exponent = number.as_tuple()
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    if not digits:
        return "0"  # -0 == 0
    significant = digits.rstrip("0")
    exponent = int(exponent) + len(digits) - len(significant)
    minus = "-" if sign else ""
    if 0 <= exponent and len(significant) + exponent <= 40:  # an integer: as integers are
        return f"{minus}{significant}{'0' * exponent}"
    return f"{minus}{significant}e{exponent}"


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
