"""Messages that say the fix (issue 14 item 2): for the entries statisticians typically type,
the finding names what to write instead, in the package's own vocabulary (value, unit,
unit_multiplier, comparator, period), in English and Chinese, in the text and the JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import set_cell

import changzhi_stats as cz
from changzhi_stats.cli import main
from changzhi_stats.report import fixes
from changzhi_stats.report.problems import make_problem

# (row, field, typed, check, fix): each row of the bundled observations gets one typical entry
TYPICAL = [
    (2, "value", "93%", "type-error", "value = 93, unit = percent"),
    (3, "value", "57.5亿", "type-error", "value = 57.5, unit_multiplier = 8"),
    (4, "value", "3000多", "type-error", "value = 3000, comparator = gt"),
    (5, "value", "94%以上", "type-error", "value = 94, unit = percent, comparator = ge"),
    (6, "value", "57.5亿元", "type-error", "value = 57.5, unit_multiplier = 8, unit = CNY"),
    (7, "value", "约1,200", "type-error", "value = 1200, comparator = approx"),
    (8, "value", "１７", "type-error", "value = 17"),
    (9, "period", "2024年前三季度", "period-format", "period = 2024-Q1/2024-Q3"),
    (10, "period", "2024/10/28", "period-format", "period = 2024-10-28"),
    (11, "period", "2024年1-9月", "period-format", "period = 2024-01/2024-09"),
    (12, "period", "2024年上半年", "period-format", "period = 2024-Q1/2024-Q2"),
    (13, "period", "2024年第三季度", "period-format", "period = 2024-Q3"),
    (14, "period", "2024年10月", "period-format", "period = 2024-10"),
    (15, "unit", "亿元", "pattern-error", "unit = CNY, unit_multiplier = 8"),
    (16, "unit", "%", "pattern-error", "unit = percent"),
    (17, "comparator", "以上", "enum-error", "comparator = ge"),
    (18, "comparator", "多", "enum-error", "comparator = gt"),
    (19, "comparator", "前三", "enum-error", "comparator = le"),
]


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from changzhi_stats.package.descriptor import bundled_package_path

    folder = tmp_path_factory.mktemp("typed") / "pkg"
    shutil.copytree(bundled_package_path().parent, folder)
    for row, field, value, _, _ in TYPICAL:
        set_cell(folder, "observations", row, field, value)
    return folder


@pytest.fixture(scope="module")
def report(typed: Path) -> cz.Report:
    return cz.validate(typed, lang="en")


@pytest.mark.parametrize(("row", "field", "value", "check", "fix"), TYPICAL)
def test_the_finding_names_what_to_write(report, row, field, value, check, fix) -> None:
    found = [
        p
        for p in report.errors
        if (p.resource, p.row, p.field, p.check) == ("observations", row, field, check)
    ]
    assert found, (row, field, check)
    assert found[0].value == value
    assert found[0].fix == f"write {fix}"
    zh = found[0].localized("zh")
    assert zh.fix == "应写为 " + fix.replace(", ", "，")


def test_the_fix_is_in_the_json_and_the_text_in_both_languages(typed: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["validate", str(typed), "--format", "json", "--lang", "en"])
    data = json.loads(out.stdout)
    by_place = {(p["row"], p["field"]): p for p in data["errors"]}
    assert by_place[(2, "value")]["fix"] == "write value = 93, unit = percent"
    assert all("fix" in p for p in data["errors"] + data["warnings"])
    data["stats"].pop("seconds")
    assert data == _api(typed, "en")
    text = runner.invoke(main, ["validate", str(typed), "--lang", "en"]).stdout
    assert "'57.5亿': '57.5亿' is not a valid number; write value = 57.5, unit_multiplier = 8" in (
        text
    )
    zh = runner.invoke(main, ["validate", str(typed), "--lang", "zh"]).stdout
    assert "应写为 period = 2024-Q1/2024-Q3" in zh
    assert "'93%' 不是有效的数值；应写为 value = 93，unit = percent" in zh


def _api(folder: Path, lang: str) -> dict:
    data = json.loads(json.dumps(cz.validate(folder, lang=lang).to_dict()))
    data["stats"].pop("seconds")
    return data


def test_no_fix_when_none_is_certain() -> None:
    assert fixes.suggest("type-error", "value", "abc", "number") is None
    assert fixes.suggest("type-error", "value", "2.5亿", "integer") is None
    assert fixes.suggest("type-error", "when", "2024-02-30", "date") is None
    assert fixes.suggest("period-format", "period", "last year") is None
    assert fixes.suggest("pattern-error", "unit", "吨") is None  # no code for it in units
    assert make_problem("required-error", field="value").fix is None


@pytest.mark.parametrize(
    ("check", "field", "value", "kind", "assign"),
    [
        ("type-error", "when", "2024/10/28", "date", "when = 2024-10-28"),
        ("type-error", "when", "2024年10月28日", "date", "when = 2024-10-28"),
        ("type-error", "count", "1,234", "integer", "count = 1234"),
        ("foreign-key", "unit", "万元", None, "unit = CNY, unit_multiplier = 4"),
        ("period-format", "period", "2024年", None, "period = 2024"),
        ("period-format", "period", "2024Q3", None, "period = 2024-Q3"),
        ("period-format", "period", "2024年前5个月", None, "period = 2024-01/2024-05"),
    ],
)
def test_the_fix_of_one_entry(check, field, value, kind, assign) -> None:
    assert fixes.suggest(check, field, value, kind) == ("write", {"assign": assign})


def test_the_chinese_fix_has_no_english_but_the_assignments() -> None:
    from test_chinese import english_words

    text = fixes.render("write", {"assign": "value = 93, unit = percent"}, "zh")
    assert english_words(re.sub(r"\w+ = \w+", " ", text)) == []
