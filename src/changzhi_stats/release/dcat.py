"""DCAT-AP 3 metadata: ``dcat.jsonld`` in every release and ``catalog.jsonld`` beside them.

Written as plain JSON-LD (an inline ``@context``, no network), so the runtime needs no RDF
library; the tests parse both files with rdflib and validate them with pyshacl against the
DCAT-AP 3.0.1 SHACL shapes. Identifiers are relative to the file they are in unless a base URL
is given, so a release folder can be served from anywhere.
"""

from __future__ import annotations

import itertools
import json
import posixpath
import re
from pathlib import Path
from urllib.parse import quote

from changzhi_stats.package.files import read_json

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "adms": "http://www.w3.org/ns/adms#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
IANA = "https://www.iana.org/assignments/media-types/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
SDMX_CSV_STANDARD = (
    "https://github.com/sdmx-twg/sdmx-csv/blob/v2.0.0/data-message/docs/sdmx-csv-field-guide.md"
)
FORMATS = {"csv": ("text/csv", "CSV"), "parquet": ("application/vnd.apache.parquet", "PARQUET")}
DCAT_FILE = "dcat.jsonld"
CATALOG_FILE = "catalog.jsonld"


def _text(en: str | None, zh: str | None) -> list[dict]:
    """A bilingual literal: English and Chinese, where given."""
    values = []
    if en:
        values.append({"@value": en, "@language": "en"})
    if zh:
        values.append({"@value": zh, "@language": "zh"})
    return values


def _titles(descriptor: dict) -> tuple[list[dict], list[dict]]:
    name = str(descriptor.get("name") or "dataset")
    title = _text(descriptor.get("title") or name, descriptor.get("title_zh"))
    description = _text(
        descriptor.get("description") or descriptor.get("title") or name,
        descriptor.get("description_zh"),
    )
    return title, description


def publisher_name(descriptor: dict) -> str:
    """``publisher`` of the descriptor, else a contributor with role publisher, else the first
    contributor, else the package's name."""
    name = descriptor.get("publisher")
    if isinstance(name, dict):
        name = name.get("title") or name.get("name")
    if not isinstance(name, str) or not name:
        contributors = [c for c in descriptor.get("contributors") or [] if isinstance(c, dict)]
        chosen = next((c for c in contributors if c.get("role") == "publisher"), None)
        chosen = chosen or (contributors[0] if contributors else {})
        name = chosen.get("title") or descriptor.get("name") or "unknown"
    return str(name)


def _publisher(descriptor: dict, node_id: str) -> dict:
    return {"@id": node_id, "@type": "foaf:Agent", "foaf:name": publisher_name(descriptor)}


def licences(descriptor: dict) -> list[tuple[str, str | None]]:
    """(label, URL or None) of each licence the descriptor names (a ``name`` or a ``path``)."""
    found = []
    for licence in descriptor.get("licenses") or []:
        if not isinstance(licence, dict):
            continue
        path = licence.get("path") if _web(licence.get("path")) else None
        label = next(
            (
                licence[k].strip()
                for k in ("title", "name", "path")
                if isinstance(licence.get(k), str) and licence[k].strip()
            ),
            None,
        )
        if label:
            found.append((label, path))
    return found


def sources(descriptor: dict) -> list[tuple[str, str | None]]:
    """(title, URL or None) of each of the descriptor's ``sources``."""
    found = []
    for source in descriptor.get("sources") or []:
        if not isinstance(source, dict):
            continue
        path = source.get("path") if _web(source.get("path")) else None
        title = source.get("title") if isinstance(source.get("title"), str) else None
        if title or path:
            found.append(((title or path).strip(), path))
    return found


def _web(value: object) -> bool:
    return isinstance(value, str) and re.match(r"https?://[^\s<>\"]+\Z", value) is not None


