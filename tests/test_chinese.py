"""Chinese throughout: every check message, every CLI text and the common free-text reasons
exist in Chinese, with no English words left (codes, field names, values, options, file names
and placeholders' values aside), and every command takes --lang."""

from __future__ import annotations

import re
import string
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import changzhi_stats as cz
from changzhi_stats.cli import main
from changzhi_stats.report import free_text, i18n
from changzhi_stats.report.catalogue import CHECKS
from changzhi_stats.report.cli_messages import MESSAGES, message
from changzhi_stats.report.progress import TerminalProgress

# Words that stay as they are in a Chinese text: names of standards, tools, formats and the
# values a user types (an option's choices).
KEPT = {
    "cz",
    "stats",
    "frictionless",
    "table",
    "schema",
    "geojson",
    "json",
    "text",
    "html",
    "auto",
    "major",
    "minor",
    "patch",
    "en",
    "zh",
    "sha",
    "ctrl",
    "excel",
    "limits",
    "nan",
    "inf",
    "zip",
    "spark",
    "windows",
    "macos",
}

NOT_WORDS = [
    re.compile(r"`[^`]*`"),  # a command or code quoted
    re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*"),  # an option
    re.compile(r"\b\w+\([^)]*\)"),  # an API call: Limits(rows=...)
    re.compile(r"(?<!\w)\.[a-z]+\b"),  # a file extension
    re.compile(r"\{[^}]*\}"),  # a placeholder
    re.compile(r"\b[\w.-]+\.(?:json|md|csv|xlsx|html)\b"),  # a file name
    re.compile(r"\b[a-z0-9]+(?:[-_][a-z0-9]+)+\b"),  # a check code or a field name
    re.compile(r"\b[A-Z][A-Z0-9_/-]*\b"),  # DATAPACKAGE, UTF-8, YYYY-MM-DD, MB, DCAT-AP
    re.compile(r"\b[A-Z][a-z]*[A-Z][\w]*\b"),  # GeoJSON, CamelCase names
    re.compile(r"'[^']*'"),  # a value quoted
    re.compile(r"\bQn\b"),
]


CLI = "from changzhi_stats.cli import main; main()"


def english_words(text: str) -> list[str]:
    """The words of ``text`` that are English prose (what a Chinese text must not hold)."""
    for pattern in NOT_WORDS:
        text = pattern.sub(" ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() not in KEPT]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_detector_finds_english() -> None:
    found = english_words("类型不符：'93%' is not a valid number")
    assert found == ["is", "not", "valid", "number"]
    assert english_words("已校验 {rows} 行；用 --max-errors、`cz-stats diff` 与 region_code") == []


@pytest.mark.parametrize("code", sorted(CHECKS))
def test_every_check_has_a_chinese_title_and_message(code: str) -> None:
    assert code in i18n.ZH, f"{code}: no Chinese title and message in report/i18n.py"
    title, template = i18n.ZH[code]
    assert placeholders(template) <= placeholders(CHECKS[code].template) | {"note"}, code
    params = {name.split("!")[0]: "X1" for name in placeholders(CHECKS[code].template)}
    rendered = i18n.render(code, params, "zh")
    assert english_words(title) == [], (code, title)
    assert english_words(rendered) == [], (code, rendered)


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_cli_message_has_chinese(key: str) -> None:
    en, zh = MESSAGES[key]
    assert placeholders(en) == placeholders(zh), key
    values = {name: "1" for name in placeholders(en)}
    assert english_words(message(key, "zh", **values)) == [], (key, zh)
    assert re.search(r"[\u4e00-\u9fff]", zh), key


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("'93%' is not a valid number", "'93%' 不是有效的数值"),
        (
            "'１２' is not a valid integer; it uses full-width characters: write ASCII digits 0-9 "
            "and '.'",
            "'１２' 不是有效的整数；使用了全角字符：请写半角数字 0-9 和 '.'",
        ),
        ("'x' is not a valid date in format '%Y'", "'x' 不是有效的日期（格式 '%Y'）"),
        (
            "'1,5' is not a valid number; use '.' as the decimal mark and no thousands separator",
            None,
        ),
        ("' 3' is not a valid number; it has spaces around it", None),
        ("'inf' is not a valid number; Table Schema spells these NaN, INF and -INF", None),
        ("2024-02-30 is not a real calendar period", "2024-02-30 不是真实的日历时期"),
        ("START and END of an interval must have the same granularity", None),
        ("a cumulative interval must lie within one year", None),
        ("START must not be after END", None),
        ("value 12.5 is not a figure of its quote", "数值 12.5 不是引文中的数字"),
        ("no figure could be read in the quote, so value 3 was not checked against it", None),
        ("row 1,001 and the rows after it were not read", "第 1,001 行及其后各行未读取"),
        ("it was not read", "未读取"),
        ("the resource was not read", None),
        ("the workbook was not read", None),
        (
            "raise it with --max-rows or Limits(rows=...)",
            "可用 --max-rows 或 Limits(rows=...) 调高上限",
        ),
    ],
)
def test_the_common_reasons_built_in_code_are_translated(english: str, chinese: str | None) -> None:
    translated = free_text.to_zh(english)
    assert english_words(translated) == [], translated
    if chinese is not None:
        assert translated == chinese


