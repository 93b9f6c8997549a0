"""Write a release's files as batches stream past: CSV and Parquet per resource, then the
descriptor and ``SHA256SUMS``. Nothing here depends on the clock, so the same input gives
byte-identical files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import polars as pl
import polars.selectors as cs
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc
import pyarrow.parquet as pq

from changzhi_stats.engines.polars.builders import typed_name
from changzhi_stats.engines.polars.enrich import Loaded, lookup_table
from changzhi_stats.errors import PublishFailed, PublishRefused
from changzhi_stats.package.descriptor import PackageSpec
from changzhi_stats.package.files import digest
from changzhi_stats.package.paths import NotRegularFile, open_regular, unsafe_reason
from changzhi_stats.release import dcat, sdmx, sdmx_structure
from changzhi_stats.release import page as releasepage
from changzhi_stats.sources.text import append_csv

PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
ARROW_TYPES = {
    "number": pa.float64(),
    "integer": pa.int64(),
    "year": pa.int64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
    "time": pa.time64("us"),
}


# The files every release may hold beside its tables: no table or source text may take their
# names (compared case-insensitively: ``CHANGES.md`` and ``changes.md`` are one file on macOS).
RELEASE_FILES = (
    "datapackage.json",
    "SHA256SUMS",
    releasepage.PAGE_FILE,
    dcat.DCAT_FILE,
    dcat.CATALOG_FILE,
    "index.json",
    "changes.json",
    "CHANGES.md",
    sdmx.SDMX_PATH,
    sdmx_structure.STRUCTURE_PATH,
)
SAFE_STEM = re.compile(r"[a-z0-9_][a-z0-9._-]*\Z")
SAFE_TEXT_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*\Z")
MAX_STEM = 100  # characters of a derived file name, far below any file system's limit


def slug(text: str, fallback: str) -> str:
    """``text`` as a file name: lower case, only ``[a-z0-9._-]``, no leading dot, never empty."""
    cleaned = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).lstrip(".-")[:MAX_STEM].rstrip("-")
    return cleaned or fallback


class FileNames:
    """The release's file names, claimed one by one so none collides with another.

    A resource ``name`` is data, never a path: ``../../1.0.0/data/regions`` or ``./units``
    would otherwise write outside the release or over another file. A name that is already a
    safe, free slug keeps its file name (so ordinary packages publish exactly as before); any
    other gets a slug of it, made unique with ``-2``, ``-3``, …
    """

    def __init__(self, reserved: tuple[str, ...] = RELEASE_FILES) -> None:
        self.files: set[str] = set()
        self.folders: set[str] = set()
        for name in reserved:
            self.claim(name)

    def free(self, path: str) -> bool:
        key = path.casefold()
        parents = {p.as_posix().casefold() for p in PurePosixPath(path).parents} - {"."}
        return key not in self.files and key not in self.folders and not parents & self.files

    def claim(self, path: str) -> str:
        key = PurePosixPath(path.casefold())
        self.files.add(key.as_posix())
        self.folders.update(p.as_posix() for p in key.parents if p.as_posix() != ".")
        return path

    def table_stems(self, names: list[str]) -> dict[str, str]:
        """File stems (``data/<stem>.csv`` and ``.parquet``) for the tables, in order."""
        stems: dict[str, str] = {}

        def free(stem: str) -> bool:
            return self.free(f"data/{stem}.csv") and self.free(f"data/{stem}.parquet")

        for name in names:  # first the names that are file names already: they keep them
            if name not in stems and SAFE_STEM.match(name) and len(name) <= MAX_STEM and free(name):
                stems[name] = name
                self.claim(f"data/{name}.csv")
                self.claim(f"data/{name}.parquet")
        for name in names:
            if name in stems:
                continue
            base = slug(name, "table")
            stem, number = base, 2
            while not free(stem):
                stem, number = f"{base}-{number}", number + 1
            stems[name] = stem
            self.claim(f"data/{stem}.csv")
            self.claim(f"data/{stem}.parquet")
        return stems

    def text_path(self, path: str) -> str:
        """Where a source text goes: its own path when that is safe and free, else
        ``sources/<slug>``."""
        if SAFE_TEXT_PATH.match(path) and len(path) <= 4 * MAX_STEM and self.free(path):
            return self.claim(path)
        pure = PurePosixPath(path.replace("\\", "/"))
        stem = slug(pure.stem, "source")
        suffix = slug(pure.suffix[1:], "txt")
        candidate, number = f"sources/{stem}.{suffix}", 2
        while not self.free(candidate):
            candidate, number = f"sources/{stem}-{number}.{suffix}", number + 1
        return self.claim(candidate)


class ResourceNames:
    """Names for the resources the release adds (Parquet twins, changes, source texts), unique
    against the package's own resource names, which the release keeps as they are."""

    def __init__(self, taken: list[str]) -> None:
        self.taken = set(taken)

    def unique(self, wanted: str) -> str:
        name, number = wanted, 2
        while name in self.taken:
            name, number = f"{wanted}-{number}", number + 1
        self.taken.add(name)
        return name


