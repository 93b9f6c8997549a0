"""The Spark engine behind the seam of :mod:`changzhi_stats.engines.base`.

Each streamed file is one Spark task (``mapInArrow`` over a DataFrame of job numbers) that reads
it with this project's reader and checks every batch with the polars builders (:mod:`.tasks`);
the task's findings (exact counts, the first problems of each check in reading order) come back
to the driver and merge. A multipart table (``path`` a list) is read a part a task; the driver
shifts each part's row numbers by the rows of the parts before it (known once every task is
done), so they run on as frictionless-py numbers them. Repeated keys are found on the cluster:
each row's 64-bit key hash is shuffled (``groupBy``, ``count > 1``), and only the files with a
repeated hash are read again, keeping only those rows, which a second shuffle re-checks exactly
(:mod:`.keys`), as the polars engine does on one machine; the driver receives only the exact
counts and the first ``--max-errors`` problems of each key. Foreign keys and the model's
lookups are checked in the tasks against the codelists, read whole by the driver and sent to
each task (a broadcast join). Tables read whole (codelists) are checked on the driver by the
polars engine: they are small.

The result is the same :class:`~changzhi_stats.report.problems.Report` as the polars engine's.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import polars as pl
import pyarrow as pa

from changzhi_stats.engines.base import TableSpec
from changzhi_stats.engines.polars.engine import PolarsEngine, TablePlan
from changzhi_stats.engines.polars.enrich import Loaded, lookup_table, source_texts
from changzhi_stats.engines.spark import keys, tasks
from changzhi_stats.engines.spark.session import session
from changzhi_stats.report.failures import AllFailures, remove_failures, shift_rows
from changzhi_stats.report.problems import Findings, Problem

T = TypeVar("T")
ROWS_PER_RECHECK = 1_000_000  # candidate rows of repeated keys one re-check task is sized for


class SparkEngine:
    """One validation run on Spark: tables are queued by validate, checked in :meth:`complete`."""

    reads_files = True  # validate hands over the streamed tables rather than their batches

    def __init__(
        self,
        *,
        lookups: dict[str, Loaded] | None = None,
        base: Path | None = None,
        spark_master: str | None = None,
        **_options: Any,
    ) -> None:
        self.local = PolarsEngine(lookups=lookups, base=base)  # tables read whole
        self.lookups = lookups or {}
        self.base = base if base is not None else Path(".")
        self.master = spark_master
        self.queued: list[TablePlan] = []
        self.offsets: list[int] = []  # by job: what a part adds to its own row numbers
        self.jobs: list[tasks.Job] = []  # what each job reads (tasks.plan_jobs, tasks.revise)
        self.spark = session(spark_master)  # fails early and cleanly without pyspark or Java

    def plan_table(self, table: TableSpec) -> TablePlan:
        plan = self.local.plan_table(table)
        if table.whole is None and table.opener is not None:
            self.queued.append(plan)
        return plan

    def run_batch(self, plan: TablePlan, batch: pl.DataFrame, findings: Findings) -> None:
        self.local.run_batch(plan, batch, findings)

    def finish(self, plan: TablePlan, findings: Findings) -> None:
        if plan not in self.queued:
            self.local.finish(plan, findings)

    def complete(
        self, findings: Findings, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, int]:
        """Check every queued table on the cluster; returns the rows read, by table.

        ``progress(rows, bytes)``: called with the rows and bytes of the files whose tasks have
        finished, as they finish (read from two accumulators while the job runs)."""
        if not self.queued:
            return {}
        openers, tables = self._jobs()
        context = tasks.Context(
            openers,
            self.lookups,
            self.base,
            findings.cap,
            self._source_texts(findings),
            tables=tables,
            failures=findings.path.parent if isinstance(findings, AllFailures) else None,
            jobs=self.jobs,
        )
        jobs = len(openers)
        numbers = self.spark.range(jobs, numPartitions=jobs).selectExpr("cast(id as int) job")
        counters = self._counters() if progress is not None else None
        if counters is None:
            check = partial(tasks.check, context)
        else:
            check = partial(_counted, context, [_file_size(o) for o in openers], *counters)
        out = numbers.mapInArrow(check, tasks.OUTPUT_DDL).persist()
        try:
            rows: dict[str, int] = defaultdict(int)
            found = out.where(f"key = {tasks.FINDINGS}").select("job", "payload")
            if counters is None or progress is None:
                results = found.collect()
            else:
                done_rows, done_bytes = counters
                results = _watched(
                    found.collect, progress, lambda: (done_rows.value, done_bytes.value)
                )
            by_job = {job: pickle.loads(payload) for job, payload in results}
            self.offsets = self._offsets(tables, by_job)
            table_openers = [plan.table.opener for plan in self.queued]
            revised = tasks.revise(table_openers, self.jobs, by_job, self.offsets)
            if revised is not None:  # read again as one stream reads it (see tasks.Job)
                if context.failures is not None:
                    for job in range(jobs):
                        remove_failures(context.failures, tasks.failures_file(job))
                self.jobs = revised
                return self.complete(findings)
            for job in sorted(by_job):  # reading order: the parts of a table in turn
                result, offset = by_job[job], self.offsets[job]
                for check, count in result["counts"].items():
                    kept = [_shifted(p, offset) for p in result["kept"].get(check, [])]
                    if isinstance(findings, AllFailures):
                        findings.merge_count(check, count, kept)  # the task wrote them all
                    else:
                        findings.add_count(check, count, kept)
                rows[self.queued[tables[job]].table.name] += result["rows"]
            repeated = (
                out.where(f"key <> {tasks.FINDINGS}")
                .groupBy("job", "key", "hash")  # in these rows "job" is the table
                .count()
                .where("count > 1")
                .select("job", "key", "hash")
                .toArrow()  # 8 bytes a repeated key, no Python object each
            )
        finally:
            out.unpersist()
        if context.failures is not None:
            _shift_failures(context.failures, self.offsets)
        if repeated.num_rows:
            self._repeated_keys(context, repeated, findings)
        return dict(rows)

    def _jobs(self) -> tuple[list, list[int]]:
        """One job a file: a multipart table's parts are read by tasks of their own (or a few
        together, when a run showed they must be: tasks.revise)."""
        table_openers = [plan.table.opener for plan in self.queued]
        if not self.jobs:
            self.jobs = tasks.plan_jobs(table_openers)
        return tasks.job_openers(table_openers, self.jobs), [job.table for job in self.jobs]

    def _offsets(self, tables: list[int], by_job: dict[int, dict]) -> list[int]:
        """What to add to a part's own row numbers: as frictionless-py reads a multipart table,
        the parts run on in one stream and the header line of each part after the first is
        dropped (kept, as data, when the dialect says there is no header)."""
        offsets = [0] * len(tables)
        for job in range(1, len(tables)):
            if tables[job] != tables[job - 1]:
                continue
            resource = _resource(self.queued[tables[job]].table.opener)
            drop = 0 if resource is not None and resource.dialect.get("header") is False else 1
            last = by_job.get(job - 1, {}).get("last", 0)
            offsets[job] = offsets[job - 1] + max(last - drop, 0)
        return offsets

    def _repeated_keys(self, context: tasks.Context, repeated: Any, findings: Findings) -> None:
        """Read again only the files with a repeated key hash and re-check those rows exactly,
        on the cluster (:mod:`.keys`): the driver receives each key's exact count and its first
        ``cap`` problems in reading order, never the candidate rows."""
        hashes = pl.from_arrow(repeated)
        assert isinstance(hashes, pl.DataFrame)
        context.repeated = {
            (int(table), int(key)): part["hash"].to_numpy().astype(np.int64)
            for (table, key), part in hashes.partition_by(["job", "key"], as_dict=True).items()
        }
        del hashes
        rules = {
            (table, key): (self.queued[table].table.name, self.queued[table].keys[key].rule)
            for table, key in context.repeated
        }
        wanted = {table for table, _ in context.repeated}
        files = [job for job, table in enumerate(context.tables) if table in wanted]
        # at least two rows a repeated hash: about a million candidate rows a re-check task
        buckets = max(self._buckets(), -(-2 * repeated.num_rows // ROWS_PER_RECHECK))
        numbers = self.spark.createDataFrame([(j,) for j in files], "job int").repartition(
            len(files)
        )
        rows = numbers.mapInArrow(
            partial(keys.candidates, context, self.offsets, buckets), tasks.OUTPUT_DDL
        )
        failures = context.failures
        checked = rows.repartition(buckets, "job", "key", "hash").mapInArrow(
            partial(keys.recheck, rules, findings.cap, failures), tasks.OUTPUT_DDL
        )
        # per (table, key): the count of each bucket, and the first cap problems of them all
        first = (
            checked.selectExpr(
                "*",
                "row_number() over (partition by job, key, payload is null order by hash) n",
            )
            .where(f"payload is null or n <= {int(findings.cap)}")
            .select("job", "key", "hash", "payload")
        )
        counts: dict[tuple[int, int], int] = defaultdict(int)
        kept: dict[tuple[int, int], list[Problem]] = defaultdict(list)
        for table, key, number, payload in _collect(first):
            if payload is None:
                counts[(table, key)] += number
            else:
                kept[(table, key)].append(pickle.loads(payload))
        for (table, key), total in sorted(counts.items()):
            if not total:
                continue
            code = rules[(table, key)][1].code
            sample = sorted(kept[(table, key)], key=lambda problem: problem.row or 0)
            if isinstance(findings, AllFailures):
                findings.merge_count(code, total, sample)  # the tasks wrote them all
            else:
                findings.add_count(code, total, sample)

    def _counters(self) -> tuple[Any, Any] | None:
        """Two accumulators (rows, bytes) the tasks add to as each file is done; None where
        there is no SparkContext here (Spark Connect): then no progress is shown."""
        try:
            context = self.spark.sparkContext
            return context.accumulator(0), context.accumulator(0)
        except Exception:
            return None

    def _buckets(self) -> int:
        """How many tasks re-check the candidate rows of repeated keys."""
        try:
            return max(int(self.spark.conf.get("spark.sql.shuffle.partitions")), 1)
        except Exception:  # "auto" (Databricks), or no such setting
            pass
        try:
            return max(int(self.spark.sparkContext.defaultParallelism), 1)
        except Exception:  # Spark Connect: no SparkContext here
            return 8

    def _source_texts(self, findings: Findings) -> dict[str, dict[str, str]]:
        """The texts of the sources the queued tables quote, read (and reported) once, here."""
        texts = self.local.state.texts
        for plan in self.queued:
            spec = plan.table
            if not {"source_id", "source_quote"} <= spec.present:
                continue
            probe = Loaded(spec.name, pl.DataFrame(), spec.schema, spec.fields)
            sources = lookup_table(probe, "source_id", self.lookups, "sources")
            if sources is not None and sources is not probe and sources.name not in texts:
                texts[sources.name] = source_texts(sources, self.base, findings)
        return dict(texts)


def _counted(
    context: tasks.Context,
    sizes: list[int],
    rows: Any,
    done: Any,
    jobs: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    """:func:`.tasks.check` in a task, adding each file's rows and bytes to the accumulators
    when it is done (Spark sends them to the driver as the task finishes)."""
    for batch in tasks.check(context, jobs):
        yield batch
        if batch.num_rows == 1 and batch.column(1)[0].as_py() == tasks.FINDINGS:
            job = batch.column(0)[0].as_py()
            rows.add(pickle.loads(batch.column(3)[0].as_py())["rows"])
            done.add(sizes[job])


def _watched(
    action: Callable[[], T],
    progress: Callable[[int, int], None],
    read: Callable[[], tuple[int, int]],
    interval: float = 0.25,
) -> T:
    """``action()`` (a Spark job) on a thread, while ``progress`` is shown, here, each change of
    ``read()`` (rows and bytes done) until it ends."""
    with ThreadPoolExecutor(1, thread_name_prefix="cz-spark-job") as pool:
        running = pool.submit(action)
        shown = None
        while True:
            wait([running], timeout=interval)
            ended = running.done()  # read once more after the end: every task's rows
            now = read()
            if now != shown:
                progress(*now)
                shown = now
            if ended:
                return running.result()


def _file_size(opener: Any) -> int:
    """The bytes of the file (or the part) a job reads, for the progress line only."""
    resource = _resource(opener)
    part = getattr(opener, "keywords", {}).get("part")
    try:
        if part is None:
            paths = [resource.path]
        else:  # a part, or a group of parts read together (a seam; tasks.revise)
            paths = [resource.parts[i] for i in (part if isinstance(part, tuple) else (part,))]
        # a StorePath (object store) has its own stat; a local path is a str or Path
        return sum(int((p if hasattr(p, "stat") else Path(p)).stat().st_size) for p in paths)
    except (AttributeError, IndexError, OSError, TypeError, ValueError):
        return 0


def _collect(frame: Any) -> list:
    """What the driver receives of the re-check of repeated keys (a seam for the tests)."""
    return frame.collect()


def _resource(opener: Any) -> Any:
    """The resource a table's opener (``partial(validate.open_elsewhere, resource, ...)``) reads."""
    args = getattr(opener, "args", ())
    return args[0] if args else None


def _shifted(problem: Problem, offset: int) -> Problem:
    if not offset or problem.row is None:
        return problem
    return replace(problem, row=problem.row + offset)


def _shift_failures(folder: Any, offsets: list[int]) -> None:
    """The failures a part's task wrote, with its rows renumbered as the whole table's."""
    for job, offset in enumerate(offsets):
        shift_rows(folder, tasks.failures_file(job), offset)