# Licences CKAN's licence register knows, by the URI it matches them on (ckanext-dcat compares
# the dct:license URI, then its title, with the register): the identifier a harvester keeps.
CKAN_LICENCES = {
    "cc-by": "http://www.opendefinition.org/licenses/cc-by",
    "cc-by-sa": "http://www.opendefinition.org/licenses/cc-by-sa",
    "cc-zero": "http://www.opendefinition.org/licenses/cc-zero",
    "odc-odbl": "http://www.opendefinition.org/licenses/odc-odbl",
    "odc-by": "http://www.opendefinition.org/licenses/odc-by",
    "odc-pddl": "http://www.opendefinition.org/licenses/odc-pddl",
}
_LICENCE_PATTERNS = (  # (SPDX name or licence URL pattern, CKAN licence id)
    (r"^cc-by-sa\b|creativecommons\.org/licenses/by-sa/", "cc-by-sa"),
    (r"^cc-by(-[0-9.]+)?$|creativecommons\.org/licenses/by/", "cc-by"),
    (r"^cc0\b|creativecommons\.org/publicdomain/zero/", "cc-zero"),
    (r"^odbl\b|opendatacommons\.org/licenses/odbl", "odc-odbl"),
    (r"^odc-by\b|opendatacommons\.org/licenses/by/", "odc-by"),
    (r"^pddl\b|opendatacommons\.org/licenses/pddl", "odc-pddl"),
)


def ckan_licence_id(licence: dict) -> str | None:
    """The CKAN licence register's id for a descriptor's licence, if it is one CKAN knows."""
    for key in ("name", "path"):
        value = licence.get(key)
        if not isinstance(value, str):
            continue
        for pattern, licence_id in _LICENCE_PATTERNS:
            if re.search(pattern, value.strip().lower()):
                return licence_id
    return None


def _licence(descriptor: dict) -> dict | None:
    """The first licence: named by a URI CKAN's register knows where there is one (the exact
    licence document then follows as ``rdfs:seeAlso``), with its title and SPDX name."""
    for licence in descriptor.get("licenses") or []:
        if not isinstance(licence, dict):
            continue
        path = licence.get("path") if isinstance(licence.get("path"), str) else None
        known = ckan_licence_id(licence)
        if not path and not known:
            name = licence.get("title") or licence.get("name")
            if isinstance(name, str) and name.strip():  # named only (an SPDX identifier)
                return {
                    "@type": "dct:LicenseDocument",
                    "dct:title": name.strip(),
                    "dct:identifier": name.strip(),
                }
            continue
        node: dict = {"@id": CKAN_LICENCES[known] if known else path}
        node["@type"] = "dct:LicenseDocument"
        title = licence.get("title") or licence.get("name")
        if isinstance(title, str) and title:
            node["dct:title"] = title
        if isinstance(licence.get("name"), str) and licence["name"]:
            node["dct:identifier"] = licence["name"]
        if path and path != node["@id"]:
            node["rdfs:seeAlso"] = {"@id": path}
        return node
    return None


CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _keywords(descriptor: dict) -> list[dict]:
    """Keywords with a language tag (zh when they hold Chinese characters, else en), so a
    harvester files each under its language."""
    return [
        {"@value": k, "@language": "zh" if CJK.search(k) else "en"}
        for k in descriptor.get("keywords") or []
        if isinstance(k, str) and k
    ]


def _provenance(descriptor: dict) -> dict | None:
    """Where the figures come from: the descriptor's ``sources``, as a provenance statement."""
    found = sources(descriptor)
    if not found:
        return None
    text = "; ".join(t + (f" <{path}>" if path and path != t else "") for t, path in found)
    return {"@type": "dct:ProvenanceStatement", "rdfs:label": f"Source 来源: {text}"}


def _time(stamp: str | None) -> dict | None:
    if not stamp:
        return None
    kind = "xsd:dateTime" if "T" in stamp else "xsd:date"
    return {"@value": stamp, "@type": kind}


