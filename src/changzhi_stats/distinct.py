"""Value-only rules judged once per distinct value of a column, remembered across batches.

A long table repeats a few hundred codes millions of times, and a regular expression over every
cell costs about three times a lookup in a set. So where a column's rules look at its own cell
alone (a pattern, an enum, a length, a formula test, a foreign key of one field), the distinct
values that pass them all are remembered. A batch whose cells are all such values (or empty)
cannot fail those rules, and they are not run on it; a batch with a value that fails runs them
as before, so every failing cell is still found and counted. A column whose values hardly
repeat is checked cell by cell throughout: there the lookup would only add work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from .rules import Failure, Rule, value_column
from .tables import compact

REMEMBERED = 1 << 16  # distinct passing values of one column kept across batches
SHARE = 8  # remembered while at most 1 row in SHARE brings a value not seen before
# a rule's cost over a column, in set lookups (measured on 140k-row batches: a regex about 3, an
# is_in, a length or a first-character test about 1, a comparison of numbers about 0.2)
COST = {"pattern": 3.0, "compare": 0.2}


@dataclass
class Passing:
    """The values of one column known to pass all its value-only rules."""

    column: str
    typed: pl.Expr  # the column's typed (parsed) value, which the rules read
    numbers: list[int]  # the rules' positions in the table's rule list
    bad: list[pl.Expr]
    values: pl.Series | None = None
    direct: bool = False  # the values hardly repeat: check cell by cell from now on

    def covered(self) -> pl.Expr:
        """True when every cell of the batch is empty or a value known to pass."""
        known = self.values if self.values is not None else pl.Series([], dtype=pl.String)
        cell = pl.col(self.column)
        return (cell.is_null() | cell.is_in(known.implode())).all()

    def learn(self, frame: pl.DataFrame) -> bool:
        """Judge the batch's values not seen before; True if they all pass."""
        cell = pl.col(self.column)
        known = self.values if self.values is not None else pl.Series([], dtype=pl.String)
        new = frame.filter(cell.is_not_null() & ~cell.is_in(known.implode()))[self.column]
        new = new.unique()
        if new.len() * SHARE > frame.height or known.len() + new.len() > REMEMBERED:
            self.direct, self.values = True, None
            return False
        judged = new.to_frame(self.column).with_columns(self.typed.alias(f"__typed__{self.column}"))
        fails = judged.select(pl.any_horizontal(b.fill_null(False) for b in self.bad))
        passing = new.filter(~fails.to_series())
        owned = compact(passing.to_frame()).to_series()  # it outlives its batch's buffers
        self.values = owned if self.values is None else pl.concat([self.values, owned])
        return passing.len() == new.len()


def plan(
    rules: Sequence[Rule], failures: Sequence[Failure], typed: Mapping[str, pl.Expr]
) -> list[Passing]:
    """Group the value-only rules by column, keeping the columns where a lookup pays off."""
    groups: dict[str, list[int]] = {}
    for number, (rule, failure) in enumerate(zip(rules, failures, strict=True)):
        column = value_column(rule)
        if column is None or column not in typed or failure.extras or failure.window:
            continue
        if _fails_on_null(failure, column, typed[column]):
            continue  # an empty cell is "covered", so its rules must pass it
        groups.setdefault(column, []).append(number)
    return [
        Passing(column, typed[column], numbers, [failures[n].bad for n in numbers])
        for column, numbers in groups.items()
        if sum(COST.get(rules[n].kind, 1.0) for n in numbers) > 1  # the lookup costs about 1
    ]


def _fails_on_null(failure: Failure, column: str, typed: pl.Expr) -> bool:
    empty = pl.DataFrame({column: pl.Series([None], dtype=pl.String)})
    verdict = empty.with_columns(typed.alias(f"__typed__{column}")).select(failure.bad)
    return bool(verdict.to_series().fill_null(False).any())


def cannot_fail(frame: pl.DataFrame, groups: Sequence[Passing]) -> set[int]:
    """The rule numbers that cannot fail on ``frame``: their columns hold only passing values."""
    live = [g for g in groups if not g.direct and frame.schema.get(g.column) == pl.String]
    if not live or not frame.height:
        return set()
    covered = frame.select(g.covered().alias(str(i)) for i, g in enumerate(live)).row(0)
    skipped: set[int] = set()
    for group, all_known in zip(live, covered, strict=True):
        if all_known or group.learn(frame):
            skipped.update(group.numbers)
    return skipped
