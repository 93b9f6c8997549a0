"""Read an ``.xlsx`` sheet into the same batch frames the CSV reader yields.

A resource with ``"format": "xlsx"`` names its sheet with ``sheet`` (a name, or a 1-based
index; in the resource or its ``dialect``; default: the first sheet). Cells are read as the text
a person sees (``57.5``, ``2024-12-04``), so every check works on them exactly as on a CSV.
A number cell is read as its number format shows it: ``0.0`` shows 6.84 as ``6.8``, ``#,##0``
shows 1234.4 as ``1234`` (without the grouping comma, which a number field refuses), and a
percent format shows 0.93 as 93 %, read as the percent figure ``93`` (the package states a share
as 93, in unit ``percent``); General shows at most 15 significant digits, so a float artifact
6.800000000000001 is ``6.8``. Where the format hides digits the cell holds (6.84 shown as 6.8),
the cell is a ``cell-format-rounds`` finding naming both; a spreadsheet date in a text field
(a period 2024-09 that Excel turned into the day 2024-09-01) is a ``date-cell-in-text``.
Other number formats (scientific, fractions, currencies, custom text) are read as General,
with no finding. Also,
the row numbers are the sheet's own (the header is row 1), so a problem at row 7 of field
``value`` is cell ``Sheet1!D7`` — :func:`cell_ref` gives that reference.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import polars as pl

from changzhi_stats.package.descriptor import ResourceSpec
from changzhi_stats.package.limits import MIB, UNPACK_FLOOR, UNPACK_RATIO, describe_bytes
from changzhi_stats.package.paths import open_regular
from changzhi_stats.report.problems import Findings, make_problem
from changzhi_stats.rules.tableschema import missing_values
from changzhi_stats.sources.text import ROW, TableSource, column, drop_blank_rows

BATCH_ROWS = 50_000


def sheet_of(resource: ResourceSpec) -> str | int | None:
    """The ``sheet`` the resource names (in the resource or its dialect), if any."""
    for holder in (resource.descriptor, resource.dialect or {}):
        value = holder.get("sheet") if isinstance(holder, dict) else None
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return value
    return None


def column_letter(index: int) -> str:
    """0 → ``A``, 25 → ``Z``, 26 → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(sheet: str, row: int, index: int | None) -> str:
    """``Sheet1!C7`` (``Sheet1!7`` for a whole row); quoted as Excel does when needed."""
    shown = sheet if sheet.replace("_", "").isalnum() and sheet.isascii() else f"'{sheet}'"
    return f"{shown}!{column_letter(index) if index is not None else ''}{row}"


def _text(value: object) -> str | None:
    """A cell as the text a person sees in it (a number as General shows it)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _general(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _general(value: float) -> str:
    """A float as Excel's General shows it: at most 15 significant digits (Excel keeps no more),
    so a float artifact 6.800000000000001 is 6.8; whole numbers without a decimal point."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if value != value or value in (float("inf"), float("-inf")):
        return repr(value)
    return f"{value:.15g}"


# The number formats whose shown text is read: 0, 0.0…, #,##0, #,##0.00…, and each with %.
# (openpyxl's STRIP_RE removes colours, locales and quoted text first.)
_DIGITS_FORMAT = re.compile(r"(?:#,##0|0)(?:\.(0+))?(%?)")


def _shown(value: int | float, number_format: str) -> tuple[str, str | None]:
    """``(text read, stored figure)`` of a number cell: the figure its format shows, and the
    figure it holds when the format hides some of its digits (else None)."""
    from openpyxl.styles.numbers import STRIP_RE

    section = STRIP_RE.sub("", str(number_format or "General").split(";")[0]).strip()
    found = _DIGITS_FORMAT.fullmatch(section)
    general = _general(float(value)) if isinstance(value, float) else str(value)
    if found is None:  # General, text, or a format not read: as General, with no finding
        return general, None
    try:
        stored = Decimal(general)
    except InvalidOperation:  # inf, nan: the number checks say so
        return general, None
    if found.group(2):
        stored = stored * 100
    shown = stored.quantize(Decimal(1).scaleb(-len(found.group(1) or "")), ROUND_HALF_UP)
    if shown == 0:
        shown = abs(shown)
    text = format(shown, "f")
    if shown == stored:
        return text, None
    return text, format(stored.normalize(), "f")


