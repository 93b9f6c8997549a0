"""The two pages people read, in real headless Chromium at 1366 px: the release page (summary,
search and filters, charts, ranks, changes by name, earlier versions) and the HTML report (names
beside codes, the quote, value and unit visible, a fix column, the summary by indicator).

Screenshots are kept in tests/screenshots/ (committed, small) to look at. A test run writes them
to its temporary folder; `CZ_KEEP_SCREENSHOTS=1 pytest tests/test_pages.py` refreshes the kept ones.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import browse as shared_browse
from conftest import read_rows, write_rows

import changzhi_stats as cz
from changzhi_stats.cli import main
from changzhi_stats.package.descriptor import bundled_package_path
from changzhi_stats.release import page as releasepage
from changzhi_stats.report.problems import Problem

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
WIDTH = 1366
OPTIONS = ("--hide-scrollbars", f"--window-size={WIDTH},900")

# measures the page as drawn: horizontal overflow, and whether CJK text got real glyphs
PROBE = """<script>
window.addEventListener("load", function () {
  var probe = document.createElement("pre");
  probe.id = "probe";
  var canvas = document.createElement("canvas").getContext("2d");
  canvas.font = "16px sans-serif";
  var cjk = canvas.measureText("统计数据").width;
  var box = canvas.measureText("\\u0378\\u0378\\u0378\\u0378").width;
  probe.textContent = JSON.stringify({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
    cjk: cjk, missing: box
  });
  document.body.appendChild(probe);
});
</script>"""


def browse(url: str, profile: Path, *extra: str) -> str:
    return shared_browse(url, profile, *extra, options=OPTIONS)


def probed(page: Path, tmp_path: Path, query: str = "") -> tuple[str, dict]:
    """The DOM of ``page`` (opened with ``?query``) and what the probe measured in it."""
    import json

    copy = tmp_path / f"probed-{page.name}"
    copy.write_text(page.read_text("utf-8").replace("</body>", PROBE + "</body>"), "utf-8")
    # the copy sits beside nothing: links are not followed, only the page is drawn
    dom = browse(copy.resolve().as_uri() + (f"?{query}" if query else ""), tmp_path / "p")
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom)
    assert found, "the probe did not run"
    return dom, json.loads(found.group(1).replace("&quot;", '"'))


def screenshot(page: Path, tmp_path: Path, name: str, query: str = "", height: int = 1400) -> Path:
    shot = tmp_path / "shot.png"
    url = page.resolve().as_uri() + (f"?{query}" if query else "")
    browse(url, tmp_path / "s", f"--screenshot={shot}", f"--window-size={WIDTH},{height}")
    assert shot.is_file() and shot.stat().st_size > 5000, "Chromium drew no screenshot"
    if not os.environ.get("CZ_KEEP_SCREENSHOTS"):
        return shot  # a test run never rewrites the committed pictures
    SCREENSHOTS.mkdir(exist_ok=True)
    kept = SCREENSHOTS / name
    shutil.copyfile(shot, kept)
    return kept


def visible(dom: str, kind: str) -> list[str]:
    """The ``data-indicator`` (or ``data-latest``) of the rows of ``kind`` not hidden."""
    attribute = "data-indicator" if kind == "obs" else "data-latest"
    tags = re.findall(rf'<tr class="{kind}"[^>]*>', dom)
    return [
        re.search(rf'{attribute}="([^"]+)"', tag).group(1) for tag in tags if " hidden" not in tag
    ]


# --- the release page ------------------------------------------------------------------------


SERIES = [  # new_energy_investment over four years, and one district's figure
    (
        "new_energy_investment",
        "140400",
        "2021-Q1/2021-Q3",
        "30",
        "2021年前三季度新能源产业投资完成30亿元",
    ),
    (
        "new_energy_investment",
        "140400",
        "2022-Q1/2022-Q3",
        "41.2",
        "2022年前三季度新能源产业投资完成41.2亿元",
    ),
    (
        "new_energy_investment",
        "140400",
        "2023-Q1/2023-Q3",
        "50",
        "2023年前三季度新能源产业投资完成50亿元",
    ),
    ("green_coal_mines", "140403", "2024-12-04", "4", "潞州区建成4座绿色开采煤矿"),
]


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.0.0 (the bundled package), then 1.1.0 with three earlier years and a district."""
    base = tmp_path_factory.mktemp("pages")
    package = base / "pkg"
    shutil.copytree(bundled_package_path().parent, package)
    out = base / "releases"
    cz.publish(package, out=out)
    path = package / "data" / "observations.csv"
    rows = read_rows(path)
    template = next(r for r in rows if r[0] == "new_energy_investment")
    counted = next(r for r in rows if r[0] == "green_coal_mines")
    source = next((package / "sources").iterdir())
    with open(source, "a", encoding="utf-8") as handle:
        for code, region, period, value, quote in SERIES:
            like = list(template if code == "new_energy_investment" else counted)
            like[1:4], like[9], like[10] = [region, period, value], quote, ""
            rows.append(like)
            handle.write(f"\n{quote}。\n")
    write_rows(path, rows)
    cz.publish(package, out=out, bump="auto")
    return out


