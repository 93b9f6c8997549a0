"""The Spark engine behind the seam of :mod:`changzhi_stats.engines.base`.

Each streamed file is one Spark task (``mapInArrow`` over a DataFrame of job numbers) that reads
it with this project's reader and checks every batch with the polars builders (:mod:`.tasks`);
the task's findings (exact counts, the first problems of each check in reading order) come back
to the driver and merge. A multipart table (``path`` a list) is read a part a task; the driver
shifts each part's row numbers by the rows of the parts before it (known once every task is
done), so they run on as frictionless-py numbers them. Repeated keys are found on the cluster:
each row's 64-bit key hash is shuffled (``groupBy``, ``count > 1``), and only the files with a
repeated hash are read again, keeping only those rows, which the driver re-checks exactly, as
the polars engine does on one machine. Foreign keys and the model's lookups are checked in the
tasks against the codelists, read whole by the driver and sent to each task (a broadcast join).
Tables read whole (codelists) are checked on the driver by the polars engine: they are small.

The result is the same :class:`~changzhi_stats.report.problems.Report` as the polars engine's.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from changzhi_stats.engines.base import TableSpec
from changzhi_stats.engines.polars import run
from changzhi_stats.engines.polars.engine import PolarsEngine, TablePlan
from changzhi_stats.engines.polars.enrich import Loaded, lookup_table, source_texts
from changzhi_stats.engines.spark import tasks
from changzhi_stats.engines.spark.session import session
from changzhi_stats.report.failures import AllFailures, remove_failures, shift_rows
from changzhi_stats.report.problems import Findings, Problem
from changzhi_stats.sources.text import ROW


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

    def complete(self, findings: Findings) -> dict[str, int]:
        """Check every queued table on the cluster; returns the rows read, by table."""
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
        out = numbers.mapInArrow(partial(tasks.check, context), tasks.OUTPUT_DDL).persist()
        try:
            rows: dict[str, int] = defaultdict(int)
            results = out.where(f"key = {tasks.FINDINGS}").select("job", "payload").collect()
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
                .collect()
            )
        finally:
            out.unpersist()
        if context.failures is not None:
            _shift_failures(context.failures, self.offsets)
        if repeated:
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

    def _repeated_keys(self, context: tasks.Context, repeated: list, findings: Findings) -> None:
        """Read again only the files with a repeated key hash; re-check those rows exactly."""
        by_key: dict[tuple[int, int], list[int]] = defaultdict(list)
        for table, key, value in repeated:
            by_key[(table, key)].append(value)
        context.repeated = {k: np.array(v, dtype=np.int64) for k, v in by_key.items()}
        wanted = {table for table, _ in by_key}
        files = [job for job, table in enumerate(context.tables) if table in wanted]
        numbers = self.spark.createDataFrame([(j,) for j in files], "job int").repartition(
            len(files)
        )
        out = numbers.mapInArrow(partial(tasks.candidates, context), tasks.OUTPUT_DDL)
        frames: dict[tuple[int, int], list[tuple[int, pl.DataFrame]]] = defaultdict(list)
        for job, key, payload in out.select("job", "key", "payload").collect():
            frame = pickle.loads(payload)
            if self.offsets[job]:
                frame = frame.with_columns(pl.col(ROW) + self.offsets[job])
            frames[(context.tables[job], key)].append((job, frame))
        for (table, key), parts in sorted(frames.items(), key=lambda item: item[0]):
            plan = self.queued[table]
            rule = plan.keys[key].rule
            ordered = [frame for _, frame in sorted(parts, key=lambda part: part[0])]
            run.run(pl.concat(ordered, how="diagonal"), [rule], plan.table.name, findings)

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
