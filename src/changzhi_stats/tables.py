"""Read a CSV file into raw text cells with Frictionless row numbers, finding structural faults.

Every cell stays text: types are parsed later by the checks, so "not a number" is a finding of
its own and never stops the reading. pyarrow does the parsing; rows whose cell count is wrong are
handed back by pyarrow, re-read here and kept, so their other cells are still checked.
"""

from __future__ import annotations

import codecs
import csv
import io
import threading
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from .package import TABULAR_FORMATS, ResourceSpec
from .report import Findings, make_problem

ROW = "__row__"
_DECODE_LOCK = threading.Lock()
_SNIFF_DELIMITERS = (",", ";", "\t", "|")


@dataclass
class RawTable:
    """Text cells in columns ``c0..cN``, their file row numbers in ``__row__``, and the header."""

    frame: pl.DataFrame
    labels: list[str] | None
    missing_cells: set[tuple[int, int]] = field(default_factory=set)

    @property
    def width(self) -> int:
        return self.frame.width - 1


def column(index: int) -> str:
    return f"c{index}"


def read_table(resource: ResourceSpec, findings: Findings) -> RawTable | None:
    """Read ``resource``'s file; file-level problems go to ``findings`` and give None."""
    name = resource.name
    try:
        raw = resource.path.read_bytes()
    except OSError as exc:
        note = f"{resource.path}: cannot read: {exc.strerror or exc}"
        findings.add(make_problem("source-error", resource=name, note=note))
        return None
    encoding = _encoding(resource, findings)
    if encoding is None:
        return None
    if encoding == "utf-8":
        # Fast path: pyarrow checks UTF-8 itself while parsing; decode only to locate faults.
        data = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
        head = data[: 1 << 20].decode("utf-8", errors="replace")
    else:
        text = _decode(raw, encoding, resource, findings)
        data, head = text.encode("utf-8"), text[: 1 << 20]
    if not data.strip(b"\r\n"):
        note = f"{resource.path.name}: the file is empty; a header row is expected"
        findings.add(make_problem("source-error", resource=name, note=note))
        return None
    dialect = _dialect(resource, head)
    header = dialect["header"]
    first = _first_record(head, dialect)
    width = max(len(first), 1)
    names = [column(i) for i in range(width)]
    try:
        try:
            table, invalid = _parse(data, names, dialect, use_threads=True)
        except pa.ArrowInvalid as exc:
            if encoding != "utf-8" or "UTF8" not in str(exc):
                raise
            data = _decode(data, encoding, resource, findings).encode("utf-8")
            table, invalid = _parse(data, names, dialect, use_threads=True)
        if invalid:
            table, invalid = _parse(data, names, dialect, use_threads=False)
    except (pa.ArrowInvalid, OSError) as exc:
        note = f"{resource.path.name}: cannot be parsed as CSV: {exc}"
        findings.add(make_problem("source-error", resource=name, note=note))
        return None
    frame = pl.from_arrow(table)
    if not isinstance(frame, pl.DataFrame):  # pragma: no cover - from_arrow of a Table
        frame = frame.to_frame()
    skipped = np.array(sorted(number for number, _ in invalid), dtype=np.int64)
    total = frame.height + len(skipped)
    rows = np.setdiff1d(np.arange(1, total + 1, dtype=np.int64), skipped, assume_unique=True)
    frame = frame.with_columns(pl.Series(ROW, rows, dtype=pl.Int64))
    labels = None
    if header:
        labels = list(first)
        frame = frame.filter(pl.col(ROW) != 1)
    frame, missing = _recover(frame, invalid, width, dialect, resource, findings)
    if dialect["skip_initial_space"]:
        frame = frame.with_columns(pl.col(names).str.strip_chars_start(" "))
        labels = [label.lstrip(" ") for label in labels] if labels else labels
    if dialect["comment_char"]:
        frame = frame.filter(~pl.col(names[0]).str.starts_with(dialect["comment_char"]))
    frame = _drop_blank_rows(frame, names, resource, findings)
    return RawTable(frame=frame, labels=labels, missing_cells=missing)


def _encoding(resource: ResourceSpec, findings: Findings) -> str | None:
    try:
        encoding = codecs.lookup(resource.encoding).name
    except LookupError:
        note = f"unknown encoding {resource.encoding!r}; declare e.g. 'utf-8' or 'gb18030'"
        findings.add(make_problem("resource-error", resource=resource.name, note=note))
        return None
    return "utf-8" if encoding in ("utf-8", "utf-8-sig") else encoding


def _decode(raw: bytes, encoding: str, resource: ResourceSpec, findings: Findings) -> str:
    """Decode, reporting each row with bytes that are not valid (as U+FFFD from then on)."""
    name = resource.name
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        pass
    bad: list[tuple[int, bytes]] = []

    def record(exc: UnicodeDecodeError) -> tuple[str, int]:
        bad.append((exc.start, exc.object[exc.start : exc.end]))
        return "\ufffd", exc.end

    with _DECODE_LOCK:
        codecs.register_error("changzhi-stats-record", record)
        text = raw.decode(encoding, errors="changzhi-stats-record")
    hint = ""
    if encoding == "utf-8":
        try:
            raw.decode("gb18030")
            hint = (
                '; the file looks like GB18030/GBK: declare "encoding": "gb18030" '
                "or save it as UTF-8"
            )
        except UnicodeDecodeError:
            pass
    lines = np.searchsorted(_newlines(raw, resource.dialect), [pos for pos, _ in bad]) + 1
    seen: set[int] = set()
    for line, (_, chunk) in zip(lines.tolist(), bad, strict=True):
        if line in seen:
            continue
        seen.add(line)
        findings.add(
            make_problem(
                "encoding-error",
                resource=name,
                row=line,
                value=chunk.hex(" "),
                encoding=resource.encoding,
                hint=hint,
            )
        )
    return text


