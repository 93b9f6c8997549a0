"""The CSV basics the reader builds on: encodings, dialects, the header record, blank rows.

Every cell stays text: types are parsed later by the checks, so "not a number" is a finding of
its own and never stops the reading. Row numbers count as Frictionless does: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import operator
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TextIO

import numpy as np
import polars as pl

from changzhi_stats.package.descriptor import TABULAR_FORMATS, ResourceSpec
from changzhi_stats.report.problems import Findings, make_problem

ROW = "\x01row"  # the row number (a leading U+0001, as rules.core.internal: no field is so)
_DECODE_LOCK = threading.Lock()
_SNIFF_DELIMITERS = (",", ";", "\t", "|")


def column(index: int) -> str:
    return f"c{index}"


# Text codecs that are not encodings of a file's bytes: they raise other errors than
# UnicodeDecodeError (idna, punycode), decode nothing (undefined) or interpret escapes.
NOT_FILE_ENCODINGS = frozenset(
    {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"}
)


def encoding_of(resource: ResourceSpec, findings: Findings) -> str | None:
    """The codec name of the resource's ``encoding``, or None (and a ``resource-error``) when it
    is not a text encoding a file can be in (``rot13``, ``base64``, ``idna``, ``undefined``)."""
    try:
        info = codecs.lookup(resource.encoding)
        usable = info._is_text_encoding and info.name not in NOT_FILE_ENCODINGS  # type: ignore[attr-defined]
    except (LookupError, ValueError, TypeError):  # ValueError: a NUL in the name
        info, usable = None, False
    if info is None or not usable:
        what = "unknown encoding" if info is None else "not a text encoding for files:"
        note = f"{what} {_clip(resource.encoding)!r}; declare e.g. 'utf-8' or 'gb18030'"
        findings.add(make_problem("resource-error", resource=resource.name, note=note))
        return None
    encoding = info.name
    return "utf-8" if encoding in ("utf-8", "utf-8-sig") else encoding


def _clip(text: str, size: int = 100) -> str:
    return text if len(text) <= size else text[:size] + "…"


def decode(raw: bytes, encoding: str, resource: ResourceSpec, findings: Findings) -> str:
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


def dialect_of(resource: ResourceSpec, text: str) -> dict:
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


_CSV_FIELD_LIMIT = 2**31 - 1  # csv's C long on every platform


def csv_reader(source: str | TextIO, dialect: dict):
    """Python's csv reader set up by a dialect (from :func:`dialect_of`), over text or a file.

    Its own cell limit (128 Ki characters) is lifted: the text is already in memory, and a long
    cell is the ``--max-cell-chars`` finding, never csv's "field larger than field limit".
    """
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    return csv.reader(
        io.StringIO(source, newline="") if isinstance(source, str) else source,
        delimiter=dialect["delimiter"],
        quotechar=dialect["quote_char"] or None,
        quoting=csv.QUOTE_MINIMAL if dialect["quote_char"] else csv.QUOTE_NONE,
        doublequote=dialect["double_quote"],
        escapechar=dialect["escape_char"] or None,
        strict=False,
    )


def first_record(text: str, dialect: dict) -> list[str]:
    head = text[: 1 << 20]
    try:
        return next(csv_reader(head, dialect), [])
    except csv.Error:
        return head.split("\n", 1)[0].rstrip("\r").split(dialect["delimiter"])


def drop_blank_rows(frame, names, resource, findings):
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


def combined_hash(columns: list[pl.Expr]) -> pl.Expr:
    """A 64-bit hash of several columns together, for keys kept across batches.

    Each column is hashed with its own seed and the hashes are xor-ed: about three times
    cheaper than hashing them as a struct (which encodes every row first). A collision costs
    only time where the key is re-checked exactly (repeated primary keys).
    """
    hashes = [value.hash(seed=number + 1) for number, value in enumerate(columns)]
    return functools.reduce(operator.xor, hashes)


def compact(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy of ``frame`` that owns its text, for rows kept across batches.

    polars strings are views into the buffers of the batch they were filtered from, so a few
    rows kept from each batch would keep every batch's text alive (measured: 1.1 GiB at 5M rows
    in the exact re-check of repeated keys). ``shrink_to_fit`` does not release them; a trip
    through Arrow's plain string layout does.
    """
    copied = pl.from_arrow(frame.to_arrow(compat_level=pl.CompatLevel.oldest()))
    assert isinstance(copied, pl.DataFrame)
    return copied


def append_csv(frame: pl.DataFrame, handle, *, header: bool) -> None:
    """Append ``frame`` to a release CSV: UTF-8, RFC 4180 (CRLF, quotes only where needed),
    missing cells empty. ``header``: this is the first batch written to ``handle``."""
    frame.write_csv(
        handle,
        include_header=header,
        line_terminator="\r\n",
        quote_style="necessary",
        null_value="",
    )


_SCAN = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cz-stats-scan")


class TableSource:
    """What validation reads a table through (CSV, or a workbook's sheet): the header, the cells
    short rows lack, and (in subclasses) batches of text cells with their row numbers."""

    def __init__(self, resource: ResourceSpec) -> None:
        self.resource = resource
        self.labels: list[str] | None = None
        self.width = 0
        self.missing_cells: set[tuple[int, int]] = set()  # (row, column) of absent cells
        self.readable = False

    @property
    def name(self) -> str:
        return self.resource.name

    def may_hold(self, needle: bytes) -> bool:
        """Whether the cells may contain ``needle``; True when that is not known ahead."""
        return True

    def may_hold_soon(self, needle: bytes) -> Future[bool]:
        """:meth:`may_hold` on a thread of its own, so a scan overlaps the first batch's read."""
        return _SCAN.submit(self.may_hold, needle)

    def _fail(self, findings: Findings, note: str) -> None:
        findings.add(make_problem("source-error", resource=self.name, note=note))
