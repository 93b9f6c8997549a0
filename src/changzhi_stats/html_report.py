"""The validation report as one self-contained HTML page: ``cz-stats validate --format html``.

The page needs no network and no JavaScript: inline CSS only. It shows the verdict, the tool's
version and the run's date, the counts per check, per resource and per indicator (by name), the
tables and rows checked, and for each resource the offending rows read back from the package's
own files (only the rows listed in the report): every cell shown and wrapped to fit a 1366 px
screen (no horizontal scrolling, so the quote, value and unit are in view), the indicator's
name beside its code, the bad cell highlighted, the message and the fix beside the row.
Warnings are shown apart from errors.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from changzhi_stats import arguments
from changzhi_stats.package.compression import open_data
from changzhi_stats.package.descriptor import PackageSpec, ResourceSpec, load_package
from changzhi_stats.package.paths import open_regular
from changzhi_stats.report import i18n
from changzhi_stats.report.catalogue import ERROR
from changzhi_stats.report.problems import Findings, Problem, Report
from changzhi_stats.sources.text import ROW, csv_reader, dialect_of
from changzhi_stats.sources.xlsx import XlsxSource

_TEXT = {
    "en": {
        "title": "Validation report",
        "valid": "VALID",
        "invalid": "INVALID",
        "summary": "{errors} error(s) and {warnings} warning(s) in {resources} resource(s), "
        "{rows} row(s)",
        "capped": "Only the first {cap} problems per severity are listed; the counts are exact.",
        "by_check": "Problems per check",
        "by_resource": "Problems per resource (as listed)",
        "check": "check",
        "meaning": "meaning",
        "severity": "severity",
        "count": "count",
        "resource": "resource",
        "errors": "Errors",
        "warnings": "Warnings",
        "none": "None.",
        "row": "row",
        "problems": "problems",
        "package_level": "The package and its files",
        "unreadable": "(the row could not be read back from the file)",
        "footer": "Made by cz-stats. Row numbers count as Frictionless does: the header is row 1.",
        "made": "cz-stats {version} · checked {date}",
        "fix": "fix",
        "no_fix": "see the message",
        "by_indicator": "Problems per indicator",
        "indicator": "indicator",
        "rows_listed": "rows",
        "checked": "Tables checked",
        "table": "table",
        "file": "file",
        "fields": "fields",
        "rows_count": "rows",
        "no_problems": "No problem found.",
        "written": "{verdict}: {errors} error(s), {warnings} warning(s); report written to {path}",
    },
    "zh": {
        "title": "数据校验报告",
        "valid": "有效",
        "invalid": "无效",
        "summary": "{resources} 个资源、{rows} 行中有 {errors} 个错误、{warnings} 个警告",
        "capped": "每种严重程度只列出前 {cap} 条问题；计数是准确的。",
        "by_check": "按检查项统计",
        "by_resource": "按资源统计（已列出的问题）",
        "check": "检查项",
        "meaning": "含义",
        "severity": "严重程度",
        "count": "数量",
        "resource": "资源",
        "errors": "错误",
        "warnings": "警告",
        "none": "无。",
        "row": "行",
        "problems": "问题",
        "package_level": "数据包及其文件",
        "unreadable": "（无法从文件中读回这一行）",
        "footer": "由 cz-stats 生成。行号与 Frictionless 一致：表头是第 1 行。",
        "made": "cz-stats {version} · 校验时间 {date}",
        "fix": "修改建议",
        "no_fix": "见问题说明",
        "by_indicator": "按指标统计",
        "indicator": "指标",
        "rows_listed": "行",
        "checked": "已校验的表",
        "table": "表",
        "file": "文件",
        "fields": "字段数",
        "rows_count": "行数",
        "no_problems": "没有发现问题。",
        "written": "{verdict}：{errors} 个错误，{warnings} 个警告；报告已写入 {path}",
    },
}

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",system-ui,sans-serif;
margin:1.2em;color:#1d1d1f;background:#fff;line-height:1.45}
h1{margin:0 0 .2em}h2{margin-top:1.6em;border-bottom:2px solid #ddd;padding-bottom:.2em}
h3{margin:1.2em 0 .4em}
.verdict{display:inline-block;padding:.2em .7em;border-radius:.3em;font-weight:bold;color:#fff}
.verdict.valid{background:#1a7f37}.verdict.invalid{background:#c62828}
.path,.made{color:#555;font-family:monospace}
table{border-collapse:collapse;margin:.4em 0 1em;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .4em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td{overflow-wrap:break-word}
table.rows{table-layout:fixed;width:100%;font-size:.85em}
table.rows th{overflow-wrap:anywhere;font-size:.92em}
td.rownum{color:#666;text-align:right;font-family:monospace}
td.bad{background:#ffd6d6;outline:2px solid #c62828;font-weight:bold}
td.warn{background:#fff1c2;outline:2px solid #b7791f;font-weight:bold}
td.msg.error{color:#8b1a1a}td.msg.warning{color:#7a4d00}
td.fix{color:#0b5394}
.name{display:block;font-weight:normal;color:#333}
section.errors h2{color:#c62828}section.warnings h2{color:#b7791f}
code{background:#f5f5f5;padding:0 .2em}
footer{margin-top:2em;color:#777;font-size:.85em}
"""