def series_node(descriptor: dict, series_id: str) -> dict:
    title, description = _titles(descriptor)
    return {
        "@id": series_id,
        # DCAT 3: a series is a dcat:Dataset too; said outright, as harvesters do not infer
        "@type": ["dcat:DatasetSeries", "dcat:Dataset"],
        "dct:title": [
            {
                **t,
                "@value": t["@value"]
                + (" — all releases" if t["@language"] == "en" else "（全部版本）"),
            }
            for t in title
        ],
        "dct:description": _text(
            "Every published release of this dataset, one dcat:Dataset per version.",
            "该数据集的全部已发布版本，每个版本一个 dcat:Dataset。",
        ),
    } | ({"skos:note": description} if description else {})


def version_notes(changes: dict) -> list[dict]:
    """Short release notes from ``changes.json``, in English and Chinese."""
    s = changes.get("summary") or {}
    old = (changes.get("old") or {}).get("version")
    if old is None:
        return _text("First release.", "首次发布。")
    bump = changes.get("bump") or "no"
    en = (
        f"{bump.capitalize()} release against {old}: {s.get('added', 0)} row(s) added, "
        f"{s.get('removed', 0)} removed, {s.get('revised', 0)} revised; "
        f"{s.get('schema', 0)} schema and {s.get('metadata', 0)} metadata change(s). "
        "See CHANGES.md."
    )
    zh = (
        f"相对于 {old}：新增 {s.get('added', 0)} 行，删除 {s.get('removed', 0)} 行，"
        f"修订 {s.get('revised', 0)} 行；结构变更 {s.get('schema', 0)} 项，"
        f"元数据变更 {s.get('metadata', 0)} 项。详见 CHANGES.md。"
    )
    return _text(en, zh)