def _newlines(raw: bytes, dialect: dict) -> np.ndarray:
    """Where the records end: line feeds outside quoted cells, so positions map to row numbers."""
    data = np.frombuffer(raw, dtype=np.uint8)
    ends = data == 0x0A
    quote = (dialect or {}).get("quoteChar", '"')
    if isinstance(quote, str) and len(quote) == 1 and ord(quote) < 0x80:
        inside = np.cumsum(data == ord(quote)) % 2 == 1
        ends &= ~inside
    return np.flatnonzero(ends)


def _dialect(resource: ResourceSpec, text: str) -> dict:
    declared = resource.dialect or {}
    delimiter = declared.get("delimiter")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        delimiter = TABULAR_FORMATS.get(resource.format, ",")
        if "delimiter" not in declared and resource.format == "csv":
            delimiter = _sniff_delimiter(text)
    quote = declared.get("quoteChar", '"')
    escape = declared.get("escapeChar")
    comment = declared.get("commentChar")
    return {
        "delimiter": delimiter,
        "quote_char": quote if isinstance(quote, str) and len(quote) == 1 else False,
        "double_quote": bool(declared.get("doubleQuote", True)),
        "escape_char": escape if isinstance(escape, str) and len(escape) == 1 else False,
        "header": bool(declared.get("header", True)),
        "skip_initial_space": bool(declared.get("skipInitialSpace", False)),
        "comment_char": comment if isinstance(comment, str) and comment else None,
    }


def _sniff_delimiter(text: str) -> str:
    """Without a declared dialect, pick the delimiter the header line uses most (default ',')."""
    line = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {d: line.count(d) for d in _SNIFF_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _csv_reader(text: str, dialect: dict):
    return csv.reader(
        io.StringIO(text, newline=""),
        delimiter=dialect["delimiter"],
        quotechar=dialect["quote_char"] or None,
        quoting=csv.QUOTE_MINIMAL if dialect["quote_char"] else csv.QUOTE_NONE,
        doublequote=dialect["double_quote"],
        escapechar=dialect["escape_char"] or None,
        strict=False,
    )


def _first_record(text: str, dialect: dict) -> list[str]:
    head = text[: 1 << 20]
    try:
        return next(_csv_reader(head, dialect), [])
    except csv.Error:
        return head.split("\n", 1)[0].rstrip("\r").split(dialect["delimiter"])


def _parse(data: bytes, names: list[str], dialect: dict, *, use_threads: bool):
    invalid: list[tuple[int, str]] = []

    def handler(row) -> str:
        invalid.append((row.number if row.number is not None else -1, row.text))
        return "skip"

    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(
            column_names=names, use_threads=use_threads, block_size=16 << 20
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=dialect["delimiter"],
            quote_char=dialect["quote_char"],
            double_quote=dialect["double_quote"],
            escape_char=dialect["escape_char"],
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=handler,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return table, invalid


def _recover(frame, invalid, width, dialect, resource, findings):
    """Re-read the rows pyarrow set aside (wrong cell count) and keep them for the other checks."""
    missing: set[tuple[int, int]] = set()
    if not invalid:
        return frame, missing
    records: dict[str, list] = {column(i): [] for i in range(width)}
    records[ROW] = []
    for number, text in invalid:
        cells = next(_csv_reader(text, dialect), [])
        for extra in cells[width:]:
            findings.add(
                make_problem(
                    "extra-cell",
                    resource=resource.name,
                    row=number,
                    value=extra,
                    actual=len(cells),
                    expected=width,
                )
            )
        for i in range(len(cells), width):
            missing.add((number, i))
        padded = (cells + [None] * width)[:width]
        for i, cell in enumerate(padded):
            records[column(i)].append(cell)
        records[ROW].append(number)
    extra_frame = pl.DataFrame(records, schema=frame.schema)
    frame = pl.concat([frame, extra_frame]).sort(ROW)
    return frame, missing


def _drop_blank_rows(frame, names, resource, findings):
    """Rows whose every cell is missing are reported once and not checked further."""
    if not frame.height or frame[names[0]].null_count() == 0:
        return frame  # a blank row has a missing first cell: none here
    blank = pl.all_horizontal([pl.col(n).is_null() for n in names])
    blank_rows = frame.filter(blank)[ROW]
    if blank_rows.len():
        sample = [
            make_problem("blank-row", resource=resource.name, row=row)
            for row in blank_rows.head(findings.room("blank-row")).to_list()
        ]
        findings.add_count("blank-row", blank_rows.len(), sample)
        frame = frame.filter(~blank)
    return frame
