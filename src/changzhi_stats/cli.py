"""``cz-stats``: a thin click layer that parses arguments, calls the API and renders the result."""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from changzhi_stats import __version__
from changzhi_stats.errors import CzStatsError, PublishRefused
from changzhi_stats.package.limits import OPTIONS, Limits, describe_bytes, parse_size
from changzhi_stats.report.cli_messages import ClickTranslations, message
from changzhi_stats.report.i18n import resolve
from changzhi_stats.report.problems import DEFAULT_MAX_ERRORS
from changzhi_stats.report.progress import TerminalProgress

# Each command imports what it needs when it runs (polars, frictionless-py and the release
# writers take most of a small run's time to import): `cz-stats --help` or `verify` never pay
# for the validation engine.

# Help texts are drawn in the locale's language when this module is imported; each run then
# puts them (and click's own words) in its language: --lang if given, else the locale.
_HELP_LANG = resolve(None)
_HELPS: dict[str, Callable[[str], str]] = {}  # a help text in either language -> its renderer


def _helped(render: Callable[[str], str]) -> str:
    """A help text, kept so that a run in the other language can show it in that one."""
    for lang in ("en", "zh"):
        _HELPS[render(lang)] = render
    return render(_HELP_LANG)


def _h(key: str, **values: object) -> str:
    return _helped(lambda lang: message(key, lang, **values))


_LANG = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    help=_h("help.lang"),
)

_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help=_h("help.format"),
)
_MAX_ERRORS = click.option(
    "--max-errors",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_ERRORS,
    show_default=True,
    help=_h("help.max_errors"),
)


def _engine_options(function: Callable) -> Callable:
    """``--engine`` and ``--spark-master``: passed to the API as they are."""
    function = click.option("--spark-master", metavar="URL", help=_h("help.spark_master"))(function)
    return click.option(
        "--engine",
        type=click.Choice(["polars", "spark"]),
        default="polars",
        show_default=True,
        help=_h("help.engine"),
    )(function)


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
            self.fail(message("size-too-small", _run_lang), param, ctx)
        return size


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
            help=_helped(
                lambda lang, name=name, shown=shown: (
                    f"{message('help.limit.' + name, lang)}  "
                    f"{message('help.default', lang, shown=shown)}"
                )
            ),
        )(function)
    return click.option(
        "--allow-remote",
        is_flag=True,
        help=_h("help.allow_remote"),
    )(function)


def _limits(options: dict) -> Limits:
    """Take the limit options out of ``options`` (what is left goes to the API as it is)."""
    return Limits(**{name: options.pop(name) for name in OPTIONS})


def _asked_lang(args: list[str]) -> str:
    """The run's language, read before click parses (``--help`` is drawn before ``--lang``
    is): the last ``--lang zh|en`` before ``--``, else the locale."""
    asked = None
    for at, arg in enumerate(args):
        if arg == "--":
            break
        value = args[at + 1] if arg == "--lang" and at + 1 < len(args) else None
        value = arg.removeprefix("--lang=") if arg.startswith("--lang=") else value
        if value in ("zh", "en"):
            asked = value
    return resolve(asked)


_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types")


@contextlib.contextmanager
def _click_speaks(lang: str) -> Iterator[None]:
    """click's own words ("Usage:", "Options", "[required]", its usage errors) in ``lang``.

    click builds each with ``_()``/``ngettext()`` (gettext) in its own modules, some when an
    error is raised, so they are translated where they are made: for a Chinese run those two
    names point at a :class:`ClickTranslations` and are put back after. English runs are left
    alone (byte-identical)."""
    if lang != "zh":
        yield
        return
    zh = ClickTranslations()
    saved = []
    for name in _CLICK_MODULES:
        module = sys.modules[f"click.{name}"]
        for attr, said in (("_", zh.gettext), ("ngettext", zh.ngettext)):
            if hasattr(module, attr):
                saved.append((module, attr, getattr(module, attr)))
                setattr(module, attr, said)
    try:
        yield
    finally:
        for module, attr, original in saved:
            setattr(module, attr, original)


