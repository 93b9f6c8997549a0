"""``publish()``: write an immutable, versioned, checksummed release of a valid package.

A release is staged in a hidden folder beside its final place and renamed into place in one
step, so a reader sees the whole version or none of it. A lock serialises publishers, and an
existing version is never touched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from changzhi_stats import arguments
from changzhi_stats.errors import CzStatsError, PublishFailed, PublishRefused, UsageError
from changzhi_stats.package.descriptor import PackageSpec, load_package, missing_for_reuse
from changzhi_stats.package.files import read_json, sha256_regular
from changzhi_stats.package.limits import Limits
from changzhi_stats.package.paths import is_remote
from changzhi_stats.release import dcat
from changzhi_stats.release.diff import BUMPS, Diff, Side, compare, next_version
from changzhi_stats.release.writers import ReleaseWriter
from changzhi_stats.report.problems import DEFAULT_MAX_ERRORS, Findings, Report
from changzhi_stats.validate import Progress, check_package

SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\Z")  # \Z: no "\n"
STAGING_PREFIX = ".partial-"


@dataclass(frozen=True)
class Release:
    """What was published: where, which files, and the checksum portals pin."""

    version: str
    path: Path
    files: tuple[str, ...]
    datapackage_sha256: str
    report: Report
    changes: dict | None = None  # the summary of changes.json (see index.json)
    notes: tuple[str, ...] = ()  # damaged earlier releases left out of index.json, catalog.jsonld
    package: str | None = None  # the datapackage.json that was published

    def to_dict(self) -> dict:
        result = {
            "package": self.package,
            "version": self.version,
            "path": str(self.path),
            "files": list(self.files),
            "datapackage_sha256": self.datapackage_sha256,
            "changes": self.changes,
        }
        if self.notes:
            result["notes"] = list(self.notes)
        return result


def publish(
    source: str | Path | None = None,
    *,
    version: str | None = None,
    out: str | Path = "releases",
    created: str | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
    progress: Progress | None = None,
    bump: str | None = None,
    base_url: str | None = None,
    limits: Limits | None = None,
    allow_remote: bool = False,
    engine: str = "polars",
    spark_master: str | None = None,
    partition_by: str | None = None,
) -> Release:
    """Validate ``source`` and, if it has no errors, publish it as ``out/<version>/``.

    ``bump="auto"`` publishes the version :func:`~changzhi_stats.release.diff` proposes against the
    latest release (``"major"``, ``"minor"``, ``"patch"`` force one); the first release takes
    the package's version. ``base_url`` is where ``out`` will be served: the DCAT-AP download
    URLs start with it (relative without it).

    Raises :class:`PublishRefused` (invalid data, a version that exists or is not newer) or
    :class:`PublishFailed` (the disk said no); in both cases no version is left behind.
    ``limits``, ``allow_remote``, ``engine`` and ``spark_master`` are as for
    :func:`~changzhi_stats.validate`. ``partition_by``: a field; every table that has it is
    published a part per value of it (docs/release.md, "Partitioned releases"); on Spark the
    parts are written by Spark tasks.

    The lock file ``out/.lock`` is created by the first publish and never removed: another
    publisher may be waiting on it, and one that removed it would let a third take a new lock
    file while the second holds the old one (two publishes at once). So a refused first publish
    leaves ``out`` holding only ``.lock``, and nothing else.
    """
    arguments.check_publish(
        source,
        version=version,
        out=out,
        created=created,
        max_errors=max_errors,
        progress=progress,
        bump=bump,
        base_url=base_url,
        limits_=limits,
        allow_remote=allow_remote,
    )
    if is_remote(str(out)):  # Path("s3://b/x") would be a local folder "s3:/b/x"
        raise UsageError(
            f"{out}: a release is written to a local folder only: it is staged and renamed "
            "into place in one atomic step, which an object store cannot do (a reader could see "
            "half a release); publish to a local folder, then copy it (`aws s3 sync`, "
            "`gsutil rsync`)"
        )
    package = load_package(source, limits=limits, allow_remote=allow_remote)
    if package.unparsable:  # not valid JSON: refused before anything is created
        report, _ = check_package(package, Findings(max_errors))
        raise PublishRefused(
            f"{package.descriptor_path}: not published: {report.errors[0].message}", report
        )
    _refuse_unless_reusable(package)
    _refuse_unknown_partition(package, partition_by)
    out = Path(out)
    _refuse_another_series(out, package)  # before a bump compares it with another package
    previous: tuple[str, Diff] | None = None
    if bump is not None:
        if version is not None:
            raise PublishRefused("give a version or a bump, not both")
        version, previous = _bumped(package, out, bump)
    if version is None:  # an explicit "" is refused below, not replaced
        version = str(package.descriptor.get("version") or "")
    if not isinstance(version, str) or not SEMVER.match(version):
        raise PublishRefused(
            f"version {version!r} is not of the form X.Y.Z; give --version or set the "
            "package's 'version'"
        )
    _refuse_bad_created(created)
    # how check_package runs, and how the tables are partitioned
    runs = {"engine": engine, "spark_master": spark_master, "partition_by": partition_by}
    with contextlib.suppress(OSError):  # unreadable: the check under the lock will tell
        _refuse_unless_newer(out, version)  # first without the lock: a refusal creates not even it
    times = (out.stat().st_atime_ns, out.stat().st_mtime_ns) if out.is_dir() else None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishFailed(
            f"{out}: cannot create the releases folder: {exc.strerror or exc}"
        ) from None
    try:
        with _locked(out):
            _refuse_unless_newer(out, version)
            _refuse_another_series(out, package)
            _clear_stale_staging(out)
            release = _stage_and_rename(
                package, out, version, created, max_errors, progress, previous, base_url, runs
            )
    except PublishRefused:
        # never remove the lock file (see the docstring); staging came and went, and the
        # folder's times say nothing happened
        if times is not None:
            with contextlib.suppress(OSError):
                os.utime(out, ns=times)
        raise
    return release


_REUSE_NEEDS = {"missing-title": "no title", "missing-license": "no licence"}


def _refuse_unless_reusable(package: PackageSpec) -> None:
    """A release is for reuse: refused without a title (what it is) or a licence (whether it
    may be used at all). ``validate`` reports the same as warnings."""
    missing = missing_for_reuse(package.descriptor)
    if missing:
        lacks = " and ".join(_REUSE_NEEDS[code] for code in missing)
        fields = " and ".join(
            f'"{c.removeprefix("missing-").replace("license", "licenses")}"' for c in missing
        )
        raise PublishRefused(
            f"{package.descriptor_path}: not published: the package has {lacks}; a reuser "
            f"needs both; add {fields} to datapackage.json ({', '.join(missing)})"
        )


def _refuse_bad_created(created: object) -> None:
    """``created`` is written into the descriptor: an RFC 3339 date-time, or nothing."""
    if created is None:
        return
    try:
        if not isinstance(created, str) or not _CREATED.match(created):
            raise ValueError
        dt.datetime.fromisoformat(created.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise PublishRefused(
            f"created {created!r} is not a date and time such as 2025-01-31T08:00:00Z"
        ) from None


_CREATED = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)


def _bumped(package: PackageSpec, out: Path, bump: str) -> tuple[str, tuple[str, Diff] | None]:
    """The version a bump gives against the latest release, and the diff it was judged by."""
    if bump not in ("auto", *BUMPS):
        raise PublishRefused(f"bump {bump!r} is not one of auto, major, minor, patch")
    try:
        existing = published_versions(out)
    except OSError:
        existing = []
    if not existing:  # the first release: the package's own version
        return str(package.descriptor.get("version") or ""), None
    latest = existing[0]
    if bump != "auto":
        return next_version(latest, bump), None
    changes = _compare_with_release(out, latest, package)
    if changes.bump is None:
        raise PublishRefused(f"nothing changed since release {latest}; nothing to publish")
    return next_version(latest, changes.bump), (latest, changes)


def _changes(package: PackageSpec, out: Path, version: str, rows: dict[str, int], known) -> Diff:
    """The changes of ``version`` against the newest release before it (under the lock)."""
    older = [v for v in published_versions(out) if _version_key(v) < _version_key(version)]
    new = Side(".", "release", version)
    if not older:
        order = [r.name for r in package.resources]
        initial = {name: rows[name] for name in sorted(rows, key=order.index)}
        return Diff(None, new, initial_rows=initial)
    previous = older[0]
    found = known[1] if known and known[0] == previous else None
    found = found or _compare_with_release(out, previous, package)
    return replace(found, old=Side(f"../{previous}", "release", previous), new=new)


def _compare_with_release(out: Path, previous: str, package: PackageSpec) -> Diff:
    """The changes against release ``previous``; a damaged one stops the publish clearly."""
    try:
        old = load_package(out / previous)
        if old.unparsable:
            raise ValueError("its datapackage.json is not readable JSON")
        return compare(old, package)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, CzStatsError) as exc:
        raise PublishFailed(
            f"{out / previous}: the previous release cannot be read to say what changed "
            f"({exc}); run `cz-stats verify {out / previous}`; nothing was published"
        ) from None


def _summary(changes: dict) -> dict:
    return {
        "previous": (changes.get("old") or {}).get("version"),
        "bump": changes.get("bump"),
        **(changes.get("summary") or {}),
    }


def _stage_and_rename(
    package, out, version, created, max_errors, progress, previous=None, base_url=None, runs=None
) -> Release:
    """Validate while writing into a hidden staging folder; rename it into place if valid.

    Everything that can fail is done before the rename: the release is written, checked as
    ``verify`` checks it, and the new ``index.json`` and ``catalog.jsonld`` are written to
    temporary files beside their places; only then is the version renamed into place and the
    two files swapped in. On any failure before the rename the staging folder and the
    temporary files are removed, whatever else fails while removing them.
    """
    try:
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + version + "-", dir=out))
    except OSError as exc:
        raise PublishFailed(f"{out}: cannot write: {exc.strerror or exc}") from None
    temps: list[str] = []
    writer = None
    runs = dict(runs or {})
    partition_by = runs.pop("partition_by", None)
    on_spark = runs.get("engine") == "spark" and partition_by is not None
    try:
        writer = ReleaseWriter(staging, package, version, base_url, partition_by, on_spark)
        findings = Findings(max_errors)
        report, lookups = check_package(package, findings, sink=writer, progress=progress, **runs)
        if not report.valid:
            raise PublishRefused(
                f"{package.descriptor_path}: not published: {report.error_count} error(s); "
                "run `cz-stats validate` to see them",
                report,
            )
        if on_spark and writer.partitioned:
            _write_parts_on_spark(package, writer, runs.get("spark_master"))
        changes = _changes(package, out, version, writer.rows, previous)
        changes_dict = changes.to_dict()
        files = writer.finish(version, created, lookups, changes_dict, changes.to_markdown())
        digests = {name: digest for name, (_, digest) in writer.digests.items()}
        _refuse_unless_verified(staging, version, digests)
        digest = digests["datapackage.json"]
        notes: list[str] = []
        index = _index_text(out, package, version, digest, staging, notes)
        versions = sorted({*published_versions(out), version}, key=_version_key, reverse=True)
        catalog = dcat.catalog_document(
            out, versions, package.descriptor, base_url, folders={version: staging}, notes=notes
        )
        temps.append(_write_temp(out, index, ".index-"))
        temps.append(_write_temp(out, dcat.dumps(catalog), ".catalog-"))
        _fsync_tree(staging)
        os.rename(staging, out / version)
    except BaseException as exc:
        try:
            if writer is not None:
                writer.abandon()
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            for temp in temps:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
        if isinstance(exc, OSError):
            raise PublishFailed(
                f"{out / version}: publishing failed, nothing was left behind: "
                f"{exc.strerror or exc}"
            ) from None
        raise
    try:
        os.replace(temps[0], out / "index.json")
        os.replace(temps[1], out / dcat.CATALOG_FILE)
    except OSError as exc:
        for temp in temps:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise PublishFailed(
            f"{out / version} is published and complete, but index.json or catalog.jsonld "
            f"could not be updated ({exc.strerror or exc}); the next publish rebuilds them"
        ) from None
    summary = _summary(changes_dict)
    return Release(
        version,
        out / version,
        tuple(files),
        digest,
        report,
        summary,
        tuple(notes),
        str(package.descriptor_path),
    )


def _refuse_unknown_partition(package: PackageSpec, partition_by: object) -> None:
    """``partition_by`` names a field of at least one table (a typo would publish unpartitioned)."""
    if partition_by is None:
        return
    if not isinstance(partition_by, str) or not partition_by:
        raise PublishRefused(f"partition_by {partition_by!r} is not a field name")
    for resource in package.resources:
        schema = resource.schema if isinstance(resource.schema, dict) else {}
        fields = schema.get("fields")
        if isinstance(fields, list) and any(
            isinstance(f, dict) and f.get("name") == partition_by for f in fields
        ):
            return
    raise PublishRefused(
        f"{package.descriptor_path}: not published: no table has a field {partition_by!r} to "
        "partition by"
    )


def _write_parts_on_spark(package: PackageSpec, writer: ReleaseWriter, master) -> None:
    """The partitioned tables' parts, written by Spark tasks into the staging folder."""
    from functools import partial

    from changzhi_stats.engines.spark import partitions
    from changzhi_stats.release import writers
    from changzhi_stats.validate import open_elsewhere

    openers, tables, specs = [], [], []
    for name, spec in writer.partitioned.items():
        if name in writer.empty and not writer.rows.get(name):
            continue  # no rows: written as one file by finish
        resource = package.resource(name)
        if resource is None:
            continue
        specs.append(spec)
        opener = partial(open_elsewhere, resource, package.limits, [])
        parts = tuple(getattr(resource, "parts", ()) or ())
        for part in range(len(parts)) if parts else [None]:
            openers.append(opener if part is None else partial(opener, part=part))
            tables.append(len(specs) - 1)
    if not openers:
        return
    job = partitions.PartsJob(
        openers, tables, specs, writers.normalised, writers.write_sorted, writers.KEY
    )
    for index, parts in partitions.write(job, master).items():
        writer.add_parts(specs[index].name, parts)


