"""``releases/<version>/index.html``: the release as a page a person opens.

Self-contained (inline CSS, a little plain inline JavaScript, nothing fetched: it works offline
from ``file://``): the version and date with links to the earlier versions beside it, the latest
value of each indicator with a small inline SVG chart for a series of more than two periods,
a search box and filters by topic, period (year) and region (``?q=…&topic=…&year=…&region=…``
opens the page filtered), the indicators by topic with each figure written as a person writes
it (57.5亿元, 93%以上, 第2位, 前三; the sign form ≥93% as its tooltip), the download links with
their sha256 checksums, and the changes since the previous release by indicator name and unit.
Everything on it comes from the release's own files and the releases beside it, never from the
clock, so republishing the same input gives the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import re
from pathlib import Path
from urllib.parse import quote

from changzhi_stats.engines.polars.enrich import Loaded
from changzhi_stats.release.dcat import licences, publisher_name, sources
from changzhi_stats.rules import periods

PAGE_FILE = "index.html"
MAX_ROWS = 5000  # observations shown on the page; the files hold them all
MAX_REVISED = 200

COMPARATORS = {"eq": "", "approx": "约", "gt": ">", "ge": "≥", "lt": "<", "le": "≤"}
COMPARATOR_WORDS = {"approx": "约", "gt": "多", "ge": "以上", "lt": "不到", "le": "以内"}
# how a comparator is written around a figure: 约57.5亿元, 超过3000个, 93%以上, 不到5%, 不超过3%
WRITTEN = {
    "approx": ("约", ""),
    "gt": ("超过", ""),
    "ge": ("", "以上"),
    "lt": ("不到", ""),
    "le": ("不超过", ""),
}
MULTIPLIERS = {0: "", 2: "百", 3: "千", 4: "万", 6: "百万", 7: "千万", 8: "亿", 12: "万亿"}
PERCENT = {"percent", "pct", "%"}
STATUS = {"A": "正常 normal", "P": "初步 provisional", "E": "估计 estimated"}  # SDMX OBS_STATUS

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",system-ui,sans-serif;
margin:2em auto;max-width:1100px;padding:0 1em;color:#1d1d1f;line-height:1.5}
h1{margin-bottom:.1em}h2{margin-top:1.8em;border-bottom:2px solid #ddd}
.en{color:#666;font-size:.9em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em;font-size:.93em}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.figure{font-weight:bold;white-space:nowrap;text-align:right}
td.sha{font-family:monospace;font-size:.8em;word-break:break-all}
.filters{display:flex;flex-wrap:wrap;gap:.6em 1.2em;align-items:center;padding:.6em;
background:#f6f8fa;border:1px solid #ddd;border-radius:.3em}
.filters input{min-width:16em}.filters .count{margin-left:auto}
svg.chart{display:block}table.summary td.figure{font-size:1.05em}
#earlier a{margin:0 .2em}
code{background:#f5f5f5;padding:0 .2em}.period small{color:#777}
footer{margin-top:2em;color:#777;font-size:.85em}
"""


