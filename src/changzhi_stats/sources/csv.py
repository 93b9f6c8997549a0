"""Stream a CSV resource in batches of raw text cells, with Frictionless row numbers.

Memory stays bounded by the batch size, whatever the file size. pyarrow parses the next batch on
a thread of its own while the caller checks the current one (one parsing thread keeps row numbers
exact); rows with a wrong cell count come back through pyarrow's invalid-row handler and are
re-read here, so their other cells are still checked. A file
that turns out not to be valid UTF-8 midway is decoded in Python to locate every bad byte, and the
stream resumes after the last row already handed out, so nothing is checked twice.
"""

from __future__ import annotations

import codecs
import io
import mmap
import os
import sys
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from changzhi_stats.package.compression import CHUNK, open_data
from changzhi_stats.package.descriptor import ResourceSpec
from changzhi_stats.package.limits import describe_bytes
from changzhi_stats.package.paths import open_regular
from changzhi_stats.report.problems import Findings, make_problem
from changzhi_stats.rules.tableschema import missing_values
from changzhi_stats.sources.text import (
    ROW,
    TableSource,
    column,
    csv_reader,
    dialect_of,
    drop_blank_rows,
    encoding_of,
    first_record,
)

BATCH_BYTES = 16 << 20  # measured: ~930 MiB peak at 5M rows, little slower than 32 MiB


_SCAN_WINDOW = (64 << 20) // mmap.ALLOCATIONGRANULARITY * mmap.ALLOCATIONGRANULARITY  # 64 MiB


# The last streams handed to pyarrow, kept a while. pyarrow reads ahead on a thread of its own;
# whatever Python object it holds last (the Python file, or a block read as Python bytes) it
# releases on that thread, at a moment of its own, taking the GIL: a process exiting just then
# crashed ("terminate called without an active exception", measured after a parse error).
# So the blocks are copied into Arrow's memory (BufferedInputStream), and the stream is kept
# here, to be released on a Python thread long after pyarrow's thread is done with it.
_KEPT: deque = deque(maxlen=8)


class _Restart(Exception):
    """Internal: re-open the stream in a slower, more exact mode."""

    def __init__(self, *, decoded: bool) -> None:
        super().__init__()
        self.decoded = decoded


