"""``validate()``: stream a package through every Table Schema check and statistical rule.

Tables that others refer to (codelists: indicators, units, sources, any foreign-key target) are
read whole first; every other table is streamed in batches, so memory stays bounded by the batch
size. Each table is handed to an engine (:mod:`changzhi_stats.engines`): plan the table, run each
batch, finish (repeated keys across batches).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import polars as pl

from changzhi_stats import arguments
from changzhi_stats.engines import TableSpec, get_engine
from changzhi_stats.engines.polars.builders import Tables
from changzhi_stats.engines.polars.enrich import Enrichment, Loaded, enrich
from changzhi_stats.engines.polars.plan import Plan, plan
from changzhi_stats.errors import CzStatsError, UsageError
from changzhi_stats.package.descriptor import PackageSpec, ResourceSpec, load_package
from changzhi_stats.package.limits import Limits, describe_bytes
from changzhi_stats.package.paths import StorePath, is_store_uri
from changzhi_stats.report import i18n
from changzhi_stats.report.failures import AllFailures
from changzhi_stats.report.problems import DEFAULT_MAX_ERRORS, Findings, Report, make_problem
from changzhi_stats.rules import model as statrules
from changzhi_stats.rules.core import Rule, absent_name, typed_name, usable
from changzhi_stats.rules.tableschema import fields_of, key_fields
from changzhi_stats.sources.causes import Cause, detect
from changzhi_stats.sources.csv import CsvSource
from changzhi_stats.sources.text import ROW, column
from changzhi_stats.sources.xlsx import locate, open_source

# Called with (resource name, checked batch, field names, the codelists) for every batch.
Sink = Callable[[str, pl.DataFrame, list[str], dict[str, Loaded]], None]
# Called with (rows done, bytes done, bytes in all) as batches complete.
Progress = Callable[[int, int, int], None]
MODEL_LOOKUPS = ("indicators", "units", "sources")


def validate(
    source: str | Path | None = None,
    *,
    max_errors: int = DEFAULT_MAX_ERRORS,
    progress: Progress | None = None,
    limits: Limits | None = None,
    allow_remote: bool = False,
    lang: str | None = None,
    engine: str = "polars",
    spark_master: str | None = None,
    failures: str | Path | None = None,
) -> Report:
    """Validate the package at ``source`` (None: the bundled Changzhi package).

    Bad data never raises: it is in the report. :class:`~changzhi_stats.errors.PackageUnreadable`
    means the descriptor could not be read at all (missing, over its limits); one that is not
    valid JSON is a ``package-error`` in the report. ``limits`` bounds what is read (see
    :class:`~changzhi_stats.package.limits.Limits`); ``allow_remote`` reports URLs as
    ``remote-not-supported`` rather than ``unsafe-path`` (they are not fetched either way).
    ``lang`` (``"en"`` or ``"zh"``) is the language of the messages; default: the locale.
    ``engine``: ``"polars"`` (one machine) or ``"spark"`` (``pip install 'changzhi-stats[spark]'``;
    ``spark_master`` a Spark master URL, default ``local[*]``): the same report either way.
    ``failures``: a folder (absent or empty) to write every failure to, not capped, as a Parquet
    dataset (:mod:`changzhi_stats.report.failures`).
    """
    arguments.check_validate(
        source,
        max_errors=max_errors,
        progress=progress,
        limits_=limits,
        allow_remote=allow_remote,
        lang_=lang,
    )
    lang = i18n.resolve(lang)
    started = time.perf_counter()
    arguments.path("failures", failures, optional=True)
    folder = _failures_folder(failures)
    package = load_package(source, limits=limits, allow_remote=allow_remote)
    findings = Findings(max_errors) if folder is None else AllFailures(max_errors, folder)
    try:
        report, _ = check_package(
            package, findings, progress=progress, engine=engine, spark_master=spark_master
        )
    finally:
        if isinstance(findings, AllFailures):
            findings.close()
    report.seconds = time.perf_counter() - started
    report = report.localized(lang) if lang != "en" else report
    return locate(report, package)  # problems in a sheet: also as Sheet1!C7


def _failures_folder(failures: str | Path | None) -> Path | StorePath | None:
    """The folder for ``--failures``: absent (created) or empty, never mixed with old files."""
    if failures is None:
        return None
    folder = StorePath(str(failures)) if is_store_uri(str(failures)) else Path(failures)
    try:
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise UsageError(f"failures: {folder} must be an empty folder or not exist yet")
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"failures: cannot use {folder}: {exc.strerror or exc}") from exc
    return folder


@dataclass
class _Table:
    """One readable resource: its source, how columns map to fields, and its rules."""

    resource: ResourceSpec
    source: CsvSource
    fields: list[str]
    kept: list[int]
    plan: Plan
    limits: Limits = field(default_factory=Limits)
    rows: int = 0
    loaded: Loaded | None = None
    nul_scan: Future[bool] | None = None  # whether the file may hold a NUL byte at all
    causes: list[Cause] = field(default_factory=list)  # one finding each, after the reading
    # a part of a multipart table read alone (Spark): the table's data rows before it, so the
    # row limit is the table's, and what its row numbers become in the table (for messages)
    rows_before: int = 0
    row_offset: int = 0

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def present(self) -> set[str]:
        return {self.fields[i] for i in self.kept}


def check_package(
    package: PackageSpec,
    findings: Findings,
    *,
    sink: Sink | None = None,
    progress: Progress | None = None,
    engine: str = "polars",
    spark_master: str | None = None,
) -> tuple[Report, dict[str, Loaded]]:
    """The validation proper, shared with ``publish`` (which writes each batch through ``sink``).

    Each table is planned, run a batch at a time and finished by ``engine`` (a name in
    :data:`changzhi_stats.engines.ENGINES`). Returns the report and the tables read whole.
    """
    tables = [t for r in package.resources if (t := _open(r, findings, package.limits)) is not None]
    loaded = _load_lookups(tables, findings)
    total_bytes = sum(_size(t.resource) for t in tables)
    done_bytes = done_rows = 0
    runner = get_engine(engine, lookups=loaded, base=package.base, spark_master=spark_master)
    # an engine that reads files itself (Spark: in its tasks) checks the streamed tables in
    # complete(); they are read here only for a sink (publish), quietly
    reads_files = getattr(runner, "reads_files", False)
    # a byte scan for NUL is far cheaper than a check per text cell; it runs while reading
    # starts, only where this process checks the cells (the engine's tasks scan their own)
    for table in tables:
        if not (reads_files and table.loaded is None):
            table.nul_scan = table.source.may_hold_soon(b"\x00")
    for table in tables:
        plan_ = runner.plan_table(_spec(table, _foreign_key_rules(table, loaded, findings)))
        elsewhere = reads_files and table.loaded is None
        if elsewhere and sink is None:
            continue
        seen = Findings(0) if elsewhere else findings
        batches = [table.loaded.frame] if table.loaded else _prepared(table, seen)
        for frame in _at_least_one(batches, table):
            if not elsewhere:
                runner.run_batch(plan_, frame, findings)
            if sink is not None:
                sink(table.name, frame, [table.fields[i] for i in table.kept], loaded)
            done_rows += frame.height
            if progress is not None:
                progress(done_rows, done_bytes + _share(table, frame), total_bytes)
        done_bytes += _size(table.resource)
        runner.finish(plan_, findings)
    if reads_files:

        def watch(rows: int, done: int) -> None:  # the engine's tasks finishing files
            if progress is not None:
                progress(done_rows + rows, done_bytes + done, total_bytes)

        if progress is None or sink is not None:  # publish: shown while writing, above
            rows = runner.complete(findings)  # type: ignore[attr-defined]
        else:
            rows = runner.complete(findings, progress=watch)  # type: ignore[attr-defined]
        for table in tables:
            table.rows = rows.get(table.name, table.rows)
    for table in tables:  # each cause once, with the number of findings it stands for
        findings.extend(cause.problem() for cause in table.causes)
    findings.extend(package.descriptor_problems())
    report = Report.from_findings(
        findings,
        order=_descriptor_order(package),
        fields={t.name: t.fields for t in tables},
        resources=len(_descriptor_order(package)),
        rows=sum(t.rows for t in tables),
        package=str(package.descriptor_path),
    )
    return report, loaded


def _load_lookups(tables: list[_Table], findings: Findings) -> dict[str, Loaded]:
    """Read whole, first, the tables that others join to or check keys against."""
    lookups = _lookup_names(tables)
    loaded: dict[str, Loaded] = {}
    for table in tables:
        if table.name in lookups:
            frames = list(_prepared(table, findings))
            # "diagonal": a batch with short rows has absent-cell columns the others lack
            frame = pl.concat(frames, how="diagonal") if frames else _empty(table)
            table.loaded = loaded[table.name] = Loaded(
                table.name, frame, table.resource.schema, table.fields
            )
    return loaded


@dataclass
class TableRules:
    """Everything the engine runs on one table, for use outside a validation run (pandera)."""

    name: str
    fields: list[str]
    typed: dict[str, pl.Expr]
    rules: list[Rule]
    schema: dict
    lookups: dict[str, Loaded]
    base: Path
    tables: Tables = field(default_factory=Tables)

    def enrich(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` (row numbers, raw and typed columns) with the model's lookup columns."""
        table = Loaded(self.name, frame, self.schema, self.fields)
        return enrich(table, self.lookups, self.base, Findings(0), Enrichment())