def test_a_type_error_reads_in_chinese_end_to_end() -> None:
    params = {"why": "'93%' is not a valid number"}
    assert i18n.render("type-error", params, "zh") == "类型不符：'93%' 不是有效的数值"
    assert i18n.render("type-error", params, "en").endswith("'93%' is not a valid number")


def test_an_unknown_clause_is_kept_not_garbled() -> None:
    assert free_text.to_zh("'x' is not a valid number; something new") == (
        "'x' 不是有效的数值；something new"
    )


def test_every_command_takes_lang() -> None:
    for name, command in main.commands.items():
        options = {opt for p in command.params if isinstance(p, click.Option) for opt in p.opts}
        assert "--lang" in options, name


def test_help_follows_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --lang, the help follows LC_ALL/LC_MESSAGES/LANG."""
    import subprocess
    import sys

    env = {"LC_ALL": "zh_CN.UTF-8", "PYTHONPATH": ":".join(sys.path)}
    for command in ([], ["validate"], ["publish"], ["diff"], ["verify"], ["init"], ["extract"]):
        shown = subprocess.run(
            [
                sys.executable,
                "-c",
                "from changzhi_stats.cli import main; main()",
                *command,
                "--help",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert shown.returncode == 0, shown.stderr
        descriptions = [
            line for line in shown.stdout.splitlines() if re.search(r"[\u4e00-\u9fff]", line)
        ]
        assert descriptions, (command, shown.stdout)


def test_the_progress_line_in_chinese() -> None:
    import io

    stream = io.StringIO()
    progress = TerminalProgress(stream, interval=0, lang="zh")
    progress(1200, 50, 100)
    line = stream.getvalue()
    assert "已校验 1,200 行" in line and "约剩" in line
    assert english_words(line.replace("\x1b[K", "")) == []


def test_verify_and_diff_speak_chinese(tmp_path) -> None:
    runner = CliRunner()
    out = tmp_path / "releases"
    published = runner.invoke(
        main, ["publish", "--version", "1.0.0", "--out", str(out), "--lang", "zh"]
    )
    assert published.exit_code == 0, published.output
    assert published.stdout.startswith("已发布 1.0.0")
    verified = runner.invoke(main, ["verify", str(out / "1.0.0"), "--lang", "zh"])
    assert verified.exit_code == 0, verified.output
    assert "完好：已核对" in verified.stdout
    assert english_words(verified.stdout.replace(str(out / "1.0.0"), "")) == []
    compared = runner.invoke(main, ["diff", str(out / "1.0.0"), str(out / "1.0.0"), "--lang", "zh"])
    assert compared.exit_code == 0, compared.output
    assert "没有差异" in compared.stdout


def test_errors_are_said_in_chinese(tmp_path) -> None:
    result = CliRunner().invoke(main, ["verify", str(tmp_path / "nowhere"), "--lang", "zh"])
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：")


# --- issue 14: the free texts of real findings and the texts of exceptions, in Chinese --------

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _without_values(problem) -> str:
    """The message without what the finding was made of (values, names, paths, figures)."""
    text = problem.message
    shown = [problem.value, problem.field, problem.resource]
    shown += [v for k, v in (problem.params or {}).items() if k not in free_text.FREE]
    for value in sorted((str(v) for v in shown if v not in (None, "")), key=len, reverse=True):
        text = text.replace(value, " ")
    return re.sub(r"\S*/\S*", " ", text)  # paths


@pytest.mark.parametrize(
    "name", sorted(p.name for p in FIXTURES.iterdir() if (p / "datapackage.json").is_file())
)
def test_the_findings_of_every_fixture_read_in_chinese(name: str) -> None:
    report = cz.validate(FIXTURES / name, lang="zh")
    for problem in report.errors + report.warnings:
        assert english_words(_without_values(problem)) == [], (problem.check, problem.message)


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("/p/datapackage.json: no such file", "/p/datapackage.json：文件不存在"),
        ("/p: is a folder, not a package descriptor", "/p：是文件夹，不是数据包描述文件"),
        (
            "/p/datapackage.json: cannot read package descriptor: Permission denied",
            "/p/datapackage.json：无法读取 数据包描述文件：权限不足",
        ),
        ("/r/1.0.0 exists; a published version is never changed", None),
        ("nothing changed since release 1.2.0; nothing to publish", None),
        (
            "/p/datapackage.json: not published: 3 error(s); run `cz-stats validate` to see them",
            None,
        ),
        ("version 1.0.0 is not newer than the latest release 1.2.0", None),
        ("give a version or a bump, not both", None),
        ("bump 'huge' is not one of auto, major, minor, patch", None),
        ("/r: no such release folder", "/r：发布版本文件夹不存在"),
        ("/p/x.csv: not a regular file (FIFO); only regular files are read", None),
        ("/p: remote packages are not read; download it and validate the local copy", None),
        ("unknown language 'fr': use 'en' or 'zh'", None),
    ],
)
def test_the_texts_of_exceptions_are_translated(english: str, chinese: str | None) -> None:
    translated = free_text.error_zh(english)
    assert english_words(re.sub(r"\S*/\S*", " ", translated)) == [], translated
    if chinese is not None:
        assert translated == chinese


@pytest.mark.parametrize(
    "args",
    [
        ["publish", "--partition-by", "no_such_field"],  # refused: no table has it
        ["publish", "--out", "s3://bucket/releases"],  # refused: no atomic rename on a store
    ],
)
def test_partitioning_and_object_store_refusals_read_in_chinese(tmp_path: Path, args) -> None:
    out = ["--out", str(tmp_path / "rel")] if "--out" not in args else []
    result = CliRunner().invoke(main, [*args, *out, "--lang", "zh"])
    assert result.exit_code in (1, 2), result.output
    said = result.stderr.replace("s3://bucket/releases", " ")
    said = re.sub(r"/[^\s：；]*", " ", said)  # paths
    assert english_words(said) == [], result.stderr
    assert not (tmp_path / "rel").exists()


@pytest.mark.parametrize(
    "english",
    [
        "observations: not published: the values 'a' and 'A' of 'region' differ only in case, "
        "and their folders would be one on Windows and macOS",
        "observations: not published: the value 'xxxxxxxx'… of 'note' is too long for a folder "
        "name; partition by a field of short codes (region, period)",
        "the Spark job writing the partitioned tables failed: Permission denied; nothing was "
        "published",
        "partition_by 5 is not a field name",
    ],
)
def test_the_partitioning_refusals_are_translated(english: str) -> None:
    translated = free_text.error_zh(english)
    assert english_words(translated.replace("observations", " ")) == [], translated


def test_a_file_that_is_not_regular_says_so_without_errno(tmp_path: Path) -> None:
    from changzhi_stats.package.paths import NotRegularFile

    error = NotRegularFile(tmp_path / "fifo", "a FIFO")
    assert "[Errno" not in str(error)
    assert (
        str(error)
        == f"{tmp_path / 'fifo'}: not a regular file (a FIFO); only regular files are read"
    )


def test_a_command_error_reads_in_chinese(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    out = CliRunner().invoke(main, ["validate", str(missing), "--lang", "zh"])
    assert out.exit_code == 2
    said = out.stderr.strip()
    assert said.startswith("错误：") and "不存在" in said, said
    assert english_words(said.replace(str(missing), " ")) == [], said


# --- issue 17: cz-stats push and publish --to, in Chinese --------------------------------------


def test_push_says_everything_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every message of a push (what it did, each refusal, a push left half-way) in Chinese,
    against the stand-in CKAN of test_ckan.py; the portal's own words are the portal's."""
    import json
    import shutil
    import socket

    from test_ckan import TOKEN, FakeCkan

    from changzhi_stats.release import ckan

    monkeypatch.delenv(ckan.TOKEN_ENV, raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "releases"
    release = str(cz.publish(out=out).path)
    portal = FakeCkan()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        unreachable = f"http://127.0.0.1:{probe.getsockname()[1]}"
    token = tmp_path / "token"
    said: list[str] = []

    def run(*args: str, code: int = 2, env: str | None = None) -> str:
        if env is None:
            monkeypatch.delenv(ckan.TOKEN_ENV, raising=False)
        else:
            monkeypatch.setenv(ckan.TOKEN_ENV, env)
        result = CliRunner().invoke(main, [*args, "--lang", "zh"])
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        said.append(result.output)
        return result.output

    try:
        push = ("push", release, "--to", portal.url)
        assert "CKAN_API_TOKEN" in run(*push)  # no token at all
        assert "令牌文件" in run(*push, "--token-file", str(token))  # no such file
        token.write_text("\n", "utf-8")
        assert "是空的" in run(*push, "--token-file", str(token))
        assert "创建" in run(*push, code=0, env=TOKEN)
        assert "没有任何改动" in run(*push, code=0, env=TOKEN)
        portal.datasets["changzhi-stats"]["title"] = "another title"  # metadata to patch
        assert "已更新元数据" in run(*push, code=0, env=TOKEN)
        resource = portal.datasets["changzhi-stats"]["resources"][0]
        resource["hash"], kept = "sha256:" + "0" * 64, resource["hash"]
        assert "校验和" in run(*push, env=TOKEN)
        resource["hash"] = kept
        portal.fail["datastore_create"] = 1  # the second table fails half-way
        assert "部分记录" in run(*push, "--datastore", env=TOKEN)
        portal.fail.clear()
        assert "已载入 DataStore 表" in run(*push, "--datastore", code=0, env=TOKEN)
        portal.datasets.clear()
        assert "拒绝了执行" in run(*push, env="wrong")  # a bad token
        portal.datasets["changzhi-stats"] = {
            "id": "x", "name": "changzhi-stats", "private": True, "resources": []
        }  # fmt: skip
        assert "看不到" in run(*push, env="wrong")
        portal.datasets["changzhi-stats"] |= {"private": False, "state": "deleted"}
        assert "已删除" in run(*push, env=TOKEN)
        portal.datasets.clear()
        portal.act = lambda action, data, upload, act=portal.act: (  # someone else's name
            (404, {"success": False, "error": {"__type": "Not Found Error"}})
            if action == "package_show"
            else act(action, data, upload)
        )
        portal.datasets["changzhi-stats"] = {"id": "y", "name": "changzhi-stats", "resources": []}
        assert "拒绝了 package_create" in run(*push, env=TOKEN)
        assert "无法连接" in run("push", release, "--to", unreachable, env=TOKEN)
        damaged = tmp_path / "damaged"
        shutil.copytree(release, damaged)
        descriptor = json.loads((damaged / "datapackage.json").read_text("utf-8"))
        (damaged / "datapackage.json").write_text(json.dumps({**descriptor, "title": "x"}))
        assert "不是完好的发布版本" in run("push", str(damaged), "--to", portal.url, env=TOKEN)
        assert "不是门户网址" in run("publish", "--out", str(out), "--to", "ftp://x", env=TOKEN)
        stays = run("publish", "--out", str(tmp_path / "more"), "--to", unreachable, env=TOKEN)
        assert "仍已发布在" in stays and "无法连接" in stays
    finally:
        portal.close()
    portals = ("name: That URL is already in use.", "message: the disk is full")
    for text in said:
        for words in portals:
            text = text.replace(words, " ")
        text = re.sub(r"\b[0-9a-f]{64}\b", " ", text)  # a checksum
        paths = re.sub(r"[\w.:-]*/[\w./:-]*", " ", text, flags=re.ASCII)  # paths and URLs
        assert english_words(paths) == [], text


def test_every_cli_message_is_used() -> None:
    """A text nothing says is dead weight to translate (``help.init.from`` was one)."""
    source = Path(cz.__file__).parent
    code = "".join(
        p.read_text("utf-8") for p in source.rglob("*.py") if p.name != "cli_messages.py"
    )
    built = ("help.limit.",)  # keys made in code: 'help.limit.' + name
    # superseded by html_report.written (the `-o FILE` verdict); left for the lead to remove
    waiting = {"report-written"}
    unused = [
        k
        for k in MESSAGES
        if f'"{k}"' not in code and f"'{k}'" not in code and not k.startswith(built)
    ]
    assert set(unused) == waiting


# What a user types, shown back in help and usage lines: command names and an option's choices.
TYPED = [
    re.compile(r"\[[\w*]+(?:\|[\w*]+)+\]"),  # [polars|spark]
    re.compile(r"\b(?:validate|publish|diff|verify|init|extract|push)\b"),
    re.compile(r"(?<=默认：)\w+"),  # a default value: [默认：releases]
]


def chinese_screen_words(text: str) -> list[str]:
    """English words of a help screen or usage error, what the user types set aside."""
    for pattern in TYPED:
        text = pattern.sub(" ", text)
    return english_words(text)


COMMANDS = [[], *([name] for name in sorted(main.commands))]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "cz-stats")
def test_every_help_is_chinese_with_lang_zh(command: list[str]) -> None:
    """`--help --lang zh`: our texts and click's own words (Usage, Options, Commands,
    [required], [default: …], the help option's text) in Chinese."""
    result = CliRunner().invoke(main, [*command, "--help", "--lang", "zh"], prog_name="cz-stats")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("用法: cz-stats"), result.output
    assert "选项:" in result.output and "显示本帮助并退出。" in result.output
    assert chinese_screen_words(result.output) == [], result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["init", "x"], "缺少选项 '--region'"),  # a required option missing
        (["validate", "--bogus"], "没有选项 '--bogus'"),  # an unknown option
        (["validate", "--engine", "x"], "'--engine' 的值无效：'x' 不是 'polars', 'spark' 之一"),
        (["validate", "--max-rows", "0"], "'--max-rows' 的值无效：0 不在范围 x>=1 内"),
        (["validate", "--max-file-bytes", "0"], "'--max-file-bytes' 的值无效：至少为 1 字节"),
        (["publish", "--owner-org", "o"], "--token-file、--owner-org 和 --datastore 只能与"),
        (["bogus"], "没有命令 'bogus'"),
    ],
)
def test_usage_errors_are_chinese_with_lang_zh(args: list[str], said: str) -> None:
    result = CliRunner().invoke(main, [*args, "--lang", "zh"], prog_name="cz-stats")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("用法: cz-stats"), result.output
    assert f"运行 'cz-stats {args[0]} --help' 查看帮助。" in result.output or args == ["bogus"]
    assert f"错误：{said}" in result.output, result.output
    assert chinese_screen_words(result.output.replace("'x'", " ")) == [], result.output


