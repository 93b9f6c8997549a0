"""Partitioned publishing on Spark (``publish --engine spark --partition-by FIELD``).

Two stages, both in Spark tasks. First each file (a part of a multipart table is a file) is read
with this project's reader (``validate.open_elsewhere``, as the checks read it), and each batch is
normalised and cut by key; a slice leaves the task as one row (table, key, file, batch, Arrow
bytes). A shuffle then brings each key's slices to one task, sorted by (table, key, file,
batch), which is the input order; that task writes the key's CSV part and Parquet part into the
staging folder (a filesystem the driver and the workers share) with the release's own writer,
handed in as functions (``release.writers.normalised`` and ``write_sorted``: this package may
not import the release layer). So a part has the bytes the polars engine's publish gives it.
Only the parts' names, sizes and hashes come back to the driver.
"""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc

from changzhi_stats.engines.spark.session import session
from changzhi_stats.errors import CzStatsError, PublishFailed
from changzhi_stats.report.problems import Findings

SLICES_DDL = "tab int, key string, job int, seq int, payload binary"
SLICES = pa.schema(
    [
        ("tab", pa.int32()),
        ("key", pa.large_string()),
        ("job", pa.int32()),
        ("seq", pa.int32()),
        ("payload", pa.large_binary()),
    ]
)
WRITTEN_DDL = "tab int, payload binary"
WRITTEN = pa.schema([("tab", pa.int32()), ("payload", pa.large_binary())])


@dataclass
class PartsJob:
    """What every task gets (pickled): the files, their tables, and the release's writer."""

    openers: list[Callable]  # validate.open_elsewhere bound to each file (or part)
    tables: list[int]  # the table (index into specs) of each file
    specs: list  # release.writers.PartSpec of each table
    normalised: Callable  # release.writers.normalised
    write_sorted: Callable  # release.writers.write_sorted
    key: str  # the key column of a normalised chunk


def write(job: PartsJob, master: str | None = None) -> dict[int, list]:
    """Write every partitioned table's parts on the cluster; the parts written, by table."""
    spark = session(master)
    files = len(job.openers)
    numbers = spark.range(files, numPartitions=files).selectExpr("cast(id as int) job")
    slices = numbers.mapInArrow(partial(_slices, job), SLICES_DDL)
    width = max(1, min(spark.sparkContext.defaultParallelism, 64))
    try:
        written = (
            slices.repartition(width, "tab", "key")
            .sortWithinPartitions("tab", "key", "job", "seq")
            .mapInArrow(partial(_write, job), WRITTEN_DDL)
            .collect()
        )
    except Exception as exc:  # pyspark's own errors: a task failed for good
        raise PublishFailed(
            f"the Spark job writing the partitioned tables failed: {_first_line(exc)}; "
            "nothing was published"
        ) from None
    found: dict[int, list] = {}
    for table, payload in written:
        part = pickle.loads(payload)
        if isinstance(part, CzStatsError):  # a refusal in a task (a key too long for a name)
            raise part
        found.setdefault(table, []).append(part)
    return found


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(exc).__name__


def _slices(job: PartsJob, numbers: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Stage 1: read each file whose number arrives; its rows by key, one slice a batch a key."""
    for batch in numbers:
        for number in batch.column(0).to_pylist():
            yield from _file_slices(job, int(number))


def _file_slices(job: PartsJob, number: int) -> Iterator[pa.RecordBatch]:
    opened = job.openers[number]()
    if opened is None:
        return
    read = opened[1]
    table = job.tables[number]
    spec = job.specs[table]
    for seq, frame in enumerate(read(Findings(0))):  # the checks were reported by validation
        chunk = job.normalised(frame, spec)
        if not chunk.num_rows:
            continue
        keys, payloads = [], []
        for key_slice in _by_key(chunk, job.key):
            keys.append(key_slice.column(job.key)[0].as_py())
            payloads.append(_ipc(key_slice))
        n = len(keys)
        yield pa.record_batch(
            [
                pa.array([table] * n, pa.int32()),
                pa.array(keys, pa.large_string()),
                pa.array([number] * n, pa.int32()),
                pa.array([seq] * n, pa.int32()),
                pa.array(payloads, pa.large_binary()),
            ],
            schema=SLICES,
        )


def _by_key(chunk: pa.Table, key: str) -> Iterator[pa.Table]:
    """The rows of ``chunk`` by key, each key's rows in their order."""
    order = pc.array_sort_indices(chunk.column(key), null_placement="at_end")  # stable
    ordered = chunk.combine_chunks().take(order)
    keys = pl.from_arrow(ordered.column(key))
    assert isinstance(keys, pl.Series)
    start = 0
    for length in keys.rle().struct.field("len").to_list():
        yield ordered.slice(start, length)
        start += length


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return sink.getvalue().to_pybytes()


def _write(job: PartsJob, rows: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Stage 2: the slices of this task's keys, in (table, key, input) order, written as parts
    (streamed: a slice is read when the writer wants it)."""

    def slices() -> Iterator[tuple[int, pa.Buffer]]:
        for batch in rows:
            payloads = batch.column("payload")
            for i, table in enumerate(batch.column("tab").to_pylist()):
                yield table, payloads[i].as_buffer()

    for table, group in itertools.groupby(slices(), key=lambda pair: pair[0]):
        chunks = (pa.ipc.open_stream(payload).read_all() for _, payload in group)
        try:
            for part in job.write_sorted(job.specs[table], chunks):
                yield _written(table, part)
        except CzStatsError as exc:  # said on the driver as it is, never as a task's traceback
            yield _written(table, exc)
            return


def _written(table: int, part: object) -> pa.RecordBatch:
    data = pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
    return pa.record_batch(
        [pa.array([table], pa.int32()), pa.array([data], pa.large_binary())], schema=WRITTEN
    )