def table_rules(source: str | Path | None, resource: str) -> TableRules:
    """The rules of ``resource`` as the engine would run them on a file with every column."""
    package = load_package(source)
    quiet = Findings(0)
    tables = [t for r in package.resources if (t := _open(r, quiet, package.limits)) is not None]
    table = next((t for t in tables if t.name == resource), None)
    if table is None:
        names = ", ".join(repr(r.name) for r in package.resources) or "none"
        raise CzStatsError(
            f"{package.descriptor_path}: no readable resource {resource!r} (resources: {names})"
        )
    loaded = _load_lookups(tables, quiet)
    fk_rules = _foreign_key_rules(table, loaded, quiet)
    fields = [table.fields[i] for i in table.kept]
    whole = Tables({name: table.frame for name, table in loaded.items()})
    result = TableRules(
        table.name,
        fields,
        dict(table.plan.typed),
        [],
        table.resource.schema,
        loaded,
        package.base,
        whole,
    )
    probe = result.enrich(_empty(table))
    result.rules = [*table.plan.rules, *fk_rules, *statrules.applicable(set(probe.columns))]
    return result


def _at_least_one(frames, table: _Table) -> Iterator[pl.DataFrame]:
    """The batches, or one empty frame for a header-only file (so a sink still sees the table)."""
    seen = False
    for frame in frames:
        seen = True
        yield frame
    if not seen:
        yield _empty(table)