def html_report(
    report: Report,
    package_path: str | Path | None = None,
    *,
    now: dt.datetime | None = None,
) -> str:
    """The report as one self-contained HTML page, in the report's language.

    ``package_path`` (default: the package the report is about) is where the offending rows are
    read back from; only the rows the report lists are kept. ``now`` is the time shown as the
    run's date (default: the clock).
    """
    arguments.check_report(report, package_path)
    lang = report.lang if report.lang in _TEXT else "en"
    text = _TEXT[lang]
    source = package_path if package_path is not None else report.package
    package = _load(source)
    listed = report.errors + report.warnings
    rows = _read_rows(package, listed)
    names = _indicator_names(package, lang)
    verdict = "valid" if report.valid else "invalid"
    stamp = (now or dt.datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip()
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(text['title'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(text['title'])}</h1>",
        f'<p class="path">{_e(report.package or "")}</p>',
        f'<p class="made" id="made">{_e(text["made"].format(version=_version(), date=stamp))}</p>',
        f'<p><span class="verdict {verdict}" id="verdict">{_e(text[verdict])}</span> ',
        _e(
            text["summary"].format(
                errors=report.error_count,
                warnings=report.warning_count,
                resources=report.resources,
                rows=report.rows,
            )
        )
        + "</p>",
    ]
    if report.capped:
        out.append(f"<p>{_e(text['capped'].format(cap=report.max_errors))}</p>")
    if listed or report.counts:
        out.append(_summary(report, text, lang))
        out.append(_by_indicator(listed, rows, names, text))
    for kind, problems in (("errors", report.errors), ("warnings", report.warnings)):
        if not problems and not listed:
            continue  # a clean run: no empty sections
        out.append(f'<section class="{kind}" id="{kind}"><h2>{_e(text[kind])}</h2>')
        if not problems:
            out.append(f"<p>{_e(text['none'])}</p>")
        out.extend(_problems(problems, rows, names, text))
        out.append("</section>")
    out.append(_checked(package, report, text))  # what was covered: after the findings
    out.append(f"<footer>{_e(text['footer'])}</footer></body></html>")
    return "\n".join(out)


def written(report: Report, path: str | Path) -> str:
    """What the command line says after ``-o FILE``: the verdict and where the report is."""
    lang = report.lang if report.lang in _TEXT else "en"
    text = _TEXT[lang]
    return text["written"].format(
        verdict=text["valid" if report.valid else "invalid"],
        errors=report.error_count,
        warnings=report.warning_count,
        path=path,
    )


def _version() -> str:
    from changzhi_stats import __version__

    return __version__


def _load(source) -> PackageSpec | None:
    if source is None:
        return None
    try:
        return load_package(source)
    except Exception:  # the report still renders, without the rows
        return None


def _summary(report: Report, text: dict, lang: str) -> str:
    parts = [f"<h2>{_e(text['by_check'])}</h2>", '<table id="by-check">']
    parts.append(
        f"<tr><th>{_e(text['check'])}</th><th>{_e(text['meaning'])}</th>"
        f"<th>{_e(text['severity'])}</th><th>{_e(text['count'])}</th></tr>"
    )
    for code, count in report.counts.items():
        severity = _severity(code)
        parts.append(
            f"<tr><td><code>{_e(code)}</code></td><td>{_e(i18n.title(code, lang))}</td>"
            f"<td>{_e(i18n.word(severity, lang))}</td><td>{count}</td></tr>"
        )
    parts.append("</table>")
    per: dict[str, Counter] = {}
    for problem in report.errors + report.warnings:
        per.setdefault(problem.resource or "", Counter())[problem.severity] += 1
    if per:
        parts.append(f"<h2>{_e(text['by_resource'])}</h2>")
        parts.append('<table id="by-resource">')
        parts.append(
            f"<tr><th>{_e(text['resource'])}</th><th>{_e(text['errors'])}</th>"
            f"<th>{_e(text['warnings'])}</th></tr>"
        )
        for name, counts in per.items():
            shown = name or text["package_level"]
            parts.append(
                f"<tr><td>{_e(shown)}</td><td>{counts['error']}</td>"
                f"<td>{counts['warning']}</td></tr>"
            )
        parts.append("</table>")
    return "\n".join(parts)


def _indicator_of(problem: Problem, rows: dict) -> str | None:
    """The ``indicator_id`` of the row a problem is on, read back from the file."""
    header, cells = rows.get(problem.resource or "", (None, {}))
    if not header or "indicator_id" not in header or problem.row is None:
        return None
    record = cells.get(problem.row)
    index = header.index("indicator_id")
    if record is None or index >= len(record):
        return None
    return str(record[index]) or None


def _by_indicator(problems: list[Problem], rows: dict, names: dict, text: dict) -> str:
    per: dict[str, tuple[Counter, list[int]]] = {}
    for problem in problems:
        code = _indicator_of(problem, rows)
        if code is None:
            continue
        counts, numbers = per.setdefault(code, (Counter(), []))
        counts[problem.severity] += 1
        if problem.row not in numbers:
            numbers.append(problem.row)
    if not per:
        return ""
    parts = [f"<h2>{_e(text['by_indicator'])}</h2>", '<table id="by-indicator">']
    parts.append(
        f"<tr><th>{_e(text['indicator'])}</th><th>{_e(text['errors'])}</th>"
        f"<th>{_e(text['warnings'])}</th><th>{_e(text['rows_listed'])}</th></tr>"
    )
    for code, (counts, numbers) in per.items():
        shown = ", ".join(str(n) for n in sorted(numbers)[:20]) + (
            " …" if len(numbers) > 20 else ""
        )
        parts.append(
            f'<tr data-indicator="{_e(code)}"><td>{_named(code, names)}</td>'
            f"<td>{counts['error']}</td><td>{counts['warning']}</td><td>{_e(shown)}</td></tr>"
        )
    parts.append("</table>")
    return "\n".join(parts)


def _named(code: str, names: dict) -> str:
    name = names.get(code)
    return (f'<span class="name">{_e(name)}</span>' if name else "") + f"<code>{_e(code)}</code>"


def _checked(package: PackageSpec | None, report: Report, text: dict) -> str:
    """The tables checked, with their files, fields and rows: what a clean run covered."""
    if package is None or not package.resources:
        return ""
    parts = [f"<h2>{_e(text['checked'])}</h2>", '<table id="checked">']
    parts.append(
        f"<tr><th>{_e(text['table'])}</th><th>{_e(text['file'])}</th>"
        f"<th>{_e(text['fields'])}</th><th>{_e(text['rows_count'])}</th></tr>"
    )
    for resource in package.resources:
        fields = (resource.schema or {}).get("fields") or []
        title = resource.descriptor.get("title") if isinstance(resource.descriptor, dict) else None
        path = resource.descriptor.get("path") if isinstance(resource.descriptor, dict) else None
        count = _count_rows(resource)
        parts.append(
            f"<tr><td>{_e(resource.name)}"
            + (f'<span class="name">{_e(title)}</span>' if isinstance(title, str) else "")
            + f"</td><td><code>{_e(path if isinstance(path, str) else '')}</code></td>"
            f"<td>{len(fields) if isinstance(fields, list) else ''}</td>"
            f"<td>{'' if count is None else f'{count:,}'}</td></tr>"
        )
    parts.append("</table>")
    if not (report.errors or report.warnings):
        parts.append(f'<p id="clean">{_e(text["no_problems"])}</p>')
    return "\n".join(parts)


_COUNTED_BYTES = 32 << 20  # larger files: the total in the summary line says the rows


def _count_rows(resource: ResourceSpec) -> int | None:
    """The data rows of a plain CSV file (small enough to count quickly), else None."""
    path = resource.path
    if path is None or resource.format == "xlsx" or resource.compression:
        return None
    try:
        if not path.is_file() or path.stat().st_size > _COUNTED_BYTES:
            return None
        encoding = resource.encoding or "utf-8"
        with open_regular(path, "r", encoding=encoding, errors="replace", newline="") as handle:
            head = handle.read(1 << 16)
            handle.seek(0)
            dialect = dialect_of(resource, head)
            count = sum(1 for _ in csv_reader(handle, dialect))
        return max(count - (1 if dialect["header"] else 0), 0)
    except Exception:  # a file that cannot be counted: its problems are in the report
        return None


def _indicator_names(package: PackageSpec | None, lang: str) -> dict[str, str]:
    """``indicator_id`` → its name, from the package's ``indicators`` table when there is one."""
    if package is None:
        return {}
    resource = package.resource("indicators")
    if resource is None or resource.path is None or resource.format == "xlsx":
        return {}
    wanted = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
    try:
        path = resource.path  # a Path, or a StorePath (a package on an object store)
        if not path.is_file() or path.stat().st_size > _COUNTED_BYTES or resource.compression:
            return {}
        with open_regular(path, "r", encoding="utf-8-sig", errors="replace", newline="") as handle:
            reader = csv.DictReader(handle)
            names = {}
            for row in reader:
                name = next((row.get(k) for k in wanted if row.get(k)), None)
                if row.get("indicator_id") and name:
                    names[row["indicator_id"]] = name
            return names
    except Exception:  # no names: the codes are shown alone
        return {}


def _severity(code: str) -> str:
    from changzhi_stats.report.catalogue import CHECKS

    return CHECKS[code].severity if code in CHECKS else ERROR


def _hint(problem: Problem) -> str | None:
    """The fix a problem suggests, where the problem carries one (``hint`` or ``fix``)."""
    for name in ("hint", "fix"):
        value = getattr(problem, name, None)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _weights(names: list[str], rows: list[list[str] | None]) -> list[float]:
    """How wide each column should be: from its longest text (a CJK character counts double)
    and its longest word, which cannot wrap (CJK text can wrap anywhere)."""

    def width(value: object) -> int:
        return sum(2 if ord(c) > 0x2E80 else 1 for c in str(value or ""))

    def word(value: object) -> int:
        return max((len(w) for w in re.split(r"[\s\u2e80-\uffff]+", str(value or ""))), default=0)

    out = []
    for index, name in enumerate(names):
        cells = [r[index] for r in rows if r and index < len(r)]
        longest = max([width(c) for c in cells] + [0])
        if name == "indicator_id":
            longest += 12  # its name is shown too
        unbroken = max([word(c) for c in cells] + [min(word(name), 8)])
        out.append(min(max(longest / 10, unbroken / 4 + 0.4, 1.2), 4.0))
    return out


def _problems(problems: list[Problem], rows: dict, names: dict, text: dict) -> Iterable[str]:
    by_resource: dict[str, list[Problem]] = {}
    for problem in problems:
        by_resource.setdefault(problem.resource or "", []).append(problem)
    for name, found in by_resource.items():
        yield f"<h3>{_e(name or text['package_level'])}</h3>"
        loose = [p for p in found if p.row is None]
        if loose:
            yield "<ul>" + "".join(_loose(p, text) for p in loose) + "</ul>"
        placed = [p for p in found if p.row is not None]
        if not placed:
            continue
        header, cells = rows.get(name, (None, {}))
        width = max([len(header or [])] + [len(cells.get(p.row) or []) for p in placed])
        columns = list(header or []) + [""] * (width - len(header or []))
        # the columns share the page: no horizontal scrolling at 1366 px, long cells wrap
        weights = _weights(columns, [cells.get(p.row) for p in placed])
        fixes = any(_hint(p) for p in placed)  # a fix column where the problems carry fixes
        share = (68.0 if fixes else 80.5) / (sum(weights) or 1.0)
        yield '<table class="rows"><colgroup><col style="width:3.5%"><col style="width:16%">'
        yield ('<col style="width:12.5%">' if fixes else "") + "".join(
            f'<col style="width:{w * share:.2f}%">' for w in weights
        )
        yield "</colgroup>"
        yield (
            f"<tr><th>{_e(text['row'])}</th><th>{_e(text['problems'])}</th>"
            + (f"<th>{_e(text['fix'])}</th>" if fixes else "")
            + "".join(f"<th>{_e(n)}</th>" for n in columns)
            + "</tr>"
        )
        by_row: dict[int, list[Problem]] = {}
        for problem in placed:
            by_row.setdefault(problem.row, []).append(problem)
        for number in sorted(by_row):
            yield _row(number, by_row[number], cells.get(number), columns, names, text, fixes)
        yield "</table>"


def _row(
    number: int,
    problems: list[Problem],
    cells,
    columns: list[str],
    names: dict,
    text: dict,
    fixes: bool,
) -> str:
    marked: dict[int, Problem] = {}
    for problem in problems:
        for name in (problem.field or "").split(","):
            if name in columns:
                marked.setdefault(columns.index(name), problem)
    messages = "<br>".join(
        (f"<b>{_e(p.field)}</b>: " if p.field else "")
        + f"{_e(p.message)} <code>{_e(p.check)}</code>"
        for p in problems
    )
    hints = [h for h in dict.fromkeys(_hint(p) for p in problems) if h]
    fix = "<br>".join(_e(h) for h in hints) if hints else ""
    out = [
        f'<tr id="r{number}-{_slug(problems[0].resource)}"><td class="rownum">{number}</td>',
        f'<td class="msg {problems[0].severity}">{messages}</td>',
    ]
    if fixes:
        out.append(f'<td class="fix">{fix}</td>')
    if cells is None:
        out.append(f'<td colspan="{len(columns)}">{_e(text["unreadable"])}</td>')
    else:
        for index in range(len(columns)):
            value = cells[index] if index < len(cells) else ""
            shown = _e(value)
            if columns[index] == "indicator_id" and names.get(str(value)):
                shown = f'<span class="name">{_e(names[str(value)])}</span>{shown}'
            problem = marked.get(index)
            if problem is None:
                out.append(f"<td>{shown}</td>")
            else:
                kind = "bad" if problem.severity == ERROR else "warn"
                out.append(
                    f'<td class="{kind}" data-check="{_e(problem.check)}" '
                    f'title="{_e(problem.message)}">{shown}</td>'
                )
    out.append("</tr>")
    return "".join(out)


def _loose(problem: Problem, text: dict) -> str:
    value = f" <code>{_e(problem.value)}</code>" if problem.value else ""
    hint = _hint(problem)
    fix = f'<br><span class="fix">{_e(text["fix"])}：{_e(hint)}</span>' if hint else ""
    return f"<li>{_e(problem.message)}{value} <code>{_e(problem.check)}</code>{fix}</li>"


def _read_rows(
    package: PackageSpec | None, problems: list[Problem]
) -> dict[str, tuple[list[str] | None, dict]]:
    """Per resource: its header and the listed rows, read back from the package's files."""
    wanted: dict[str, set[int]] = {}
    for problem in problems:
        if problem.resource and problem.row is not None:
            wanted.setdefault(problem.resource, set()).add(problem.row)
    if not wanted or package is None:
        return {}
    found: dict[str, tuple[list[str] | None, dict]] = {}
    for name, numbers in wanted.items():
        resource = package.resource(name)
        if resource is None or resource.path is None:
            continue
        try:
            found[name] = _rows_of(resource, numbers)
        except Exception:  # an unreadable file: its problems are still listed
            continue
    return found


def _rows_of(resource: ResourceSpec, numbers: set[int]) -> tuple[list[str] | None, dict]:
    """The header (row 1) and the wanted rows of one resource, streamed, stopping early."""
    if resource.format == "xlsx":
        return _sheet_rows(resource, numbers)
    path = resource.path  # a Path, or a StorePath (a package on an object store)
    if path is None or not path.is_file():
        return None, {}
    encoding = resource.encoding or "utf-8"
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"

    def text():  # decompressed, for a compressed file
        raw = io.BufferedReader(open_data(path, resource.compression))
        return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")

    with text() as handle:
        head = handle.read(1 << 16)
    with text() as handle:
        dialect = dialect_of(resource, head)
        reader = csv_reader(handle, dialect)
        header: list[str] | None = None
        rows: dict[int, list[str]] = {}
        last = max(numbers)
        for number, record in enumerate(reader, start=1):
            if number == 1:
                header = record
            if number in numbers:
                rows[number] = record
            if number >= last:
                break
    if not dialect["header"]:
        header = [f.get("name", "") for f in resource.schema.get("fields", [])]
    return header, rows


def _sheet_rows(resource: ResourceSpec, numbers: set[int]) -> tuple[list[str] | None, dict]:
    quiet = Findings(0)
    source = XlsxSource(resource, quiet)
    rows: dict[int, list[str]] = {}
    last = max(numbers)
    for frame in source.batches(quiet):
        for record in frame.filter(pl.col(ROW).is_in(sorted(numbers))).iter_rows(named=True):
            number = record.pop(ROW)
            rows[number] = ["" if c is None else c for c in record.values()]
        if frame.height and int(frame[ROW].max()) >= last:
            break
    return source.labels, rows


def _slug(name: str | None) -> str:
    return "".join(c if c.isalnum() else "-" for c in (name or "package"))


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)
