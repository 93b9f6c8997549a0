"""Under a cap, the problems listed are each check's first in reading order.

Reading order is (resource order in the descriptor, row, field order in the schema). Which
problems a capped report lists must not depend on how the reader cuts a table into batches, nor
on the order the rules run in; the counts stay exact whatever the cap.
"""

from __future__ import annotations

import contextlib
import functools
import random
from pathlib import Path

import pytest
from conftest import write_package
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from changzhi_stats import validate
from changzhi_stats.report.catalogue import ERROR, WARNING, spec
from changzhi_stats.report.problems import Findings, Report, make_problem
from changzhi_stats.sources import csv as csvsource

BATCH_SIZES = [None, 64, 150, 400, 1500]  # None: the reader's own size (one batch here)
UNCAPPED = 10**6


@contextlib.contextmanager
def batches_of(size: int | None):
    """Every CSV reader reads batches of ``size`` bytes (None: its own default)."""
    with pytest.MonkeyPatch.context() as patch:
        if size is not None:
            init = csvsource.CsvSource.__init__
            patch.setattr(
                csvsource.CsvSource, "__init__", functools.partialmethod(init, batch_bytes=size)
            )
        yield


def _faulted(folder: Path) -> Path:
    """Two tables whose faults are spread so that the later field of a row, the later rows of
    an earlier field and the later resource all compete for the same few places."""
    rng = random.Random(12)
    rows = [["id", "a", "b", "c"]]
    for number in range(1, 80):
        a = "x" if rng.random() < 0.2 else str(rng.randint(-3, 50))  # type-error, minimum
        b = "y" if rng.random() < 0.2 else str(rng.randint(-3, 50))
        c = "" if rng.random() < 0.15 else "c"  # required
        key = str(number if rng.random() > 0.1 else max(1, number - rng.randint(1, 30)))
        rows.append([key, a, b, c])
    second = [["k", "v"]] + [[str(n % 20), "z" if n % 7 == 0 else str(n)] for n in range(40)]
    number = {"type": "integer", "constraints": {"minimum": 0}}
    return write_package(
        folder,
        {
            "later": {
                "schema": {
                    "fields": [{"name": "k", "type": "integer"}, {"name": "v", **number}],
                    "primaryKey": ["k"],
                },
                "data": second,
            },
            "first": {
                "schema": {
                    "fields": [
                        {"name": "id", "type": "integer"},
                        {"name": "a", **number},
                        {"name": "b", **number},
                        {"name": "c", "type": "string", "constraints": {"required": True}},
                    ],
                    "primaryKey": ["id"],
                },
                "data": rows,
            },
        },
    )


@pytest.fixture(scope="module")
def faulted(tmp_path_factory) -> Path:
    return _faulted(tmp_path_factory.mktemp("sample-order") / "pkg")


@pytest.fixture(scope="module")
def uncapped(faulted) -> Report:
    return validate(faulted, max_errors=UNCAPPED, lang="en")


def _listed(report: Report) -> dict:
    shown = report.to_dict()
    del shown["stats"]["seconds"]
    return shown


def _expected(uncapped: Report, cap: int) -> tuple[list, list]:
    """What a report capped at ``cap`` lists: each check's first ``cap`` problems of the
    uncapped (reading-ordered) list, taken in turns across checks up to ``cap`` per severity."""
    lists = []
    for problems in (uncapped.errors, uncapped.warnings):
        position = {id(p): n for n, p in enumerate(problems)}
        by_check: dict[str, list] = {}
        for problem in problems:
            by_check.setdefault(problem.check, []).append(problem)
        chosen: list = []
        depth = 0
        while len(chosen) < cap:
            layer = sorted(
                (group[depth] for group in by_check.values() if depth < len(group)),
                key=lambda p: position[id(p)],
            )
            if not layer:
                break
            chosen.extend(layer[: cap - len(chosen)])
            depth += 1
        lists.append([p.to_dict() for p in sorted(chosen, key=lambda p: position[id(p)])])
    return lists[0], lists[1]


