"""The statistician's experience: messages in zh and en, the HTML report (in a real browser)."""

from __future__ import annotations

import html
import json
import re
import shutil
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import browse, chromium, observation_row, read_rows, set_cell, write_rows

import changzhi_stats as cz
from changzhi_stats.cli import main
from changzhi_stats.package.descriptor import bundled_package_path
from changzhi_stats.release import page as releasepage
from changzhi_stats.report import i18n
from changzhi_stats.report.catalogue import CHECKS

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# --- bilingual messages ----------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(CHECKS))
def test_every_check_has_a_title_and_template_in_both_languages(code: str) -> None:
    spec = CHECKS[code]
    assert spec.title.strip() and spec.template.strip(), f"{code}: no English title or template"
    assert code in i18n.ZH, f"{code}: no zh-CN title and template in changzhi_stats.report.i18n.ZH"
    title, template = i18n.ZH[code]
    assert title.strip() and template.strip(), f"{code}: empty zh-CN title or template"
    assert placeholders(template) == placeholders(spec.template), code
    params = {name: "x" for name in placeholders(template)}
    assert i18n.render(code, params, "zh")  # it formats


def test_no_translation_for_a_code_that_does_not_exist() -> None:
    assert set(i18n.ZH) <= set(CHECKS)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.GB18030"}, "zh"),
        ({"LANG": "C"}, "en"),
    ],
)
def test_the_default_language_follows_the_locale(environ: dict, expected: str) -> None:
    assert i18n.resolve(None, environ) == expected