class _Command(click.Command):
    """A command whose help option says its text in the run's language."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = message("help.help", _run_lang)
        return option


class _Group(_Command, click.Group):
    """``cz-stats``: each run's help texts and click's own words are in the run's language."""

    command_class = _Command

    def main(self, args=None, *more, **options):  # type: ignore[override]
        global _run_lang
        _run_lang = _asked_lang([str(arg) for arg in (sys.argv[1:] if args is None else args)])
        for command in (self, *self.commands.values()):
            if command.help in _HELPS:
                command.help = _HELPS[command.help](_run_lang)
            for param in command.params:
                if command is self and param.name == "version":  # click's --version
                    param.help = message("help.version", _run_lang)  # type: ignore[attr-defined]
                elif getattr(param, "help", None) in _HELPS:
                    param.help = _HELPS[param.help](_run_lang)  # type: ignore[attr-defined]
        with _click_speaks(_run_lang):
            return super().main(args, *more, **options)


_run_lang = _HELP_LANG


@click.group(cls=_Group, help=_h("help.main"))
@click.version_option(__version__, prog_name="cz-stats")
@click.option("--lang", type=click.Choice(["zh", "en"]), hidden=True)
@click.pass_context
def main(ctx: click.Context, lang: str | None) -> None:
    _tune_collections()
    if lang is not None:  # `cz-stats --lang zh CMD`: the command's --lang, unless it has one
        ctx.default_map = {name: {"lang": lang} for name in ctx.command.commands}


GC_THRESHOLD = (10_000, 10, 10)  # Python's default, (700, 10, 10), collected 190 times a run


def _tune_collections() -> None:
    """The cyclic garbage collector, set for a command that imports much and ends soon.

    Importing polars, pyarrow and frictionless-py makes hundreds of thousands of objects, and
    the default threshold collected ~190 times on a small package (~0.1 s of CPU); at a higher
    one it collects ~13 times (the data itself lives in Arrow buffers, outside the collector).
    At exit, the interpreter's last collections walk every object the imports made: ~0.2 s,
    for memory the OS takes back anyway. Frozen objects are left out of them; Python does not
    promise to finalise objects still alive at exit, and nothing here relies on it (files are
    closed by ``with``, threads are joined before atexit runs)."""
    gc.set_threshold(*GC_THRESHOLD)
    if not getattr(_tune_collections, "registered", False):
        atexit.register(gc.freeze)
        _tune_collections.registered = True  # type: ignore[attr-defined]


