"""Hostile and odd input: paths that leave the package, limits, malformed descriptors, odd files.

Every case gets a clear answer — a finding in the report or :class:`PackageUnreadable` — and
never a traceback; nothing outside the package folder is ever opened.
"""

from __future__ import annotations

import builtins
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from click.testing import CliRunner
from conftest import places, write_package
from hypothesis import given
from hypothesis import strategies as st

import changzhi_stats as cz
from changzhi_stats import PackageUnreadable
from changzhi_stats.cli import main
from changzhi_stats.package.limits import Limits, json_depth, parse_size


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def cz_stats(*args: str) -> Ran:
    """The command line, in-process (tests/test_fuzz.py runs it in real subprocesses)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def descriptor(folder: Path, content: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else json.dumps(content)
    (folder / "datapackage.json").write_text(text, encoding="utf-8")
    (folder / "t.csv").write_text("a,b\n1,x\n", encoding="utf-8")
    return folder


# --- paths -------------------------------------------------------------------------------------


def test_hard_linked_and_symlinked_files_are_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "secret.csv"
    outside.write_text("x\nnot-a-number\n")
    folder = write_package(
        tmp_path / "pkg",
        {
            "hard": {"fields": ["x:integer"], "path": "hard.csv"},
            "soft": {"fields": ["x:integer"], "path": "soft.csv"},
            "encoded": {"fields": ["x:integer"], "path": "%2e%2e/secret.csv"},
            "windows": {"fields": ["x:integer"], "path": "..\\secret.csv"},
        },
    )
    os.link(outside, folder / "hard.csv")
    os.symlink(outside, folder / "soft.csv")
    opened: list[str] = []
    real_open, real_open_csv = builtins.open, pacsv.open_csv

    def spy_open(file, *args, **kwargs):
        if isinstance(file, str | Path):
            opened.append(os.path.realpath(file))
        return real_open(file, *args, **kwargs)

    def spy_open_csv(source, *args, **kwargs):
        if isinstance(source, str | Path):
            opened.append(os.path.realpath(source))
        return real_open_csv(source, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(pacsv, "open_csv", spy_open_csv)
    report = cz.validate(folder)
    monkeypatch.undo()
    assert places(report) == [
        ("hard", None, None, "unsafe-path"),
        ("soft", None, None, "unsafe-path"),
        ("encoded", None, None, "unsafe-path"),
        ("windows", None, None, "unsafe-path"),
    ]
    assert str(outside.resolve()) not in opened
    assert str((folder / "hard.csv").resolve()) not in opened  # the same file, by its other name
    assert "2 hard links" in report.errors[0].message


def test_a_hard_linked_source_text_is_not_read(tmp_path: Path, package_copy: Path) -> None:
    text = next((package_copy / "sources").glob("*.txt"))
    os.link(text, tmp_path / "elsewhere.txt")
    report = cz.validate(package_copy)
    assert {(p.resource, p.field, p.check) for p in report.errors} == {
        ("sources", "path", "unsafe-path")
    }


def test_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    folder = write_package(tmp_path / "pkg", {"t": {"fields": ["a"], "path": "loop.csv"}})
    os.symlink("loop.csv", folder / "loop.csv")
    report = cz.validate(folder)
    assert places(report) in (
        [("t", None, None, "unsafe-path")],
        [("t", None, None, "source-error")],
    )


def test_urls_are_refused_unless_allowed_and_never_fetched(tmp_path: Path) -> None:
    folder = write_package(
        tmp_path / "pkg", {"t": {"fields": ["a"], "path": "https://example.com/t.csv"}}
    )
    refused = cz_stats("validate", str(folder), "--format", "json")
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["counts"] == {"unsafe-path": 1}
    allowed = cz_stats("validate", str(folder), "--format", "json", "--allow-remote")
    assert allowed.returncode == 1
    assert json.loads(allowed.stdout)["counts"] == {"remote-not-supported": 1}


def test_a_remote_descriptor_is_unreadable_even_when_allowed() -> None:
    with pytest.raises(PackageUnreadable, match="cannot be fetched yet"):
        cz.validate("https://example.com/datapackage.json", allow_remote=True)
    result = cz_stats("validate", "https://example.com/datapackage.json", "--allow-remote")
    assert result.returncode == 2 and "Traceback" not in result.stderr


# --- limits ------------------------------------------------------------------------------------


def test_a_descriptor_over_the_size_limit_is_unreadable(tmp_path: Path) -> None:
    folder = descriptor(
        tmp_path / "p", {"name": "x", "resources": [{"name": "t", "path": "t.csv"}]}
    )
    size = (folder / "datapackage.json").stat().st_size
    with pytest.raises(PackageUnreadable, match="raise it with --max-descriptor-bytes"):
        cz.validate(folder, limits=Limits(descriptor_bytes=size - 1))
    assert cz.validate(folder, limits=Limits(descriptor_bytes=size)).valid
    result = cz_stats("validate", str(folder), "--max-descriptor-bytes", str(size - 1))
    assert result.returncode == 2 and "over the limit" in result.stderr
    assert cz_stats("validate", str(folder), "--max-descriptor-bytes", "1K").returncode == 0


@pytest.mark.parametrize("depth", [65, 100_000])
def test_a_descriptor_nested_too_deeply_is_unreadable(tmp_path: Path, depth: int) -> None:
    nested = '{"a":' * depth + "1" + "}" * depth
    text = '{"name": "x", "resources": [{"name": "t", "path": "t.csv"}], "x": ' + nested + "}"
    folder = descriptor(tmp_path / "p", text)
    with pytest.raises(PackageUnreadable, match="--max-descriptor-depth"):
        cz.validate(folder)
    result = cz_stats("validate", str(folder))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_a_one_megabyte_cell_is_over_the_default_limit_and_can_be_allowed(tmp_path: Path) -> None:
    folder = write_package(
        tmp_path / "p",
        {"t": {"fields": ["a:integer", "b"], "data": "a,b\n1," + "长" * (1 << 20) + "\nx,y\n"}},
    )
    report = cz.validate(folder)
    assert places(report) == [("t", 2, "b", "limit-exceeded")]  # row 3 is not read
    assert "1,048,576 characters" in report.errors[0].message
    raised = cz_stats("validate", str(folder), "--max-cell-chars", "2000000", "--format", "json")
    assert raised.returncode == 1
    assert json.loads(raised.stdout)["counts"] == {"type-error": 1}


def test_row_and_file_limits_from_the_command_line(tmp_path: Path) -> None:
    folder = write_package(tmp_path / "p", {"t": {"fields": ["a:integer"], "data": "a\n1\n2\n3\n"}})
    rows = cz_stats("validate", str(folder), "--max-rows", "2", "--format", "json")
    assert rows.returncode == 1
    assert [(p["row"], p["check"]) for p in json.loads(rows.stdout)["errors"]] == [
        (4, "limit-exceeded")
    ]
    assert cz_stats("validate", str(folder), "--max-rows", "3").returncode == 0
    size = cz_stats("validate", str(folder), "--max-file-bytes", "4", "--format", "json")
    assert json.loads(size.stdout)["counts"] == {"limit-exceeded": 1}
    bad = cz_stats("validate", str(folder), "--max-file-bytes", "lots")
    assert bad.returncode == 2 and "is not a size" in bad.stderr


def test_a_limit_hit_blocks_publishing(tmp_path: Path) -> None:
    folder = write_package(
        tmp_path / "p", {"t": {"fields": ["a:integer"], "data": "a\n1\n2\n3\n"}}, version="1.0.0"
    )
    with pytest.raises(cz.PublishRefused):
        cz.publish(folder, out=tmp_path / "out", limits=Limits(rows=2))
    assert cz.publish(folder, out=tmp_path / "out", limits=Limits(rows=3)).version == "1.0.0"


def test_limits_are_whole_positive_numbers() -> None:
    for bad in (0, -1, 1.5, True, "1"):
        with pytest.raises(ValueError, match="whole number"):
            Limits(rows=bad)  # type: ignore[arg-type]
    assert parse_size("8G") == 8 << 30 and parse_size("512m") == 512 << 20
    assert parse_size("64KiB") == 64 << 10 and parse_size("100") == 100
    assert json_depth(1) == 0 and json_depth([]) == 1 and json_depth({"a": [{"b": 1}]}) == 3


# --- descriptors of the wrong shape --------------------------------------------------------------

UNREADABLE = {
    "not-json": "{nope",
    "not-utf8": b"\xff\xfe{}",
    "a-list": [{"name": "t", "path": "t.csv"}],
    "a-string": '"datapackage"',
    "null": "null",
    "empty": "",
}

SHAPES = {
    # descriptor -> check codes the report must contain (and it must not be valid)
    "resources-not-a-list": ({"resources": {"name": "t"}}, {"package-error"}),
    "resources-empty": ({"resources": []}, {"package-error"}),
    "resource-a-string": ({"resources": ["t.csv"]}, {"resource-error"}),
    "resource-null": ({"resources": [None]}, {"resource-error"}),
    "name-a-number": ({"resources": [{"name": 5, "path": "t.csv"}]}, {"resource-error"}),
    "path-a-number": ({"resources": [{"name": "t", "path": 5}]}, {"unsafe-path"}),
    "schema-a-number": ({"resources": [{"name": "t", "path": "t.csv", "schema": 5}]}, None),
    "fields-not-a-list": (
        {"resources": [{"name": "t", "path": "t.csv", "schema": {"fields": {"a": 1}}}]},
        {"schema-error"},
    ),
    "field-not-an-object": (
        {"resources": [{"name": "t", "path": "t.csv", "schema": {"fields": ["a", 3, None]}}]},
        None,
    ),
    "type-a-list": (
        {
            "resources": [
                {"name": "t", "path": "t.csv", "schema": {"fields": [{"name": "a", "type": []}]}}
            ]
        },
        {"schema-error"},
    ),
    "format-a-list": (
        {
            "resources": [
                {
                    "name": "t",
                    "path": "t.csv",
                    "schema": {"fields": [{"name": "a", "type": "date", "format": [1]}]},
                }
            ]
        },
        {"schema-error"},
    ),
    "foreign-keys-a-number": (
        {
            "resources": [
                {
                    "name": "t",
                    "path": "t.csv",
                    "schema": {"fields": [{"name": "a"}, {"name": "b"}], "foreignKeys": 5},
                }
            ]
        },
        {"package-error"},
    ),
    "dialect-a-list": ({"resources": [{"name": "t", "path": "t.csv", "dialect": [1]}]}, None),
    "dialect-of-wrong-types": (
        {
            "resources": [
                {
                    "name": "t",
                    "path": "t.csv",
                    "dialect": {"delimiter": 5, "quoteChar": None, "header": "no"},
                }
            ]
        },
        None,
    ),
    "schema-is-the-descriptor": (
        {"resources": [{"name": "t", "path": "t.csv", "schema": "datapackage.json"}]},
        {"schema-error"},
    ),
    "schema-refers-to-itself": (
        {"resources": [{"name": "t", "path": "t.csv", "schema": "self.json"}]},
        {"schema-error"},
    ),
    "dialect-refers-to-itself": (
        {"resources": [{"name": "t", "path": "t.csv", "dialect": "self.json"}]},
        {"resource-error"},
    ),
    "schema-refers-to-a-folder": (
        {"resources": [{"name": "t", "path": "t.csv", "schema": "."}]},
        {"source-error"},
    ),
}


@pytest.mark.parametrize("content", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_descriptor_is_a_clean_finding(tmp_path: Path, content) -> None:
    """A datapackage.json that is not a JSON object: one package-error, exit 1 (as
    frictionless-py reports it); publishing it is refused and writes nothing."""
    folder = tmp_path / "p"
    folder.mkdir()
    data = content if isinstance(content, bytes) else None
    if data is None:
        data = (content if isinstance(content, str) else json.dumps(content)).encode()
    (folder / "datapackage.json").write_bytes(data)
    report = cz.validate(folder)
    assert not report.valid
    assert [p.check for p in report.errors] == ["package-error"]
    result = cz_stats("validate", str(folder))
    assert result.returncode == 1
    assert "package-error" in result.stdout and "Traceback" not in result.stderr
    with pytest.raises(cz.PublishRefused) as refused:
        cz.publish(folder, version="1.0.0", out=tmp_path / "releases")
    assert refused.value.report is not None and not refused.value.report.valid
    assert not (tmp_path / "releases").exists()


def test_a_descriptor_that_is_a_folder_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "p" / "datapackage.json").mkdir(parents=True)
    with pytest.raises(PackageUnreadable):
        cz.validate(tmp_path / "p")
    result = cz_stats("validate", str(tmp_path / "p"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


@pytest.mark.parametrize(("content", "codes"), SHAPES.values(), ids=SHAPES.keys())
def test_a_descriptor_of_the_wrong_shape_gets_findings(
    tmp_path: Path, content: dict, codes: set[str] | None
) -> None:
    folder = descriptor(tmp_path / "p", {"name": "x", **content})
    # a file that is a path to itself: a schema (or dialect) that references itself
    (folder / "self.json").write_text('"self.json"', encoding="utf-8")
    report = cz.validate(folder)
    assert not report.valid
    if codes is not None:
        assert codes <= set(report.counts), report.counts


# --- odd files ---------------------------------------------------------------------------------


def test_mixed_line_endings_are_read_with_exact_row_numbers(tmp_path: Path) -> None:
    data = b"a,b\r\n1,x\n2,y\r3,z\r\nq,w\n5,v"  # CRLF, LF, a lone CR, no final newline
    folder = write_package(tmp_path / "p", {"t": {"fields": ["a:integer", "b"], "data": data}})
    report = cz.validate(folder)
    assert places(report) == [("t", 5, "a", "type-error")]
    assert report.rows == 5


def test_mixed_line_endings_publish_as_crlf(tmp_path: Path) -> None:
    data = b"a,b\r\n1,x\n2,y\r3,z\r\n"
    folder = write_package(
        tmp_path / "p", {"t": {"fields": ["a:integer", "b"], "data": data}}, version="1.0.0"
    )
    release = cz.publish(folder, out=tmp_path / "out")
    assert (release.path / "data" / "t.csv").read_bytes() == b"a,b\r\n1,x\r\n2,y\r\n3,z\r\n"


def test_a_file_of_nul_bytes_is_a_clear_error(tmp_path: Path) -> None:
    # e.g. a file preallocated by a crashed program: one header label of NULs, nothing else
    folder = write_package(tmp_path / "p", {"t": {"fields": ["a"], "data": b"\x00" * 4096}})
    report = cz.validate(folder)
    assert not report.valid
    assert set(report.counts) <= {"incorrect-label", "source-error", "nul-byte"}


def test_utf16_declared_as_utf8_is_a_clear_error(tmp_path: Path) -> None:
    data = "a,b\n1,长治\n".encode("utf-16-le")  # no BOM: every other byte is NUL
    folder = write_package(tmp_path / "p", {"t": {"fields": ["a:integer", "b"], "data": data}})
    report = cz.validate(folder)
    assert not report.valid
    assert report.counts.keys() & {"encoding-error", "incorrect-label", "nul-byte"}


def test_gb18030_publishes_as_utf8(tmp_path: Path) -> None:
    text = "code,name\r\n140400,长治市\r\n140403,潞州区\r\n"
    folder = write_package(
        tmp_path / "p",
        {"t": {"fields": ["code", "name"], "data": text.encode("gb18030"), "encoding": "gb18030"}},
        version="1.0.0",
    )
    release = cz.publish(folder, out=tmp_path / "out")
    assert (release.path / "data" / "t.csv").read_bytes() == text.encode("utf-8")
    published = json.loads((release.path / "datapackage.json").read_text("utf-8"))
    assert published["resources"][0]["encoding"] == "utf-8"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # see test_fuzz
def test_a_row_of_the_wrong_width_that_is_not_utf8(tmp_path: Path) -> None:
    data = b"a,b\n1,\xff,3\nx,y\n"
    folder = write_package(tmp_path / "p", {"t": {"fields": ["a:integer", "b"], "data": data}})
    report = cz.validate(folder)
    assert places(report) == [
        ("t", 2, None, "encoding-error"),
        ("t", 2, None, "extra-cell"),
        ("t", 3, "a", "type-error"),  # the rest of the file is still checked
    ]


# --- formula injection: a warning, and the data stays byte-faithful ------------------------------


def test_formula_cells_warn_and_publish_byte_for_byte(tmp_path: Path) -> None:
    rows = 'id,note\r\n1,=HYPERLINK("http://x")\r\n2,@SUM(A1)\r\n3,-1.5\r\n'
    folder = write_package(
        tmp_path / "p",
        {"t": {"fields": ["id:integer", "note"], "data": rows.encode()}},
        version="1.0.0",
    )
    report = cz.validate(folder)
    assert report.valid and report.counts == {"formula-injection": 2}
    strict = cz_stats("validate", str(folder), "--strict")
    assert strict.returncode == 1
    release = cz.publish(folder, out=tmp_path / "out")
    published = (release.path / "data" / "t.csv").read_bytes().decode()
    assert '=HYPERLINK(""http://x"")' in published and "\r\n2,@SUM(A1)\r\n" in published
    assert "'" not in published  # nothing is prefixed or escaped


@given(st.text(alphabet="=+-@\t\r0123456789.eE ab", min_size=1, max_size=8))
def test_formula_rule_agrees_with_its_definition(text: str) -> None:
    import polars as pl

    from changzhi_stats.engines.polars.builders import build
    from changzhi_stats.engines.polars.fieldtypes import NUMBER
    from changzhi_stats.rules.core import Rule

    frame = pl.DataFrame({"v": [text]})
    flagged = frame.select(
        build(Rule("formula-injection", "v", "formula-injection", {"name": "v"})).bad
    )
    import re

    expected = text[0] in "=+-@\t\r" and not re.match(NUMBER, text)
    assert bool(flagged.item()) is expected


def test_a_decompression_bomb_stops_at_the_file_limit(tmp_path: Path) -> None:
    """A small gzip that decompresses to far more than --max-file-bytes is read no further than
    that: a source-error naming the limit, and no traceback or runaway memory."""
    import gzip

    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "t.csv.gz").write_bytes(gzip.compress(b"a\n" + b"1\n" * 5_000_000))
    assert (folder / "t.csv.gz").stat().st_size < 100_000
    resource = {"name": "t", "path": "t.csv.gz", "schema": {"fields": [{"name": "a"}]}}
    (folder / "datapackage.json").write_text(json.dumps({"name": "x", "resources": [resource]}))
    report = cz.validate(folder, limits=Limits(file_bytes=1_000_000))
    assert [p.check for p in report.errors] == ["source-error"]
    assert "decompresses to more than" in report.errors[0].message
    assert "--max-file-bytes" in report.errors[0].message
    assert cz.validate(folder).valid  # within the default limit it is read in full
