"""``publish()``: write an immutable, versioned, checksummed release of a valid package.

A release is staged in a hidden folder beside its final place and renamed into place in one
step, so a reader sees the whole version or none of it. A lock serialises publishers, and an
existing version is never touched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import PublishFailed, PublishRefused
from .model import Loaded, lookup_table
from .package import PackageSpec, load_package
from .paths import unsafe_reason
from .report import DEFAULT_MAX_ERRORS, Findings, Report
from .validate import check_package

SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\Z")  # \Z: no "\n"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
STAGING_PREFIX = ".partial-"
_ARROW_TYPES = {
    "number": pa.float64(),
    "integer": pa.int64(),
    "year": pa.int64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
    "time": pa.time64("us"),
}


@dataclass(frozen=True)
class Release:
    """What was published: where, which files, and the checksum portals pin."""

    version: str
    path: Path
    files: tuple[str, ...]
    datapackage_sha256: str
    report: Report

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "path": str(self.path),
            "files": list(self.files),
            "datapackage_sha256": self.datapackage_sha256,
        }


def publish(
    source: str | Path | None = None,
    *,
    version: str | None = None,
    out: str | Path = "releases",
    created: str | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
) -> Release:
    """Validate ``source`` and, if it has no errors, publish it as ``out/<version>/``.

    Raises :class:`PublishRefused` (invalid data, a version that exists or is not newer) or
    :class:`PublishFailed` (the disk said no); in both cases nothing is left behind.
    """
    package = load_package(source)
    findings = Findings(max_errors)
    findings.extend(package.problems)
    report, tables = check_package(package, findings)
    if not report.valid:
        raise PublishRefused(
            f"{package.descriptor_path}: not published: {report.error_count} error(s); "
            "run `cz-stats validate` to see them",
            report,
        )
    if version is None:  # an explicit "" is refused below, not replaced
        version = str(package.descriptor.get("version") or "")
    if not SEMVER.match(version):
        raise PublishRefused(
            f"version {version!r} is not of the form X.Y.Z; give --version or set the "
            "package's 'version'"
        )
    out = Path(out)
    with contextlib.suppress(OSError):  # unreadable: the check under the lock will tell
        _refuse_unless_newer(out, version)  # first without the lock: a refusal creates not even it
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishFailed(
            f"{out}: cannot create the releases folder: {exc.strerror or exc}"
        ) from None
    with _locked(out):
        _refuse_unless_newer(out, version)
        _clear_stale_staging(out)
        try:
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + version + "-", dir=out))
        except OSError as exc:
            raise PublishFailed(f"{out}: cannot write: {exc.strerror or exc}") from None
        try:
            files = _write_release(package, tables, staging, version, created)
            _fsync_tree(staging)
            os.rename(staging, out / version)
        except BaseException as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, OSError):
                raise PublishFailed(
                    f"{out / version}: publishing failed, nothing was left behind: "
                    f"{exc.strerror or exc}"
                ) from None
            raise
        digest = _sha256(out / version / "datapackage.json")
        try:
            _update_index(out, package, version, digest)
        except OSError as exc:
            raise PublishFailed(
                f"{out / version} is published and complete, but index.json could not be "
                f"updated ({exc.strerror or exc}); the next publish rebuilds it"
            ) from None
    return Release(version, out / version, tuple(files), digest, report)


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    try:
        handle = open(out / ".lock", "a+")
    except OSError as exc:
        raise PublishFailed(f"{out}: cannot write: {exc.strerror or exc}") from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def published_versions(out: Path) -> list[str]:
    """Versions present in ``out``, newest first (folders are the truth; the index follows)."""
    found = (
        [p.name for p in out.iterdir() if p.is_dir() and SEMVER.match(p.name)]
        if out.is_dir()
        else []
    )
    return sorted(found, key=_version_key, reverse=True)


def _version_key(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(x) for x in version.split("."))
    return major, minor, patch


def _refuse_unless_newer(out: Path, version: str) -> None:
    existing = published_versions(out)
    if version in existing:
        raise PublishRefused(f"{out / version} exists; a published version is never changed")
    if existing and _version_key(version) < _version_key(existing[0]):
        raise PublishRefused(
            f"version {version} is not newer than the latest release {existing[0]}"
        )


def _clear_stale_staging(out: Path) -> None:
    """Remove what an interrupted publish left (we hold the lock, so none is in progress)."""
    for stale in out.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)


def _created(package: PackageSpec, tables: dict[str, Loaded], created: str | None) -> str | None:
    """A creation time that depends on the input only, so republishing is byte-identical."""
    if created:
        return created
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(package.descriptor.get("created"), str):
        return package.descriptor["created"]
    dates = [
        t.frame["__typed__published"].max()
        for t in tables.values()
        if "__typed__published" in t.frame.columns and t.frame.height
    ]
    dates = [d for d in dates if d is not None]
    return f"{max(dates).isoformat()}T00:00:00Z" if dates else None


def _write_release(package, tables, staging: Path, version: str, created: str | None) -> list[str]:
    (staging / "data").mkdir()
    descriptor = {k: v for k, v in package.descriptor.items() if k != "resources"}
    descriptor["version"] = version
    descriptor["profile"] = "data-package"  # it lists Parquet and text files beside the tables
    stamp = _created(package, tables, created)
    if stamp:
        descriptor["created"] = stamp
    resources = []
    for resource in package.resources:
        table = tables.get(resource.name)
        if table is None:
            continue
        csv_path = f"data/{resource.name}.csv"
        parquet_path = f"data/{resource.name}.parquet"
        schema = dict(table.schema)
        schema["missingValues"] = [""]
        _write_csv(table, staging / csv_path)
        _write_parquet(table, tables, staging / parquet_path)
        meta = {
            k: v
            for k, v in resource.descriptor.items()
            if k in ("name", "title", "description", "licenses", "sources")
        }
        resources.append(
            {
                **meta,
                "path": csv_path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                **_size_and_hash(staging / csv_path),
                "schema": schema,
            }
        )
        resources.append(
            {
                "name": f"{resource.name}-parquet",
                "type": "file",
                "title": f"{meta.get('title') or resource.name} (Parquet)",
                "path": parquet_path,
                "format": "parquet",
                "mediatype": PARQUET_MEDIATYPE,
                **_size_and_hash(staging / parquet_path),
            }
        )
    resources.extend(_copy_source_texts(package, tables, staging))
    descriptor["resources"] = resources
    text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
    (staging / "datapackage.json").write_text(text, encoding="utf-8")
    files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
    sums = "".join(f"{_sha256(staging / f)}  {f}\n" for f in files)
    (staging / "SHA256SUMS").write_text(sums, encoding="utf-8")
    return [*files, "SHA256SUMS"]


def _field_names(table: Loaded) -> list[str]:
    return [n for n in table.fields if n and n in table.frame.columns]


def _write_csv(table: Loaded, path: Path) -> None:
    """UTF-8, header, RFC 4180 (CRLF, quotes only where needed); cells as they were written."""
    table.frame.select(_field_names(table)).write_csv(
        path, line_terminator="\r\n", quote_style="necessary", null_value=""
    )


def _write_parquet(table: Loaded, tables: dict[str, Loaded], path: Path) -> None:
    """Typed columns; descriptions, units and the Table Schema travel in the file's metadata."""
    specs = {f.get("name"): f for f in table.schema.get("fields", []) if isinstance(f, dict)}
    columns, fields = [], []
    for name in _field_names(table):
        spec = specs.get(name, {})
        arrow_type = _ARROW_TYPES.get(spec.get("type"), pa.string())
        source = f"__typed__{name}" if arrow_type != pa.string() else name
        series = table.frame[source] if source in table.frame.columns else table.frame[name]
        if arrow_type == pa.float64():
            series = series.cast(pl.Float64)
        columns.append(series.to_arrow().cast(arrow_type))
        metadata = {"type": str(spec.get("type", "string"))}
        for key in ("description", "title", "unit"):
            if isinstance(spec.get(key), str):
                metadata[key] = spec[key]
        fields.append(pa.field(name, arrow_type, metadata=metadata))
    schema_meta = {
        "frictionless:schema": json.dumps(table.schema, ensure_ascii=False, sort_keys=True),
        "resource": table.name,
    }
    units = _units_metadata(table, tables)
    if units:
        schema_meta["units"] = json.dumps(units, ensure_ascii=False, sort_keys=True)
    arrow = pa.Table.from_arrays(columns, schema=pa.schema(fields, metadata=schema_meta))
    pq.write_table(arrow, str(path), compression="zstd", write_statistics=True)


