"""``cz-stats extract``: draft observations from a press release (issue 13, item 2)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner
from conftest import places

import changzhi_stats as cz
from changzhi_stats.cli import main
from changzhi_stats.extract import columns
from changzhi_stats.package.descriptor import bundled_package_path

BUNDLED = bundled_package_path().parent
RELEASE = BUNDLED / "sources" / "changzhi-press-release-2024-12-04.txt"
MEASURED = 31  # of the bundled package's 31 observations, proposed right (value, ×, comparator)


def _bundled() -> list[dict[str, str]]:
    with open(BUNDLED / "data" / "observations.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _overlap(a: str, b: str) -> bool:
    return a in b or b in a


def _same(draft: dict[str, str], row: dict[str, str]) -> bool:
    return (
        float(draft["value"]) == float(row["value"])
        and draft["unit_multiplier"] == row["unit_multiplier"]
        and draft["comparator"] == row["comparator"]
        and _overlap(draft["source_quote"], row["source_quote"])
    )


def test_the_bundled_release_is_proposed_right() -> None:
    """Each bundled observation is matched by a draft with an overlapping quote and the same
    value, multiplier and comparator; unit and period are counted too."""
    drafts = cz.extract(RELEASE)
    rows = _bundled()
    matched = {n: next((d for d in drafts if _same(d, r)), None) for n, r in enumerate(rows)}
    misses = [rows[n]["indicator_id"] for n, d in matched.items() if d is None]
    print(f"proposed right: {len(rows) - len(misses)} of {len(rows)}; missed: {misses}")
    assert len(rows) - len(misses) >= 27
    assert len(rows) - len(misses) == MEASURED, misses
    units = sum(d is not None and d["unit"] == rows[n]["unit"] for n, d in matched.items())
    periods = sum(d is not None and d["period"] == rows[n]["period"] for n, d in matched.items())
    print(f"with the right unit: {units}; with the right period: {periods}")
    assert units == periods == len(rows)
    assert len(drafts) == len(rows)  # nothing the release does not state as a figure


def test_every_quote_is_verbatim_and_states_its_figure(tmp_path: Path) -> None:
    drafts = cz.extract(RELEASE, region="140400")
    text = RELEASE.read_text(encoding="utf-8")
    assert all(d["source_quote"] in text for d in drafts)
    assert all(d["indicator_id"] == "" for d in drafts)
    assert {d["source_id"] for d in drafts} == {"changzhi_press_release_2024_12_04"}


def test_cli_writes_a_csv_that_init_accepts_and_validate_checks(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "drafts.csv"
    result = runner.invoke(main, ["extract", str(RELEASE), "-o", str(out), "--region", "140400"])
    assert result.exit_code == 0, result.output
    assert "proposed 31 observation(s)" in result.output
    with open(out, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == columns()
    folder = tmp_path / "pkg"
    result = runner.invoke(main, ["init", str(folder), "--from", str(out), "--region", "140400"])
    assert result.exit_code == 0, result.output
    source = folder / "sources" / "changzhi_press_release_2024_12_04.txt"
    source.write_text(RELEASE.read_text(encoding="utf-8"), encoding="utf-8")
    report = cz.validate(folder)
    # a draft: indicators to name, but every figure is one its quote states
    assert places(report, "value-not-in-quote") == []
    assert places(report, "quote-figure-unclear") == []
    assert places(report, "quote-not-in-source") == []


def test_cli_to_stdout(tmp_path: Path) -> None:
    source = tmp_path / "release.txt"
    source.write_text("今年前三季度,全市工业增加值增长6.3%,新增企业1200多家。", encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(source), "--published", "2024-10-20"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["value"], r["comparator"], r["period"]) for r in rows] == [
        ("6.3", "eq", "2024-Q1/2024-Q3"),
        ("1200", "gt", "2024-Q1/2024-Q3"),
    ]
    assert rows[0]["source_quote"] == "今年前三季度,全市工业增加值增长6.3%"
    assert rows[0]["source_id"] == "release"


def test_unreadable_source_is_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["extract", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2 and "cannot be read" in result.output
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    assert runner.invoke(main, ["extract", str(binary)]).exit_code == 2
    bad_date = runner.invoke(main, ["extract", str(RELEASE), "--published", "04.12.2024"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
