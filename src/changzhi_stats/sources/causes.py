"""One finding per cause: what a table's first rows (and its end) say about the way it was made.

A title row above the header, a file saved in GB18030/GBK, data on another sheet of a
workbook, the blanks an export of merged cells leaves and the empty rows and columns at the end
of an export each make one cause of many findings (a title row: every label and every row). Each
is detected here, before the table is read, from its first records (:data:`HEAD_BYTES` of a CSV,
:data:`HEAD_ROWS` of a sheet); validation then mutes the findings the cause accounts for
(:class:`~changzhi_stats.report.problems.Muted`, which counts them) and reports the cause once,
saying how many findings it stands for. Counts stay exact: ``counts`` counts the findings
reported, and each cause's message gives the number of those it holds back.

Merged-cell blanks and trailing empty rows are judged on a whole table, so only on a CSV that
fits in :data:`HEAD_BYTES` or a sheet of at most :data:`HEAD_ROWS` rows.
"""

from __future__ import annotations

import codecs
import csv
import json
from dataclasses import dataclass
from dataclasses import field as default
from itertools import pairwise

from changzhi_stats.package.descriptor import ResourceSpec
from changzhi_stats.report.problems import Findings, Muted, make_problem
from changzhi_stats.rules.tableschema import fields_of, key_fields, missing_values
from changzhi_stats.sources.text import TableSource, csv_reader

HEAD_BYTES = 1 << 20
HEAD_ROWS = 5000
TITLE_ROWS = 10  # how far below row 1 a header is looked for
MERGED_MIN = 3  # blanks below a value, at least, and at least a quarter of the rows


@dataclass
class Cause:
    """One cause found in a table: its check code, the parameters of its message (but
    ``hidden``), where it is, and the findings it mutes."""

    code: str
    resource: str
    params: dict
    row: int | None = None
    field: str | None = None
    muted: list[Muted] = default(default_factory=list)

    def problem(self):
        hidden = sum(m.hidden for m in self.muted)
        return make_problem(
            self.code,
            resource=self.resource,
            row=self.row,
            field=self.field,
            **{**self.params, "hidden": hidden},
        )


def detect(resource: ResourceSpec, source: TableSource, findings: Findings) -> list[Cause]:
    """The causes found in ``source`` (already opened), with their mutes installed in
    ``findings``; none when the resource has no schema to judge its header by."""
    if "schema" not in resource.descriptor or not source.readable:
        return []
    names = [f.get("name") for f in fields_of(resource.schema) if isinstance(f.get("name"), str)]
    try:
        causes = _detect(resource, source, names)
    except Exception:
        return []
    for cause in causes:
        for muted in cause.muted:
            findings.mute(muted)
    return causes


def _detect(resource: ResourceSpec, source: TableSource, names: list[str]) -> list[Cause]:
    from changzhi_stats.sources.csv import CsvSource
    from changzhi_stats.sources.xlsx import XlsxSource

    if isinstance(source, CsvSource):
        head, whole, raw = _csv_head(source)
        gbk = _gb18030(resource, source, raw)
        if gbk is not None:
            return [gbk]
        sheets = None
    elif isinstance(source, XlsxSource):
        sheets = _sheets(source)
        head = sheets.get(source.sheet_name, [])
        whole = len(head) < HEAD_ROWS
    else:
        return []
    title = _title_row(resource, head, names)
    if title is not None:
        return [title]
    if sheets is not None and _matches(head[0] if head else [], names) < _needed(names):
        other = _other_sheet(resource, source.sheet_name, sheets, names)
        if other is not None:
            return [other]
    if not whole or not head:
        return []
    causes = _merged_blanks(resource, head, names)
    trailing = _trailing_empty(resource, head, names)
    return causes + ([trailing] if trailing else [])


# --- reading the first records -------------------------------------------------------------


