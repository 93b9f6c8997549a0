"""``verify()``: is a downloaded release exactly what was published?

What a portal runs before harvesting. It checks ``SHA256SUMS`` against every file, that every
file present is listed and every listed file present, the bytes and hash ``datapackage.json``
gives each resource, that the CSV and Parquet copies of each table hold the same rows, that the
descriptor is a valid Data Package, and that ``dcat.jsonld`` gives the files' real checksums.

A release may come from anywhere: only regular files are opened (a symlink, a FIFO or a device
is a finding and is never opened or followed), JSON is read within the descriptor limits, and
the CSV and Parquet copies are compared in batches, so memory stays bounded whatever the rows.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from changzhi_stats import arguments
from changzhi_stats.errors import PackageUnreadable
from changzhi_stats.package import paths
from changzhi_stats.package.descriptor import frictionless_safe, judge_safe_descriptor
from changzhi_stats.package.files import link_on_the_way, read_bytes, read_json
from changzhi_stats.package.files import sha256_regular as sha256
from changzhi_stats.package.limits import Limits
from changzhi_stats.report import catalogue

SUMS = "SHA256SUMS"
_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")
TRUE_VALUES = ["true", "True", "TRUE", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "0"]


@dataclass(frozen=True)
class Finding:
    """One thing wrong with one file."""

    file: str
    problem: str  # a code of catalogue.VERIFY_FINDINGS, documented in docs/checks.md
    detail: str

    def to_dict(self) -> dict:
        return {"file": self.file, "problem": self.problem, "detail": self.detail}


@dataclass
class Verification:
    """The result of :func:`verify`; ``to_dict()`` is ``cz-stats verify --format json``."""

    path: Path
    files: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings

    def add(self, file: str, problem: str, detail: str) -> None:
        """``problem`` is a verify code of the catalogue (an unknown one raises KeyError)."""
        catalogue.result(catalogue.VERIFY, problem)
        self.findings.append(Finding(file, problem, detail))

    def to_dict(self) -> dict:
        return {
            "release": str(self.path),
            "intact": self.intact,
            "files": self.files,
            "problems": [f.to_dict() for f in self.findings],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        lines = [f"{f.file}: {f.problem}: {f.detail}" for f in self.findings]
        if self.intact:
            lines.append(f"{self.path}: intact: {self.files} file(s) verified")
        else:
            lines.append(
                f"{self.path}: NOT INTACT: {len(self.findings)} problem(s) in "
                f"{len({f.file for f in self.findings})} file(s)"
            )
        return "\n".join(lines)


BATCH_ROWS = 65_536  # rows of the CSV and Parquet copies compared at a time
CSV_BLOCK = 1 << 20  # bytes of CSV parsed at a time (a longer row is a finding)


def verify(release: str | Path, *, limits: Limits | None = None) -> Verification:
    """Check a release folder (or its ``datapackage.json``).

    Raises :class:`~changzhi_stats.errors.PackageUnreadable` when it is not a folder at all.
    A release folder that is a symlink is a finding, and is not looked into.
    """
    arguments.check_paths(release=release)
    root = Path(release)
    with contextlib.suppress(OSError):
        if root.name == "datapackage.json" and stat.S_ISREG(os.lstat(root).st_mode):
            root = root.parent
    try:
        mode = os.lstat(root).st_mode
    except OSError:
        raise PackageUnreadable(f"{root}: no such release folder") from None
    result = Verification(root)
    if stat.S_ISLNK(mode):
        result.add(root.name, "symlink", "the release is a link to another place; not followed")
        return result
    if not stat.S_ISDIR(mode):
        raise PackageUnreadable(f"{root}: no such release folder")
    _Checker(root, root.name, result, limits or Limits()).run(compare_copies=True)
    return result


def check_staged(root: Path, version: str, digests: dict[str, str]) -> Verification:
    """The checks of :func:`verify` on a release being staged under another folder name.

    ``digests`` are the sha256 of the files as they were written: the large files are not read
    again, and the CSV and Parquet copies (written from the same batches) are not compared.
    """
    result = Verification(root)
    _Checker(root, version, result, Limits(), digests).run(compare_copies=False)
    return result


class _Checker:
    """One verification: each file is hashed once, and only if it is a regular file."""

    def __init__(
        self,
        root: Path,
        name: str,
        result: Verification,
        limits: Limits,
        digests: dict[str, str] | None = None,
    ) -> None:
        self.root, self.name, self.result, self.limits = root, name, result, limits
        self.hashes: dict[str, str] = dict(digests or {})
        self.reported: set[str] = set()  # files already found not to be regular

    def run(self, compare_copies: bool) -> None:
        listed = self.check_sums()
        descriptor = self.read_descriptor()
        if descriptor is not None:
            self.check_resources(descriptor, listed)
            if compare_copies:
                self.check_copies(descriptor)
            _check_profile(descriptor, self.result)
        self.check_dcat()

    # --- files ---------------------------------------------------------------------------

    def irregular(self, name: str) -> bool:
        """True (and a finding, once) when ``name`` is a link, is behind one, or is special."""
        reason = link_on_the_way(self.root, name)
        if reason is None:
            return False
        if name not in self.reported:
            self.reported.add(name)
            if reason == "a symlink" or reason.startswith("behind"):
                self.result.add(name, "symlink", f"a release holds files, not links ({reason})")
            else:
                self.result.add(name, "not-a-file", f"{reason}, not a regular file; not opened")
        return True

    def sha256(self, name: str) -> str | None:
        """The file's sha256, or None (and a finding) when it cannot be read."""
        if name not in self.hashes:
            try:
                self.hashes[name] = sha256(self.root / name)
            except (OSError, ValueError) as exc:
                self.result.add(name, "unreadable", str(exc))
                self.reported.add(name)
                return None
        return self.hashes[name]

    def present(self) -> set[str]:
        """Every regular file of the release; links and special files become findings."""
        found: set[str] = set()
        for folder, folders, files in os.walk(self.root, followlinks=False):
            for entry in sorted([*folders, *files]):
                path = Path(folder) / entry
                name = path.relative_to(self.root).as_posix()
                try:
                    mode = os.lstat(path).st_mode
                except OSError:
                    continue
                if stat.S_ISDIR(mode):
                    continue
                if stat.S_ISREG(mode):
                    found.add(name)
                else:
                    self.irregular(name)
        return found - {SUMS}

    def check_sums(self) -> set[str]:
        result = self.result
        present = self.present()
        if self.irregular(SUMS):
            return set()
        if not (self.root / SUMS).is_file():
            result.add(SUMS, "missing", "the checksum list is absent; nothing can be trusted")
            return set()
        try:
            lines = read_bytes(self.root / SUMS, self.limits.descriptor_bytes).decode("utf-8")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            result.add(SUMS, "unreadable", str(exc))
            return set()
        listed: set[str] = set()
        for number, line in enumerate(lines.splitlines(), start=1):
            match = _LINE.match(line)
            if not match:
                result.add(
                    SUMS, "malformed", f"line {number} is not '<sha256>  <file>': {line[:80]!r}"
                )
                continue
            expected, name = match[1].lower(), match[2]
            listed.add(name)
            path = _inside(self.root, name)
            if path is None:
                result.add(
                    name, "unsafe-path", "listed in SHA256SUMS but points outside the release"
                )
                continue
            if self.irregular(name):
                continue
            if not path.is_file():
                result.add(name, "missing", "listed in SHA256SUMS but absent")
                continue
            actual = self.sha256(name)
            if actual is None:
                continue
            result.files += 1
            if actual != expected:
                result.add(
                    name, "checksum-mismatch", f"sha256 is {actual}, SHA256SUMS says {expected}"
                )
        for name in sorted(present - listed):
            result.add(name, "unlisted", "present but not listed in SHA256SUMS")
        return listed

    def read_descriptor(self) -> dict | None:
        result = self.result
        if self.irregular("datapackage.json"):
            return None
        path = self.root / "datapackage.json"
        if not path.is_file():
            result.add("datapackage.json", "missing", "the release has no descriptor")
            return None
        try:
            descriptor = read_json(path, self.limits)
        except (OSError, ValueError) as exc:
            result.add("datapackage.json", "invalid-descriptor", f"not readable JSON: {exc}")
            return None
        if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
            result.add("datapackage.json", "invalid-descriptor", "not a Data Package descriptor")
            return None
        return descriptor

    def check_resources(self, descriptor: dict, listed: set[str]) -> None:
        result = self.result
        for name, resource in _files(descriptor["resources"]):
            path = _inside(self.root, name)
            if path is None:
                result.add(name, "unsafe-path", "datapackage.json points outside the release")
                continue
            if listed and name not in listed:
                result.add(
                    name, "not-in-sha256sums", "a resource of datapackage.json is not listed"
                )
            if self.irregular(name):
                continue
            if not path.is_file():
                if name in listed:
                    continue  # already reported as missing
                result.add(name, "missing", "a resource of datapackage.json is absent")
                continue
            size = os.lstat(path).st_size
            if "bytes" in resource and resource["bytes"] != size:
                result.add(
                    name,
                    "bytes-mismatch",
                    f"{size} bytes, datapackage.json says {resource['bytes']}",
                )
            digest = str(resource.get("hash") or "")
            if digest:
                algorithm, _, value = digest.rpartition(":")
                if algorithm != "sha256":  # a bare hash is MD5 (v1); the release writes sha256
                    continue
                actual = self.sha256(name)
                if actual is not None and actual != value.lower():
                    result.add(
                        name, "hash-mismatch", f"sha256 is {actual}, datapackage.json says {value}"
                    )

    def check_part_copies(self, resources: list[dict]) -> None:
        """A partitioned table: each key's CSV part and Parquet part hold the same rows (the
        twin's parts are in the folder beside the CSV's: data/<stem>.parquet/)."""
        twins: dict[str, dict[str, str]] = {}
        for resource in resources:
            parts = _parts(resource)
            if parts and resource.get("format") == "parquet":
                folder = parts[0][0].rsplit("/", 2)[0]
                twins[folder] = {json.dumps(key): path for path, key in parts}
        for resource in resources:
            parts = _parts(resource)
            if not parts or resource.get("format") != "csv":
                continue
            if resource.get("type") == "file" or not isinstance(resource.get("schema"), dict):
                continue
            twin = twins.get(parts[0][0].rsplit("/", 2)[0].removesuffix(".csv") + ".parquet")
            for csv_name, key in parts if twin is not None else ():
                parquet_name = twin.get(json.dumps(key))
                if parquet_name is None:
                    self.result.add(csv_name, "copies-differ", "no Parquet part has its key")
                    continue
                csv_path = _inside(self.root, csv_name)
                parquet_path = _inside(self.root, parquet_name)
                if not (csv_path and parquet_path) or csv_path == parquet_path:
                    continue
                if self.irregular(csv_name) or self.irregular(parquet_name):
                    continue
                if not (csv_path.is_file() and parquet_path.is_file()):
                    continue  # absent: reported above
                problem = _compare_copies(csv_path, parquet_path, resource["schema"], self.limits)
                if problem:
                    self.result.add(parquet_name, "copies-differ", f"against {csv_name}: {problem}")

    def check_copies(self, descriptor: dict) -> None:
        """Each table's CSV and its Parquet copy hold the same rows and values."""
        resources = [r for r in descriptor["resources"] if isinstance(r, dict)]
        by_path = {r.get("path"): r for r in resources if isinstance(r.get("path"), str)}
        by_name = {r.get("name"): r for r in resources if isinstance(r.get("name"), str)}
        self.check_part_copies(resources)
        for csv_resource in resources:
            csv_name = csv_resource.get("path")
            if (
                csv_resource.get("type") == "file"
                or not isinstance(csv_resource.get("schema"), dict)
                or not isinstance(csv_name, str)
            ):
                continue
            # the twin shares the CSV's file name (names of the release's own resources may
            # have been made unique); older releases named it "<name>-parquet"
            twin = (
                by_path.get(csv_name.removesuffix(".csv") + ".parquet")
                if csv_name.endswith(".csv")
                else None
            )
            if twin is None and isinstance(csv_resource.get("name"), str):
                twin = by_name.get(f"{csv_resource['name']}-parquet")
            if not twin or not isinstance(twin.get("path"), str) or twin is csv_resource:
                continue
            csv_path = _inside(self.root, csv_name)
            parquet_path = _inside(self.root, twin["path"])
            if not (csv_path and parquet_path) or csv_path == parquet_path:
                continue
            if self.irregular(csv_name) or self.irregular(twin["path"]):
                continue
            if not (csv_path.is_file() and parquet_path.is_file()):
                continue  # absent: reported above
            problem = _compare_copies(csv_path, parquet_path, csv_resource["schema"], self.limits)
            if problem:
                self.result.add(twin["path"], "copies-differ", f"against {csv_name}: {problem}")

    def check_dcat(self) -> None:
        """The checksums and sizes ``dcat.jsonld`` gives its distributions match the files."""
        result, root = self.result, self.root
        if self.irregular("dcat.jsonld"):
            return
        path = root / "dcat.jsonld"
        if not path.is_file():
            return
        try:
            document = read_json(path, self.limits)
        except (OSError, ValueError) as exc:
            result.add("dcat.jsonld", "invalid-dcat", f"not readable JSON: {exc}")
            return
        graph = document.get("@graph") if isinstance(document, dict) else None
        if not isinstance(graph, list):
            result.add("dcat.jsonld", "invalid-dcat", "no @graph list of datasets")
            return
        for dataset in graph:
            distributions = dataset.get("dcat:distribution") if isinstance(dataset, dict) else None
            for distribution in distributions if isinstance(distributions, list) else []:
                if isinstance(distribution, dict):
                    self.check_distribution(distribution)

    def check_distribution(self, distribution: dict) -> None:
        download = distribution.get("dcat:downloadURL")
        url = str((download.get("@id") if isinstance(download, dict) else None) or "")
        marker = f"/{self.name}/"
        name = url.split(marker, 1)[1] if "://" in url and marker in url else url
        name = unquote(name)  # a URL: the name of a part has its '%' escaped
        target = _inside(self.root, name) if name and "://" not in name else None
        if target is None or self.irregular(name) or not target.is_file():
            return
        checksum = distribution.get("spdx:checksum")
        value = checksum.get("spdx:checksumValue") if isinstance(checksum, dict) else None
        expected = str((value.get("@value") if isinstance(value, dict) else None) or "").lower()
        if expected and self.sha256(name) not in (expected, None):
            self.result.add(name, "dcat-mismatch", "dcat.jsonld gives another sha256 checksum")
        size = distribution.get("dcat:byteSize")
        size = size.get("@value") if isinstance(size, dict) else None
        if size is not None and str(os.lstat(target).st_size) != str(size):
            self.result.add(name, "dcat-mismatch", f"dcat.jsonld gives {size} bytes")


