"""The validation report as one self-contained HTML page: ``cz-stats validate --format html``.

The page needs no network and no JavaScript: inline CSS only. It shows the verdict, the counts
per check and per resource, and for each resource the offending rows read back from the
package's own files (only the rows listed in the report), every cell shown, the bad cell
highlighted and the message beside the row. Warnings are shown apart from errors.
"""

from __future__ import annotations

import html
import io
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from changzhi_stats import arguments
from changzhi_stats.package.compression import open_data
from changzhi_stats.package.descriptor import ResourceSpec, load_package
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
    },
}

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",system-ui,sans-serif;
margin:2em;color:#1d1d1f;background:#fff;line-height:1.45}
h1{margin:0 0 .2em}h2{margin-top:1.6em;border-bottom:2px solid #ddd;padding-bottom:.2em}
h3{margin:1.2em 0 .4em}
.verdict{display:inline-block;padding:.2em .7em;border-radius:.3em;font-weight:bold;color:#fff}
.verdict.valid{background:#1a7f37}.verdict.invalid{background:#c62828}
.path{color:#555;font-family:monospace}
table{border-collapse:collapse;margin:.4em 0 1em;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td.rownum{color:#666;text-align:right;font-family:monospace}
td.bad{background:#ffd6d6;outline:2px solid #c62828;font-weight:bold}
td.warn{background:#fff1c2;outline:2px solid #b7791f;font-weight:bold}
td{max-width:22em;overflow-wrap:break-word}
td.msg{min-width:18em;max-width:30em;font-size:.9em}
td.msg.error{color:#8b1a1a}td.msg.warning{color:#7a4d00}
section.errors h2{color:#c62828}section.warnings h2{color:#b7791f}
code{background:#f5f5f5;padding:0 .2em}
.scroll{overflow-x:auto}
footer{margin-top:2em;color:#777;font-size:.85em}
"""


def html_report(report: Report, package_path: str | Path | None = None) -> str:
    """The report as one self-contained HTML page, in the report's language.

    ``package_path`` (default: the package the report is about) is where the offending rows are
    read back from; only the rows the report lists are kept.
    """
    arguments.check_report(report, package_path)
    lang = report.lang if report.lang in _TEXT else "en"
    text = _TEXT[lang]
    source = package_path if package_path is not None else report.package
    rows = _read_rows(source, report.errors + report.warnings)
    verdict = "valid" if report.valid else "invalid"
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(text['title'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(text['title'])}</h1>",
        f'<p class="path">{_e(report.package or "")}</p>',
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
    out.append(_summary(report, text, lang))
    for kind, problems in (("errors", report.errors), ("warnings", report.warnings)):
        out.append(f'<section class="{kind}" id="{kind}"><h2>{_e(text[kind])}</h2>')
        if not problems:
            out.append(f"<p>{_e(text['none'])}</p>")
        out.extend(_problems(problems, rows, text))
        out.append("</section>")
    out.append(f"<footer>{_e(text['footer'])}</footer></body></html>")
    return "\n".join(out)


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
    parts.append(f"<h2>{_e(text['by_resource'])}</h2>")
    parts.append('<table id="by-resource">')
    parts.append(
        f"<tr><th>{_e(text['resource'])}</th><th>{_e(text['errors'])}</th>"
        f"<th>{_e(text['warnings'])}</th></tr>"
    )
    for name, counts in per.items():
        shown = name or text["package_level"]
        parts.append(
            f"<tr><td>{_e(shown)}</td><td>{counts['error']}</td><td>{counts['warning']}</td></tr>"
        )
    parts.append("</table>")
    return "\n".join(parts)


def _severity(code: str) -> str:
    from changzhi_stats.report.catalogue import CHECKS

    return CHECKS[code].severity if code in CHECKS else ERROR


def _problems(problems: list[Problem], rows: dict, text: dict) -> Iterable[str]:
    by_resource: dict[str, list[Problem]] = {}
    for problem in problems:
        by_resource.setdefault(problem.resource or "", []).append(problem)
    for name, found in by_resource.items():
        yield f"<h3>{_e(name or text['package_level'])}</h3>"
        loose = [p for p in found if p.row is None]
        if loose:
            yield "<ul>" + "".join(_loose(p) for p in loose) + "</ul>"
        placed = [p for p in found if p.row is not None]
        if not placed:
            continue
        header, cells = rows.get(name, (None, {}))
        width = max([len(header or [])] + [len(cells.get(p.row) or []) for p in placed])
        names = list(header or []) + [""] * (width - len(header or []))
        yield '<div class="scroll"><table class="rows">'
        yield (
            f"<tr><th>{_e(text['row'])}</th><th>{_e(text['problems'])}</th>"
            + "".join(f"<th>{_e(n)}</th>" for n in names)
            + "</tr>"
        )
        by_row: dict[int, list[Problem]] = {}
        for problem in placed:
            by_row.setdefault(problem.row, []).append(problem)
        for number in sorted(by_row):
            yield _row(number, by_row[number], cells.get(number), names, text)
        yield "</table></div>"


def _row(number: int, problems: list[Problem], cells, names: list[str], text: dict) -> str:
    marked: dict[int, Problem] = {}
    for problem in problems:
        for name in (problem.field or "").split(","):
            if name in names:
                marked.setdefault(names.index(name), problem)
    messages = "<br>".join(
        (f"<b>{_e(p.field)}</b>: " if p.field else "")
        + f"{_e(p.message)} <code>{_e(p.check)}</code>"
        for p in problems
    )
    out = [
        f'<tr id="r{number}-{_slug(problems[0].resource)}"><td class="rownum">{number}</td>',
        f'<td class="msg {problems[0].severity}">{messages}</td>',
    ]
    if cells is None:
        out.append(f'<td colspan="{len(names)}">{_e(text["unreadable"])}</td>')
    else:
        for index in range(len(names)):
            value = cells[index] if index < len(cells) else ""
            problem = marked.get(index)
            if problem is None:
                out.append(f"<td>{_e(value)}</td>")
            else:
                kind = "bad" if problem.severity == ERROR else "warn"
                out.append(
                    f'<td class="{kind}" data-check="{_e(problem.check)}" '
                    f'title="{_e(problem.message)}">{_e(value)}</td>'
                )
    out.append("</tr>")
    return "".join(out)


def _loose(problem: Problem) -> str:
    value = f" <code>{_e(problem.value)}</code>" if problem.value else ""
    return f"<li>{_e(problem.message)}{value} <code>{_e(problem.check)}</code></li>"


def _read_rows(source, problems: list[Problem]) -> dict[str, tuple[list[str] | None, dict]]:
    """Per resource: its header and the listed rows, read back from the package's files."""
    wanted: dict[str, set[int]] = {}
    for problem in problems:
        if problem.resource and problem.row is not None:
            wanted.setdefault(problem.resource, set()).add(problem.row)
    if not wanted or source is None:
        return {}
    try:
        package = load_package(source)
    except Exception:  # the report still renders, without the rows
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
    path = Path(resource.path)
    if not path.is_file():
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
