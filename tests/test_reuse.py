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


# --- 6. what a reuser needs ----------------------------------------------------------------

TABLE = {"t": {"fields": ["id:integer", "label"], "data": [["id", "label"], ["1", "a"]]}}
LICENCE = [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}]


@pytest.fixture
def make_package(make_package):
    """Packages with only the title and licences given (conftest's have both by default)."""

    def make(tables: dict, **descriptor: object) -> Path:
        folder = make_package(tables, **descriptor)
        path = folder / "datapackage.json"
        content = json.loads(path.read_text("utf-8"))
        for key in ("title", "licenses"):
            if key not in descriptor:
                del content[key]
        path.write_text(json.dumps(content, ensure_ascii=False))
        return folder

    return make


def test_validate_warns_of_a_package_without_title_or_licence(make_package) -> None:
    report = cz.validate(make_package(TABLE))
    assert report.valid  # the data may be right: a warning, publish refuses
    found = {p.check: p for p in report.warnings}
    assert sorted(found) == ["missing-license", "missing-title"]
    assert all(p.resource is None and p.row is None for p in report.warnings)
    assert (
        "licen" in found["missing-license"].message
        and "publish" in found["missing-license"].message
    )
    fine = cz.validate(make_package(TABLE, title="T", licenses=LICENCE))
    assert fine.warnings == []
    # an empty title, or licences that name nothing, are missing too
    empty = cz.validate(make_package(TABLE, title=" ", licenses=[{"title": ""}]))
    assert sorted(p.check for p in empty.warnings) == ["missing-license", "missing-title"]
    zh = cz.validate(make_package(TABLE), lang="zh").warnings
    assert any("许可" in p.message for p in zh)


@pytest.mark.parametrize(
    ("descriptor", "lacks"),
    [
        ({}, "no title and no licence"),
        ({"title": "T"}, "no licence"),
        ({"licenses": LICENCE}, "no title"),
    ],
)
def test_publish_refuses_a_package_without_title_or_licence(
    make_package, tmp_path: Path, descriptor: dict, lacks: str
) -> None:
    folder = make_package(TABLE, version="1.0.0", **descriptor)
    out = tmp_path / "releases"
    with pytest.raises(cz.PublishRefused, match=lacks):
        cz.publish(folder, out=out)
    assert not out.exists()
    result = run("publish", str(folder), "--out", str(out))
    assert result.exit_code == 1
    assert lacks in result.output
    assert not out.exists()


def test_the_release_page_and_dcat_show_licence_publisher_and_source(
    make_package, tmp_path: Path
) -> None:
    folder = make_package(
        TABLE,
        version="1.0.0",
        title="Budget",
        licenses=[{"name": "ODC-By-1.0"}],  # a name alone, no URL
        contributors=[{"title": "Statistics Bureau", "role": "publisher"}],
        sources=[{"title": "Budget report 2024", "path": "https://example.org/budget.pdf"}],
    )
    out = tmp_path / "releases"
    cz.publish(folder, out=out)
    page = (out / "1.0.0" / "index.html").read_text("utf-8")
    reuse = page.split('<dl id="reuse">', 1)[1].split("</dl>", 1)[0]
    assert "ODC-By-1.0" in reuse and "Statistics Bureau" in reuse
    assert '<a href="https://example.org/budget.pdf">Budget report 2024</a>' in reuse
    graph = json.loads((out / "1.0.0" / "dcat.jsonld").read_text("utf-8"))["@graph"]
    dataset = next(n for n in graph if n["@type"] == "dcat:Dataset")
    assert dataset["dct:publisher"]["foaf:name"] == "Statistics Bureau"
    assert "Budget report 2024" in dataset["dct:provenance"]["rdfs:label"]
    for distribution in dataset["dcat:distribution"]:
        assert distribution["dct:license"]["dct:title"] == "ODC-By-1.0"
    catalog = json.loads((out / "catalog.jsonld").read_text("utf-8"))["@graph"][0]
    assert catalog["dct:license"]["dct:title"] == "ODC-By-1.0"


def test_the_bundled_release_shows_its_licence_and_sources(bundled: Path, tmp_path: Path) -> None:
    cz.publish(bundled, out=tmp_path)
    page = (tmp_path / "1.0.0" / "index.html").read_text("utf-8")
    reuse = page.split('<dl id="reuse">', 1)[1].split("</dl>", 1)[0]
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in reuse
    assert "山西日报" in reuse
    graph = json.loads((tmp_path / "1.0.0" / "dcat.jsonld").read_text("utf-8"))["@graph"]
    dataset = next(n for n in graph if n["@type"] == "dcat:Dataset")
    assert "山西日报" in dataset["dct:provenance"]["rdfs:label"]
