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
_SHIPPED = Path(__file__).resolve().parent / "data"


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