def _csv_head(source) -> tuple[list[list[str]], bool, bytes]:
    """The first records of a CSV (as text), whether they are all of them, and the raw bytes."""
    with source._raw() as handle:
        raw = handle.read(HEAD_BYTES + 1)
    whole = len(raw) <= HEAD_BYTES
    raw = raw[:HEAD_BYTES]
    data = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
    encoding = source.encoding if source.encoding != "utf-8" else "utf-8"
    text = data.decode(encoding, errors="replace")
    if not whole:  # the last record may be cut short
        text = text[: text.rfind("\n") + 1]
    try:
        records = list(csv_reader(text, source.dialect))
    except csv.Error:
        return [], False, raw
    return records, whole, raw


def _sheets(source) -> dict[str, list[list[str]]]:
    """Each sheet's first rows (the sheet read: up to :data:`HEAD_ROWS`; the others: up to
    :data:`TITLE_ROWS`), as text, trailing empty cells and rows dropped."""
    from changzhi_stats.sources.xlsx import _close, _every_cell, _text

    book = source._workbook()
    try:
        found = {}
        for sheet in book.worksheets:
            _every_cell(sheet)
            limit = HEAD_ROWS if sheet.title == source.sheet_name else TITLE_ROWS
            rows = []
            for values in sheet.iter_rows(max_row=limit, values_only=True):
                cells = ["" if v is None else (_text(v) or "") for v in values]
                while cells and not cells[-1].strip():
                    cells.pop()
                rows.append(cells)
            while rows and not rows[-1]:
                rows.pop()
            found[sheet.title] = rows
        return found
    finally:
        _close(book)


# --- the causes ----------------------------------------------------------------------------


def _matches(record: list[str], names: list[str]) -> int:
    wanted = set(names)
    return sum(1 for cell in dict.fromkeys(c.strip() for c in record) if cell in wanted)