class XlsxSource(TableSource):
    """One sheet of a workbook, read like :class:`~changzhi_stats.sources.csv.CsvSource`."""

    def __init__(self, resource: ResourceSpec, findings: Findings, batch_rows: int = BATCH_ROWS):
        super().__init__(resource)
        self.batch_rows = batch_rows
        self.missing = set(missing_values(resource.schema))
        self.sheet_name = ""
        self._open(findings)

    def _workbook(self):
        """The workbook, read-only, from a regular file whose parts are within the limits."""
        import openpyxl  # imported late: only workbooks need it

        handle = open_regular(self.resource.path, "rb")  # a FIFO is refused, not waited on
        try:
            _check_parts(handle, self.resource.max_bytes)
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except BaseException:
            handle.close()
            raise
        book._cz_handle = handle  # closed with the book (openpyxl leaves a file object open)
        return book

    def _sheet(self, book, findings: Findings):
        wanted = sheet_of(self.resource)
        if wanted is None:
            return book.worksheets[0]
        if isinstance(wanted, int):
            if 1 <= wanted <= len(book.worksheets):
                return book.worksheets[wanted - 1]
            self._fail(
                findings,
                f"sheet {wanted} does not exist (the workbook has "
                f"{len(book.worksheets)}: {', '.join(book.sheetnames)})",
            )
            return None
        if wanted in book.sheetnames:
            return book[wanted]
        self._fail(
            findings, f"sheet {wanted!r} does not exist (sheets: {', '.join(book.sheetnames)})"
        )
        return None

    def _open(self, findings: Findings) -> None:
        try:
            book = self._workbook()
        except PartTooLarge as exc:
            findings.add(
                make_problem(
                    "limit-exceeded",
                    resource=self.name,
                    what=exc.what,
                    limit=exc.limit,
                    consequence="the workbook was not read",
                    hint=exc.hint,
                )
            )
            return
        except Exception as exc:  # not a zip, not a workbook, unreadable
            self._fail(
                findings, f"{self.resource.path.name}: cannot be read as an .xlsx workbook: {exc}"
            )
            return
        try:
            if not book.worksheets:
                self._fail(findings, f"{self.resource.path.name}: the workbook has no worksheet")
                return
            sheet = self._sheet(book, findings)
            if sheet is None:
                return
            self.sheet_name = sheet.title
            _every_cell(sheet)
            first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
        except Exception as exc:  # a part cut short or malformed
            self._fail(
                findings,
                f"{self.resource.path.name}: cannot be read as an .xlsx workbook: "
                f"{type(exc).__name__}: {exc}",
            )
            return
        finally:
            _close(book)
        cells = [_text(v) for v in (first or ())]
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            self._fail(findings, f"sheet {self.sheet_name!r} is empty; a header row is expected")
            return
        self.width = len(cells)
        self.labels = [c or "" for c in cells]
        self.readable = True

    def batches(self, findings: Findings) -> Iterator[pl.DataFrame]:
        """Frames of ``c0..cN`` text cells and ``__row__`` (Excel's row numbers)."""
        if not self.readable:
            return
        try:
            yield from self._batches(findings)
        except Exception as exc:  # a workbook broken past its first row
            self._fail(findings, f"{self.resource.path.name}: the workbook breaks off: {exc}")

    def _batches(self, findings: Findings) -> Iterator[pl.DataFrame]:
        book = self._workbook()
        try:
            sheet = book[self.sheet_name]
            _every_cell(sheet)
            records: list[list] = []
            blank: list[list] = []  # empty rows, kept back: trailing ones are not data
            text_fields = self._text_fields()
            for number, row in enumerate(sheet.iter_rows(min_row=2), 2):
                cells = [self._cell(c, number, i, text_fields, findings) for i, c in enumerate(row)]
                for index in range(self.width, len(cells)):
                    if cells[index] is not None:
                        findings.add(
                            make_problem(
                                "extra-cell",
                                resource=self.name,
                                row=number,
                                value=cells[index],
                                actual=index + 1,
                                expected=self.width,
                            )
                        )
                cells = (cells + [None] * self.width)[: self.width]
                record = [number, *(None if c in self.missing else c for c in cells)]
                if all(c is None for c in record[1:]):
                    blank.append(record)
                    continue
                records.extend(blank)
                blank = []
                records.append(record)
                if len(records) >= self.batch_rows:
                    yield self._frame(records, findings)
                    records = []
            if records:
                yield self._frame(records, findings)
        finally:
            _close(book)

    def _text_fields(self) -> dict[int, str]:
        """Column index → field name of the columns whose field is text (``string``, the
        default type), matched by header label."""
        types = {
            f.get("name"): f.get("type") or "string"
            for f in self.resource.schema.get("fields") or []
            if isinstance(f, dict)
        }
        return {
            i: label
            for i, label in enumerate(self.labels or [])
            if label in types and types[label] == "string"
        }

    def _cell(self, cell, number: int, index: int, text_fields: dict, findings: Findings):
        """The text a cell shows; a finding where it shows other digits than it holds, or
        where it is a date in a text field."""
        value = getattr(cell, "value", None)
        if index >= self.width or value is None or isinstance(value, bool):
            return _text(value)
        field = (self.labels or [])[index] or None
        if isinstance(value, (int, float)):
            fmt = getattr(cell, "number_format", "General")
            text, stored = _shown(value, fmt)
            if stored is not None:
                findings.add(
                    make_problem(
                        "cell-format-rounds",
                        resource=self.name,
                        row=number,
                        field=field,
                        value=text,
                        stored=stored,
                        format=str(fmt),
                    )
                )
            return text
        text = _text(value)
        if isinstance(value, (dt.datetime, dt.date)) and index in text_fields:
            findings.add(
                make_problem(
                    "date-cell-in-text",
                    resource=self.name,
                    row=number,
                    field=field,
                    value=text,
                    format=str(getattr(cell, "number_format", "General")),
                )
            )
        return text

    def _frame(self, records: list[list], findings: Findings) -> pl.DataFrame:
        names = [column(i) for i in range(self.width)]
        schema = {ROW: pl.Int64, **{n: pl.String for n in names}}
        frame = pl.DataFrame(records, schema=schema, orient="row")
        return drop_blank_rows(frame, names, self.resource, findings)