def _inside(root: Path, name: str) -> Path | None:
    """The file a listed name means, or None when the name points outside the release."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or "\\" in name or "\x00" in name:
        return None
    return root / pure


def _check_profile(descriptor: dict, result: Verification) -> None:
    """frictionless-py judges the descriptor, on the same safe copy validate uses: nothing a
    release names (a profile, a schema or dialect elsewhere, a ``$ref``) is fetched or read."""
    inline = copy.deepcopy(descriptor)
    targets = [inline, *(r for r in inline.get("resources") or [] if isinstance(r, dict))]
    for target in targets:
        for key in ("schema", "dialect"):
            value = target.get(key)
            if isinstance(value, str):
                target.pop(key)
                result.add(
                    "datapackage.json",
                    "invalid-descriptor",
                    f"{key} {value[:80]!r}: a release names no schema or dialect elsewhere; "
                    "not read",
                )
    safe, dropped = frictionless_safe(inline)
    for resource, key, value in dropped:
        where = f"resource {resource!r}: " if resource else ""
        result.add(
            "datapackage.json",
            "invalid-descriptor",
            f"{where}{key} {str(value)[:80]!r}: a release names no profile elsewhere; not fetched",
        )
    for _kind, note in judge_safe_descriptor(safe):
        result.add("datapackage.json", "invalid-descriptor", note)


def _compare_copies(
    csv_path: Path, parquet_path: Path, schema: dict, limits: Limits | None = None
) -> str | None:
    """The first difference between the CSV and Parquet copies, read side by side in batches.

    Memory is a batch of each, whatever the row count; a Parquet copy that says it holds more
    rows than ``limits.rows`` is not compared at all (a tiny file can claim 400 million).
    """
    limits = limits or Limits()
    try:
        parquet_handle = paths.open_regular(parquet_path, "rb", follow_symlinks=False)
    except (OSError, ValueError) as exc:
        return f"the Parquet file cannot be read ({exc})"
    try:
        csv_handle = paths.open_regular(csv_path, "rb", follow_symlinks=False)
    except (OSError, ValueError) as exc:
        parquet_handle.close()
        return f"the CSV file cannot be read ({exc})"
    with parquet_handle, csv_handle:
        try:
            parquet = pq.ParquetFile(parquet_handle)
            total = parquet.metadata.num_rows
            names = parquet.schema_arrow.names
        except Exception as exc:  # a damaged file: pyarrow raises several kinds
            return f"the Parquet file cannot be read ({type(exc).__name__}: {exc})"
        if total > limits.rows:
            return (
                f"the Parquet file says it holds {total:,} rows, more than the limit of "
                f"{limits.rows:,}; not compared ({limits.raise_hint('rows')})"
            )
        try:
            reader = pacsv.open_csv(
                csv_handle,
                read_options=pacsv.ReadOptions(block_size=CSV_BLOCK),
                convert_options=pacsv.ConvertOptions(
                    column_types={name: pa.string() for name in names},
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                    null_values=[""],
                ),
            )
        except Exception as exc:
            return f"the CSV file cannot be read ({type(exc).__name__}: {exc})"
        if reader.schema.names != names:
            return f"columns {reader.schema.names} differ from the Parquet columns {names}"
        try:
            return _compare_batches(reader, parquet, total, schema)
        except Exception as exc:  # a damaged file found mid-way
            return f"the copies cannot be compared ({type(exc).__name__}: {exc})"


def _compare_batches(reader, parquet: pq.ParquetFile, total: int, schema: dict) -> str | None:
    specs = {f.get("name"): f for f in schema.get("fields") or [] if isinstance(f, dict)}
    rows = _Rows(parquet.iter_batches(batch_size=BATCH_ROWS))
    seen, first = 0, None
    for batch in _batches(reader):
        offset, seen = seen, seen + batch.num_rows
        if first is None and seen <= total:
            raw = pl.from_arrow(pa.Table.from_batches([batch]))
            other = pl.from_arrow(rows.take(batch.num_rows))
            first = _first_difference(raw, other, specs, offset)  # type: ignore[arg-type]
    if seen != total:
        return f"{seen} CSV row(s) but {total} Parquet row(s)"
    return first


def _batches(reader) -> Iterator[pa.RecordBatch]:
    """The CSV in record batches of at most ``BATCH_ROWS`` rows."""
    for batch in reader:
        for start in range(0, batch.num_rows, BATCH_ROWS):
            yield batch.slice(start, BATCH_ROWS)


class _Rows:
    """The Parquet copy's rows, handed out in the sizes the CSV batches come in."""

    def __init__(self, batches: Iterator[pa.RecordBatch]) -> None:
        self.batches = batches
        self.pending: list[pa.RecordBatch] = []
        self.count = 0

    def take(self, wanted: int) -> pa.Table:
        while self.count < wanted:
            batch = next(self.batches)
            self.pending.append(batch)
            self.count += batch.num_rows
        table = pa.Table.from_batches(self.pending)
        rest = table.slice(wanted)
        self.pending = rest.to_batches()
        self.count = rest.num_rows
        return table.slice(0, wanted)


