"""Spreadsheet cells are read as displayed (issue 13, item 3): a number as its number format
shows it, with a finding where the format hides digits; a date in a text field is a finding."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import changzhi_stats as cz
from changzhi_stats.sources.xlsx import _shown

openpyxl = pytest.importorskip("openpyxl")


def sheet_package(make_package, cells: list[tuple[object, str | None]], **field) -> Path:
    """A package of one sheet: ``period`` (text) and ``value`` (number) columns, one row per
    ``(value, number format)``; the period is 2024 unless the value is a date."""
    folder = make_package(
        {
            "t": {
                "path": "t.xlsx",
                "format": "xlsx",
                "fields": ["period", {"name": "value", "type": "number", **field}],
            }
        }
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["period", "value"])
    for number, (value, fmt) in enumerate(cells, 2):
        if isinstance(value, (dt.date, dt.datetime)):
            sheet.append([value, 1])
            target = sheet.cell(number, 1)
        else:
            sheet.append(["2024", value])
            target = sheet.cell(number, 2)
        if fmt:
            target.number_format = fmt
    book.save(folder / "t.xlsx")
    return folder


@pytest.mark.parametrize(
    ("value", "fmt", "read", "stored"),
    [
        (0.93, "0%", "93", None),  # a share shown as 93 %: the percent figure 93
        (0.063, "0.0%", "6.3", None),
        (0.935, "0%", "94", "93.5"),  # Excel rounds half away from zero
        (6.84, "0.0", "6.8", "6.84"),
        (6.8, "0.00", "6.80", None),
        (6.800000000000001, "General", "6.8", None),  # a float artifact
        (6.800000000000001, "0.0", "6.8", None),
        (1234.4, "#,##0", "1234", "1234.4"),  # the grouping comma is presentation
        (1234.5, "#,##0.0", "1234.5", None),
        (57, "0", "57", None),
        (-0.04, "0.0", "0.0", "-0.04"),
        (1.5e-07, "0.00E+00", "1.5e-07", None),  # a format not read: as General, no finding
        (0.93, '[Red]0%;"neg"', "93", None),
    ],
)
def test_a_number_is_read_as_its_format_shows_it(value, fmt, read, stored) -> None:
    assert _shown(value, fmt) == (read, stored)


def test_shown_values_are_checked_and_published(make_package, tmp_path: Path) -> None:
    folder = sheet_package(make_package, [(0.93, "0%"), (6.84, "0.0"), (6.800000000000001, None)])
    report = cz.validate(folder)
    assert [(p.row, p.field, p.check, p.value) for p in report.errors] == [
        (3, "value", "cell-format-rounds", "6.8")
    ]
    message = report.errors[0].message
    assert "6.84" in message and "6.8" in message and "'0.0'" in message and "t!B3" in message
    # once the cell holds what it shows, the shown figures are what is published
    book = openpyxl.load_workbook(folder / "t.xlsx")
    book.active["B3"] = 6.8
    book.save(folder / "t.xlsx")
    assert cz.validate(folder).valid
    cz.publish(folder, out=tmp_path / "releases", version="1.0.0")
    csv = (tmp_path / "releases" / "1.0.0" / "data" / "t.csv").read_text("utf-8")
    assert csv.splitlines() == ["period,value", "2024,93", "2024,6.8", "2024,6.8"]


def test_a_date_in_a_text_field_is_a_finding(make_package) -> None:
    folder = sheet_package(make_package, [(dt.datetime(2024, 9, 1), "mmm-yy"), (0.5, None)])
    report = cz.validate(folder)
    assert [(p.row, p.field, p.check, p.value) for p in report.errors] == [
        (2, "period", "date-cell-in-text", "2024-09-01")
    ]
    assert "2024-09" in report.errors[0].message and "Text" in report.errors[0].message
    zh = cz.validate(folder, lang="zh").errors[0].message
    assert "文本" in zh


def test_a_date_in_a_date_field_is_no_finding(make_package) -> None:
    folder = make_package(
        {"t": {"path": "t.xlsx", "format": "xlsx", "fields": ["day:date", "value:number"]}}
    )
    book = openpyxl.Workbook()
    book.active.append(["day", "value"])
    book.active.append([dt.datetime(2024, 9, 1), 1])
    book.save(folder / "t.xlsx")
    assert cz.validate(folder).valid
