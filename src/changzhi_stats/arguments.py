"""Check the arguments of the public API, so a wrong one is a clear :class:`UsageError`.

Without these checks ``validate(lang=5)`` or ``publish(version=5)`` failed deep inside with an
``AttributeError`` or ``TypeError`` that names no argument. Each checker raises
:class:`~changzhi_stats.errors.UsageError` (a :class:`CzStatsError`, exit code 2) naming the
argument, and returns nothing.
"""

from __future__ import annotations

import os

from changzhi_stats.errors import UsageError
from changzhi_stats.package.limits import Limits


def _given(value: object) -> str:
    shown = repr(value)
    return f"{type(value).__name__} {shown[:60] + '…' if len(shown) > 60 else shown}"


def path(name: str, value: object, *, optional: bool = False) -> None:
    """A path: a str or an os.PathLike (None when ``optional``)."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, str | os.PathLike):
        raise UsageError(f"{name} must be a path (str or pathlib.Path), not {_given(value)}")


def text(name: str, value: object, *, optional: bool = True) -> None:
    """A str (None when ``optional``)."""
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise UsageError(f"{name} must be a string, not {_given(value)}")


def whole(name: str, value: object, *, minimum: int = 0) -> None:
    """A whole number (not a bool) of ``minimum`` or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(f"{name} must be a whole number of {minimum} or more, not {_given(value)}")


def flag(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise UsageError(f"{name} must be True or False, not {_given(value)}")


def function(name: str, value: object) -> None:
    """A callable, or None."""
    if value is not None and not callable(value):
        raise UsageError(f"{name} must be a function or None, not {_given(value)}")


def limits(value: object) -> None:
    if value is not None and not isinstance(value, Limits):
        raise UsageError(f"limits must be a changzhi_stats.Limits or None, not {_given(value)}")


def lang(value: object) -> None:
    """None (the locale), or a language tag starting with en or zh."""
    if value is None:
        return
    text("lang", value)
    assert isinstance(value, str)
    if not value.strip().lower().startswith(("en", "zh")):
        raise UsageError(f"unknown language {value[:20]!r}: use 'en' or 'zh'")


def check_validate(
    source: object,
    *,
    max_errors: object,
    progress: object,
    limits_: object,
    allow_remote: object,
    lang_: object,
) -> None:
    """The arguments of :func:`changzhi_stats.validate` (publish takes the same, and more)."""
    path("source", source, optional=True)
    whole("max_errors", max_errors)
    function("progress", progress)
    limits(limits_)
    flag("allow_remote", allow_remote)
    lang(lang_)


def check_publish(
    source: object,
    *,
    version: object,
    out: object,
    created: object,
    max_errors: object,
    progress: object,
    bump: object,
    base_url: object,
    limits_: object,
    allow_remote: object,
) -> None:
    """The arguments of :func:`changzhi_stats.release.publish`."""
    check_validate(
        source,
        max_errors=max_errors,
        progress=progress,
        limits_=limits_,
        allow_remote=allow_remote,
        lang_=None,
    )
    text("version", version)
    path("out", out)
    text("created", created)
    text("bump", bump)
    text("base_url", base_url)


def check_paths(**values: object) -> None:
    """Required path arguments: ``diff(old, new)``, ``verify(release)``."""
    for name, value in values.items():
        path(name, value)


def check_report(report: object, package_path: object) -> None:
    """The arguments of :func:`changzhi_stats.html_report`."""
    from changzhi_stats.report.problems import Report

    if not isinstance(report, Report):
        raise UsageError(f"report must be a changzhi_stats.Report, not {_given(report)}")
    path("package_path", package_path, optional=True)
