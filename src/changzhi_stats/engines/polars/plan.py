"""A table's plan for the polars engine: the Table Schema rules (declared in
:mod:`changzhi_stats.rules.tableschema`) and each field's typed expression.

The rules are engine-neutral data; what only polars can say (whether it parses a field's type,
a constraint value as the typed column holds it, whether a pattern compiles in its linear-time
regex engine) it answers here, through :class:`PolarsTypes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from changzhi_stats.engines.polars import fieldtypes
from changzhi_stats.engines.polars.builders import raw
from changzhi_stats.rules import tableschema
from changzhi_stats.rules.core import Rule
from changzhi_stats.rules.tableschema import FieldTypeError


@dataclass
class Plan:
    """What to compute and check for one table."""

    typed: dict[str, pl.Expr] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class PolarsTypes:
    """Table Schema field types as polars parses them (:mod:`fieldtypes`)."""

    def check(self, spec: dict) -> None:
        fieldtypes.parsed(spec, pl.col("value"))

    def literal(self, spec: dict, value: object) -> object:
        return fieldtypes.literal(spec, value)

    def pattern(self, pattern: str, name: str) -> str:
        """``pattern``, checked to run in polars' regex engine (Rust: linear time, no hang)."""
        try:
            pl.Series([""], dtype=pl.String).str.contains(f"^(?:{pattern})$")
        except Exception as exc:  # polars raises ComputeError for what Rust's regex cannot compile
            why = str(exc).split("This error occurred", 1)[0].strip()
            why = " ".join(why.split())[:300]
            raise FieldTypeError(
                f"field {name!r}: pattern {tableschema.clip(pattern)!r} cannot be used "
                f"(look-arounds and back-references are not part of Table Schema patterns): {why}"
            ) from None
        return pattern


TYPES = PolarsTypes()


def plan(schema: dict, present: set[str], absent: frozenset[str] = frozenset()) -> Plan:
    """The rules for the fields of ``schema`` that are ``present``, and their typed columns."""
    declared = tableschema.plan(schema, present, TYPES, absent)
    typed = {
        name: raw(name) if spec is None else fieldtypes.parsed(spec, raw(name))
        for name, spec in declared.specs.items()
    }
    return Plan(typed, declared.rules, declared.notes)
