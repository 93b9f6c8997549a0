"""Keep every file a package names inside the package folder.

A descriptor comes from anywhere; its paths must never make us read ``/etc/passwd``, a file
behind a symlink that leaves the folder, or a URL the user did not ask for.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DRIVE = re.compile(r"^[A-Za-z]:")


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
    except OSError as exc:
        return f"not resolvable ({exc.strerror or exc})"
    return None
