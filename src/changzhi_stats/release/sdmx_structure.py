"""SDMX-ML 3.0 structure message: what ``data/observations.sdmx.csv`` means, as SDMX tools read it.

``data/observations.sdmx-structure.xml`` holds the codelists of the coded columns (indicators,
regions and units from the package's own code tables, observation status and comparator from
the Table Schema's ``enum``), the concept scheme, the data structure definition (DSD) and the
dataflow the SDMX-CSV names in ``STRUCTURE_ID``. Every artefact carries one structure version,
which changes only when the structure does: the first release's is ``1.0.0``; a later release
keeps the previous release's version when its structure is the same, and bumps it otherwise
(major when a code or a component went or changed, minor when codes were added, patch when only
names changed). So data of 1.1.0 still matches a structure a portal loaded for 1.0.0.

Written with :mod:`xml.etree` (no SDMX library at run time); the tests read the SDMX-CSV against
it with pysdmx.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from changzhi_stats.package.paths import open_regular

STRUCTURE_PATH = "data/observations.sdmx-structure.xml"
STRUCTURE_MEDIATYPE = "application/vnd.sdmx.structure+xml; version=3.0.0"
FIRST_VERSION = "1.0.0"
MAX_BYTES = 20_000_000  # a previous release's structure larger than this is not read
NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message",
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/structure",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common",
}
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = f"{NS['mes']} https://registry.sdmx.org/schemas/v3_0/SDMXMessage.xsd"
ID_TYPE = re.compile(r"[A-Za-z0-9_@$\-]+\Z")
SEMVER = re.compile(r"(\d+)\.(\d+)\.(\d+)\Z")
URN_CONCEPT = "urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept"
URN_CODELIST = "urn:sdmx:org.sdmx.infomodel.codelist.Codelist"
URN_DSD = "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure"

# concept → (English name, Chinese name)
CONCEPTS = {
    "INDICATOR": ("Indicator", "指标"),
    "REF_AREA": ("Reference area", "地区"),
    "TIME_PERIOD": ("Time period", "时期"),
    "OBS_VALUE": ("Observation value", "观测值"),
    "UNIT_MEASURE": ("Unit of measure", "计量单位"),
    "UNIT_MULT": ("Unit multiplier (power of ten)", "单位倍数（10 的幂）"),
    "OBS_STATUS": ("Observation status", "观测值状态"),
    "COMPARATOR": ("Comparator: how the stated figure bounds the true one", "比较符"),
}
# coded concept → (codelist id, code table, code field, names); a code table absent or with a
# code SDMX cannot name leaves the concept uncoded (a string)
CODED = {
    "INDICATOR": ("CL_INDICATOR", "indicators", "indicator_id", ("Indicators", "指标")),
    "REF_AREA": ("CL_AREA", "regions", "region_code", ("Regions (GB/T 2260)", "地区（GB/T 2260）")),
    "UNIT_MEASURE": ("CL_UNIT", "units", "unit", ("Units", "计量单位")),
}
ENUMS = {
    "OBS_STATUS": ("CL_OBS_STATUS", "obs_status", ("Observation status", "观测值状态")),
    "COMPARATOR": ("CL_COMPARATOR", "comparator", ("Comparators", "比较符")),
}
ENUM_NAMES = {
    "A": ("Normal value", "正常值"),
    "P": ("Provisional value", "初步值"),
    "E": ("Estimated value", "估计值"),
    "eq": ("equal to", "等于"),
    "gt": ("greater than", "大于"),
    "ge": ("greater than or equal to", "大于或等于"),
    "lt": ("less than", "小于"),
    "le": ("less than or equal to", "小于或等于"),
    "approx": ("approximately", "约"),
}
# component id, role, text type when uncoded, mandatory
COMPONENTS = (
    ("INDICATOR", "dimension", "String", True),
    ("REF_AREA", "dimension", "String", True),
    ("TIME_PERIOD", "time", "ObservationalTimePeriod", True),
    ("UNIT_MEASURE", "attribute", "String", True),
    ("UNIT_MULT", "attribute", "Integer", True),
    ("OBS_STATUS", "attribute", "String", True),
    ("COMPARATOR", "attribute", "String", True),
    ("OBS_VALUE", "measure", "Double", True),
)

for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


@dataclass(frozen=True)
class Structure:
    """The structure without its version: what decides whether the version changes."""

    ident: str  # the dataflow id, e.g. CHANGZHI_STATS
    codelists: dict[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # codelist → its names
    coded: dict[str, str] = field(default_factory=dict)  # concept → codelist id

    def bump(self, old: Structure, old_version: str) -> str:
        """This structure's version, given the previous release's structure and version."""
        match = SEMVER.match(old_version)
        if not match:
            return FIRST_VERSION
        major, minor, patch = (int(g) for g in match.groups())
        if old == self:
            return old_version
        if self.ident != old.ident or self.coded != old.coded:
            return f"{major + 1}.0.0"
        codes_before = {k: {c[0] for c in v} for k, v in old.codelists.items()}
        codes_now = {k: {c[0] for c in v} for k, v in self.codelists.items()}
        if any(not codes <= codes_now.get(k, set()) for k, codes in codes_before.items()):
            return f"{major + 1}.0.0"
        if codes_before != codes_now:
            return f"{major}.{minor + 1}.0"
        return f"{major}.{minor}.{patch + 1}"


def build(ident: str, schema: dict, lookups: dict) -> Structure:
    """The structure of an observations table with ``schema``, its code tables in ``lookups``
    (``Loaded`` tables by resource name, as the release writer has them)."""
    codelists: dict[str, tuple[tuple[str, str, str], ...]] = {}
    names: dict[str, tuple[str, str]] = {}
    coded: dict[str, str] = {}
    for concept, (list_id, table, code_field, list_names) in CODED.items():
        loaded = lookups.get(table)
        frame = getattr(loaded, "frame", None)
        if frame is None or code_field not in frame.columns:
            continue
        wanted = [c for c in ("name_en", "name_zh") if c in frame.columns]
        codes: dict[str, tuple[str, str, str]] = {}
        for row in frame.select(code_field, *wanted).iter_rows(named=True):
            code = row[code_field]
            if code is None:
                continue
            code = str(code)
            en = str(row.get("name_en") or row.get("name_zh") or code)
            zh = str(row.get("name_zh") or "")
            codes.setdefault(code, (code, en, zh))
        if codes and all(ID_TYPE.match(c) for c in codes):
            codelists[list_id] = tuple(sorted(codes.values()))
            names[list_id] = list_names
            coded[concept] = list_id
    fields = {f.get("name"): f for f in schema.get("fields") or [] if isinstance(f, dict)}
    for concept, (list_id, field_name, list_names) in ENUMS.items():
        enum = ((fields.get(field_name) or {}).get("constraints") or {}).get("enum")
        if not isinstance(enum, list) or not enum:
            continue
        values = sorted({str(v) for v in enum})
        if all(ID_TYPE.match(v) for v in values):
            codelists[list_id] = tuple((v, *ENUM_NAMES.get(v, (v, ""))) for v in values)
            names[list_id] = list_names
            coded[concept] = list_id
    return Structure(ident, codelists, names, coded)


def _names(parent: ET.Element, en: str, zh: str, tag: str = "Name") -> None:
    for lang, text in (("en", en), ("zh", zh)):
        if text:
            ET.SubElement(parent, _q("com", tag), {XML_LANG: lang}).text = text


def render(structure: Structure, agency: str, version: str, prepared: str) -> bytes:
    """The SDMX-ML 3.0 structure message, byte for byte the same for the same input."""
    ident = structure.ident
    scheme = f"CS_{ident}"
    dsd = f"DSD_{ident}"
    common = {"version": version, "isExternalReference": "false", "agencyID": agency}

    def concept_urn(concept: str) -> str:
        return f"{URN_CONCEPT}={agency}:{scheme}({version}).{concept}"

    root = ET.Element(_q("mes", "Structure"), {f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION})
    header = ET.SubElement(root, _q("mes", "Header"))
    message_id = re.sub(r"[^A-Za-z0-9_]", "_", f"{agency}_{ident}_{version}_STRUCTURE")
    ET.SubElement(header, _q("mes", "ID")).text = message_id
    ET.SubElement(header, _q("mes", "Test")).text = "false"
    ET.SubElement(header, _q("mes", "Prepared")).text = prepared
    ET.SubElement(header, _q("mes", "Sender"), {"id": agency})
    structures = ET.SubElement(root, _q("mes", "Structures"))

    flows = ET.SubElement(structures, _q("str", "Dataflows"))
    flow = ET.SubElement(flows, _q("str", "Dataflow"), {"id": ident, **common})
    _names(flow, f"Observations of {ident}", f"{ident} 的观测值")
    ET.SubElement(flow, _q("str", "Structure")).text = f"{URN_DSD}={agency}:{dsd}({version})"

    if structure.codelists:
        lists = ET.SubElement(structures, _q("str", "Codelists"))
        for list_id, codes in sorted(structure.codelists.items()):
            element = ET.SubElement(
                lists, _q("str", "Codelist"), {"id": list_id, **common, "isPartial": "false"}
            )
            _names(element, *structure.names.get(list_id, (list_id, "")))
            for code, en, zh in codes:
                _names(ET.SubElement(element, _q("str", "Code"), {"id": code}), en, zh)

    schemes = ET.SubElement(structures, _q("str", "ConceptSchemes"))
    element = ET.SubElement(
        schemes, _q("str", "ConceptScheme"), {"id": scheme, **common, "isPartial": "false"}
    )
    _names(element, f"Concepts of {ident}", f"{ident} 的概念")
    for concept, (en, zh) in CONCEPTS.items():
        node = ET.SubElement(
            element, _q("str", "Concept"), {"id": concept, "urn": concept_urn(concept)}
        )
        _names(node, en, zh)

    dsds = ET.SubElement(structures, _q("str", "DataStructures"))
    element = ET.SubElement(dsds, _q("str", "DataStructure"), {"id": dsd, **common})
    _names(element, f"Data structure of {ident}", f"{ident} 的数据结构")
    components = ET.SubElement(element, _q("str", "DataStructureComponents"))
    dimensions = ET.SubElement(components, _q("str", "DimensionList"))
    attributes = ET.SubElement(components, _q("str", "AttributeList"))
    measures = ET.SubElement(components, _q("str", "MeasureList"))
    position = 0
    for concept, role, text_type, mandatory in COMPONENTS:
        if role == "dimension":
            position += 1
            node = ET.SubElement(
                dimensions, _q("str", "Dimension"), {"id": concept, "position": str(position)}
            )
        elif role == "time":
            node = ET.SubElement(dimensions, _q("str", "TimeDimension"), {"id": concept})
        elif role == "attribute":
            usage = {"usage": "mandatory" if mandatory else "optional", "id": concept}
            node = ET.SubElement(attributes, _q("str", "Attribute"), usage)
        else:
            node = ET.SubElement(measures, _q("str", "Measure"), {"id": concept})
        ET.SubElement(node, _q("str", "ConceptIdentity")).text = concept_urn(concept)
        representation = ET.SubElement(node, _q("str", "LocalRepresentation"))
        list_id = structure.coded.get(concept)
        if list_id:
            ET.SubElement(
                representation, _q("str", "Enumeration")
            ).text = f"{URN_CODELIST}={agency}:{list_id}({version})"
        else:
            ET.SubElement(representation, _q("str", "TextFormat"), {"textType": text_type})
        if role == "attribute":
            relationship = ET.SubElement(node, _q("str", "AttributeRelationship"))
            ET.SubElement(relationship, _q("str", "Observation"))
            measure = ET.SubElement(node, _q("str", "MeasureRelationship"))
            ET.SubElement(measure, _q("str", "Measure")).text = "OBS_VALUE"
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def parse(data: bytes) -> tuple[Structure, str] | None:
    """The structure and version of a message :func:`render` wrote; None for anything else."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    flow = root.find("./mes:Structures/str:Dataflows/str:Dataflow", NS)
    if flow is None or not flow.get("id") or not flow.get("version"):
        return None

    def names(element: ET.Element) -> tuple[str, str]:
        found = {n.get(XML_LANG): n.text or "" for n in element.findall("com:Name", NS)}
        return found.get("en", ""), found.get("zh", "")

    codelists, list_names = {}, {}
    for element in root.findall("./mes:Structures/str:Codelists/str:Codelist", NS):
        list_id = element.get("id") or ""
        list_names[list_id] = names(element)
        codelists[list_id] = tuple(
            (code.get("id") or "", *names(code)) for code in element.findall("str:Code", NS)
        )
    coded = {}
    for node in root.iterfind(".//str:DataStructureComponents//str:LocalRepresentation/..", NS):
        enumeration = node.find("str:LocalRepresentation/str:Enumeration", NS)
        if enumeration is not None and node.get("id"):
            match = re.search(r":([A-Za-z0-9_@$\-]+)\(", enumeration.text or "")
            coded[node.get("id")] = match[1] if match else ""
    structure = Structure(flow.get("id") or "", codelists, list_names, coded)
    return structure, flow.get("version") or ""


