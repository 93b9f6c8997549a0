"""One finding per cause (issue 14 item 3): a title row, a GB18030 file, data on another sheet,
merged-cell blanks and trailing empty rows and columns each give ONE finding, which says how to
fix it and how many findings it stands for; the counts stay exact.

The CSV package is ``tests/fixtures/one-finding-per-cause`` (its golden is checked by
``tests/test_golden.py``); the workbooks are made here with openpyxl, their golden is
``tests/golden/workbook-causes.json`` (regenerate with ``CZ_UPDATE_GOLDEN=1``)."""

from __future__ import annotations

import importlib
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_package
from test_golden import normalised

import changzhi_stats as cz
from changzhi_stats.cli import main
from changzhi_stats.report.catalogue import CAUSES

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "one-finding-per-cause"
UPDATE = os.environ.get("CZ_UPDATE_GOLDEN") == "1"
validate_module = importlib.import_module(
    "changzhi_stats.validate"
)  # the package exports validate()

EXPECTED = {
    "title-row": ("header-not-first-row", 3, None),
    "gbk": ("encoding-gb18030", None, None),
    "merged-cells": ("merged-cell-blanks", 3, "region"),
    "trailing-empty": ("trailing-empty", 12, None),
}


def _without_causes(folder: Path, monkeypatch: pytest.MonkeyPatch) -> cz.Report:
    """The report as it was before causes were gathered: every finding one by one."""
    with monkeypatch.context() as patch:
        patch.setattr(validate_module, "detect", lambda *args: [])
        return cz.validate(folder, max_errors=100_000)


def test_each_cause_is_one_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    report = cz.validate(FIXTURE)
    found = {p.resource: (p.check, p.row, p.field) for p in report.errors + report.warnings}
    assert found == EXPECTED
    assert report.counts == {code: 1 for code, *_ in EXPECTED.values()}
    assert report.error_count == 4 and not report.capped


