"""``diff`` and publish-after-publish compare tables in bounded memory (issue 18, item 7).

Both tables used to be read whole and joined (6.4 GB peak for two 5M-row versions). Now a first
pass keeps two 64-bit hashes a row, and only the rows of differing keys are read again and
compared exactly; these tests check the results equal the whole-table comparison, and that
no join sees a whole table.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import changzhi_stats as cz
from changzhi_stats.package.descriptor import load_package
from changzhi_stats.release import diff as diffmodule
from changzhi_stats.sources import csv as csvsource

FIELDS = [("id", "string"), ("year", "integer"), ("value", "number"), ("note", "string")]


def write_package(folder: Path, rows: list[tuple], *, key: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [",".join(name for name, _ in FIELDS)]
    lines += [",".join("" if c is None else str(c) for c in row) for row in rows]
    (folder / "t.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    schema: dict = {"fields": [{"name": n, "type": t} for n, t in FIELDS]}
    if key:
        schema["primaryKey"] = ["id", "year"]
    descriptor = {
        "name": "bounded",
        "version": "1.0.0",
        "resources": [{"name": "t", "path": "t.csv", "format": "csv", "schema": schema}],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def whole_table_changes(old: Path, new: Path) -> dict:
    """The comparison as it was: both tables read whole and joined (the reference)."""
    package_a, package_b = load_package(old), load_package(new)
    spec_a, spec_b = package_a.resources[0], package_b.resources[0]
    a, b = diffmodule.read_table(spec_a), diffmodule.read_table(spec_b)
    common = [c for c in b.columns if c in a.columns]
    key = list(spec_b.schema.get("primaryKey") or [])
    types = {f["name"]: f.get("type", "string") for f in spec_b.schema["fields"]}
    if not key:
        a2, b2 = a.select(common), b.select(common)
        added = b2.join(a2, on=common, how="anti", nulls_equal=True).sort(common)
        removed = a2.join(b2, on=common, how="anti", nulls_equal=True).sort(common)
        return {"key": None, "added": added.to_dicts(), "removed": removed.to_dicts()}
    added = b.join(a, on=key, how="anti", nulls_equal=True).sort(key)
    removed = a.join(b, on=key, how="anti", nulls_equal=True).sort(key)
    values = [c for c in common if c not in key]
    joined = a.join(b, on=key, how="inner", suffix="__new", nulls_equal=True).sort(key)
    revised = []
    flags = [diffmodule._differs(c, f"{c}__new", types[c]).alias(f"__d__{c}") for c in values]
    for row in joined.with_columns(flags).iter_rows(named=True):
        changes = {c: {"old": row[c], "new": row[f"{c}__new"]} for c in values if row[f"__d__{c}"]}
        if changes:
            revised.append({"key": {k: row[k] for k in key}, "changes": changes})
    removed_rows = removed.to_dicts()
    return {"key": key, "added": added.to_dicts(), "removed": removed_rows, "revised": revised}


def streamed_changes(old: Path, new: Path) -> dict:
    result = cz.diff(old, new).tables["t"].to_dict()
    if result["key"] is None:
        del result["revised"]
    return result


@pytest.fixture
def small_batches(monkeypatch):
    """CSV batches of a few rows, so every table spans many batches."""
    defaults = list(csvsource.CsvSource.__init__.__defaults__)
    defaults[-1] = 64
    monkeypatch.setattr(csvsource.CsvSource.__init__, "__defaults__", tuple(defaults))


ids = st.sampled_from(["a", "b", "c", "长治", None])
years = st.sampled_from([2020, 2021, None])
values = st.sampled_from(["1", "1.0", " 1", "2.50", "2.5", "x", "NaN", "", None])
notes = st.sampled_from(["", "n", "注"])
rows = st.lists(st.tuples(ids, years, values, notes), max_size=12)


@settings(max_examples=60, deadline=None)
@given(old=rows, new=rows, key=st.booleans())
def test_streamed_changes_equal_the_whole_table_comparison(tmp_path_factory, old, new, key):
    base = tmp_path_factory.mktemp("sides")
    a = write_package(base / "old", old, key=key)
    b = write_package(base / "new", new, key=key)
    assert ties_sorted(streamed_changes(a, b)) == ties_sorted(whole_table_changes(a, b))


def ties_sorted(changes: dict) -> dict:
    """Rows of a repeated key come in no set order (in either comparison): sort them."""
    return {
        k: sorted(v, key=lambda x: json.dumps(x, sort_keys=True)) if k != "key" else v
        for k, v in changes.items()
    }


def test_many_batches_give_the_same_changes(tmp_path, small_batches):
    old = [(f"r{i}", 2020 + i % 3, f"{i}.0", "") for i in range(300)]
    new = [(f"r{i}", 2020 + i % 3, str(i + (i % 37 == 0)), "") for i in range(5, 320)]
    new += [("r7", 2021, "8", "a repeated key")]
    a, b = write_package(tmp_path / "old", old), write_package(tmp_path / "new", new)
    expected = whole_table_changes(a, b)
    assert streamed_changes(a, b) == expected
    assert expected["added"] and expected["removed"] and expected["revised"]


def test_no_join_sees_a_whole_table(tmp_path, monkeypatch, small_batches):
    """Only the rows of differing keys are held and joined: not the 2,000 rows of each side."""
    old = [(f"r{i}", 2020, f"{i}", "") for i in range(2000)]
    new = [*old[:1000], ("r1000", 2020, "revised", ""), *old[1001:]]
    a, b = write_package(tmp_path / "old", old), write_package(tmp_path / "new", new)
    heights: list[int] = []
    join = pl.DataFrame.join

    def watched(self, other, *args, **kwargs):
        heights.extend([self.height, other.height])
        return join(self, other, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "join", watched)
    changes = cz.diff(a, b).tables["t"]
    assert [r["key"] for r in changes.revised] == [{"id": "r1000", "year": "2020"}]
    assert heights and max(heights) <= 10