def _sizes(resource: ResourceSpec) -> list[int]:
    """The bytes of the resource's file, or of each part of a multipart resource."""
    sizes = []
    for path in resource.parts or (resource.path,):
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    return sizes


def _size(resource: ResourceSpec) -> int:
    return sum(_sizes(resource))


def _share(table: _Table, frame: pl.DataFrame) -> int:
    """Rough bytes done within a table, from its rows so far (for the progress estimate only)."""
    size = _size(table.resource)
    if not frame.height or not size:
        return 0
    last = int(frame[ROW].max())
    rate = size / max(last, 1)
    return min(size, int(last * rate * 0.999))


def _empty(table: _Table) -> pl.DataFrame:
    names = [table.fields[i] for i in table.kept]
    frame = pl.DataFrame(
        {ROW: pl.Series([], dtype=pl.Int64), **{n: pl.Series([], dtype=pl.String) for n in names}}
    )
    return frame.with_columns(expr.alias(typed_name(n)) for n, expr in table.plan.typed.items())


def _lookup_names(tables: list[_Table]) -> set[str]:
    """Tables that others join to or check keys against: they are read whole, first."""
    names = {t.name for t in tables if t.name in MODEL_LOOKUPS}
    for table in tables:
        for fk in _foreign_keys(table.resource.schema):
            reference = fk.get("reference") if isinstance(fk, dict) else None
            if isinstance(reference, dict):
                target = reference.get("resource") or table.name
                names.add(target if isinstance(target, str) else table.name)
    return names