def test_the_summary_has_the_latest_value_and_a_chart_per_long_series(releases: Path) -> None:
    page = (releases / "1.1.0" / "index.html").read_text("utf-8")
    summary = page.split('id="summary"', 1)[1].split("</table>", 1)[0]
    row = re.search(r'<tr class="latest" data-latest="new_energy_investment".*?</tr>', summary)
    assert row, "no summary row for new_energy_investment"
    assert "57.5亿元" in row.group(0) and "2024年前三季度" in row.group(0)  # the latest of four
    assert row.group(0).count("<circle") == 4 and "<svg" in row.group(0)
    # a series of one period has no chart; the city's figure is the latest, not the district's
    mines = re.search(r'<tr class="latest" data-latest="green_coal_mines".*?</tr>', summary)
    assert "<svg" not in mines.group(0) and "长治市" in mines.group(0)
    assert summary.count("<svg") == 1
    # names, not codes, and the rank written as people write it
    assert "新能源产业投资额" in row.group(0)
    assert ">前三</td>" in summary


def test_the_page_links_earlier_versions_and_stays_reproducible(
    releases: Path, tmp_path: Path
) -> None:
    newest = (releases / "1.1.0" / "index.html").read_text("utf-8")
    assert '<a href="../1.0.0/index.html">1.0.0</a>' in newest
    assert 'id="earlier"' not in (releases / "1.0.0" / "index.html").read_text("utf-8")
    again = tmp_path / "again"
    cz.publish(bundled_package_path(), out=again)
    assert (again / "1.0.0" / "index.html").read_bytes() == (
        releases / "1.0.0" / "index.html"
    ).read_bytes()


def test_the_release_page_filters_in_chromium(releases: Path, tmp_path: Path) -> None:
    page = releases / "1.1.0" / "index.html"
    dom, probe = probed(page, tmp_path)
    everything = visible(dom, "obs")
    assert len(everything) == 35 and '<b id="shown">35</b>' in dom
    assert probe["scroll"] <= probe["client"] == WIDTH, probe  # no horizontal scrolling
    # search: by words in Chinese, across name and region
    dom, _ = probed(page, tmp_path, "q=%E6%BD%9E%E5%B7%9E")  # 潞州
    assert visible(dom, "obs") == ["green_coal_mines"] and '<b id="shown">1</b>' in dom
    # filter by period (year), by region, by topic; the summary follows
    dom, _ = probed(page, tmp_path, "year=2022")
    assert visible(dom, "obs") == ["new_energy_investment"]
    dom, _ = probed(page, tmp_path, "region=140403")
    assert visible(dom, "obs") == ["green_coal_mines"]
    assert len(visible(dom, "latest")) == 31  # the latest values stay (by words and topic only)
    dom, _ = probed(page, tmp_path, "topic=green&q=%E6%8A%95%E8%B5%84")  # 投资
    shown = visible(dom, "obs")
    assert shown and set(shown) <= {"new_energy_investment", "new_energy_investment_growth"}
    assert set(visible(dom, "latest")) <= set(shown)
    dom, _ = probed(page, tmp_path, "q=nothing-at-all")
    assert visible(dom, "obs") == [] and '<p id="nothing">' in dom  # "nothing matches" shown
    screenshot(page, tmp_path, "release-page.png", height=1000)
    screenshot(
        page, tmp_path, "release-page-filtered.png", query="q=%E6%8A%95%E8%B5%84", height=1000
    )


def test_the_release_page_draws_chinese_text(releases: Path, tmp_path: Path) -> None:
    _, probe = probed(releases / "1.1.0" / "index.html", tmp_path)
    # four CJK characters drawn with a real font are wider than four missing-glyph boxes, or
    # at least not the same boxes
    assert probe["cjk"] > 0 and probe["cjk"] != probe["missing"], probe


def test_the_chart_is_plain_svg() -> None:
    drawn = releasepage.chart([("2021", 1.0), ("2022", 3.0), ("2023", 2.0)])
    assert drawn.startswith("<svg") and drawn.count("<circle") == 3
    assert "2022年 3" in drawn  # the values, in words, for a screen reader
    two = [{"period": "2023", "value": "1"}, {"period": "2024", "value": "2"}]
    assert releasepage._chart_of(two) == ""  # two periods: no chart
    assert releasepage._chart_of([*two, {"period": "2022", "value": "x"}]) == ""  # not numbers


def test_an_init_made_package_shows_topic_names_from_its_topics_table(tmp_path: Path) -> None:
    """Issue 14: a city's page names its topics from data/topics.csv, not codes alone."""
    from test_init import city_observations, fill, init

    city = tmp_path / "city"
    observations = city_observations(tmp_path, "140500")  # Jincheng
    assert init(str(city), "--from", str(observations), "--region", "140500").exit_code == 0
    topics = read_rows(city / "data" / "topics.csv")
    write_rows(city / "data" / "topics.csv", [*topics, ["coal", "煤炭", "Coal"]])
    fill(city, topic="coal")
    cz.publish(city, out=tmp_path / "releases")
    page = next((tmp_path / "releases").glob("*/index.html")).read_text("utf-8")
    assert '<h3 id="topic-coal">煤炭 <code>coal</code></h3>' in page
    assert '<option value="coal">煤炭 coal</option>' in page