def _units_metadata(table: Loaded, tables: dict[str, Loaded]) -> dict:
    """For tables with a ``unit`` column: what each unit code used means (from the units table)."""
    if "unit" not in table.frame.columns:
        return {}
    units = lookup_table(table, "unit", tables, "units")
    if units is None or units is table or "unit" not in units.frame.columns:
        return {}
    used = set(table.frame["unit"].drop_nulls().to_list())
    wanted = [c for c in ("name_zh", "name_en", "kind") if c in units.frame.columns]
    result = {}
    for record in units.frame.select("unit", *wanted).iter_rows(named=True):
        if record["unit"] in used:
            result[record.pop("unit")] = record
    if "unit_multiplier" in table.frame.columns:
        result["_multiplier"] = "values are stated in units of 10**unit_multiplier"
    return result


def _copy_source_texts(
    package: PackageSpec, tables: dict[str, Loaded], staging: Path
) -> list[dict]:
    """Ship the stored source texts a sources table points to, so provenance travels along."""
    sources = tables.get("sources")
    if sources is None or "path" not in sources.frame.columns:
        return []
    copied = []
    for path in sorted(set(sources.frame["path"].drop_nulls().to_list())):
        if unsafe_reason(path, package.base) or not (package.base / path).is_file():
            continue
        target = staging / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(package.base / path, target)
        copied.append(
            {
                "name": "source-" + re.sub(r"[^a-z0-9._-]+", "-", Path(path).stem.lower()),
                "type": "file",
                "path": path,
                "format": Path(path).suffix.lstrip(".") or "txt",
                "mediatype": "text/plain",
                "encoding": "utf-8",
                **_size_and_hash(target),
            }
        )
    return copied


def _size_and_hash(path: Path) -> dict:
    return {"bytes": path.stat().st_size, "hash": "sha256:" + _sha256(path)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_tree(root: Path) -> None:
    for path in [*root.rglob("*"), root]:
        flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
        fd = os.open(path, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _update_index(out: Path, package: PackageSpec, version: str, digest: str) -> None:
    """Rewrite ``index.json`` atomically: every version present, newest first."""
    index_path = out / "index.json"
    old = {}
    with contextlib.suppress(OSError, ValueError):
        old = {r["version"]: r for r in json.loads(index_path.read_text("utf-8"))["releases"]}
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    releases = []
    for found in published_versions(out):
        entry = old.get(found) or {
            "version": found,
            "published": today,
            "datapackage_sha256": _sha256(out / found / "datapackage.json"),
            "path": f"{found}/datapackage.json",
        }
        releases.append(entry)
    index = {"name": package.descriptor.get("name"), "releases": releases}
    fd, temp = tempfile.mkstemp(prefix=".index-", dir=out)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(index, ensure_ascii=False, indent=2) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, index_path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
