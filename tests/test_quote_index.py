"""Quotes are looked up in their source text together, with the verdicts of ``quote in text``."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_rows, write_rows
from hypothesis import given, settings
from hypothesis import strategies as st

import changzhi_stats as cz
from changzhi_stats.engines.polars import enrich
from changzhi_stats.engines.polars.enrich import quotes_found

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
    monkeypatch.setattr(enrich, "SEGMENT_CHARS", 5)
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
