"""Keep every file a package names inside the package folder.

A descriptor comes from anywhere; its paths must never make us read ``/etc/passwd``, a file
behind a symlink or a hard link that leaves the folder, or a URL the user did not ask for.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import stat
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DRIVE = re.compile(r"^[A-Za-z]:")
# The bundled package inside an installed wheel: installers such as uv hard-link it from a cache.
_SHIPPED = Path(__file__).resolve().parents[1] / "data"


def is_remote(path: str) -> bool:
    return bool(_SCHEME.match(path))


def unsafe_reason(path: object, base: Path | StorePath) -> str | None:
    """Why ``path`` may not be read from package folder ``base``, or None when it is safe.

    On an object store (``base`` a :class:`StorePath`) there are no symlinks or hard links:
    the path is safe when it names a key below the package's prefix (the rules on its text).
    """
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
    if isinstance(base, StorePath):
        return None
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
    if isinstance(path, StorePath):
        handle = path.open_input()
        if "b" in mode:
            return handle
        return io.TextIOWrapper(handle, encoding=encoding, errors=errors, newline=newline)
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


# Filesystem URIs read through pyarrow.fs (FileSystem.from_uri): object stores and HDFS. Any
# other scheme (http, https, ftp, …) stays a URL that is never fetched.
STORE_SCHEMES = frozenset({"s3", "gs", "gcs", "abfs", "abfss", "hdfs", "viewfs"})
_FILESYSTEMS: dict[tuple[str, str, str, str], object] = {}
_FILESYSTEMS_LOCK = threading.Lock()


def is_store_uri(text: object) -> bool:
    """Whether ``text`` is a URI of a filesystem pyarrow reads (``s3://bucket/key``, …)."""
    return isinstance(text, str) and is_remote(text) and urlsplit(text).scheme in STORE_SCHEMES


class StoreError(OSError):
    """An object store that cannot be reached or read (the message says why)."""


def _filesystem(scheme: str, netloc: str, query: str):
    """The pyarrow filesystem of a bucket (one per process; credentials and endpoint as the
    SDK reads them: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL``,
    ``AWS_REGION``, or the URI's query, e.g. ``?endpoint_override=host:port&scheme=http``)."""
    key = (scheme, netloc, query, os.environ.get("AWS_ENDPOINT_URL", ""))
    with _FILESYSTEMS_LOCK:
        if key not in _FILESYSTEMS:
            import pyarrow.fs as pafs

            uri = f"{scheme}://{netloc}/" + (f"?{query}" if query else "")
            try:
                _FILESYSTEMS[key] = pafs.FileSystem.from_uri(uri)[0]
            except (OSError, ValueError, ImportError) as exc:  # not built in, no such bucket
                raise StoreError(f"{scheme}://{netloc}: cannot be opened: {_said(exc)}") from None
        return _FILESYSTEMS[key]


def _said(exc: BaseException) -> str:
    """The first line of an error (pyarrow's HDFS error lists every path it tried for libjvm)."""
    lines = str(exc).strip().splitlines()
    return lines[0][:500] if lines else type(exc).__name__


class StorePath:
    """A file (or prefix) on an object store, named by URI: the few ``Path`` operations a
    package's files need (``/``, ``name``, ``parent``, ``stat``, ``is_file``), and
    :func:`open_regular` reads it. It is no ``os.PathLike``: nothing opens it as a local file.
    Picklable (a Spark task opens it again): the filesystem is made again in each process.
    """

    __slots__ = ("key", "netloc", "query", "scheme")

    def __init__(self, uri: str) -> None:
        parts = urlsplit(uri)
        self.scheme, self.netloc, self.query = parts.scheme.lower(), parts.netloc, parts.query
        self.key = posixpath.normpath("/" + unquote(parts.path)).lstrip("/") if parts.path else ""
        if self.key == ".":
            self.key = ""

    @classmethod
    def _of(cls, scheme: str, netloc: str, query: str, key: str) -> StorePath:
        made = cls.__new__(cls)
        made.scheme, made.netloc, made.query, made.key = scheme, netloc, query, key
        return made

    def __getstate__(self):
        return (self.scheme, self.netloc, self.query, self.key)

    def __setstate__(self, state) -> None:
        self.scheme, self.netloc, self.query, self.key = state

    def __truediv__(self, other: str) -> StorePath:
        joined = posixpath.normpath(posixpath.join("/" + self.key, str(other))).lstrip("/")
        return StorePath._of(self.scheme, self.netloc, self.query, joined)

    def __str__(self) -> str:
        return f"{self.scheme}://{self.netloc}/{self.key}"

    def __repr__(self) -> str:
        return f"StorePath({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StorePath) and self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash(self.__getstate__())

    @property
    def name(self) -> str:
        return posixpath.basename(self.key)

    @property
    def suffix(self) -> str:
        return posixpath.splitext(self.name)[1]

    @property
    def parent(self) -> StorePath:
        return StorePath._of(self.scheme, self.netloc, self.query, posixpath.dirname(self.key))

    def is_relative_to(self, other: object) -> bool:
        if not isinstance(other, StorePath) or other.__getstate__()[:3] != self.__getstate__()[:3]:
            return False
        return not other.key or self.key == other.key or self.key.startswith(other.key + "/")

    @property
    def filesystem(self):
        return _filesystem(self.scheme, self.netloc, self.query)

    @property
    def fs_path(self) -> str:
        """The path as the filesystem names it (``bucket/key`` on S3)."""
        if self.scheme in ("hdfs", "viewfs"):
            return "/" + self.key
        if self.scheme in ("abfs", "abfss"):  # abfs://container@account.dfs.core.windows.net/
            bucket = self.netloc.split("@", 1)[0]
        else:
            bucket = self.netloc.rsplit("@", 1)[-1]
        return posixpath.join(bucket, self.key).rstrip("/")

    def _info(self):
        try:
            return self.filesystem.get_file_info(self.fs_path)
        except StoreError:
            raise
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self}: {_said(exc)}") from None

    def stat(self) -> os.stat_result:
        import pyarrow.fs as pafs

        info = self._info()
        if info.type == pafs.FileType.NotFound:
            raise FileNotFoundError(2, "No such file or directory", str(self))
        if info.type == pafs.FileType.Directory:
            raise IsADirectoryError(21, "Is a directory", str(self))
        mode = stat.S_IFREG | 0o444
        return os.stat_result((mode, 0, 0, 1, 0, 0, info.size or 0, 0, 0, 0))

    def exists(self) -> bool:
        import pyarrow.fs as pafs

        try:
            return self._info().type != pafs.FileType.NotFound
        except OSError:
            return False

    def is_file(self) -> bool:
        import pyarrow.fs as pafs

        try:
            return self._info().type == pafs.FileType.File
        except OSError:
            return False

    def is_dir(self) -> bool:
        import pyarrow.fs as pafs

        if not self.key:
            return True  # a bucket
        try:
            return self._info().type == pafs.FileType.Directory
        except OSError:
            return False

    def is_symlink(self) -> bool:
        return False

    def resolve(self) -> StorePath:
        return self

    def iterdir(self) -> list[StorePath]:
        """The objects and prefixes right under this prefix (none when it does not exist)."""
        import pyarrow.fs as pafs

        selector = pafs.FileSelector(self.fs_path, allow_not_found=True)
        try:
            infos = self.filesystem.get_file_info(selector)
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self}: {_said(exc)}") from None
        return [self / posixpath.basename(info.path) for info in infos]

    def mkdir(self, parents: bool = False, exist_ok: bool = False) -> None:
        """An object store has no folders, only keys with a common prefix: nothing is made, but
        the bucket must exist (it is not created)."""
        import pyarrow.fs as pafs

        bucket = StorePath._of(self.scheme, self.netloc, self.query, "")
        if bucket._info().type != pafs.FileType.Directory:
            raise FileNotFoundError(2, "no such bucket", str(bucket))

    def open_input(self) -> io.BufferedReader:
        """The object's bytes, read as a file (seekable); anything but an object (a prefix,
        nothing) is refused as :func:`open_regular` refuses it."""
        try:
            self.stat()
        except IsADirectoryError:
            raise NotRegularFile(self, "a folder") from None
        try:
            native = self.filesystem.open_input_file(self.fs_path)
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self}: {_said(exc)}") from None
        return io.BufferedReader(_NativeRaw(native), 1 << 20)


class _NativeRaw(io.RawIOBase):
    """A pyarrow input file as a Python raw stream (readline, iteration, io.BufferedReader)."""

    def __init__(self, native) -> None:
        super().__init__()
        self._native = native

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._native.seek(offset, whence)

    def tell(self) -> int:
        return self._native.tell()

    def readinto(self, buffer) -> int:
        try:
            data = self._native.read(len(buffer))
        except (OSError, ValueError) as exc:
            raise StoreError(_said(exc)) from None
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._native.close()
        finally:
            super().close()