def _first_difference(
    raw: pl.DataFrame, parquet: pl.DataFrame, specs: dict, offset: int
) -> str | None:
    for name in raw.columns:
        # a Series method may select its series by name, and polars reads ^…$ as a regex
        cells = raw[name].alias("cell")
        a = _typed(cells, parquet.schema[name], specs.get(name, {}))
        b = parquet[name].alias("cell")
        if a.dtype != b.dtype:
            b = b.cast(pl.String)
            a = cells
        same = a.eq_missing(b)
        if not same.all():
            index = int(same.arg_min())  # type: ignore[arg-type]
            return (
                f"row {offset + index + 2}, field {name!r}: CSV {raw[name][index]!r} but "
                f"Parquet {parquet[name][index]!r}"
            )
    return None


def _typed(series: pl.Series, dtype: pl.DataType, spec: dict) -> pl.Series:
    """A CSV column as the Parquet copy types it (unparseable cells become null)."""
    if dtype.is_numeric():
        return series.str.strip_chars().cast(pl.Float64, strict=False).cast(dtype, strict=False)
    if dtype == pl.Date:
        return series.str.to_date(strict=False)
    if dtype == pl.Boolean:
        true_values = spec.get("trueValues") or TRUE_VALUES
        false_values = spec.get("falseValues") or FALSE_VALUES
        cell = pl.col("cell")
        flags = pl.when(cell.is_in(true_values)).then(True).when(cell.is_in(false_values))
        return series.to_frame("cell").select(flags.then(False)).to_series().alias(series.name)
    if isinstance(dtype, pl.Datetime):
        return series.str.to_datetime(strict=False).cast(dtype, strict=False)
    if dtype == pl.Time:
        return series.str.to_time(strict=False)
    return series


