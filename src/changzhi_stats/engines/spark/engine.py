"""The Spark engine behind the seam of :mod:`changzhi_stats.engines.base`.

Each streamed table is one Spark task (``mapInArrow`` over a DataFrame of job numbers) that
reads its file with this project's reader and checks every batch with the polars builders
(:mod:`.tasks`); the task's findings (exact counts, the first problems of each check in reading
order) come back to the driver and merge. Repeated keys are found on the cluster: each row's
64-bit key hash is shuffled (``groupBy``, ``count > 1``), and only the files with a repeated hash
are read again, keeping only those rows, which the driver re-checks exactly, as the polars
engine does on one machine. Foreign keys and the model's lookups are checked in the tasks
against the codelists, read whole by the driver and sent to each task (a broadcast join).
Tables read whole (codelists) are checked on the driver by the polars engine: they are small.

The result is the same :class:`~changzhi_stats.report.problems.Report` as the polars engine's.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
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
from changzhi_stats.report.problems import Findings


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
        context = tasks.Context(
            [plan.table.opener for plan in self.queued],
            self.lookups,
            self.base,
            findings.cap,
            self._source_texts(findings),
        )
        jobs = len(self.queued)
        numbers = self.spark.range(jobs, numPartitions=jobs).selectExpr("cast(id as int) job")
        out = numbers.mapInArrow(partial(tasks.check, context), tasks.OUTPUT_DDL).persist()
        try:
            rows: dict[str, int] = defaultdict(int)
            results = out.where(f"key = {tasks.FINDINGS}").select("job", "payload").collect()
            for job, payload in results:
                result = pickle.loads(payload)
                for check, count in result["counts"].items():
                    findings.add_count(check, count, result["kept"].get(check, []))
                rows[self.queued[job].table.name] += result["rows"]
            repeated = (
                out.where(f"key <> {tasks.FINDINGS}")
                .groupBy("job", "key", "hash")
                .count()
                .where("count > 1")
                .select("job", "key", "hash")
                .collect()
            )
        finally:
            out.unpersist()
        if repeated:
            self._repeated_keys(context, repeated, findings)
        return dict(rows)

    def _repeated_keys(self, context: tasks.Context, repeated: list, findings: Findings) -> None:
        """Read again only the files with a repeated key hash; re-check those rows exactly."""
        by_key: dict[tuple[int, int], list[int]] = defaultdict(list)
        for job, key, value in repeated:
            by_key[(job, key)].append(value)
        context.repeated = {k: np.array(v, dtype=np.int64) for k, v in by_key.items()}
        files = sorted({job for job, _ in by_key})
        numbers = self.spark.createDataFrame([(j,) for j in files], "job int").repartition(
            len(files)
        )
        out = numbers.mapInArrow(partial(tasks.candidates, context), tasks.OUTPUT_DDL)
        frames: dict[tuple[int, int], list[pl.DataFrame]] = defaultdict(list)
        for job, key, payload in out.select("job", "key", "payload").collect():
            frames[(job, key)].append(pickle.loads(payload))
        for (job, key), parts in sorted(frames.items()):
            plan = self.queued[job]
            rule = plan.keys[key].rule
            run.run(pl.concat(parts, how="diagonal"), [rule], plan.table.name, findings)

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
