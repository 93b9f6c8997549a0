"""What runs in Spark tasks for repeated keys: the exact re-check, on the cluster.

Pass 1 (:mod:`.tasks`) shuffles one 64-bit key hash a row and finds the hashes seen more than
once. Here, pass 2 reads again only the files holding such a hash and keeps only those rows
(:func:`candidates`), renumbered as their table's rows, in buckets by hash; a second shuffle
brings each bucket to one task, which re-checks it exactly with the polars engine's own
``unique`` builder (:func:`recheck`): rows with equal keys have equal hashes, so they meet in
one bucket, and a hash collision costs time, never a false finding. Out of each bucket come its
exact count and its first ``cap`` problems in reading order, so the driver receives at most
those, never the candidate rows. No pyspark here: Arrow record batches in and out of
``mapInArrow``.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from changzhi_stats.engines.polars import run
from changzhi_stats.engines.polars.engine import KeyTracker
from changzhi_stats.engines.spark.tasks import OUTPUT, Context
from changzhi_stats.report.failures import AllFailures
from changzhi_stats.report.problems import Findings
from changzhi_stats.rules.core import KEY_HASH, Rule, typed_name
from changzhi_stats.sources.text import ROW, compact


def _columns(rule: Rule) -> set[str]:
    """The columns the re-check reads: the row number, the key (raw and typed), the shown."""
    names = rule.args["names"]
    shown = (rule.shown or "").split(",")
    return {ROW, KEY_HASH, *names, *shown, *(typed_name(n) for n in names)}


def candidates(
    context: Context,
    offsets: list[int],
    buckets: int,
    jobs: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    """Pass 2, map side: each file's rows whose key hash repeats, by (table, key, bucket)."""
    for batch in jobs:
        for job in batch.column(0).to_pylist():
            yield from _candidates(context, offsets, buckets, int(job))


def _candidates(
    context: Context, offsets: list[int], buckets: int, job: int
) -> Iterator[pa.RecordBatch]:
    table = context.table(job)
    wanted = {key: h for (t, key), h in context.repeated.items() if t == table}
    opened = context.openers[job]() if wanted else None
    if opened is None:
        return
    spec, read = opened[:2]
    ordered = [r for r in spec.prepared.rules if r.kind == "unique"]  # as plan.keys
    trackers = {key: KeyTracker(ordered[key]) for key in wanted}
    series = {k: pl.Series(h.view(np.uint64)).implode() for k, h in wanted.items()}
    for batch in read(Findings(0)):
        for key, tracker in trackers.items():
            rows = tracker._hashed(batch).filter(pl.col(KEY_HASH).is_in(series[key]))
            if rows.height:  # sent on a batch at a time: the re-check sorts them by row
                yield from _buckets(table, key, rows, _columns(tracker.rule), offsets[job], buckets)


def _buckets(
    table: int, key: int, rows: pl.DataFrame, needed: set[str], offset: int, buckets: int
) -> Iterator[pa.RecordBatch]:
    """``rows`` by bucket of their key hash, with only the columns the re-check reads."""
    frame = compact(rows.select(c for c in rows.columns if c in needed))
    if offset:  # a part's rows, numbered as its table's
        frame = frame.with_columns(pl.col(ROW) + offset)
    bucket = (pl.col(KEY_HASH) % buckets).cast(pl.Int64).alias("bucket")
    parts = frame.with_columns(bucket).drop(KEY_HASH).partition_by("bucket", as_dict=True)
    for (number,), part in parts.items():
        payload = pickle.dumps(part.drop("bucket"), pickle.HIGHEST_PROTOCOL)
        yield _row(table, key, int(number), payload)


def recheck(
    rules: dict[tuple[int, int], tuple[str, Rule]],
    cap: int,
    failures: Path | None,
    jobs: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    """Pass 2, reduce side: each bucket's rows re-checked exactly, in reading order.

    ``rules``: by (table, key), the resource's name and its key rule; ``failures``: the folder
    of ``--failures``, where each bucket's failures go (``keys-TABLE-KEY-BUCKET.parquet``).
    Out: per (table, key, bucket) one row with the exact count in ``hash`` (``payload`` null),
    and one row per problem kept (its first ``cap``), with its row number in ``hash``."""
    frames: dict[tuple[int, int, int], list[pl.DataFrame]] = defaultdict(list)
    for batch in jobs:
        columns = [batch.column(i).to_pylist() for i in range(4)]
        for table, key, bucket, payload in zip(*columns, strict=True):
            frames[(table, key, bucket)].append(pickle.loads(payload))
    for (table, key, bucket), parts in sorted(frames.items(), key=lambda item: item[0]):
        resource, rule = rules[(table, key)]
        frame = pl.concat(parts, how="diagonal_relaxed").sort(ROW)
        parts.clear()
        if failures is not None:
            name = f"keys-{table:05d}-{key:03d}-{bucket:05d}.parquet"
            findings: Findings = AllFailures(cap, failures, name)
        else:
            findings = Findings(cap)
        try:
            run.run(frame, [rule], resource, findings)
        finally:
            if isinstance(findings, AllFailures):
                findings.close()
        yield _row(table, key, findings.counts.get(rule.code, 0), None)
        for problem in findings.kept():
            yield _row(table, key, int(problem.row or 0), pickle.dumps(problem))


def _row(table: int, key: int, number: int, payload: bytes | None) -> pa.RecordBatch:
    return pa.record_batch(
        [
            pa.array([table], pa.int32()),
            pa.array([key], pa.int32()),
            pa.array([number], pa.int64()),
            pa.array([payload], pa.binary()),
        ],
        schema=OUTPUT,
    )
