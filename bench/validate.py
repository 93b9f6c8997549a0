"""Benchmark ``cz-stats validate`` and ``cz-stats publish`` on a generated long indicator table.

A seeded, vectorised generator writes a valid package in this project's model (observations plus
the indicators, regions, units and sources tables their foreign keys need, with the bundled Table
Schemas). Whole processes are then timed on that package, each measured for wall seconds and peak
RSS: ``cz-stats validate``, ``frictionless validate``, a plain ``pyarrow.csv.read_csv``,
``cz-stats publish`` and a plain pyarrow write of the same files. With ``--faults N`` a second
copy of the package gets N planted faults and the report of ``cz-stats validate`` on it is
compared with what was planted.

    python bench/validate.py --rows 5000000
    python bench/validate.py --rows 1000 --json results.json     # smoke test, seconds
    python bench/validate.py --small 10      # the bundled 40-row package: start-up, CPU ratio

Absolute times depend on the machine; the ratios between the tools are the claim.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
REGIONS_CSV = ROOT / "datapackage" / "data" / "regions.csv"
GNU_TIME = Path("/usr/bin/time")
MB = 1_000_000

RESOURCES = ("observations", "indicators", "regions", "units", "sources")
MEASURES = ("level", "growth_yoy", "share", "rank")
FIRST_YEAR, LAST_YEAR = 2000, 2024
LAST_DAY = dt.date(2024, 12, 3)  # every period ends on or before this day (< every source date)

# unit code: (name_zh, name_en, kind)
UNITS: dict[str, tuple[str, str, str]] = {
    "percent": ("百分比", "percent", "ratio"),
    "count": ("个", "count (number of items)", "count"),
    "person": ("人", "persons", "count"),
    "CNY": ("元", "yuan renminbi (CNY)", "currency"),
    "mm": ("毫米", "millimetre", "length"),
    "km": ("公里", "kilometre", "length"),
    "m2": ("平方米", "square metre", "area"),
    "hectare": ("公顷", "hectare", "area"),
    "t": ("吨", "tonne", "mass"),
    "m3": ("立方米", "cubic metre", "volume"),
    "kwh": ("千瓦时", "kilowatt hour", "energy"),
    "day": ("天", "day", "time"),
}

# concept id | name_zh | name_en | unit of its level | unit_multiplier | topic | typical level
CONCEPTS_TABLE = """
gdp|地区生产总值|Gross regional product|CNY|8|new|900
industrial_value_added|规上工业增加值|Industrial value added (above scale)|CNY|8|new|400
high_tech_mfg_value_added|高技术制造业增加值|High-tech manufacturing value added|CNY|8|new|40
equipment_mfg_value_added|装备制造业增加值|Equipment manufacturing value added|CNY|8|new|60
rd_spending|研究与试验发展经费|R&D expenditure|CNY|8|new|20
high_tech_enterprises|高新技术企业|High-tech enterprises|count|0|new|300
patents_granted|专利授权量|Patents granted|count|0|new|2500
fixed_asset_investment|固定资产投资|Fixed asset investment|CNY|8|new|500
industrial_investment|工业投资|Industrial investment|CNY|8|new|200
key_projects|重点工程项目|Key projects under construction|count|0|new|150
coal_output|原煤产量|Raw coal output|t|4|chain|8000
coke_output|焦炭产量|Coke output|t|4|chain|1500
steel_output|粗钢产量|Crude steel output|t|4|chain|700
chain_enterprises|产业链企业|Industrial chain enterprises|count|0|chain|500
led_chip_output|LED芯片产量|LED chip output|count|4|chain|90000
freight_volume|货运量|Freight volume|t|4|chain|12000
logistics_parks|物流园区|Logistics parks|count|0|chain|12
retail_sales|社会消费品零售总额|Retail sales of consumer goods|CNY|8|chain|600
exports|出口总额|Exports|CNY|8|chain|50
road_length|公路里程|Length of roads|km|0|chain|18000
electricity_generation|发电量|Electricity generated|kwh|8|green|400
new_energy_generation|新能源发电量|Electricity from new energy|kwh|8|green|80
new_energy_investment|新能源产业投资|New energy investment|CNY|8|green|57.5
green_loans|绿色贷款余额|Outstanding green loans|CNY|8|green|200
afforestation_area|造林面积|Area afforested|hectare|0|green|20000
good_air_days|空气质量优良天数|Days of good air quality|day|0|green|250
rainfall|降水量|Precipitation|mm|0|green|580
water_supply|供水总量|Water supplied|m3|4|green|30000
energy_use|能源消费量|Energy consumption|t|4|green|3000
new_energy_trucks|新能源重卡|New energy heavy trucks|count|0|green|3000
digital_core_output|数字经济核心产业产值|Core digital economy output|CNY|8|smart|102
xinchuang_enterprises|信创企业|Xinchuang enterprises|count|0|smart|12
base_stations_5g|5G基站|5G base stations|count|0|smart|9000
broadband_users|宽带用户|Broadband subscribers|person|4|smart|120
data_centres|数据中心机架|Data centre racks|count|0|smart|5000
smart_mines|智能化矿井|Intelligent coal mines|count|0|smart|17
ecommerce_sales|网络零售额|Online retail sales|CNY|8|smart|80
software_revenue|软件业务收入|Software revenue|CNY|8|smart|15
industrial_internet_platforms|工业互联网平台|Industrial internet platforms|count|0|smart|20
smart_factories|智能工厂|Smart factories|count|0|smart|40
resident_population|常住人口|Resident population|person|4|livelihood|310
urban_employment|城镇新增就业|New urban jobs|person|0|livelihood|45000
disposable_income|居民人均可支配收入|Disposable income per capita|CNY|0|livelihood|28000
fiscal_revenue|一般公共预算收入|General public budget revenue|CNY|8|livelihood|250
livelihood_spending|民生支出|Spending on people's livelihood|CNY|8|livelihood|300
hospital_beds|医疗卫生机构床位|Hospital beds|count|0|livelihood|20000
schools|各类学校|Schools|count|0|livelihood|1500
housing_area|住宅竣工面积|Housing floor space completed|m2|4|livelihood|300
pension_insured|养老保险参保人数|Persons insured for pensions|person|4|livelihood|200
tourists|旅游人次|Tourist visits|person|4|livelihood|5000
"""

# source id, title, publisher, published, stored text file, quotes the text contains verbatim
SOURCES: tuple[tuple[str, str, str, str, str, tuple[str, ...]], ...] = (
    (
        "cz_bulletin_2024",
        "长治市2024年国民经济和社会发展统计数据发布",
        "长治市统计局",
        "2024-12-04",
        "sources/cz-bulletin-2024.txt",
        (
            "全市地区生产总值增长5.2%",
            "规上工业增加值增长6.1%",
            "固定资产投资增长8.4%",
            "社会消费品零售总额增长4.9%",
        ),
    ),
    (
        "cz_yearbook_2024",
        "长治统计年鉴2024",
        "长治市统计局 / 国家统计局长治调查队",
        "2024-12-20",
        "sources/cz-yearbook-2024.txt",
        (
            "各县区主要指标见下表",
            "分县区统计数据按现行区划口径计算",
            "本年鉴数据为快报数",
            "部分指标为推算数",
        ),
    ),
    (
        "sx_quarterly_2024q4",
        "山西省分市季度经济数据",
        "山西省统计局",
        "2025-01-20",
        "sources/sx-quarterly-2024q4.txt",
        (
            "分市数据按季度发布",
            "增速按可比价格计算",
            "占比指全市合计的比重",
            "排名为全省11个地级市中的位次",
        ),
    ),
)

FAULT_CHECKS: dict[str, str] = {  # kind of planted fault: the cz-stats check that must find it
    "bad-number": "type-error",
    "share-over-100": "share-range",
    "bad-period": "period-invalid",
    "unknown-indicator": "foreign-key",
    "duplicate-key": "primary-key",
}
FRICTIONLESS_CHECKS: dict[str, str] = {  # the same faults as frictionless-py names them
    "bad-number": "type-error",
    "unknown-indicator": "foreign-key",
    "duplicate-key": "primary-key",
}

PYARROW_READ = """
import sys
import pyarrow.csv as pacsv
table = pacsv.read_csv(sys.argv[1])
print(table.num_rows)
"""

PYARROW_WRITE = """
import hashlib, json, sys
from pathlib import Path
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

