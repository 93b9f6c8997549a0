"""The figures grammar and the value ↔ quote check (issue 13, item 1)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import places, set_cell
from hypothesis import given, settings
from hypothesis import strategies as st

import changzhi_stats as cz
from changzhi_stats.engines.polars import model_builders
from changzhi_stats.engines.polars.enrich import Enrichment
from changzhi_stats.package.descriptor import bundled_package_path
from changzhi_stats.rules import model as statrules
from changzhi_stats.rules.core import typed_name
from changzhi_stats.rules.figures import chinese_numeral, judge, parse_chinese, period_months, read

BUNDLED = bundled_package_path().parent


def observations() -> list[dict[str, str]]:
    with open(BUNDLED / "data" / "observations.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _judge(row: dict[str, str]):
    return judge(
        row["source_quote"],
        float(row["value"]),
        int(row["unit_multiplier"]),
        row["unit"],
        None,
        row["comparator"],
        row["period"],
    )


# --- numerals ----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_chinese_numerals_round_trip(n: int) -> None:
    assert parse_chinese(chinese_numeral(n)) == n


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=2, max_value=10**8))
def test_liang_reads_as_two(n: int) -> None:
    """两 is 二 before a unit (两千, 两万, 两亿)."""
    written = chinese_numeral(n).replace("二千", "两千").replace("二万", "两万")
    assert parse_chinese(written) == n


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False),
    st.sampled_from(["%", "万元", "亿元", "个", "座", "多家"]),
)
def test_arabic_numerals_round_trip(number, tail: str) -> None:
    text = format(number.normalize(), "f")
    figures = read(f"全市投资完成{text}{tail}")
    assert len(figures) == 1
    assert figures[0].number == pytest.approx(float(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("七", 7),
        ("两", 2),
        ("十", 10),
        ("十五", 15),
        ("一百零五", 105),
        ("三千万", 30_000_000),
        ("一亿二千万", 120_000_000),
        ("二〇二四", 2024),
        ("三点五", 3.5),
        ("三五", None),
    ],
)
def test_parse_chinese(text: str, expected) -> None:
    assert parse_chinese(text) == expected


@pytest.mark.parametrize(
    ("passage", "number", "multiplier", "kind", "comparator"),
    [
        ("制定了七条措施", 7, 0, "number", "eq"),
        ("两个中心", 2, 0, "number", "eq"),
        ("八成以上用于民生", 80, 0, "percent", "ge"),
        ("位居全国前三", 3, 0, "rank", "le"),
        ("居全国第2位", 2, 0, "rank", "eq"),
        ("上万个芯片", 10_000, 0, "number", "ge"),
        ("人口1.2万人", 1.2, 4, "number", "eq"),
        ("投资3千万元", 3, 7, "number", "eq"),
        ("余额达到200多亿元", 200, 8, "number", "gt"),
        ("超过300家", 300, 0, "number", "gt"),
        ("近3000辆", 3000, 0, "number", "approx"),
        ("约50亩", 50, 0, "number", "approx"),
        ("不到5%", 5, 0, "percent", "lt"),
        ("增长6.3%", 6.3, 0, "percent", "eq"),
        ("下降6.3%", -6.3, 0, "percent", "eq"),
        ("减少1.2个百分点", -1.2, 0, "points", "eq"),
        ("降至5%", 5, 0, "percent", "eq"),
        ("1,234.5万元", 1234.5, 4, "number", "eq"),
        ("空气质量优良天数达到228天以上", 228, 0, "number", "ge"),  # a qualifier after 天
        ("供水16974.38万立方米以上", 16974.38, 4, "number", "ge"),  # after 立方米, not 米
    ],
)
def test_one_figure(passage: str, number, multiplier: int, kind: str, comparator: str) -> None:
    (figure,) = read(passage)
    assert (figure.number, figure.multiplier, figure.kind, figure.comparator) == (
        pytest.approx(number),
        multiplier,
        kind,
        comparator,
    )


@pytest.mark.parametrize(
    "passage",
    [
        "12月4日，在第二十六场发布会上",
        "党的二十大和二十届二中、三中全会精神",
        "一体推进、一流生态",
        "2024年",
        "5G基站",
    ],
)
def test_no_figures_in_dates_ordinals_and_words(passage: str) -> None:
    assert read(passage) == ()


def test_a_list_shares_its_verb_and_its_qualifier() -> None:
    figures = read("工业投资、制造业投资分别下降58.6%、14.3%、18%以上")
    assert [f.number for f in figures] == [-58.6, -14.3, -18]
    assert {f.comparator for f in figures} == {"ge"}


def test_the_period_word_of_the_sentence() -> None:
    (figure,) = read("今年前三季度,全市数字经济核心产业产值达到102亿元")
    assert (figure.period.first, figure.period.last) == (1, 9)
    assert read("1-9月,工业增长5%")[0].period.last == 9
    assert read("上半年增长5%")[0].period.last == 6
    assert read("2024年一季度增长5%")[0].period.year == 2024
    assert read("比上半年提高5%")[0].period is None  # a base of comparison
    assert read("前三季度完成。全市增长5%")[0].period is None  # another sentence


def test_period_months() -> None:
    assert period_months("2024-Q1/2024-Q3") == (2024, 1, 9)
    assert period_months("2024-01/2024-09") == (2024, 1, 9)
    assert period_months("2024-01-01/2024-09-30") == (2024, 1, 9)
    assert period_months("2024") == (2024, 1, 12)
    assert period_months("2024-09") == (2024, 9, 9)
    assert period_months("2024-12-04") == (2024, None, None)
    assert period_months("24") is None


# --- judge: the cases --------------------------------------------------------------------


def test_growth_163_for_a_quote_of_6_3_percent() -> None:
    verdict = judge("全市地区生产总值增长6.3%", 163, 0, "percent", None, "eq", "2024")
    assert verdict.level == "error"
    assert verdict.why == "value 163 is not a figure of its quote"
    assert "6.3%" in verdict.figures


def test_share_0_93_for_93_percent_or_more() -> None:
    verdict = judge("先进产能达到93%以上", 0.93, 0, "percent", None, "ge", "2024-12-04")
    assert verdict.level == "error" and "93%以上" in verdict.figures
    assert judge("先进产能达到93%以上", 93, 0, "percent", None, "ge", "2024-12-04") is None
    # the right value in a unit that is no percent
    wrong_unit = judge("先进产能达到93%以上", 93, 0, "count", "count", "ge", None)
    assert wrong_unit.level == "error" and "is a percent" in wrong_unit.why


@pytest.mark.parametrize("period", ["2024-Q3", "2024-09", "2024", "2024-12-04", "2023-Q1/2023-Q3"])
def test_a_first_three_quarters_figure_in_another_period(period: str) -> None:
    quote = "2024年前三季度,全市数字经济核心产业产值达到102亿元"
    verdict = judge(quote, 102, 8, "CNY", "currency", "eq", period)
    assert verdict.level == "error" and f"period {period} is not" in verdict.why


@pytest.mark.parametrize("period", ["2024-Q1/2024-Q3", "2024-01/2024-09", "2024-01-01/2024-09-30"])
def test_a_first_three_quarters_figure_in_its_period(period: str) -> None:
    quote = "今年前三季度,全市数字经济核心产业产值达到102亿元"
    assert judge(quote, 102, 8, "CNY", "currency", "eq", period) is None


@pytest.mark.parametrize(
    ("quote", "value", "multiplier", "comparator", "why"),
    [
        ("与国内150多所高校", 150, 0, "eq", "comparator eq differs from the gt"),
        ("投资完成57.5亿元", 57.5, 0, "eq", "unit_multiplier 0 differs from the 8"),
        ("投资完成57.5亿元", 5750000000, 0, "eq", "is not a figure"),
        ("工业增加值下降6.3%", 6.3, 0, "eq", "is a decline"),
        ("三项投资分别增长58.6%、14.3%、18%", 14.4, 0, "eq", "is not a figure"),
    ],
)
def test_errors(quote: str, value: float, multiplier: int, comparator: str, why: str) -> None:
    verdict = judge(quote, value, multiplier, None, None, comparator, None)
    assert verdict.level == "error" and why in verdict.why


@pytest.mark.parametrize(
    ("quote", "value", "multiplier", "comparator"),
    [
        ("三项投资分别增长58.6%、14.3%、18%", 18, 0, "eq"),  # the k-th figure of a list
        ("工业增加值下降6.3%", -6.3, 0, "eq"),
        ("可以把上万个芯片固定", 1, 4, "ge"),  # a Chinese amount at any multiplier
        ("可以把上万个芯片固定", 10000, 0, "ge"),
        ("提高1.5个百分点", 1.5, 0, "eq"),
    ],
)
def test_matches(quote: str, value: float, multiplier: int, comparator: str) -> None:
    assert judge(quote, value, multiplier, None, None, comparator, None) is None


def test_warnings() -> None:
    assert judge("煤炭行业已经建成绿色开采煤矿", 22).level == "warning"
    decline = judge("排放减少3000吨", 3000, 0, "t", None, "eq", None)
    assert decline.level == "warning" and "is a decline" in decline.why


# --- the check in validate ---------------------------------------------------------------------


def test_every_figure_of_the_bundled_package_passes() -> None:
    rows = observations()
    assert len(rows) == 31
    assert [(r["indicator_id"], _judge(r)) for r in rows if _judge(r) is not None] == []
    report = cz.validate()
    assert places(report, "value-not-in-quote") == []
    assert places(report, "quote-figure-unclear") == []


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "package"
    shutil.copytree(BUNDLED, target)
    return target


def _row(indicator: str) -> int:
    return next(n for n, r in enumerate(observations(), start=2) if r["indicator_id"] == indicator)


def test_wrong_figures_are_found_at_their_rows(copy: Path) -> None:
    growth = _row("new_energy_investment_growth")
    share = _row("livelihood_fiscal_spending_share")
    month = _row("digital_economy_core_output")
    set_cell(copy, "observations", growth, "value", "148.8")
    set_cell(copy, "observations", share, "value", "0.8")
    set_cell(copy, "observations", month, "period", "2024-09")
    report = cz.validate(copy)
    assert sorted(places(report, "value-not-in-quote")) == [
        ("observations", row, "value", "value-not-in-quote")
        for row in sorted([growth, share, month])
    ]
    messages = [p.message for p in report.errors if p.check == "value-not-in-quote"]
    assert messages[0] == (
        "value 148.8 is not a figure of its quote; the quote states: "
        "57.5亿元 (eq 57.5 ×10^8 CNY); 48.8% (eq 48.8 %)"
    )
    assert any("period 2024-09 is not 今年前三季度" in m for m in messages)


def test_a_package_without_quotes_is_unaffected(make_package) -> None:
    folder = make_package(
        {"t": {"fields": ["value:number", "comparator"], "data": "value,comparator\n163,eq\n"}}
    )
    report = cz.validate(folder)
    assert report.valid and report.counts == {}


# --- the polars verdicts agree with judge, row by row --------------------------------------------


FRAME_COLUMNS = ["source_quote", statrules.VALUE, typed_name("unit_multiplier"), "unit"]
FRAME_COLUMNS += ["comparator", "period"]
QUOTES = [r["source_quote"] for r in observations()] + [
    "工业增加值下降6.3%",
    "排放减少3000吨",
    "没有数字的句子",
    "可以把上万个芯片固定",
    "2024年前三季度增长5%",
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(QUOTES),
            st.sampled_from([22.0, 93.0, 0.93, 150.0, -6.3, 6.3, 3000.0, 10000.0, 1.0, 57.5, 5.0]),
            st.sampled_from([0, 4, 8]),
            st.sampled_from(["count", "percent", "CNY", "t"]),
            st.sampled_from(["eq", "gt", "ge"]),
            st.sampled_from(["2024-12-04", "2024-Q1/2024-Q3", "2024-Q3", "2024"]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_vectorised_verdicts_agree_with_judge(rows: list[tuple]) -> None:
    frame = pl.DataFrame(
        rows,
        schema=FRAME_COLUMNS,
        orient="row",
    )
    verdicts = model_builders.quote_verdicts(frame, Enrichment())[statrules.QUOTE_FIGURE].to_list()
    for row, code in zip(rows, verdicts, strict=True):
        verdict = judge(row[0], row[1], row[2], row[3], None, row[4], row[5])
        expected = 0 if verdict is None else {"warning": 1, "error": 2}[verdict.level]
        assert code == expected, (row, verdict)
