"""changzhi-stats: validate and publish open government statistics as Frictionless packages.

The public names are imported when first used (PEP 562): ``import changzhi_stats`` stays cheap,
and a command pays only for what it runs (polars, frictionless-py and the release writers take
most of a small run's time to import).
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for type checkers and readers; at run time see _WHERE
    from changzhi_stats.errors import (
        CzStatsError,
        PackageUnreadable,
        PublishFailed,
        PublishRefused,
        UsageError,
    )
    from changzhi_stats.extract import extract
    from changzhi_stats.html_report import html_report
    from changzhi_stats.package.limits import Limits
    from changzhi_stats.pandera_schema import pandera_schema
    from changzhi_stats.release.diff import Diff, diff
    from changzhi_stats.release.publish import Release, publish
    from changzhi_stats.release.verify import Verification, verify
    from changzhi_stats.report.problems import Problem, Report
    from changzhi_stats.validate import validate

# public name: the module that defines it
_WHERE = {
    "CzStatsError": "changzhi_stats.errors",
    "PackageUnreadable": "changzhi_stats.errors",
    "PublishFailed": "changzhi_stats.errors",
    "PublishRefused": "changzhi_stats.errors",
    "UsageError": "changzhi_stats.errors",
    "extract": "changzhi_stats.extract",
    "html_report": "changzhi_stats.html_report",
    "Limits": "changzhi_stats.package.limits",
    "pandera_schema": "changzhi_stats.pandera_schema",
    "Diff": "changzhi_stats.release.diff",
    "diff": "changzhi_stats.release.diff",
    "Release": "changzhi_stats.release.publish",
    "publish": "changzhi_stats.release.publish",
    "Verification": "changzhi_stats.release.verify",
    "verify": "changzhi_stats.release.verify",
    "Problem": "changzhi_stats.report.problems",
    "Report": "changzhi_stats.report.problems",
    "validate": "changzhi_stats.validate",
}


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'changzhi_stats' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # once found, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


class _Package(ModuleType):
    """``changzhi_stats.validate`` is the function even once the module of the same name is
    imported (the import system then sets the module as the package's attribute): as before,
    when this file imported every public name eagerly."""

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, ModuleType) and _WHERE.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "CzStatsError",
    "Diff",
    "Limits",
    "PackageUnreadable",
    "Problem",
    "PublishFailed",
    "PublishRefused",
    "Release",
    "Report",
    "UsageError",
    "Verification",
    "diff",
    "extract",
    "html_report",
    "pandera_schema",
    "publish",
    "validate",
    "verify",
]
__version__ = "0.1.0"