package, out = Path(sys.argv[1]), Path(sys.argv[2])
(out / "data").mkdir(parents=True)
descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
files = []
for resource in descriptor["resources"]:
    table = pacsv.read_csv(package / resource["path"])
    pacsv.write_csv(table, out / "data" / (resource["name"] + ".csv"))
    pq.write_table(table, out / "data" / (resource["name"] + ".parquet"), compression="zstd")
    files += ["data/" + resource["name"] + ".csv", "data/" + resource["name"] + ".parquet"]
lines = []
for name in files:
    digest = hashlib.sha256()
    with open(out / name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    lines.append(digest.hexdigest() + "  " + name + "\\n")
(out / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")
print(len(files))
"""

RUSAGE_WRAPPER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as handle:
    handle.write(f"Maximum resident set size (kbytes): {peak}\\nExit status: {code}\\n")
sys.exit(code if code >= 0 else 128 - code)
"""


# --------------------------------------------------------------------------------------------
# The generator


@dataclass(frozen=True)
class Indicator:
    """One row of indicators.csv."""

    indicator_id: str
    name_zh: str
    name_en: str
    measure: str
    unit: str
    unit_multiplier: int
    topic: str
    description_en: str
    scale: float


def build_indicators() -> list[Indicator]:
    """Every concept in each of the four measures: 200 indicators, units consistent with them."""
    indicators = []
    for line in CONCEPTS_TABLE.strip().splitlines():
        cid, zh, en, unit, mult_text, topic, scale_text = line.split("|")
        mult, scale = int(mult_text), float(scale_text)
        indicators += [
            Indicator(cid, zh, en, "level", unit, mult, topic, f"{en} (level).", scale),
            Indicator(
                f"{cid}_growth",
                f"{zh}增速",
                f"{en}: year-on-year growth",
                "growth_yoy",
                "percent",
                0,
                topic,
                f"Year-on-year growth of {en.lower()}.",
                6.0,
            ),
            Indicator(
                f"{cid}_share",
                f"{zh}占全市比重",
                f"{en}: share of the city total",
                "share",
                "percent",
                0,
                topic,
                f"Share of the city total of {en.lower()}.",
                50.0,
            ),
            Indicator(
                f"{cid}_rank",
                f"{zh}全省排名",
                f"{en}: rank in the province",
                "rank",
                "count",
                0,
                topic,
                f"Rank among Shanxi's prefectures by {en.lower()}.",
                6.0,
            ),
        ]
    return indicators


def build_periods(last_day: dt.date = LAST_DAY) -> tuple[list[str], list[str]]:
    """Periods ending on or before ``last_day``: (years, quarters, months, intervals), (days).

    The first list mixes the kinds a statistics office publishes most; the daily stocks
    (``YYYY-MM-DD``) supply the distinct keys that millions of rows need.
    """
    mixed: list[str] = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        if dt.date(year, 12, 31) <= last_day:
            mixed.append(f"{year}")
        quarters = [q for q in range(1, 5) if _month_end(year, 3 * q) <= last_day]
        months = [m for m in range(1, 13) if _month_end(year, m) <= last_day]
        mixed += [f"{year}-Q{q}" for q in quarters]
        mixed += [f"{year}-{m:02d}" for m in months]
        mixed += [f"{year}-Q1/{year}-Q{q}" for q in quarters if q > 1]
        mixed += [f"{year}-01/{year}-{m:02d}" for m in months if m > 1]
    days: list[str] = []
    day, one = dt.date(FIRST_YEAR, 1, 1), dt.timedelta(days=1)
    while day <= last_day:
        days.append(day.isoformat())
        day += one
    return mixed, days


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def read_regions() -> list[str]:
    """The region codes of the bundled package (its regions.csv is reused as is)."""
    with REGIONS_CSV.open(encoding="utf-8", newline="") as handle:
        return [row["region_code"] for row in csv.DictReader(handle)]


def generate_observations(
    rows: int,
    seed: int,
    indicators: Sequence[Indicator],
    regions: Sequence[str],
    periods: tuple[list[str], list[str]],
) -> pl.DataFrame:
    """``rows`` distinct keys drawn (seeded) from indicators × regions × periods, in key order.

    A quarter of the rows (more when the mixed periods run out of keys) are daily stocks.
    """
    mixed, days = periods
    n_ind, n_reg = len(indicators), len(regions)
    cells = n_ind * n_reg
    if rows > cells * (len(mixed) + len(days)):
        limit = cells * (len(mixed) + len(days))
        raise SystemExit(f"--rows {rows} exceeds the {limit} distinct keys the model allows")
    rng = np.random.default_rng(seed)
    n_days = max(rows // 4, rows - cells * len(mixed))
    parts = []
    for count, n_per, offset in ((rows - n_days, len(mixed), 0), (n_days, len(days), len(mixed))):
        drawn = rng.choice(cells * n_per, size=count, replace=False, shuffle=False)
        cell, per = np.divmod(drawn, n_per)
        parts.append(cell * (len(mixed) + len(days)) + per + offset)
    keys = np.sort(np.concatenate(parts))
    cell, per = np.divmod(keys, len(mixed) + len(days))
    ind, reg = np.divmod(cell, n_reg)
    all_periods = [*mixed, *days]

    measure = np.array([MEASURES.index(i.measure) for i in indicators], dtype=np.int8)[ind]
    scale = np.array([i.scale for i in indicators])[ind]
    unit_codes = [i.unit for i in indicators]
    counted = np.array([UNITS[u][2] == "count" for u in unit_codes])[ind]
    whole = (measure == 3) | counted
    # Figures come from a small pool, as published figures repeat: each row's quote states its
    # value (see _stating), and a release states a few thousand distinct figures, not millions.
    pick = rng.integers(0, FIGURE_POOL, rows)
    level = np.round(scale * rng.lognormal(0.0, 0.35, FIGURE_POOL)[pick], 2)
    value = np.select(
        [measure == 0, measure == 1, measure == 2],
        [
            level,
            np.round(np.clip(rng.normal(6.0, 8.0, FIGURE_POOL), -99.0, 900.0), 1)[pick],
            np.round(rng.uniform(0.0, 100.0, FIGURE_POOL), 1)[pick],
        ],
        default=rng.integers(1, 12, rows).astype(np.float64),
    )
    value = np.where(whole, np.round(value), value)
    text = pl.Series(value).cast(pl.String)
    value_text = pl.select(
        pl.when(pl.Series(whole))
        .then(pl.Series(value).cast(pl.Int64).cast(pl.String))
        .otherwise(text)
    ).to_series()

    comparator = rng.choice(6, rows, p=[0.82, 0.06, 0.05, 0.02, 0.02, 0.03])
    status = rng.choice(3, rows, p=[0.8, 0.15, 0.05])
    quotes = [(sid, q) for sid, *_, texts in SOURCES for q in texts]
    pick = rng.integers(0, len(quotes), rows)
    notes = [None, "推算数 (estimated from the county reports)"]
    return pl.DataFrame(
        {
            "indicator_id": _take([i.indicator_id for i in indicators], ind),
            "region_code": _take(list(regions), reg),
            "period": _take(all_periods, per),
            "value": value_text,
            "unit": _take(unit_codes, ind),
            "unit_multiplier": _take([str(i.unit_multiplier) for i in indicators], ind),
            "comparator": _take(["eq", "gt", "ge", "lt", "le", "approx"], comparator),
            "obs_status": _take(["A", "P", "E"], status),
            "source_id": _take([sid for sid, _ in quotes], pick),
            "source_quote": _stating(value_text, ind, comparator, indicators),
            "note": _take(notes, (rng.random(rows) < 0.1).astype(np.int64)),
        }
    )


FIGURE_POOL = 16  # distinct figures per indicator and measure
MULTIPLIER_WORDS = {0: "", 3: "千", 4: "万", 7: "千万", 8: "亿"}
BEFORE_WORDS = ["", "超过", "", "不到", "", "约"]  # by comparator: eq gt ge lt le approx
AFTER_WORDS = ["", "", "以上", "", "以下", ""]


def _stating(
    value_text: pl.Series, ind: np.ndarray, comparator: np.ndarray, indicators: Sequence[Indicator]
) -> pl.Series:
    """Each row's source_quote states its own value, multiplier, unit kind and comparator
    (下降 for a negative value), so the value ↔ quote check finds the clean data clean."""
    unit_words = [
        "%" if i.unit == "percent" else UNITS[i.unit][0] if UNITS[i.unit][0] != "个" else "个"
        for i in indicators
    ]
    frame = pl.DataFrame(
        {
            "v": value_text,
            "mult": _take([MULTIPLIER_WORDS[i.unit_multiplier] for i in indicators], ind),
            "unit": _take(unit_words, ind),
            "before": _take(BEFORE_WORDS, comparator),
            "after": _take(AFTER_WORDS, comparator),
        }
    )
    negative = pl.col("v").str.starts_with("-")
    return frame.select(
        pl.concat_str(
            pl.when(negative).then(pl.lit("数值下降")).otherwise(pl.lit("数值为")),
            pl.col("before"),
            pl.col("v").str.strip_prefix("-"),
            pl.col("mult"),
            pl.col("unit"),
            pl.col("after"),
        )
    ).to_series()


def _take(values: list[str | None], index: np.ndarray) -> pl.Series:
    """``values[index]`` as a string Series, vectorised."""
    return pl.Series(values, dtype=pl.String).gather(index)


def plant_faults(
    frame: pl.DataFrame, count: int, seed: int, indicators: Sequence[Indicator]
) -> tuple[pl.DataFrame, Counter[str]]:
    """Plant ``count`` faults, kinds in turn, each on its own row; returns the frame and the tally.

    Faults sit on even row positions only and a duplicate copies the key of the row before it
    (same indicator and region, an odd position), so no fault disturbs another.
    """
    rng = np.random.default_rng(seed + 1)
    kinds = list(FAULT_CHECKS)
    wanted = Counter(kinds[k % len(kinds)] for k in range(count))
    ind, height = frame["indicator_id"], frame.height
    free = np.zeros(height, dtype=bool)
    free[2::2] = True  # even positions only: a fault never sits next to another
    share_ids = [i.indicator_id for i in indicators if i.measure == "share"]
    is_share = ind.is_in(share_ids).to_numpy()
    prev_same = np.zeros(height, dtype=bool)
    prev_same[1:] = (ind[1:] == ind[:-1]).to_numpy() & (
        frame["region_code"][1:] == frame["region_code"][:-1]
    ).to_numpy()
    anywhere = np.ones(height, dtype=bool)

    def pick(where: np.ndarray, n: int) -> np.ndarray:
        candidates = np.flatnonzero(where & free)
        if len(candidates) < n:
            raise SystemExit(f"--faults {count}: the table has too few rows to plant them apart")
        chosen = np.sort(rng.choice(candidates, size=n, replace=False))
        free[chosen] = False
        return chosen

    columns = {name: frame[name] for name in ("indicator_id", "period", "value")}
    rows = pick(anywhere, wanted["bad-number"])
    bad_numbers = ["12,6", "１２.６", "n/a", "1.2.3"]
    columns["value"] = columns["value"].scatter(
        rows, [bad_numbers[k % 4] for k in range(len(rows))]
    )
    rows = pick(is_share, wanted["share-over-100"])
    columns["value"] = columns["value"].scatter(rows, ["130.5"] * len(rows))
    rows = pick(anywhere, wanted["bad-period"])
    bad = [f"{FIRST_YEAR + k % 24}-{13 + k // 24:02d}" for k in range(len(rows))]
    columns["period"] = columns["period"].scatter(rows, bad)
    rows = pick(anywhere, wanted["unknown-indicator"])
    columns["indicator_id"] = columns["indicator_id"].scatter(
        rows, [f"unknown_indicator_{k:05d}" for k in range(len(rows))]
    )
    rows = pick(prev_same, wanted["duplicate-key"])
    columns["period"] = columns["period"].scatter(rows, frame["period"].gather(rows - 1))
    return frame.with_columns(**columns), wanted


# --------------------------------------------------------------------------------------------
# Writing the package


def write_package(
    folder: Path, observations: pl.DataFrame, indicators: Sequence[Indicator]
) -> None:
    """A self-contained package: descriptor, schemas, the five tables and the source texts."""
    (folder / "data").mkdir(parents=True)
    (folder / "schemas").mkdir()
    (folder / "sources").mkdir()
    for name in RESOURCES:
        shutil.copyfile(SCHEMAS / f"{name}.json", folder / "schemas" / f"{name}.json")
    observations.write_csv(folder / "data" / "observations.csv", quote_style="necessary")
    shutil.copyfile(REGIONS_CSV, folder / "data" / "regions.csv")
    _write_rows(
        folder / "data" / "indicators.csv",
        [
            "indicator_id",
            "name_zh",
            "name_en",
            "measure",
            "unit",
            "unit_multiplier",
            "topic",
            "description_en",
        ],
        [
            [
                i.indicator_id,
                i.name_zh,
                i.name_en,
                i.measure,
                i.unit,
                i.unit_multiplier,
                i.topic,
                i.description_en,
            ]
            for i in indicators
        ],
    )
    _write_rows(
        folder / "data" / "units.csv",
        ["unit", "name_zh", "name_en", "kind"],
        [[code, *names] for code, names in UNITS.items()],
    )
    _write_rows(
        folder / "data" / "sources.csv",
        ["source_id", "title_zh", "title_en", "publisher", "published", "path", "url"],
        [
            [sid, title, "", publisher, published, path, ""]
            for sid, title, publisher, published, path, _ in SOURCES
        ],
    )
    stated = observations.select("source_id", "source_quote").unique().sort("source_quote")
    for sid, title, publisher, published, path, quotes in SOURCES:
        mine = stated.filter(pl.col("source_id") == sid)["source_quote"].to_list()
        body = "\n".join(f"  {q}。以上数据为合成的基准测试数据。" for q in [*quotes, *mine])
        text = (
            f"{title}\n\n{publisher} {published}\n\n{body}\n（{sid}：合成文本，仅供基准测试。）\n"
        )
        (folder / path).write_text(text, encoding="utf-8")
    descriptor = {
        "name": "changzhi-stats-bench",
        "title": "Generated long indicator table for the changzhi-stats benchmark",
        "description": "Synthetic: seeded random values in the indicator model, not real data.",
        "version": "1.0.0",
        "profile": "tabular-data-package",
        "licenses": [
            {
                "name": "CC0-1.0",
                "path": "https://creativecommons.org/publicdomain/zero/1.0/",
                "title": "CC0 1.0",
            }
        ],
        "resources": [
            {
                "name": name,
                "path": f"data/{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": f"schemas/{name}.json",
            }
            for name in RESOURCES
        ],
    }
    text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
    (folder / "datapackage.json").write_text(text, encoding="utf-8")


def _write_rows(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def copy_with_observations(source: Path, target: Path, observations: pl.DataFrame) -> None:
    """A copy of the package at ``source`` whose observations are ``observations``."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("observations.csv"))
    observations.write_csv(target / "data" / "observations.csv", quote_style="necessary")


def settle(folder: Path) -> None:
    """Flush what was written and read it once, so every timed tool meets the same warm cache."""
    os.sync()
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                while handle.read(1 << 24):
                    pass


# --------------------------------------------------------------------------------------------
# Measuring processes


@dataclass
class Measurement:
    """One timed process: wall and CPU seconds, peak RSS, exit code (or why it did not run)."""

    tool: str
    command: list[str]
    wall: float | None = None
    cpu: float | None = None
    rss_mib: float | None = None
    exit_code: int | None = None
    note: str = ""
    walls: list[float] = field(default_factory=list)
    stdout: str = field(default="", repr=False)

    @property
    def ran(self) -> bool:
        return self.wall is not None


def run_measured(tool: str, command: list[str], work: Path, timeout: float) -> Measurement:
    """Run ``command`` as its own process group; time it and read its peak RSS."""
    stats = work / f"{_slug(tool)}.time"
    out_path, err_path = work / f"{_slug(tool)}.out", work / f"{_slug(tool)}.err"
    if GNU_TIME.exists():
        full = [str(GNU_TIME), "-v", "-o", str(stats), *command]
    else:
        full = [sys.executable, "-c", RUSAGE_WRAPPER, str(stats), *command]
    result = Measurement(tool, command)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(full, stdout=out, stderr=err, start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            result.note = f"killed after the {timeout:.0f} s timeout"
            return result
        result.wall = time.perf_counter() - started
        result.walls = [round(result.wall, 3)]
    result.exit_code = process.returncode
    fields = _time_fields(stats)
    if "Maximum resident set size (kbytes)" in fields:
        result.rss_mib = int(fields["Maximum resident set size (kbytes)"]) / 1024
    if "User time (seconds)" in fields:
        result.cpu = float(fields["User time (seconds)"]) + float(fields["System time (seconds)"])
    result.stdout = out_path.read_text(encoding="utf-8", errors="replace")
    if process.returncode >= 128 or process.returncode < 0:
        result.note = f"terminated by a signal (exit {process.returncode}; out of memory?)"
    elif process.returncode == 2:
        tail = err_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
        result.note = f"exit 2: {tail[0] if tail else 'see stderr'}"
    return result


def _time_fields(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    fields = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        name, sep, value = line.strip().rpartition(": ")
        if sep:
            fields[name] = value.strip()
    return fields


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())


def tool_path(name: str) -> str:
    """A console script of this venv (next to the interpreter), else from PATH."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found next to {sys.executable} or on PATH")
    return found


def best_of(repeat: int, measure: Callable[[], Measurement]) -> Measurement:
    """The fastest of ``repeat`` runs (peak RSS: the largest seen)."""
    return fastest([measure() for _ in range(max(1, repeat))])


def interleaved(repeat: int, *measures: Callable[[], Measurement]) -> list[list[Measurement]]:
    """``repeat`` runs of each, run in turn (a, b, a, b, …).

    Tools whose times are compared run side by side, so a machine whose speed drifts during the
    benchmark (a shared VM's does, by a quarter and more) slows both alike.
    """
    runs: list[list[Measurement]] = [[] for _ in measures]
    for _ in range(max(1, repeat)):
        for i, measure in enumerate(measures):
            runs[i].append(measure())
    return runs


def fastest(runs: list[Measurement]) -> Measurement:
    """The fastest of ``runs`` (peak RSS: the largest seen)."""
    done = [r for r in runs if r.ran]
    if not done:
        return runs[-1]
    best = min(done, key=lambda r: r.wall or 0.0)
    best.walls = [round(r.wall or 0.0, 3) for r in done]
    peaks = [r.rss_mib for r in done if r.rss_mib is not None]
    best.rss_mib = max(peaks) if peaks else None
    if len(runs) > 1:
        best.note = (best.note + f"; best of {len(runs)}").lstrip("; ")
    return best


# --------------------------------------------------------------------------------------------
# The benchmark


@dataclass
class Config:
    """The command-line options."""

    rows: int
    seed: int
    faults: int
    out: Path | None
    json: Path | None
    max_frictionless_rows: int
    frictionless_rows: int | None
    repeat: int
    timeout: float
    small: int = 0
    engine: str = "polars"  # --engine spark: cz-stats validate and publish on Spark
    spark_master: str | None = None


def parse_args(argv: Sequence[str] | None = None) -> Config:
    """The command line as a :class:`Config`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, default=100_000, help="observations rows (default 100000)"
    )
    parser.add_argument("--seed", type=int, default=20241204, help="generator seed")
    parser.add_argument(
        "--faults",
        type=int,
        default=100,
        help="faults planted in a second copy of the package (0: none; default 100)",
    )
    parser.add_argument(
        "--out", type=Path, help="folder for the packages (default: a temp dir, removed)"
    )
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    parser.add_argument(
        "--max-frictionless-rows",
        type=int,
        default=1_000_000,
        help="skip frictionless above this many rows (it is slow; default 1000000)",
    )
    parser.add_argument(
        "--frictionless-rows",
        type=int,
        help="run frictionless up to this many rows (overrides the maximum)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per fast tool, the fastest counts (frictionless runs once)",
    )
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds before a run is killed"
    )
    parser.add_argument(
        "--small",
        type=int,
        default=0,
        metavar="N",
        help="instead: time cz-stats and frictionless validate on the bundled (small) package, "
        "N runs each side by side, and print the CPU ratio",
    )
    parser.add_argument(
        "--engine",
        choices=["polars", "spark"],
        default="polars",
        help="the engine of cz-stats validate and publish (spark: needs the [spark] extra)",
    )
    parser.add_argument("--spark-master", help="with --engine spark: the master (local[*])")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    return Config(
        rows=args.rows,
        seed=args.seed,
        faults=max(0, args.faults),
        out=args.out,
        json=args.json,
        max_frictionless_rows=args.max_frictionless_rows,
        frictionless_rows=args.frictionless_rows,
        repeat=args.repeat,
        timeout=args.timeout,
        small=max(0, args.small),
        engine=args.engine,
        spark_master=args.spark_master,
    )


def cz_stats(config: Config, command: str) -> list[str]:
    """``cz-stats <command>``, with the engine options when ``--engine spark`` asks for Spark."""
    if config.engine == "polars":
        return [tool_path("cz-stats"), command]
    master = ["--spark-master", config.spark_master] if config.spark_master else []
    # this interpreter's cz-stats: the venv that has pyspark
    cli = [sys.executable, "-m", "changzhi_stats.cli"]
    return [*cli, command, "--engine", config.engine, *master]


def say(message: str) -> None:
    """Progress on stderr; stdout carries only the tables."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def workspace(out: Path | None) -> Iterator[Path]:
    """``out`` (emptied of a previous run's package), or a temp dir removed afterwards."""
    if out is None:
        with tempfile.TemporaryDirectory(prefix="cz-bench-") as tmp:
            yield Path(tmp)
        return
    out.mkdir(parents=True, exist_ok=True)
    for name in ("package", "package-faults", "runs"):
        shutil.rmtree(out / name, ignore_errors=True)
    yield out


def compile_package() -> None:
    """Byte-compile changzhi_stats, as ``pip install`` does for an installed wheel.

    The other tools' modules were compiled when pip installed them; an editable install run
    with PYTHONDONTWRITEBYTECODE set would otherwise compile this package's on every run.
    """
    import compileall

    import changzhi_stats

    compileall.compile_dir(str(Path(changzhi_stats.__file__).parent), quiet=1)


def run_benchmark(config: Config) -> dict:
    """Generate the package(s), time every tool, and return the results as a dict."""
    compile_package()
    load_before = [round(x, 2) for x in os.getloadavg()]
    with workspace(config.out) as base:
        package = base / "package"
        runs = base / "runs"
        runs.mkdir()
        started = time.perf_counter()
        indicators = build_indicators()
        observations = generate_observations(
            config.rows, config.seed, indicators, read_regions(), build_periods()
        )
        write_package(package, observations, indicators)
        faulted, planted = None, Counter[str]()
        if config.faults:
            bad, planted = plant_faults(observations, config.faults, config.seed, indicators)
            faulted = base / "package-faults"
            copy_with_observations(package, faulted, bad)
            del bad
        del observations
        generated = time.perf_counter() - started
        settle(package)
        obs_bytes = (package / "data" / "observations.csv").stat().st_size
        say(
            f"generated {config.rows} rows ({obs_bytes / MB:.1f} MB) "
            f"in {generated:.1f} s: {package}"
        )
        measurements = measure_all(config, package, runs)
        faults = check_faults(config, faulted, planted, runs) if faulted else None
        if config.out is None:
            package_note = "temporary (removed; pass --out to keep it)"
        else:
            package_note = str(package)
    return {
        "rows": config.rows,
        "seed": config.seed,
        "observations_bytes": obs_bytes,
        "generate_seconds": round(generated, 3),
        "package": package_note,
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_before": load_before,
            "load_after": [round(x, 2) for x in os.getloadavg()],
        },
        "code": code_state(),
        "measurements": [_public(m, config.rows, obs_bytes) for m in measurements],
        "ratios": ratios(measurements),
        "faults": faults,
    }


def code_state() -> dict[str, object]:
    """Which cz-stats was measured: its version, the commit, and whether src/ had local edits."""
    from changzhi_stats import __version__

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "version": __version__,
        "commit": git("rev-parse", "--short", "HEAD") or None,
        "src_modified": bool(git("status", "--porcelain", "--", "src")),
    }


def measure_all(config: Config, package: Path, runs: Path) -> list[Measurement]:
    """The five timed processes, in order, on the same package."""
    python = sys.executable
    descriptor = str(package / "datapackage.json")
    observations = str(package / "data" / "observations.csv")
    counter = iter(range(1_000_000))

    def fresh(prefix: str) -> Path:
        return runs / f"{prefix}-{next(counter)}"

    def measure(tool: str, command: list[str]) -> Measurement:
        say(f"running {tool} …")
        result = run_measured(tool, command, runs, config.timeout)
        shown = f"{result.wall:.2f} s" if result.wall is not None else result.note
        say(f"  {tool}: {shown}, exit {result.exit_code}")
        return result

    def publish_run() -> Measurement:
        out = fresh("release")
        result = measure(
            "cz-stats publish",
            [
                *cz_stats(config, "publish"),
                str(package),
                "--out",
                str(out),
                "--version",
                "1.0.0",
                "--format",
                "json",
            ],
        )
        shutil.rmtree(out, ignore_errors=True)
        return result

    def write_run() -> Measurement:
        out = fresh("pyarrow")
        result = measure("pyarrow write", [python, "-c", PYARROW_WRITE, str(package), str(out)])
        shutil.rmtree(out, ignore_errors=True)
        return result

    def validate_run() -> Measurement:
        command = [*cz_stats(config, "validate"), str(package), "--format", "json"]
        return measure("cz-stats validate", command)

    def read_run() -> Measurement:
        return measure("pyarrow read_csv", [python, "-c", PYARROW_READ, observations])

    # half the runs of the fast tools before frictionless, half after, each pair side by side
    before = interleaved((config.repeat + 1) // 2, validate_run, read_run)
    limit = (
        config.frictionless_rows
        if config.frictionless_rows is not None
        else config.max_frictionless_rows
    )
    frictionless = Measurement(
        "frictionless validate", [tool_path("frictionless"), "validate", descriptor, "--json"]
    )
    if config.rows <= limit:
        frictionless = measure(frictionless.tool, frictionless.command)
    else:
        frictionless.note = f"skipped: {config.rows} rows > {limit} (use --frictionless-rows N)"
        say(f"frictionless validate {frictionless.note}")
    after = (
        interleaved(config.repeat // 2, validate_run, read_run) if config.repeat > 1 else [[], []]
    )
    validated, read = (fastest(b + a) for b, a in zip(before, after, strict=True))
    published, written = (fastest(r) for r in interleaved(config.repeat, publish_run, write_run))
    return [validated, frictionless, read, published, written]


def check_faults(config: Config, faulted: Path, planted: Counter[str], runs: Path) -> dict:
    """Validate the faulted copy with cz-stats (and frictionless within its row limit)."""
    say(f"running cz-stats validate on the copy with {config.faults} planted faults …")
    cz = run_measured(
        "cz-stats validate (faults)",
        [*cz_stats(config, "validate"), str(faulted), "--format", "json"],
        runs,
        config.timeout,
    )
    counts = _json_field(cz.stdout, "counts") or {}
    result: dict = {
        "planted": dict(planted),
        "cz_stats": {
            "wall": _round(cz.wall),
            "rss_mib": _round(cz.rss_mib, 1),
            "exit_code": cz.exit_code,
            "note": cz.note,
            "counts": counts,
            "capped": _json_field(cz.stdout, "capped"),
            "listed": len(_json_field(cz.stdout, "errors") or []),
        },
        "frictionless": None,
    }
    limit = (
        config.frictionless_rows
        if config.frictionless_rows is not None
        else config.max_frictionless_rows
    )
    if config.rows <= limit:
        say("running frictionless validate on the copy with planted faults …")
        fl = run_measured(
            "frictionless validate (faults)",
            [tool_path("frictionless"), "validate", str(faulted / "datapackage.json"), "--json"],
            runs,
            config.timeout,
        )
        result["frictionless"] = {
            "wall": _round(fl.wall),
            "exit_code": fl.exit_code,
            "note": fl.note,
            "counts": frictionless_counts(fl.stdout),
        }
    return result


def _json_field(text: str, name: str) -> object:
    try:
        return json.loads(text).get(name)
    except (json.JSONDecodeError, AttributeError):
        return None


def frictionless_counts(text: str) -> dict[str, int]:
    """Errors per type in ``frictionless validate --json`` output (it lists at most 1000)."""
    try:
        report = json.loads(text)
    except json.JSONDecodeError:
        return {}
    counts: Counter[str] = Counter()
    for task in report.get("tasks", []):
        counts.update(error.get("type", "?") for error in task.get("errors", []))
    counts.update(error.get("type", "?") for error in report.get("errors", []))
    return dict(sorted(counts.items()))


def ratios(measurements: list[Measurement]) -> dict[str, float | None]:
    """The claims: throughput against frictionless, time against plain pyarrow."""
    by_tool = {m.tool: m for m in measurements}

    def ratio(top: str, bottom: str) -> float | None:
        a, b = by_tool[top], by_tool[bottom]
        if a.ran and b.ran and a.wall and b.wall:
            return round(a.wall / b.wall, 2)
        return None

    return {
        "cz_vs_frictionless_throughput": ratio("frictionless validate", "cz-stats validate"),
        "cz_validate_over_pyarrow_read": ratio("cz-stats validate", "pyarrow read_csv"),
        "cz_publish_over_pyarrow_write": ratio("cz-stats publish", "pyarrow write"),
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _public(m: Measurement, rows: int, obs_bytes: int) -> dict:
    data = asdict(m)
    data.pop("stdout")
    data["wall"], data["cpu"], data["rss_mib"] = _round(m.wall), _round(m.cpu), _round(m.rss_mib, 1)
    data["rows_per_s"] = round(rows / m.wall) if m.wall else None
    data["mb_per_s"] = round(obs_bytes / MB / m.wall, 1) if m.wall else None
    return data


# --------------------------------------------------------------------------------------------
# Output


TARGETS = (  # (ratio key, label, target, better when higher)
    ("cz_vs_frictionless_throughput", "cz-stats vs frictionless throughput", 40.0, True),
    ("cz_validate_over_pyarrow_read", "cz-stats validate time / pyarrow read time", 4.0, False),
    ("cz_publish_over_pyarrow_write", "cz-stats publish time / pyarrow write time", 3.0, False),
)


def render(results: dict) -> str:
    """The tables people read: one line per tool, then the ratios and the planted faults."""
    mb = results["observations_bytes"] / MB
    lines = [
        f"rows {results['rows']:,}   observations.csv {mb:.1f} MB   "
        f"generated in {results['generate_seconds']:.1f} s   cpus {results['machine']['cpus']}",
        f"load average before {_loads(results, 'load_before')}, after "
        f"{_loads(results, 'load_after')} (other work on the machine slows every tool)",
        "",
        f"{'tool':<24}{'wall s':>9}{'cpu s':>9}{'rows/s':>13}{'MB/s':>9}"
        f"{'peak RSS MiB':>14}{'exit':>6}  note",
    ]
    for m in results["measurements"]:
        if m["wall"] is None:
            lines.append(
                f"{m['tool']:<24}{'-':>9}{'-':>9}{'-':>13}{'-':>9}{'-':>14}{'-':>6}  {m['note']}"
            )
            continue
        rss = f"{m['rss_mib']:.0f}" if m["rss_mib"] is not None else "?"
        cpu = f"{m['cpu']:.2f}" if m["cpu"] is not None else "?"
        lines.append(
            f"{m['tool']:<24}{m['wall']:>9.2f}{cpu:>9}{m['rows_per_s']:>13,}{m['mb_per_s']:>9.1f}"
            f"{rss:>14}{m['exit_code']:>6}  {m['note']}"
        )
    lines += ["", "ratios (target at 5M rows):"]
    for key, label, target, higher in TARGETS:
        value = results["ratios"][key]
        if value is None:
            lines.append(f"  {label:<46} n/a")
            continue
        met = value >= target if higher else value <= target
        sign = "≥" if higher else "≤"
        lines.append(
            f"  {label:<46} {value:>7.2f}×   target {sign} {target:g}×: "
            + ("met" if met else "NOT met")
        )
    cz = next(m for m in results["measurements"] if m["tool"] == "cz-stats validate")
    if cz["rss_mib"] is not None:
        met = "met" if cz["rss_mib"] < 1024 else "NOT met"
        lines.append(
            f"  {'cz-stats validate peak RSS':<46} {cz['rss_mib']:>7.0f} MiB "
            f"target < 1024 MiB: {met}"
        )
    faults = results["faults"]
    if faults:
        lines += ["", _render_faults(faults)]
    return "\n".join(lines)


def _loads(results: dict, key: str) -> str:
    return "/".join(f"{x:.2f}" for x in results["machine"][key])


def _render_faults(faults: dict) -> str:
    planted = faults["planted"]
    cz = faults["cz_stats"]
    fl = faults["frictionless"]
    head = f"planted faults: {sum(planted.values())}; cz-stats validate on that copy: "
    if cz["wall"] is None:
        return head + cz["note"]
    head += (
        f"{cz['wall']:.2f} s, exit {cz['exit_code']}, {cz['listed']} listed, capped {cz['capped']}"
    )
    lines = [
        head,
        f"  {'fault':<20}{'check':<17}{'planted':>8}{'cz-stats':>10}{'frictionless':>14}",
    ]
    found_all = True
    for kind, check in FAULT_CHECKS.items():
        n = planted.get(kind, 0)
        got = cz["counts"].get(check, 0)
        found_all &= got >= n
        fl_shown = "-"
        if fl is not None:
            fl_check = FRICTIONLESS_CHECKS.get(kind)
            fl_shown = str(fl["counts"].get(fl_check, 0)) if fl_check else "n/a"
        lines.append(f"  {kind:<20}{check:<17}{n:>8}{got:>10}{fl_shown:>14}")
    others = {c: n for c, n in cz["counts"].items() if c not in FAULT_CHECKS.values()}
    if others:
        lines.append(f"  other cz-stats findings: {others}")
    if fl is not None:
        lines.append(f"  frictionless errors by type (it lists at most 1000): {fl['counts']}")
    lines.append(f"  cz-stats found every planted fault: {'yes' if found_all else 'NO'}")
    return "\n".join(lines)


BUNDLED = ROOT / "datapackage" / "datapackage.json"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def run_small(config: Config, package: Path = BUNDLED) -> dict:
    """A small package, where start-up is the cost: ``cz-stats validate`` and ``frictionless
    validate`` of the same package, ``config.small`` runs each, in turn; medians and the ratios
    of CPU seconds (user + system, all threads).

    ``cz-stats validate`` is measured twice: as the statistician's loop runs it (frictionless-py's
    verdict on the unchanged descriptor remembered, package/verdicts.py) and with that cache off
    (every run imports frictionless-py, as a first check of a new descriptor does). The "import
    floor" is a process that only imports what any check needs before reading a row (polars,
    pyarrow's CSV reader, click): no check of ours can cost less CPU than that."""
    with tempfile.TemporaryDirectory(prefix="cz-bench-small-") as tmp:
        cache = Path(tmp) / "cache"
        env = shutil.which("env") or "/usr/bin/env"
        ours = [tool_path("cz-stats"), "validate", str(package)]
        commands = {
            "cz-stats validate": [env, f"CZ_STATS_CACHE_DIR={cache}", *ours],
            "cz-stats, no cache": [env, "CZ_STATS_CACHE_DIR=off", *ours],
            "frictionless validate": [tool_path("frictionless"), "validate", str(package)],
            "import floor": [sys.executable, "-c", "import polars, pyarrow.csv, click"],
        }
        sources = {name: compiled(name) for name in ("changzhi_stats", "frictionless")}
        for tool, command in commands.items():  # one untimed run each: page cache, verdict cache
            run_measured(tool, command, Path(tmp), config.timeout)
        runs = interleaved(
            config.small,
            *[
                (lambda t=tool, c=command: run_measured(t, c, Path(tmp), config.timeout))
                for tool, command in commands.items()
            ],
        )
    tools = {}
    for tool, measured in zip(commands, runs, strict=True):
        done = [m for m in measured if m.ran and m.cpu is not None]
        tools[tool] = {
            "runs": len(done),
            "exit_codes": sorted({m.exit_code for m in done}),
            "cpu_median": _round(_median([m.cpu for m in done])) if done else None,
            "wall_median": _round(_median([m.wall for m in done])) if done else None,
            "rss_mib_max": _round(max((m.rss_mib or 0) for m in done), 1) if done else None,
        }
    theirs = tools["frictionless validate"]["cpu_median"]
    ratios = {
        tool: (_round(row["cpu_median"] / theirs) if row["cpu_median"] and theirs else None)
        for tool, row in tools.items()
        if tool != "frictionless validate"
    }
    return {
        "package": str(package),
        "tools": tools,
        "cpu_ratio": ratios["cz-stats validate"],
        "cpu_ratios": ratios,
        "sources": sources,
        "code": code_state(),
    }


def compiled(module: str) -> str | None:
    """Where the tools' child processes import ``module`` from, with its bytecode compiled first,
    as ``pip install`` compiles an installed package: both tools are measured as installed, not
    one compiling its sources on every run (as under ``PYTHONDONTWRITEBYTECODE``, or after an
    edit of a checkout used in place)."""
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}, os; print(os.path.dirname({module}.__file__))"],
        capture_output=True,
        text=True,
        check=False,
    )
    folder = done.stdout.strip()
    if done.returncode != 0 or not folder:
        return None
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", folder],
        capture_output=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )
    return folder


def render_small(results: dict) -> str:
    lines = [f"small package: {results['package']}"]
    lines += [f"{name} from {folder}" for name, folder in results.get("sources", {}).items()]
    lines.append(
        f"{'tool':<24}{'runs':>6}{'cpu s (median)':>16}{'wall s (median)':>17}{'peak MiB':>10}"
        f"{'exit':>6}"
    )
    for tool, row in results["tools"].items():
        lines.append(
            f"{tool:<24}{row['runs']:>6}{row['cpu_median'] or float('nan'):>16.3f}"
            f"{row['wall_median'] or float('nan'):>17.3f}{row['rss_mib_max'] or 0:>10.1f}"
            f"{','.join(str(c) for c in row['exit_codes']):>6}"
        )
    for tool, ratio in results.get("cpu_ratios", {"cz-stats validate": None}).items():
        shown = "n/a" if ratio is None else f"{ratio:.2f}"
        lines.append(f"CPU ratio {tool} / frictionless validate: {shown}")
    lines.append("(lower is better; issue 14 asks for cz-stats validate <= 0.5)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print its tables, optionally write the JSON results."""
    config = parse_args(argv)
    if config.small:
        results = run_small(config)
        print(render_small(results))
    else:
        results = run_benchmark(config)
        print(render(results))
    if config.json:
        config.json.write_text(
            json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        say(f"results written to {config.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
