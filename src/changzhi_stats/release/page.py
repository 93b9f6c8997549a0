"""``releases/<version>/index.html``: the release as a page a person opens.

Static and self-contained (inline CSS, no JavaScript, no network): the version and date, the
indicators by topic with each figure written as a person reads it (57.5亿元, ≥93%), its period,
the download links with their sha256 checksums, and the changes since the previous release.
Everything on it comes from the release's own files, never from the clock, so republishing the
same input gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import html
import re
from pathlib import Path

from changzhi_stats.engines.polars.enrich import Loaded
from changzhi_stats.release.dcat import licences, publisher_name, sources
from changzhi_stats.rules import periods

PAGE_FILE = "index.html"
MAX_ROWS = 5000  # observations shown on the page; the files hold them all
MAX_REVISED = 200

COMPARATORS = {"eq": "", "approx": "约", "gt": ">", "ge": "≥", "lt": "<", "le": "≤"}
COMPARATOR_WORDS = {"approx": "约", "gt": "多", "ge": "以上", "lt": "不到", "le": "以内"}
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
    out.extend(_reuse(descriptor, lookups.get("sources")))
    out.extend(_indicators(folder, lookups, _table_path(descriptor, "observations")))
    out.extend(_downloads(descriptor, folder))
    out.extend(_changes(changes))
    out.append(
        "<footer>由 cz-stats 生成 · Made by cz-stats. 校验和见 SHA256SUMS · "
        "Checksums: SHA256SUMS.</footer></body></html>"
    )
    return "\n".join(out) + "\n"


# --- figures as a person reads them ----------------------------------------------------------


def figure(value: str, unit: str, multiplier: object, comparator: str, units: dict) -> str:
    """``57.5``, ``CNY``, 8, ``eq`` → ``57.5亿元``; ``93``, ``percent``, 0, ``ge`` → ``≥93%``."""
    try:
        power = int(multiplier) if multiplier not in (None, "") else 0
    except (TypeError, ValueError):
        power = 0
    sign = COMPARATORS.get(comparator or "eq", "")
    info = units.get(unit, {})
    if unit in PERCENT or info.get("name_zh") == "%":
        return f"{sign}{value}%" + (f"×10^{power}" if power else "")
    prefix = MULTIPLIERS.get(power)
    if prefix is None:
        prefix = f"×10^{power} "
    word = info.get("name_zh") or unit
    return f"{sign}{value}{prefix}{word}"


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


def _topics(indicators: Loaded | None) -> dict[str, str]:
    """Topic names from the ``topic`` field's description: ``new (新), chain (长)``."""
    if indicators is None:
        return {}
    for spec in indicators.schema.get("fields") or []:
        if isinstance(spec, dict) and spec.get("name") == "topic":
            found = re.findall(r"(\w+) \(([^)]+)\)", str(spec.get("description") or ""))
            return {code: name for code, name in found}
    return {}


def _table_path(descriptor: dict, name: str) -> str | None:
    """The release file of table ``name`` (derived from its name, never the name itself)."""
    for resource in descriptor.get("resources") or []:
        if (
            isinstance(resource, dict)
            and resource.get("name") == name
            and isinstance(resource.get("schema"), dict)
            and isinstance(resource.get("path"), str)
        ):
            return resource["path"]
    return None


