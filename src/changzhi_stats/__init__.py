"""changzhi-stats: validate and publish open government statistics as Frictionless packages."""

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
