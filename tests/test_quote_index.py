"""Quotes are looked up in their source text together, with the verdicts of ``quote in text``."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import read_rows, write_rows
from hypothesis import given, settings
from hypothesis import strategies as st

import changzhi_stats as cz
from changzhi_stats.engines.polars import enrich, model_builders
from changzhi_stats.engines.polars.enrich import quotes_found
from changzhi_stats.package.descriptor import bundled_package_path
from changzhi_stats.rules import figures

# a small alphabet, CJK included, so quotes often occur, overlap and nest
ALPHABET = st.sampled_from([*"ab长治市增长%.*(|", "1", "2", " ", "\n", "é", "𠀀"])
TEXTS = st.text(ALPHABET, max_size=60)
QUOTES = st.lists(st.text(ALPHABET, max_size=6), max_size=30)


def expected(text: str, quotes: list[str]) -> list[bool]:
    return [quote in text for quote in quotes]


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, quotes=QUOTES, segment=st.integers(1, 12), per_pass=st.integers(1, 5))
def test_the_index_agrees_with_in(
    text: str, quotes: list[str], segment: int, per_pass: int
) -> None:
    """Whatever the segment and pass sizes: occurrences across segment borders, quotes inside
    other quotes, repeated and empty quotes, quotes longer than the text or a segment."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enrich, "SEGMENT_CHARS", segment)
        patch.setattr(enrich, "PATTERNS_PER_PASS", per_pass)
        assert quotes_found(text, quotes) == expected(text, quotes)


@settings(max_examples=100, deadline=None)
@given(text=TEXTS, quotes=QUOTES)
def test_the_index_agrees_with_in_at_default_sizes(text: str, quotes: list[str]) -> None:
    assert quotes_found(text, quotes) == expected(text, quotes)


def test_substrings_of_the_text_are_found() -> None:
    text = "2024年长治市地区生产总值增长5.2%，规上工业增加值增长4.8%。" * 3
    quotes = [text[i:j] for i in range(0, len(text), 7) for j in range(i, len(text), 11)]
    quotes += ["增长5.3%", "长治市地区生产总值增长4.8%", "", "。。"]
    assert quotes_found(text, quotes) == expected(text, quotes)


def test_many_quotes_of_one_source_in_the_report(
    package_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: each row's quote judged as ``in`` judges it, with tiny segments and passes."""
    monkeypatch.setattr(enrich, "SEGMENT_CHARS", 64)
    monkeypatch.setattr(enrich, "PATTERNS_PER_PASS", 2)
    path = package_copy / "data" / "observations.csv"
    rows = read_rows(path)
    header = rows[0]
    sid, quote = header.index("source_id"), header.index("source_quote")
    source_rows = read_rows(package_copy / "data" / "sources.csv")
    at = source_rows[0].index("path")
    texts = {r[0]: (package_copy / r[at]).read_text(encoding="utf-8") for r in source_rows[1:]}
    wanted = []
    for number, row in enumerate(rows[1:], start=2):
        text = texts[row[sid]]
        if number % 3 == 0:
            row[quote] = row[quote] + "不在原文"  # not in the text
        elif number % 3 == 1:
            row[quote] = text[number : number + 3]  # some other piece of the text
        if row[quote] not in text:
            wanted.append(number)
    write_rows(path, rows)
    report = cz.validate(package_copy)
    found = sorted(
        p.row for p in report.errors + report.warnings if p.check == "quote-not-in-source"
    )
    assert found == wanted
    assert wanted


# --- the value ↔ quote grammar, made cheaper: the same figures and verdicts ------------------

FIXTURES = Path(__file__).parent / "fixtures"
WORDS = st.sampled_from(
    [
        *(u[0] for u in figures.UNITS),
        *(m[0] for m in figures.MULTIPLIERS),
        *(a[0] for a in figures.AFTER),
        *(b[0] for b in figures.BEFORE),
        *figures.GROWTH,
        *figures.DECLINE,
        *"0123456789.一二三十百千万亿个多余上了达到为至约",
        "前三季度",
        "1-9月",
        "上半年",
        "、",
        "，",
        "。",
    ]
)


def unit_at_by_loop(masked: str, pos: int) -> tuple:
    for text, unit, kind in figures.UNITS:
        if masked.startswith(text, pos):
            return unit, kind, text
    if pos < len(masked) and masked[pos] in figures.CLASSIFIERS:
        return "count", "number", masked[pos]
    return None, None, None


@settings(max_examples=300, deadline=None)
@given(words=st.lists(WORDS, max_size=12), data=st.data())
def test_the_measure_word_is_the_one_the_loop_finds(words: list[str], data) -> None:
    text = "".join(words)
    pos = data.draw(st.integers(0, len(text) + 1))
    assert figures._unit_at(text, pos) == unit_at_by_loop(text, pos)


def figure_rows_by_dicts(quotes: list[tuple[int, str]]) -> pl.DataFrame:
    """The figure table as it was built: a dict per figure."""
    rows = []
    for key, quote in quotes:
        found = figures.read(quote)
        if not found:
            rows.append({"key": key})
        for f in found:
            p = f.period
            rows.append(
                {
                    "key": key,
                    "number": f.number,
                    "mult": f.multiplier,
                    "amount": f.amount,
                    "chinese": f.chinese and f.kind in ("number", "rank"),
                    "percent": f.kind in ("percent", "points"),
                    "comparator": f.comparator,
                    "first": p.first if p else None,
                    "last": p.last if p else None,
                    "year": p.year if p else None,
                }
            )
    return pl.DataFrame(rows, schema=model_builders._FIG_SCHEMA)


def fixture_quotes() -> list[str]:
    found = []
    for path in [*FIXTURES.glob("*/data/observations.csv"), bundled_package_path().parent]:
        if path.is_dir():
            path = path / "data" / "observations.csv"
        rows = read_rows(path)
        at = rows[0].index("source_quote")
        found += [r[at] for r in rows[1:] if len(r) > at and r[at]]
    return found


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.lists(WORDS, max_size=10).map("".join), max_size=8))
def test_the_figure_table_is_built_as_before(words: list[str]) -> None:
    quotes = list(enumerate([*fixture_quotes()[:5], *words]))
    frame = pl.DataFrame(quotes, schema={"key": pl.UInt64, "q": pl.String}, orient="row")
    built = model_builders._figure_table(frame)
    assert built.equals(figure_rows_by_dicts(quotes))


def test_the_fixture_quotes_keep_their_figures() -> None:
    quotes = list(enumerate(fixture_quotes()))
    assert len(quotes) > 20
    frame = pl.DataFrame(quotes, schema={"key": pl.UInt64, "q": pl.String}, orient="row")
    assert model_builders._figure_table(frame).equals(figure_rows_by_dicts(quotes))
    texts = [q for _, q in quotes]
    assert sum(len(figures.read(q)) for q in texts) >= len(texts)  # they state figures