def test_the_counts_stay_honest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each cause says how many findings it stands for: exactly those it replaced."""
    report = cz.validate(FIXTURE)
    before = _without_causes(FIXTURE, monkeypatch)
    per_resource = Counter(p.resource for p in before.errors + before.warnings)
    assert sum(before.counts.values()) == len(before.errors) + len(before.warnings) == 117
    hidden = {p.resource: p.params["hidden"] for p in report.errors}
    # gbk: only its encoding errors are gathered (the other checks still run, and pass)
    assert hidden == per_resource
    assert hidden["title-row"] == 7 and hidden["gbk"] == 60
    assert hidden["merged-cells"] == 42 and hidden["trailing-empty"] == 8
    for problem in report.errors:
        assert f"{problem.params['hidden']} " in problem.message


def test_the_messages_say_how_to_fix_in_both_languages() -> None:
    report = cz.validate(FIXTURE)
    text = {p.check: p.message for p in report.errors}
    assert "delete the rows above the header so that it is row 1" in text["header-not-first-row"]
    assert 'declare "encoding": "gb18030"' in text["encoding-gb18030"]
    assert "or save the file as UTF-8" in text["encoding-gb18030"]
    assert "fill each blank with the value above it" in text["merged-cell-blanks"]
    assert "5 empty row(s) and 3 empty column(s)" in text["trailing-empty"]
    zh = {p.check: p.message for p in cz.validate(FIXTURE, lang="zh").errors}
    assert "表头在第 3 行，上面有 2 行标题" in zh["header-not-first-row"]
    assert '`"encoding": "gb18030"`' in zh["encoding-gb18030"]
    assert "同一原因的 42 条问题未列出" in zh["merged-cell-blanks"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_cli_json_is_the_api(lang: str) -> None:
    out = CliRunner().invoke(main, ["validate", str(FIXTURE), "--format", "json", "--lang", lang])
    assert out.exit_code == 1
    cli = json.loads(out.stdout)
    api = json.loads(json.dumps(cz.validate(FIXTURE, lang=lang).to_dict()))
    cli["stats"].pop("seconds")
    api["stats"].pop("seconds")
    assert cli == api


def test_the_text_report_lists_one_line_per_cause() -> None:
    out = CliRunner().invoke(main, ["validate", str(FIXTURE), "--lang", "en"])
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 5  # four causes and the tally
    assert lines[-1].endswith(
        "(encoding-gb18030 1, header-not-first-row 1, merged-cell-blanks 1, trailing-empty 1)"
    )


# --- workbooks, made here ------------------------------------------------------------------

FIELDS = [
    {"name": "region", "constraints": {"required": True}},
    {"name": "year", "type": "integer", "constraints": {"required": True}},
    {"name": "gdp", "type": "number"},
]


def _workbook(folder: Path, name: str, sheets: dict[str, list[list]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(folder / name)


DATA = [["region", "year", "gdp"]] + [[f"r{i}", 2000 + i, i + 0.5] for i in range(30)]


@pytest.fixture
def workbooks(tmp_path: Path) -> Path:
    folder = tmp_path / "books"
    resources = {
        name: {"path": f"{name}.xlsx", "format": "xlsx", "fields": FIELDS}
        for name in ("other-sheet", "title-on-sheet", "merged-on-sheet")
    }
    write_package(folder, resources)
    notes = [["本表为长治市主要经济指标，数据见“数据”表"], ["填表说明：单位为亿元"]]
    _workbook(folder, "other-sheet.xlsx", {"说明": notes, "数据": DATA, "附注": [["无"]]})
    titled = [["长治市主要经济指标"], [], *DATA]
    _workbook(folder, "title-on-sheet.xlsx", {"Sheet1": titled})
    merged = [DATA[0]] + [[("长治市" if i % 10 == 0 else None), 2000 + i, i] for i in range(30)]
    _workbook(folder, "merged-on-sheet.xlsx", {"Sheet1": merged})
    return folder


def test_workbook_causes_match_their_golden(workbooks: Path, monkeypatch) -> None:
    report = cz.validate(workbooks)
    found = {p.resource: (p.check, p.row, p.field) for p in report.errors}
    assert found == {
        "other-sheet": ("data-on-other-sheet", None, None),
        "title-on-sheet": ("header-not-first-row", 3, None),
        "merged-on-sheet": ("merged-cell-blanks", 3, "region"),
    }
    other = next(p for p in report.errors if p.check == "data-on-other-sheet")
    assert "sheet '说明' does not hold the schema's header, sheet '数据' does" in other.message
    assert "(sheets: 说明, 数据, 附注)" in other.message
    assert 'declare "sheet": "数据" in the resource' in other.message
    before = _without_causes(workbooks, monkeypatch)
    per_resource = Counter(p.resource for p in before.errors + before.warnings)
    assert {p.resource: p.params["hidden"] for p in report.errors} == per_resource
    actual = normalised(report, workbooks)
    golden = HERE / "golden" / "workbook-causes.json"
    if UPDATE:
        golden.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", "utf-8")
    assert actual == json.loads(golden.read_text(encoding="utf-8"))


def test_declaring_the_sheet_reads_it(workbooks: Path) -> None:
    descriptor = workbooks / "datapackage.json"
    data = json.loads(descriptor.read_text(encoding="utf-8"))
    data["resources"] = [r for r in data["resources"] if r["name"] == "other-sheet"]
    data["resources"][0]["sheet"] = "数据"
    descriptor.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert cz.validate(workbooks).valid


# --- what is not a cause -------------------------------------------------------------------


def test_a_blank_here_and_there_is_not_merged_cells(tmp_path: Path) -> None:
    rows = "".join(f"r{i},{2000 + i},1\n" for i in range(20))
    text = "region,year,gdp\n" + rows.replace("r5,", ",", 1).replace("r9,", ",", 1)
    folder = write_package(tmp_path / "p", {"t": {"fields": FIELDS, "data": text}})
    report = cz.validate(folder)
    assert report.counts == {"required-error": 2}


def test_a_column_still_to_fill_is_not_merged_cells(tmp_path: Path) -> None:
    """One value and blanks below it (a code list `cz-stats init` wrote): each blank is listed."""
    rows = "".join(f"{'r' if i == 0 else ''},{2000 + i},1\n" for i in range(20))
    folder = write_package(
        tmp_path / "p", {"t": {"fields": FIELDS, "data": "region,year,gdp\n" + rows}}
    )
    assert cz.validate(folder).counts == {"required-error": 19}


def test_blanks_among_repeated_values_are_not_merged_cells(tmp_path: Path) -> None:
    """A column that holds one value row after row (a multiplier of 8 all the way down) with a
    few cells forgotten: an export of merged ranges would have merged those equal neighbours,
    so each blank is a missing value of its own (found by the planted-faults property test)."""
    regions = ["r", "r", "r", "", "", "r", "", "r", "r", "r"]
    rows = "".join(f"{r},{2000 + i},1\n" for i, r in enumerate(regions))
    folder = write_package(
        tmp_path / "p", {"t": {"fields": FIELDS, "data": "region,year,gdp\n" + rows}}
    )
    assert cz.validate(folder).counts == {"required-error": 3}


def test_one_trailing_blank_row_stays_a_blank_row(tmp_path: Path) -> None:
    folder = write_package(
        tmp_path / "p", {"t": {"fields": FIELDS, "data": "region,year,gdp\nr,2000,1\n,,\n"}}
    )
    assert cz.validate(folder).counts == {"blank-row": 1}


def test_a_header_that_is_wrong_is_not_a_title_row(tmp_path: Path) -> None:
    text = "area,when,gdp\nr1,2000,1\nr2,2001,2\n"
    folder = write_package(tmp_path / "p", {"t": {"fields": FIELDS, "data": text}})
    assert set(cz.validate(folder).counts) == {"incorrect-label"}


def test_a_file_that_is_not_gb18030_keeps_its_encoding_errors(tmp_path: Path) -> None:
    folder = write_package(tmp_path / "p", {"t": {"fields": ["a"], "data": b"a\n\xff\xff\xff\n"}})
    assert cz.validate(folder).counts == {"encoding-error": 1}


def test_causes_are_declared_as_checks() -> None:
    from changzhi_stats.report.catalogue import CHECKS

    assert CAUSES <= set(CHECKS)