def _refuse_unless_verified(staging: Path, version: str, digests: dict[str, str]) -> None:
    """Never publish what ``cz-stats verify`` would reject: its checks, on the staged release."""
    from changzhi_stats.release.verify import check_staged

    result = check_staged(staging, version, digests)
    if not result.intact:
        found = "; ".join(f"{f.file}: {f.problem}: {f.detail}" for f in result.findings[:5])
        raise PublishRefused(f"not published: the release would not pass verify: {found}")


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold ``out/.lock`` exclusively.

    The lock file is never removed (see :func:`publish`); should anyone remove or replace it
    all the same, a lock taken on the old file is given up and taken again on the one in place,
    so two publishers never hold different files at once.
    """
    while True:
        try:
            handle = open(out / ".lock", "a+")
        except OSError as exc:
            raise PublishFailed(f"{out}: cannot write: {exc.strerror or exc}") from None
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            current = os.stat(out / ".lock")
            held = os.fstat(handle.fileno())
            same = (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino)
        except OSError:
            same = False
        if same:
            break
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
    with handle:
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


def series_name(out: Path) -> tuple[bool, object]:
    """(known, name) of the series ``out`` holds: ``index.json``'s ``name``, else the name in
    the latest release's ``datapackage.json``; (False, None) for a new or unreadable folder."""
    try:
        index = read_json(out / "index.json")
        if isinstance(index, dict) and "name" in index:
            return True, index["name"]
    except (OSError, ValueError, TypeError):
        pass  # missing or damaged: the releases say
    try:
        for version in published_versions(out):
            try:
                descriptor = read_json(out / version / "datapackage.json")
            except (OSError, ValueError, TypeError):
                continue  # a damaged release: the one before it says
            if isinstance(descriptor, dict):
                return True, descriptor.get("name")
    except OSError:
        pass
    return False, None


