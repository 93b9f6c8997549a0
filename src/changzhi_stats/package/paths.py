"""Keep every file a package names inside the package folder.

A descriptor comes from anywhere; its paths must never make us read ``/etc/passwd``, a file
behind a symlink or a hard link that leaves the folder, or a URL the user did not ask for.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from urllib.parse import unquote

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DRIVE = re.compile(r"^[A-Za-z]:")
# The bundled package inside an installed wheel: installers such as uv hard-link it from a cache.
_SHIPPED = Path(__file__).resolve().parents[1] / "data"


def is_remote(path: str) -> bool:
    return bool(_SCHEME.match(path))


def unsafe_reason(path: object, base: Path) -> str | None:
    """Why ``path`` may not be read from package folder ``base``, or None when it is safe."""
    if not isinstance(path, str) or not path:
        return "not a non-empty string"
    if is_remote(path):
        return "a URL (remote data is read only when asked for explicitly)"
    for candidate in {path, unquote(path)}:
        if candidate.startswith(("/", "\\")) or _DRIVE.match(candidate):
            return "absolute"
        if candidate.startswith("~"):
            return "relative to a home folder"
        if ".." in re.split(r"[\\/]", candidate):
            return "climbing out of the package folder with '..'"
        if "\x00" in candidate:
            return "containing a NUL byte"
    try:
        resolved = (base / path).resolve()
        resolved.relative_to(base.resolve())
    except ValueError:
        return "resolving (through a symlink) outside the package folder"
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
        return f"not resolvable ({getattr(exc, 'strerror', None) or exc})"
    return _hard_link_reason(resolved)


def _hard_link_reason(resolved: Path) -> str | None:
    """A regular file with more than one name may be the same file as one outside the folder."""
    try:
        info = os.stat(resolved)
    except (OSError, ValueError):
        return None  # absent or unreadable: reading it reports that
    if stat.S_ISREG(info.st_mode) and info.st_nlink > 1 and not resolved.is_relative_to(_SHIPPED):
        return (
            f"a file with {info.st_nlink} hard links (a hard link can lead outside the folder; "
            "copy the file instead)"
        )
    return None


class NotRegularFile(OSError):
    """A path that names a FIFO, a device, a socket or a folder: never opened for reading.

    An :class:`OSError`, so every reader that reports an unreadable file reports this one too;
    ``strerror`` holds the reason (``str(exc)`` too).
    """

    def __init__(self, path: object, kind: str) -> None:
        reason = f"not a regular file ({kind}); only regular files are read"
        super().__init__(reason)
        self.strerror = reason
        self.filename = str(path)

    def __str__(self) -> str:  # not OSError's "[Errno None] reason: path"
        return f"{self.filename}: {self.strerror}"


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISLNK, "a symlink"),
)


def kind_of(mode: int) -> str:
    """What a file is, for a message: ``a FIFO``, ``a symlink``, ``a folder``, …"""
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def open_regular(
    path: str | os.PathLike,
    mode: str = "rb",
    *,
    follow_symlinks: bool = True,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
):
    """Open ``path`` for reading, refusing anything but a regular file with
    :class:`NotRegularFile` (never blocking on a FIFO or touching a device).

    The file is opened non-blocking (a FIFO without a writer opens at once), checked with
    ``fstat`` on the descriptor itself (no race with a rename), and switched back to blocking
    reads. ``follow_symlinks=False`` refuses a symlink too (``O_NOFOLLOW``). Text ``mode``
    takes ``encoding``, ``errors`` and ``newline`` as :func:`open` does.
    """
    if "r" not in mode or any(c in mode for c in "wax+"):
        raise ValueError(f"open_regular reads only, not mode {mode!r}")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    # a device is refused before it is opened at all: opening some has side effects
    before = os.stat(path, follow_symlinks=follow_symlinks)
    if not stat.S_ISREG(before.st_mode):
        raise NotRegularFile(path, kind_of(before.st_mode))
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_symlinks and os.path.islink(path):
            raise NotRegularFile(path, "a symlink") from None
        raise exc from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped for something else since the stat
            raise NotRegularFile(path, kind_of(info.st_mode))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        if "b" in mode:
            return os.fdopen(fd, mode)
        return os.fdopen(fd, mode, encoding=encoding, errors=errors, newline=newline)
    except BaseException:
        os.close(fd)
        raise