def dataset_document(
    descriptor: dict,
    *,
    version: str,
    changes: dict,
    coverage: tuple[str, str] | None,
    regions: list[dict],
    base_url: str | None,
) -> dict:
    """The release's ``dcat.jsonld``: one Dataset with a Distribution per CSV and Parquet file.

    ``descriptor`` is the release's own ``datapackage.json`` (its resources carry bytes and
    hashes); ``coverage`` the first and last day the periods cover; ``regions`` dicts with
    ``code``, ``name_zh``, ``name_en``.
    """
    base = f"{base_url.rstrip('/')}/" if base_url else None
    here = f"{base}{version}/" if base else ""
    series_id = f"{base}{CATALOG_FILE}#series" if base else f"../{CATALOG_FILE}#series"
    title, description = _titles(descriptor)
    licence = _licence(descriptor)
    publisher = _publisher(descriptor, f"{here}{DCAT_FILE}#publisher")
    dataset: dict = {
        "@id": f"{here}{DCAT_FILE}#dataset",
        "@type": "dcat:Dataset",
        "dct:title": title,
        "dct:description": description,
        "dct:identifier": f"{descriptor.get('name') or 'dataset'}@{version}",
        "dcat:version": version,
        "owl:versionInfo": version,
        "adms:versionNotes": version_notes(changes),
        "dct:publisher": publisher,
        "dct:language": [
            {"@id": f"{LANGUAGE}ZHO", "@type": "dct:LinguisticSystem"},
            {"@id": f"{LANGUAGE}ENG", "@type": "dct:LinguisticSystem"},
        ],
        "dcat:inSeries": series_node(descriptor, series_id),
        # the same link as dct:isVersionOf: harvesters without dataset series (ckanext-dcat's
        # own profiles) keep this one, so the release stays linked to its series
        "dct:isVersionOf": {"@id": series_id},
    }
    provenance = _provenance(descriptor)
    if provenance:
        dataset["dct:provenance"] = provenance
    issued = _time(descriptor.get("created"))
    if issued:
        dataset["dct:issued"] = issued
    keywords = _keywords(descriptor)
    if keywords:
        dataset["dcat:keyword"] = keywords
    if coverage:
        dataset["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": {"@value": coverage[0], "@type": "xsd:date"},
            "dcat:endDate": {"@value": coverage[1], "@type": "xsd:date"},
        }
    if regions:
        dataset["dct:spatial"] = [
            {
                "@id": f"{here}{DCAT_FILE}#region-{r['code']}",
                "@type": "dct:Location",
                "dct:identifier": r["code"],
                "skos:prefLabel": _text(r.get("name_en"), r.get("name_zh")),
                "skos:notation": r["code"],
            }
            for r in regions
        ]
    distributions = []
    fragments: set[str] = set()
    for resource in _each_file(descriptor.get("resources") or []):
        if not isinstance(resource, dict):
            continue
        fmt = str(resource.get("format") or "").lower()
        if fmt not in FORMATS or not isinstance(resource.get("path"), str):
            continue
        media, file_type = FORMATS[fmt]
        url = f"{here}{resource['path']}"
        if resource.get("partitioning"):  # a part's name has '%' escapes: escaped in a URL
            url = f"{here}{quote(resource['path'])}"
        label = str(resource.get("title") or resource.get("name") or resource["path"])
        fragment = _unique(f"distribution-{_slug(str(resource.get('name') or url))}", fragments)
        distribution = {
            "@id": f"{here}{DCAT_FILE}#{fragment}",
            "@type": "dcat:Distribution",
            "dct:title": _text(label, resource.get("title_zh") or f"数据文件：{label}"),
            "dcat:accessURL": {"@id": url},
            "dcat:downloadURL": {"@id": url},
            # the label is the plain media type, which CKAN maps to its format (CSV)
            "dcat:mediaType": {"@id": IANA + media, "@type": "dct:MediaType", "rdfs:label": media},
            "dct:format": {"@id": FILE_TYPE + file_type, "@type": "dct:MediaTypeOrExtent"},
        }
        if url.endswith("/"):  # the folder of a partitioned table's many parts: no one download
            del distribution["dcat:downloadURL"]
        if isinstance(resource.get("bytes"), int):
            distribution["dcat:byteSize"] = {
                "@value": str(resource["bytes"]),
                "@type": "xsd:nonNegativeInteger",
            }
        digest = str(resource.get("hash") or "")
        if digest.startswith("sha256:"):
            distribution["spdx:checksum"] = {
                "@type": "spdx:Checksum",
                "spdx:algorithm": {
                    "@id": "spdx:checksumAlgorithm_sha256",
                    "@type": "spdx:ChecksumAlgorithm",
                },
                "spdx:checksumValue": {"@value": digest[7:], "@type": "xsd:hexBinary"},
            }
        if "sdmx" in str(resource.get("mediatype") or ""):
            distribution["dct:conformsTo"] = {"@id": SDMX_CSV_STANDARD, "@type": "dct:Standard"}
        if licence:
            distribution["dct:license"] = licence
        distributions.append(distribution)
    dataset["dcat:distribution"] = distributions
    return {"@context": CONTEXT, "@graph": [dataset]}


MAX_PART_DISTRIBUTIONS = 256  # more parts: one distribution, the folder of the parts


def _each_file(resources: list) -> list:
    """The resources, a partitioned table's parts each as a distribution of its own (up to
    MAX_PART_DISTRIBUTIONS; beyond, one distribution: the folder, its parts in
    datapackage.json)."""
    listed = []
    for resource in resources:
        partitioning = resource.get("partitioning") if isinstance(resource, dict) else None
        parts = partitioning.get("parts") if isinstance(partitioning, dict) else None
        if not isinstance(parts, list) or isinstance(resource.get("path"), str):
            listed.append(resource)
            continue
        title = str(resource.get("title") or resource.get("name") or "")
        field = partitioning.get("field")
        if len(parts) > MAX_PART_DISTRIBUTIONS:  # a portal wants tables, not thousands of files
            first = parts[0].get("path") if isinstance(parts[0], dict) else None
            if isinstance(first, str) and first.count("/") >= 2:
                listed.append(
                    {
                        "name": resource.get("name"),
                        "title": f"{title} ({len(parts)} parts by {field}; see datapackage.json)",
                        "format": resource.get("format"),
                        "mediatype": resource.get("mediatype"),
                        "path": first.rsplit("/", 2)[0] + "/",  # the dataset's folder
                        "partitioning": True,
                    }
                )
            continue
        for part in parts:
            if not isinstance(part, dict):
                continue
            listed.append(
                {
                    "name": f"{resource.get('name')}-{part.get('key')}",
                    "title": f"{title} ({field} = {part.get('key')})",
                    "format": resource.get("format"),
                    "mediatype": resource.get("mediatype"),
                    "path": part.get("path"),
                    "bytes": part.get("bytes"),
                    "hash": part.get("hash"),
                    "partitioning": True,
                }
            )
    return listed


