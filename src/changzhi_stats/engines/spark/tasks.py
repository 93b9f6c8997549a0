"""What runs inside a Spark task: this project's reader and the polars engine, on one file.

No pyspark here: these functions take and yield Arrow record batches (``mapInArrow``), so a task
reads its file with :mod:`changzhi_stats.sources` (Frictionless row numbers, blank rows, quoted
newlines, short and long rows exactly as on one machine) and checks each batch with the same
polars builders (:class:`~changzhi_stats.engines.polars.engine.PolarsEngine`): one
implementation of every rule. What needs every file (repeated keys) leaves the task as one
64-bit key hash a row, for a shuffle on the cluster.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa

from changzhi_stats.engines.polars.engine import PolarsEngine
from changzhi_stats.engines.polars.enrich import Loaded
from changzhi_stats.package.compression import CHUNK, open_data
from changzhi_stats.report.failures import AllFailures
from changzhi_stats.report.problems import Findings

# one output row per finding payload (key = FINDINGS) or per data row's key hash (key = rule)
OUTPUT = pa.schema(
    [
        ("job", pa.int32()),
        ("key", pa.int32()),
        ("hash", pa.int64()),
        ("payload", pa.binary()),
    ]
)
OUTPUT_DDL = "job int, key int, hash bigint, payload binary"
FINDINGS = -1


@dataclass(frozen=True)
class Job:
    """One task's reading: a file, a part of a multipart table, or parts read as one stream.

    A first run reads every part alone. :func:`revise` plans a second run when that cannot
    give the one-stream result: a part that does not end with a line break (frictionless-py
    joins its last line to the next part's first data line: the two are read together), or a
    table whose reading stops within it (``--max-rows`` counts the table's rows, a cell over
    ``--max-cell-chars`` ends the table: the parts after it are not read).
    """

    table: int  # index into the engine's queued tables
    parts: tuple[int, ...] | None = None  # None: a table of one file
    rows_before: int = 0  # the table's data rows before this job (the row limit is per table)
    row_offset: int = 0  # what this job's row numbers become in the table (for messages)
    skip: bool = False  # after the table's reading stopped: not read
    final: bool = False  # planned from a run's results: not revised again


def plan_jobs(openers: list[Callable]) -> list[Job]:
    """The first run: one job a file, each part of a multipart table alone (``openers``: each
    queued table's ``partial(validate.open_elsewhere, resource, ...)``)."""
    jobs = []
    for table, opener in enumerate(openers):
        parts = _parts_of(opener)
        jobs += [Job(table, (k,)) for k in range(len(parts))] if parts else [Job(table)]
    return jobs


def job_openers(openers: list[Callable], jobs: list[Job]) -> list[Callable]:
    """What each job's task calls to open its reading (validate.open_elsewhere, bound)."""
    return [
        openers[job.table]
        if job.parts is None
        else partial(
            openers[job.table],
            part=job.parts,
            rows_before=job.rows_before,
            row_offset=job.row_offset,
        )
        for job in jobs
    ]


def revise(
    openers: list[Callable], jobs: list[Job], by_job: dict[int, dict], offsets: list[int]
) -> list[Job] | None:
    """The jobs of a second run, or None when the run's results stand (see :class:`Job`)."""
    if any(job.final for job in jobs):
        return None
    grouped = _grouped(jobs, by_job)
    if grouped is not None:
        return grouped
    revised, changed = [], False
    for table in dict.fromkeys(job.table for job in jobs):
        mine = [(n, job) for n, job in enumerate(jobs) if job.table == table]
        limits = _limits_of(openers[table])
        if len(mine) < 2 or limits is None:
            revised += [job for _, job in mine]
            continue
        before, stopped, planned = 0, False, []
        for n, job in mine:
            result = by_job.get(n, {})
            rows = int(result.get("rows", 0))
            halted = bool(result.get("counts", {}).get("limit-exceeded"))
            crosses = before + rows > limits.rows
            changed |= stopped or ((crosses or halted) and offsets[n] > 0)
            planned.append(replace(job, rows_before=before, row_offset=offsets[n], skip=stopped))
            stopped = stopped or crosses or halted
            before += rows
        revised += planned
    if not changed:
        return None
    return [replace(job, final=True) for job in revised]


def _grouped(jobs: list[Job], by_job: dict[int, dict]) -> list[Job] | None:
    """Parts read together where one does not end with a line break (or the next is empty)."""
    grouped: list[Job] = []
    changed = False
    for n, job in enumerate(jobs):
        previous = grouped[-1] if grouped else None
        joined = (
            previous is not None
            and previous.table == job.table
            and job.parts is not None
            and previous.parts is not None
            and (
                by_job.get(n - 1, {}).get("tail") not in (None, b"\n")
                or by_job.get(n, {}).get("tail") == b""  # an empty part: nothing to read alone
            )
        )
        if joined:
            assert previous is not None and previous.parts is not None and job.parts is not None
            grouped[-1] = replace(previous, parts=previous.parts + job.parts)
            changed = True
        else:
            grouped.append(job)
    return grouped if changed else None


def _parts_of(opener: Callable) -> tuple:
    args = getattr(opener, "args", ())
    return tuple(getattr(args[0], "parts", ()) or ()) if args else ()


def _limits_of(opener: Callable):
    args = getattr(opener, "args", ())
    return args[1] if len(args) > 1 else None


def tail(path, compression: str | None) -> bytes:
    """The last byte of a file's data (b"" for none): whether a part ends with a line break.
    A plain file is read at its end; a compressed one is decompressed to it."""
    with open_data(path, compression) as handle:
        if compression is None:
            size = handle.seek(0, io.SEEK_END)
            if not size:
                return b""
            handle.seek(size - 1)
            return handle.read(1)
        last = b""
        while chunk := handle.read(CHUNK):
            last = chunk[-1:]
        return last


@dataclass
class Context:
    """What every task gets: the files to read, the codelists read whole, the source texts."""

    openers: list[Callable]  # validate.open_elsewhere, bound to each file (or part) to read
    lookups: dict[str, Loaded]
    base: Path
    cap: int
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    # pass 2: per (table, key rule), the hashes seen more than once on the cluster
    repeated: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    # the table of each job (the parts of a multipart table are jobs of one table)
    tables: list[int] = field(default_factory=list)
    # --failures: the folder each task writes every failure of its file to (part-JOB.parquet)
    failures: Path | None = None
    jobs: list[Job] = field(default_factory=list)  # what each job reads (plan_jobs, revise)

    def table(self, job: int) -> int:
        return self.tables[job] if self.tables else job


def check(context: Context, jobs: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Pass 1: read and check each file whose job number arrives; findings and key hashes out."""
    for batch in jobs:
        for job in batch.column(0).to_pylist():
            yield from _check_file(context, int(job))


def _engine(context: Context) -> PolarsEngine:
    engine = PolarsEngine(lookups=context.lookups, base=context.base)
    engine.state.texts.update(context.texts)  # read (and reported) once, by the driver
    return engine


def _skipped(context: Context, job: int) -> bool:
    return bool(context.jobs) and context.jobs[job].skip


def _check_file(context: Context, job: int) -> Iterator[pa.RecordBatch]:
    if _skipped(context, job):
        yield _payload(job, FINDINGS, {"counts": {}, "kept": {}, "rows": 0, "last": 0})
        return
    if context.failures is not None:
        findings: Findings = AllFailures(context.cap, context.failures, failures_file(job))
    else:
        findings = Findings(context.cap)
    try:
        yield from _read_and_check(context, job, findings)
    finally:
        if isinstance(findings, AllFailures):
            findings.close()


def failures_file(job: int) -> str:
    return f"part-{job:05d}.parquet"


def _read_and_check(context: Context, job: int, findings: Findings) -> Iterator[pa.RecordBatch]:
    opened = context.openers[job]()
    rows = last = 0
    if opened is not None:
        spec, read, rows_read, last_read = opened
        engine = _engine(context)
        plan = engine.plan_table(spec)
        for batch in read(findings):
            engine.run_batch(plan, batch, findings)
            for key, tracker in enumerate(plan.keys):
                hashes = tracker.hashes.pop()  # sent on: the key state lives in the shuffle
                if len(hashes):  # keyed by table: a key may repeat across its parts
                    yield _hashes(context.table(job), key, hashes)
        rows, last = rows_read(), last_read()
    by_check: dict[str, list] = {}
    for problem in findings.kept():
        by_check.setdefault(problem.check, []).append(problem)
    payload = {"counts": dict(findings.counts), "kept": by_check, "rows": rows, "last": last}
    payload["tail"] = _tail_of(context, job)
    yield _payload(job, FINDINGS, payload)


def _tail_of(context: Context, job: int) -> bytes | None:
    """The last byte of a part read alone (a first run's multipart job), else None."""
    if not context.jobs or context.jobs[job].final or context.jobs[job].parts is None:
        return None
    opener = context.openers[job]
    resource = getattr(opener, "args", (None,))[0]
    parts = context.jobs[job].parts
    if resource is None or not parts:
        return None
    try:
        return tail(resource.parts[parts[-1]], resource.compression)
    except (OSError, ValueError):
        return None  # unreadable: its reading reports that


def _hashes(job: int, key: int, hashes: np.ndarray) -> pa.RecordBatch:
    n = len(hashes)
    return pa.record_batch(
        [
            pa.array(np.full(n, job, dtype=np.int32)),
            pa.array(np.full(n, key, dtype=np.int32)),
            pa.array(hashes.astype(np.uint64, copy=False).view(np.int64)),
            pa.nulls(n, pa.binary()),
        ],
        schema=OUTPUT,
    )


def _payload(job: int, key: int, value: object) -> pa.RecordBatch:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return pa.record_batch(
        [
            pa.array([job], pa.int32()),
            pa.array([key], pa.int32()),
            pa.array([0], pa.int64()),
            pa.array([data], pa.binary()),
        ],
        schema=OUTPUT,
    )
