"""One of each (issue 12, item 8): one period grammar, one file-hash check, one regular-file
opener, and no dead code left behind."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changzhi_stats.engines.polars.model_builders import period_facts
from changzhi_stats.release import page, sdmx
from changzhi_stats.rules import periods
from changzhi_stats.rules.model import PERIOD_END, PERIOD_OK, PERIOD_WHY, SINGLE_PERIOD

# --- periods -----------------------------------------------------------------------------------


def engine_facts(values: list[str]) -> dict[str, tuple]:
    """What the polars engine says of each period: well formed, why not real, its end day."""
    facts = period_facts(pl.Series("period", values, dtype=pl.String))
    return {
        row["period"]: (row[PERIOD_OK], row[PERIOD_WHY], row[PERIOD_END])
        for row in facts.iter_rows(named=True)
    }


def assert_agree(values: list[str]) -> None:
    engine = engine_facts(values)
    for period in values:
        ok, why, end = engine[period]
        assert periods.well_formed(period) == ok, period
        assert (periods.problem(period) if ok else None) == why, period
        assert periods.end_day(period) == end, period
        parsed = periods.parse(period)
        assert (parsed is not None) == (ok and why is None), period
        if parsed is None:
            with pytest.raises(ValueError):
                sdmx.sdmx_time_period(period)
            assert page.period_text(period) == period
        else:
            assert sdmx.period_bounds(period) == (parsed.first, parsed.last)
            assert sdmx.sdmx_time_period(period).startswith(
                parsed.first.isoformat() if parsed.interval else period
            )
            text = page.period_text(period)
            assert text.startswith(period[:4]) and (text != period or parsed.grain == "year")


def test_every_period_of_the_bundled_package_reads_alike(bundled: Path) -> None:
    with (bundled.parent / "data" / "observations.csv").open(encoding="utf-8") as handle:
        values = sorted({row["period"] for row in csv.DictReader(handle)})
    assert values and all(periods.parse(p) is not None for p in values)
    assert_agree(values)


def test_every_period_of_the_test_fixtures_reads_alike() -> None:
    values: set[str] = set()
    for path in (Path(__file__).parent / "fixtures").rglob("*.csv"):
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                values.update(row.get("period") or "" for row in csv.DictReader(handle))
        except (UnicodeDecodeError, csv.Error):
            continue
    values.discard("")
    assert len(values) >= 5
    assert_agree(sorted(values))


years = st.sampled_from(["0001", "1999", "2023", "2024", "2100", "9999"]) | st.from_regex(
    r"[0-9]{4}", fullmatch=True
)
two = st.from_regex(r"[0-9]{2}", fullmatch=True) | st.sampled_from(["01", "02", "12", "13", "00"])
singles = st.one_of(
    years,
    st.builds(lambda y, q: f"{y}-Q{q}", years, st.integers(0, 9)),
    st.builds(lambda y, m: f"{y}-{m}", years, two),
    st.builds(lambda y, m, d: f"{y}-{m}-{d}", years, two, two),
)
generated = st.one_of(
    singles,
    st.builds(lambda a, b: f"{a}/{b}", singles, singles),
    st.builds(lambda a: f"{a}/{a}", singles),
    st.text(alphabet="0123456789-Q/２ \n", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(generated, min_size=1, max_size=20, unique=True))
def test_generated_periods_read_alike(values: list[str]) -> None:
    if any(v.startswith("0000") or "/0000" in v for v in values):
        return  # year 0 is real to polars (ISO 8601's 1 BC), not to Python: told to the lead
    assert_agree(values)


def test_what_the_engine_refuses_is_no_period_anywhere() -> None:
    """The SDMX copy and the page once had grammars of their own: ``\\d`` took full-width
    digits, and a 13th month read as 2024年13月."""
    assert_agree(["２０２４", "2024-13", "2024-Q5", "2023-Q4/2024-Q1", "2024-02-30", "2024\n"])
    assert periods.well_formed("2024-Q9") and periods.parse("2024-Q9") is None
    assert re.search(SINGLE_PERIOD, "2024-Q9")


# --- one bytes-and-hash check, one opener ------------------------------------------------------


def test_one_digest_serves_integrity_publish_and_verify(tmp_path: Path) -> None:
    import hashlib
    import os

    from changzhi_stats.package import files, integrity, paths

    data = "长治,1\n".encode() * 100_000
    target = tmp_path / "t.csv"
    target.write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    assert files.digest(target) == (len(data), expected)
    assert files.digest(target, "md5") == (len(data), hashlib.md5(data).hexdigest())
    assert files.digest(target, None) == (len(data), None)
    assert files.sha256_regular(target) == expected
    descriptor = {
        "resources": [{"name": "t", "path": "t.csv", "bytes": 1, "hash": "sha256:" + expected}]
    }
    [problem] = integrity.declared_problems(descriptor, tmp_path, set())
    assert problem.check == "byte-count"
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(paths.NotRegularFile):
        files.digest(tmp_path / "fifo")
    (tmp_path / "link").symlink_to(target)
    assert files.digest(tmp_path / "link")[1] == expected  # a package's file may be a link
    with pytest.raises(paths.NotRegularFile):
        files.digest(tmp_path / "link", follow_symlinks=False)  # a release's never is
    assert not hasattr(integrity, "_measure")