# --- the HTML report -------------------------------------------------------------------------


@pytest.fixture
def broken(package_copy: Path) -> Path:
    """The bundled package with a share of 130 %, a month 13 and a value not in its quote."""
    path = package_copy / "data" / "observations.csv"
    rows = read_rows(path)
    header = rows[0]
    share = next(r for r in rows if r[0] == "coal_advanced_capacity_share")
    share[header.index("value")] = "130"
    rows[3][header.index("period")] = "2024-13"
    write_rows(path, rows)
    return package_copy


@dataclasses.dataclass(frozen=True)
class Hinted(Problem):
    """A problem with a fix text, as report/problems.py gives them (``hint``)."""

    hint: str | None = None


def test_the_report_names_indicators_and_lists_them(broken: Path) -> None:
    report = cz.validate(broken, lang="zh")
    page = cz.html_report(report)
    row = re.search(r'<tr id="r5-observations">(.*?)</tr>', page).group(1)
    # the indicator's name beside its code, the message, the fix column, every cell
    assert "煤炭行业先进产能占比" in row and "coal_advanced_capacity_share" in row
    assert "比重必须在 0 到 100 之间" in row
    assert "煤炭、焦化行业先进产能分别达到93%、94%以上" in row  # the quote
    by_indicator = page.split('id="by-indicator"', 1)[1].split("</table>", 1)[0]
    assert '<tr data-indicator="coal_advanced_capacity_share">' in by_indicator
    assert "煤炭行业先进产能占比" in by_indicator
    assert re.search(r'id="made">cz-stats \d+\.\d+\.\d+ · 校验时间 \d{4}-\d\d-\d\d', page)
    english = cz.html_report(cz.validate(broken, lang="en"))
    assert "Coal industry: share of advanced production capacity" in english


def test_the_report_shows_the_fix_a_problem_carries(broken: Path) -> None:
    report = cz.validate(broken, lang="zh")
    first = report.errors[0]
    fields = {f.name: getattr(first, f.name) for f in dataclasses.fields(Problem)}
    report.errors[0] = Hinted(**{**fields, "hint": "写成 93，单位 percent，比较符 ge"})
    page = cz.html_report(report)
    assert '<td class="fix">写成 93，单位 percent，比较符 ge</td>' in page
    assert ">修改建议</th>" in page
    assert ">fix</th>" in cz.html_report(report.localized("en"))


def test_a_valid_report_lists_the_tables_and_rows_checked() -> None:
    moment = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
    page = cz.html_report(cz.validate(bundled_package_path(), lang="zh"), now=moment)
    checked = page.split('id="checked"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"<tr><td>observations.*?<td>11</td><td>31</td></tr>", checked)
    assert "<td>regions" in checked and "data/indicators.csv" in checked
    assert 'id="clean">没有发现问题' in page
    assert "2026-12-01 09:30 UTC" in page
    # no empty tables or sections when there is nothing to list
    assert 'id="by-check"' not in page and 'id="errors"' not in page
    for table in re.findall(r"<table[^>]*>(.*?)</table>", page, re.S):
        assert table.count("<tr") > 1, table


def test_the_command_line_says_the_verdict_and_the_path(broken: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        main, ["validate", str(broken), "--format", "html", "-o", str(out), "--lang", "zh"]
    )
    assert result.exit_code == 1
    assert result.stdout.strip() == f"无效：3 个错误，0 个警告；报告已写入 {out}"
    english = CliRunner().invoke(
        main, ["validate", str(bundled_package_path()), "-o", str(out), "--lang", "en"]
    )
    assert english.exit_code == 0
    assert english.stdout.strip() == f"VALID: 0 error(s), 0 warning(s); report written to {out}"


def test_the_report_fits_1366_pixels_in_chromium(broken: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    CliRunner().invoke(
        main, ["validate", str(broken), "--format", "html", "-o", str(out), "--lang", "zh"]
    )
    dom, probe = probed(out, tmp_path)
    assert probe["scroll"] <= probe["client"] == WIDTH, probe  # the quote is in view, wrapped
    assert probe["cjk"] > 0 and probe["cjk"] != probe["missing"], probe
    assert '<span class="verdict invalid" id="verdict">无效</span>' in dom
    screenshot(out, tmp_path, "validation-report.png", height=1300)
    valid = tmp_path / "valid.html"
    CliRunner().invoke(
        main, ["validate", str(bundled_package_path()), "--format", "html", "-o", str(valid)]
    )
    _, probe = probed(valid, tmp_path)
    assert probe["scroll"] <= probe["client"], probe
    screenshot(valid, tmp_path, "validation-report-valid.png", height=700)