def render(descriptor: dict, folder: Path, lookups: dict[str, Loaded], changes: dict | None) -> str:
    """The page of the release being written in ``folder`` (its descriptor already written)."""
    version = str(descriptor.get("version") or "")
    created = str(descriptor.get("created") or "")
    title_zh = descriptor.get("title_zh") or descriptor.get("title") or descriptor.get("name")
    title_en = descriptor.get("title") if descriptor.get("title") != title_zh else None
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title_zh)} {_e(version)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title_zh)}</h1>",
    ]
    if title_en:
        out.append(f'<p class="en">{_e(title_en)}</p>')
    out.append(
        f'<p>版本 Version <strong id="version">{_e(version)}</strong>'
        + (f' · 日期 Date <time id="date">{_e(created[:10])}</time>' if created else "")
        + "</p>"
    )
    description = descriptor.get("description_zh") or descriptor.get("description")
    if description:
        out.append(f"<p>{_e(description)}</p>")
    out.extend(_earlier(folder, version))
    out.extend(_reuse(descriptor, lookups.get("sources")))
    context = _Context(lookups)
    rows, more = _observations(folder, _table_path(descriptor, "observations"))
    if rows:
        out.extend(_filters(rows, context))
        out.extend(_summary(rows, context))
        out.extend(_indicators(rows, more, context))
    out.extend(_downloads(descriptor, folder))
    out.extend(_changes(changes, context))
    out.append(
        "<footer>由 cz-stats 生成 · Made by cz-stats. 校验和见 SHA256SUMS · "
        "Checksums: SHA256SUMS.</footer>"
    )
    if rows:
        out.append(f"<script>{_SCRIPT}</script>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# --- figures as a person reads them ----------------------------------------------------------


def figure(
    value: str,
    unit: str,
    multiplier: object,
    comparator: str,
    units: dict,
    rank: bool = False,
    signs: bool = False,
) -> str:
    """A figure as people write it: ``57.5``, ``CNY``, 8, ``eq`` → ``57.5亿元``; ``93``,
    ``percent``, 0, ``ge`` → ``93%以上``; a rank ``2`` → ``第2位``, ``≤3`` → ``前三``.

    ``signs`` writes the comparator as a sign instead (``≥93%``), for the English tooltip.
    """
    try:
        power = int(multiplier) if multiplier not in (None, "") else 0
    except (TypeError, ValueError):
        power = 0
    comparator = comparator or "eq"
    info = units.get(unit, {})
    if rank or unit == "rank":
        return (
            _rank(value, comparator) if not signs else f"{COMPARATORS.get(comparator, '')}#{value}"
        )
    if unit in PERCENT or info.get("name_zh") == "%" or info.get("name_zh") == "百分比":
        number = f"{value}%" + (f"×10^{power}" if power else "")
    else:
        prefix = MULTIPLIERS.get(power)
        if prefix is None:
            prefix = f"×10^{power} "
        number = f"{value}{prefix}{info.get('name_zh') or unit}"
    if signs:
        return COMPARATORS.get(comparator, "") + number
    before, after = WRITTEN.get(comparator, ("", ""))
    return f"{before}{number}{after}"


def _rank(value: str, comparator: str) -> str:
    """``2`` → ``第2位``; at most 3 (or fewer than 4) → ``前三``; at least 5 → ``第5位及以后``."""
    try:
        number = int(float(value))
        whole = float(value) == number
    except ValueError:
        number, whole = 0, False
    if comparator in ("le", "lt") and whole:
        top = number if comparator == "le" else number - 1
        if top >= 1:
            return f"前{_NUMERALS[top]}" if top in _NUMERALS else f"前{top}位"
    if comparator == "approx":
        return f"约第{value}位"
    if comparator == "ge":
        return f"第{value}位及以后"
    if comparator == "gt":
        return f"第{value}位以后"
    if comparator in ("le", "lt"):
        return f"前{value}位"
    return f"第{value}位"


_NUMERALS = dict(enumerate("一二三四五六七八九十", start=1))


def period_text(period: str) -> str:
    """``2024-Q1/2024-Q3`` → ``2024年前三季度``; falls back to the code itself."""
    parsed = periods.parse(period)
    if parsed is None:
        return period
    start, end = parsed.start, parsed.end
    if not parsed.interval:
        return _single_text(start)
    if parsed.grain == "quarter":
        a, b = _quarter(start), _quarter(end)
        return f"{start.text[:4]}年前{_CN[b]}季度" if a == 1 else f"{start.text[:4]}年第{a}—{b}季度"
    if parsed.grain == "month":
        return f"{start.text[:4]}年{start.first.month}—{end.first.month}月"
    if parsed.grain == "day":
        return f"{_single_text(start)}—{_single_text(end)}"
    return period


def _quarter(span: periods.Span) -> int:
    return (span.first.month + 2) // 3


def _single_text(span: periods.Span) -> str:
    if span.grain == "year":
        return f"{span.text[:4]}年"
    if span.grain == "quarter":
        return f"{span.text[:4]}年第{_CN[_quarter(span)]}季度"
    if span.grain == "month":
        return f"{span.text[:4]}年{span.first.month}月"
    return f"{span.text[:4]}年{span.first.month}月{span.first.day}日"


_CN = {1: "一", 2: "二", 3: "三", 4: "四"}


def _records(loaded: Loaded | None, key: str) -> dict[str, dict]:
    if loaded is None or key not in loaded.frame.columns:
        return {}
    names = [c for c in loaded.fields if c in loaded.frame.columns]
    return {r[key]: r for r in loaded.frame.select(names).iter_rows(named=True) if r[key]}


def _topics(lookups: dict[str, Loaded]) -> dict[str, str]:
    """Topic names: from the topics table ``indicators.topic`` is a foreign key to (a package
    made by ``cz-stats init``), else from the ``topic`` field's description (``new (新)``)."""
    indicators = lookups.get("indicators")
    if indicators is None:
        return {}
    named = _topic_table(indicators.schema, lookups)
    if named:
        return named
    for spec in indicators.schema.get("fields") or []:
        if isinstance(spec, dict) and spec.get("name") == "topic":
            found = re.findall(r"(\w+) \(([^)]+)\)", str(spec.get("description") or ""))
            return {code: name for code, name in found}
    return {}


def _topic_table(schema: dict, lookups: dict[str, Loaded]) -> dict[str, str]:
    """``{code: name_zh}`` of the table the ``topic`` field is a foreign key to, if any."""
    keys = schema.get("foreignKeys")
    for key in keys if isinstance(keys, list) else []:
        reference = key.get("reference") if isinstance(key, dict) else None
        if not isinstance(reference, dict) or key.get("fields") not in ("topic", ["topic"]):
            continue
        target = reference.get("resource")
        column = reference.get("fields")
        column = column[0] if isinstance(column, list) and len(column) == 1 else column
        if not isinstance(target, str) or not isinstance(column, str):
            continue
        records = _records(lookups.get(target), column)
        names = {
            str(code): str(r.get("name_zh") or r.get("name_en") or "")
            for code, r in records.items()
        }
        return {code: name for code, name in names.items() if name}
    return {}


def _table_path(descriptor: dict, name: str) -> list[str] | None:
    """The release files of table ``name`` (derived from its name, never the name itself): one,
    or the parts of a partitioned table in key order."""
    for resource in descriptor.get("resources") or []:
        if (
            isinstance(resource, dict)
            and resource.get("name") == name
            and isinstance(resource.get("schema"), dict)
        ):
            path = resource.get("path")
            if isinstance(path, str):
                return [path]
            if isinstance(path, list) and all(isinstance(p, str) for p in path):
                return path
    return None


class _Context:
    """The codelists the page writes names from: indicators, units, regions, topics."""

    def __init__(self, lookups: dict[str, Loaded]) -> None:
        self.indicators = _records(lookups.get("indicators"), "indicator_id")
        self.units = _records(lookups.get("units"), "unit")
        self.regions = _records(lookups.get("regions"), "region_code")
        self.topics = _topics(lookups)
        self.order = {code: i for i, code in enumerate(self.indicators)}
        self.region_order = {code: i for i, code in enumerate(self.regions)}

    def indicator(self, code: str) -> dict:
        return self.indicators.get(code) or {}

    def name(self, code: str) -> str:
        return str(self.indicator(code).get("name_zh") or code)

    def region(self, code: str) -> str:
        return str((self.regions.get(code) or {}).get("name_zh") or code)

    def shown(self, row: dict, signs: bool = False) -> str:
        indicator = self.indicator(row.get("indicator_id") or "")
        return figure(
            row.get("value") or "",
            row.get("unit") or indicator.get("unit") or "",
            row.get("unit_multiplier") or indicator.get("unit_multiplier"),
            row.get("comparator") or "eq",
            self.units,
            rank=_is_rank(indicator, row),
            signs=signs,
        )

    def unit_text(self, code: str) -> str:
        indicator = self.indicator(code)
        if _is_rank(indicator, {}):
            return "位次"
        unit = str(indicator.get("unit") or "")
        return figure("", unit, indicator.get("unit_multiplier"), "eq", self.units) if unit else ""


def _is_rank(indicator: dict, row: dict) -> bool:
    return (
        indicator.get("measure") == "rank" or (row.get("unit") or indicator.get("unit")) == "rank"
    )


def _period_key(period: str) -> tuple:
    parsed = periods.parse(period)
    if parsed is None:
        return (dt.date.min, dt.date.min, period)
    return (parsed.last, parsed.first, period)


def _year(period: str) -> str:
    parsed = periods.parse(period)
    return str(parsed.last.year) if parsed is not None else ""


def _observations(folder: Path, relatives: list[str] | None) -> tuple[list[dict], bool]:
    """The first MAX_ROWS observations (across the parts of a partitioned table, in order)."""
    rows: list[dict] = []
    for relative in relatives or ():
        path = folder / relative if _plain(relative) else None
        if path is None or not path.is_file():
            return [], False
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if not {"indicator_id", "value"} <= set(reader.fieldnames or ()):
                return [], False
            rows.extend(row for _, row in zip(range(MAX_ROWS - len(rows)), reader, strict=False))
            if len(rows) >= MAX_ROWS:
                more = next(reader, None) is not None or relative != relatives[-1]
                return rows, more
    return rows, False


def _data_attributes(row: dict, context: _Context, search: str) -> str:
    indicator = context.indicator(row["indicator_id"])
    return (
        f' data-topic="{_e(indicator.get("topic") or "")}"'
        f' data-year="{_e(_year(row.get("period") or ""))}"'
        f' data-region="{_e(row.get("region_code") or "")}"'
        f' data-text="{_e(search.lower())}"'
    )


def _search_text(row: dict, context: _Context) -> str:
    indicator = context.indicator(row["indicator_id"])
    region = context.regions.get(row.get("region_code") or "") or {}
    parts = [
        row["indicator_id"],
        indicator.get("name_zh"),
        indicator.get("name_en"),
        region.get("name_zh"),
        region.get("name_en"),
        row.get("period"),
        period_text(row.get("period") or ""),
        context.shown(row),
    ]
    return " ".join(str(p) for p in parts if p)


def _filters(rows: list[dict], context: _Context) -> list[str]:
    """The search box and the topic, period (year) and region filters (run by the inline JS)."""
    topics = dict.fromkeys(context.indicator(r["indicator_id"]).get("topic") or "" for r in rows)
    years = sorted({_year(r.get("period") or "") for r in rows} - {""}, reverse=True)
    regions = sorted(
        {r.get("region_code") or "" for r in rows} - {""},
        key=lambda c: (context.region_order.get(c, len(context.region_order)), c),
    )

    def select(name: str, label: str, options: list[tuple[str, str]]) -> str:
        choices = "".join(f'<option value="{_e(v)}">{_e(t)}</option>' for v, t in options)
        return (
            f'<label>{label} <select id="filter-{name}" name="{name}">'
            f'<option value="">全部 All</option>{choices}</select></label>'
        )

    return [
        '<h2 id="find">查找 <span class="en">Find</span></h2>',
        '<form id="filters" class="filters" onsubmit="return false">',
        '<label>搜索 <span class="en">Search</span> <input id="filter-q" name="q" type="search" '
        'placeholder="指标、地区、时期… indicator, region, period"></label>',
        select(
            "topic",
            '主题 <span class="en">Topic</span>',
            [(t, f"{context.topics.get(t, '')} {t}".strip()) for t in topics if t],
        ),
        select("year", '时期 <span class="en">Period</span>', [(y, f"{y}年") for y in years]),
        select(
            "region",
            '地区 <span class="en">Region</span>',
            [(c, context.region(c)) for c in regions],
        ),
        f'<span class="count">显示 <b id="shown">{len(rows)}</b> / {len(rows)} 条 '
        '<span class="en">shown</span></span>',
        "</form>",
    ]


def _series(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """Each indicator's observations per region, oldest period first."""
    found: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        found.setdefault((row["indicator_id"], row.get("region_code") or ""), []).append(row)
    for members in found.values():
        members.sort(key=lambda r: _period_key(r.get("period") or ""))
    return found


def chart(points: list[tuple[str, float]], width: int = 140, height: int = 36) -> str:
    """A small inline SVG line chart of ``(period, value)`` points, oldest first."""
    values = [v for _, v in points]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (width - 8) / max(len(points) - 1, 1)
    xy = [
        (4 + i * step, height - 4 - (v - low) / span * (height - 8))
        for i, (_, v) in enumerate(points)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    label = "；".join(f"{period_text(p)} {v:g}" for p, v in points)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2"/>' for x, y in xy)
    return (
        f'<svg class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{_e(label)}</title>'
        f'<polyline fill="none" stroke="#1565c0" stroke-width="1.5" points="{line}"/>'
        f'<g fill="#1565c0">{dots}</g></svg>'
    )


def _chart_of(members: list[dict]) -> str:
    points = []
    for row in members:
        try:
            points.append((row.get("period") or "", float(row.get("value") or "")))
        except ValueError:
            return ""
    if len({p for p, _ in points}) <= 2:
        return ""
    return chart(points)


def _summary(rows: list[dict], context: _Context) -> list[str]:
    """The latest value of each indicator (its own region first), with the series' chart."""
    series = _series(rows)
    latest: dict[str, tuple[tuple, dict]] = {}
    for (code, region), members in series.items():
        row = members[-1]
        rank = (_period_key(row.get("period") or "")[:2], -context.region_order.get(region, 10**9))
        if code not in latest or rank > latest[code][0]:
            latest[code] = (rank, row)
    ordered = sorted(latest, key=lambda c: (context.order.get(c, len(context.order)), c))
    charts = {
        code: _chart_of(series[(code, latest[code][1].get("region_code") or "")])
        for code in ordered
    }
    trend = any(charts.values())
    out = [
        '<h2 id="summary">最新数值 <span class="en">Latest values</span></h2>',
        '<table class="summary"><tr><th>指标 Indicator</th><th>最新值 Latest</th>'
        "<th>时期 Period</th><th>地区 Region</th>"
        + ("<th>走势 Trend</th>" if trend else "")
        + "</tr>",
    ]
    for code in ordered:
        row = latest[code][1]
        indicator = context.indicator(code)
        out.append(
            f'<tr class="latest" data-latest="{_e(code)}"'
            f"{_data_attributes(row, context, _search_text(row, context))}>"
            f"<td>{_e(context.name(code))}"
            f'<br><span class="en">{_e(indicator.get("name_en") or "")}</span></td>'
            f'<td class="figure" title="{_e(context.shown(row, signs=True))}">'
            f"{_e(context.shown(row))}</td>"
            f"<td>{_e(period_text(row.get('period') or ''))}</td>"
            f"<td>{_e(context.region(row.get('region_code') or ''))}</td>"
            + (f"<td>{charts[code]}</td>" if trend else "")
            + "</tr>"
        )
    out.append("</table>")
    return out


def _indicators(rows: list[dict], more: bool, context: _Context) -> list[str]:
    groups: dict[str, list[dict]] = {}
    order = context.order
    for row in sorted(rows, key=lambda r: order.get(r["indicator_id"], len(order))):
        topic = context.indicator(row["indicator_id"]).get("topic") or ""
        groups.setdefault(topic, []).append(row)
    out = ['<h2 id="indicators">指标 <span class="en">Indicators</span></h2>']
    if more:
        out.append(f"<p>只列出前 {MAX_ROWS} 条观测值；全部数据见下方下载文件。</p>")
    for topic, members in groups.items():
        label = context.topics.get(topic, "")
        out.append(f'<div class="topic" data-topic="{_e(topic)}">')
        out.append(f'<h3 id="topic-{_e(topic)}">{_e(label)} <code>{_e(topic or "—")}</code></h3>')
        out.append(
            '<table class="observations"><tr><th>指标 Indicator</th><th>地区 Region</th>'
            "<th>时期 Period</th><th>数值 Value</th><th>状态 Status</th></tr>"
        )
        for row in members:
            indicator = context.indicator(row["indicator_id"])
            period = row.get("period") or ""
            status = row.get("obs_status") or ""
            out.append(
                f'<tr class="obs" data-indicator="{_e(row["indicator_id"])}"'
                f"{_data_attributes(row, context, _search_text(row, context))}>"
                f"<td>{_e(context.name(row['indicator_id']))}"
                f'<br><span class="en">{_e(indicator.get("name_en") or "")}</span></td>'
                f"<td>{_e(context.region(row.get('region_code') or ''))}</td>"
                f'<td class="period">{_e(period_text(period))}<br><small>{_e(period)}</small></td>'
                f'<td class="figure" title="{_e(context.shown(row, signs=True))}">'
                f"{_e(context.shown(row))}</td>"
                f"<td>{_e(STATUS.get(status, status))}</td></tr>"
            )
        out.append("</table></div>")
    out.append('<p id="nothing" hidden>没有符合条件的数据 · Nothing matches.</p>')
    return out


_SCRIPT = r"""
(function () {
  var form = document.getElementById("filters");
  if (!form) { return; }
  var names = ["q", "topic", "year", "region"];
  var query = new URLSearchParams(window.location.search);
  names.forEach(function (name) {
    var box = document.getElementById("filter-" + name);
    if (query.get(name) !== null) { box.value = query.get(name); }
    box.addEventListener("input", apply);
    box.addEventListener("change", apply);
  });
  function wanted(row, filters) {
    var q = document.getElementById("filter-q").value.trim().toLowerCase();
    var words = q ? q.split(/\s+/) : [];
    for (var i = 0; i < words.length; i++) {
      if (row.getAttribute("data-text").indexOf(words[i]) < 0) { return false; }
    }
    var ok = true;
    filters.forEach(function (name) {
      var value = document.getElementById("filter-" + name).value;
      if (value && row.getAttribute("data-" + name) !== value) { ok = false; }
    });
    return ok;
  }
  function apply() {
    var shown = 0;
    document.querySelectorAll("tr.latest").forEach(function (row) {
      row.hidden = !wanted(row, ["topic"]);  // the latest values: by words and topic only
    });
    document.querySelectorAll("div.topic").forEach(function (group) {
      var any = false;
      group.querySelectorAll("tr.obs").forEach(function (row) {
        row.hidden = !wanted(row, ["topic", "year", "region"]);
        if (!row.hidden) { any = true; shown += 1; }
      });
      group.hidden = !any;
    });
    document.getElementById("shown").textContent = String(shown);
    document.getElementById("nothing").hidden = shown > 0;
  }
  apply();
})();
"""


def _earlier(folder: Path, version: str) -> list[str]:
    """Links to the releases published before this one, beside it in the releases folder."""
    current = _semver(version)
    if current is None or not folder.parent.is_dir():
        return []
    found = []
    for sibling in folder.parent.iterdir():
        key = _semver(sibling.name)
        if key is not None and key < current and (sibling / "datapackage.json").is_file():
            found.append((key, sibling.name))
    if not found:
        return []
    links = " · ".join(
        f'<a href="../{_e(name)}/{PAGE_FILE}">{_e(name)}</a>'
        for _, name in sorted(found, reverse=True)
    )
    return [f'<p id="earlier">早期版本 <span class="en">Earlier versions</span>：{links}</p>']


def _semver(text: str) -> tuple[int, int, int] | None:
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


# --- what a reuser needs ----------------------------------------------------------------------


def _reuse(descriptor: dict, table: Loaded | None) -> list[str]:
    """Licence, publisher and sources: under which terms, from whom, and from what."""

    def linked(label: str, url: str | None) -> str:
        return f'<a href="{_e(url)}">{_e(label)}</a>' if url else _e(label)

    terms = ", ".join(linked(label, url) for label, url in licences(descriptor))
    cited = [linked(title, url) for title, url in sources(descriptor)]
    for row in _records(table, "source_id").values():  # the sources table, where there is one
        parts = [row.get("title_zh"), row.get("publisher"), row.get("published")]
        text = ", ".join(str(p) for p in parts if p)
        if text:
            cited.append(_e(text))
    out = ['<dl id="reuse">']
    out.append(
        f'<dt>许可协议 <span class="en">Licence</span></dt><dd id="license">'
        f"{terms or '未注明 · none stated'}</dd>"
    )
    out.append(
        f'<dt>发布者 <span class="en">Publisher</span></dt>'
        f'<dd id="publisher">{_e(publisher_name(descriptor))}</dd>'
    )
    if cited:
        out.append(
            '<dt>来源 <span class="en">Source</span></dt><dd id="source">'
            + "<br>".join(dict.fromkeys(cited))
            + "</dd>"
        )
    out.append("</dl>")
    return out


# --- downloads and changes -------------------------------------------------------------------


def _downloads(descriptor: dict, folder: Path) -> list[str]:
    out = [
        '<h2 id="downloads">下载 <span class="en">Downloads</span></h2>',
        '<table class="downloads"><tr><th>文件 File</th><th>格式 Format</th>'
        "<th>字节 Bytes</th><th>sha256</th></tr>",
    ]
    # the descriptor already gives each resource's bytes and sha256: large files are not re-read
    known = {
        r["path"]: (r.get("bytes"), r.get("hash"))
        for r in descriptor.get("resources") or []
        if isinstance(r, dict) and isinstance(r.get("path"), str)
    }
    for resource in descriptor.get("resources") or []:  # the parts of a partitioned table
        partitioning = resource.get("partitioning") if isinstance(resource, dict) else None
        parts = partitioning.get("parts") if isinstance(partitioning, dict) else None
        for part in parts if isinstance(parts, list) else ():
            if isinstance(part, dict) and isinstance(part.get("path"), str):
                known[part["path"]] = (part.get("bytes"), part.get("hash"))
    files = ["datapackage.json", *known, *(p.name for p in sorted(folder.glob("*.jsonld")))]
    for name in dict.fromkeys(files):
        path = folder / name
        if not _plain(name) or not path.is_file():
            continue
        size, digest = known.get(name, (None, None))
        if isinstance(size, int) and isinstance(digest, str) and digest.startswith("sha256:"):
            digest = digest[len("sha256:") :]
        else:  # the small files written beside the descriptor
            size, digest = path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest()
        kind = path.suffix.lstrip(".") or "txt"
        out.append(
            f'<tr><td><a href="{_e(quote(name))}">{_e(name)}</a></td><td>{_e(kind)}</td>'
            f'<td>{size:,}</td><td class="sha">{digest}</td></tr>'
        )
    out.append("</table>")
    out.append(
        "<p>校验：在本文件夹中运行 <code>sha256sum -c SHA256SUMS</code> · Verify with "
        "<code>sha256sum -c SHA256SUMS</code> or <code>cz-stats verify</code>.</p>"
    )
    return out


def _changes(changes: dict | None, context: _Context) -> list[str]:
    out = ['<h2 id="changes">自上一版本以来的变化 <span class="en">Changes</span></h2>']
    if not changes or not changes.get("old"):
        out.append("<p>首次发布 · First release.</p>")
        return out
    previous = (changes.get("old") or {}).get("version") or ""
    summary = changes.get("summary") or {}
    out.append(
        f'<p>相对 <a href="../{_e(previous)}/{PAGE_FILE}">{_e(previous)}</a>'
        f"（{_e(changes.get('bump') or '')}）："
        f"新增 {summary.get('added', 0)} 行，删除 {summary.get('removed', 0)} 行，"
        f"修订 {summary.get('revised', 0)} 行，结构变化 {summary.get('schema', 0)} 处，"
        f"元数据变化 {summary.get('metadata', 0)} 处。</p>"
    )
    rows = []
    for name, table in (changes.get("resources") or {}).items():
        for kind, label in (("added", "新增"), ("removed", "删除")):
            for entry in table.get(kind) or []:
                names = table.get("key") or []
                shown = _row_name(entry, context) if isinstance(entry, dict) else None
                if isinstance(entry, dict) and names:
                    entry = {k: entry.get(k) for k in names}
                detail = context.shown(entry) if shown and entry.get("value") else ""
                rows.append((name, label, shown or _key(entry), detail, _key(entry)))
        for entry in table.get("revised") or []:
            key = entry.get("key")
            shown = _row_name(key, context) if isinstance(key, dict) else None
            change = "; ".join(
                _revision(field, c, key if isinstance(key, dict) else {}, context)
                for field, c in (entry.get("changes") or {}).items()
            )
            rows.append((name, "修订", shown or _key(key), change, _key(key)))
    if rows:
        out.append(
            '<table class="changes"><tr><th>表 Table</th><th>变化 Change</th><th>行 Row</th>'
            "<th>内容 Detail</th></tr>"
        )
        for name, label, shown, change, key in rows[:MAX_REVISED]:
            out.append(
                f'<tr><td>{_e(name)}</td><td>{label}</td><td title="{_e(key)}">{_e(shown)}</td>'
                f"<td>{_e(change)}</td></tr>"
            )
        out.append("</table>")
        if len(rows) > MAX_REVISED:
            out.append(f"<p>只列出前 {MAX_REVISED} 处；全部见 changes.json。</p>")
    out.append(
        '<p>详见 <a href="CHANGES.md">CHANGES.md</a> 与 '
        '<a href="changes.json">changes.json</a>。</p>'
    )
    return out


def _row_name(key: dict, context: _Context) -> str | None:
    """An observation's key as words: 绿色开采煤矿数量（个）· 长治市 · 2024年12月4日."""
    code = key.get("indicator_id")
    if not code:
        return None
    unit = context.unit_text(str(code))
    parts = [context.name(str(code)) + (f"（{unit}）" if unit else "")]
    if key.get("region_code"):
        parts.append(context.region(str(key["region_code"])))
    if key.get("period"):
        parts.append(period_text(str(key["period"])))
    return " · ".join(parts)


_FIELD_WORDS = {"value": "数值", "comparator": "比较", "source_quote": "原文", "obs_status": "状态"}


def _revision(field: str, change: dict, key: dict, context: _Context) -> str:
    old, new = change.get("old"), change.get("new")
    if field == "value" and key.get("indicator_id"):
        old = context.shown({**key, "value": "" if old is None else str(old)})
        new = context.shown({**key, "value": "" if new is None else str(new)})
    word = _FIELD_WORDS.get(field)
    return f"{word + ' ' if word else ''}{field}: {old} → {new}"


def _plain(relative: str) -> bool:
    """A path inside the release folder (the writer derives only such; this makes sure)."""
    parts = relative.split("/")
    return not relative.startswith("/") and "\\" not in relative and ".." not in parts


def _key(key: object) -> str:
    if isinstance(key, dict):
        return ", ".join(f"{k}={v}" for k, v in key.items())
    return "" if key is None else str(key)


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)
