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
from dataclasses import dataclass
from pathlib import Path

from .errors import PublishFailed, PublishRefused
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
    progress: Progress | None = None,
) -> Release:
    """Validate ``source`` and, if it has no errors, publish it as ``out/<version>/``.

    Raises :class:`PublishRefused` (invalid data, a version that exists or is not newer) or
    :class:`PublishFailed` (the disk said no); in both cases nothing is left behind.
    """
    package = load_package(source)
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
            release = _stage_and_rename(package, out, version, created, max_errors, progress)
    except PublishRefused:
        for path in reversed(made):  # refused: leave the folder as we found it
            with contextlib.suppress(OSError):
                path.rmdir() if path.is_dir() else path.unlink()
        if times is not None:  # staging came and went; the folder's times say nothing happened
            with contextlib.suppress(OSError):
                os.utime(out, ns=times)
        raise
    return release


def _stage_and_rename(package, out, version, created, max_errors, progress) -> Release:
    """Validate while writing into a hidden staging folder; rename it into place if valid."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + version + "-", dir=out))
    except OSError as exc:
        raise PublishFailed(f"{out}: cannot write: {exc.strerror or exc}") from None
    writer = ReleaseWriter(staging, package)
    try:
        findings = Findings(max_errors)
        findings.extend(package.problems)
        report, lookups = check_package(package, findings, sink=writer, progress=progress)
        if not report.valid:
            raise PublishRefused(
                f"{package.descriptor_path}: not published: {report.error_count} error(s); "
                "run `cz-stats validate` to see them",
                report,
            )
        files = writer.finish(version, created, lookups)
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
            "datapackage_sha256": sha256(out / found / "datapackage.json"),
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