def test_the_faulted_package_has_competing_faults(uncapped):
    """The fixture is worth testing with: several checks, several fields, both resources."""
    assert uncapped.capped is False
    assert {"type-error", "minimum-error", "required-error", "primary-key"} <= set(uncapped.counts)
    assert len({p.field for p in uncapped.errors if p.check == "type-error"}) >= 2
    assert len({p.resource for p in uncapped.errors}) == 2


def test_uncapped_report_is_in_reading_order(uncapped):
    order, fields = ["later", "first"], {"later": ["k", "v"], "first": ["id", "a", "b", "c"]}
    keys = [
        (order.index(p.resource), p.row, fields[p.resource].index(p.field)) for p in uncapped.errors
    ]
    assert keys == sorted(keys)


def test_a_later_field_of_an_earlier_row_is_listed(make_package):
    """The defect: with ``--max-errors 2`` a failure at row 3 in field ``b`` was left out while
    rows 4 and 5 of field ``a`` (whose rule ran first) were listed."""
    folder = make_package(
        {
            "t": {
                "fields": ["a:integer", "b:integer"],
                "data": [["a", "b"], ["1", "1"], ["1", "x"], ["x", "1"], ["x", "1"]],
            }
        }
    )
    report = validate(folder, max_errors=2)
    assert [(p.row, p.field) for p in report.errors] == [(3, "b"), (4, "a")]
    assert report.counts == {"type-error": 3}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cap=st.integers(0, 14), batch=st.sampled_from(BATCH_SIZES))
def test_capped_reports_equal_the_first_in_reading_order(faulted, uncapped, cap, batch):
    with batches_of(batch):
        report = validate(faulted, max_errors=cap, lang="en")
    assert report.counts == uncapped.counts
    errors, warnings = _expected(uncapped, cap)
    assert [p.to_dict() for p in report.errors] == errors
    assert [p.to_dict() for p in report.warnings] == warnings


@pytest.mark.parametrize("cap", [1, 3, 10])
def test_every_batch_size_gives_the_same_report(faulted, cap):
    reports = []
    for batch in BATCH_SIZES:
        with batches_of(batch):
            reports.append(_listed(validate(faulted, max_errors=cap, lang="en")))
    assert all(r == reports[0] for r in reports[1:])


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 2), st.integers(2, 30), st.integers(0, 3), st.booleans()),
        max_size=60,
    ),
    cap=st.integers(0, 6),
    seed=st.randoms(use_true_random=False),
)
def test_findings_keep_the_first_whatever_the_arrival_order(rows, cap, seed):
    """Findings fed the same problems in any order, some through ``add_count`` samples of at
    most ``room()``, give the same report: the first of each check in reading order."""
    order, fields = ["r0", "r1", "r2"], {f"r{n}": ["f0", "f1", "f2", "f3"] for n in range(3)}
    problems = [
        make_problem(
            "required-error" if error else "formula-injection",
            resource=f"r{resource}",
            row=row,
            field=f"f{field}",
            value="x",
        )
        for resource, row, field, error in rows
    ]
    reports = []
    for _ in range(3):
        shuffled = list(problems)
        seed.shuffle(shuffled)
        findings = Findings(cap)
        while shuffled:
            batch, shuffled = shuffled[:5], shuffled[5:]
            # as the engine does: one rule (a check on one field of one resource) at a time,
            # offering its first rows
            for rule in {(p.check, p.resource, p.field) for p in batch}:
                same = [p for p in batch if (p.check, p.resource, p.field) == rule]
                same.sort(key=lambda p: p.row)
                findings.add_count(rule[0], len(same), same[: findings.room(rule[0])])
        reports.append(Report.from_findings(findings, order=order, fields=fields).to_dict())
    assert all(r == reports[0] for r in reports[1:])
    full = Findings(UNCAPPED)
    full.extend(problems)
    whole = Report.from_findings(full, order=order, fields=fields)
    expected_errors, expected_warnings = _expected(whole, cap)
    assert reports[0]["errors"] == expected_errors
    assert reports[0]["warnings"] == expected_warnings
    assert {ERROR, WARNING} >= {spec(p.check).severity for p in problems}
