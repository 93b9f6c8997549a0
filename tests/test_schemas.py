"""The Table Schemas: one source of truth in ``schemas/``, carried unchanged inside the bundled
package, used by every resource, and judged valid by frictionless-py itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from changzhi_stats.package.descriptor import bundled_package_path, bundled_schemas_path

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
PACKAGE = ROOT / "datapackage"
MODEL = ["indicators", "observations", "regions", "sources", "units"]


def test_the_model_has_its_schemas() -> None:
    assert sorted(p.stem for p in SCHEMAS.glob("*.json")) == MODEL


def test_bundled_package_carries_the_same_schema_files() -> None:
    assert sorted(p.name for p in (PACKAGE / "schemas").glob("*.json")) == sorted(
        p.name for p in SCHEMAS.glob("*.json")
    )


@pytest.mark.parametrize("name", MODEL)
def test_schema_is_byte_identical(name: str) -> None:
    assert (PACKAGE / "schemas" / f"{name}.json").read_bytes() == (
        SCHEMAS / f"{name}.json"
    ).read_bytes()


def test_installed_paths_point_at_these_files() -> None:
    """In the checkout (editable install) or a wheel, the API finds the same schemas."""
    shipped = bundled_schemas_path()
    for name in MODEL:
        assert (shipped / f"{name}.json").read_bytes() == (SCHEMAS / f"{name}.json").read_bytes()
    package = bundled_package_path()
    assert (package.parent / "schemas").is_dir()


def test_every_resource_uses_its_schema() -> None:
    descriptor = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))
    resources = descriptor["resources"]
    assert sorted(r["name"] for r in resources) == MODEL
    for resource in resources:
        name = resource["name"]
        assert resource["schema"] == f"schemas/{name}.json", name
        assert resource["path"] == f"data/{name}.csv", name
        schema = json.loads((PACKAGE / resource["schema"]).read_text(encoding="utf-8"))
        header = (PACKAGE / resource["path"]).read_text(encoding="utf-8").split("\n", 1)[0]
        assert header.split(",") == [f["name"] for f in schema["fields"]], name


def test_schemas_are_well_formed_table_schemas() -> None:
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        names = [f["name"] for f in schema["fields"]]
        assert len(names) == len(set(names)), path.name
        assert all(f.get("description") for f in schema["fields"]), path.name
        assert set(schema["primaryKey"]) <= set(names), path.name
        for fk in schema.get("foreignKeys", []):
            assert set(fk["fields"]) <= set(names), path.name
            target = fk["reference"]["resource"] or path.stem
            target_schema = json.loads((SCHEMAS / f"{target}.json").read_text(encoding="utf-8"))
            assert fk["reference"]["fields"] == target_schema["primaryKey"], (path.name, fk)


def test_the_package_is_self_contained() -> None:
    """Nothing the bundled package uses lies outside its folder."""
    descriptor = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))
    base = PACKAGE.resolve()
    for resource in descriptor["resources"]:
        for key in ("path", "schema"):
            target = (PACKAGE / resource[key]).resolve()
            assert target.is_file() and target.is_relative_to(base), resource[key]
    sources = (PACKAGE / "data" / "sources.csv").read_text(encoding="utf-8").splitlines()
    head = sources[0].split(",")
    for line in sources[1:]:
        import csv

        row = next(csv.reader([line]))
        text = (PACKAGE / row[head.index("path")]).resolve()
        assert text.is_file() and text.is_relative_to(base)


def test_stored_source_text_is_the_press_release() -> None:
    shared = ROOT.parent / "shared" / "sources"
    if not shared.is_dir():
        pytest.skip("../shared/sources is absent")
    for original in shared.glob("*.txt"):
        assert (PACKAGE / "sources" / original.name).read_bytes() == original.read_bytes()


def test_frictionless_says_the_bundled_package_is_valid() -> None:
    import frictionless

    report = frictionless.validate(str(PACKAGE / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert len(report.tasks) == len(MODEL)
    assert all(task.stats["rows"] > 0 for task in report.tasks)
