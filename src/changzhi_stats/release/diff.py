"""``diff()``: what changed between two releases or packages, and the version bump it calls for.

Rows are matched by the table's primary key (tables without one are compared as whole rows);
numbers are compared as numbers, so ``12.50`` and ``12.5`` are the same figure. A field removed,
renamed or retyped, a resource removed, or a changed primary or foreign key is *breaking*
(major); rows added, removed or revised, a field or resource added are *minor*; descriptive
metadata alone is a *patch*.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import numpy as np
import polars as pl

from changzhi_stats import arguments
from changzhi_stats.errors import PackageUnreadable
from changzhi_stats.package.descriptor import PackageSpec, ResourceSpec, load_package
from changzhi_stats.report import catalogue
from changzhi_stats.report.problems import Findings
from changzhi_stats.rules.core import internal
from changzhi_stats.rules.tableschema import key_fields
from changzhi_stats.sources import xlsx as xlsxsource
from changzhi_stats.sources.text import column, compact

BUMPS = ("major", "minor", "patch")
NUMERIC = {"number", "integer", "year"}
# descriptor keys a release rewrites or that always change: not "metadata changes"
IGNORED_KEYS = {"resources", "version", "created", "profile", "$schema"}
RESOURCE_META = ("title", "description", "licenses", "sources")
TEXT_LIMIT = 20  # rows shown per kind and resource in text and Markdown; JSON lists them all


@dataclass(frozen=True)
class Side:
    """One side of a comparison: where it is, whether a release or a package, its version."""

    path: str
    kind: str
    version: str | None

    def to_dict(self) -> dict:
        return {"path": self.path, "kind": self.kind, "version": self.version}


@dataclass
class TableChanges:
    """Rows added, removed and revised in one resource."""

    key: list[str] | None
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    revised: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.revised)

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "added": self.added,
            "removed": self.removed,
            "revised": self.revised,
        }


@dataclass
class Diff:
    """The result of :func:`diff`; ``to_dict()`` is what ``cz-stats diff --format json`` prints."""

    old: Side | None
    new: Side
    tables: dict[str, TableChanges] = field(default_factory=dict)
    schema: list[dict] = field(default_factory=list)
    metadata: list[dict] = field(default_factory=list)
    initial_rows: dict[str, int] | None = None  # a first release: rows per resource, not listed

    @property
    def identical(self) -> bool:
        return self.old is not None and not (
            self.schema or self.metadata or any(not t.empty for t in self.tables.values())
        )

    @property
    def bump(self) -> str | None:
        """The semantic version bump these changes call for (None: nothing changed)."""
        if self.old is None:
            return None
        if any(change["breaking"] for change in self.schema):
            return "major"
        if self.schema or any(not t.empty for t in self.tables.values()):
            return "minor"
        return "patch" if self.metadata else None

    @property
    def proposed_version(self) -> str | None:
        base = self.old.version if self.old else None
        if self.bump is None or not base:
            return None
        try:
            return next_version(base, self.bump)
        except ValueError:
            return None

    def summary(self) -> dict:
        if self.initial_rows is not None:
            added = sum(self.initial_rows.values())
            return {"added": added, "removed": 0, "revised": 0, "schema": 0, "metadata": 0}
        return {
            "added": sum(len(t.added) for t in self.tables.values()),
            "removed": sum(len(t.removed) for t in self.tables.values()),
            "revised": sum(len(t.revised) for t in self.tables.values()),
            "schema": len(self.schema),
            "metadata": len(self.metadata),
        }

    def to_dict(self) -> dict:
        result = {
            "old": self.old.to_dict() if self.old else None,
            "new": self.new.to_dict(),
            "identical": self.identical,
            "bump": self.bump,
            "proposed_version": self.proposed_version,
            "summary": self.summary(),
            "resources": {name: t.to_dict() for name, t in self.tables.items() if not t.empty},
            "schema": self.schema,
            "metadata": self.metadata,
        }
        if self.initial_rows is not None:
            result["initial"] = True
            result["rows"] = dict(self.initial_rows)
        return result

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    # --- for people ---------------------------------------------------------------------------

    def to_text(self) -> str:
        lines = [
            f"old: {_side_text(self.old)}",
            f"new: {_side_text(self.new)}",
        ]
        for name, table in self.tables.items():
            if table.empty:
                continue
            lines.append(
                f"{name}: {len(table.added)} added, {len(table.removed)} removed, "
                f"{len(table.revised)} revised"
            )
            for sign, rows in (("+", table.added), ("-", table.removed)):
                for row in rows[:TEXT_LIMIT]:
                    lines.append(f"  {sign} {_row_text(row, table.key)}")
                if len(rows) > TEXT_LIMIT:
                    lines.append(f"  {sign} … and {len(rows) - TEXT_LIMIT} more")
            for change in table.revised[:TEXT_LIMIT]:
                what = "; ".join(
                    f"{f}: {_cell(c['old'])} -> {_cell(c['new'])}"
                    for f, c in change["changes"].items()
                )
                lines.append(f"  ~ {_key_text(change['key'])}: {what}")
            if len(table.revised) > TEXT_LIMIT:
                lines.append(f"  ~ … and {len(table.revised) - TEXT_LIMIT} more")
        for change in self.schema:
            flag = " (breaking)" if change["breaking"] else ""
            lines.append(f"schema: {_schema_text(change)}{flag}")
        for change in self.metadata:
            lines.append(
                f"metadata: {change['path']}: {_short(change['old'])} -> {_short(change['new'])}"
            )
        if self.identical:
            lines.append("no differences")
        elif self.bump:
            to = self.proposed_version
            shown = f" ({self.old.version} -> {to})" if to else ""
            lines.append(f"proposed bump: {self.bump}{shown}")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """``CHANGES.md``: the changes of a release against the previous one, for people."""
        title = f"# Changes in {self.new.version}"
        if self.initial_rows is not None or self.old is None:
            rows = self.initial_rows or {}
            body = [
                title,
                "",
                "First release: there is no previous release to compare with.",
                "",
                *[f"- `{name}`: {count} row(s)" for name, count in rows.items()],
            ]
            return "\n".join(body) + "\n"
        s = self.summary()
        body = [
            title,
            "",
            f"Against release {self.old.version}. Version bump: **{self.bump or 'none'}**.",
            "",
            f"- rows added: {s['added']}, removed: {s['removed']}, revised: {s['revised']}",
            f"- schema changes: {s['schema']}; metadata changes: {s['metadata']}",
        ]
        for name, table in self.tables.items():
            if table.empty:
                continue
            body += ["", f"## `{name}`", ""]
            if table.revised:
                body += ["Revised:", "", "| key | field | old | new |", "|---|---|---|---|"]
                for change in table.revised[:TEXT_LIMIT]:
                    for f, c in change["changes"].items():
                        body.append(
                            f"| {_md(_key_text(change['key']))} | {_md(f)} | "
                            f"{_md(_cell(c['old']))} | {_md(_cell(c['new']))} |"
                        )
                body.append("")
            for label, rows in (("Added", table.added), ("Removed", table.removed)):
                if rows:
                    body += [f"{label}:", ""]
                    body += [f"- {_md(_row_text(r, table.key))}" for r in rows[:TEXT_LIMIT]]
                    body.append("")
            hidden = sum(
                max(0, len(x) - TEXT_LIMIT) for x in (table.added, table.removed, table.revised)
            )
            if hidden:
                body += [f"… and {hidden} more; `changes.json` lists every change.", ""]
        if self.schema:
            body += ["", "## Schema", ""]
            body += [
                f"- {_md(_schema_text(c))}" + (" (breaking)" if c["breaking"] else "")
                for c in self.schema
            ]
        if self.metadata:
            body += ["", "## Metadata", ""]
            body += [
                f"- `{c['path']}`: {_md(_short(c['old']))} → {_md(_short(c['new']))}"
                for c in self.metadata
            ]
        return "\n".join(body).rstrip("\n") + "\n"


def next_version(version: str, bump: str) -> str:
    """``1.2.3`` bumped by ``major`` / ``minor`` / ``patch``."""
    major, minor, patch = (int(x) for x in version.split("."))
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ValueError(f"unknown bump {bump!r}")


def diff(old: str | Path, new: str | Path) -> Diff:
    """Compare two releases or packages (a folder or its ``datapackage.json``, either side).

    Raises :class:`~changzhi_stats.errors.PackageUnreadable` when a side cannot be read.
    """
    arguments.check_paths(old=old, new=new)
    old_spec, new_spec = open_side(old), open_side(new)
    return compare(old_spec, new_spec)


def open_side(source: str | Path) -> PackageSpec:
    path = Path(source)
    if not path.exists():
        raise PackageUnreadable(f"{path}: no such file or folder")
    package = load_package(path)
    if package.unparsable:  # nothing to compare: the descriptor is not a JSON object
        raise PackageUnreadable(f"{package.descriptor_path}: {package.problems[0].message}")
    return package


def side_of(package: PackageSpec) -> Side:
    kind = "release" if (package.base / "SHA256SUMS").is_file() else "package"
    version = package.descriptor.get("version")
    return Side(str(package.base), kind, version if isinstance(version, str) else None)


def compare(old: PackageSpec, new: PackageSpec) -> Diff:
    result = Diff(side_of(old), side_of(new))
    old_tables, new_tables = _tables(old), _tables(new)
    for name in old_tables:
        if name not in new_tables:
            result.schema.append(_change(name, "resource-removed", None, name, None))
    for name, spec in new_tables.items():
        if name not in old_tables:
            result.schema.append(_change(name, "resource-added", None, None, name))
            continue
        before = old_tables[name]
        result.schema.extend(_schema_changes(name, before.schema, spec.schema))
        result.metadata.extend(_field_metadata(name, before.schema, spec.schema))
        result.tables[name] = _row_changes(before, spec)
        for key in RESOURCE_META:
            a, b = before.descriptor.get(key), spec.descriptor.get(key)
            if a != b:
                result.metadata.append({"path": f"resources.{name}.{key}", "old": a, "new": b})
    keys = sorted(
        (set(old.descriptor) | set(new.descriptor)) - IGNORED_KEYS,
        key=lambda k: (list(new.descriptor).index(k) if k in new.descriptor else 10**6, k),
    )
    for key in keys:
        a, b = old.descriptor.get(key), new.descriptor.get(key)
        if a != b:
            result.metadata.append({"path": key, "old": a, "new": b})
    return result


# --- tables and schemas ------------------------------------------------------------------------


def _tables(package: PackageSpec) -> dict[str, ResourceSpec]:
    """The tabular resources (a release's ``type: file`` copies are not tables of their own)."""
    return {r.name: r for r in package.resources if r.descriptor.get("type") != "file"}


def _fields(schema: dict) -> list[dict]:
    return [f for f in schema.get("fields") or [] if isinstance(f, dict) and f.get("name")]


def _change(resource, change, field_name, old, new) -> dict:
    """One schema change; ``change`` is a code of the catalogue, which says if it is breaking."""
    return {
        "resource": resource,
        "change": change,
        "field": field_name,
        "old": old,
        "new": new,
        "breaking": catalogue.result(catalogue.DIFF, change).breaking,
    }


def _normal_fks(schema: dict) -> list:
    result = []
    for fk in schema.get("foreignKeys") or []:
        if isinstance(fk, dict):
            reference = fk.get("reference") if isinstance(fk.get("reference"), dict) else {}
            result.append(
                {
                    "fields": list(key_fields(fk.get("fields"))),
                    "reference": {
                        "resource": reference.get("resource", ""),
                        "fields": list(key_fields(reference.get("fields"))),
                    },
                }
            )
    return result


def _schema_changes(name: str, old: dict, new: dict) -> list[dict]:
    old_fields = {f["name"]: f for f in _fields(old)}
    new_fields = {f["name"]: f for f in _fields(new)}
    gone = [f for f in old_fields if f not in new_fields]
    came = [f for f in new_fields if f not in old_fields]
    changes = []
    old_order, new_order = list(old_fields), list(new_fields)
    renamed = set()
    for f in gone:  # same position, same type, new name: a rename
        position = old_order.index(f)
        if position < len(new_order) and new_order[position] in came:
            other = new_order[position]
            if old_fields[f].get("type", "string") == new_fields[other].get("type", "string"):
                changes.append(_change(name, "field-renamed", f, f, other))
                renamed.update({f, other})
    for f in gone:
        if f not in renamed:
            changes.append(_change(name, "field-removed", f, old_fields[f].get("type"), None))
    for f in came:
        if f not in renamed:
            changes.append(_change(name, "field-added", f, None, new_fields[f].get("type")))
    for f in old_fields.keys() & new_fields.keys():
        a = old_fields[f].get("type", "string")
        b = new_fields[f].get("type", "string")
        if a != b:
            changes.append(_change(name, "field-retyped", f, a, b))
    a_key, b_key = list(key_fields(old.get("primaryKey"))), list(key_fields(new.get("primaryKey")))
    if a_key != b_key:
        changes.append(_change(name, "primary-key-changed", None, a_key, b_key))
    if _normal_fks(old) != _normal_fks(new):
        changes.append(
            _change(name, "foreign-keys-changed", None, _normal_fks(old), _normal_fks(new))
        )
    return sorted(changes, key=lambda c: (c["change"], c["field"] or ""))


def _field_metadata(name: str, old: dict, new: dict) -> list[dict]:
    """Descriptions, titles and constraints of fields present on both sides."""
    old_fields = {f["name"]: f for f in _fields(old)}
    changes = []
    for spec in _fields(new):
        before = old_fields.get(spec["name"])
        if before is None:
            continue
        for key in sorted((set(before) | set(spec)) - {"name", "type"}):
            if before.get(key) != spec.get(key):
                changes.append(
                    {
                        "path": f"resources.{name}.schema.fields.{spec['name']}.{key}",
                        "old": before.get(key),
                        "new": spec.get(key),
                    }
                )
    return changes


class _Reader:
    """One table read in batches of text cells named by its header, missing values as null.

    Read through the reader validation uses, so the package's encoding, dialect and
    compression apply alike (a GB18030 or ``;``-delimited table diffs as it validates). A
    repeated header name keeps its first column only.
    """

    def __init__(self, spec: ResourceSpec) -> None:
        self.spec = spec
        self.quiet = Findings(1)  # the first problem of each kind: enough to say why it failed
        self.source = xlsxsource.open_source(spec, self.quiet)
        if not self.source.readable:
            self._refuse(next(self._broken(), "unreadable"))
        source = self.source
        labels = source.labels or [
            f.get("name") for f in spec.schema.get("fields") or [] if isinstance(f, dict)
        ]
        names = [
            label if isinstance(label, str) and label else f"column{i + 1}"
            for i, label in enumerate((list(labels) + [None] * source.width)[: source.width])
        ]
        first = {name: i for i, name in reversed(list(enumerate(names)))}
        # a repeated header name: its first column only
        self.renamed = {column(i): name for name, i in sorted(first.items(), key=lambda x: x[1])}
        self.columns = list(self.renamed.values())

    def _broken(self) -> Iterator[str]:
        return (p.message for p in self.quiet.kept() if p.check in _UNREADABLE)

    def _refuse(self, why: str) -> NoReturn:
        raise PackageUnreadable(f"{self.spec.path}: cannot read {self.spec.name!r}: {why}")

    def batches(self, names: dict[str, str] | None = None) -> Iterator[pl.DataFrame]:
        """The table in batches; raises :class:`PackageUnreadable` once a read fails.

        Columns are named by the header, or by ``names`` (header name → column name).
        """
        source, self.source = self.source, None
        if source is None:  # a second pass: the table opened again
            source = xlsxsource.open_source(self.spec, self.quiet)
        renamed = self.renamed if names is None else _renamed(self.renamed, names)
        for frame in source.batches(self.quiet):
            yield frame.select(list(renamed)).rename(renamed).cast(pl.String)
        broken = next(self._broken(), None)
        if broken is not None:
            self._refuse(broken)

    def empty(self, names: dict[str, str] | None = None) -> pl.DataFrame:
        return pl.DataFrame(
            {(names or {}).get(n, n): pl.Series([], dtype=pl.String) for n in self.columns}
        )


def _renamed(renamed: dict[str, str], names: dict[str, str]) -> dict[str, str]:
    return {position: names[name] for position, name in renamed.items()}


@dataclass
class _Internal:
    """A :class:`_Reader` whose columns carry internal names (``rules.core.internal``), so the
    diff's own columns and polars' reading of names (``^a.*$`` is a regular expression to
    ``pl.col``) never meet a field's name."""

    reader: _Reader
    names: dict[str, str]

    def batches(self) -> Iterator[pl.DataFrame]:
        return self.reader.batches(self.names)

    def empty(self) -> pl.DataFrame:
        return self.reader.empty(self.names)


def read_table(spec: ResourceSpec) -> pl.DataFrame:
    """The whole table, every cell as text (for small tables and tests; :func:`compare`
    streams)."""
    reader = _Reader(spec)
    frames = list(reader.batches())
    return pl.concat(frames) if frames else reader.empty()


_UNREADABLE = {"source-error", "limit-exceeded"}


def _row_changes(old: ResourceSpec, new: ResourceSpec) -> TableChanges:
    """Rows added, removed and revised, in bounded memory.

    A first pass over each table keeps two 64-bit hashes a row (16 bytes): of its key and of
    its other cells (numbers as numbers). The keys whose hashes differ between the two sides
    (and the keys repeated on either side) are the candidates; a second pass keeps only their
    rows, which are compared exactly as whole tables would be. A hash collision costs only a
    row re-read; a change is missed only if two different rows of the same key hash alike.
    """
    old_reader, new_reader = _Reader(old), _Reader(new)
    common = [c for c in new_reader.columns if c in old_reader.columns]
    key = list(key_fields(new.schema.get("primaryKey")))
    types = {f["name"]: f.get("type", "string") for f in _fields(new.schema)}
    if not common:
        for reader in (old_reader, new_reader):
            for _ in reader.batches():  # read to the end: an unreadable table is still an error
                pass
        return TableChanges(None)
    # every column by an internal name: a field may be called anything, ``__new`` or ``^x$``
    everyone = dict.fromkeys([*new_reader.columns, *old_reader.columns])
    names = {name: internal(f"diff:{j}") for j, name in enumerate(everyone)}
    a, b = _Internal(old_reader, names), _Internal(new_reader, names)
    back = {inner: name for name, inner in names.items()}
    shared = [names[c] for c in common]
    if (
        not key
        or key != list(key_fields(old.schema.get("primaryKey")))
        or not (set(key) <= set(common))
    ):
        # no usable key: whole rows (over the shared columns) are added or removed
        key_hash = _hash([pl.col(c) for c in shared])
        row_hash = _hash([pl.col(c) for c in shared], seed=len(shared))
        wanted = _differing(_hashes(a, key_hash, row_hash), _hashes(b, key_hash, row_hash))
        a2, b2 = _candidates(a, key_hash, wanted), _candidates(b, key_hash, wanted)
        a2, b2 = a2.select(shared), b2.select(shared)
        added = b2.join(a2, on=shared, how="anti", nulls_equal=True).sort(shared)
        removed = a2.join(b2, on=shared, how="anti", nulls_equal=True).sort(shared)
        return TableChanges(None, _dicts(added, back), _dicts(removed, back))
    values = [c for c in common if c not in key]
    keys = [names[k] for k in key]
    key_hash = _hash([pl.col(k) for k in keys])
    row_hash = _hash([_comparable(names[c], types.get(c, "string")) for c in values], seed=len(key))
    wanted = _differing(_hashes(a, key_hash, row_hash), _hashes(b, key_hash, row_hash))
    a2, b2 = _candidates(a, key_hash, wanted), _candidates(b, key_hash, wanted)
    added = b2.join(a2, on=keys, how="anti", nulls_equal=True).sort(keys)
    removed = a2.join(b2, on=keys, how="anti", nulls_equal=True).sort(keys)
    new = {c: internal(f"diff-new:{j}") for j, c in enumerate(values)}
    differs = {c: internal(f"diff-differs:{j}") for j, c in enumerate(values)}
    joined = (
        a2.select(shared)
        .join(
            b2.select(*keys, *(pl.col(names[c]).alias(new[c]) for c in values)),
            on=keys,
            how="inner",
            nulls_equal=True,
        )
        .sort(keys)
    )
    flags = [_differs(names[c], new[c], types.get(c, "string")).alias(differs[c]) for c in values]
    revised = []
    if values and joined.height:
        marked = joined.with_columns(flags).filter(
            pl.any_horizontal(pl.col(differs[c]) for c in values)
        )
        for row in marked.iter_rows(named=True):
            revised.append(
                {
                    "key": {k: row[names[k]] for k in key},
                    "changes": {
                        c: {"old": row[names[c]], "new": row[new[c]]}
                        for c in values
                        if row[differs[c]]
                    },
                }
            )
    return TableChanges(key, _dicts(added, back), _dicts(removed, back), revised)


def _dicts(frame: pl.DataFrame, back: dict[str, str]) -> list[dict]:
    """The rows of ``frame`` as dicts keyed by the fields' own names."""
    return [{back[k]: v for k, v in row.items()} for row in frame.iter_rows(named=True)]


def _hashes(reader: _Internal, key_hash: pl.Expr, row_hash: pl.Expr) -> tuple[np.ndarray, ...]:
    """Per row, the hash of its key and of the rest, sorted by key hash (16 bytes a row)."""
    keys, rows = [], []
    for frame in reader.batches():
        hashed = frame.select(key_hash.alias("k"), row_hash.alias("r"))
        keys.append(hashed["k"].to_numpy())
        rows.append(hashed["r"].to_numpy())
    k = np.concatenate(keys) if keys else np.empty(0, dtype=np.uint64)
    del keys
    r = np.concatenate(rows) if rows else np.empty(0, dtype=np.uint64)
    del rows
    order = np.argsort(k, kind="stable")
    return k[order], r[order]


def _differing(old: tuple[np.ndarray, ...], new: tuple[np.ndarray, ...]) -> np.ndarray:
    """Key hashes on one side only, repeated on either side, or whose rows differ."""
    (ok, orow), (nk, nrow) = old, new
    o_keys, o_first, o_count = np.unique(ok, return_index=True, return_counts=True)
    n_keys, n_first, n_count = np.unique(nk, return_index=True, return_counts=True)
    both, oi, ni = np.intersect1d(o_keys, n_keys, assume_unique=True, return_indices=True)
    changed = (o_count[oi] > 1) | (n_count[ni] > 1) | (orow[o_first[oi]] != nrow[n_first[ni]])
    return np.concatenate(
        [
            np.setdiff1d(o_keys, both, assume_unique=True),
            np.setdiff1d(n_keys, both, assume_unique=True),
            both[changed],
        ]
    )


def _candidates(reader: _Internal, key_hash: pl.Expr, wanted: np.ndarray) -> pl.DataFrame:
    """The rows whose key hash is wanted, on a second pass (none when nothing is wanted)."""
    if not len(wanted):
        return reader.empty()
    chosen = pl.Series(wanted, dtype=pl.UInt64).implode()
    frames = [compact(frame.filter(key_hash.is_in(chosen))) for frame in reader.batches()]
    return pl.concat(frames) if frames else reader.empty()


def _hash(columns: list[pl.Expr], seed: int = 0) -> pl.Expr:
    """A 64-bit hash of several columns together (each hashed with its own seed, xor-ed)."""
    if not columns:
        return pl.lit(0, dtype=pl.UInt64)
    hashes = [value.hash(seed=seed + number + 1) for number, value in enumerate(columns)]
    return functools.reduce(operator.xor, hashes)


def _comparable(name: str, kind: str) -> pl.Expr:
    """A cell as :func:`_differs` compares it: numbers as numbers (``12.50`` is ``12.5``)."""
    cell = pl.col(name)
    if kind not in NUMERIC:
        return cell
    number = cell.str.strip_chars().cast(pl.Float64, strict=False)
    return (
        pl.when(number.is_not_null())
        .then(pl.concat_str(pl.lit("\x00"), number.cast(pl.String)))
        .otherwise(cell)
    )


def _differs(old: str, new: str, kind: str) -> pl.Expr:
    a, b = pl.col(old), pl.col(new)
    if kind not in NUMERIC:
        return a.ne_missing(b)
    an = a.str.strip_chars().cast(pl.Float64, strict=False)
    bn = b.str.strip_chars().cast(pl.Float64, strict=False)
    both = an.is_not_null() & bn.is_not_null()
    return pl.when(both).then(an != bn).otherwise(a.ne_missing(b))


# --- text helpers ------------------------------------------------------------------------------


def _side_text(side: Side | None) -> str:
    if side is None:
        return "(none)"
    return f"{side.path} ({side.kind} {side.version or 'without version'})"


def _cell(value: object) -> str:
    return "(missing)" if value is None else str(value)


def _key_text(key: dict) -> str:
    return ", ".join(f"{k}={_cell(v)}" for k, v in key.items())


def _row_text(row: dict, key: list[str] | None) -> str:
    if key:
        shown = {k: row.get(k) for k in key}
        rest = {k: v for k, v in row.items() if k not in key}
        value = rest.get("value")
        tail = f": value {_cell(value)}" if "value" in rest else ""
        return _key_text(shown) + tail
    return _key_text(row)


def _schema_text(change: dict) -> str:
    where = change["resource"] + (f".{change['field']}" if change["field"] else "")
    return f"{where}: {change['change']} ({_short(change['old'])} -> {_short(change['new'])})"


def _short(value: object, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
