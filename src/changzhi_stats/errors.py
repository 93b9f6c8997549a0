"""Exceptions mean "the job could not be done"; bad data is never an exception.

Every exception the package raises on purpose derives from :class:`CzStatsError`,
so a caller can catch one type. The CLI maps ``exit_code`` to its process status.
"""

from __future__ import annotations


class CzStatsError(Exception):
    """Base class: the job could not be done (not: the data is bad)."""

    exit_code = 2


class PackageUnreadable(CzStatsError):
    """The package descriptor could not be read at all, so nothing could be checked."""

    exit_code = 2


class PublishRefused(CzStatsError):
    """Publishing was refused: invalid data, or the version exists or is not newer.

    Nothing was written. ``report`` holds the validation report when the data was the reason.
    """

    exit_code = 1

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class PublishFailed(CzStatsError):
    """Publishing started but could not finish (disk full, permissions); nothing was left behind."""

    exit_code = 2


class UsageError(CzStatsError, ValueError):
    """An API function was called with an argument of the wrong type or value.

    Also a :class:`ValueError`, as a negative ``max_errors`` or an unknown ``lang`` raised before.
    """

    exit_code = 2