def _run(action: Callable[[TerminalProgress | None], object], lang: str = "en") -> object:
    """Run an API call; "could not do the job" becomes a message and exit code, not a traceback.

    Long runs draw a progress line on stderr when it is a terminal; it is gone before any output.
    """
    progress = TerminalProgress.for_terminal(lang)
    try:
        result = action(progress)
    except PublishRefused as exc:
        _close(progress)
        if exc.report is not None:
            click.echo(exc.report.to_text(), err=True)
        click.echo(message("refused", lang, message=exc), err=True)
        sys.exit(exc.exit_code)
    except CzStatsError as exc:
        _close(progress)
        click.echo(message("error", lang, message=exc), err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: say so plainly, keep the exit code contract
        _close(progress)
        click.echo(message("internal", lang, kind=type(exc).__name__, message=exc), err=True)
        sys.exit(2)
    _close(progress)
    return result


def _lang(lang: str | None) -> str:
    """The language of a command's output: ``--lang``, else the locale, else English."""
    return resolve(lang)


def _echo(text: str, *, err: bool = False, lang: str = "en") -> None:
    """Print ``text``; a stdout that cannot be written (``/dev/full``, a closed pipe) is a
    one-line error and exit 2, never a traceback."""
    try:
        click.echo(text, err=err)
        (sys.stderr if err else sys.stdout).flush()
    except OSError as exc:
        _silence_stdout()
        said = message("cannot-write-output", lang, why=exc.strerror or exc)
        try:
            click.echo(said, err=True)
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


def _write_output(output: str, rendered: str, lang: str = "en") -> None:
    """``-o FILE``: a folder that does not exist or a full disk is a clean error, exit 2."""
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(rendered + "\n")
    except OSError as exc:
        click.echo(message("cannot-write", lang, path=output, why=exc.strerror or exc), err=True)
        sys.exit(2)


def _close(progress: TerminalProgress | None) -> None:
    if progress is not None:
        progress.close()


@main.command(help=_h("help.validate"))
@click.argument("datapackage", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help=_h("help.format_html"),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help=_h("help.output"),
)
@_LANG
@click.option("--strict", is_flag=True, help=_h("help.strict"))
@click.option("--watch", is_flag=True, help=_h("help.watch"))
@_MAX_ERRORS
@_limit_options
@_engine_options
@click.option(
    "--failures",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help=_h("help.failures"),
)
def validate(
    datapackage: str | None,
    fmt: str,
    output: str | None,
    lang: str | None,
    strict: bool,
    watch: bool,
    max_errors: int,
    **options,
) -> None:
    limits = _limits(options)
    said = _lang(lang)

    def check() -> int:
        from changzhi_stats.validate import validate as validate_package

        report = _run(
            lambda progress: validate_package(
                datapackage,
                max_errors=max_errors,
                progress=progress,
                limits=limits,
                lang=said,
                **options,
            ),
            said,
        )
        if fmt == "json":
            rendered = report.to_json()
        elif fmt == "html":
            from changzhi_stats.html_report import html_report

            rendered = _run(lambda progress: html_report(report), said)
        else:
            rendered = report.to_text()
        if output:
            _write_output(output, rendered, said)
            from changzhi_stats.html_report import written

            click.echo(written(report, output))  # the verdict, and where the report is
        else:
            _echo(rendered, lang=said)
        failed = not report.valid or (strict and report.warning_count > 0)
        return 1 if failed else 0

    if watch:
        # once a second; tests look more often (CZ_STATS_WATCH_INTERVAL, in seconds)
        interval = float(os.environ.get("CZ_STATS_WATCH_INTERVAL") or 1.0)
        _watch(check, datapackage, said, max(interval, 0.05))
    sys.exit(check())


def _watched_files(datapackage: str | None) -> dict[str, int]:
    """The modification times of the descriptor and the files of its folder (not hidden ones)."""
    if datapackage is None:
        from changzhi_stats.package.descriptor import bundled_package_path

        descriptor = Path(bundled_package_path())
    else:
        descriptor = Path(datapackage)
    root = descriptor.parent if descriptor.suffix else descriptor
    stamps: dict[str, int] = {}
    for path in [descriptor, *sorted(root.rglob("*"))][:10_000]:
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        if path.is_file():
            stamps[str(path)] = stat.st_mtime_ns ^ stat.st_size
    return stamps


def _watch(check: Callable[[], int], datapackage: str | None, lang: str, interval: float):
    """Check, then check again whenever a file changes; Ctrl-C ends it with exit 0."""
    seen = _watched_files(datapackage)
    shown = datapackage or "datapackage.json"
    try:
        click.echo(message("watch-start", lang, path=shown), err=True)
        while True:
            try:
                check()
            except SystemExit:  # a package that cannot be read is said; keep watching
                pass
            while True:
                time.sleep(interval)
                now = _watched_files(datapackage)
                if now != seen:
                    changed = sorted(set(now.items()) ^ set(seen.items()))
                    seen = now
                    click.echo(message("watch-changed", lang, path=changed[0][0]), err=True)
                    break
    except KeyboardInterrupt:
        click.echo(message("watch-stopped", lang), err=True)
        sys.exit(0)


@main.command(help=_h("help.publish"))
@click.argument("datapackage", required=False)
@click.option("--version", "version", help=_h("help.publish.version"))
@click.option(
    "--out",
    default="releases",
    show_default=True,
    type=click.Path(file_okay=False),
    help=_h("help.publish.out"),
)
@click.option(
    "--bump",
    type=click.Choice(["auto", "major", "minor", "patch"]),
    help=_h("help.publish.bump"),
)
@click.option("--base-url", help=_h("help.publish.base_url"))
@click.option("--partition-by", metavar="FIELD", help=_h("help.publish.partition_by"))
@click.option("--to", "ckan_url", metavar="URL", help=_h("help.publish.to"))
@click.option("--token-file", type=click.Path(dir_okay=False), help=_h("help.push.token_file"))
@click.option("--owner-org", help=_h("help.push.owner_org"))
@click.option("--datastore", is_flag=True, help=_h("help.push.datastore"))
@_FORMAT
@_LANG
@_MAX_ERRORS
@_limit_options
@_engine_options
def publish(
    datapackage: str | None,
    version: str | None,
    out: str,
    bump: str | None,
    base_url: str | None,
    partition_by: str | None,
    ckan_url: str | None,
    token_file: str | None,
    owner_org: str | None,
    datastore: bool,
    fmt: str,
    lang: str | None,
    max_errors: int,
    **options,
) -> None:
    from changzhi_stats.release.publish import publish as publish_package

    limits = _limits(options)
    said = _lang(lang)
    token = None
    if ckan_url is not None:  # a bad URL or no token: said before anything is published
        from changzhi_stats.release import ckan

        token = _run(lambda progress: ckan.read_token(token_file, url=ckan_url), said)
    elif token_file or owner_org or datastore:
        raise click.UsageError(message("usage.push-options", said))
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
            partition_by=partition_by,
            **options,
        ),
        said,
    )
    if fmt == "json":
        _echo(json.dumps(release.to_dict(), ensure_ascii=False, indent=2), lang=said)
    else:
        _echo(
            message(
                "published",
                said,
                version=release.version,
                path=release.path,
                files=len(release.files),
                sha256=release.datapackage_sha256,
                package=release.package,
            ),
            lang=said,
        )
        if release.report.warning_count:
            click.echo(
                message("published-warnings", said, count=release.report.warning_count),
                err=True,
            )
    if ckan_url is not None:
        pushed = _run(
            lambda progress: ckan.push_published(
                release, ckan_url, token, owner_org=owner_org, datastore=datastore
            ),
            said,
        )
        _echo(pushed.to_text(said), err=fmt == "json", lang=said)


