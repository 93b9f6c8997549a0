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

from . import dcat
from .diff import BUMPS, Diff, Side, compare, next_version
from .errors import PublishFailed, PublishRefused
from .limits import Limits
from .package import PackageSpec, load_package
from .report import DEFAULT_MAX_ERRORS, Findings, Report
from .validate import Progress, check_package
from .writers import ReleaseWriter, sha256

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

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "path": str(self.path),
            "files": list(self.files),
            "datapackage_sha256": self.datapackage_sha256,
            "changes": self.changes,
        }


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
) -> Release:
    """Validate ``source`` and, if it has no errors, publish it as ``out/<version>/``.

    ``bump="auto"`` publishes the version :func:`~changzhi_stats.diff` proposes against the
    latest release (``"major"``, ``"minor"``, ``"patch"`` force one); the first release takes
    the package's version. ``base_url`` is where ``out`` will be served: the DCAT-AP download
    URLs start with it (relative without it).

    Raises :class:`PublishRefused` (invalid data, a version that exists or is not newer) or
    :class:`PublishFailed` (the disk said no); in both cases nothing is left behind.
    ``limits`` and ``allow_remote`` are as for :func:`~changzhi_stats.validate`.
    """
    package = load_package(source, limits=limits, allow_remote=allow_remote)
    if package.unparsable:  # not valid JSON: refused before anything is created
        report, _ = check_package(package, Findings(max_errors))
        raise PublishRefused(
            f"{package.descriptor_path}: not published: {report.errors[0].message}", report
        )
    out = Path(out)
    previous: tuple[str, Diff] | None = None
    if bump is not None:
        if version is not None:
            raise PublishRefused("give a version or a bump, not both")
        version, previous = _bumped(package, out, bump)
    if version is None:  # an explicit "" is refused below, not replaced
        version = str(package.descriptor.get("version") or "")
    if not SEMVER.match(version):
        raise PublishRefused(
            f"version {version!r} is not of the form X.Y.Z; give --version or set the "
            "package's 'version'"
        )
    with contextlib.suppress(OSError):  # unreadable: the check under the lock will tell
        _refuse_unless_newer(out, version)  # first without the lock: a refusal creates not even it
    made = [p for p in (out, out / ".lock") if not p.exists()]
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
            _clear_stale_staging(out)
            release = _stage_and_rename(
                package, out, version, created, max_errors, progress, previous, base_url
            )
    except PublishRefused:
        for path in reversed(made):  # refused: leave the folder as we found it
            with contextlib.suppress(OSError):
                path.rmdir() if path.is_dir() else path.unlink()
        if times is not None:  # staging came and went; the folder's times say nothing happened
            with contextlib.suppress(OSError):
                os.utime(out, ns=times)
        raise
    return release


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
    changes = compare(load_package(out / latest), package)
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
    found = found or compare(load_package(out / previous), package)
    return replace(found, old=Side(f"../{previous}", "release", previous), new=new)


def _summary(changes: dict) -> dict:
    return {
        "previous": (changes.get("old") or {}).get("version"),
        "bump": changes.get("bump"),
        **(changes.get("summary") or {}),
    }


def _stage_and_rename(
    package, out, version, created, max_errors, progress, previous=None, base_url=None
) -> Release:
    """Validate while writing into a hidden staging folder; rename it into place if valid."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + version + "-", dir=out))
    except OSError as exc:
        raise PublishFailed(f"{out}: cannot write: {exc.strerror or exc}") from None
    writer = ReleaseWriter(staging, package, version, base_url)
    try:
        findings = Findings(max_errors)
        report, lookups = check_package(package, findings, sink=writer, progress=progress)
        if not report.valid:
            raise PublishRefused(
                f"{package.descriptor_path}: not published: {report.error_count} error(s); "
                "run `cz-stats validate` to see them",
                report,
            )
        changes = _changes(package, out, version, writer.rows, previous)
        changes_dict = changes.to_dict()
        files = writer.finish(version, created, lookups, changes_dict, changes.to_markdown())
        _fsync_tree(staging)
        os.rename(staging, out / version)
    except BaseException as exc:
        writer.abandon()
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise PublishFailed(
                f"{out / version}: publishing failed, nothing was left behind: "
                f"{exc.strerror or exc}"
            ) from None
        raise
    digest = sha256(out / version / "datapackage.json")
    try:
        _update_index(out, package, version, digest)
        versions = published_versions(out)
        catalog = dcat.catalog_document(out, versions, package.descriptor, base_url)
        _write_atomically(out / dcat.CATALOG_FILE, dcat.dumps(catalog))
    except OSError as exc:
        raise PublishFailed(
            f"{out / version} is published and complete, but index.json or catalog.jsonld "
            f"could not be updated ({exc.strerror or exc}); the next publish rebuilds them"
        ) from None
    return Release(version, out / version, tuple(files), digest, report, _summary(changes_dict))


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
    for stale in out.glob(".index-*"):  # the temporary index of a publish killed mid-write
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


def _update_index(out: Path, package: PackageSpec, version: str, digest: str) -> None:
    """Rewrite ``index.json`` atomically: every version present, newest first."""
    index_path = out / "index.json"
    old = {}
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):  # absent or mangled
        old = {r["version"]: r for r in json.loads(index_path.read_text("utf-8"))["releases"]}
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    releases = []
    for found in published_versions(out):
        entry = old.get(found)
        if entry is None:
            entry = {
                "version": found,
                "published": today,
                "datapackage_sha256": sha256(out / found / "datapackage.json"),
                "path": f"{found}/datapackage.json",
            }
            with contextlib.suppress(OSError, ValueError, AttributeError):
                changes = json.loads((out / found / "changes.json").read_text("utf-8"))
                entry["changes"] = _summary(changes)
        releases.append(entry)
    index = {"name": package.descriptor.get("name"), "releases": releases}
    _write_atomically(index_path, json.dumps(index, ensure_ascii=False, indent=2) + "\n")


def _write_atomically(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(prefix=".index-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