def _refuse_another_series(out: Path, package: PackageSpec) -> None:
    """One series per releases folder: another package's releases are never continued."""
    known, held = series_name(out)
    name = package.descriptor.get("name")
    if known and held != name:
        raise PublishRefused(
            f"{out} holds the releases of the package {held!r}; {package.descriptor_path} is "
            f"the package {name!r}: not published; give another --out for it (one releases "
            "folder per package)"
        )


def _clear_stale_staging(out: Path) -> None:
    """Remove what an interrupted publish left (we hold the lock, so none is in progress)."""
    for stale in out.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    for pattern in (".index-*", ".catalog-*"):  # temporary files of a publish killed mid-way
        for stale in out.glob(pattern):
            with contextlib.suppress(OSError):
                stale.unlink()


def _fsync_tree(root: Path) -> None:
    for path in [*root.rglob("*"), root]:
        flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
        fd = os.open(path, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _index_text(
    out: Path, package: PackageSpec, version: str, digest: str, staging: Path, notes: list[str]
) -> str:
    """The new ``index.json``: every version present and the one being staged, newest first.

    Entries of the old index are kept; versions it lacks (or all, when it is damaged) are
    rebuilt from their folders. A release too damaged for an entry is left out and ``notes``
    says so: one damaged release never stops a later publish.
    """
    old: dict[str, dict] = {}
    index_path = out / "index.json"
    if index_path.exists() or index_path.is_symlink():
        try:
            releases = read_json(index_path)["releases"]  # type: ignore[index]
            old = {
                r["version"]: r
                for r in releases
                if isinstance(r, dict) and isinstance(r.get("version"), str)
            }
        except (OSError, ValueError, TypeError, KeyError) as exc:
            notes.append(f"index.json: damaged, rebuilt from the release folders ({exc})")
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    releases = []
    found = sorted({*published_versions(out), version}, key=_version_key, reverse=True)
    for each in found:
        entry = old.get(each) if each != version else None
        if entry is None:
            folder = staging if each == version else out / each
            try:
                entry = {
                    "version": each,
                    "published": today,
                    "datapackage_sha256": (
                        digest if each == version else sha256_regular(folder / "datapackage.json")
                    ),
                    "path": f"{each}/datapackage.json",
                }
            except (OSError, ValueError) as exc:
                notes.append(f"{each}: left out of index.json: {exc}")
                continue
            try:
                entry["changes"] = _summary(read_json(folder / "changes.json"))  # type: ignore[arg-type]
            except (OSError, ValueError, TypeError, AttributeError) as exc:
                if each == version:
                    raise
                notes.append(f"{each}/changes.json: not summarised in index.json: {exc}")
        releases.append(entry)
    index = {"name": package.descriptor.get("name"), "releases": releases}
    return json.dumps(index, ensure_ascii=False, indent=2) + "\n"


def _write_temp(out: Path, text: str, prefix: str) -> str:
    """``text`` in a new temporary file of ``out``, flushed to disk; its path."""
    fd, temp = tempfile.mkstemp(prefix=prefix, dir=out)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp
