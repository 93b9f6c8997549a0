"""Reading the files of a release folder that may come from anywhere, or be damaged.

A release is read by ``verify`` (it was downloaded) and by ``publish`` (the earlier releases
beside a new one, their index, catalog and changes). Only regular files are opened: never a
symlink (not even one in a parent folder), a FIFO (opening it would hang) or a device; JSON is
read with a size and nesting limit, so a damaged or hostile file is a clear ``ValueError``,
never a hang, a memory blow-up or a ``RecursionError``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
from pathlib import Path, PurePosixPath

from changzhi_stats.package import paths
from changzhi_stats.package.limits import Limits, describe_bytes, json_depth

CHUNK = 1 << 20


class NotRegular(ValueError):
    """The path is a symlink, a FIFO, a device or a folder where a regular file was expected."""


def link_on_the_way(root: Path, name: str) -> str | None:
    """Why ``root/name`` is not a plain file reached through plain folders, or None.

    Every component below ``root`` is ``lstat``-ed: a symlink anywhere on the way is reported
    (and so never followed). An absent file is None: the caller reports it as missing. The
    reason is ``a symlink``, ``behind the symlink …`` or what else it is (``a FIFO``, …).
    """
    current = root
    parts = PurePosixPath(name).parts
    for index, part in enumerate(parts):
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except OSError:
            return None
        last = index == len(parts) - 1
        if stat.S_ISLNK(mode):
            return "a symlink" if last else f"behind the symlink {'/'.join(parts[: index + 1])}"
        if last and not stat.S_ISREG(mode):
            return paths.kind_of(mode)
    return None


def digest(
    path: Path, algorithm: str | None = "sha256", *, follow_symlinks: bool = True
) -> tuple[int, str | None]:
    """The size of a regular file and (if ``algorithm``, a :mod:`hashlib` name) its hex digest,
    read 1 MiB at a time: the one bytes-and-hash check (declared ``bytes``/``hash``, a release's
    checksums). A FIFO or a device is refused, never waited on."""
    hasher = hashlib.new(algorithm) if algorithm else None
    size = 0
    with paths.open_regular(path, "rb", follow_symlinks=follow_symlinks) as handle:
        if hasher is None:
            try:
                return os.fstat(handle.fileno()).st_size, None
            except io.UnsupportedOperation:  # an object on a store (package.paths.StorePath)
                return handle.seek(0, io.SEEK_END), None
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)  # releases the GIL on large chunks
            size += len(chunk)
    return size, hasher.hexdigest()


def sha256_regular(path: Path) -> str:
    """The sha256 of a regular file (never of what a symlink points to)."""
    hex_digest = digest(path, "sha256", follow_symlinks=False)[1]
    assert hex_digest is not None
    return hex_digest


def read_bytes(path: Path, most: int) -> bytes:
    """At most ``most`` bytes of a regular file; ``ValueError`` when it holds more."""
    try:
        handle = paths.open_regular(path, "rb", follow_symlinks=False)
    except paths.NotRegularFile as exc:
        raise NotRegular(f"{path}: {exc.strerror}") from None
    with handle:
        data = handle.read(most + 1)
    if len(data) > most:
        raise ValueError(f"{path.name}: larger than {describe_bytes(most)}")
    return data


def read_json(path: Path, limits: Limits | None = None) -> object:
    """The JSON in a release file, within the descriptor limits.

    Raises ``OSError`` (absent, unreadable) or ``ValueError`` (not a regular file, too large,
    not UTF-8, not JSON, nested too deeply) — never ``RecursionError``.
    """
    limits = limits or Limits()
    data = read_bytes(path, limits.descriptor_bytes)
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ValueError(f"{path.name}: nested too deeply to read") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name}: not UTF-8 ({exc.reason})") from None
    except ValueError as exc:
        raise ValueError(f"{path.name}: not JSON ({exc})") from None
    if json_depth(value) > limits.descriptor_depth:
        raise ValueError(f"{path.name}: nested more than {limits.descriptor_depth} levels deep")
    return value