def test_a_chinese_locale_gives_chinese_usage_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    result = CliRunner().invoke(main, ["init", "x"], prog_name="cz-stats")
    assert result.exit_code == 2
    assert "错误：缺少选项 '--region'" in result.output, result.output
    said_en = CliRunner().invoke(main, ["init", "x", "--lang", "en"], prog_name="cz-stats")
    assert "Error: Missing option '--region'." in said_en.output, said_en.output


def test_lang_given_before_the_command_reaches_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--lang", "zh", "verify", str(tmp_path / "nowhere")], prog_name="cz-stats"
    )
    assert result.exit_code == 2
    assert result.output.startswith("错误："), result.output


def test_english_stays_as_it_was_after_a_chinese_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Chinese run puts click's words and the help texts back: English is unchanged."""
    import gettext

    import click.core

    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    runner = CliRunner()
    for command in COMMANDS:
        before = runner.invoke(main, [*command, "--help"], prog_name="cz-stats").output
        runner.invoke(main, [*command, "--help", "--lang", "zh"], prog_name="cz-stats")
        runner.invoke(main, ["init", "x", "--lang", "zh"], prog_name="cz-stats")
        after = runner.invoke(main, [*command, "--help"], prog_name="cz-stats").output
        assert after == before
        assert "Usage: cz-stats" in after and "Show this message and exit." in after
        assert chinese_screen_words(after) != []
    assert click.core._ is gettext.gettext
    error = runner.invoke(main, ["init", "x"], prog_name="cz-stats").output
    said = "Try 'cz-stats init --help' for help.\n\nError: Missing option '--region'.\n"
    assert error.endswith(said)


@pytest.mark.parametrize(
    ("args", "lang"),
    [
        (["validate", "--lang", "zh"], "zh"),
        (["validate", "--lang=zh", "--help"], "zh"),
        (["--lang", "en", "validate", "--lang", "zh"], "zh"),
        (["validate", "--", "--lang", "zh"], "en"),
        (["validate", "--lang", "fr"], "en"),
    ],
)
def test_the_run_language_is_read_before_parsing(
    args: list[str], lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from changzhi_stats.cli import _asked_lang

    monkeypatch.setenv("LC_ALL", "C")
    assert _asked_lang(args) == lang
