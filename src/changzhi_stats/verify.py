"""``verify()``: is a downloaded release exactly what was published?

What a portal runs before harvesting. It checks ``SHA256SUMS`` against every file, that every
file present is listed and every listed file present, the bytes and hash ``datapackage.json``
gives each resource, that the CSV and Parquet copies of each table hold the same rows, that the
descriptor is a valid Data Package, and that ``dcat.jsonld`` gives the files' real checksums.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import polars as pl

from .errors import PackageUnreadable
from .writers import sha256

SUMS = "SHA256SUMS"
_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")
TRUE_VALUES = ["true", "True", "TRUE", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "0"]


@dataclass(frozen=True)
class Finding:
    """One thing wrong with one file."""

    file: str
    problem: str
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


def verify(release: str | Path) -> Verification:
    """Check a release folder (or its ``datapackage.json``).

    Raises :class:`~changzhi_stats.errors.PackageUnreadable` when it is not a folder at all.
    """
    root = Path(release)
    if root.is_file() and root.name == "datapackage.json":
        root = root.parent
    if not root.is_dir():
        raise PackageUnreadable(f"{root}: no such release folder")
    result = Verification(root)
    listed = _check_sums(root, result)
    descriptor = _read_descriptor(root, result)
    if descriptor is not None:
        _check_resources(root, descriptor, listed, result)
        _check_copies(root, descriptor, result)
        _check_profile(descriptor, result)
    _check_dcat(root, result)
    return result


def _inside(root: Path, name: str) -> Path | None:
    """The file a listed name means, or None when the name points outside the release."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or "\\" in name:
        return None
    return root / pure


def _check_sums(root: Path, result: Verification) -> set[str]:
    present = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.relative_to(root).as_posix() != SUMS
    }
    sums = root / SUMS
    if not sums.is_file():
        result.add(SUMS, "missing", "the checksum list is absent; nothing can be trusted")
        return set()
    try:
        lines = sums.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        result.add(SUMS, "unreadable", str(exc))
        return set()
    listed: set[str] = set()
    for number, line in enumerate(lines, start=1):
        match = _LINE.match(line)
        if not match:
            result.add(SUMS, "malformed", f"line {number} is not '<sha256>  <file>': {line[:80]!r}")
            continue
        expected, name = match[1].lower(), match[2]
        listed.add(name)
        path = _inside(root, name)
        if path is None:
            result.add(name, "unsafe-path", "listed in SHA256SUMS but points outside the release")
            continue
        if not path.is_file():
            result.add(name, "missing", "listed in SHA256SUMS but absent")
            continue
        if path.is_symlink():
            result.add(name, "symlink", "a release holds files, not links")
            continue
        result.files += 1
        actual = sha256(path)
        if actual != expected:
            result.add(name, "checksum-mismatch", f"sha256 is {actual}, SHA256SUMS says {expected}")
    for name in sorted(present - listed):
        result.add(name, "unlisted", "present but not listed in SHA256SUMS")
    return listed


def _read_descriptor(root: Path, result: Verification) -> dict | None:
    path = root / "datapackage.json"
    if not path.is_file():
        result.add("datapackage.json", "missing", "the release has no descriptor")
        return None
    try:
        descriptor = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        result.add("datapackage.json", "invalid-descriptor", f"not readable JSON: {exc}")
        return None
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        result.add("datapackage.json", "invalid-descriptor", "not a Data Package descriptor")
        return None
    return descriptor


def _check_resources(root: Path, descriptor: dict, listed: set[str], result: Verification):
    for resource in descriptor["resources"]:
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
            continue
        name = resource["path"]
        path = _inside(root, name)
        if path is None:
            result.add(name, "unsafe-path", "datapackage.json points outside the release")
            continue
        if listed and name not in listed:
            result.add(name, "not-in-sha256sums", "a resource of datapackage.json is not listed")
        if not path.is_file():
            if name in listed:
                continue  # already reported as missing
            result.add(name, "missing", "a resource of datapackage.json is absent")
            continue
        size = path.stat().st_size
        if "bytes" in resource and resource["bytes"] != size:
            result.add(
                name, "bytes-mismatch", f"{size} bytes, datapackage.json says {resource['bytes']}"
            )
        digest = str(resource.get("hash") or "")
        if digest:
            algorithm, _, value = digest.rpartition(":")
            if algorithm not in ("sha256", ""):
                continue
            if not algorithm:  # Data Package v1: a bare hash is MD5; the release writes sha256
                continue
            actual = sha256(path)
            if actual != value.lower():
                result.add(
                    name, "hash-mismatch", f"sha256 is {actual}, datapackage.json says {value}"
                )


