"""changzhi-stats: validate and publish open government statistics as Frictionless packages."""

from .errors import CzStatsError, PackageUnreadable, PublishFailed, PublishRefused
from .publish import Release, publish
from .report import Problem, Report
from .validate import validate

__all__ = [
    "CzStatsError",
    "PackageUnreadable",
    "Problem",
    "PublishFailed",
    "PublishRefused",
    "Release",
    "Report",
    "publish",
    "validate",
]
__version__ = "0.1.0"
