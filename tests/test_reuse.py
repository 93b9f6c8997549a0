"""What a reuser relies on: the right package is checked, one series per releases folder, and a
release says under which licence, by whom and from what source (issue 13, items 4–6)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import set_cell

import changzhi_stats as cz
from changzhi_stats.cli import main
from changzhi_stats.package.descriptor import bundled_package_path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --- 4. never the wrong package ---------------------------------------------------------------


@pytest.fixture
def broken_here(package_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current folder holds a package with one bad cell."""
    set_cell(package_copy, "observations", 2, "value", "abc")
    monkeypatch.chdir(package_copy)
    return package_copy


def test_validate_without_a_path_checks_the_package_of_the_current_folder(
    broken_here: Path,
) -> None:
    report = cz.validate()
    assert not report.valid
    assert Path(report.package).resolve() == (broken_here / "datapackage.json").resolve()
    result = run("validate")
    assert result.exit_code == 1, result.output
    assert str(broken_here / "datapackage.json") in result.stdout  # the verdict names it


def test_publish_without_a_path_publishes_the_package_of_the_current_folder(
    broken_here: Path, tmp_path: Path
) -> None:
    out = tmp_path / "releases"
    with pytest.raises(cz.PublishRefused, match=re.escape(str(broken_here))):
        cz.publish(out=out)
    assert not (out / "1.0.0").exists()
    result = run("publish", "--out", str(out))
    assert result.exit_code == 1
    assert not (out / "1.0.0").exists()


def test_a_valid_package_here_is_the_one_published(
    package_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(package_copy)
    out = tmp_path / "releases"
    result = run("publish", "--out", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert Path(shown["package"]) == package_copy / "datapackage.json"


def test_without_a_package_here_the_bundled_one_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    report = cz.validate()
    assert report.valid
    assert Path(report.package) == bundled_package_path()
    assert str(bundled_package_path()) in run("validate").stdout


def test_a_broken_descriptor_here_is_reported_not_swapped_for_the_bundled_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "datapackage.json").write_text("{not json", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = cz.validate()
    assert not report.valid
    assert Path(report.package) == tmp_path / "datapackage.json"


def test_the_readme_of_init_gives_commands_that_work_where_they_are_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    observations = bundled_package_path().parent / "data" / "observations.csv"
    city = tmp_path / "new-city"
    assert run("init", str(city), "--from", str(observations), "--region", "140400").exit_code == 0
    readme = (city / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"`(cz-stats (?:validate|publish)[^`]*)`", readme)
    assert commands
    for command in commands:
        assert command.split()[2] == ".", command  # names the package: this folder
    # run from inside the folder, the command checks the new package (unfilled: invalid)
    monkeypatch.chdir(city)
    result = run("validate", ".")
    assert result.exit_code == 1
    assert "required-error" in result.stdout  # its blanks, not the bundled package
    # and so does the command without a path, naming it
    result = run("validate")
    assert result.exit_code == 1
    assert str(city / "datapackage.json") in result.stdout