def test_an_explicit_language_wins_and_an_unknown_one_is_refused() -> None:
    assert i18n.resolve("zh", {"LANG": "en_US.UTF-8"}) == "zh"
    assert i18n.resolve("en", {"LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.resolve("zh-CN") == "zh"
    with pytest.raises(ValueError):
        i18n.resolve("fr")


@pytest.fixture
def broken(package_copy: Path) -> Path:
    """The bundled package with a share of 130 % and a month 13."""
    set_cell(
        package_copy, "observations", observation_row(package_copy, measure="share"), "value", "130"
    )
    set_cell(package_copy, "observations", 3, "period", "2024-13")
    return package_copy


def test_validate_in_chinese_keeps_codes_places_and_shape(broken: Path) -> None:
    english = cz.validate(broken, lang="en").to_dict()
    chinese = cz.validate(broken, lang="zh").to_dict()
    assert chinese.keys() == english.keys()
    for en, zh in zip(english["errors"], chinese["errors"], strict=True):
        assert zh.keys() == en.keys()
        assert {k: v for k, v in zh.items() if k != "message"} == {
            k: v for k, v in en.items() if k != "message"
        }
    messages = {p["check"]: p["message"] for p in chinese["errors"]}
    assert messages["share-range"] == "比重必须在 0 到 100 之间"
    assert messages["period-invalid"].startswith("时期无效：")
    assert {p["check"]: p["message"] for p in english["errors"]}["share-range"] == (
        "share must be within 0..100"
    )


def test_the_text_report_in_chinese(broken: Path) -> None:
    text = cz.validate(broken, lang="zh").to_text()
    assert "错误：observations，第 3 行，字段 'period'：值 '2024-13'：时期无效" in text
    assert text.splitlines()[-1].split("：")[1] == "无效"


def test_cli_lang_option_and_locale_default(broken: Path) -> None:
    runner = CliRunner()
    chosen = runner.invoke(main, ["validate", str(broken), "--format", "json", "--lang", "zh"])
    assert chosen.exit_code == 1
    assert "比重必须在 0 到 100 之间" in {p["message"] for p in json.loads(chosen.stdout)["errors"]}
    by_locale = runner.invoke(
        main, ["validate", str(broken), "--format", "json"], env={"LANG": "zh_CN.UTF-8"}
    )
    assert json.loads(by_locale.stdout) | {"stats": None} == json.loads(chosen.stdout) | {
        "stats": None
    }
    english = runner.invoke(
        main, ["validate", str(broken), "--lang", "en"], env={"LANG": "zh_CN.UTF-8"}
    )
    assert "share must be within 0..100" in english.stdout


# --- the HTML report -------------------------------------------------------------------------


def test_html_report_is_self_contained_and_marks_the_bad_cells(broken: Path) -> None:
    report = cz.validate(broken, lang="en")
    page = cz.html_report(report)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script|https?://|<link", page), "the page must need no network or JS"
    assert '<td class="bad" data-check="share-range"' in page
    assert ">130</td>" in page and ">2024-13</td>" in page
    assert "share must be within 0..100" in page
    # the whole offending row is read back from the file: its verbatim quote is there too
    row = observation_row(broken, measure="share")
    quote = read_rows(broken / "data" / "observations.csv")[row - 1][-2:]
    assert any(html.escape(cell) in page for cell in quote if cell)


def test_html_report_from_the_command_line(broken: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        main, ["validate", str(broken), "--format", "html", "-o", str(out), "--lang", "zh"]
    )
    assert result.exit_code == 1
    assert result.stdout.startswith("无效：") and str(out) in result.stdout  # the verdict, the path
    page = out.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "比重必须在 0 到 100 之间" in page


def test_html_report_of_a_valid_package_and_warnings_apart(make_package) -> None:
    folder = make_package(
        {"t": {"fields": ["name", "n:integer"], "data": [["name", "n"], ["=1+1", "x"]]}}
    )
    page = cz.html_report(cz.validate(folder, lang="en"))
    errors, warnings = page.split('<section class="warnings"', 1)
    assert 'data-check="type-error"' in errors and 'data-check="formula-injection"' not in errors
    assert '<td class="warn" data-check="formula-injection"' in warnings
    valid = cz.html_report(cz.validate(make_package({"t": {"data": [["a"], ["1"]]}})))
    assert 'class="verdict valid"' in valid


# --- in a real browser -----------------------------------------------------------------------


def screenshot(page: Path, tmp_path: Path, name: str) -> Path:
    """Keep a screenshot of ``page`` (in tests/artifacts/, ignored by git) and return it."""
    shot = tmp_path / "shot.png"
    browse(page, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1200,900")
    assert shot.is_file() and shot.stat().st_size > 5000, "Chromium drew no screenshot"
    ARTIFACTS.mkdir(exist_ok=True)
    kept = ARTIFACTS / name
    shutil.copyfile(shot, kept)
    return kept


def test_html_report_renders_in_chromium(broken: Path, tmp_path: Path) -> None:
    chromium()
    out = tmp_path / "report.html"
    CliRunner().invoke(
        main, ["validate", str(broken), "--format", "html", "-o", str(out), "--lang", "zh"]
    )
    dom = browse(out, tmp_path / "profile")
    assert re.search(r'<span class="verdict invalid" id="verdict">无效</span>', dom)
    bad = re.findall(r'<td class="bad" data-check="([^"]+)" title="([^"]*)">([^<]*)</td>', dom)
    assert ("share-range", "比重必须在 0 到 100 之间", "130") in bad
    assert any(check == "period-invalid" and value == "2024-13" for check, _, value in bad)
    row = re.search(r'<tr id="r5-observations">(.*?)</tr>', dom).group(1)
    assert "比重必须在 0 到 100 之间" in row  # the message beside the row
    assert "coal_advanced_capacity_share" in row or row.count("<td") > 8  # every cell shown
    screenshot(out, tmp_path, "validation-report.png")


# --- the release page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "multiplier", "comparator", "expected"),
    [
        ("57.5", "CNY", "8", "eq", "57.5亿元"),
        ("1000", "CNY", "4", "eq", "1000万元"),
        ("93", "percent", "0", "ge", "93%以上"),
        ("3000", "count", "0", "gt", "超过3000辆"),
        ("3", "rank", "0", "le", "前三"),
        ("4", "rank", "0", "lt", "前三"),
        ("2", "rank", "0", "eq", "第2位"),
        ("20", "rank", "0", "le", "前20位"),
        ("0.6", "mm", "0", "approx", "约0.6毫米"),
        ("5", "percent", "0", "lt", "不到5%"),
        ("3", "percent", "0", "le", "不超过3%"),
        ("5", "widgets", "5", "lt", "不到5×10^5 widgets"),
    ],
)
def test_figures_read_as_a_person_reads_them(value, unit, multiplier, comparator, expected) -> None:
    units = {"CNY": {"name_zh": "元"}, "count": {"name_zh": "辆"}, "rank": {"name_zh": "位"}}
    units["mm"] = {"name_zh": "毫米"}
    assert releasepage.figure(value, unit, multiplier, comparator, units) == expected


def test_a_rank_is_written_as_a_place_and_the_sign_form_stays_for_the_tooltip() -> None:
    units = {"count": {"name_zh": "个"}}
    assert releasepage.figure("2", "count", "0", "eq", units, rank=True) == "第2位"
    assert releasepage.figure("3", "count", "0", "le", units, rank=True) == "前三"
    assert releasepage.figure("93", "percent", "0", "ge", {}, signs=True) == "≥93%"


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2024", "2024年"),
        ("2024-Q2", "2024年第二季度"),
        ("2024-09", "2024年9月"),
        ("2024-12-04", "2024年12月4日"),
        ("2024-Q1/2024-Q3", "2024年前三季度"),
        ("2024-Q2/2024-Q3", "2024年第2—3季度"),
        ("2024-01/2024-09", "2024年1—9月"),
        ("oops", "oops"),
    ],
)
def test_periods_read_as_a_person_reads_them(period: str, expected: str) -> None:
    assert releasepage.period_text(period) == expected


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Releases 1.0.0 (the bundled package) and 1.1.0 (one value revised)."""
    base = tmp_path_factory.mktemp("releases")
    package = base / "pkg"
    shutil.copytree(bundled_package_path().parent, package)
    out = base / "releases"
    cz.publish(package, out=out)
    rows = read_rows(package / "data" / "observations.csv")
    row = next(i for i, r in enumerate(rows) if r[0] == "green_coal_mines")
    # a revised figure is stated by its source (else value-not-in-quote refuses it)
    old, quote = rows[row][3], rows[row][9]
    revised = quote.replace(old, "23")
    assert revised != quote
    source_text = next((package / "sources").iterdir())
    with open(source_text, "a", encoding="utf-8") as handle:
        handle.write(f"\n{revised}。\n")
    set_cell(package, "observations", row + 1, "value", "23")
    set_cell(package, "observations", row + 1, "source_quote", revised)
    cz.publish(package, out=out, bump="auto")
    return out


def test_every_release_has_a_page_listed_in_sha256sums(two_releases: Path) -> None:
    for version in ("1.0.0", "1.1.0"):
        folder = two_releases / version
        page = (folder / "index.html").read_text(encoding="utf-8")
        listed = (folder / "SHA256SUMS").read_text(encoding="utf-8")
        assert "  index.html\n" in listed
        assert f'<strong id="version">{version}</strong>' in page
        # plain inline JS and CSS only: nothing fetched, so it works offline from file://
        assert not re.search(r"<script[^>]*src|<link|https?://[^\"<]*\.(css|js)", page)
        assert cz.verify(folder).intact


def test_the_page_is_byte_reproducible(two_releases: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    cz.publish(bundled_package_path(), out=again)
    first = (two_releases / "1.0.0" / "index.html").read_bytes()
    assert (again / "1.0.0" / "index.html").read_bytes() == first


def test_the_release_page_renders_in_chromium(two_releases: Path, tmp_path: Path) -> None:
    chromium()
    folder = two_releases / "1.1.0"
    page = folder / "index.html"
    dom = browse(page, tmp_path / "profile")
    assert '<strong id="version">1.1.0</strong>' in dom
    assert '<time id="date">2024-12-04</time>' in dom
    figures = dict(
        re.findall(
            r'<tr class="obs" data-indicator="([^"]+)".*?<td class="figure"[^>]*>([^<]+)</td>', dom
        )
    )
    assert figures["new_energy_investment"] == "57.5亿元"
    assert figures["coal_advanced_capacity_share"] == "93%以上"
    assert figures["new_energy_heavy_trucks"] == "超过3000个"
    assert figures["green_coal_mines"] == "23个"
    assert figures["led_chain_leader_national_rank"] == "前三"  # not ≤3个
    assert "2024年前三季度" in dom
    # every download link with the file's real sha256
    sums = dict(
        reversed(line.split("  ", 1))
        for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    )
    links = re.findall(
        r'<a href="([^"]+)">[^<]+</a></td><td>[^<]*</td><td>[^<]*</td>'
        r'<td class="sha">([0-9a-f]{64})</td>',
        dom,
    )
    assert {"datapackage.json", "data/observations.csv", "data/observations.parquet"} <= {
        name for name, _ in links
    }
    for name, digest in links:
        assert sums[name] == digest, name
    # the changes since 1.0.0
    changes = dom.split('id="changes"', 1)[1]
    assert "1.0.0" in changes and "22个 → 23个" in changes
    assert "绿色开采煤矿数量（个） · 长治市 · 2024年12月4日" in changes  # names, not codes
    assert '<a href="../1.0.0/index.html">1.0.0</a>' in dom.split('id="earlier"', 1)[1]
    first = browse(two_releases / "1.0.0" / "index.html", tmp_path / "profile1")
    assert "首次发布" in first.split('id="changes"', 1)[1]
    screenshot(page, tmp_path, "release-page.png")


# --- a new city in one command ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_init_scaffolds_a_package_that_validates_once_filled(tmp_path: Path, suffix: str) -> None:
    bundled = bundled_package_path().parent
    observations = bundled / "data" / "observations.csv"
    if suffix == "xlsx":  # the same observations, as a workbook typed into Excel
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.Workbook()
        rows = read_rows(observations)
        for number, row in enumerate(rows):
            book.active.append(
                [
                    as_number(c) if number and rows[0][i] == "value" else c or None
                    for i, c in enumerate(row)
                ]
            )
        observations = tmp_path / "observations.xlsx"
        book.save(observations)
    city = tmp_path / "new-city"
    result = CliRunner().invoke(
        main, ["init", str(city), "--from", str(observations), "--region", "140400"]
    )
    assert result.exit_code == 0, result.output
    copied = city / "data" / f"observations.{suffix}"
    assert copied.read_bytes() == observations.read_bytes()
    for name in ("observations", "regions", "units", "sources"):  # indicators: topics.csv
        assert (city / "schemas" / f"{name}.json").read_bytes() == (
            bundled / "schemas" / f"{name}.json"
        ).read_bytes()
    readme = (city / "README.md").read_text(encoding="utf-8")
    assert "data/indicators.csv" in readme and "name_zh" in readme and "licenses" in readme
    # the code lists name every code the data uses, the rest is blank
    indicators = read_rows(city / "data" / "indicators.csv")
    assert indicators[0] == read_rows(bundled / "data" / "indicators.csv")[0]
    used = {r[0] for r in read_rows(bundled / "data" / "observations.csv")[1:]}
    assert {r[0] for r in indicators[1:]} == used
    assert all(r[1] == "" and r[2] == "" for r in indicators[1:])
    regions = {r[0]: r for r in read_rows(city / "data" / "regions.csv")[1:]}
    assert regions["140400"][1] == "长治市" and "140000" in regions
    # unfilled, it is invalid, and the report points at the blanks
    before = cz.validate(city, lang="en")
    assert not before.valid and before.counts["required-error"] > 0

    # the statistician fills the blanks (here from the bundled package) ...
    for name in ("indicators", "units", "sources"):
        known = {r[0]: r for r in read_rows(bundled / "data" / f"{name}.csv")[1:]}
        rows = read_rows(city / "data" / f"{name}.csv")
        head = rows[0]
        for row in rows[1:]:
            for i, cell in enumerate(row):
                if cell == "" and head[i] != "path":
                    row[i] = known[row[0]][i]
        write_rows(city / "data" / f"{name}.csv", rows)
    # the city's topics: here Changzhi's release themes (livelihood is in the starter list)
    topics = read_rows(city / "data" / "topics.csv")
    for code in ("new", "chain", "green", "smart"):
        topics.append([code, code, code])
    write_rows(city / "data" / "topics.csv", topics)
    # the text of each source goes where the scaffolded `path` says
    stored = {r[0]: r[5] for r in read_rows(bundled / "data" / "sources.csv")[1:]}
    for row in read_rows(city / "data" / "sources.csv")[1:]:
        assert row[5] == f"sources/{row[0]}.txt"
        shutil.copyfile(bundled / stored[row[0]], city / row[5])
    descriptor = json.loads((city / "datapackage.json").read_text(encoding="utf-8"))
    descriptor.update(
        title="New city", title_zh="新城市", licenses=[{"name": "CC-BY-4.0", "title": "CC BY 4.0"}]
    )
    (city / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    # ... and it validates
    after = cz.validate(city, lang="en")
    assert after.valid, after.to_text()


def test_init_refuses_a_folder_that_is_not_empty_and_a_bad_region(tmp_path: Path) -> None:
    observations = str(bundled_package_path().parent / "data" / "observations.csv")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    runner = CliRunner()
    refused = runner.invoke(
        main, ["init", str(tmp_path / "full"), "--from", observations, "--region", "140400"]
    )
    assert refused.exit_code == 1 and "not empty" in refused.output
    bad = runner.invoke(
        main, ["init", str(tmp_path / "new"), "--from", observations, "--region", "Changzhi"]
    )
    assert bad.exit_code == 1 and "GB/T 2260" in bad.output
    assert not (tmp_path / "new").exists()


# --- Excel workbooks -------------------------------------------------------------------------

XLSX_MEDIATYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def as_number(text: str) -> object:
    """What Excel would hold for a cell typed in: a number where it reads as one."""
    try:
        return int(text) if re.fullmatch(r"-?\d+", text) and len(text) < 6 else float(text)
    except ValueError:
        return text


def workbook_package(package: Path, sheet: object = "obs") -> Path:
    """``package`` with its observations moved into a workbook (a decoy sheet comes first)."""
    openpyxl = pytest.importorskip("openpyxl")
    rows = read_rows(package / "data" / "observations.csv")
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active["A1"] = "这张表不是数据"
    data = book.create_sheet("obs")
    numeric = {"value", "unit_multiplier"}
    for number, row in enumerate(rows):
        data.append(
            [
                as_number(c) if number and rows[0][i] in numeric and c else c or None
                for i, c in enumerate(row)
            ]
        )
    book.save(package / "data" / "observations.xlsx")
    (package / "data" / "observations.csv").unlink()
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    resource = descriptor["resources"][0]
    assert resource["name"] == "observations"
    resource.update(path="data/observations.xlsx", format="xlsx", mediatype=XLSX_MEDIATYPE)
    resource.pop("encoding", None)
    resource["sheet"] = sheet
    (package / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    return package


def test_a_workbook_sheet_validates_and_publishes_like_the_csv(package_copy: Path, tmp_path):
    from_csv = cz.publish(bundled_package_path(), out=tmp_path / "csv")
    workbook = workbook_package(package_copy)
    report = cz.validate(workbook, lang="en")
    assert report.valid, report.to_text()
    assert report.rows == cz.validate(bundled_package_path()).rows
    release = cz.publish(workbook, out=tmp_path / "xlsx")
    for name in ("data/observations.csv", "data/observations.parquet"):
        assert (release.path / name).is_file()
    assert (release.path / "data/observations.csv").read_bytes() == (
        from_csv.path / "data/observations.csv"
    ).read_bytes()
    assert cz.verify(release.path).intact
    # the sheet can be named by its 1-based index too
    descriptor = json.loads((workbook / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0]["sheet"] = 2
    (workbook / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    assert cz.validate(workbook).valid


def test_problems_in_a_sheet_are_located_as_excel_cells(package_copy: Path) -> None:
    row = observation_row(package_copy, measure="share")
    set_cell(package_copy, "observations", row, "value", "130")
    set_cell(package_copy, "observations", 3, "period", "2024-13")
    workbook = workbook_package(package_copy)
    report = cz.validate(workbook, lang="en")
    found = {(p.check, p.row, p.field): p.message for p in report.errors}
    assert found[("share-range", row, "value")] == f"obs!D{row}: share must be within 0..100"
    assert found[("period-invalid", 3, "period")].startswith("obs!C3: ")
    zh = cz.validate(workbook, lang="zh")
    assert f"obs!D{row}: 比重必须在 0 到 100 之间" in {p.message for p in zh.errors}
    page = cz.html_report(report)  # the rows are read back from the sheet too
    assert '<td class="bad" data-check="share-range"' in page and ">130</td>" in page


def test_a_missing_sheet_or_a_broken_workbook_is_a_source_error(package_copy: Path) -> None:
    workbook = workbook_package(package_copy, sheet="nope")
    report = cz.validate(workbook, lang="en")
    assert [p.check for p in report.errors if p.resource == "observations"] == ["source-error"]
    assert "sheet 'nope' does not exist" in report.errors[0].message
    (workbook / "data" / "observations.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    report = cz.validate(workbook, lang="en")
    assert "source-error" in report.counts
