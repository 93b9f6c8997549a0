"""Compressed resources: a CSV file compressed with gzip, bzip2 or xz, or a zip holding one file.

:func:`open_data` gives a file object that decompresses as it is read, a chunk at a time, so a
compressed table streams like a plain one and nothing holds the whole decompressed file. Every
way a compressed file can be broken (not that format at all, cut short, a bad checksum, an
encrypted zip) comes out as one exception, :class:`CompressionError`, whose message says why
(the caller names the file). It is an :class:`OSError`, so readers that handle an unreadable
file handle it too.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from changzhi_stats.package.paths import open_regular

# the ``compression`` values frictionless-py reads, and what each is called in messages
COMPRESSIONS = {"gz": "gzip", "bz2": "bzip2", "xz": "xz", "zip": "zip"}
CHUNK = 1 << 20

_BROKEN = (EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, RuntimeError, ValueError)


class CompressionError(OSError):
    """A compressed file that cannot be decompressed (the message says why; callers prefix the
    file's name)."""


def compression_of(descriptor: dict, path: str) -> str | None:
    """The resource's compression: declared (``"compression"``), else from the path's suffix.

    ``"no"`` (a deprecated spelling) and an empty value mean none. A declared value that is not
    supported is returned as it is, for the caller to report.
    """
    declared = descriptor.get("compression")
    if declared is not None and declared != "no" and declared != "":
        return str(declared).lower()
    suffix = PurePosixPath(path).suffix.lstrip(".").lower()
    return suffix if suffix in COMPRESSIONS else None


def inner_suffix(path: str, compression: str | None) -> str:
    """The format suffix of the data inside: ``csv`` for ``t.csv.gz``, as for ``t.csv``."""
    pure = PurePosixPath(path)
    if compression and pure.suffix.lstrip(".").lower() == compression:
        pure = pure.with_suffix("")
    return pure.suffix.lstrip(".")


def open_data(
    path: Path, compression: str | None, *, limit: int | None = None, inner: str | None = None
) -> BinaryIO:
    """The data of ``path``, decompressed as it is read (``compression`` None: the file itself).

    ``limit`` bounds the decompressed bytes: reading past it raises :class:`CompressionError`
    (a guard against a small file that decompresses to terabytes). ``inner`` names the member
    of a zip to read; without it the zip must hold exactly one file.
    """
    if compression is None:
        return open_regular(path, "rb")
    if compression not in COMPRESSIONS:
        raise CompressionError(
            f"compression {compression!r} is not supported; cz-stats reads "
            f"{', '.join(COMPRESSIONS)}"
        )
    kind = COMPRESSIONS[compression]
    handle = open_regular(path, "rb")  # a FIFO or a device is refused, never waited on
    try:
        if compression == "gz":
            stream: BinaryIO = gzip.GzipFile(fileobj=handle, mode="rb")
        elif compression == "bz2":
            stream = bz2.BZ2File(handle, "rb")
        elif compression == "xz":
            stream = lzma.LZMAFile(handle, "rb")
        else:
            stream = _zip_member(handle, inner)
    except CompressionError:
        handle.close()
        raise
    except (*_BROKEN, NotImplementedError, OSError) as exc:
        handle.close()
        raise CompressionError(f"not a valid {kind} file: {_why(exc)}") from None
    except BaseException:
        handle.close()
        raise
    return _Decompressing(stream, path.name, kind, limit, handle)


def _zip_member(handle: BinaryIO, inner: str | None) -> BinaryIO:
    archive = zipfile.ZipFile(handle)
    try:
        files = [info for info in archive.infolist() if not info.is_dir()]
        if inner is not None:
            chosen = next((info for info in files if info.filename == inner), None)
            if chosen is None:
                raise CompressionError(f"the zip holds no file {inner!r}")
        elif len(files) != 1:
            names = ", ".join(repr(info.filename) for info in files[:5])
            held = f"{len(files)} files ({names})" if files else "no file"
            raise CompressionError(
                f"the zip holds {held}; cz-stats reads a zip holding one file "
                "(or name it in the resource's 'innerpath')"
            )
        else:
            chosen = files[0]
        member = archive.open(chosen)
    except BaseException:
        archive.close()
        raise
    return _ZipMember(member, archive)


class _ZipMember(io.RawIOBase):
    """A zip member that closes its archive with it."""

    def __init__(self, member: BinaryIO, archive: zipfile.ZipFile) -> None:
        super().__init__()
        self._member, self._archive = member, archive

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._member.read(size)

    def close(self) -> None:
        try:
            self._member.close()
            self._archive.close()
        finally:
            super().close()


class _Decompressing(io.RawIOBase):
    """Reads the decompressed data, turning any decompression failure into CompressionError."""

    def __init__(
        self, stream: BinaryIO, name: str, kind: str, limit: int | None, handle: BinaryIO
    ) -> None:
        super().__init__()
        self._stream, self._name, self._kind, self._limit = stream, name, kind, limit
        self._handle = handle  # the compressed file: the decompressor does not close it
        self._done = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:  # read to the end, a chunk at a time (the limit applies)
            parts = []
            while chunk := self.read(CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        if self._limit is not None:
            size = min(size, self._limit + 1 - self._done)
        try:
            data = self._stream.read(size)
        except CompressionError:
            raise
        except (*_BROKEN, NotImplementedError, OSError) as exc:
            raise CompressionError(
                f"the {self._kind} data is corrupt or cut short: {_why(exc)}"
            ) from None
        self._done += len(data)
        if self._limit is not None and self._done > self._limit:
            from changzhi_stats.package.limits import describe_bytes

            raise CompressionError(
                f"it decompresses to more than {describe_bytes(self._limit)}, the "
                "limit for a data file; raise it with --max-file-bytes or Limits(file_bytes=...)"
            )
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._handle.close()
            super().close()


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
