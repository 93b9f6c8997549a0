"""``cz-stats``: exit codes, JSON equal to the Python API, help and docs (DESIGN: Command line)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from conftest import ROOT, read_rows, set_cell

import changzhi_stats as cz
from changzhi_stats.cli import main


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def comparable(report: dict) -> dict:
    """A report dict without its one run-dependent number."""
    report = json.loads(json.dumps(report))
    del report["stats"]["seconds"]
    return report


def api_report(source: Path | None = None, **kwargs: object) -> dict:
    return comparable(cz.validate(source, **kwargs).to_dict())


SOURCE_TEXT = "changzhi-press-release-2024-12-04.txt"  # the bundled source text


@pytest.fixture
def invalid_copy(package_copy: Path) -> Path:
    for row in (2, 3, 4):
        set_cell(package_copy, "observations", row, "value", "abc")
    return package_copy


@pytest.fixture
def warning_copy(package_copy: Path) -> Path:
    """A valid package with one warning: a year-on-year growth of 1500 %."""
    growth = {
        row[0]
        for row in read_rows(package_copy / "data" / "indicators.csv")[1:]
        if row[3] == "growth_yoy"
    }
    rows = read_rows(package_copy / "data" / "observations.csv")
    number = next(i for i, row in enumerate(rows) if row[0] in growth) + 1
    set_cell(package_copy, "observations", number, "value", "1500")
    # the quote states 1500 too (added to the source text): the growth is the only warning
    old = rows[number - 1]
    quote = old[9].replace(f"{old[3]}%", "1500%")
    assert quote != old[9]
    with open(package_copy / "sources" / SOURCE_TEXT, "a", encoding="utf-8") as handle:
        handle.write(f"\n{quote}。\n")
    set_cell(package_copy, "observations", number, "source_quote", quote)
    return package_copy


# --- validate ------------------------------------------------------------------------------


def test_validate_json_of_the_bundled_package_equals_the_api() -> None:
    result = run("validate", "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # JSON only on stdout, nothing else anywhere
    assert comparable(json.loads(result.stdout)) == api_report()
    assert json.loads(result.stdout)["valid"] is True


def test_validate_json_of_an_invalid_package_equals_the_api(invalid_copy: Path) -> None:
    result = run("validate", str(invalid_copy), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report == {**report, "valid": False}
    assert comparable(report) == api_report(invalid_copy)
    cells = {(p["resource"], p["row"], p["field"], p["value"]) for p in report["errors"]}
    assert {("observations", row, "value", "abc") for row in (2, 3, 4)} <= cells


def test_validate_accepts_the_descriptor_or_its_folder(invalid_copy: Path) -> None:
    by_folder = run("validate", str(invalid_copy), "--format", "json")
    by_file = run("validate", str(invalid_copy / "datapackage.json"), "--format", "json")
    assert comparable(json.loads(by_folder.stdout)) == comparable(json.loads(by_file.stdout))


def test_validate_text_output(invalid_copy: Path) -> None:
    valid = run("validate")
    assert valid.exit_code == 0
    assert "valid: 0 error(s)" in valid.stdout
    invalid = run("validate", str(invalid_copy))
    assert invalid.exit_code == 1
    assert "INVALID" in invalid.stdout
    assert "observations, row 2, field 'value'" in invalid.stdout


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validate_missing_descriptor_exits_2(tmp_path: Path, fmt: str) -> None:
    missing = tmp_path / "nowhere" / "datapackage.json"
    result = run("validate", str(missing), "--format", fmt)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert str(missing) in result.stderr and "no such file" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validate_descriptor_that_is_not_json_exits_1(tmp_path: Path, fmt: str) -> None:
    """Invalid JSON is a finding (package-error, with its line and column), not a crash."""
    descriptor = tmp_path / "datapackage.json"
    descriptor.write_text("{this is not json", encoding="utf-8")
    result = run("validate", str(descriptor), "--format", fmt)
    assert result.exit_code == 1
    assert "not valid JSON" in result.stdout and "line 1 column 2" in result.stdout
    if fmt == "json":
        assert [e["check"] for e in json.loads(result.stdout)["errors"]] == ["package-error"]
    assert "Traceback" not in result.stderr


def test_validate_descriptor_that_does_not_exist_exits_2(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "datapackage.json"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_strict_turns_a_warning_into_failure(warning_copy: Path) -> None:
    lenient = run("validate", str(warning_copy), "--format", "json")
    assert lenient.exit_code == 0, lenient.output
    report = json.loads(lenient.stdout)
    assert report["valid"] is True
    assert [w["check"] for w in report["warnings"]] == ["growth-implausible"]
    assert report["warnings"][0]["value"] == "1500"
    assert comparable(report) == api_report(warning_copy)
    strict = run("validate", str(warning_copy), "--format", "json", "--strict")
    assert strict.exit_code == 1
    assert comparable(json.loads(strict.stdout)) == comparable(report)
    assert run("validate", "--strict").exit_code == 0  # no warnings: strict passes


def test_max_errors_caps_the_listing_but_not_the_counts(invalid_copy: Path) -> None:
    full = json.loads(run("validate", str(invalid_copy), "--format", "json").stdout)
    assert full["capped"] is False
    result = run("validate", str(invalid_copy), "--format", "json", "--max-errors", "1")
    assert result.exit_code == 1
    capped = json.loads(result.stdout)
    assert capped["capped"] is True
    assert capped["max_errors"] == 1
    assert len(capped["errors"]) == 1
    assert capped["errors"][0] == full["errors"][0]
    assert capped["stats"]["errors"] == full["stats"]["errors"] >= 3
    assert capped["counts"] == full["counts"]
    assert comparable(capped) == api_report(invalid_copy, max_errors=1)
    text = run("validate", str(invalid_copy), "--max-errors", "1")
    assert "capped at 1" in text.stdout


def test_max_errors_must_not_be_negative() -> None:
    result = run("validate", "--max-errors", "-1")
    assert result.exit_code == 2
    assert "--max-errors" in result.stderr


def test_unknown_format_is_a_usage_error() -> None:
    result = run("validate", "--format", "xml")
    assert result.exit_code == 2
    assert result.stdout == ""


# --- publish -------------------------------------------------------------------------------


def test_publish_json_equals_the_api(tmp_path: Path, bundled: Path) -> None:
    out_cli, out_api = tmp_path / "cli", tmp_path / "api"
    result = run("publish", "--out", str(out_cli), "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    expected = cz.publish(bundled, out=out_api).to_dict()
    assert shown["path"] == str(out_cli / "1.0.0")
    assert expected["path"] == str(out_api / "1.0.0")
    assert {**shown, "path": None} == {**expected, "path": None}
    assert (out_cli / "1.0.0" / "datapackage.json").is_file()


def test_publish_text_output_and_version_option(tmp_path: Path, bundled: Path) -> None:
    out = tmp_path / "releases"
    result = run("publish", str(bundled), "--out", str(out), "--version", "2.3.4")
    assert result.exit_code == 0, result.output
    assert "published 2.3.4" in result.stdout
    assert result.stderr == ""
    descriptor = json.loads((out / "2.3.4" / "datapackage.json").read_text("utf-8"))
    assert descriptor["version"] == "2.3.4"


def test_publish_defaults_to_releases_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("publish", "--format", "json")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "releases" / "1.0.0" / "SHA256SUMS").is_file()
    assert (tmp_path / "releases" / "index.json").is_file()


def test_publish_refuses_an_existing_version_with_exit_1(tmp_path: Path) -> None:
    out = tmp_path / "releases"
    assert run("publish", "--out", str(out)).exit_code == 0
    again = run("publish", "--out", str(out), "--format", "json")
    assert again.exit_code == 1
    assert again.stdout == ""
    assert "refused" in again.stderr and "exists" in again.stderr
    older = run("publish", "--out", str(out), "--version", "0.9.0")
    assert older.exit_code == 1
    assert "not newer" in older.stderr


def test_publish_refuses_invalid_data_with_exit_1(tmp_path: Path, invalid_copy: Path) -> None:
    out = tmp_path / "releases"
    result = run("publish", str(invalid_copy), "--out", str(out), "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "refused" in result.stderr
    assert "observations, row 2, field 'value'" in result.stderr  # the report says where
    assert not (out / "1.0.0").exists()


def test_publish_refuses_an_invalid_version_with_exit_1(tmp_path: Path) -> None:
    result = run("publish", "--out", str(tmp_path / "releases"), "--version", "1.0")
    assert result.exit_code == 1
    assert "X.Y.Z" in result.stderr
    assert not (tmp_path / "releases").exists()


def test_publish_of_an_unreadable_package_exits_2(tmp_path: Path) -> None:
    result = run("publish", str(tmp_path / "missing.json"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    assert not (tmp_path / "out").exists()


# --- help, version, docs -------------------------------------------------------------------


def test_help_on_the_group_and_every_command() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    assert set(main.commands) == {
        "validate",
        "publish",
        "diff",
        "verify",
        "init",
        "extract",
        "push",
    }
    for name, command in main.commands.items():
        assert name in result.stdout
        shown = run(name, "--help")
        assert shown.exit_code == 0, name
        assert f"Usage: main {name}" in shown.stdout or f"{name} [OPTIONS]" in shown.stdout
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.opts[0] in shown.stdout, (name, param.opts)


def test_version_option() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert cz.__version__ in result.stdout


def test_readme_documents_every_command_and_option() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = []
    for name, command in main.commands.items():
        if f"cz-stats {name}" not in readme:
            missing.append(f"cz-stats {name}")
        for param in command.params:
            if isinstance(param, click.Option):
                missing.extend(f"{name} {opt}" for opt in param.opts if opt not in readme)
    assert missing == []


# --- the installed console script ----------------------------------------------------------


def test_installed_script_finds_the_bundled_package_from_any_folder(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "cz-stats"
    if not script.exists():
        found = shutil.which("cz-stats")
        if found is None:
            pytest.skip("the cz-stats console script is not installed")
        script = Path(found)
    result = subprocess.run(
        [str(script), "validate", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert comparable(report) == api_report()
    assert report["stats"]["resources"] == 5
    assert list(tmp_path.iterdir()) == []  # validating writes nothing