class PartTooLarge(Exception):
    """A part of the workbook over a limit (a ``limit-exceeded`` finding)."""

    def __init__(self, what: str, limit: str, hint: str) -> None:
        super().__init__(what)
        self.what, self.limit, self.hint = what, limit, hint


# The shared strings are read whole into memory when the workbook opens (60M strings took
# gigabytes): their part is limited before openpyxl sees it.
SHARED_STRINGS_BYTES = 256 * MIB


def _check_parts(handle, file_bytes: int | None, ratio: int = UNPACK_RATIO) -> None:
    """Refuse a workbook whose parts unpack to more than the limits (checked in the zip's
    directory, before anything is unpacked)."""
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip: openpyxl says so
    finally:
        handle.seek(0)
    hint = "a workbook this large is better saved as CSV UTF-8"
    for info in members:
        if "sharedstrings" in info.filename.lower():
            if info.file_size > SHARED_STRINGS_BYTES:
                raise PartTooLarge(
                    f"its shared strings unpack to {describe_bytes(info.file_size)}",
                    describe_bytes(SHARED_STRINGS_BYTES),
                    hint,
                )
    total = sum(info.file_size for info in members)
    packed = sum(info.compress_size for info in members)
    if total > UNPACK_FLOOR and total > ratio * max(packed, 1):  # a zip bomb (issue 15)
        raise PartTooLarge(
            f"the workbook unpacks to {describe_bytes(total)}, {total // max(packed, 1):,} "
            "times its packed size",
            f"{ratio:,}×",
            f"{hint} (limits.UNPACK_RATIO)",
        )
    if file_bytes is not None and total > file_bytes:
        raise PartTooLarge(
            f"the workbook unpacks to {describe_bytes(total)}",
            describe_bytes(file_bytes),
            f"{hint}; or raise it with --max-file-bytes or Limits(file_bytes=...)",
        )


def _every_cell(sheet) -> None:
    """Read every row and column the sheet holds, not the ``<dimension>`` it declares.

    openpyxl's read-only mode trusts the declared dimension: a stale ``A1:J10`` over 31 rows
    loses 21 of them silently, and ``A1:XFD1048576`` pads every row to 16,384 cells and the
    sheet to a million rows. Forgetting it, rows and cells come as the sheet's XML has them.
    """
    reset = getattr(sheet, "reset_dimensions", None)
    if reset is not None:
        reset()


def _close(book) -> None:
    try:
        book.close()
    finally:
        handle = getattr(book, "_cz_handle", None)
        if handle is not None:
            handle.close()


def open_source(resource: ResourceSpec, findings: Findings) -> TableSource:
    """The reader of a resource: this one for ``xlsx``, the CSV reader for the rest."""
    if resource.format == "xlsx":
        return XlsxSource(resource, findings)
    from changzhi_stats.sources.csv import CsvSource

    return CsvSource(resource, findings)


def locate(report, package):
    """Prefix each problem in a sheet with its cell, ``Sheet1!C7`` (``Sheet1!7`` for a row)."""
    from dataclasses import replace

    sheets: dict[str, tuple[str, list[str]]] = {}
    for resource in package.resources:
        if resource.format == "xlsx":
            source = XlsxSource(resource, Findings(0))
            if source.readable:
                fields = (
                    [
                        f.get("name")
                        for f in resource.schema.get("fields") or []
                        if isinstance(f, dict)
                    ]
                    or source.labels
                    or []
                )
                sheets[resource.name] = (source.sheet_name, fields)
    if not sheets:
        return report

    def located(problem):
        if problem.resource not in sheets or problem.row is None:
            return problem
        sheet, fields = sheets[problem.resource]
        first = (problem.field or "").split(",")[0]
        index = fields.index(first) if first in fields else None
        return replace(problem, message=f"{cell_ref(sheet, problem.row, index)}: {problem.message}")

    return replace(
        report,
        errors=[located(p) for p in report.errors],
        warnings=[located(p) for p in report.warnings],
    )