def _foreign_keys(schema: dict) -> list:
    keys = schema.get("foreignKeys")
    return keys if isinstance(keys, list) else []  # malformed: the descriptor check reports it


def _open(resource: ResourceSpec, findings: Findings, limits: Limits) -> _Table | None:
    size = max(_sizes(resource))  # the limit is per file: each part of a multipart resource
    if size > limits.file_bytes:
        findings.add(
            make_problem(
                "limit-exceeded",
                resource=resource.name,
                what=f"the file is {describe_bytes(size)}",
                limit=describe_bytes(limits.file_bytes),
                consequence="it was not read",
                hint=limits.raise_hint("file_bytes"),
            )
        )
        return None
    source = open_source(resource, findings)  # CsvSource, or XlsxSource for a sheet
    if not source.readable:
        return None
    if source.width > limits.columns:
        findings.add(
            make_problem(
                "limit-exceeded",
                resource=resource.name,
                row=1,
                what=f"the header has {source.width:,} columns",
                limit=f"{limits.columns:,} columns",
                consequence="the resource was not read",
                hint=limits.raise_hint("columns"),
            )
        )
        return None
    causes = detect(resource, source, findings)  # a title row, GBK, another sheet, ...
    schema = resource.schema
    fields = [f.get("name") if isinstance(f.get("name"), str) else "" for f in fields_of(schema)]
    if "schema" not in resource.descriptor and source.labels is not None:
        fields = list(
            source.labels
        )  # no schema: the header names the fields, as frictionless infers
    by_name = _fields_match(schema) != "exact" and "schema" in resource.descriptor
    if source.labels is not None and by_name:  # Data Package v2 fieldsMatch: see below
        fields = _match_by_name(resource.name, source.labels, schema, findings)
    elif source.labels is not None:
        _header_problems(resource.name, source.labels, fields, findings)
    width = min(source.width, len(fields))
    for name in dict.fromkeys(f for f in fields if not usable(f)):
        note = (
            f"field {name!r} has a control character (U+0000 or U+0001) in its name; it is not read"
        )
        findings.add(make_problem("schema-error", resource=resource.name, note=note))
    # a repeated field name (reported by the descriptor check) is read from its first column only;
    # a name with U+0001 could meet the engine's own columns (rules.core.internal): not read
    seen: set[str] = set()
    kept = []
    for i in range(width):
        if fields[i] and usable(fields[i]) and fields[i] not in seen:
            kept.append(i)
        seen.add(fields[i])
    present = {fields[i] for i in kept}
    table_plan = plan(schema, present)
    for note in table_plan.notes:
        findings.add(make_problem("schema-error", resource=resource.name, note=note))
    return _Table(resource, source, fields, kept, table_plan, limits, causes=causes)


def _prepared(table: _Table, findings: Findings) -> Iterator[pl.DataFrame]:
    for batch in _within_limits(table, table.source.batches(findings), findings):
        yield _prepare(table, batch, findings)