def _indicators(folder: Path, lookups: dict[str, Loaded], relative: str | None) -> list[str]:
    path = folder / relative if relative and _plain(relative) else None
    if path is None or not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"indicator_id", "value"} <= set(reader.fieldnames or ()):
            return []
        rows = [row for _, row in zip(range(MAX_ROWS), reader, strict=False)]
        more = next(reader, None) is not None
    indicators = _records(lookups.get("indicators"), "indicator_id")
    units = _records(lookups.get("units"), "unit")
    regions = _records(lookups.get("regions"), "region_code")
    topics = _topics(lookups.get("indicators"))
    order = {code: i for i, code in enumerate(indicators)}
    groups: dict[str, list[dict]] = {}
    for row in sorted(rows, key=lambda r: order.get(r["indicator_id"], len(order))):
        topic = (indicators.get(row["indicator_id"]) or {}).get("topic") or ""
        groups.setdefault(topic, []).append(row)
    out = ['<h2 id="indicators">指标 <span class="en">Indicators</span></h2>']
    if more:
        out.append(f"<p>只列出前 {MAX_ROWS} 条观测值；全部数据见下方下载文件。</p>")
    for topic, members in groups.items():
        label = topics.get(topic, "")
        out.append(f'<h3 id="topic-{_e(topic)}">{_e(label)} <code>{_e(topic or "—")}</code></h3>')
        out.append(
            '<table class="observations"><tr><th>指标 Indicator</th><th>地区 Region</th>'
            "<th>时期 Period</th><th>数值 Value</th><th>状态 Status</th></tr>"
        )
        for row in members:
            indicator = indicators.get(row["indicator_id"]) or {}
            region = regions.get(row.get("region_code") or "") or {}
            period = row.get("period") or ""
            shown = figure(
                row.get("value") or "",
                row.get("unit") or indicator.get("unit") or "",
                row.get("unit_multiplier") or indicator.get("unit_multiplier"),
                row.get("comparator") or "eq",
                units,
            )
            word = COMPARATOR_WORDS.get(row.get("comparator") or "")
            hint = f' title="{_e(word)}"' if word else ""
            status = row.get("obs_status") or ""
            out.append(
                f'<tr data-indicator="{_e(row["indicator_id"])}">'
                f"<td>{_e(indicator.get('name_zh') or row['indicator_id'])}"
                f'<br><span class="en">{_e(indicator.get("name_en") or "")}</span></td>'
                f"<td>{_e(region.get('name_zh') or row.get('region_code') or '')}</td>"
                f'<td class="period">{_e(period_text(period))}<br><small>{_e(period)}</small></td>'
                f'<td class="figure"{hint}>{_e(shown)}</td>'
                f"<td>{_e(STATUS.get(status, status))}</td></tr>"
            )
        out.append("</table>")
    return out


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
            f'<tr><td><a href="{_e(name)}">{_e(name)}</a></td><td>{_e(kind)}</td>'
            f'<td>{size:,}</td><td class="sha">{digest}</td></tr>'
        )
    out.append("</table>")
    out.append(
        "<p>校验：在本文件夹中运行 <code>sha256sum -c SHA256SUMS</code> · Verify with "
        "<code>sha256sum -c SHA256SUMS</code> or <code>cz-stats verify</code>.</p>"
    )
    return out


def _changes(changes: dict | None) -> list[str]:
    out = ['<h2 id="changes">自上一版本以来的变化 <span class="en">Changes</span></h2>']
    if not changes or not changes.get("old"):
        out.append("<p>首次发布 · First release.</p>")
        return out
    previous = (changes.get("old") or {}).get("version") or ""
    summary = changes.get("summary") or {}
    out.append(
        f"<p>相对 {_e(previous)}（{_e(changes.get('bump') or '')}）："
        f"新增 {summary.get('added', 0)} 行，删除 {summary.get('removed', 0)} 行，"
        f"修订 {summary.get('revised', 0)} 行，结构变化 {summary.get('schema', 0)} 处，"
        f"元数据变化 {summary.get('metadata', 0)} 处。</p>"
    )
    rows = []
    for name, table in (changes.get("resources") or {}).items():
        for kind, label in (("added", "新增"), ("removed", "删除")):
            for entry in table.get(kind) or []:
                names = table.get("key") or []
                if isinstance(entry, dict) and names:
                    entry = {k: entry.get(k) for k in names}
                rows.append((name, label, _key(entry), ""))
        for entry in table.get("revised") or []:
            change = "; ".join(
                f"{field}: {c.get('old')} → {c.get('new')}"
                for field, c in (entry.get("changes") or {}).items()
            )
            rows.append((name, "修订", _key(entry.get("key")), change))
    if rows:
        out.append(
            '<table class="changes"><tr><th>表 Table</th><th>变化 Change</th><th>行 Row</th>'
            "<th>内容 Detail</th></tr>"
        )
        for name, label, key, change in rows[:MAX_REVISED]:
            out.append(
                f"<tr><td>{_e(name)}</td><td>{label}</td><td>{_e(key)}</td>"
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