@main.command(help=_h("help.diff"))
@click.argument("old")
@click.argument("new")
@_FORMAT
@_LANG
def diff(old: str, new: str, fmt: str, lang: str | None) -> None:
    from changzhi_stats.release.diff import diff as diff_packages

    said = _lang(lang)
    result = _run(lambda progress: diff_packages(old, new), said)
    if fmt == "json":
        text = result.to_json()
    else:
        text = _diff_text_zh(result) if said == "zh" else result.to_text()
    _echo(text, lang=said)
    sys.exit(0 if result.identical else 1)


def _diff_text_zh(result) -> str:
    """``Diff.to_text`` in Chinese (the values, codes and field names are the data's own)."""
    from changzhi_stats.release import diff as d

    zh = "zh"
    lines = [
        message("diff.old", zh, side=d._side_text(result.old)),
        message("diff.new", zh, side=d._side_text(result.new)),
    ]
    for name, table in result.tables.items():
        if table.empty:
            continue
        lines.append(
            message(
                "diff.table",
                zh,
                name=name,
                added=len(table.added),
                removed=len(table.removed),
                revised=len(table.revised),
            )
        )
        for sign, rows in (("+", table.added), ("-", table.removed)):
            for row in rows[: d.TEXT_LIMIT]:
                lines.append(f"  {sign} {d._row_text(row, table.key)}")
            if len(rows) > d.TEXT_LIMIT:
                more = message("diff.more", zh, count=len(rows) - d.TEXT_LIMIT)
                lines.append(f"  {sign} {more}")
        for change in table.revised[: d.TEXT_LIMIT]:
            what = "；".join(
                f"{f}：{d._cell(c['old'])} -> {d._cell(c['new'])}"
                for f, c in change["changes"].items()
            )
            lines.append(f"  ~ {d._key_text(change['key'])}：{what}")
        if len(table.revised) > d.TEXT_LIMIT:
            lines.append(f"  ~ {message('diff.more', zh, count=len(table.revised) - d.TEXT_LIMIT)}")
    for change in result.schema:
        flag = message("diff.breaking", zh) if change["breaking"] else ""
        lines.append(message("diff.schema", zh, change=d._schema_text(change)) + flag)
    for change in result.metadata:
        lines.append(
            message(
                "diff.metadata",
                zh,
                path=change["path"],
                old=d._short(change["old"]),
                new=d._short(change["new"]),
            )
        )
    if result.identical:
        lines.append(message("diff.identical", zh))
    elif result.bump:
        to = result.proposed_version
        shown = f"（{result.old.version} -> {to}）" if to else ""
        lines.append(message("diff.bump", zh, bump=result.bump, shown=shown))
    return "\n".join(lines)