def _within_limits(
    table: _Table, batches: Iterator[pl.DataFrame], findings: Findings
) -> Iterator[pl.DataFrame]:
    """The raw batches up to the first row over a limit (rows, cell length); a table that hits
    one gets a ``limit-exceeded`` finding and is read no further."""
    limits = table.limits
    seen = table.rows_before
    shown = table.row_offset  # a message names the row as the whole table numbers it
    try:
        for batch in batches:
            hit = None
            if seen + batch.height > limits.rows:
                cut = int(batch[ROW][limits.rows - seen])
                what = f"row {cut + shown} is data row {limits.rows + 1:,}"
                hit = (cut, None, what, f"{limits.rows:,} rows", "rows", None)
            long = _first_long_cell(table, batch.head(limits.rows - seen), limits.cell_chars)
            if long is not None:
                row, index, length = long
                name = table.fields[index] if index < len(table.fields) else None
                hit = (row, name, f"a cell has {length:,} characters", None, "cell_chars", index)
            if hit is None:
                seen += batch.height
                yield batch
                continue
            row, name, what, limit, key, _ = hit
            kept = batch.filter(pl.col(ROW) < row)
            if kept.height:
                yield kept
            findings.add(
                make_problem(
                    "limit-exceeded",
                    resource=table.name,
                    row=row,
                    field=name,
                    what=what,
                    limit=limit or f"{limits.cell_chars:,} characters",
                    consequence=f"row {row + shown} and the rows after it were not read",
                    hint=limits.raise_hint(key),
                )
            )
            return
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


def _first_long_cell(table: _Table, batch: pl.DataFrame, limit: int) -> tuple[int, int, int] | None:
    """(row, column index, length) of the first cell over ``limit`` characters, if any."""
    names = [c for c in batch.columns if c != ROW]
    if not names or not batch.height:
        return None
    # bytes bound characters from above, so the cheap byte count finds every candidate; a
    # batch's longest cell (one number) rules out most batches before any row is looked at
    longest = batch.select(pl.max_horizontal(pl.col(names).str.len_bytes().max())).item()
    if longest is None or longest <= limit:
        return None
    wide = batch.filter(pl.any_horizontal(pl.col(names).str.len_bytes() > limit))
    lengths = wide.select(ROW, pl.col(names).str.len_chars())
    for row, *cells in lengths.sort(ROW).iter_rows():
        for index, length in enumerate(cells):
            if length is not None and length > limit:
                return int(row), int(names[index][1:]), int(length)
    return None


def _prepare(table: _Table, batch: pl.DataFrame, findings: Findings) -> pl.DataFrame:
    """Name the columns, report missing cells, add the typed columns (missingValues are
    already nulls: the reader maps them)."""
    frame = batch.select(ROW, *[pl.col(column(i)).alias(table.fields[i]) for i in table.kept])
    table.rows += frame.height
    absent = _missing_cells(table, frame, findings)
    if absent:
        frame = frame.with_columns(
            pl.col(ROW).is_in(sorted(rows)).alias(absent_name(name))
            for name, rows in absent.items()
        )
    typed_exprs = table.plan.typed
    return frame.with_columns(expr.alias(typed_name(n)) for n, expr in typed_exprs.items())


def _spec(table: _Table, rules: list[Rule]) -> TableSpec:
    """``table`` as the engine sees it: its schema, fields, plan, and a way to read it again."""

    def reread() -> Iterator[pl.DataFrame]:
        quiet = Findings(0)
        raw = _within_limits(table, table.source.batches(quiet), quiet)
        return (_prepare_quietly(table, batch, quiet) for batch in raw)

    nul_scan = table.nul_scan
    opener = partial(open_elsewhere, table.resource, table.limits, rules)
    return TableSpec(
        table.name,
        table.resource.schema,
        table.fields,
        table.present,
        table.plan,
        rules,
        whole=table.loaded,
        may_hold_nul=nul_scan.result if nul_scan is not None else None,
        reread=reread,
        opener=opener if table.loaded is None else None,
    )


