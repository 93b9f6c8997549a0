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


# --- 5. one series per releases folder -----------------------------------------------------


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


def _another_city(package_copy: Path, name: str = "another-city") -> Path:
    descriptor = json.loads((package_copy / "datapackage.json").read_text("utf-8"))
    descriptor.update(name=name, version="1.1.0")
    (package_copy / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    return package_copy


@pytest.mark.parametrize("bump", [None, "auto", "minor"])
def test_publish_refuses_another_packages_series_and_touches_nothing(
    bundled: Path, package_copy: Path, tmp_path: Path, bump: str | None
) -> None:
    out = tmp_path / "releases"
    cz.publish(bundled, out=out)
    other = _another_city(package_copy)
    before = _snapshot(out)
    with pytest.raises(cz.PublishRefused) as caught:
        cz.publish(other, out=out, bump=bump)
    message = str(caught.value)
    assert "'changzhi-stats'" in message and "'another-city'" in message
    assert _snapshot(out) == before
    args = ["publish", str(other), "--out", str(out)] + (["--bump", bump] if bump else [])
    result = run(*args)
    assert result.exit_code == 1
    assert "another-city" in result.output and "changzhi-stats" in result.output
    assert _snapshot(out) == before


def test_the_series_is_read_from_the_latest_release_when_index_json_is_gone(
    bundled: Path, package_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "releases"
    cz.publish(bundled, out=out)
    (out / "index.json").unlink()
    with pytest.raises(cz.PublishRefused, match="another-city"):
        cz.publish(_another_city(package_copy), out=out)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "1.0.0",
        "catalog.jsonld",
    ]


def test_the_same_series_goes_on(bundled: Path, package_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "releases"
    cz.publish(bundled, out=out)
    release = cz.publish(_another_city(package_copy, "changzhi-stats"), out=out)
    assert release.version == "1.1.0"
    index = json.loads((out / "index.json").read_text("utf-8"))
    assert index["name"] == "changzhi-stats"