@main.command(help=_h("help.verify"))
@click.argument("release")
@_FORMAT
@_LANG
def verify(release: str, fmt: str, lang: str | None) -> None:
    from changzhi_stats.release.verify import verify as verify_release

    said = _lang(lang)
    result = _run(lambda progress: verify_release(release), said)
    if fmt == "json":
        text = result.to_json()
    elif said == "zh":
        lines = [f"{f.file}：{f.problem}：{f.detail}" for f in result.findings]
        key = "verify.intact" if result.intact else "verify.broken"
        lines.append(
            message(key, said, path=result.path, files=result.files, problems=len(result.findings))
        )
        text = "\n".join(lines)
    else:
        text = result.to_text()
    _echo(text, lang=said)
    sys.exit(0 if result.intact else 1)


@main.command(help=_h("help.init"))
@click.argument("folder", type=click.Path(file_okay=False))
@click.option(
    "--from",
    "observations",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help=_h("help.init.from.any"),
)
@click.option("--region", required=True, help=_h("help.init.region"))
@_LANG
def init(folder: str, observations: str | None, region: str, lang: str | None) -> None:
    from changzhi_stats.scaffold import init as scaffold_package

    said = _lang(lang)

    def note(text: str) -> None:
        _echo(text, err=True, lang=said)

    path = _run(
        lambda progress: scaffold_package(folder, observations, region, lang=said, say=note), said
    )
    readme = Path(folder) / "README.md"
    _echo(message("init-wrote", said, path=path, readme=readme), lang=said)


@main.command(help=_h("help.extract"))
@click.argument("source", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help=_h("help.extract.output"),
)
@click.option("--published", help=_h("help.extract.published"))
@click.option("--region", default="", help=_h("help.extract.region"))
@click.option("--source-id", help=_h("help.extract.source_id"))
@_LANG
def extract(
    source: str,
    output: str | None,
    published: str | None,
    region: str,
    source_id: str | None,
    lang: str | None,
) -> None:
    from changzhi_stats.extract import extract as extract_drafts
    from changzhi_stats.extract import write

    said = _lang(lang)
    drafts = _run(
        lambda progress: extract_drafts(
            source, published=published, region=region, source_id=source_id
        ),
        said,
    )
    text = _run(lambda progress: write(drafts, output), said)
    if output is None:
        _echo(text.removesuffix("\n"), lang=said)
    click.echo(message("extract-proposed", said, count=len(drafts)), err=True)


@main.command(help=_h("help.push"))
@click.argument("release", type=click.Path(file_okay=False))
@click.option("--to", "url", required=True, metavar="URL", help=_h("help.push.to"))
@click.option("--token-file", type=click.Path(dir_okay=False), help=_h("help.push.token_file"))
@click.option("--owner-org", help=_h("help.push.owner_org"))
@click.option("--name", help=_h("help.push.name"))
@click.option("--datastore", is_flag=True, help=_h("help.push.datastore"))
@_LANG
def push(
    release: str,
    url: str,
    token_file: str | None,
    owner_org: str | None,
    name: str | None,
    datastore: bool,
    lang: str | None,
) -> None:
    from changzhi_stats.release.ckan import push as push_release
    from changzhi_stats.release.ckan import read_token

    said = _lang(lang)
    token = _run(lambda progress: read_token(token_file), said)
    result = _run(
        lambda progress: push_release(
            release, url, token, owner_org=owner_org, name=name, datastore=datastore
        ),
        said,
    )
    _echo(result.to_text(said), lang=said)


if __name__ == "__main__":
    main()