def inside(root: Path, relative: str) -> Path:
    """``root/relative``, after making sure it stays inside ``root`` (defence in depth: the
    names are derived safely, and this proves it before anything is written)."""
    path = root / relative
    base = os.path.realpath(root)
    real = os.path.realpath(path)
    if real == base or os.path.commonpath([base, real]) != base:
        raise PublishFailed(f"{relative!r}: refusing to write outside the release being staged")
    return path


class HashingFile(io.RawIOBase):
    """A file being written whose size and sha256 are known once it is closed.

    A release's large files are hashed as they are written, on a thread of their own
    (``hashing``, one worker: chunks are hashed in the order written), and never read back.
    """

    def __init__(self, path: Path, hashing: ThreadPoolExecutor) -> None:
        super().__init__()
        self._file = open(path, "wb")
        self._digest = hashlib.sha256()
        self._hashing = hashing
        self._last: Future | None = None
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        chunk = bytes(data)  # a copy: the caller may reuse its buffer before it is hashed
        self._file.write(chunk)
        self.size += len(chunk)
        self._last = self._hashing.submit(self._digest.update, chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.size

    def close(self) -> None:
        if not self.closed:
            self._file.close()
            if self._last is not None:
                self._last.result()  # one worker, in order: every chunk is hashed
        super().close()

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


class _Output:
    """The two files of one resource, open while its batches arrive."""

    def __init__(
        self,
        staging: Path,
        name: str,
        schema: dict,
        fields: list[str],
        units: dict,
        hashing: ThreadPoolExecutor,
        stem: str,
    ) -> None:
        self.name, self.schema, self.fields = name, schema, fields
        self.csv_path = f"data/{stem}.csv"
        self.parquet_path = f"data/{stem}.parquet"
        self.csv = HashingFile(inside(staging, self.csv_path), hashing)
        self.parquet_file = HashingFile(inside(staging, self.parquet_path), hashing)
        self.arrow_schema = _arrow_schema(name, schema, fields, units)
        self.parquet = pq.ParquetWriter(
            self.parquet_file,
            self.arrow_schema,
            compression="zstd",
            write_statistics=True,
        )
        self.header = True

    def write(self, frame: pl.DataFrame) -> None:
        """UTF-8, header, RFC 4180 (CRLF, quotes only where needed); cells as they were written."""
        # by name: pl.col would read a field called ^a.*$ as a regular expression
        append_csv(frame.select(cs.by_name(*self.fields)), self.csv, header=self.header)
        self.header = False
        columns = _parquet_columns(frame, self.arrow_schema)
        self.parquet.write_table(pa.Table.from_arrays(columns, schema=self.arrow_schema))

    def close(self) -> None:
        self.csv.close()
        self.parquet.close()
        self.parquet_file.close()

    def abandon(self) -> None:
        """Close every file, ignoring errors (a full disk fails the flush): it is thrown away."""
        for close in (self.csv.close, self.parquet.close, self.parquet_file.close):
            with contextlib.suppress(Exception):  # the release is being discarded anyway
                close()

    def digests(self) -> dict[str, tuple[int, str]]:
        return {
            self.csv_path: (self.csv.size, self.csv.hexdigest()),
            self.parquet_path: (self.parquet_file.size, self.parquet_file.hexdigest()),
        }


def _parquet_columns(frame: pl.DataFrame, arrow_schema: pa.Schema) -> list[pa.Array]:
    """The Parquet copy's typed columns of a batch (the typed values where the plan made them)."""
    columns = []
    for spec in arrow_schema:
        typed = typed_name(spec.name)
        source = typed if spec.type != pa.string() and typed in frame.columns else spec.name
        series = frame[source]
        if spec.type == pa.float64():
            series = series.cast(pl.Float64)
        columns.append(series.to_arrow().cast(spec.type))
    return columns


def _arrow_schema(name: str, schema: dict, fields: list[str], units: dict) -> pa.Schema:
    """Typed columns; descriptions and the Table Schema travel in the Parquet metadata."""
    specs = {f.get("name"): f for f in schema.get("fields", []) if isinstance(f, dict)}
    arrow_fields = []
    for field_name in fields:
        spec = specs.get(field_name, {})
        metadata = {"type": str(spec.get("type", "string"))}
        for key in ("description", "title", "unit"):
            if isinstance(spec.get(key), str):
                metadata[key] = spec[key]
        arrow_type = ARROW_TYPES.get(spec.get("type"), pa.string())
        arrow_fields.append(pa.field(field_name, arrow_type, metadata=metadata))
    metadata = {
        "frictionless:schema": json.dumps(schema, ensure_ascii=False, sort_keys=True),
        "resource": name,
    }
    if units:
        metadata["units"] = json.dumps(units, ensure_ascii=False, sort_keys=True)
    return pa.schema(arrow_fields, metadata=metadata)


class ReleaseWriter:
    """The sink ``check_package`` writes each checked batch to, inside a staging folder."""

    def __init__(
        self,
        staging: Path,
        package: PackageSpec,
        version: str = "0.0.0",
        base_url: str | None = None,
        partition_by: str | None = None,
        parts_elsewhere: bool = False,
    ) -> None:
        self.staging = staging
        # --partition-by: the tables that have the field, written a part per value of it; with
        # parts_elsewhere (Spark) the parts are written by the engine's tasks (add_parts)
        self.partition_by = partition_by
        self.parts_elsewhere = parts_elsewhere
        self.partitioned: dict[str, PartSpec] = {}
        self.part_schemas: dict[str, dict] = {}
        self.spools: dict[str, Spool] = {}
        self.spool_folder: Path | None = None
        self.parts: dict[str, list[Part]] = {}
        self.empty: dict[str, tuple] = {}  # a partitioned table without rows: as one file
        self.package = package
        self.version = version
        self.base_url = base_url
        self.outputs: dict[str, _Output] = {}
        self.sdmx: sdmx.SdmxOutput | None = None
        self.structure: sdmx_structure.Plan | None = None  # the SDMX-ML structure, if SDMX
        self.rows: dict[str, int] = {}
        self.hashing = ThreadPoolExecutor(1, thread_name_prefix="cz-hash")
        self.digests: dict[str, tuple[int, str]] = {}  # file → (bytes, sha256) as written
        self.files = FileNames()
        self.stems = self.files.table_stems(
            [r.name for r in package.resources if isinstance(r.name, str)]
        )
        (staging / "data").mkdir()

    def __call__(
        self, name: str, frame: pl.DataFrame, fields: list[str], lookups: dict[str, Loaded]
    ) -> None:
        output = self.outputs.get(name)
        if output is None and name not in self.partitioned:
            resource = self.package.resource(name)
            schema = resource.schema if resource else {}
            units = _units_metadata(name, schema, fields, lookups)
            if name not in self.stems:  # not a resource of the descriptor: still never a path
                self.stems.update(self.files.table_stems([str(name)]))
            if self.partition_by is not None and self.partition_by in fields:
                self.partitioned[name] = PartSpec(
                    name,
                    self.stems[str(name)],
                    self.partition_by,
                    tuple(fields),
                    _arrow_schema(name, schema, fields, units),
                    str(self.staging),
                )
                self.part_schemas[name] = schema
            else:
                output = self.outputs[name] = _Output(
                    self.staging, name, schema, fields, units, self.hashing, self.stems[str(name)]
                )
            if self.sdmx is None and sdmx.has_observations(name, fields):
                package_name = self.package.descriptor.get("name")
                self.structure = sdmx_structure.plan(  # its version: the structure's own
                    sdmx.structure_id(package_name, self.version),
                    schema, lookups, self.staging.parent, self.version,
                )  # fmt: skip
                structure = sdmx.structure_id(package_name, self.structure.version)
                handle = HashingFile(inside(self.staging, sdmx.SDMX_PATH), self.hashing)
                self.sdmx = sdmx.SdmxOutput(handle, structure)
        if output is None:
            self._spool(name, frame, fields, lookups)
        else:
            output.write(frame)
        self.rows[name] = self.rows.get(name, 0) + frame.height
        if self.sdmx is not None and name == "observations":
            self.sdmx.write(frame)

    def _spool(self, name: str, frame: pl.DataFrame, fields: list[str], lookups) -> None:
        """A batch of a partitioned table: kept on disk until ``finish`` writes it by key."""
        if not frame.height:
            self.empty.setdefault(name, (frame, fields, lookups))
            return
        if self.parts_elsewhere:
            return  # the engine's tasks read and write the table's parts
        if self.spool_folder is None:  # beside the staging folder, named to be cleared with it
            self.spool_folder = Path(
                tempfile.mkdtemp(prefix=f"{self.staging.name}-spool-", dir=self.staging.parent)
            )
        spool = self.spools.get(name)
        if spool is None:
            spool = self.spools[name] = Spool(self.spool_folder, len(self.spools))
        spool.add(normalised(frame, self.partitioned[name]))

    def add_parts(self, name: str, parts: list[Part]) -> None:
        """The parts of a table written elsewhere (by Spark tasks, into the staging folder)."""
        self.parts.setdefault(name, []).extend(parts)

    def _drop_spools(self) -> None:
        for spool in self.spools.values():
            spool.close()
        self.spools.clear()
        if self.spool_folder is not None:
            shutil.rmtree(self.spool_folder, ignore_errors=True)
            self.spool_folder = None

    def _write_parts(self) -> None:
        """Each partitioned table's parts, in key order; a table without rows as one file."""
        try:
            for name, spec in self.partitioned.items():
                spool = self.spools.get(name)
                table = spool.read() if spool is not None else None
                if table is not None:
                    self.add_parts(name, list(write_sorted(spec, split_by_key(table))))
                    del table
        finally:
            self._drop_spools()
        for name, spec in self.partitioned.items():
            parts = sorted(self.parts.get(name, []), key=lambda part: key_order(part.key))
            folded: dict[str, str | None] = {}
            for part in parts:
                folder = spec.segment(part.key)
                if folder is None:
                    raise PublishRefused(spec.too_long(part.key))
                if folder.casefold() in folded:
                    raise PublishRefused(
                        f"{name}: not published: the values {folded[folder.casefold()]!r} and "
                        f"{part.key!r} of {spec.field!r} differ only in case, and their folders "
                        "would be one on Windows and macOS"
                    )
                folded[folder.casefold()] = part.key
                self.digests.update(part.files)
            self.parts[name] = parts
            self._clear_leftovers(spec)
            if not parts and name in self.empty:  # no rows: no key; the table as one file
                frame, fields, lookups = self.empty[name]
                schema = self.part_schemas[name]
                units = _units_metadata(name, schema, fields, lookups)
                output = _Output(self.staging, name, schema, fields, units, self.hashing, spec.stem)
                output.write(frame)
                self.outputs[name] = output

    def _clear_leftovers(self, spec: PartSpec) -> None:
        """What a Spark task killed mid-way left in the parts' folders (its temporary files):
        the parts are the files the tasks that finished reported, nothing else."""
        for folder in (f"data/{spec.stem}.csv", f"data/{spec.stem}.parquet"):
            root = inside(self.staging, folder)
            for path in sorted(root.rglob("*")) if root.is_dir() else ():
                if path.is_file() and path.relative_to(self.staging).as_posix() not in self.digests:
                    path.unlink()

    def abandon(self) -> None:
        """Close what is open, whatever fails (the staging folder is removed next)."""
        self._drop_spools()
        for output in self.outputs.values():
            output.abandon()
        if self.sdmx is not None:
            with contextlib.suppress(Exception):  # discarded anyway
                self.sdmx.close()
        self.hashing.shutdown(wait=True)

    def finish(
        self,
        version: str,
        created: str | None,
        lookups: dict[str, Loaded],
        changes: dict | None = None,
        changes_md: str | None = None,
    ) -> list[str]:
        """Close the data files, then write the changes, the descriptor, ``dcat.jsonld`` and
        SHA256SUMS; list every file.

        ``changes.json``, ``CHANGES.md`` and the SDMX-CSV copy are listed in the descriptor as
        ``type: file`` resources; ``dcat.jsonld`` describes the descriptor's files (their bytes
        and hashes) and so stays out of it, but not out of SHA256SUMS; so does ``index.html``,
        the page for people (:mod:`changzhi_stats.release.page`).
        """
        self._write_parts()
        for output in self.outputs.values():
            output.close()
            self.digests.update(output.digests())
        if self.sdmx is not None:
            self.sdmx.close()
            self.digests[sdmx.SDMX_PATH] = (self.sdmx.handle.size, self.sdmx.handle.hexdigest())
        self.hashing.shutdown(wait=True)
        descriptor = {k: v for k, v in self.package.descriptor.items() if k != "resources"}
        descriptor["version"] = version
        descriptor["profile"] = "data-package"  # it lists Parquet and text files beside tables
        stamp = _created(self.package, lookups, created)
        if stamp:
            descriptor["created"] = stamp
        # the package's names stay as they are; the resources the release adds take free ones
        names = ResourceNames([r.name for r in self.package.resources])
        resources = []
        for resource in self.package.resources:
            output = self.outputs.get(resource.name)
            if output is not None:
                twin = names.unique(f"{output.name}-parquet")
                resources.extend(self._describe(resource.descriptor, output, twin))
            elif self.parts.get(resource.name):
                twin = names.unique(f"{resource.name}-parquet")
                resources.extend(self._describe_parts(resource.descriptor, resource.name, twin))
        if self.sdmx is not None:
            resources.append(
                {
                    "name": names.unique("observations-sdmx"),
                    "type": "file",
                    "title": "Observations (SDMX-CSV 2.0)",
                    "description": "The observations in SDMX-CSV 2.0; see docs/sdmx.md.",
                    "path": sdmx.SDMX_PATH,
                    "format": "csv",
                    "mediatype": sdmx.SDMX_MEDIATYPE,
                    "encoding": "utf-8",
                    **self._size_and_hash(sdmx.SDMX_PATH),
                }
            )
        if self.structure is not None:
            self.structure.write(inside(self.staging, sdmx_structure.STRUCTURE_PATH), stamp)
            resource = self.structure.resource(names.unique("observations-sdmx-structure"))
            resources.append(resource | self._size_and_hash(sdmx_structure.STRUCTURE_PATH))
        resources.extend(_copy_source_texts(self.package, lookups, self.staging, self.files, names))
        if changes is not None:
            resources.extend(self._write_changes(changes, changes_md or "", names))
        descriptor["resources"] = resources
        text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
        inside(self.staging, "datapackage.json").write_text(text, encoding="utf-8")
        document = dcat.dataset_document(
            descriptor,
            version=version,
            changes=changes or {},
            coverage=self._coverage(),
            regions=self._regions(lookups),
            base_url=self.base_url,
        )
        inside(self.staging, dcat.DCAT_FILE).write_text(dcat.dumps(document), encoding="utf-8")
        page = releasepage.render(descriptor, self.staging, lookups, changes)
        inside(self.staging, releasepage.PAGE_FILE).write_text(page, encoding="utf-8")
        files = sorted(
            p.relative_to(self.staging).as_posix() for p in self.staging.rglob("*") if p.is_file()
        )
        sums = "".join(f"{self._digest(f)[1]}  {f}\n" for f in files)
        inside(self.staging, "SHA256SUMS").write_text(sums, encoding="utf-8")
        return [*files, "SHA256SUMS"]

    def _write_changes(self, changes: dict, markdown: str, names: ResourceNames) -> list[dict]:
        text = json.dumps(changes, ensure_ascii=False, indent=2) + "\n"
        inside(self.staging, "changes.json").write_text(text, encoding="utf-8")
        inside(self.staging, "CHANGES.md").write_text(markdown, encoding="utf-8")
        return [
            {
                "name": names.unique("changes"),
                "type": "file",
                "title": "Changes against the previous release (JSON)",
                "path": "changes.json",
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
                **self._size_and_hash("changes.json"),
            },
            {
                "name": names.unique("changes-md"),
                "type": "file",
                "title": "Changes against the previous release",
                "path": "CHANGES.md",
                "format": "md",
                "mediatype": "text/markdown",
                "encoding": "utf-8",
                **self._size_and_hash("CHANGES.md"),
            },
        ]

    def _digest(self, path: str) -> tuple[int, str]:
        """Size and sha256 of a file of the release: as written, else read (the small files)."""
        if path not in self.digests:
            self.digests[path] = _size_and_sha256(self.staging / path)
        return self.digests[path]

    def _size_and_hash(self, path: str) -> dict:
        size, digest = self._digest(path)
        return {"bytes": size, "hash": "sha256:" + digest}

    def _coverage(self) -> tuple[str, str] | None:
        """The first and last day the observation periods cover."""
        bounds = []
        for period in self.sdmx.periods if self.sdmx else ():
            try:
                bounds.append(sdmx.period_bounds(period))
            except ValueError:
                continue
        if not bounds:
            return None
        return min(b[0] for b in bounds).isoformat(), max(b[1] for b in bounds).isoformat()

    def _regions(self, lookups: dict[str, Loaded]) -> list[dict]:
        """The regions the observations cover, with their names where a regions table has them."""
        if not self.sdmx:
            return []
        names: dict[str, dict] = {}
        regions = lookups.get("regions")
        if regions is not None and "region_code" in regions.frame.columns:
            wanted = [c for c in ("name_zh", "name_en") if c in regions.frame.columns]
            for record in regions.frame.select("region_code", *wanted).iter_rows(named=True):
                names[record["region_code"]] = record
        return [
            {"code": code, **{k: v for k, v in names.get(code, {}).items() if k != "region_code"}}
            for code in sorted(self.sdmx.regions)
        ]

    def _describe(self, source: dict, output: _Output, twin: str) -> list[dict]:
        kept = ("name", "title", "description", "licenses", "sources")
        meta = {k: v for k, v in source.items() if k in kept}
        schema = dict(output.schema)
        schema["missingValues"] = [""]  # missing cells are written empty
        return [
            {
                **meta,
                "path": output.csv_path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                **self._size_and_hash(output.csv_path),
                "schema": schema,
            },
            {
                "name": twin,
                "type": "file",
                "title": f"{meta.get('title') or output.name} (Parquet)",
                "path": output.parquet_path,
                "format": "parquet",
                "mediatype": PARQUET_MEDIATYPE,
                **self._size_and_hash(output.parquet_path),
            },
        ]

    def _describe_parts(self, source: dict, name: str, twin: str) -> list[dict]:
        """A partitioned table: its CSV parts (one tabular resource, ``path`` a list, as
        frictionless-py reads a multipart table: every part has the header) and its Parquet
        parts (a Hive-style dataset); each part's key, rows, bytes and hash in
        ``partitioning``."""
        spec, parts = self.partitioned[name], self.parts[name]
        kept = ("name", "title", "description", "licenses", "sources")
        meta = {k: v for k, v in source.items() if k in kept}
        schema = dict(self.part_schemas[name])
        schema["missingValues"] = [""]  # missing cells are written empty

        def partitioning(index: int) -> dict:
            listed = []
            for part in parts:
                path = list(part.files)[index]
                size, digest = part.files[path]
                entry = {"key": part.key, "rows": part.rows, "path": path}
                listed.append(entry | {"bytes": size, "hash": "sha256:" + digest})
            return {"field": spec.field, "style": "hive", "missing": HIVE_NULL, "parts": listed}

        return [
            {
                **meta,
                "path": [next(iter(p.files)) for p in parts],
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
                "partitioning": partitioning(0),
            },
            {
                "name": twin,
                "type": "file",
                "title": f"{meta.get('title') or name} (Parquet)",
                "path": [list(p.files)[1] for p in parts],
                "format": "parquet",
                "mediatype": PARQUET_MEDIATYPE,
                "partitioning": partitioning(1),
            },
        ]


def _units_metadata(name: str, schema: dict, fields: list[str], lookups: dict) -> dict:
    """For tables with a ``unit`` field: what each code of the units table means."""
    if "unit" not in fields:
        return {}
    table = Loaded(name, pl.DataFrame(), schema, fields)
    units = lookup_table(table, "unit", lookups, "units")
    if units is None or units.name == name or "unit" not in units.frame.columns:
        return {}
    wanted = [c for c in ("name_zh", "name_en", "kind") if c in units.frame.columns]
    result = {}
    for record in units.frame.select("unit", *wanted).iter_rows(named=True):
        if record["unit"] is not None:
            result[record.pop("unit")] = record
    if "unit_multiplier" in fields:
        result["_multiplier"] = "values are stated in units of 10**unit_multiplier"
    return result


def _created(package: PackageSpec, lookups: dict[str, Loaded], created: str | None) -> str | None:
    """A creation time that depends on the input only, so republishing is byte-identical."""
    if created:
        return created
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(package.descriptor.get("created"), str):
        return package.descriptor["created"]
    dates = [
        t.frame[typed_name("published")].max()
        for t in lookups.values()
        if typed_name("published") in t.frame.columns and t.frame.height
    ]
    dates = [d for d in dates if d is not None]
    return f"{max(dates).isoformat()}T00:00:00Z" if dates else None


def _copy_source_texts(
    package: PackageSpec,
    lookups: dict[str, Loaded],
    staging: Path,
    files: FileNames,
    names: ResourceNames,
) -> list[dict]:
    """Ship the stored source texts a sources table points to, so provenance travels along.

    Each goes to its own path when that is a safe file name no other file of the release has
    taken, else to ``sources/<slug>``; only a regular file is read (never a FIFO or a link).
    """
    sources = lookups.get("sources")
    if sources is None or "path" not in sources.frame.columns:
        return []
    copied = []
    for path in sorted(set(sources.frame["path"].drop_nulls().to_list())):
        if unsafe_reason(path, package.base) or not (package.base / path).is_file():
            continue
        relative = files.text_path(path)
        target = inside(staging, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            source = open_regular(package.base / path, "rb", follow_symlinks=False)
        except NotRegularFile as exc:
            raise PublishRefused(f"source text {path}: {exc.strerror}; not published") from None
        with source, open(target, "xb") as copy:
            shutil.copyfileobj(source, copy)
        copied.append(
            {
                "name": names.unique(
                    "source-" + re.sub(r"[^a-z0-9._-]+", "-", Path(path).stem.lower())
                ),
                "type": "file",
                "path": relative,
                "format": Path(path).suffix.lstrip(".") or "txt",
                "mediatype": "text/plain",
                "encoding": "utf-8",
                **_described(target),
            }
        )
    return copied


def _size_and_sha256(path: Path) -> tuple[int, str]:
    size, hex_digest = digest(path)
    assert hex_digest is not None
    return size, hex_digest


def _described(path: Path) -> dict:
    size, digest = _size_and_sha256(path)
    return {"bytes": size, "hash": "sha256:" + digest}


# Partitioned publishing (``publish --partition-by FIELD``): each table that has FIELD is written
# as one CSV part and one Parquet part per value of FIELD, in Hive-style folders
# (data/<stem>.csv/<field>=<value>/part-0.csv, data/<stem>.parquet/<field>=<value>/part-0.parquet).
# The same code writes the parts on one machine and in Spark tasks, and a part's bytes depend
# only on its rows: the Parquet row groups are PART_ROWS rows whatever batches the rows came in.

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # the missing value's folder, as Hive and pyarrow name it
PART_ROWS = 1 << 18  # rows in each Parquet row group of a part
MAX_SEGMENT = 200  # bytes of a folder name, far below the 255 of common file systems
KEY = "\x01key"  # the partition key of a normalised chunk (raw text; missing is null)
_PARQUET = "\x01parquet\x01"  # prefix of a normalised chunk's Parquet columns


@dataclass(frozen=True)
class PartSpec:
    """How one table is partitioned: what a Spark task needs to write its parts (picklable)."""

    name: str
    stem: str
    field: str
    fields: tuple[str, ...]
    arrow_schema: pa.Schema
    staging: str

    def segment(self, key: str | None) -> str | None:
        """The folder of ``key``: ``<field>=<value>`` URI-escaped; None when too long."""
        if key is None:
            value = HIVE_NULL
        elif key == HIVE_NULL:  # the literal text, not the missing value
            value = key.replace("_", "%5F")
        else:  # trailing dots too: Windows drops them, and "=../" reads as climbing out
            value = _escaped(key)
            kept = value.rstrip(".")
            value = kept + "%2E" * (len(value) - len(kept))
        segment = f"{_escaped(self.field)}={value}"
        return segment if len(segment.encode("ascii")) <= MAX_SEGMENT else None

    def paths(self, key: str | None) -> tuple[str, str]:
        segment = self.segment(key)
        if segment is None:
            raise PublishRefused(self.too_long(key))
        return (
            f"data/{self.stem}.csv/{segment}/part-0.csv",
            f"data/{self.stem}.parquet/{segment}/part-0.parquet",
        )

    def too_long(self, key: str | None) -> str:
        return (
            f"{self.name}: not published: the value {str(key)[:40]!r}… of {self.field!r} is too "
            f"long for a folder name; partition by a field of short codes (region, period)"
        )


# Escaped once, these would still be a path separator or a NUL to anyone who decodes the path
# once (a web server, and package.paths, which refuses such paths): they are escaped twice,
# so a Hive reader reads "%2F" where the value has "/" (the column inside the files has "/").
_TWICE = {"%2F": "%252F", "%5C": "%255C", "%00": "%2500"}


def _escaped(text: str) -> str:
    """``text`` as Hive writes a folder name (URI escapes, ASCII only), safe once decoded."""
    return re.sub("%2F|%5C|%00", lambda m: _TWICE[m.group(0)], quote(text, safe=""))


def normalised(frame: pl.DataFrame, spec: PartSpec) -> pa.Table:
    """A checked batch as the parts are written from it: the CSV's text cells, the Parquet
    copy's typed columns and the partition key, in one Arrow table of a fixed schema."""
    text = frame.select(cs.by_name(*spec.fields)).cast(pl.String)
    key = text[spec.field].replace("", None)  # missing cells are written empty: one partition
    arrays = [c.to_arrow().cast(pa.large_string()) for c in text.get_columns()]
    arrays += _parquet_columns(frame, spec.arrow_schema)
    arrays.append(key.to_arrow().cast(pa.large_string()))
    names = [*spec.fields, *(_PARQUET + str(i) for i in range(len(spec.fields))), KEY]
    return pa.Table.from_arrays(arrays, names=names)


class _HashedFile(io.RawIOBase):
    """A part being written, hashed as it is written (in the writing thread: a task's own).

    It is written under a temporary name of its own and renamed into place when complete, so
    a Spark task run twice (a retry, a speculative copy) leaves one whole file, never a mix.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.temp = path.with_name(f".{path.name}-{os.getpid()}-{secrets.token_hex(6)}")
        self._file = open(self.temp, "xb")
        self._digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        chunk = bytes(data)
        self._file.write(chunk)
        self._digest.update(chunk)
        self.size += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.size

    def close(self) -> None:
        if not self.closed:
            self._file.close()
            os.replace(self.temp, self.path)
        super().close()

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
        with contextlib.suppress(OSError):
            self.temp.unlink()

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


class PartWriter:
    """The CSV part and the Parquet part of one key, fed its rows in input order."""

    def __init__(self, spec: PartSpec, key: str | None) -> None:
        self.spec, self.key = spec, key
        self.csv_path, self.parquet_path = spec.paths(key)
        staging = Path(spec.staging)
        for relative in (self.csv_path, self.parquet_path):
            inside(staging, relative).parent.mkdir(parents=True, exist_ok=True)
        self.csv = _HashedFile(inside(staging, self.csv_path))
        self.parquet_file = _HashedFile(inside(staging, self.parquet_path))
        self.parquet = pq.ParquetWriter(
            self.parquet_file, spec.arrow_schema, compression="zstd", write_statistics=True
        )
        self.pending: list[pa.Table] = []
        self.buffered = self.rows = 0

    def write(self, chunk: pa.Table) -> None:
        """Rows of this key (a normalised chunk): the CSV at once, Parquet by row groups."""
        if not chunk.num_rows:
            return
        text = pl.from_arrow(chunk.select(list(range(len(self.spec.fields)))))
        assert isinstance(text, pl.DataFrame)
        append_csv(text, self.csv, header=self.rows == 0)
        self.rows += chunk.num_rows
        self.pending.append(chunk)
        self.buffered += chunk.num_rows
        while self.buffered >= PART_ROWS:
            self._flush(PART_ROWS)

    def _flush(self, rows: int) -> None:
        table = pa.concat_tables(self.pending).combine_chunks()
        n = len(self.spec.fields)
        columns = [table.column(n + i) for i in range(n)]
        group = pa.Table.from_arrays(columns, schema=self.spec.arrow_schema).slice(0, rows)
        self.parquet.write_table(group.combine_chunks(), row_group_size=rows)
        rest = table.slice(rows)
        self.pending = [rest] if rest.num_rows else []
        self.buffered = rest.num_rows

    def close(self) -> dict[str, tuple[int, str]]:
        """Finish both files; their sizes and sha256 by path."""
        if self.buffered:
            self._flush(self.buffered)
        self.parquet.close()
        self.parquet_file.close()
        self.csv.close()
        return {
            self.csv_path: (self.csv.size, self.csv.hexdigest()),
            self.parquet_path: (self.parquet_file.size, self.parquet_file.hexdigest()),
        }

    def abandon(self) -> None:
        with contextlib.suppress(Exception):  # the release is being discarded anyway
            self.parquet.close()
        self.parquet_file.discard()
        self.csv.discard()


@dataclass
class Part:
    """One written key of a partitioned table."""

    key: str | None
    rows: int
    files: dict[str, tuple[int, str]]  # path → (bytes, sha256): the CSV part, then the Parquet


def write_sorted(spec: PartSpec, chunks) -> Iterator[Part]:
    """Write the parts of ``chunks``: normalised chunks already in (key, input) order, the
    keys each in one run. Used by ``finish`` on one machine and by Spark tasks alike."""
    writer: PartWriter | None = None
    try:
        for chunk in chunks:
            key = chunk.column(KEY)[0].as_py() if chunk.num_rows else None
            if not chunk.num_rows:
                continue
            if writer is None or writer.key != key:
                if writer is not None:
                    done, writer = writer, None
                    yield Part(done.key, done.rows, done.close())
                writer = PartWriter(spec, key)
            writer.write(chunk)
        if writer is not None:
            done, writer = writer, None
            yield Part(done.key, done.rows, done.close())
    except BaseException:
        if writer is not None:
            writer.abandon()
        raise


def key_order(key: str | None) -> tuple[bool, str]:
    """Parts in key order: by code point, the missing value's part last."""
    return (key is None, key or "")


def split_by_key(table: pa.Table) -> Iterator[pa.Table]:
    """The rows of ``table`` by key (key order), each key's rows in their order, in pieces of
    at most PART_ROWS rows, each of one key.

    The rows are gathered a window of PART_ROWS sorted rows at a time: a ``take`` from a table
    of many chunks costs a pass over all of it, so one per key would cost keys × rows."""
    if not table.num_rows:
        return
    order = pc.array_sort_indices(table.column(KEY), null_placement="at_end")  # stable
    keys = pl.from_arrow(table.column(KEY).take(order))
    assert isinstance(keys, pl.Series)
    ends = keys.rle().struct.field("len").cum_sum().to_list()  # where each key's run ends
    run = 0
    for start in range(0, table.num_rows, PART_ROWS):
        window = table.take(order.slice(start, PART_ROWS))
        stop = start + window.num_rows
        at = start
        while at < stop:
            end = min(ends[run], stop)
            yield window.slice(at - start, end - at)
            at = end
            if end == ends[run]:
                run += 1


class Spool:
    """A partitioned table's normalised chunks, kept on disk (Arrow IPC) until ``finish``."""

    def __init__(self, folder: Path, number: int) -> None:
        self.path = folder / f"{number}.arrow"
        self.writer: pa.ipc.RecordBatchFileWriter | None = None
        self.schema: pa.Schema | None = None

    def add(self, chunk: pa.Table) -> None:
        if self.writer is None:
            self.schema = chunk.schema
            self.writer = pa.ipc.new_file(str(self.path), chunk.schema)
        self.writer.write_table(chunk.cast(self.schema))

    def read(self) -> pa.Table | None:
        """Every chunk, memory-mapped (the pages are read as the parts are written)."""
        if self.writer is None:
            return None
        self.writer.close()
        return pa.ipc.open_file(pa.memory_map(str(self.path))).read_all()

    def close(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()