def previous_structure(releases: Path, version: str) -> tuple[Structure, str] | None:
    """The structure of the newest release in ``releases`` older than ``version``, if it has
    one this module wrote (a damaged or missing one counts as none: the version then starts
    over from the release's own history, never stops a publish)."""
    wanted = _key(version)
    older = []
    for folder in releases.iterdir() if releases.is_dir() else ():
        key = _key(folder.name)
        if key is not None and wanted is not None and key < wanted:
            older.append((key, folder))
    for _, folder in sorted(older, reverse=True):
        try:
            stream = open_regular(folder / STRUCTURE_PATH, "rb", follow_symlinks=False)
        except OSError:  # absent, unreadable, a link, a FIFO: no earlier structure
            return None
        with stream:
            data = stream.read(MAX_BYTES + 1)
        return parse(data) if len(data) <= MAX_BYTES else None
    return None


def _key(version: str) -> tuple[int, int, int] | None:
    match = SEMVER.match(version)
    return tuple(int(g) for g in match.groups()) if match else None  # type: ignore[return-value]


def plan(reference: str, schema: dict, lookups: dict, releases: Path, version: str) -> Plan:
    """The structure of this release and its version, against the releases in ``releases``
    before ``version``; ``reference`` is the SDMX-CSV's ``AGENCY:ID(VERSION)``."""
    agency, _, rest = reference.partition(":")
    structure = build(rest.split("(", 1)[0], schema, lookups)
    before = previous_structure(releases, version)
    structure_version = structure.bump(*before) if before else FIRST_VERSION
    return Plan(structure, structure_version, agency)


@dataclass(frozen=True)
class Plan:
    structure: Structure
    version: str
    agency: str

    def write(self, path: Path, prepared: str | None) -> None:
        stamp = prepared or "1970-01-01T00:00:00Z"
        path.write_bytes(render(self.structure, self.agency, self.version, stamp))

    def resource(self, name: str) -> dict:
        """The file's entry in the release's ``datapackage.json`` (without bytes and hash)."""
        return {
            "name": name,
            "type": "file",
            "title": "Observations: SDMX-ML 3.0 structure (codelists, concepts, DSD, dataflow)",
            "description": f"Structure version {self.version}; see docs/portal.md.",
            "path": STRUCTURE_PATH,
            "format": "xml",
            "mediatype": STRUCTURE_MEDIATYPE,
            "encoding": "utf-8",
        }