def _needed(names: list[str]) -> int:
    """How many of the schema's names a record must hold to be its header."""
    return max(2, (len(names) + 1) // 2)


def _title_row(resource: ResourceSpec, head: list[list[str]], names: list[str]) -> Cause | None:
    if len(names) < 2 or not head or _matches(head[0], names) >= _needed(names):
        return None
    for index, record in enumerate(head[1 : TITLE_ROWS + 1], 1):
        if _matches(record, names) >= _needed(names):
            title = next((c.strip() for r in head[:index] for c in r if c.strip()), "")
            if not title:
                return None  # blank rows above the header: blank-row findings say it
            return Cause(
                "header-not-first-row",
                resource.name,
                {"header": index + 1, "above": index, "title": title[:60]},
                row=index + 1,
                muted=[Muted(resource.name)],
            )
    return None


def _other_sheet(resource, read: str, sheets: dict, names: list[str]) -> Cause | None:
    for title, rows in sheets.items():
        if title != read and rows and _matches(rows[0], names) >= _needed(names):
            return Cause(
                "data-on-other-sheet",
                resource.name,
                {
                    "read": read,
                    "found": title,
                    "sheets": ", ".join(sheets),
                    "declare": json.dumps(title, ensure_ascii=False),
                },
                muted=[Muted(resource.name)],
            )
    return None


def _gb18030(resource: ResourceSpec, source, raw: bytes) -> Cause | None:
    """A file read as UTF-8 (declared, or by default) whose bytes are GB18030/GBK."""
    if source.encoding != "utf-8" or raw.isascii():
        return None
    cut = raw[: raw.rfind(b"\n") + 1] or raw
    try:
        cut.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        cut.decode("gb18030")
    except UnicodeDecodeError:
        return None
    return Cause(
        "encoding-gb18030",
        resource.name,
        {},
        muted=[Muted(resource.name, frozenset({"encoding-error"}))],
    )


def _blank(cell: str, missing: set[str]) -> bool:
    return cell in missing or not cell.strip()


def _merged_blanks(resource: ResourceSpec, head: list[list[str]], names: list[str]) -> list[Cause]:
    """A required or key column blank below a value in at least :data:`MERGED_MIN` rows and a
    quarter of the rows with data, in at least two runs: the cells of merged ranges, exported,
    but their first (a column with one value and blanks below is a column still to fill). Such
    an export never holds one value in two adjacent rows: those would have been merged too."""
    schema = resource.schema
    key = set(key_fields(schema.get("primaryKey")))
    coded = [
        f["name"]
        for f in fields_of(schema)
        if isinstance(f.get("name"), str)
        and (f["name"] in key or (f.get("constraints") or {}).get("required") is True)
    ]
    labels = [c.strip() for c in head[0]]
    missing = set(missing_values(schema))
    # the rows with data (a blank row is a finding of its own)
    rows = [(n, r) for n, r in _data_rows(head, missing) if not all(_blank(c, missing) for c in r)]
    causes = []
    for name in coded:
        if name not in labels:
            continue
        index = labels.index(name)
        cells = [(number, r[index] if index < len(r) else "") for number, r in rows]
        if not cells or _blank(cells[0][1], missing):
            continue  # a blank in the first data row is below no value
        blanks = [n for n, c in cells if _blank(c, missing)]
        if len(blanks) < MERGED_MIN or len(blanks) * 4 < len(cells):
            continue  # a blank here and there is a missing value, not a merged cell
        runs = sum(
            1
            for (_, before), (_, cell) in pairwise(cells)
            if not _blank(before, missing) and _blank(cell, missing)
        )
        if runs < 2:
            continue  # one value and blanks below it: a column still to fill, not merged ranges
        if _adjacent_equal(cells, missing):
            continue  # equal values in adjacent rows, unmerged: blanks left here and there
        causes.append(
            Cause(
                "merged-cell-blanks",
                resource.name,
                {"blanks": len(blanks), "first": blanks[0]},
                row=blanks[0],
                field=name,
                muted=[Muted(resource.name, frozenset({"required-error"}), field=name)],
            )
        )
    return causes


def _adjacent_equal(cells: list[tuple[int, str]], missing: set[str]) -> bool:
    """Two adjacent rows hold the same value: an export of merged ranges merges those."""
    return any(not _blank(a, missing) and a == b for (_, a), (_, b) in pairwise(cells))


def _data_rows(head: list[list[str]], missing: set[str]) -> list[tuple[int, list[str]]]:
    """(row number, cells) of the data rows, trailing empty rows aside."""
    rows = list(enumerate(head[1:], 2))
    while rows and all(_blank(c, missing) for c in rows[-1][1]):
        rows.pop()
    return rows


def _trailing_empty(
    resource: ResourceSpec, head: list[list[str]], names: list[str]
) -> Cause | None:
    """Empty rows after the last data row, empty unnamed columns after the last named one."""
    missing = set(missing_values(resource.schema))
    rows = _data_rows(head, missing)
    empty_rows = len(head) - 1 - len(rows)
    labels = head[0]
    named = len(labels)
    while named and not labels[named - 1].strip():
        named -= 1
    empty_columns = 0
    if named >= len(names) and named < len(labels):
        tail = [cell for _, r in rows for cell in r[named:]]
        if all(_blank(c, missing) for c in tail):
            empty_columns = len(labels) - named
    if empty_rows + empty_columns < 2:
        return None  # one empty row or column is one finding already: no cause to gather
    muted = []
    if empty_rows:
        muted.append(Muted(resource.name, frozenset({"blank-row"}), from_row=len(rows) + 2))
    if empty_columns:
        muted.append(
            Muted(resource.name, frozenset({"extra-label", "blank-label"}), value="", row=1)
        )
    return Cause(
        "trailing-empty",
        resource.name,
        {"rows": empty_rows, "columns": empty_columns},
        row=len(rows) + 2 if empty_rows else 1,
        muted=muted,
    )