def open_elsewhere(
    resource: ResourceSpec,
    limits: Limits,
    rules: list[Rule],
    part: int | tuple[int, ...] | None = None,
    *,
    rows_before: int = 0,
    row_offset: int = 0,
) -> tuple | None:
    """Open ``resource`` afresh in another process (a Spark task): (its TableSpec, read, rows,
    last).

    ``read(findings)`` yields the prepared batches and reports what reading finds (blank rows,
    short and long rows, limits); what opening finds (header, schema) the caller has reported.
    ``rows()`` is how many data rows were read, ``last()`` the last row number read (blank rows
    included). ``part``: only that part of a multipart resource, read alone (header and row
    numbers its own; a tuple: those parts, read as one stream). None: the file cannot be read
    here. ``rows_before``, ``row_offset``: see :class:`_Table`.
    """
    if isinstance(part, int):
        resource = replace(resource, path=resource.parts[part], parts=())
    elif part is not None:
        chosen = tuple(resource.parts[i] for i in part)
        resource = replace(resource, path=chosen[0], parts=chosen if len(chosen) > 1 else ())
    table = _open(resource, Findings(0), limits)
    if table is None:
        return None
    table.rows_before, table.row_offset = rows_before, row_offset
    table.nul_scan = table.source.may_hold_soon(b"\x00")  # this process checks the cells

    def read(findings: Findings) -> Iterator[pl.DataFrame]:
        return _at_least_one(_prepared(table, findings), table)

    def last() -> int:
        return int(getattr(table.source, "_last_read", 0) or 0)

    return _spec(table, rules), read, lambda: table.rows, last


def _prepare_quietly(table: _Table, batch: pl.DataFrame, quiet: Findings) -> pl.DataFrame:
    rows = table.rows
    frame = _prepare(table, batch, quiet)
    table.rows = rows
    return frame


def _descriptor_order(package: PackageSpec) -> list[str]:
    """Resource names as the descriptor lists them, those that could not be read included."""
    listed = package.descriptor.get("resources")
    names = (
        [r.get("name") for r in listed if isinstance(r, dict) and isinstance(r.get("name"), str)]
        if isinstance(listed, list)
        else []
    )
    return list(dict.fromkeys([*names, *(r.name for r in package.resources)]))


def _header_problems(
    resource: str, labels: list[str], fields: list[str], findings: Findings
) -> None:
    seen: dict[str, int] = {}
    for i in range(max(len(labels), len(fields))):
        label = labels[i] if i < len(labels) else None
        field_name = fields[i] if i < len(fields) else None
        common = {"resource": resource, "row": 1, "column": i + 1}
        if label is None:
            findings.add(make_problem("missing-label", field=field_name, **common))
        elif field_name is None:
            findings.add(make_problem("extra-label", value=label, **common))
        elif not label.strip():
            findings.add(make_problem("blank-label", field=field_name, value=label, **common))
        elif label in seen:
            findings.add(
                make_problem(
                    "duplicate-label", field=field_name, value=label, first=seen[label], **common
                )
            )
        elif label != field_name:
            findings.add(make_problem("incorrect-label", field=field_name, value=label, **common))
        if label is not None:
            seen.setdefault(label, i + 1)


# --- Data Package v2 fieldsMatch: which columns are which fields ------------------------------
# exact (the default, and Table Schema v1): by position. The others match labels to fields by
# name and differ in what they tolerate, as frictionless-py: subset and partial allow columns the
# schema does not declare; superset and partial allow declared fields to be absent, unless
# required (or in the primary key).

FIELDS_MATCH = ("exact", "equal", "subset", "superset", "partial")


def _fields_match(schema: object) -> str:
    mode = schema.get("fieldsMatch", "exact") if isinstance(schema, dict) else "exact"
    return mode if mode in FIELDS_MATCH else "exact"  # other values: the descriptor check's


def _match_by_name(resource: str, labels: list[str], schema: dict, findings: Findings) -> list[str]:
    """The field name of each column (\"\" for a column no field is matched to), by label."""
    mode = _fields_match(schema)
    specs = fields_of(schema)
    names = [f.get("name") for f in specs if isinstance(f.get("name"), str)]
    declared = set(names)
    columns: list[str] = []
    first: dict[str, int] = {}
    for i, label in enumerate(labels):
        common = {"resource": resource, "row": 1, "column": i + 1}
        if label in first:
            findings.add(
                make_problem(
                    "duplicate-label", field=label, value=label, first=first[label], **common
                )
            )
            columns.append("")
            continue
        first[label] = i + 1
        if label in declared:
            columns.append(label)
            continue
        columns.append("")
        if mode in ("equal", "superset"):
            findings.add(make_problem("extra-label", value=label, **common))
    primary = set(key_fields(schema.get("primaryKey")))
    matched = [name for name in names if name in first]
    absent = [spec for spec in specs if spec.get("name") in declared - set(first)]
    if mode in ("superset", "partial") and (matched or mode == "superset"):
        absent = [spec for spec in absent if _required(spec) or spec.get("name") in primary]
    for offset, spec in enumerate(absent):
        findings.add(
            make_problem(
                "missing-label",
                resource=resource,
                row=1,
                column=len(labels) + offset + 1,
                field=spec.get("name"),
            )
        )
    return columns