def _files(resources: list) -> Iterator[tuple[str, dict]]:
    """Each file a resource lists, with what the descriptor says of its bytes and hash: its
    ``path``, or each part of a partitioned table (``partitioning.parts``)."""
    for resource in resources:
        if not isinstance(resource, dict):
            continue
        if isinstance(resource.get("path"), str):
            yield resource["path"], resource
            continue
        partitioning = resource.get("partitioning")
        parts = partitioning.get("parts") if isinstance(partitioning, dict) else None
        listed = {p.get("path"): p for p in parts or () if isinstance(p, dict)}
        paths = resource.get("path")
        for path in paths if isinstance(paths, list) else ():
            if isinstance(path, str):
                yield path, listed.get(path) or {}


def _parts(resource: dict) -> list[tuple[str, object]]:
    """(path, key) of each part of a partitioned table, in the descriptor's order."""
    partitioning = resource.get("partitioning")
    parts = partitioning.get("parts") if isinstance(partitioning, dict) else None
    return [
        (p["path"], p.get("key"))
        for p in parts or ()
        if isinstance(p, dict) and isinstance(p.get("path"), str)
    ]


def _partition_field(resource: dict) -> object:
    partitioning = resource.get("partitioning")
    return partitioning.get("field") if isinstance(partitioning, dict) else None
