"""Reading the files of a release folder that may come from anywhere, or be damaged.

A release is read by ``verify`` (it was downloaded) and by ``publish`` (the earlier releases
beside a new one, their index, catalog and changes). Only regular files are opened: never a
symlink (not even one in a parent folder), a FIFO (opening it would hang) or a device; JSON is
read with a size and nesting limit, so a damaged or hostile file is a clear ``ValueError``,
never a hang, a memory blow-up or a ``RecursionError``.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path, PurePosixPath

from changzhi_stats.package.limits import Limits, describe_bytes, json_depth


class NotRegular(ValueError):
    """The path is a symlink, a FIFO, a device or a folder where a regular file was expected."""


def kind_of(mode: int) -> str:
    """What a file is, for a message: ``symlink``, ``FIFO``, ``device``, ``folder``, …"""
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISDIR(mode):
        return "folder"
    return "regular file" if stat.S_ISREG(mode) else "special file"


def link_on_the_way(root: Path, name: str) -> str | None:
    """Why ``root/name`` is not a plain file reached through plain folders, or None.

    Every component below ``root`` is ``lstat``-ed: a symlink anywhere on the way is reported
    (and so never followed). An absent file is None: the caller reports it as missing.
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
            return "symlink" if last else f"behind the symlink {'/'.join(parts[: index + 1])}"
        if last and not stat.S_ISREG(mode):
            return kind_of(mode)
    return None


def open_regular(path: Path) -> int:
    """A read-only descriptor of ``path``, which must be a regular file and not a symlink.

    ``O_NOFOLLOW`` refuses a link and ``O_NONBLOCK`` keeps a FIFO from blocking the open; the
    type is then checked on the opened file itself (no race between a check and the open).
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if os.path.islink(path):
            raise NotRegular(f"{path}: a symlink, never followed") from None
        raise exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegular(f"{path}: a {kind_of(mode)}, not a regular file")
    return fd


def sha256_regular(path: Path) -> str:
    """The sha256 of a regular file (never of what a symlink points to)."""
    digest = hashlib.sha256()
    with os.fdopen(open_regular(path), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_bytes(path: Path, most: int) -> bytes:
    """At most ``most`` bytes of a regular file; ``ValueError`` when it holds more."""
    with os.fdopen(open_regular(path), "rb") as handle:
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
