"""The engine seam: what ``validate.py`` asks of an engine, and nothing more.

``validate.py`` opens a table, reads and prepares its batches, and for each table calls
``plan_table`` once, ``run_batch`` per batch and ``finish`` at the end (checks across batches:
repeated keys). Problems go into the :class:`~changzhi_stats.report.problems.Findings` passed
in. A second engine (Spark) implements these three methods and registers itself in
:data:`changzhi_stats.engines.ENGINES`; validate, the report and the release code stay as they are.

An engine that reads the files itself, elsewhere (Spark: in its tasks), says so with
``reads_files = True``: validate then runs only the tables read whole through ``run_batch``,
hands each streamed table over as ``TableSpec.opener`` (picklable: opens and reads the file in
another process) and calls ``complete(findings)`` once, after every table is planned; it returns
the rows read, by table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from changzhi_stats.report.problems import Findings
from changzhi_stats.rules.core import Rule


@dataclass
class TableSpec:
    """One readable table as validate hands it to an engine."""

    name: str
    schema: dict
    fields: list[str]  # the field of each column ("" for a column no field is matched to)
    present: set[str]  # the fields read
    prepared: Any  # what the engine's planner made of the schema when the table was opened
    rules: list[Rule] = field(default_factory=list)  # rules beyond the schema's (foreign keys)
    whole: Any = None  # the table read whole (a codelist), or None when it is streamed
    may_hold_nul: Callable[[], bool] | None = None  # False: no NUL byte anywhere in the file
    reread: Callable[[], Iterable[Any]] = lambda: ()  # the prepared batches again, quietly
    # picklable: opens the table afresh in another process (a Spark task) and returns
    # (TableSpec, read(findings) → prepared batches, rows read so far), or None if unreadable
    opener: Callable[[], Any] | None = None


@runtime_checkable
class Engine(Protocol):
    """Plan a table, run a batch, finish: the three calls validate makes of an engine."""

    def plan_table(self, table: TableSpec) -> Any:
        """What the engine keeps for one table across its batches."""
        ...

    def run_batch(self, plan: Any, batch: Any, findings: Findings) -> None:
        """Check one prepared batch of the table; problems go into ``findings``."""
        ...

    def finish(self, plan: Any, findings: Findings) -> None:
        """The checks that need every batch (repeated keys), once the table is read."""
        ...
