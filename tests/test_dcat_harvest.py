"""DCAT-AP that harvesters keep (issue 17): the release's ``dcat.jsonld`` and ``catalog.jsonld``
read by ckanext-dcat's own RDF parser (profile ``euro_dcat_ap_3``).

ckanext-dcat needs CKAN importable, and CKAN's pins clash with ours, so both live in a venv of
their own, ``.venv-ckan`` (made by ``.ci/run``); the parser runs there in a subprocess. Without
that venv the harvest tests skip. Without ckanext-scheming and ckanext-fluent, CKAN keeps one
language per field: the one the portal is configured with (``ckan.locale_default``), so each
language is checked by parsing with that setting.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

import changzhi_stats as cz
from changzhi_stats.release import dcat

BASE_URL = "https://data.example.org/changzhi/releases"
CKAN_PYTHON = ROOT / ".venv-ckan" / "bin" / "python"

PARSE = """
import json, sys
from ckan.common import config
from ckanext.dcat.processors import RDFParser

result = []
for path, lang in json.loads(sys.argv[1]):
    config["ckan.locale_default"] = lang
    parser = RDFParser(profiles=["euro_dcat_ap_3"])
    with open(path, encoding="utf-8") as handle:
        parser.parse(handle.read(), _format="json-ld")
    result.append(list(parser.datasets()))
print(json.dumps(result, ensure_ascii=False))
"""


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def harvest(*jobs: tuple[Path, str]) -> list[list[dict]]:
    """What ckanext-dcat makes of each file, with the portal's default language."""
    if not CKAN_PYTHON.is_file():
        pytest.skip("no .venv-ckan with ckan and ckanext-dcat (made by .ci/run)")
    done = subprocess.run(
        [str(CKAN_PYTHON), "-I", "-c", PARSE, json.dumps([[str(p), lang] for p, lang in jobs])],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 and "ModuleNotFoundError" in done.stderr:
        pytest.skip(f".venv-ckan cannot import ckanext-dcat: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def extras(dataset: dict) -> dict[str, str]:
    return {e["key"]: e["value"] for e in dataset.get("extras", [])}


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("harvest") / "releases"
    cz.publish(out=out, base_url=BASE_URL)
    return out


def test_ckanext_dcat_keeps_titles_licence_series_and_every_file(releases: Path) -> None:
    release = releases / "1.0.0"
    descriptor = json.loads((release / "datapackage.json").read_text("utf-8"))
    en, zh, catalog = harvest(
        (release / dcat.DCAT_FILE, "en"),
        (release / dcat.DCAT_FILE, "zh"),
        (releases / dcat.CATALOG_FILE, "en"),
    )
    series_uri = f"{BASE_URL}/{dcat.CATALOG_FILE}#series"
    [dataset_en] = [d for d in en if extras(d)["uri"].endswith("#dataset")]
    [dataset_zh] = [d for d in zh if extras(d)["uri"].endswith("#dataset")]
    # the title and description in each language, as a portal in that language keeps them
    assert dataset_en["title"] == descriptor["title"]
    assert dataset_zh["title"] == descriptor["title_zh"]
    assert dataset_zh["notes"] == descriptor["description_zh"]
    # keywords in both languages become tags
    assert {t["name"] for t in dataset_en["tags"]} == set(descriptor["keywords"])
    # the licence is one CKAN's register knows
    assert dataset_en["license_id"] == "cc-by"
    assert dataset_en["version"] == "1.0.0"
    assert extras(dataset_en)["publisher_name"]
    # the series: linked by URI (dct:isVersionOf), and itself harvested with both titles
    assert json.loads(extras(dataset_en)["is_version_of"]) == [series_uri]
    [series_en] = [d for d in en if extras(d)["uri"] == series_uri]
    [series_zh] = [d for d in zh if extras(d)["uri"] == series_uri]
    assert descriptor["title"] in series_en["title"]
    assert descriptor["title_zh"] in series_zh["title"]
    # every distribution, with its size, checksum and a format CKAN knows for CSV
    files = {
        r["path"]: r
        for r in descriptor["resources"]
        if r["path"].startswith("data/") and r["format"] in ("csv", "parquet")
    }
    resources = {r["url"].removeprefix(f"{BASE_URL}/1.0.0/"): r for r in dataset_en["resources"]}
    assert set(resources) == set(files)
    for path, resource in resources.items():
        assert resource["size"] == files[path]["bytes"]
        assert resource["hash"] == files[path]["hash"].removeprefix("sha256:")
        assert resource["mimetype"] == files[path]["mediatype"].split(";")[0] or "sdmx" in path
        if path.endswith(".csv"):
            assert resource["format"] == "CSV"
    names_zh = {r["name"] for r in dataset_zh["resources"]}
    assert all(any("\u4e00" <= c <= "\u9fff" for c in n) for n in names_zh)
    # the catalog: every release linked to the one series
    releases_in_catalog = [d for d in catalog if extras(d)["uri"] != series_uri]
    assert releases_in_catalog
    for dataset in releases_in_catalog:
        assert json.loads(extras(dataset)["is_version_of"]) == [series_uri]
        assert dataset["license_id"] == "cc-by"


@pytest.mark.parametrize(
    ("licence", "expected"),
    [
        ({"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}, "cc-by"),
        ({"name": "CC-BY-SA-4.0"}, "cc-by-sa"),
        ({"path": "https://creativecommons.org/publicdomain/zero/1.0/"}, "cc-zero"),
        ({"name": "ODbL-1.0"}, "odc-odbl"),
        ({"name": "ODC-By-1.0"}, "odc-by"),
        ({"name": "PDDL-1.0"}, "odc-pddl"),
        ({"name": "proprietary", "path": "https://example.org/terms"}, None),
    ],
)
def test_licence_named_by_a_uri_ckan_knows(licence: dict, expected: str | None) -> None:
    assert dcat.ckan_licence_id(licence) == expected
    node = dcat._licence({"licenses": [{**licence, "title": "Some title"}]})
    assert node is not None and node["dct:title"] == "Some title"
    if expected:
        assert node["@id"] == dcat.CKAN_LICENCES[expected]
        if "path" in licence:
            assert node["rdfs:seeAlso"] == {"@id": licence["path"]}
    else:
        assert node["@id"] == licence["path"]


def test_keywords_and_file_titles_carry_languages(releases: Path) -> None:
    document = json.loads((releases / "1.0.0" / dcat.DCAT_FILE).read_text("utf-8"))
    [dataset] = document["@graph"]
    languages = {k["@value"]: k["@language"] for k in dataset["dcat:keyword"]}
    assert languages["长治"] == "zh" and languages["Changzhi"] == "en"
    for distribution in dataset["dcat:distribution"]:
        assert {t["@language"] for t in distribution["dct:title"]} == {"en", "zh"}
        assert distribution["dcat:mediaType"]["rdfs:label"] in distribution["dcat:mediaType"]["@id"]
