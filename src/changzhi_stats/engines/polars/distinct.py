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

from changzhi_stats.engines.polars.builders import Failure, raw, value_column
from changzhi_stats.rules.core import Rule, typed_name
from changzhi_stats.sources.text import compact

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

    def unseen(self) -> pl.Expr:
        """The batch's distinct values not known to pass, as one list (empty: all covered)."""
        known = self.values if self.values is not None else pl.Series([], dtype=pl.String)
        cell = raw(self.column)
        return cell.filter(cell.is_not_null() & ~cell.is_in(known.implode())).unique().implode()

    def learn(self, new: pl.Series, rows: int) -> bool:
        """Judge values not seen before (from a batch of ``rows``); True if they all pass."""
        known = 0 if self.values is None else self.values.len()
        if new.len() * SHARE > rows or known + new.len() > REMEMBERED:
            self.direct, self.values = True, None
            return False
        judged = new.to_frame(self.column).with_columns(self.typed.alias(typed_name(self.column)))
        fails = judged.select(pl.any_horizontal(b.fill_null(False) for b in self.bad))
        passing = new.filter(~fails.to_series())
        owned = compact(passing.to_frame()).to_series()  # it outlives its batch's buffers
        self.values = owned if self.values is None else pl.concat([self.values, owned])
        return passing.len() == new.len()


def plan(
    rules: Sequence[Rule], failures: Sequence[Failure], typed: Mapping[str, pl.Expr]
) -> list[Passing]:
    """Group the value-only rules by column, keeping the columns where a lookup pays off."""
    candidates: list[tuple[int, str]] = []
    for number, (rule, failure) in enumerate(zip(rules, failures, strict=True)):
        column = value_column(rule)
        if column is None or column not in typed or failure.extras or failure.window:
            continue
        candidates.append((number, column))
    groups: dict[str, list[int]] = {}
    fail_on_null = _fail_on_null([(failures[n], c) for n, c in candidates], typed)
    for (number, column), fails in zip(candidates, fail_on_null, strict=True):
        if fails:
            continue  # an empty cell is "covered", so its rules must pass it
        groups.setdefault(column, []).append(number)
    return [
        Passing(column, typed[column], numbers, [failures[n].bad for n in numbers])
        for column, numbers in groups.items()
        if sum(COST.get(rules[n].kind, 1.0) for n in numbers) > 1  # the lookup costs about 1
    ]


def _fail_on_null(
    candidates: Sequence[tuple[Failure, str]], typed: Mapping[str, pl.Expr]
) -> list[bool]:
    """Whether each value-only rule fails on an empty cell of its column: one polars pass for
    them all (a pass per rule cost ~1 ms each, most of a small table's check)."""
    if not candidates:
        return []
    columns = list(dict.fromkeys(column for _, column in candidates))
    empty = pl.DataFrame({column: pl.Series([None], dtype=pl.String) for column in columns})
    empty = empty.with_columns(typed[column].alias(typed_name(column)) for column in columns)
    verdicts = empty.select(
        failure.bad.fill_null(False).any().alias(str(number))
        for number, (failure, _) in enumerate(candidates)
    )
    return [bool(verdict) for verdict in verdicts.row(0)]


def cannot_fail(frame: pl.DataFrame, groups: Sequence[Passing]) -> set[int]:
    """The rule numbers that cannot fail on ``frame``: their columns hold only passing values."""
    live = [g for g in groups if not g.direct and frame.schema.get(g.column) == pl.String]
    if not live or not frame.height:
        return set()
    # one polars pass for every column: the values each has that are not yet known to pass
    unseen = frame.select(g.unseen().alias(str(i)) for i, g in enumerate(live))
    skipped: set[int] = set()
    for number, group in enumerate(live):
        new = unseen[str(number)][0]  # a Series: no trip through Python objects
        if not new.len() or group.learn(new, frame.height):
            skipped.update(group.numbers)
    return skipped
