"""Write a release's files as batches stream past: CSV and Parquet per resource, then the
descriptor and ``SHA256SUMS``. Nothing here depends on the clock, so the same input gives
byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from . import dcat, releasepage, sdmx
from .model import Loaded, lookup_table
from .package import PackageSpec
from .paths import unsafe_reason
from .tables import append_csv

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


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    ) -> None:
        self.name, self.schema, self.fields = name, schema, fields
        self.csv_path = f"data/{name}.csv"
        self.parquet_path = f"data/{name}.parquet"
        self.csv = HashingFile(staging / self.csv_path, hashing)
        self.parquet_file = HashingFile(staging / self.parquet_path, hashing)
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
        append_csv(frame.select(self.fields), self.csv, header=self.header)
        self.header = False
        columns = []
        for spec in self.arrow_schema:
            typed = f"__typed__{spec.name}"
            source = typed if spec.type != pa.string() and typed in frame.columns else spec.name
            series = frame[source]
            if spec.type == pa.float64():
                series = series.cast(pl.Float64)
            columns.append(series.to_arrow().cast(spec.type))
        self.parquet.write_table(pa.Table.from_arrays(columns, schema=self.arrow_schema))

    def close(self) -> None:
        self.csv.close()
        self.parquet.close()
        self.parquet_file.close()

    def digests(self) -> dict[str, tuple[int, str]]:
        return {
            self.csv_path: (self.csv.size, self.csv.hexdigest()),
            self.parquet_path: (self.parquet_file.size, self.parquet_file.hexdigest()),
        }


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
    ) -> None:
        self.staging = staging
        self.package = package
        self.version = version
        self.base_url = base_url
        self.outputs: dict[str, _Output] = {}
        self.sdmx: sdmx.SdmxOutput | None = None
        self.rows: dict[str, int] = {}
        self.hashing = ThreadPoolExecutor(1, thread_name_prefix="cz-hash")
        self.digests: dict[str, tuple[int, str]] = {}  # file → (bytes, sha256) as written
        (staging / "data").mkdir()

    def __call__(
        self, name: str, frame: pl.DataFrame, fields: list[str], lookups: dict[str, Loaded]
    ) -> None:
        output = self.outputs.get(name)
        if output is None:
            resource = self.package.resource(name)
            schema = resource.schema if resource else {}
            units = _units_metadata(name, schema, fields, lookups)
            output = self.outputs[name] = _Output(
                self.staging, name, schema, fields, units, self.hashing
            )
            if self.sdmx is None and sdmx.has_observations(name, fields):
                structure = sdmx.structure_id(self.package.descriptor.get("name"), self.version)
                handle = HashingFile(self.staging / sdmx.SDMX_PATH, self.hashing)
                self.sdmx = sdmx.SdmxOutput(handle, structure)
        output.write(frame)
        self.rows[name] = self.rows.get(name, 0) + frame.height
        if self.sdmx is not None and name == "observations":
            self.sdmx.write(frame)

    def abandon(self) -> None:
        for output in self.outputs.values():
            output.close()
        if self.sdmx is not None:
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
        the page for people (:mod:`changzhi_stats.releasepage`).
        """
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
        resources = []
        for resource in self.package.resources:
            output = self.outputs.get(resource.name)
            if output is not None:
                resources.extend(self._describe(resource.descriptor, output))
        if self.sdmx is not None:
            resources.append(
                {
                    "name": "observations-sdmx",
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
        resources.extend(_copy_source_texts(self.package, lookups, self.staging))
        if changes is not None:
            resources.extend(self._write_changes(changes, changes_md or ""))
        descriptor["resources"] = resources
        text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
        (self.staging / "datapackage.json").write_text(text, encoding="utf-8")
        document = dcat.dataset_document(
            descriptor,
            version=version,
            changes=changes or {},
            coverage=self._coverage(),
            regions=self._regions(lookups),
            base_url=self.base_url,
        )
        (self.staging / dcat.DCAT_FILE).write_text(dcat.dumps(document), encoding="utf-8")
        page = releasepage.render(descriptor, self.staging, lookups, changes)
        (self.staging / releasepage.PAGE_FILE).write_text(page, encoding="utf-8")
        files = sorted(
            p.relative_to(self.staging).as_posix() for p in self.staging.rglob("*") if p.is_file()
        )
        sums = "".join(f"{self._digest(f)[1]}  {f}\n" for f in files)
        (self.staging / "SHA256SUMS").write_text(sums, encoding="utf-8")
        return [*files, "SHA256SUMS"]

    def _write_changes(self, changes: dict, markdown: str) -> list[dict]:
        text = json.dumps(changes, ensure_ascii=False, indent=2) + "\n"
        (self.staging / "changes.json").write_text(text, encoding="utf-8")
        (self.staging / "CHANGES.md").write_text(markdown, encoding="utf-8")
        return [
            {
                "name": "changes",
                "type": "file",
                "title": "Changes against the previous release (JSON)",
                "path": "changes.json",
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
                **self._size_and_hash("changes.json"),
            },
            {
                "name": "changes-md",
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

    def _describe(self, source: dict, output: _Output) -> list[dict]:
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
                "name": f"{output.name}-parquet",
                "type": "file",
                "title": f"{meta.get('title') or output.name} (Parquet)",
                "path": output.parquet_path,
                "format": "parquet",
                "mediatype": PARQUET_MEDIATYPE,
                **self._size_and_hash(output.parquet_path),
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
        t.frame["__typed__published"].max()
        for t in lookups.values()
        if "__typed__published" in t.frame.columns and t.frame.height
    ]
    dates = [d for d in dates if d is not None]
    return f"{max(dates).isoformat()}T00:00:00Z" if dates else None


def _copy_source_texts(
    package: PackageSpec, lookups: dict[str, Loaded], staging: Path
) -> list[dict]:
    """Ship the stored source texts a sources table points to, so provenance travels along."""
    sources = lookups.get("sources")
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
                **_described(target),
            }
        )
    return copied


def _size_and_sha256(path: Path) -> tuple[int, str]:
    return path.stat().st_size, sha256(path)


def _described(path: Path) -> dict:
    size, digest = _size_and_sha256(path)
    return {"bytes": size, "hash": "sha256:" + digest}