def _check_profile(descriptor: dict, result: Verification) -> None:
    import frictionless

    inline = copy.deepcopy(descriptor)
    try:
        frictionless.Package.metadata_transform(inline)
        errors = list(frictionless.Package.metadata_validate(inline))
    except Exception as exc:
        errors = [getattr(exc, "error", None) or exc]
    for error in errors:
        note = getattr(error, "note", None) or str(error)
        result.add("datapackage.json", "invalid-descriptor", note)


def _check_copies(root: Path, descriptor: dict, result: Verification) -> None:
    """Each table's CSV and its Parquet copy hold the same rows and values."""
    resources = [r for r in descriptor["resources"] if isinstance(r, dict)]
    by_name = {r.get("name"): r for r in resources}
    for csv_resource in resources:
        if csv_resource.get("type") == "file" or not isinstance(csv_resource.get("schema"), dict):
            continue
        twin = by_name.get(f"{csv_resource.get('name')}-parquet")
        if not twin or not isinstance(twin.get("path"), str):
            continue
        csv_path = _inside(root, str(csv_resource.get("path")))
        parquet_path = _inside(root, twin["path"])
        if not (csv_path and parquet_path and csv_path.is_file() and parquet_path.is_file()):
            continue  # absent: reported above
        problem = _compare_copies(csv_path, parquet_path, csv_resource["schema"])
        if problem:
            result.add(twin["path"], "copies-differ", f"against {csv_resource['path']}: {problem}")


def _compare_copies(csv_path: Path, parquet_path: Path, schema: dict) -> str | None:
    try:
        parquet = pl.read_parquet(parquet_path)
    except Exception as exc:
        return f"the Parquet file cannot be read ({type(exc).__name__}: {exc})"
    try:
        raw = pl.read_csv(csv_path, infer_schema=False, encoding="utf8-lossy")
    except Exception as exc:
        return f"the CSV file cannot be read ({type(exc).__name__}: {exc})"
    if raw.columns != parquet.columns:
        return f"columns {raw.columns} differ from the Parquet columns {parquet.columns}"
    if raw.height != parquet.height:
        return f"{raw.height} CSV row(s) but {parquet.height} Parquet row(s)"
    specs = {f.get("name"): f for f in schema.get("fields") or [] if isinstance(f, dict)}
    for name in raw.columns:
        a = _typed(raw[name], parquet.schema[name], specs.get(name, {}))
        b = parquet[name]
        if a.dtype != b.dtype:
            b = b.cast(pl.String)
            a = raw[name]
        same = a.eq_missing(b)
        if not same.all():
            index = int(same.arg_min())
            return (
                f"row {index + 2}, field {name!r}: CSV {raw[name][index]!r} but Parquet "
                f"{parquet[name][index]!r}"
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


def _check_dcat(root: Path, result: Verification) -> None:
    """The checksums and sizes ``dcat.jsonld`` gives its distributions match the files."""
    path = root / "dcat.jsonld"
    if not path.is_file():
        return
    try:
        document = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        result.add("dcat.jsonld", "invalid-dcat", f"not readable JSON: {exc}")
        return
    for dataset in document.get("@graph") or [] if isinstance(document, dict) else []:
        for distribution in dataset.get("dcat:distribution") or []:
            url = str((distribution.get("dcat:downloadURL") or {}).get("@id") or "")
            name = (
                url.split(f"/{root.name}/", 1)[1]
                if "://" in url and f"/{root.name}/" in url
                else url
            )
            target = _inside(root, name) if name and "://" not in name else None
            if target is None or not target.is_file():
                continue
            checksum = (distribution.get("spdx:checksum") or {}).get("spdx:checksumValue") or {}
            expected = str(checksum.get("@value") or "").lower()
            if expected and sha256(target) != expected:
                result.add(name, "dcat-mismatch", "dcat.jsonld gives another sha256 checksum")
            size = (distribution.get("dcat:byteSize") or {}).get("@value")
            if size is not None and str(target.stat().st_size) != str(size):
                result.add(name, "dcat-mismatch", f"dcat.jsonld gives {size} bytes")
