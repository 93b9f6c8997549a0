"""Value-only rules are skipped on a batch only when they cannot fail there."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changzhi_stats.engines.polars import distinct
from changzhi_stats.engines.polars.builders import Failure, build, typed
from changzhi_stats.engines.polars.run import run
from changzhi_stats.report.problems import Findings
from changzhi_stats.rules.core import Rule, typed_name
from changzhi_stats.sources.text import ROW

PATTERN = Rule(
    "pattern-error",
    "code",
    "pattern",
    {"name": "code", "regex": "[a-z]+", "engine": "polars"},
    {"pattern": "[a-z]+"},
)
ENUM = Rule("enum-error", "status", "enum", {"name": "status", "values": ("A", "P")})
TYPED = {"code": pl.col("code"), "status": pl.col("status")}


def batch(codes: list[str | None], first_row: int = 2) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            ROW: list(range(first_row, first_row + len(codes))),
            "code": pl.Series(codes, dtype=pl.String),
            "status": ["A"] * len(codes),
        }
    )
    return frame.with_columns(pl.col(n).alias(typed_name(n)) for n in ("code", "status"))


def test_a_batch_of_known_passing_values_skips_the_rules() -> None:
    rules = [PATTERN, ENUM]
    groups = distinct.plan(rules, [build(r) for r in rules], TYPED)
    assert [g.column for g in groups] == ["code"]  # an enum alone costs what the lookup does
    first = batch(["gdp", "cpi", None] * 20)
    assert distinct.cannot_fail(first, groups) == {0}  # judged: every value passes
    assert distinct.cannot_fail(batch(["cpi", "gdp"] * 20, 100), groups) == {0}  # remembered
    assert sorted(groups[0].values.to_list()) == ["cpi", "gdp"]


def test_a_new_failing_value_runs_the_rules_and_is_not_remembered() -> None:
    rules = [PATTERN]
    failures = [build(PATTERN)]
    groups = distinct.plan(rules, failures, TYPED)
    distinct.cannot_fail(batch(["gdp"] * 40), groups)
    dirty = batch(["gdp"] * 30 + ["GDP"] + ["gdp"] * 9, 100)
    assert distinct.cannot_fail(dirty, groups) == set()
    findings = Findings(10)
    run(dirty, rules, "observations", findings, failures)
    assert [(p.row, p.value) for p in findings.kept()] == [(130, "GDP")]
    assert groups[0].values.to_list() == ["gdp"]


def test_values_that_hardly_repeat_are_checked_cell_by_cell() -> None:
    groups = distinct.plan([PATTERN], [build(PATTERN)], TYPED)
    unique = batch([f"id{n}" for n in range(100)])
    assert distinct.cannot_fail(unique, groups) == set()
    assert groups[0].direct and groups[0].values is None  # nothing kept: memory stays flat
    assert distinct.cannot_fail(batch(["gdp"] * 100), groups) == set()  # and stays direct


def test_remembered_values_are_capped(monkeypatch) -> None:
    monkeypatch.setattr(distinct, "REMEMBERED", 3)
    groups = distinct.plan([PATTERN], [build(PATTERN)], TYPED)
    assert distinct.cannot_fail(batch(["a", "b"] * 20), groups) == {0}
    assert distinct.cannot_fail(batch(["c", "d"] * 20), groups) == set()
    assert groups[0].direct and groups[0].values is None


def test_a_rule_that_fails_on_empty_cells_is_never_skipped() -> None:
    empty_is_bad = Failure(typed("code").is_null())
    rules = [PATTERN, Rule("pattern-error", "code", "pattern", {"name": "code"})]
    groups = distinct.plan(rules, [build(PATTERN), empty_is_bad], TYPED)
    assert [g.numbers for g in groups] == [[0]]


@settings(max_examples=60, deadline=None)
@given(
    batches=st.lists(
        st.lists(st.sampled_from(["gdp", "cpi", "GDP", "x1", "", None]), min_size=1, max_size=30),
        min_size=1,
        max_size=6,
    )
)
def test_skipping_never_changes_what_is_found(batches: list[list[str | None]]) -> None:
    """Counted batch by batch, with values remembered or not, the findings are the same."""
    failures = [build(PATTERN)]
    groups = distinct.plan([PATTERN], failures, TYPED)
    with_skips, plain = Findings(1000), Findings(1000)
    row = 2
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(distinct, "SHARE", 0)  # remember even in batches of a few rows
        for codes in batches:
            frame = batch(codes, row)
            row += len(codes)
            run(frame, [PATTERN], "t", plain, failures)
            if not distinct.cannot_fail(frame, groups):
                run(frame, [PATTERN], "t", with_skips, failures)
    assert not groups[0].direct
    assert with_skips.counts == plain.counts
    assert [p.row for p in with_skips.kept()] == [p.row for p in plain.kept()]
