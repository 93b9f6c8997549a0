"""``validate()``: read a package, run every Table Schema check and statistical rule, report."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl

from . import engine, statrules
from .model import Loaded, enrich
from .package import PackageSpec, ResourceSpec, load_package
from .report import DEFAULT_MAX_ERRORS, Findings, Report, make_problem
from .rules import Rule
from .tables import ROW, RawTable, column, read_table
from .tableschema import Plan, fields_of, key_fields, missing_values, plan


def validate(
    source: str | Path | None = None, *, max_errors: int = DEFAULT_MAX_ERRORS
) -> Report:
    """Validate the package at ``source`` (None: the bundled Changzhi package).

    Bad data never raises: it is in the report. :class:`~changzhi_stats.errors.PackageUnreadable`
    means the descriptor itself could not be read.
    """
    started = time.perf_counter()
    package = load_package(source)
    findings = Findings(max_errors)
    findings.extend(package.problems)
    report, _ = check_package(package, findings)
    report.seconds = time.perf_counter() - started
    return report


def check_package(package: PackageSpec, findings: Findings) -> tuple[Report, dict[str, Loaded]]:
    """The validation proper, shared with ``publish`` (which needs the loaded tables too)."""
    tables: dict[str, Loaded] = {}
    plans: dict[str, Plan] = {}
    for resource in package.resources:
        loaded = _load(resource, findings)
        if loaded is not None:
            tables[resource.name], plans[resource.name] = loaded
    for name, table in tables.items():
        rules = plans[name].rules + _foreign_key_rules(table, tables, findings)
        frame = enrich(table, tables, package.base, findings)
        rules += statrules.applicable(set(frame.columns))
        engine.run(frame, rules, name, findings)
    report = Report.from_findings(
        findings,
        order=_descriptor_order(package),
        fields={name: t.fields for name, t in tables.items()},
        resources=len(package.resources),
        rows=sum(t.frame.height for t in tables.values()),
        package=str(package.descriptor_path),
    )
    return report, tables


def _descriptor_order(package: PackageSpec) -> list[str]:
    """Resource names as the descriptor lists them, those that could not be read included."""
    listed = package.descriptor.get("resources")
    names = [r.get("name") for r in listed if isinstance(r, dict)] if isinstance(listed, list) else []
    return list(dict.fromkeys([*names, *(r.name for r in package.resources)]))


def _load(resource: ResourceSpec, findings: Findings) -> tuple[Loaded, Plan] | None:
    raw = read_table(resource, findings)
    if raw is None:
        return None
    schema = resource.schema
    fields = [f.get("name") if isinstance(f.get("name"), str) else "" for f in fields_of(schema)]
    if "schema" not in resource.descriptor and raw.labels is not None:
        fields = list(raw.labels)  # no schema: the header names the fields, as frictionless infers
    if raw.labels is not None:
        _header_problems(resource.name, raw.labels, fields, findings)
    width = min(raw.width, len(fields))
    # a repeated field name (reported by the descriptor check) is read from its first column only
    kept = [i for i in range(width) if fields[i] and fields[i] not in fields[:i]]
    frame = raw.frame.select(ROW, *[pl.col(column(i)).alias(fields[i]) for i in kept])
    present = set(frame.columns) - {ROW}
    absent = _missing_cells(resource.name, raw, fields, findings)
    if absent:
        frame = frame.with_columns(
            pl.col(ROW).is_in(list(rows)).alias(f"__absent__{name}") for name, rows in absent.items()
        )
    nulls = missing_values(schema)
    frame = frame.with_columns(
        pl.when(pl.col(n).is_in(nulls)).then(None).otherwise(pl.col(n)).alias(n) for n in present
    )
    table_plan = plan(schema, present, frozenset(absent))
    for note in table_plan.notes:
        findings.add(make_problem("schema-error", resource=resource.name, note=note))
    frame = frame.with_columns(
        expr.alias(f"__typed__{name}") for name, expr in table_plan.typed.items()
    )
    return Loaded(resource.name, frame, schema, fields), table_plan


def _header_problems(resource: str, labels: list[str], fields: list[str], findings: Findings) -> None:
    seen: dict[str, int] = {}
    for i in range(max(len(labels), len(fields))):
        label = labels[i] if i < len(labels) else None
        field = fields[i] if i < len(fields) else None
        common = {"resource": resource, "row": 1, "column": i + 1}
        if label is None:
            findings.add(make_problem("missing-label", field=field, **common))
        elif field is None:
            findings.add(make_problem("extra-label", value=label, **common))
        elif not label.strip():
            findings.add(make_problem("blank-label", field=field, value=label, **common))
        elif label in seen:
            findings.add(
                make_problem("duplicate-label", field=field, value=label, first=seen[label], **common)
            )
        elif label != field:
            findings.add(make_problem("incorrect-label", field=field, value=label, **common))
        if label is not None:
            seen.setdefault(label, i + 1)


def _missing_cells(resource: str, raw: RawTable, fields: list[str], findings: Findings):
    """Report the cells short rows lack; return, per field, the rows that lack it."""
    absent: dict[str, set[int]] = {}
    cells: dict[int, int] = {}  # per short row, how many cells it has: its first missing index
    for row, index in sorted(raw.missing_cells):
        cells.setdefault(row, index)
        if index < len(fields) and fields[index]:
            absent.setdefault(fields[index], set()).add(row)
            findings.add(
                make_problem(
                    "missing-cell",
                    resource=resource,
                    row=row,
                    field=fields[index],
                    actual=cells[row],
                )
            )
    return absent


def _foreign_key_rules(table: Loaded, tables: dict[str, Loaded], findings: Findings) -> list[Rule]:
    rules: list[Rule] = []
    for fk in table.schema.get("foreignKeys") or []:
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
            note = f"foreign key {list(names)} refers to resource {target_name!r}, which was not read"
        elif not set(target_fields) <= set(target.frame.columns):
            note = f"foreign key {list(names)} refers to fields {list(target_fields)} that {target_name!r} lacks"
        elif not set(names) <= set(table.frame.columns):
            note = f"foreign key fields {list(names)} are not columns of the table"
        if note:
            findings.add(make_problem("schema-error", resource=table.name, note=note))
            continue
        keys = [pl.col(n) for n in target_fields]
        joined = keys[0] if len(keys) == 1 else pl.concat_str(keys, separator="\x1f")
        allowed = target.frame.select(joined.alias("k")).drop_nulls().unique().to_series()
        shown_target = f"{target_name}.{','.join(target_fields)}"
        rules.append(
            Rule(
                "foreign-key",
                ",".join(names),
                "foreign-key",
                {"names": names, "allowed": allowed},
                {"target": shown_target},
            )
        )
    return rules
