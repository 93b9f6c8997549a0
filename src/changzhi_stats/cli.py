"""``cz-stats``: a thin click layer that parses arguments, calls the API and renders the result."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from changzhi_stats import __version__
from changzhi_stats.errors import CzStatsError, PublishRefused
from changzhi_stats.html_report import html_report
from changzhi_stats.package.limits import OPTIONS, Limits, describe_bytes, parse_size
from changzhi_stats.release.diff import diff as diff_packages
from changzhi_stats.release.publish import publish as publish_package
from changzhi_stats.release.verify import verify as verify_release
from changzhi_stats.report.problems import DEFAULT_MAX_ERRORS
from changzhi_stats.report.progress import TerminalProgress
from changzhi_stats.scaffold import init as scaffold_package
from changzhi_stats.validate import validate as validate_package

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


class _Size(click.ParamType):
    """A byte count: 8G, 512M, 64KiB or a plain number."""

    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            size = parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if size < 1:
            self.fail("must be at least 1 byte", param, ctx)
        return size


_LIMIT_HELP = {
    "descriptor_bytes": "Largest datapackage.json, schema or dialect file (e.g. 64M).",
    "descriptor_depth": "Deepest JSON nesting of a descriptor.",
    "file_bytes": "Largest data file read (e.g. 20G).",
    "rows": "Most data rows read per resource.",
    "columns": "Most columns per resource.",
    "cell_chars": "Longest cell, in characters.",
    "resources": "Most resources in a package.",
}


def _limit_options(function: Callable) -> Callable:
    """``--allow-remote`` and one ``--max-…`` option per limit of :class:`Limits`."""
    defaults = Limits()
    for name in reversed(list(OPTIONS)):
        default = getattr(defaults, name)
        sized = name.endswith("_bytes")
        shown = describe_bytes(default) if sized else f"{default:,}"
        function = click.option(
            OPTIONS[name],
            name,
            type=_Size() if sized else click.IntRange(min=1),
            default=default,
            help=f"{_LIMIT_HELP[name]}  [default: {shown}]",
        )(function)
    return click.option(
        "--allow-remote",
        is_flag=True,
        help="Let resource paths be URLs (not fetched yet: reported as remote-not-supported).",
    )(function)


def _limits(options: dict) -> Limits:
    """Take the limit options out of ``options`` (what is left goes to the API as it is)."""
    return Limits(**{name: options.pop(name) for name in OPTIONS})


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


def _echo(text: str, *, err: bool = False) -> None:
    """Print ``text``; a stdout that cannot be written (``/dev/full``, a closed pipe) is a
    one-line error and exit 2, never a traceback."""
    try:
        click.echo(text, err=err)
        (sys.stderr if err else sys.stdout).flush()
    except OSError as exc:
        _silence_stdout()
        message = f"error: cannot write the output: {exc.strerror or exc}"
        try:
            click.echo(message, err=True)
        except OSError:
            pass
        sys.exit(2)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so what is still buffered for it fails no more at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _write_output(output: str, rendered: str) -> None:
    """``-o FILE``: a folder that does not exist or a full disk is a clean error, exit 2."""
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(rendered + "\n")
    except OSError as exc:
        click.echo(f"error: cannot write {output}: {exc.strerror or exc}", err=True)
        sys.exit(2)


def _close(progress: TerminalProgress | None) -> None:
    if progress is not None:
        progress.close()


@main.command()
@click.argument("datapackage", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="text for people; json (on stdout only) for programs; html: one self-contained page "
    "with the bad cells highlighted (to -o FILE, else stdout).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to this file instead of stdout.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    help="Language of the messages (default: the locale, LC_ALL/LC_MESSAGES/LANG; else en).",
)
@click.option("--strict", is_flag=True, help="Warnings fail validation too.")
@_MAX_ERRORS
@_limit_options
def validate(
    datapackage: str | None,
    fmt: str,
    output: str | None,
    lang: str | None,
    strict: bool,
    max_errors: int,
    **options,
) -> None:
    """Check DATAPACKAGE down to the cell (default: ./datapackage.json when the current
    folder has one, else the bundled Changzhi package); the verdict names the package.

    Exit 0 valid, 1 invalid, 2 the package could not be read at all.
    """
    limits = _limits(options)
    report = _run(
        lambda progress: validate_package(
            datapackage,
            max_errors=max_errors,
            progress=progress,
            limits=limits,
            lang=lang,
            **options,
        )
    )
    if fmt == "json":
        rendered = report.to_json()
    elif fmt == "html":
        rendered = _run(lambda progress: html_report(report))
    else:
        rendered = report.to_text()
    if output:
        _write_output(output, rendered)
    else:
        _echo(rendered)
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
@click.option(
    "--bump",
    type=click.Choice(["auto", "major", "minor", "patch"]),
    help="Publish the next version of the latest release instead of --version; auto: the "
    "bump `cz-stats diff` proposes.",
)
@click.option(
    "--base-url",
    help="URL the releases folder is served from; DCAT-AP download URLs start with it "
    "(relative without it).",
)
@_FORMAT
@_MAX_ERRORS
@_limit_options
def publish(
    datapackage: str | None,
    version: str | None,
    out: str,
    bump: str | None,
    base_url: str | None,
    fmt: str,
    max_errors: int,
    **options,
) -> None:
    """Validate DATAPACKAGE and publish it as an immutable release in OUT/VERSION.

    DATAPACKAGE defaults to ./datapackage.json when the current folder has one, else the
    bundled Changzhi package. Refused: errors, no title or licence, or an OUT that holds
    another package's series.

    Exit 0 published, 1 refused (invalid data, version exists or not newer), 2 unreadable.
    """
    limits = _limits(options)
    release = _run(
        lambda progress: publish_package(
            datapackage,
            version=version,
            out=out,
            max_errors=max_errors,
            progress=progress,
            bump=bump,
            base_url=base_url,
            limits=limits,
            **options,
        )
    )
    if fmt == "json":
        _echo(json.dumps(release.to_dict(), ensure_ascii=False, indent=2))
    else:
        _echo(
            f"published {release.version} of {release.package} to {release.path} "
            f"({len(release.files)} files); "
            f"datapackage.json sha256 {release.datapackage_sha256}"
        )
        if release.report.warning_count:
            click.echo(
                f"{release.report.warning_count} warning(s); see `cz-stats validate`", err=True
            )


@main.command()
@click.argument("old")
@click.argument("new")
@_FORMAT
def diff(old: str, new: str, fmt: str) -> None:
    """Compare OLD and NEW (each a release folder or a package) and propose a version bump.

    Exit 0 no differences, 1 differences found, 2 a side could not be read.
    """
    result = _run(lambda progress: diff_packages(old, new))
    _echo(result.to_json() if fmt == "json" else result.to_text())
    sys.exit(0 if result.identical else 1)


@main.command()
@click.argument("release")
@_FORMAT
def verify(release: str, fmt: str) -> None:
    """Check that the release folder RELEASE is exactly what was published.

    Exit 0 intact, 1 tampered or incomplete (each file and problem named), 2 not a release
    folder at all.
    """
    result = _run(lambda progress: verify_release(release))
    _echo(result.to_json() if fmt == "json" else result.to_text())
    sys.exit(0 if result.intact else 1)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option(
    "--from",
    "observations",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The observations to start from: CSV UTF-8, or .xlsx (its first sheet), with the "
    "model's columns.",
)
@click.option("--region", required=True, help="GB/T 2260 code of the city, e.g. 140400.")
def init(folder: str, observations: str, region: str) -> None:
    """Scaffold a new package in FOLDER from an observations CSV or workbook.

    Writes the descriptor with the model's schemas, the observations, code lists with the codes
    the data uses (the other columns to fill in), the regions, and a README saying what to fill.
    Exit 0 written, 1 refused (FOLDER not empty, observations unreadable).
    """
    path = _run(lambda progress: scaffold_package(folder, observations, region))
    _echo(f"wrote {path}; fill in the blanks listed in {Path(folder) / 'README.md'}")


@main.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the observations CSV to this file instead of stdout.",
)
@click.option(
    "--published",
    help="Day the text was published, YYYY-MM-DD (default: a date in the file name); it dates "
    "stocks and the year of 今年.",
)
@click.option("--region", default="", help="GB/T 2260 code to fill in region_code.")
@click.option("--source-id", help="source_id to fill in (default: the file name as a code).")
def extract(
    source: str, output: str | None, published: str | None, region: str, source_id: str | None
) -> None:
    """Draft observations from the press release SOURCE (UTF-8 text): one row per figure.

    Each row has the figure's clause as source_quote, its value, unit, multiplier, comparator
    and period; indicator_id is left for you to name. The CSV is what `cz-stats init --from`
    takes. Exit 0 written, 2 SOURCE unreadable.
    """
    from changzhi_stats.extract import extract as extract_drafts
    from changzhi_stats.extract import write

    drafts = _run(
        lambda progress: extract_drafts(
            source, published=published, region=region, source_id=source_id
        )
    )
    text = _run(lambda progress: write(drafts, output))
    if output is None:
        _echo(text.removesuffix("\n"))
    click.echo(f"proposed {len(drafts)} observation(s); name each indicator_id", err=True)