def catalog_document(
    out: Path,
    versions: list[str],
    descriptor: dict,
    base_url: str | None,
    *,
    folders: dict[str, Path] | None = None,
    notes: list[str] | None = None,
) -> dict:
    """``releases/catalog.jsonld``: the Catalog, the series, and every release's Dataset.

    Each release's Dataset is copied from its ``dcat.jsonld``, with relative identifiers rebased
    onto the releases folder, so one file describes every version. ``folders`` says where a
    version not yet in ``out`` is (the one being staged). A release whose ``dcat.jsonld`` is
    damaged (not JSON, too large or deep, not DCAT) is left out, and ``notes`` says so: one
    damaged release never stops the catalog, nor a later publish.
    """
    base = f"{base_url.rstrip('/')}/" if base_url else ""
    title, description = _titles(descriptor)
    series_id = f"{base}{CATALOG_FILE}#series"
    datasets = []
    for version in versions:  # newest first
        folder = (folders or {}).get(version, out / version)
        try:
            document = read_json(folder / DCAT_FILE)
        except (OSError, ValueError) as exc:
            if notes is not None:
                notes.append(f"{version}/{DCAT_FILE}: left out of {CATALOG_FILE}: {exc}")
            continue
        graph = document.get("@graph") if isinstance(document, dict) else None
        found = [
            node
            for node in (graph if isinstance(graph, list) else [])
            if isinstance(node, dict)
            and node.get("@type") == "dcat:Dataset"
            and isinstance(node.get("@id"), str)
        ]
        if not found and notes is not None:
            notes.append(f"{version}/{DCAT_FILE}: left out of {CATALOG_FILE}: no dcat:Dataset")
        for node in found:
            node = _rebase(node, f"{version}/")
            node["dcat:inSeries"] = {"@id": series_id}
            node["dct:isVersionOf"] = {"@id": series_id}
            datasets.append(node)
    for newer, older in itertools.pairwise(datasets):
        newer["dcat:prev"] = {"@id": older["@id"]}
    series = series_node(descriptor, series_id)
    series["dct:publisher"] = {"@id": f"{base}{CATALOG_FILE}#publisher"}
    if datasets:
        series["dcat:last"] = {"@id": datasets[0]["@id"]}
        series["dcat:first"] = {"@id": datasets[-1]["@id"]}
    catalog = {
        "@id": f"{base}{CATALOG_FILE}#catalog",
        "@type": "dcat:Catalog",
        "dct:title": title,
        "dct:description": description,
        "dct:publisher": _publisher(descriptor, f"{base}{CATALOG_FILE}#publisher"),
        "dcat:dataset": [{"@id": series_id}, *({"@id": d["@id"]} for d in datasets)],
    }
    licence = _licence(descriptor)
    if licence:
        catalog["dct:license"] = licence
    return {"@context": CONTEXT, "@graph": [catalog, series, *datasets]}


def _rebase(value: object, prefix: str) -> object:
    """Relative ``@id``s of a release's file, made relative to the releases folder."""
    if isinstance(value, list):
        return [_rebase(v, prefix) for v in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key == "@id" and isinstance(item, str) and ":" not in item.split("#", 1)[0]:
            path, hash_mark, fragment = item.partition("#")
            item = posixpath.normpath(prefix + path) + hash_mark + fragment
        result[key] = _rebase(item, prefix)
    return result


def _unique(wanted: str, taken: set[str]) -> str:
    name, number = wanted, 2
    while name in taken:
        name, number = f"{wanted}-{number}", number + 1
    taken.add(name)
    return name


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-").lower() or "file"


def dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
