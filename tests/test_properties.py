"""Property tests: random small observation tables against an independent oracle.

Each example writes a small package of the indicator model (the real schemas, a handful of
indicators of every measure) whose observations get random ``value``, ``period`` and
``unit_multiplier`` cells, valid or not, with random blank lines between the rows. The oracle
below says, cell by cell and from the contract alone, which checks must fire; the report must
list exactly those (resource, row, field, check), at Frictionless row numbers, and nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from conftest import places, write_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import changzhi_stats as cz
from changzhi_stats.package.descriptor import bundled_package_path
from changzhi_stats.report.catalogue import CHECKS

PUBLISHED = dt.date(2024, 12, 4)
# indicator id -> (measure, unit, unit kind, multiplier)
INDICATORS = {
    "sh": ("share", "percent", "ratio", 0),
    "gr": ("growth_yoy", "percent", "ratio", 0),
    "rk": ("rank", "count", "count", 0),
    "ct": ("level", "count", "count", 0),
    "mn": ("level", "CNY", "currency", 8),
    "ln": ("level", "mm", "length", 0),
}
UNITS = {"percent": "ratio", "count": "count", "CNY": "currency", "mm": "length"}
QUOTE = "长治市前三季度数据"
HEAD = [
    "indicator_id",
    "region_code",
    "period",
    "value",
    "unit",
    "unit_multiplier",
    "comparator",
    "obs_status",
    "source_id",
    "source_quote",
    "note",
]

NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
INTEGER = re.compile(r"[+-]?[0-9]+")
SINGLE = re.compile(r"[0-9]{4}(-Q[0-9]|-[0-9]{2}|-[0-9]{2}-[0-9]{2})?")


# --- the oracle: what the contract says about one cell -----------------------------------------


def value_checks(text: str, indicator: str) -> set[str]:
    measure, _, kind, _ = INDICATORS[indicator]
    if text == "":
        return {"required-error"}
    if not NUMBER.fullmatch(text) and text not in ("NaN", "INF", "-INF"):
        return {"type-error"}
    x = float(text)
    if not math.isfinite(x):
        return {"value-not-finite"}
    found = set()
    if measure == "share" and not 0 <= x <= 100:
        found.add("share-range")
    if measure == "growth_yoy" and x < -100:
        found.add("growth-range")
    if measure == "growth_yoy" and x > 1000:
        found.add("growth-implausible")
    if measure == "rank" and (x < 1 or x != math.floor(x)):
        found.add("rank-range")
    if kind == "count" and x != math.floor(x):
        found.add("count-not-whole")
    if kind == "count" and x < 0:
        found.add("count-negative")
    return found


def multiplier_checks(text: str, indicator: str) -> set[str]:
    if text == "":
        return {"required-error"}
    if not INTEGER.fullmatch(text):
        return {"type-error"}
    value = int(text)
    found = set()
    if value < 0:
        found.add("minimum-error")
    if value > 12:
        found.add("maximum-error")
    if value != INDICATORS[indicator][3]:
        found.add("multiplier-mismatch")
    return found


def _span(text: str) -> tuple[str, dt.date, dt.date] | None:
    """(granularity, first day, last day) of one period, None if it is not a real one."""
    year = int(text[:4])
    try:
        if len(text) == 4:
            return "year", dt.date(year, 1, 1), dt.date(year, 12, 31)
        if text[5] == "Q":
            quarter = int(text[6])
            if not 1 <= quarter <= 4:
                return None
            first = dt.date(year, 3 * quarter - 2, 1)
            return "quarter", first, _month_end(year, 3 * quarter)
        if len(text) == 7:
            month = int(text[5:7])
            return "month", dt.date(year, month, 1), _month_end(year, month)
        day = dt.date(year, int(text[5:7]), int(text[8:10]))
        return "day", day, day
    except ValueError:
        return None


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def period_checks(text: str) -> set[str]:
    if text == "":
        return {"required-error"}
    parts = text.split("/")
    if len(parts) > 2 or not all(SINGLE.fullmatch(p) for p in parts):
        return {"period-format"}
    spans = [_span(p) for p in parts]
    found = set()
    if None in spans:
        found.add("period-invalid")
    elif len(spans) == 2:
        (g1, first1, _), (g2, first2, _) = spans
        if g1 != g2 or first1.year != first2.year or first1 > first2:
            found.add("period-invalid")
    if spans[-1] is not None and spans[-1][2] > PUBLISHED:
        found.add("period-after-source")  # the end is judged on its own
    return found


# --- strategies --------------------------------------------------------------------------------

numbers = st.one_of(
    st.integers(-300, 20000).map(str),
    st.decimals(min_value=-300, max_value=20000, places=2, allow_nan=False).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.sampled_from(["0", "1", "100", "-100", "1000", "1000.01", "-100.01", "100.5", "0.5"]),
)
bad_values = st.sampled_from(
    [
        "abc",
        "１２.６",
        "12,6",
        "inf",
        "-inf",
        "Infinity",
        "nan",
        "NaN",
        "INF",
        "-INF",
        "1 000",
        "12%",
        "",
        "1e3",
        ".5",
        "5.",
        "+7",
        "--1",
        "0x10",
        "1e400",
        "−5",
        "57.5亿",
    ]
)
values = st.one_of(numbers, bad_values)


def _pad(n: int, width: int = 2) -> str:
    return str(n).zfill(width)


years = st.integers(2020, 2026).map(str)
single_periods = st.one_of(
    years,
    st.builds(lambda y, q: f"{y}-Q{q}", years, st.integers(0, 5)),
    st.builds(lambda y, m: f"{y}-{_pad(m)}", years, st.integers(0, 13)),
    st.builds(
        lambda y, m, d: f"{y}-{_pad(m)}-{_pad(d)}", years, st.integers(0, 13), st.integers(0, 32)
    ),
)
periods = st.one_of(
    single_periods,
    st.builds(lambda a, b: f"{a}/{b}", single_periods, single_periods),
    st.builds(
        lambda y, a, b: f"{y}-{_pad(a)}/{y}-{_pad(b)}",
        years,
        st.integers(1, 12),
        st.integers(1, 12),
    ),
    st.builds(lambda y, a, b: f"{y}-Q{a}/{y}-Q{b}", years, st.integers(1, 4), st.integers(1, 4)),
    st.sampled_from(
        [
            "2024/12",
            "24",
            "2024-1",
            "2024-W01",
            "2024年",
            "",
            "2024-Q1/",
            "/2024",
            "2024-Q1/2024-Q2/2024-Q3",
            " 2024",
            "2024-12-04",
            "2024-Q1/2024-Q3",
        ]
    ),
)
multipliers = st.one_of(
    st.integers(-2, 14).map(str),
    st.sampled_from(["", "x", "1.5", "８", "+8", "08", "8", "0"]),
)


def _few_blanks(rows: list[tuple]) -> bool:
    """At most two blank cells per required column: three or more, in two runs below a value,
    can be an export of merged cells, which is reported as one cause (``merged-cell-blanks``,
    tests/test_causes.py), not as the planted ``required-error``s this oracle expects."""
    return all(sum(row[column] == "" for row in rows) < 3 for column in (1, 2, 3))


rows = st.lists(
    st.tuples(st.sampled_from(sorted(INDICATORS)), values, periods, multipliers, st.booleans()),
    min_size=1,
    max_size=10,
).filter(_few_blanks)


# --- the package -------------------------------------------------------------------------------


def write_model_package(folder: Path, observations: list[list[str] | None], crlf: bool) -> None:
    """The indicator model with the bundled schemas; ``None`` in ``observations``: a blank line."""
    bundled = bundled_package_path().parent
    shutil.copytree(bundled / "schemas", folder / "schemas")
    descriptor = json.loads((bundled / "datapackage.json").read_text(encoding="utf-8"))
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    data = folder / "data"
    data.mkdir()
    write_rows(
        data / "indicators.csv",
        [
            [
                "indicator_id",
                "name_zh",
                "name_en",
                "measure",
                "unit",
                "unit_multiplier",
                "topic",
                "description_en",
            ]
        ]
        + [
            [i, f"指标{i}", f"indicator {i}", m, u, str(k), "new", ""]
            for i, (m, u, _, k) in INDICATORS.items()
        ],
    )
    write_rows(
        data / "units.csv",
        [["unit", "name_zh", "name_en", "kind"]] + [[u, u, u, k] for u, k in UNITS.items()],
    )
    write_rows(
        data / "regions.csv",
        [
            ["region_code", "name_zh", "name_en", "level", "parent_code"],
            ["140000", "山西省", "Shanxi", "province", ""],
            ["140400", "长治市", "Changzhi", "prefecture", "140000"],
        ]
        + [
            [f"1404{n:02d}", f"区{n}", f"district {n}", "district", "140400"] for n in range(1, 100)
        ],
    )
    write_rows(
        data / "sources.csv",
        [
            ["source_id", "title_zh", "title_en", "publisher", "published", "path", "url"],
            [
                "src",
                "新闻发布会",
                "press release",
                "山西日报",
                PUBLISHED.isoformat(),
                "sources/src.txt",
                "",
            ],
        ],
    )
    (folder / "sources").mkdir()
    (folder / "sources" / "src.txt").write_text(f"开头。{QUOTE}。结尾。", encoding="utf-8")
    end = "\r\n" if crlf else "\n"
    lines = [",".join(HEAD)]
    for row in observations:
        lines.append("" if row is None else _csv_line(row))
    (data / "observations.csv").write_text(end.join(lines) + end, encoding="utf-8", newline="")


def _csv_line(cells: list[str]) -> str:
    quoted = [
        '"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\r\n') else c for c in cells
    ]
    return ",".join(quoted)


# --- the property ------------------------------------------------------------------------------


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rows=rows, crlf=st.booleans())
def test_planted_faults_are_reported_exactly_where_they_are(rows, crlf) -> None:
    observations: list[list[str] | None] = []
    expected: list[tuple] = []
    row_number = 1
    for n, (indicator, value, period, multiplier, blank_before) in enumerate(rows, start=1):
        if blank_before:
            observations.append(None)
            row_number += 1
            expected.append(("observations", row_number, None, "blank-row"))
        unit = INDICATORS[indicator][1]
        observations.append(
            [
                indicator,
                f"1404{n:02d}",
                period,
                value,
                unit,
                multiplier,
                "eq",
                "A",
                "src",
                QUOTE,
                "",
            ]
        )
        row_number += 1
        for field, checks in (
            ("period", period_checks(period)),
            ("value", value_checks(value, indicator)),
            ("unit_multiplier", multiplier_checks(multiplier, indicator)),
        ):
            expected += [("observations", row_number, field, c) for c in checks]
        if not value_checks(value, indicator) & {
            "required-error",
            "type-error",
            "value-not-finite",
        }:
            # QUOTE states no figure: a number it cannot confirm is a warning, on every such row
            expected.append(("observations", row_number, "value", "quote-figure-unclear"))

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_model_package(folder, observations, crlf)
        report = cz.validate(folder)  # never raises on bad data

    found = Counter(places(report))
    want = Counter(expected)
    assert found == want, f"missing {want - found}, unexpected {found - want}"
    assert report.counts == dict(Counter(c for *_, c in expected))
    warnings = ("growth-implausible", "quote-figure-unclear")
    assert report.valid is not any(c not in warnings for *_, c in expected)
    assert report.rows == len(INDICATORS) + len(UNITS) + 101 + 1 + len(rows)
    for problem in report.errors + report.warnings:
        assert problem.message and problem.severity == CHECKS[problem.check].severity