def _required(spec: dict) -> bool:
    constraints = spec.get("constraints")
    return isinstance(constraints, dict) and constraints.get("required") is True


def _missing_cells(table: _Table, frame: pl.DataFrame, findings: Findings) -> dict[str, set[int]]:
    """Report the cells this batch's short rows lack; return, per field, the rows lacking it."""
    source = table.source
    if not source.missing_cells or not frame.height:
        return {}
    first, last = int(frame[ROW].min()), int(frame[ROW].max())
    mine = sorted(c for c in source.missing_cells if first <= c[0] <= last)
    source.missing_cells.difference_update(mine)
    absent: dict[str, set[int]] = {}
    cells: dict[int, int] = {}  # per short row, how many cells it has: its first missing index
    for row, index in mine:
        cells.setdefault(row, index)
        name = table.fields[index] if index < len(table.fields) else ""
        if name:
            absent.setdefault(name, set()).add(row)
            findings.add(
                make_problem(
                    "missing-cell", resource=table.name, row=row, field=name, actual=cells[row]
                )
            )
    return absent


def _specs(schema: dict, names: tuple[str, ...]) -> tuple[dict, ...]:
    """The Table Schema spec of each of ``names`` (the first field so named; {}: text)."""
    specs = {}
    for spec in reversed(fields_of(schema)):
        specs[spec.get("name")] = spec
    return tuple(specs.get(name, {}) for name in names)


def _typed_specs(table: _Table, names: tuple[str, ...]) -> tuple[dict, ...]:
    """The spec of each of ``names`` as read ({}: read as text only, its type unreadable)."""
    read = {r.args["name"]: r.args["spec"] for r in table.plan.rules if r.kind == "type"}
    return tuple(read.get(name, {}) for name in names)


def _foreign_key_rules(table: _Table, tables: dict[str, Loaded], findings: Findings) -> list[Rule]:
    rules: list[Rule] = []
    for fk in _foreign_keys(table.resource.schema):
        if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
            continue  # malformed: frictionless' descriptor check has reported it
        names = key_fields(fk.get("fields"))
        reference = fk["reference"]
        target_name = reference.get("resource") or table.name
        target_fields = key_fields(reference.get("fields"))
        if not names or len(names) != len(target_fields):
            continue  # malformed: reported by the descriptor check
        target = tables.get(target_name)
        note = None
        if target is None:
            note = (
                f"foreign key {list(names)} refers to resource {target_name!r}, which was not read"
            )
        elif not set(target_fields) <= set(target.frame.columns):
            note = (
                f"foreign key {list(names)} refers to fields {list(target_fields)} "
                f"that {target_name!r} lacks"
            )
        elif not set(names) <= table.present:
            note = f"foreign key fields {list(names)} are not columns of the table"
        if note:
            findings.add(make_problem("schema-error", resource=table.name, note=note))
            continue
        # the rule names its target; the engine resolves the keys allowed (builders.Tables)
        shown_target = f"{target_name}.{','.join(target_fields)}"
        rules.append(
            Rule(
                "foreign-key",
                ",".join(names),
                "foreign-key",
                {
                    "names": names,
                    "resource": target_name,
                    "fields": target_fields,
                    # keys compare by typed value, as frictionless-py's do: the types decide
                    "specs": _typed_specs(table, names),
                    "target_specs": _specs(target.schema, target_fields),
                },
                {"target": shown_target},
            )
        )
    return rules
