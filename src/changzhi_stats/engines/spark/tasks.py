"""What runs inside a Spark task: this project's reader and the polars engine, on one file.

No pyspark here: these functions take and yield Arrow record batches (``mapInArrow``), so a task
reads its file with :mod:`changzhi_stats.sources` (Frictionless row numbers, blank rows, quoted
newlines, short and long rows exactly as on one machine) and checks each batch with the same
polars builders (:class:`~changzhi_stats.engines.polars.engine.PolarsEngine`): one
implementation of every rule. What needs every file (repeated keys) leaves the task as one
64-bit key hash a row, for a shuffle on the cluster.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from changzhi_stats.engines.polars.engine import KeyTracker, PolarsEngine
from changzhi_stats.engines.polars.enrich import Loaded
from changzhi_stats.report.failures import AllFailures
from changzhi_stats.report.problems import Findings
from changzhi_stats.rules.core import KEY_HASH
from changzhi_stats.sources.text import compact

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

    def table(self, job: int) -> int:
        return self.tables[job] if self.tables else job


def check(context: Context, jobs: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Pass 1: read and check each file whose job number arrives; findings and key hashes out."""
    for batch in jobs:
        for job in batch.column(0).to_pylist():
            yield from _check_file(context, int(job))


def candidates(context: Context, jobs: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Pass 2: read each file again, keeping only the rows whose key hash repeats."""
    for batch in jobs:
        for job in batch.column(0).to_pylist():
            yield from _candidates(context, int(job))


def _engine(context: Context) -> PolarsEngine:
    engine = PolarsEngine(lookups=context.lookups, base=context.base)
    engine.state.texts.update(context.texts)  # read (and reported) once, by the driver
    return engine


def _check_file(context: Context, job: int) -> Iterator[pa.RecordBatch]:
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
    yield _payload(job, FINDINGS, payload)


def _candidates(context: Context, job: int) -> Iterator[pa.RecordBatch]:
    table = context.table(job)
    wanted = {key: h for (t, key), h in context.repeated.items() if t == table}
    opened = context.openers[job]() if wanted else None
    if opened is None:
        return
    spec, read = opened[:2]
    plan = _engine(context).plan_table(spec)
    trackers: dict[int, KeyTracker] = {k: plan.keys[k] for k in wanted}
    kept: dict[int, list[pl.DataFrame]] = {k: [] for k in wanted}
    series = {k: pl.Series(h.view(np.uint64)).implode() for k, h in wanted.items()}
    for batch in read(Findings(0)):
        for key, tracker in trackers.items():
            rows = tracker._hashed(batch).filter(pl.col(KEY_HASH).is_in(series[key]))
            if rows.height:
                kept[key].append(compact(rows))
    for key, frames in kept.items():
        if frames:
            # "diagonal": a batch with short rows has absent-cell columns the others lack
            yield _payload(job, key, pl.concat(frames, how="diagonal"))


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
