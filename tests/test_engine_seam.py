"""The engine seam (issue 12 item 3): validate drives an engine through plan, run, finish only."""

from __future__ import annotations

import pytest

from changzhi_stats import engines
from changzhi_stats.engines import ENGINES, Engine, TableSpec, get_engine
from changzhi_stats.errors import UsageError
from changzhi_stats.package.descriptor import load_package
from changzhi_stats.report.problems import Findings
from changzhi_stats.validate import check_package, validate

TABLES = {
    "people": {
        "schema": {
            "fields": [{"name": "id", "type": "integer"}, {"name": "name"}],
            "primaryKey": "id",
        },
        "data": [["id", "name"], ["1", "a"], ["1", "b"], ["x", "c"]],
    }
}


def _package(make_package):
    return make_package(TABLES)


def _listed(report) -> list[dict]:
    return [p.to_dict() for p in report.errors + report.warnings]


class Counting:
    """An engine that counts the calls it gets and hands them to another (or to no one)."""

    def __init__(self, inner: Engine | None = None) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str]] = []
        self.rows = 0

    def plan_table(self, table: TableSpec) -> object:
        self.calls.append(("plan", table.name))
        plan = self.inner.plan_table(table) if self.inner else None
        return (table, plan)

    def run_batch(self, plan: object, batch: object, findings: Findings) -> None:
        table, inner = plan
        self.calls.append(("run", table.name))
        self.rows += batch.height
        if self.inner:
            self.inner.run_batch(inner, batch, findings)

    def finish(self, plan: object, findings: Findings) -> None:
        table, inner = plan
        self.calls.append(("finish", table.name))
        if self.inner:
            self.inner.finish(inner, findings)


def test_the_polars_engine_satisfies_the_protocol() -> None:
    assert isinstance(get_engine("polars"), Engine)
    assert isinstance(Counting(), Engine)
    assert not isinstance(object(), Engine)


@pytest.mark.parametrize("name", ["dask", "", None, 3])
def test_an_unknown_engine_is_a_usage_error(name) -> None:
    with pytest.raises(UsageError, match="unknown engine"):
        get_engine(name)


def test_validate_runs_through_the_seam(make_package, monkeypatch) -> None:
    folder = _package(make_package)
    expected = _listed(validate(folder))
    real = ENGINES["polars"]
    seen: list[Counting] = []

    def counting(**context) -> Counting:
        seen.append(Counting(real(**context)))
        return seen[-1]

    monkeypatch.setitem(engines.ENGINES, "polars", counting)
    report = validate(folder)
    assert _listed(report) == expected
    assert sorted(p.check for p in report.errors) == ["primary-key", "type-error"]
    (engine,) = seen
    assert engine.calls[0] == ("plan", "people") and engine.calls[-1] == ("finish", "people")
    assert {kind for kind, _ in engine.calls} == {"plan", "run", "finish"}
    assert engine.rows == 3


def test_a_second_engine_plugs_in_beside_polars(make_package, monkeypatch) -> None:
    folder = _package(make_package)
    fake = Counting()
    monkeypatch.setitem(engines.ENGINES, "fake", lambda **context: fake)
    report, _ = check_package(load_package(folder), Findings(100), engine="fake")
    # the fake checks nothing: only what validate itself finds (none here) is in the report
    assert report.errors == []
    assert fake.calls == [("plan", "people"), ("run", "people"), ("finish", "people")]
    assert fake.rows == 3
    with pytest.raises(UsageError):
        check_package(load_package(folder), Findings(100), engine="dask")
