"""``cz-stats init DIR --from observations.csv|.xlsx --region CODE``: a new city's package.

It writes the descriptor with the model's schemas (copied from the bundled ``schemas/``), the
observations as given, and the codelists the observations need: one row per indicator, unit and
source code the data uses, with the other columns left empty for the statistician to fill
(an indicator's unit and multiplier are taken from its observations), and the regions pre-filled
from the bundled GB/T 2260 table (the region, the regions above it and below it, and any other
region the data names). A README in the folder says what to fill in. Nothing is invented: what
the data does not say stays empty, so ``cz-stats validate`` points at every blank.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

from changzhi_stats.errors import CzStatsError
from changzhi_stats.package.descriptor import bundled_package_path, bundled_schemas_path
from changzhi_stats.package.paths import open_regular
from changzhi_stats.sources.xlsx import _text

XLSX_MEDIATYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TABLES = ("observations", "indicators", "regions", "units", "sources")  # observations first
TITLES = {
    "observations": "Observations",
    "indicators": "Indicators",
    "regions": "Regions",
    "units": "Units",
    "sources": "Sources",
}


class ScaffoldRefused(CzStatsError):
    """The folder exists and is not empty, or the observations cannot be read (exit 1)."""

    exit_code = 1


class ScaffoldFailed(CzStatsError):
    """The package could not be written (a read-only folder, a full disk): exit 2."""

    exit_code = 2


def init(folder: str | Path, observations: str | Path, region: str) -> Path:
    """Scaffold a package in ``folder`` (new or empty) from an observations CSV; returns the
    path of its ``datapackage.json``."""
    target = Path(folder)
    source = Path(observations)
    if not isinstance(region, str) or not re.fullmatch(r"[0-9]{6}", region):  # ASCII digits
        raise ScaffoldRefused(f"region {region!r} is not a 6-digit GB/T 2260 code (e.g. 140400)")
    try:
        taken = target.exists() and (not target.is_dir() or any(target.iterdir()))
    except OSError as exc:
        raise ScaffoldFailed(f"{target}: cannot look into it: {exc.strerror or exc}") from None
    if taken:
        raise ScaffoldRefused(f"{target} exists and is not empty; choose a new folder")
    workbook = source.suffix.lower() == ".xlsx"
    if source.suffix.lower() in (".xls", ".xlsm", ".ods"):
        raise ScaffoldRefused(f"{source}: save the sheet as .xlsx or CSV UTF-8")
    try:
        header, rows = _read_sheet(source) if workbook else _read(source)
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise ScaffoldRefused(f"{source}: cannot read the observations: {exc}") from None
    try:
        return _scaffold(target, source, region, workbook, header, rows)
    except OSError as exc:
        why = exc.strerror or str(exc)
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        raise ScaffoldFailed(f"{target}: cannot write the package: {why}{where}") from None


def _scaffold(
    target: Path, source: Path, region: str, workbook: bool, header: list, rows: list
) -> Path:
    observations_path = "data/observations.xlsx" if workbook else "data/observations.csv"
    schemas = {name: _schema(name) for name in TABLES}
    (target / "data").mkdir(parents=True, exist_ok=True)
    (target / "schemas").mkdir()
    (target / "sources").mkdir()
    for name in TABLES:
        shutil.copyfile(
            bundled_schemas_path() / f"{name}.json", target / "schemas" / f"{name}.json"
        )
    shutil.copyfile(source, target / observations_path)

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

    fields = {name: [f["name"] for f in schemas[name]["fields"]] for name in TABLES}
    indicators = [
        {
            "indicator_id": code,
            "unit": first("indicator_id", code, "unit"),
            "unit_multiplier": first("indicator_id", code, "unit_multiplier"),
        }
        for code in used("indicator_id")
    ]
    units = [{"unit": code} for code in used("unit")]
    sources = [{"source_id": code, "path": f"sources/{code}.txt"} for code in used("source_id")]
    _write(target / "data" / "indicators.csv", fields["indicators"], indicators)
    _write(target / "data" / "units.csv", fields["units"], units)
    _write(target / "data" / "sources.csv", fields["sources"], sources)
    _write(
        target / "data" / "regions.csv", fields["regions"], _regions(region, used("region_code"))
    )
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
            for name in TABLES
        ],
    }
    if workbook:  # the first sheet of the workbook, edited in Excel as it is
        first = descriptor["resources"][0]
        first.update(path=observations_path, format="xlsx", mediatype=XLSX_MEDIATYPE, sheet=1)
        first.pop("encoding")
    path = target / "datapackage.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    readme = _readme(region, observations_path, indicators, units, sources)
    (target / "README.md").write_text(readme, "utf-8")
    return path


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with open_regular(path, "r", encoding="utf-8-sig", newline="") as handle:
        records = list(csv.reader(handle))
    if not records:
        raise csv.Error("the file is empty")
    return records[0], records[1:]


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


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([row.get(name, "") for name in header] for row in rows)


def _regions(region: str, used: list[str]) -> list[dict]:
    """The region, its parents and children, and the regions the data uses, from the bundled
    GB/T 2260 table; a code the table lacks gets a row with the code alone."""
    table_path = bundled_package_path().parent / "data" / "regions.csv"
    with open(table_path, encoding="utf-8", newline="") as handle:
        known = {r["region_code"]: r for r in csv.DictReader(handle)}
    wanted = [region]
    code = region
    while code in known and known[code].get("parent_code"):
        code = known[code]["parent_code"]
        wanted.insert(0, code)
    wanted += [c for c, r in known.items() if r.get("parent_code") == region]
    wanted += used
    return [known.get(code, {"region_code": code}) for code in dict.fromkeys(wanted)]


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._")
    return slug or "statistics"


def _readme(region: str, observations: str, indicators: list, units: list, sources: list) -> str:
    return f"""# 统计数据包 · Statistics package (region {region})

由 `cz-stats init` 生成。观测值已复制到 `{observations}`；代码表已列出数据中用到的每个代码，
其余各列留空，请填写。填好后在本文件夹中运行
`cz-stats validate . --lang zh --format html -o report.html`（`.` 即本文件夹的数据包），
在浏览器中打开 report.html，逐个修正标出的单元格，直到校验通过，再运行
`cz-stats publish . --out ../releases`（发布到上一级的 releases 文件夹）。

Made by `cz-stats init`. The observations are in `{observations}`; the code lists name
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
3. `data/units.csv`（{len(units)} 个单位）: `name_zh`, `name_en`, `kind`
   (`ratio`, `currency`, `count`, `length`, `area`, …).
4. `data/sources.csv`（{len(sources)} 个来源）: `title_zh`, `publisher`, `published`
   (YYYY-MM-DD), and the source's full text saved as UTF-8 in the file named by `path`
   (`sources/<source_id>.txt`): every `source_quote` must be found in it verbatim.
5. `data/regions.csv`: pre-filled from the GB/T 2260 table shipped with cz-stats; a code it
   lacks has only its `region_code`: fill `name_zh`, `name_en`, `level`, `parent_code`.

The schemas in `schemas/` are the indicator model's; keep them as they are.
"""
