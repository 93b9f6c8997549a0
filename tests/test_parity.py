"""Parity with frictionless-py: every finding it makes, cz-stats makes too (docs/parity.md).

Both tools run on every package of the external corpus and on small generated packages. Their
findings are reduced to ``(resource, row, field, kind)`` places, with ``kind`` normalised through
:data:`KINDS` (the table of docs/parity.md), and every frictionless place must be among the
cz-stats places, unless an entry of :data:`INTENDED` (each documented in docs/parity.md, with a
test below that holds it) says why not.
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

frictionless = pytest.importorskip("frictionless")
from conftest import compress  # noqa: E402
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import changzhi_stats  # noqa: E402
from changzhi_stats.report.catalogue import CAUSES  # noqa: E402

# frictionless-py error type -> cz-stats check code (docs/parity.md, "Error types").
# None: frictionless only produces it under an option or check that `validate(path)` does not
# turn on; it is listed so a new type in a frictionless release is noticed (see the test below).
KINDS: dict[str, str | None] = {
    # descriptors and files
    "package-error": "package-error",
    "resource-error": "resource-error",
    "schema-error": "schema-error",
    "field-error": "schema-error",
    "dialect-error": "resource-error",
    "control-error": "resource-error",
    "source-error": "source-error",
    "scheme-error": "unsafe-path",  # or remote-not-supported under --allow-remote
    "format-error": "format-error",
    "encoding-error": "encoding-error",
    "compression-error": "source-error",
    "hash-count": "hash-count",
    "byte-count": "byte-count",
    # the header
    "blank-label": "blank-label",
    "duplicate-label": "duplicate-label",
    "incorrect-label": "incorrect-label",
    "missing-label": "missing-label",
    "extra-label": "extra-label",
    "blank-header": "blank-label",
    "unmatched-header": None,
    # rows and cells
    "blank-row": "blank-row",
    "primary-key": "primary-key",
    "foreign-key": "foreign-key",
    "extra-cell": "extra-cell",
    "missing-cell": "missing-cell",
    "type-error": "type-error",
    "unique-error": "unique-error",
    "constraint-error": "<constraint>",  # by the constraint named in the note: CONSTRAINTS
    "duplicate-row": None,
    "row-constraint": None,
    "truncated-value": None,
    "forbidden-value": None,
    "sequential-value": None,
    "ascii-value": None,
    "deviated-value": None,
    "deviated-cell": None,
    "required-value": None,
    "field-count": None,
    "row-count": None,
    "table-dimensions": None,
}

# frictionless' one constraint-error, split by the constraint its note names.
CONSTRAINTS = {
    "required": "required-error",
    "unique": "unique-error",
    "enum": "enum-error",
    "pattern": "pattern-error",
    "minimum": "minimum-error",
    "maximum": "maximum-error",
    "exclusiveMinimum": "minimum-error",
    "exclusiveMaximum": "maximum-error",
    "minLength": "min-length-error",
    "maxLength": "max-length-error",
}

LABELS = {"blank-label", "duplicate-label", "incorrect-label", "missing-label", "extra-label"}
WHOLE_ROW = {"blank-row", "primary-key", "foreign-key", "extra-cell", "extra-label"}
DESCRIPTOR = {
    "package-error",
    "resource-error",
    "schema-error",
    "source-error",
    "format-error",
    "encoding-error",
    "byte-count",
    "hash-count",
    "unsafe-path",
    "remote-not-supported",
}

EMPTY_KEY = "primary-key (no key value)"
NO_VALUE = {"blank-row", "required-error", "type-error", "missing-cell"}

Place = tuple[str | None, int | None, str | None, str]


def place(resource: str | None, row: int | None, field: str | None, kind: str) -> Place:
    """One finding reduced to what both tools can say alike."""
    if kind in DESCRIPTOR:  # frictionless may say it of the package, cz-stats of a resource
        return (None, None, None, kind)
    if kind in LABELS:  # frictionless gives labels no row; cz-stats says row 1
        row = 1
    if kind in WHOLE_ROW:  # frictionless names no field (or ""), cz-stats none or the key's
        field = None
    return (resource, row, field or None, kind)


def frictionless_kind(error) -> str:
    kind = KINDS.get(error.type, error.type)  # unknown: kept, so it shows up as missed
    if kind == "primary-key" and 'all "None"' in (error.note or ""):
        return EMPTY_KEY  # no key value at all: not a repeat (see INTENDED)
    if kind == "<constraint>":
        match = re.search(r'constraint "(\w+)"', error.note or "")
        kind = CONSTRAINTS.get(match.group(1), "constraint-error") if match else "constraint-error"
    return kind or error.type


def frictionless_places(path: Path) -> set[Place]:
    report = frictionless.validate(str(path))
    found = {place(None, None, None, frictionless_kind(e)) for e in report.errors}
    for task in report.tasks:
        for error in task.errors:
            found.add(
                place(
                    task.name,
                    getattr(error, "row_number", None),
                    getattr(error, "field_name", None),
                    frictionless_kind(error),
                )
            )
    return found


def cz_places(path: Path) -> set[Place]:
    report = changzhi_stats.validate(path, max_errors=10**6, lang="en")
    return {
        place(p.resource, p.row, p.field, p.check)
        for p in report.errors + report.warnings
        if p.check not in REUSE  # what a reuser needs: not judged by frictionless
    }


REUSE = {"missing-title", "missing-license"}


@dataclass(frozen=True)
class Difference:
    """A frictionless finding cz-stats deliberately does not make in the same form."""

    name: str
    applies: Callable[[Place, set[Place]], bool]  # (frictionless place, all cz-stats places)
    reason: str
    doc: str = "docs/parity.md#intended-differences"


INTENDED = [
    Difference(
        "header-row-detection",
        lambda p, cz: p[0] == "co2-mm-gl" and p[3] in {"incorrect-label", "extra-label"},
        "cz-stats reads the header from row 1 as the dialect says (default headerRows [1]); "
        "frictionless sniffs headerRows [2] for co2-ppm/co2-mm-gl, whose data rows are wider "
        "than its header, and reports the labels of that data row. cz-stats reports the real "
        "fault there instead: two extra-cell findings on each of the 568 rows.",
    ),
    Difference(
        "primary-key-without-value",
        lambda p, cz: p[3] == EMPTY_KEY and any(c[:2] == p[:2] and c[3] in NO_VALUE for c in cz),
        "frictionless reports primary-key when every key cell of a row has no typed value "
        "(empty, a missing value, or not of the field's type). cz-stats keeps primary-key for "
        "a repeated key and reports why the cell has no value instead, on that row: "
        "required-error (empty key cell), type-error, missing-cell, or blank-row (a blank row "
        "is reported once and not checked further).",
    ),
    Difference(
        "one-finding-per-cause",
        lambda p, cz: any(c[0] == p[0] and c[3] in CAUSES for c in cz),
        "a title row, a GB18030 file read as UTF-8, data on another sheet, merged-cell blanks "
        "and trailing empty rows and columns are one finding each (issue 14), standing for the "
        "findings frictionless reports one by one.",
    ),
    Difference(
        "required-on-missing-cell",
        lambda p, cz: p[3] == "required-error" and (p[0], p[1], p[2], "missing-cell") in cz,
        "a cell absent from a short row is reported once, as missing-cell at the same "
        "(row, field); frictionless also reports constraint-error 'required' there.",
    ),
]


def missed(fr: set[Place], cz: set[Place]) -> list[tuple[Place, str | None]]:
    """frictionless places cz-stats lacks, with the intended difference that explains each."""
    out = []
    for p in sorted(fr - cz, key=repr):
        why = next((d.name for d in INTENDED if d.applies(p, cz)), None)
        out.append((p, why))
    return out


def assert_included(path: Path) -> None:
    fr, cz = frictionless_places(path), cz_places(path)
    unexplained = [p for p, why in missed(fr, cz) if why is None]
    assert not unexplained, f"frictionless findings cz-stats misses: {unexplained}"


# --- the mapping table itself --------------------------------------------------------------


def test_every_frictionless_error_type_is_mapped() -> None:
    """A frictionless release that adds an error type fails here until docs/parity.md maps it."""
    import frictionless.errors as errors_module

    types = {
        cls.type
        for cls in vars(errors_module).values()
        if isinstance(cls, type) and issubclass(cls, frictionless.errors.Error)
    }
    abstract = {"error", "data-error", "file-error", "table-error", "header-error", "label-error"}
    abstract |= {"row-error", "cell-error", "metadata-error"}
    # errors about catalogs, checklists, pipelines, inquiries, reports and stats: objects that
    # validating a package does not involve
    other = {"catalog-error", "dataset-error", "checklist-error", "check-error", "detector-error"}
    other |= {"inquiry-error", "inquiry-task-error", "pipeline-error", "step-error"}
    other |= {"report-error", "report-task-error", "stats-error"}
    assert types - abstract - other == set(KINDS)


def test_parity_page_lists_every_mapping() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "parity.md").read_text("utf-8")
    for kind in KINDS:
        assert f"`{kind}`" in page, kind
    for code in CONSTRAINTS.values():
        assert f"`{code}`" in page, code
    for difference in INTENDED:
        assert f"`{difference.name}`" in page, difference.name


# --- the corpus ------------------------------------------------------------------------------

CORPUS_PACKAGES = [
    "co2-ppm",
    "country-codes",
    "cpi",
    "e-highway",
    "frictionless-py-invalid",
    "gdp",
    "gdp-uk",
    "global-temp",
    "house-prices-us",
    "inflation",
]


@pytest.mark.parametrize("name", CORPUS_PACKAGES)
def test_corpus_findings_are_included(corpus: Path, name: str) -> None:
    path = corpus / name / "datapackage.json"
    if not path.is_file():
        pytest.skip(f"{name} is not in the corpus")
    assert_included(path)


def test_corpus_lists_every_package(corpus: Path) -> None:
    present = {p.name for p in corpus.iterdir() if (p / "datapackage.json").is_file()}
    assert present <= set(CORPUS_PACKAGES), present - set(CORPUS_PACKAGES)


# --- each intended difference, held by running both tools ------------------------------------


def _one_table(folder: Path, fields: list[dict], text: str, **schema: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "t.csv").write_text(text, encoding="utf-8")
    resource = {"name": "t", "path": "t.csv", "schema": {"fields": fields, **schema}}
    descriptor = {"name": "parity", "resources": [resource]}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder / "datapackage.json"


def test_difference_header_row_detection(corpus: Path) -> None:
    path = corpus / "co2-ppm" / "datapackage.json"
    fr, cz = frictionless_places(path), cz_places(path)
    gl_fr = {p[3] for p in fr if p[0] == "co2-mm-gl"}
    assert gl_fr == {"incorrect-label", "extra-label"}
    assert ("co2-mm-gl", 2, None, "extra-cell") in cz
    explained = {why for _, why in missed(fr, cz)}
    assert explained == {"header-row-detection"}


def test_difference_header_row_detection_on_a_tiny_table(tmp_path: Path) -> None:
    fields = [{"name": f"f{i}"} for i in range(4)]
    path = _one_table(tmp_path, fields, "f0,f1,f2,f3\ntrue\n")
    fr = frictionless_places(path)
    assert ("t", 1, "f0", "incorrect-label") in fr  # it took "true" for the header
    missing = {("t", 2, f"f{i}", "missing-cell") for i in (1, 2, 3)}
    assert cz_places(path) == missing
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"][0]["dialect"] = {"headerRows": [1]}  # stated: no sniffing
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    assert frictionless_places(path) == missing == cz_places(path)


def test_difference_primary_key_without_value(tmp_path: Path) -> None:
    fields = [{"name": "a", "type": "integer"}, {"name": "b"}]
    path = _one_table(tmp_path, fields, "a,b\n,\n1,2\n,x\nyes,y\n", primaryKey=["a"])
    fr, cz = frictionless_places(path), cz_places(path)
    assert {("t", r, None, EMPTY_KEY) for r in (2, 4, 5)} <= fr
    assert ("t", 2, None, "blank-row") in fr
    assert cz == {
        ("t", 2, None, "blank-row"),
        ("t", 4, "a", "required-error"),
        ("t", 5, "a", "type-error"),
    }
    assert {why for _, why in missed(fr, cz)} == {"primary-key-without-value"}


def test_difference_required_on_missing_cell(tmp_path: Path) -> None:
    fields = [{"name": "a"}, {"name": "b", "constraints": {"required": True}}]
    path = _one_table(tmp_path, fields, "a,b\n1\n")
    fr, cz = frictionless_places(path), cz_places(path)
    assert fr == {("t", 2, "b", "missing-cell"), ("t", 2, "b", "required-error")}
    assert cz == {("t", 2, "b", "missing-cell")}
    assert [why for _, why in missed(fr, cz)] == ["required-on-missing-cell"]


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz", "zip"])
def test_compressed_resources_are_read_alike(tmp_path: Path, kind: str) -> None:
    """Closed gap: cz-stats reads compressed CSV and finds what frictionless finds inside."""
    (tmp_path / f"t.csv.{kind}").write_bytes(compress(kind, b"a,b\n1,x\ny\n3,z,w\n"))
    fields = [{"name": "a", "type": "integer"}, {"name": "b"}]
    resource = {"name": "t", "path": f"t.csv.{kind}", "schema": {"fields": fields}}
    resource["dialect"] = {"headerRows": [1]}
    descriptor = {"name": "parity", "resources": [resource]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    path = tmp_path / "datapackage.json"
    expected = {
        ("t", 3, "a", "type-error"),
        ("t", 3, "b", "missing-cell"),
        ("t", 4, None, "extra-cell"),
    }
    assert frictionless_places(path) == expected == cz_places(path)


@pytest.mark.parametrize("content", [b"\x1f\x8b not really gzip", b"plain text"])
def test_a_corrupt_compressed_file_is_reported_alike(tmp_path: Path, content: bytes) -> None:
    """frictionless: compression-error (or source-error when cut short); cz-stats: source-error."""
    (tmp_path / "t.csv.gz").write_bytes(content)
    resource = {"name": "t", "path": "t.csv.gz", "schema": {"fields": [{"name": "a"}]}}
    descriptor = {"name": "parity", "resources": [resource]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    path = tmp_path / "datapackage.json"
    assert frictionless_places(path) == {(None, None, None, "source-error")} == cz_places(path)


def test_declared_bytes_and_hash_are_checked_alike(tmp_path: Path) -> None:
    """Closed gap: byte-count and hash-count, as frictionless reports them."""
    path = _one_table(tmp_path, [{"name": "a"}], "a\n1\n")
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"][0].update(bytes=5, hash="sha256:00")
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    expected = {(None, None, None, "hash-count"), (None, None, None, "byte-count")}
    assert frictionless_places(path) == expected == cz_places(path)
    descriptor["resources"][0].update(bytes=4, hash="b6a8b30a49f6ba2d0bfc9b3b8ad1e5c3")  # bare: MD5
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    assert frictionless_places(path) == {(None, None, None, "hash-count")} == cz_places(path)


def test_an_invalid_json_descriptor_is_reported_alike(tmp_path: Path) -> None:
    """Closed difference: frictionless reports invalid JSON as package-error, so does cz-stats
    (with the line and column); the CLI exits 1, not 2."""
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "datapackage.json").write_text("{bad", encoding="utf-8")
    path = tmp_path / "datapackage.json"
    assert frictionless_places(path) == {(None, None, None, "package-error")} == cz_places(path)
    report = changzhi_stats.validate(path)
    assert "line 1 column 2" in report.errors[0].message


def test_a_missing_descriptor_raises(tmp_path: Path) -> None:
    """The one remaining difference: no file at all is PackageUnreadable (exit 2)."""
    with pytest.raises(changzhi_stats.PackageUnreadable):
        changzhi_stats.validate(tmp_path / "datapackage.json")


def test_difference_no_stop_at_1000_errors(tmp_path: Path) -> None:
    path = _one_table(tmp_path, [{"name": "a", "type": "integer"}], "a\n" + "x\n" * 1100)
    assert len(frictionless.validate(str(path)).tasks[0].errors) == 1000
    assert len(changzhi_stats.validate(path, max_errors=10**6).errors) == 1100
    capped = changzhi_stats.validate(path)  # lists 1000 per check, counts and checks them all
    assert len(capped.errors) == 1000 and capped.counts["type-error"] == 1100


@pytest.mark.parametrize("text", ["１２", "１.５", "inf", "-inf", "nan", "Infinity", "1_000"])
def test_difference_strict_number_lexical_form(tmp_path: Path, text: str) -> None:
    fields = [{"name": "a", "type": "number"}]
    path = _one_table(tmp_path, fields, f"a\n{text}\n")
    assert frictionless_places(path) == set()
    assert cz_places(path) == {("t", 2, "a", "type-error")}


def test_difference_leading_space_in_label(tmp_path: Path) -> None:
    path = _one_table(tmp_path, [{"name": "date"}, {"name": "GDP"}], "date, GDP\n2020, 1\n")
    assert frictionless_places(path) == set()  # it sniffs skipInitialSpace
    assert cz_places(path) == {("t", 1, "GDP", "incorrect-label")}


def test_foreign_keys_compare_typed_values(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "p.csv").write_text("id\n1\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("ref\n01\n", encoding="utf-8")
    schema_p = {"fields": [{"name": "id", "type": "integer"}], "primaryKey": ["id"]}
    fk = {"fields": ["ref"], "reference": {"resource": "p", "fields": ["id"]}}
    schema_c = {"fields": [{"name": "ref", "type": "integer"}], "foreignKeys": [fk]}
    descriptor = {
        "name": "parity",
        "resources": [
            {"name": "p", "path": "p.csv", "schema": schema_p},
            {"name": "c", "path": "c.csv", "schema": schema_c},
        ],
    }
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    path = tmp_path / "datapackage.json"
    assert frictionless_places(path) == set()  # typed: 01 == 1 (tests/test_foreign_key_types.py)
    assert cz_places(path) == set()


def _two_tables(folder: Path, parent: tuple[str, str], child: tuple[str, str]) -> Path:
    """p(f0) and c(f0) with c.f0 -> p.f0; each given as (type, CSV text)."""
    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    for name, (kind, text) in (("p", parent), ("c", child)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
        schema: dict = {"fields": [{"name": "f0", "type": kind}]}
        resources.append({"name": name, "path": f"{name}.csv", "schema": schema})
    fk = {"fields": ["f0"], "reference": {"resource": "p", "fields": ["f0"]}}
    resources[1]["schema"]["foreignKeys"] = [fk]
    descriptor = {"name": "parity", "resources": resources}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder / "datapackage.json"


def test_foreign_key_target_with_a_type_error_is_no_key(tmp_path: Path) -> None:
    """Found by the generated packages: a referenced cell that is a type-error is no key value
    (frictionless drops it), so a child row pointing at its text is a foreign-key error."""
    path = _two_tables(tmp_path, ("integer", "f0\n0\n1.5\n"), ("number", "f0\n1.5\n"))
    expected = {("p", 3, "f0", "type-error"), ("c", 2, None, "foreign-key")}
    assert frictionless_places(path) == expected
    assert cz_places(path) == expected


def test_foreign_key_cell_with_a_type_error_is_not_checked(tmp_path: Path) -> None:
    path = _two_tables(tmp_path / "a", ("integer", "f0\n0\nx\n"), ("integer", "f0\nx\n"))
    expected = {("p", 3, "f0", "type-error"), ("c", 2, "f0", "type-error")}
    assert frictionless_places(path) == expected
    assert cz_places(path) == expected


def test_constraint_error_is_split_by_constraint(tmp_path: Path) -> None:
    fields = [
        {"name": "a", "type": "integer", "constraints": {"minimum": 3, "maximum": 5}},
        {"name": "b", "constraints": {"pattern": "[a-c]+", "minLength": 2, "maxLength": 3}},
        {"name": "c", "constraints": {"enum": ["x", "y"]}},
    ]
    path = _one_table(tmp_path, fields, "a,b,c\n1,d,z\n9,abcd,x\n")
    expected = {
        ("t", 2, "a", "minimum-error"),
        ("t", 2, "b", "min-length-error"),
        ("t", 2, "b", "pattern-error"),
        ("t", 2, "c", "enum-error"),
        ("t", 3, "a", "maximum-error"),
        ("t", 3, "b", "max-length-error"),
        ("t", 3, "b", "pattern-error"),
    }
    assert frictionless_places(path) == expected
    assert cz_places(path) == expected


def test_extra_cells_are_counted_alike(tmp_path: Path) -> None:
    path = _one_table(tmp_path, [{"name": "a"}, {"name": "b"}], "a,b\n1,2,3,4\n")
    assert len(frictionless.validate(str(path)).tasks[0].errors) == 2
    assert len(changzhi_stats.validate(path).errors) == 2


# --- generated packages ----------------------------------------------------------------------

# Per type: texts both tools read alike (valid, and invalid in ASCII only), and a constraint
# builder. None of them touches an intended difference (no inf/nan, no full-width digits, no
# leading spaces).
VALUES = {
    "string": ["a", "ab", "abc", "b", "bc", "zz", "abcd", "x y"],
    "integer": ["0", "1", "2", "5", "-3", "42", "x", "1.5", "1e3", "7a"],
    "number": ["0", "1.5", "2", "-2.25", "10", "3.0", "abc", "1..2", "--1", "1,5"],
    "boolean": ["true", "false", "True", "FALSE", "1", "0", "yes", "no", "t"],
    "date": ["2020-01-31", "2021-06-01", "1999-12-31", "2021-13-01", "2020-02-30", "nope"],
    # format "any": whatever dateutil reads (issue 15)
    "date-any": ["1993-Jan", "1880", "2020-01-31", "May 2020", "2020-13-45", "nope", "1/2/2003"],
    # %z reads the UTC designator Z, as Python's strptime (issue 15)
    "datetime-z": [
        "2020-05-30T02:57:37Z",
        "2020-05-30T02:57:37+0200",
        "2020-05-30T02:57:37",
        "2020-05-30 02:57:37Z",
        "nope",
    ],
    # number forms (issue 15): decimalChar and groupChar, bareNumber false
    "number-eu": ["1,5", "1.000,5", "2", "1.5", "x", "-3,25", "1.000.000"],
    "number-bare": ["$1.5", "1.5%", "EUR 3", "x", "-2", ".5", "1.5e3 kg"],
    "integer-bare": ["$15", "15%", "x", "-2", "1,000", "7 people"],
    "boolean-yes": ["yes", "no", "Y", "N", "true", "0"],
    # Data Package v2 list (issue 15)
    "list": ["a,b", "a", "x y", "a,,b"],
    "list-integer": ["1;2", "3", "1;x", "1; 2", ";", "-4;5;6"],
    "list-date": ["2020-01-31|2021-06-01", "2020-02-30", "2020-01-31|", "nope"],
}
# the field a kind of VALUES stands for (by default, the Table Schema type of that name)
KIND_FIELDS = {
    "date-any": {"type": "date", "format": "any"},
    "datetime-z": {"type": "datetime", "format": "%Y-%m-%dT%H:%M:%S%z"},
    "number-eu": {"type": "number", "decimalChar": ",", "groupChar": "."},
    "number-bare": {"type": "number", "bareNumber": False},
    "integer-bare": {"type": "integer", "bareNumber": False},
    "boolean-yes": {"type": "boolean", "trueValues": ["yes", "Y"], "falseValues": ["no", "N"]},
    "list": {"type": "list"},
    "list-integer": {"type": "list", "itemType": "integer", "delimiter": ";"},
    "list-date": {"type": "list", "itemType": "date", "delimiter": "|"},
}


def kind_of(field: dict) -> str:
    matching = [(len(f), k) for k, f in KIND_FIELDS.items() if f.items() <= field.items()]
    return max(matching)[1] if matching else field["type"]


@st.composite
def constraints_for(draw, kind: str) -> dict:
    out: dict = {}
    if draw(st.booleans()):
        out["required"] = True
    if kind in KIND_FIELDS:  # frictionless fills what a format-any cell leaves out from today
        return out
    if draw(st.integers(0, 4)) == 0:
        out["unique"] = True
    valid = [v for v in VALUES[kind] if v not in {"x", "1.5", "1e3", "7a", "abc", "1..2", "--1"}]
    valid = [v for v in valid if v not in {"1,5", "yes", "no", "t", "2021-13-01", "2020-02-30"}]
    valid = [v for v in valid if v != "nope"]
    if kind in {"string", "integer"} and draw(st.integers(0, 3)) == 0:
        picked = draw(st.lists(st.sampled_from(valid), min_size=1, max_size=3, unique=True))
        out["enum"] = [int(v) for v in picked] if kind == "integer" else picked
    if kind in {"integer", "number", "date"}:
        for bound in ("minimum", "maximum"):
            if draw(st.integers(0, 2)) == 0:
                value = draw(st.sampled_from(valid))
                out[bound] = int(value) if kind == "integer" else value
                if kind == "number":
                    out[bound] = float(value)
    if kind == "string":
        if draw(st.integers(0, 2)) == 0:
            out["pattern"] = draw(st.sampled_from(["[a-c]+", "a.*", "[a-z]{2}"]))
        if draw(st.integers(0, 2)) == 0:
            out["minLength"] = draw(st.integers(1, 3))
        if draw(st.integers(0, 2)) == 0:
            out["maxLength"] = draw(st.integers(1, 3))
    return out


@st.composite
def packages(draw) -> tuple[list[dict], list[list[str]]]:
    width = draw(st.integers(1, 4))
    fields = []
    for i in range(width):
        kinds = sorted(VALUES)
        if i in (0, width - 1):  # key fields: frictionless-py cannot hash a list (it raises)
            kinds = [k for k in kinds if not k.startswith("list")]
        kind = draw(st.sampled_from(kinds))
        field = {"name": f"f{i}", **KIND_FIELDS.get(kind, {"type": kind})}
        constraints = draw(constraints_for(kind))
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        shape = draw(st.sampled_from(["ok"] * 6 + ["blank", "extra", "missing"]))
        if shape == "blank":
            rows.append([""] * width)
            continue
        row = [draw(st.sampled_from([*VALUES[kind_of(f)], ""])) for f in fields]
        if shape == "extra":
            row += draw(st.lists(st.sampled_from(["a", "1", ""]), min_size=1, max_size=2))
        elif shape == "missing" and width > 1:
            row = row[: draw(st.integers(1, width - 1))]
        rows.append(row)
    return fields, rows


def _write_table(
    path: Path, fields: list[dict], rows: list[list[str]], na: bool, reverse: bool = False
) -> None:
    """``reverse``: the columns in reverse order (for a fieldsMatch matching by name)."""
    order = slice(None, None, -1) if reverse else slice(None)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([f["name"] for f in fields][order])
        writer.writerows([["NA" if na and v == "" else v for v in row][order] for row in rows])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    packages(),
    packages(),
    st.booleans(),
    st.sampled_from(["none", "other", "self"]),
    st.booleans(),
    st.sampled_from(["csv", "csv", "gz", "zip"]),
    st.sampled_from(["none", "none", "right", "bytes", "hash", "md5"]),
    st.sampled_from(["v1", "v1", "exact", "equal", "subset", "superset", "partial"]),
)
@example(  # a flake once: dateutil reads "1" as a date, which the boolean true is not
    (
        [{"name": "f0", "type": "date", "format": "any"}],
        [["1993-Jan", "1"], ["1993-Jan"], ["1993-Jan"], ["1993-Jan"], ["1993-Jan"], ["1993-Jan"]],
    ),
    (
        [
            {"name": "f0", "type": "boolean", "constraints": {"unique": True}},
            {"name": "f1", "type": "boolean", "constraints": {"unique": True}},
            {"name": "f2", "type": "boolean", "constraints": {"unique": True}},
        ],
        [["1", "true", "true"]],
    ),
    False,
    "other",
    False,
    "csv",
    "none",
    "equal",
)
def test_generated_findings_are_included(
    spec, other, with_key: bool, fk: str, na: bool, compression: str, declared: str, v2: str
) -> None:
    """Table t, and (unless fk is "none") a table c whose first field refers to t's first
    field, or (fk "self") whose last field refers to its own first. ``na``: missing values
    are written "NA" and declared in ``missingValues``. ``compression``: t's file is
    compressed; ``declared``: t declares its bytes and hash, right or with one planted wrong.
    ``v2``: a Data Package v2 (``$schema``), with missingValues in object form, key fields as
    one string, and t's ``fieldsMatch`` this mode (other than exact: t's columns reversed)."""
    import hashlib

    tables = {"t": spec} if fk == "none" else {"t": spec, "c": other}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        resources = []
        for name, (fields, rows) in tables.items():
            reverse = name == "t" and v2 not in ("v1", "exact")
            _write_table(folder / f"{name}.csv", fields, rows, na, reverse)
            path = f"{name}.csv"
            if name == "t" and compression != "csv":
                plain = folder / path
                path = f"{path}.{compression}"
                (folder / path).write_bytes(compress(compression, plain.read_bytes()))
                plain.unlink()
            schema: dict = {"fields": fields}
            if na:
                schema["missingValues"] = ["", "NA"]
                if v2 != "v1":
                    schema["missingValues"] = [{"value": ""}, {"value": "NA", "label": "n/a"}]
            if name == "t" and v2 != "v1":
                schema["fieldsMatch"] = v2
                for f in fields:  # v2 categories in object form: metadata to both tools
                    if f["type"] == "string":
                        f["categories"] = [{"value": "a", "label": "A"}, {"value": "b"}]
            # headerRows stated: frictionless would otherwise sniff another row as the header
            # on some tiny tables (intended difference header-row-detection)
            dialect = {"headerRows": [1]}
            resources.append({"name": name, "path": path, "schema": schema})
            if any(kind_of(f) == "datetime-z" for f in fields):
                # frictionless' encoding guess takes an ASCII file with "+0200" for UTF-7 and
                # reports an encoding-error (docs/parity.md): the encoding is stated
                resources[-1]["encoding"] = "utf-8"
            resources[-1]["dialect"] = dialect
            if name == "t" and declared != "none":
                content = (folder / path).read_bytes()
                resources[-1]["bytes"] = len(content) + (declared == "bytes")
                digest = hashlib.sha256(content + (b"x" if declared == "hash" else b""))
                resources[-1]["hash"] = "sha256:" + digest.hexdigest()
                if declared == "md5":  # a bare hash is MD5; planted wrong
                    resources[-1]["hash"] = hashlib.md5(content + b"x").hexdigest()
        if with_key:
            resources[0]["schema"]["primaryKey"] = [spec[0][0]["name"]]
            if v2 != "v1":
                resources[0]["schema"]["primaryKey"] = spec[0][0]["name"]
        if fk != "none":
            first, last = other[0][0]["name"], other[0][-1]["name"]
            target = {"resource": "t", "fields": [spec[0][0]["name"]]}
            if fk == "self":
                target = {"resource": "", "fields": [first]}
            key = {"fields": [last if fk == "self" else first], "reference": target}
            if v2 != "v1":  # v2: one key field may be named by a string
                key["fields"] = key["fields"][0]
                target["fields"] = target["fields"][0]
            resources[1]["schema"]["foreignKeys"] = [key]
        descriptor: dict = {"name": "parity", "resources": resources}
        if v2 != "v1":
            descriptor["$schema"] = "https://datapackage.org/profiles/2.0/datapackage.json"
        (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        assert_included(folder / "datapackage.json")
