"""``cz-stats``: a thin click layer that parses arguments, calls the API and renders the result."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import click

from . import __version__
from .errors import CzStatsError, PublishRefused
from .progress import TerminalProgress
from .publish import publish as publish_package
from .report import DEFAULT_MAX_ERRORS
from .validate import validate as validate_package

_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json (on stdout only) for programs.",
)
_MAX_ERRORS = click.option(
    "--max-errors",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_ERRORS,
    show_default=True,
    help="List at most this many problems per severity; counts stay exact.",
)


@click.group()
@click.version_option(__version__, prog_name="cz-stats")
def main() -> None:
    """Validate and publish statistical indicator tables as Frictionless Data Packages."""


def _run(action: Callable[[TerminalProgress | None], object]) -> object:
    """Run an API call; "could not do the job" becomes a message and exit code, not a traceback.

    Long runs draw a progress line on stderr when it is a terminal; it is gone before any output.
    """
    progress = TerminalProgress.for_terminal()
    try:
        result = action(progress)
    except PublishRefused as exc:
        _close(progress)
        if exc.report is not None:
            click.echo(exc.report.to_text(), err=True)
        click.echo(f"refused: {exc}", err=True)
        sys.exit(exc.exit_code)
    except CzStatsError as exc:
        _close(progress)
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: say so plainly, keep the exit code contract
        _close(progress)
        click.echo(f"internal error (please report it): {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
    _close(progress)
    return result


def _close(progress: TerminalProgress | None) -> None:
    if progress is not None:
        progress.close()


@main.command()
@click.argument("datapackage", required=False)
@_FORMAT
@click.option("--strict", is_flag=True, help="Warnings fail validation too.")
@_MAX_ERRORS
def validate(datapackage: str | None, fmt: str, strict: bool, max_errors: int) -> None:
    """Check DATAPACKAGE (default: the bundled Changzhi package) down to the cell.

    Exit 0 valid, 1 invalid, 2 the package could not be read at all.
    """
    report = _run(
        lambda progress: validate_package(datapackage, max_errors=max_errors, progress=progress)
    )
    if fmt == "json":
        click.echo(report.to_json())
    else:
        click.echo(report.to_text())
    failed = not report.valid or (strict and report.warning_count > 0)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("datapackage", required=False)
@click.option("--version", "version", help="Release version X.Y.Z (default: the package's).")
@click.option(
    "--out",
    default="releases",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder that holds the releases and index.json.",
)
@_FORMAT
@_MAX_ERRORS
def publish(
    datapackage: str | None, version: str | None, out: str, fmt: str, max_errors: int
) -> None:
    """Validate DATAPACKAGE and publish it as an immutable release in OUT/VERSION.

    Exit 0 published, 1 refused (invalid data, version exists or not newer), 2 unreadable.
    """
    release = _run(
        lambda progress: publish_package(
            datapackage, version=version, out=out, max_errors=max_errors, progress=progress
        )
    )
    if fmt == "json":
        click.echo(json.dumps(release.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(
            f"published {release.version} to {release.path} ({len(release.files)} files); "
            f"datapackage.json sha256 {release.datapackage_sha256}"
        )
        if release.report.warning_count:
            click.echo(
                f"{release.report.warning_count} warning(s); see `cz-stats validate`", err=True
            )