class _InvalidRows:
    """pyarrow's invalid-row handler: notes each row of the wrong width as (number, text).

    pyarrow decodes a row's bytes as UTF-8 *before* calling the handler; bytes that are not UTF-8
    raise there, inside pyarrow, which reports the error through ``sys.unraisablehook`` (an
    "Exception ignored" traceback on stderr) and then fails the read with a parse error, which
    re-reads the file decoded (see ``_unreadable``). :func:`_quiet_unraisable` keeps that one
    expected error off stderr; every other unraisable error still goes to the hook before it.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[int, str]] = []

    def __call__(self, row) -> str:
        try:
            self.rows.append((row.number if row.number is not None else -1, str(row.text)))
        except Exception:  # never raise into pyarrow: the row is then a parse error, re-read
            return "error"
        return "skip"


_HOOK_LOCK = threading.Lock()


def _quiet_unraisable() -> None:
    """Install (once) a ``sys.unraisablehook`` that drops pyarrow's decode errors of rows that
    are not UTF-8, raised before an :class:`_InvalidRows` handler is called."""
    with _HOOK_LOCK:
        if getattr(sys.unraisablehook, "_changzhi_stats", False):
            return
        before = sys.unraisablehook

        def hook(unraisable) -> None:
            if isinstance(unraisable.object, _InvalidRows) and issubclass(
                unraisable.exc_type, UnicodeError
            ):
                return  # expected: the read fails with a parse error and is re-read decoded
            before(unraisable)

        hook._changzhi_stats = True  # type: ignore[attr-defined]
        sys.unraisablehook = hook


class CsvSource(TableSource):
    """One CSV resource: its header, then its rows batch by batch (see :meth:`batches`)."""

    def __init__(self, resource: ResourceSpec, findings: Findings, batch_bytes: int = BATCH_BYTES):
        super().__init__(resource)
        self.batch_bytes = batch_bytes
        self._last_read = 0  # the last row number the current stream has read
        self._size: int | None = None  # the whole file's bytes, when known from the first read
        self.missing = missing_values(resource.schema)
        self._open(findings)

    def _open(self, findings: Findings) -> None:
        path: Path = self.resource.path
        try:
            with self._raw() as handle:  # decompressed, for a compressed file
                head_bytes = handle.read(1 << 20)
        except OSError as exc:
            self._fail(findings, f"{path}: cannot read: {exc.strerror or exc}")
            return
        if len(head_bytes) < 1 << 20 and self.resource.compression is None:
            self._size = len(head_bytes)  # a plain file's read stops short only at its end
        encoding = encoding_of(self.resource, findings)
        if encoding is None:
            return
        self.encoding = encoding
        if encoding == "utf-8":
            if head_bytes.startswith(codecs.BOM_UTF8):
                head_bytes = head_bytes[len(codecs.BOM_UTF8) :]
            head = head_bytes.decode("utf-8", errors="replace")
        else:  # the first MiB, decoded (its bad bytes are reported when the rows are read)
            try:
                with self._transcoded() as handle:
                    head = handle.read(1 << 20).decode("utf-8", errors="replace")
            except OSError as exc:
                self._fail(findings, f"{path}: cannot read: {exc.strerror or exc}")
                return
        if not head.strip("\r\n"):
            self._fail(findings, f"{path.name}: the file is empty; a header row is expected")
            return
        self.dialect = dialect_of(self.resource, head)
        first = first_record(head, self.dialect)
        self.width = max(len(first), 1)
        self.labels = list(first) if self.dialect["header"] else None
        if self.labels is not None and self.dialect["skip_initial_space"]:
            self.labels = [label.lstrip(" ") for label in self.labels]
        self.readable = True

    def may_hold(self, needle: bytes) -> bool:
        """Whether the file's bytes contain ``needle`` anywhere (a fast scan, ~GB/s)."""
        if self.resource.compression is not None or self.resource.parts or self.encoding != "utf-8":
            return True  # unknown without decompressing or decoding it all: keep the check
        try:
            with open_regular(self.resource.path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                # memchr over the page cache, no copies; mapped a window at a time, as mapped
                # pages count towards the process's resident memory
                for start in range(0, size, _SCAN_WINDOW):
                    length = min(_SCAN_WINDOW + len(needle) - 1, size - start)
                    with mmap.mmap(
                        handle.fileno(), length, access=mmap.ACCESS_READ, offset=start
                    ) as mapped:
                        if mapped.find(needle) != -1:
                            return True
                return False
        except (OSError, ValueError):
            return True  # unknown: keep the check

    def _transcoded(self) -> _Transcoding:
        """The file decoded in Python a chunk at a time (noting bad bytes) as UTF-8 bytes."""
        return _Transcoding(self._raw(), self.encoding, self.resource)

    def batches(self, findings: Findings) -> Iterator[pl.DataFrame]:
        """Frames of ``c0..cN`` text cells and ``__row__``; structural problems go to findings.

        Call again for a second pass (give it a throwaway Findings to avoid double counting).
        """
        if not self.readable:
            return
        decoded = self.encoding != "utf-8"
        done = 0  # the last row number already handed out
        while True:
            try:
                for frame in self._stream(findings, decoded=decoded, after=done):
                    done = max(done, self._last_read)  # blank rows dropped from it count too
                    yield frame
                return
            except _Restart as restart:
                decoded = restart.decoded

    def _raw(self) -> BinaryIO:
        """The file's bytes, decompressed as they are read if it is compressed."""
        resource = self.resource
        if resource.parts:
            return _Parts(resource)
        return open_data(resource.path, resource.compression, limit=resource.max_bytes)

    def _source(self, decoded: bool) -> _Paced:
        return _Paced(self._transcoded() if decoded else self._raw(), self.batch_bytes)

    def _reader(self, source: _Paced, handler, decoded: bool) -> pacsv.CSVStreamingReader:
        names = [column(i) for i in range(self.width)]
        # buffered natively: the blocks pyarrow holds are copies in its own memory, never
        # Python bytes (see _KEPT)
        stream = pa.BufferedInputStream(pa.PythonFile(source, mode="r"), 1 << 16)
        _KEPT.append(stream)
        return pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(
                column_names=names, use_threads=False, block_size=self._block_size(decoded)
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=self.dialect["delimiter"],
                quote_char=self.dialect["quote_char"],
                double_quote=self.dialect["double_quote"],
                escape_char=self.dialect["escape_char"],
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=handler,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                null_values=self.missing,  # the schema's missingValues become nulls here, in C++
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )

    def _block_size(self, decoded: bool) -> int:
        """pyarrow's block: the batch size, or for a small file one block just over all of it
        (each block costs its size in fresh memory: 16 MiB took ~10 ms for a 7 kB file)."""
        if self._size is None:
            return self.batch_bytes
        # decoded to UTF-8, a byte becomes at most 3 (U+FFFD for a bad one), with a BOM
        whole = self._size * (4 if decoded else 1) + 16
        return min(self.batch_bytes, max(1 << 16, whole))

    def _stream(self, findings: Findings, *, decoded: bool, after: int) -> Iterator[pl.DataFrame]:
        try:
            source = self._source(decoded)
        except OSError as exc:
            self._unreadable(exc, findings, decoded=decoded)
            return
        with source:
            try:
                yield from self._batches(source, findings, decoded=decoded, after=after)
            finally:
                source.drain(findings)

    def _batches(
        self, source: _Paced, findings: Findings, *, decoded: bool, after: int
    ) -> Iterator[pl.DataFrame]:
        handler = _InvalidRows()
        invalid = handler.rows
        _quiet_unraisable()
        try:
            reader = self._reader(source, handler, decoded)
        except (pa.ArrowInvalid, OSError) as exc:
            self._unreadable(exc, findings, decoded=decoded)
            return
        last = 0  # row numbers: every record counts, the header is row 1
        used = 0  # how many of ``invalid`` belong to batches already handed out
        # pyarrow parses the next batch (without the GIL) while the caller checks this one
        ahead = ThreadPoolExecutor(1, thread_name_prefix="cz-read")
        views = self._size is None  # a file under 1 MiB: not worth importing pyarrow.compute
        pending = ahead.submit(_next_frame, reader, views)
        try:
            while True:
                try:
                    batch = pending.result()
                except StopIteration:
                    break
                except (pa.ArrowInvalid, OSError) as exc:
                    source.drain(findings)
                    self._unreadable(exc, findings, decoded=decoded)
                    return
                source.drain(findings)  # bad bytes of the rows read so far, in order
                source.handed_out()
                pending = ahead.submit(_next_frame, reader, views)
                skipped = np.array(sorted(n for n, _ in invalid[used:]), dtype=np.int64)
                numbers = _next_numbers(last, batch.height, skipped)
                end = int(numbers[-1]) if len(numbers) else last
                mine = [(n, text) for n, text in invalid[used:] if n <= end]
                used += len(mine)
                last = end
                frame = self._frame(batch, numbers, mine, findings, after)
                self._last_read = max(end, *(n for n, _ in mine)) if mine else end
                yield frame
        finally:
            source.stop()  # a read waiting for its turn must not outlive the stream
            ahead.shutdown(wait=True)  # never leave a read running on a reader being dropped
        if invalid[used:]:  # invalid rows after the last batch
            empty = pl.from_arrow(pa.RecordBatch.from_pylist([], schema=reader.schema))
            frame = self._frame(
                empty, np.array([], dtype=np.int64), invalid[used:], findings, after
            )
            self._last_read = max(n for n, _ in invalid[used:])
            yield frame

    def _unreadable(self, exc: Exception, findings: Findings, *, decoded: bool):
        # pyarrow cannot hand back a row of the wrong width that is not UTF-8 either (it fails
        # with a parse error): any parse error is re-tried decoded, which locates the bad bytes
        if not decoded and isinstance(exc, pa.ArrowInvalid):
            raise _Restart(decoded=True)
        why = str(exc)
        if "straddl" in why:  # pyarrow's words for a record longer than a block
            why = (
                f"a record runs on for more than {describe_bytes(self.batch_bytes)} (a quote "
                "that is never closed, or a very long line?); it and the rows after it were "
                "not read"
            )
        self._fail(findings, f"{self.resource.path.name}: cannot be parsed as CSV: {why}")

    def _frame(self, frame, numbers, invalid, findings: Findings, after: int) -> pl.DataFrame:
        frame = frame.with_columns(_row_numbers(numbers))
        fresh = [(n, text) for n, text in invalid if n > after]
        if fresh:
            frame = pl.concat([frame, self._recover(fresh, frame.schema, findings)]).sort(ROW)
        done = max(after, 1 if self.labels is not None else 0)  # rows handed out, or the header
        frame = frame.slice(int(frame[ROW].search_sorted(done + 1)))  # rows are sorted: no copy
        names = [column(i) for i in range(self.width)]
        if self.dialect["skip_initial_space"]:
            frame = frame.with_columns(pl.col(names).str.strip_chars_start(" "))
        if self.dialect["comment_char"]:
            frame = frame.filter(~pl.col(names[0]).str.starts_with(self.dialect["comment_char"]))
        return drop_blank_rows(frame, names, self.resource, findings)

    def _recover(self, invalid, schema, findings: Findings) -> pl.DataFrame:
        """Re-read the rows pyarrow set aside (wrong cell count), padded or cut to the header."""
        width = self.width
        records: dict[str, list] = {column(i): [] for i in range(width)}
        records[ROW] = []
        for number, text in invalid:
            cells = next(csv_reader(text, self.dialect), [])
            blank = all(cell in self.missing for cell in cells)  # whatever its width, a blank
            if blank:  # row is reported as blank-row only, as frictionless-py does
                cells = []
            for extra in cells[width:]:
                findings.add(
                    make_problem(
                        "extra-cell",
                        resource=self.name,
                        row=number,
                        value=extra,
                        actual=len(cells),
                        expected=width,
                    )
                )
            for i in range(width if blank else len(cells), width):
                self.missing_cells.add((number, i))
            for i, cell in enumerate((cells + [None] * width)[:width]):
                records[column(i)].append(None if cell in self.missing else cell)
            records[ROW].append(number)
        return pl.DataFrame(records, schema=schema)


class _Parts(io.RawIOBase):
    """A multipart resource's parts as one stream, as frictionless-py reads them: in order,
    the first line (the header) of every part after the first dropped (unless the dialect says
    there is no header), so row numbers run on across the parts."""

    def __init__(self, resource: ResourceSpec) -> None:
        self._resource = resource
        self._todo = deque(resource.parts)
        self._current: BinaryIO | None = None
        self._headless = resource.dialect.get("header") is False
        self._next()

    def _next(self) -> bool:
        if self._current is not None:
            self._current.close()
            self._current = None
        if not self._todo:
            return False
        first = len(self._todo) == len(self._resource.parts)
        path = self._todo.popleft()
        resource = self._resource
        self._current = open_data(path, resource.compression, limit=resource.max_bytes)
        if not first and not self._headless:
            self._current.readline()  # the part's header line
        return True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._current is not None:
            data = self._current.read(len(buffer))
            if data:
                buffer[: len(data)] = data
                return len(data)
            self._next()
        return 0

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
        self._todo.clear()
        super().close()


class _Paced(io.RawIOBase):
    """A file that pyarrow may read only a few blocks past the batches already handed out.

    Left alone, pyarrow's streaming CSV reader reads about 32 blocks ahead of the batch asked for
    (measured: 540 MB of a 569 MB file within a second of opening it), so memory would grow with
    the block size rather than stay at a few batches.
    """

    def __init__(self, raw: BinaryIO, block: int, blocks_ahead: int = 3) -> None:
        super().__init__()
        self._raw, self._block = raw, block
        self._allowed = blocks_ahead * block  # batch j needs blocks j and j + 1
        self._read = 0
        self._stopped = False
        self._active = 0  # reads under way (on pyarrow's threads)
        self._finished = False  # pyarrow has had the end of the file (or an error): no more reads
        self._turn = threading.Condition()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # pyarrow calls read(), never readinto()
        with self._turn:
            self._turn.wait_for(lambda: self._read < self._allowed or self._stopped)
            if self._stopped:
                self._finished = True
                self._turn.notify_all()
                return b""  # the stream was stopped early: pyarrow sees the end of the file
            self._active += 1
        data = b""
        try:
            data = self._raw.read(size)
        except BaseException:
            with self._turn:
                self._finished = True  # pyarrow reads no more after an error
            raise
        finally:
            with self._turn:
                self._active -= 1
                self._finished = self._finished or not data
                self._turn.notify_all()
        self._read += len(data)
        return data

    def handed_out(self) -> None:
        """One more batch is with the caller: pyarrow may read one more block."""
        with self._turn:
            self._allowed += self._block
            self._turn.notify_all()

    def drain(self, findings: Findings) -> None:
        """Problems the file found while being read (a decoded file's bad bytes), if any."""
        drain = getattr(self._raw, "drain", None)
        if drain is not None:
            drain(findings)

    def stop(self) -> None:
        """No more reads: a read waiting for its turn, or pyarrow's next one, gets end of file."""
        with self._turn:
            self._stopped = True
            self._turn.notify_all()

    def close(self) -> None:
        self.stop()
        with self._turn:
            # pyarrow reads ahead on a thread of its own, and goes on after a parse error until
            # it has the end of the file (stop() hands it that at once): wait for it, so the
            # file is not closed under a read, nor the interpreter finalised while one runs
            # (a crash, or a hang at exit)
            self._turn.wait_for(lambda: self._active == 0 and self._finished, timeout=5)
        self._raw.close()
        super().close()


_BAD_BYTES = threading.local()  # the bad byte sequences one decode call met, per thread


def _record_bad(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    _BAD_BYTES.found.append((exc.start, bytes(exc.object[exc.start : exc.end])))
    return "\ufffd", exc.end


codecs.register_error("changzhi-stats-stream", _record_bad)

_GB_HINT = '; the file looks like GB18030/GBK: declare "encoding": "gb18030" or save it as UTF-8'


class _Transcoding(io.RawIOBase):
    """A file decoded in Python a chunk at a time and handed on as UTF-8 bytes.

    Memory stays at a chunk or two, whatever the file size (the whole file decoded at once took
    twice or three times its size). Each row with bytes that are not valid in the encoding is
    reported once as ``encoding-error`` (the bytes read as U+FFFD from then on), its row number
    counted from the line feeds outside quoted cells, as before. A compressed file that breaks
    off midway is reported (``source-error``) and read up to the fault. Problems are collected
    here, on pyarrow's reading thread, and handed to the findings by :meth:`drain`.
    """

    def __init__(self, raw: BinaryIO, encoding: str, resource: ResourceSpec) -> None:
        super().__init__()
        self._raw, self._encoding, self._resource = raw, encoding, resource
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="changzhi-stats-stream")
        self._out = bytearray()
        self._fed = 0  # bytes given to the decoder so far
        self._first, self._done = True, False
        quote = (resource.dialect or {}).get("quoteChar", '"')
        ascii_quote = isinstance(quote, str) and len(quote) == 1 and ord(quote) < 0x80
        self._quote = ord(quote) if ascii_quote else None
        self._inside = 0  # quotes seen so far, modulo 2
        self._lines = 0  # line feeds outside quotes before the current chunk
        self._previous = np.empty(0, dtype=np.int64)  # their positions in the previous chunk
        self._last_row = 0
        self._hint: str | None = None
        self.problems: list = []  # appended on the reading thread, drained on the caller's

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        wanted = size if size is not None and size >= 0 else 1 << 62
        while len(self._out) < wanted and not self._done:
            self._fill()
        data = bytes(self._out[:wanted])
        del self._out[:wanted]
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def drain(self, findings: Findings) -> None:
        """Hand the problems found so far to ``findings`` (on the caller's thread)."""
        taken, self.problems[:] = list(self.problems), []
        for problem in taken:
            findings.add(problem)

    def _fill(self) -> None:
        try:
            chunk = self._raw.read(CHUNK)
        except OSError as exc:  # a compressed file that breaks off: check the data before it
            note = f"{self._resource.path.name}: {exc.strerror or exc}"
            self.problems.append(
                make_problem("source-error", resource=self._resource.name, note=note)
            )
            chunk = b""
        if self._first:
            self._first = False
            chunk = self._byte_order_mark(chunk)
        final = not chunk
        start = self._fed
        state = self._decoder.getstate()
        pending = len(state[0]) if isinstance(state[0], (bytes, bytearray)) else 0
        _BAD_BYTES.found = []
        try:
            text = self._decoder.decode(chunk, final)
            bad = _BAD_BYTES.found
        finally:
            _BAD_BYTES.found = []
        current = self._line_feeds(chunk, start)
        if bad:
            self._report(chunk, [(start - pending + at, data) for at, data in bad], current)
        self._previous = current
        self._lines += len(current)
        self._fed += len(chunk)
        self._out += text.encode("utf-8", errors="replace")
        self._done = final

    def _byte_order_mark(self, chunk: bytes) -> bytes:
        """Drop the file's byte order mark; UTF-16 and UTF-32 take their byte order from it,
        else the machine's, as ``bytes.decode`` does (their incremental decoders refuse a file
        without one)."""
        if self._encoding == "utf-8" and chunk.startswith(codecs.BOM_UTF8):
            return chunk[len(codecs.BOM_UTF8) :]
        if self._encoding in ("utf-16", "utf-32"):
            order = sys.byteorder[0] + "e"
            for mark, named in (("_LE", "le"), ("_BE", "be")):
                bom = getattr(codecs, f"BOM_{self._encoding.replace('-', '').upper()}{mark}")
                if chunk.startswith(bom):
                    chunk, order = chunk[len(bom) :], named
                    break
            wanted = f"{self._encoding}-{order}"
            self._decoder = codecs.getincrementaldecoder(wanted)(errors="changzhi-stats-stream")
        return chunk

    def _line_feeds(self, chunk: bytes, start: int) -> np.ndarray:
        data = np.frombuffer(chunk, dtype=np.uint8)
        ends = data == 0x0A
        if self._quote is not None:
            quotes = data == self._quote
            inside = (np.cumsum(quotes, dtype=np.int64) + self._inside) % 2 == 1
            ends &= ~inside
            self._inside = (self._inside + int(np.count_nonzero(quotes))) % 2
        return np.flatnonzero(ends).astype(np.int64) + start

    def _report(self, chunk: bytes, bad: list[tuple[int, bytes]], current: np.ndarray) -> None:
        if self._hint is None:
            self._hint = ""
            if self._encoding == "utf-8":  # whole lines of this chunk, tried as GB18030
                lines = chunk[chunk.find(b"\n") + 1 : chunk.rfind(b"\n") + 1] or chunk
                try:
                    lines.decode("gb18030")
                    self._hint = _GB_HINT
                except UnicodeDecodeError:
                    pass
        start = self._fed
        for position, data in bad:
            if position >= start:
                row = 1 + self._lines + int(np.searchsorted(current, position))
            else:  # in bytes the decoder held back from the previous chunk
                later = len(self._previous) - int(np.searchsorted(self._previous, position))
                row = 1 + self._lines - later
            if row <= self._last_row:
                continue
            self._last_row = row
            self.problems.append(
                make_problem(
                    "encoding-error",
                    resource=self._resource.name,
                    row=row,
                    value=data.hex(" "),
                    encoding=self._resource.encoding,
                    hint=self._hint,
                )
            )

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def _next_frame(reader: pacsv.CSVStreamingReader, views: bool = True) -> pl.DataFrame:
    """The next batch as a polars frame: converted on the reading thread too.

    Arrow's cast to string views points into the batch's text instead of copying it, and polars
    takes views as they are: half the CPU of letting polars convert plain strings (measured:
    16 MB in 5 ms instead of 10). The cast imports pyarrow.compute (~40 ms), so a small file
    (``views`` false) lets polars convert: the same frame.
    """
    batch = reader.read_next_batch()
    if not views:
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        return frame
    columns = [c.cast(pa.string_view()) if c.type == pa.string() else c for c in batch.columns]
    frame = pl.from_arrow(pa.RecordBatch.from_arrays(columns, names=batch.schema.names))
    assert isinstance(frame, pl.DataFrame)
    return frame


def _row_numbers(numbers: np.ndarray) -> pl.Series:
    """The ``ROW`` column, zero-copy through an Arrow batch: ``pl.Series`` of a numpy array
    imports numpy.ma, of an Arrow array pyarrow.compute (~50 ms of a small package's run)."""
    numbers = np.ascontiguousarray(numbers, dtype=np.int64)
    array = pa.Array.from_buffers(pa.int64(), len(numbers), [None, pa.py_buffer(numbers)])
    frame = pl.from_arrow(pa.RecordBatch.from_arrays([array], names=[ROW]))
    assert isinstance(frame, pl.DataFrame)
    return frame.to_series()


def _next_numbers(last: int, count: int, skipped: np.ndarray) -> np.ndarray:
    """The ``count`` row numbers after ``last`` that pyarrow did not set aside."""
    later = skipped[skipped > last]
    candidates = np.arange(last + 1, last + 1 + count + len(later), dtype=np.int64)
    return np.setdiff1d(candidates, later, assume_unique=True)[:count]
