"""Every failure, not capped, as a Parquet dataset (``cz-stats validate --failures DIR``).

:class:`AllFailures` is a :class:`~changzhi_stats.report.problems.Findings` that asks the checks
to materialise every problem (``room`` is unbounded), writes each one that is counted (muted
consequences of a cause are not, as in the report's counts) to a Parquet file a batch at a time,
and keeps the report's capped sample as usual. Memory stays bounded by a batch; the cost is one
Python object per failure. A Spark task writes a file of its own into the same folder; the
folder is a dataset of files ``*.parquet`` with one schema: ``resource``, ``row``, ``field``,
``check``, ``value`` (``row`` counts as the report does: the header is row 1).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from changzhi_stats.errors import UsageError
from changzhi_stats.report.problems import Findings, Problem

SCHEMA = pa.schema(
    [
        ("resource", pa.string()),
        ("row", pa.int64()),
        ("field", pa.string()),
        ("check", pa.string()),
        ("value", pa.string()),
    ]
)
_FLUSH = 65_536  # problems buffered before a row group is written


class AllFailures(Findings):
    """Findings that also write every counted problem to ``folder / name`` (Parquet)."""

    def __init__(self, cap: int, folder, name: str = "driver.parquet") -> None:
        super().__init__(cap)
        # a local folder, or a prefix on an object store (package.paths.StorePath: it has a
        # pyarrow ``filesystem`` and its ``fs_path``; s3://bucket/failures/)
        self.path = (folder if _on_store(folder) else Path(folder)) / name
        self.written = 0
        self._buffer: list[Problem] = []
        self._writer: pq.ParquetWriter | None = None

    def room(self, check: str) -> int:
        return sys.maxsize  # materialise them all: each is written

    def add(self, problem: Problem) -> None:
        counted = not self._covered(problem)
        super().add(problem)
        if counted:
            self._write([problem])

    def add_count(self, check: str, total: int, sample: Sequence[Problem]) -> None:
        counted = [p for p in sample if not self._covered(p)]
        super().add_count(check, total, sample)
        self._write(counted)

    def merge_count(self, check: str, total: int, sample: Sequence[Problem]) -> None:
        """Count problems written elsewhere (by a Spark task): the report only."""
        super().add_count(check, total, sample)

    def _covered(self, problem: Problem) -> bool:
        return any(muted.covers(problem) for muted in self._muted)

    def _write(self, problems: Sequence[Problem]) -> None:
        self._buffer.extend(problems)
        if len(self._buffer) >= _FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self._writer is None:
            self._writer = _writer(self.path)
        problems, self._buffer = self._buffer, []
        if problems:
            self._writer.write_table(table_of(problems))
            self.written += len(problems)

    def close(self) -> None:
        """Write what is buffered and close the file (written, with no rows, if none failed)."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _on_store(path: object) -> bool:
    return hasattr(path, "filesystem") and hasattr(path, "fs_path")


def _writer(path) -> pq.ParquetWriter:
    try:
        if _on_store(path):
            return pq.ParquetWriter(path.fs_path, SCHEMA, filesystem=path.filesystem)
        path.parent.mkdir(parents=True, exist_ok=True)
        return pq.ParquetWriter(path, SCHEMA)
    except OSError as exc:  # a bucket or folder gone, no permission: said, never a traceback
        raise UsageError(f"failures: cannot write {path}: {exc.strerror or exc}") from None


def shift_rows(folder, name: str, offset: int) -> None:
    """Renumber the rows of ``folder / name`` (if written) by ``offset``: a part of a multipart
    table, checked alone, as the rows of the whole table. ``folder`` as for AllFailures."""
    import pyarrow.compute as pc

    store = _on_store(folder)
    path = (folder if store else Path(folder)) / name
    where = {"filesystem": path.filesystem} if store else {}
    target = path.fs_path if store else path
    if not offset or not path.exists():
        return
    table = pq.read_table(target, **where)
    rows = pc.add(table.column("row"), offset)
    index = table.schema.get_field_index("row")
    pq.write_table(table.set_column(index, "row", rows), target, **where)


def remove_failures(folder, name: str) -> None:
    """Delete ``folder / name`` if it was written (a Spark job's file, before a second run)."""
    store = _on_store(folder)
    path = (folder if store else Path(folder)) / name
    if not path.exists():
        return
    if store:
        path.filesystem.delete_file(path.fs_path)
    else:
        path.unlink()


def table_of(problems: Sequence[Problem]) -> pa.Table:
    return pa.table(
        {
            "resource": [p.resource for p in problems],
            "row": [p.row for p in problems],
            "field": [p.field for p in problems],
            "check": [p.check for p in problems],
            "value": [p.value for p in problems],
        },
        schema=SCHEMA,
    )
