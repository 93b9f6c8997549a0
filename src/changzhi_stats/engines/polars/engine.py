"""The polars engine behind the seam of :mod:`changzhi_stats.engines.base`.

Per table it compiles the rules once per batch shape (which cells are absent, which lookup
columns enrichment added), skips rules that cannot fail on a batch's distinct values
(:mod:`distinct`), runs the rest in one polars pass (:mod:`run`), and tracks keys across batches:
64-bit key hashes per row, re-checked exactly at the end on only the rows whose hash repeats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from changzhi_stats.engines.base import TableSpec
from changzhi_stats.engines.polars import distinct, run
from changzhi_stats.engines.polars.builders import Tables, build, typed
from changzhi_stats.engines.polars.enrich import Enrichment, Loaded, enrich
from changzhi_stats.engines.polars.plan import Plan, plan
from changzhi_stats.report.problems import Findings
from changzhi_stats.rules import model as statrules
from changzhi_stats.rules.core import ABSENT_PREFIX, KEY_HASH, Rule
from changzhi_stats.sources.text import combined_hash, compact


@dataclass
class TablePlan:
    """What the polars engine keeps for one table across its batches."""

    table: TableSpec
    rules: list[Rule]  # the table's own rules (Table Schema), less those a scan rules out
    keys: list[KeyTracker] = field(default_factory=list)
    compiled: dict = field(default_factory=dict)  # batch shape → (rules, built, verdicts)
    nul_checked: bool = False

    @property
    def prepared(self) -> Plan:
        return self.table.prepared


class PolarsEngine:
    """One validation run's polars engine: the codelists read whole and the enrichment state."""

    def __init__(
        self, *, lookups: dict[str, Loaded] | None = None, base: Path | None = None
    ) -> None:
        self.lookups = lookups or {}
        self.base = base if base is not None else Path(".")
        self.whole = Tables({name: table.frame for name, table in self.lookups.items()})
        self.state = Enrichment()

    def plan_table(self, table: TableSpec) -> TablePlan:
        prepared: Plan = table.prepared
        result = TablePlan(table, prepared.rules)
        result.keys = [KeyTracker(rule) for rule in prepared.rules if rule.kind == "unique"]
        return result

    def run_batch(self, plan_: TablePlan, batch: pl.DataFrame, findings: Findings) -> None:
        table = plan_.table
        source = table.whole or Loaded(table.name, batch, table.schema, table.fields)
        enriched = enrich(source, self.lookups, self.base, findings, self.state)
        absent = frozenset(
            c[len(ABSENT_PREFIX) :] for c in batch.columns if c.startswith(ABSENT_PREFIX)
        )
        shape = (table.name, absent, tuple(enriched.columns))
        if not plan_.nul_checked and table.may_hold_nul is not None:
            if not table.may_hold_nul():  # no NUL anywhere in the file: no check per cell
                plan_.rules = [r for r in plan_.rules if r.kind != "nul-byte"]
        plan_.nul_checked = True
        if shape not in plan_.compiled:  # the same rules serve every batch of the same shape
            rules = plan(table.schema, table.present, absent).rules if absent else None
            rules = [r for r in (rules or plan_.rules) if r.kind != "unique"] + table.rules
            rules += statrules.applicable(set(enriched.columns))
            failures = [build(rule, self.whole) for rule in rules]
            verdicts = distinct.plan(rules, failures, plan_.prepared.typed)
            plan_.compiled[shape] = (rules, failures, verdicts)
        rules, failures, passing = plan_.compiled[shape]
        skipped = distinct.cannot_fail(enriched, passing)
        if skipped:
            rules = [r for n, r in enumerate(rules) if n not in skipped]
            failures = [f for n, f in enumerate(failures) if n not in skipped]
        run.run(enriched, rules, table.name, findings, failures)
        for tracker in plan_.keys:
            tracker.add(batch)

    def finish(self, plan_: TablePlan, findings: Findings) -> None:
        for tracker in plan_.keys:
            tracker.report(plan_.table, findings)


class KeyTracker:
    """Finds repeated keys across batches from 64-bit hashes (8 bytes a row), then re-checks
    exactly, on a second look at only the rows whose hash repeats."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.names: tuple[str, ...] = rule.args["names"]
        self.hashes: list[np.ndarray] = []

    def _hashed(self, frame: pl.DataFrame) -> pl.DataFrame:
        keys = [typed(n) for n in self.names]
        complete = frame.filter(pl.all_horizontal([k.is_not_null() for k in keys]))
        return complete.with_columns(combined_hash(keys).alias(KEY_HASH))

    def add(self, frame: pl.DataFrame) -> None:
        self.hashes.append(self._hashed(frame)[KEY_HASH].to_numpy())

    def repeated(self) -> np.ndarray:
        """Hash values seen more than once: true repeats, and (rarely) collisions."""
        hashes = np.empty(sum(len(h) for h in self.hashes), dtype=np.uint64)
        done = 0
        self.hashes.reverse()
        while self.hashes:  # not np.concatenate: each batch's hashes are freed once copied
            chunk = self.hashes.pop()
            hashes[done : done + len(chunk)] = chunk
            done += len(chunk)
        hashes.sort()
        twice = hashes[1:][hashes[1:] == hashes[:-1]]
        # sorted, so its distinct values without np.unique (which imports numpy.ma, ~15 ms)
        return twice[np.r_[True, twice[1:] != twice[:-1]]] if len(twice) else twice

    def report(self, table: TableSpec, findings: Findings) -> None:
        repeated = self.repeated()
        if not len(repeated):
            return
        wanted = pl.Series(repeated).implode()
        # a table read whole is looked at again in memory; a streamed one is read a second time,
        # keeping only the rows whose hash repeats
        frames = [table.whole.frame] if table.whole is not None else table.reread()
        candidates = [
            compact(self._hashed(f).filter(pl.col(KEY_HASH).is_in(wanted))) for f in frames
        ]
        # "diagonal": a batch with short rows has absent-cell columns the others lack
        run.run(pl.concat(candidates, how="diagonal"), [self.rule], table.name, findings)
