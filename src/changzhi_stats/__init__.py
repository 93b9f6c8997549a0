"""changzhi-stats: validate and publish open government statistics as Frictionless packages."""

from .diff import Diff, diff
from .errors import CzStatsError, PackageUnreadable, PublishFailed, PublishRefused, UsageError
from .extract import extract
from .htmlreport import html_report
from .limits import Limits
from .publish import Release, publish
from .report import Problem, Report
from .validate import validate
from .verify import Verification, verify

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
    "publish",
    "validate",
    "verify",
]
__version__ = "0.1.0"
