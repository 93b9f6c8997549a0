"""The catalogue of check codes: declared once, as data, and referenced by code everywhere else.

A check code is a stable kebab-case name that users script against. Its severity decides whether
it blocks publishing. ``docs/checks.md`` documents every code; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class CheckSpec:
    """One check code: what it means and how its message reads."""

    code: str
    severity: str
    title: str
    template: str  # str.format() template; placeholders come from the finding's params


def _spec(code: str, severity: str, title: str, template: str) -> CheckSpec:
    return CheckSpec(code, severity, title, template)


_ALL = (
    # --- the package and its files -----------------------------------------------------------
    _spec("package-error", ERROR, "Invalid package descriptor", "{note}"),
    _spec("resource-error", ERROR, "Invalid resource descriptor", "{note}"),
    _spec("schema-error", ERROR, "Invalid Table Schema", "{note}"),
    _spec(
        "unsafe-path",
        ERROR,
        "Path outside the package",
        "path {path!r} is {why}; it was not read",
    ),
    _spec(
        "remote-not-supported",
        ERROR,
        "Remote data cannot be fetched",
        "path {path!r} is a URL; remote data was allowed, but cz-stats does not fetch it yet: "
        "download it into the package folder; it was not read",
    ),
    _spec(
        "profile-not-fetched",
        WARNING,
        "Custom profile not applied",
        "{key} {value!r} names a custom profile; it was not fetched or read (cz-stats judges "
        "descriptors by the standard Data Package profiles only)",
    ),
    _spec(
        "remote-schema",
        ERROR,
        "Remote schema or dialect not fetched",
        "{key} {value!r} is a URL: cz-stats reads a {key} only from the package folder and "
        "never fetches one; download it into the package folder and give its relative path; "
        "the resource was not read",
    ),
    _spec(
        "remote-profile",
        WARNING,
        "Remote profile not fetched",
        "{key} {value!r} is a remote profile (a URL): it was not fetched, so the descriptor was "
        "judged by the standard Data Package profiles only; to check it against that profile, "
        "download the profile and validate the descriptor with it yourself",
    ),
    _spec("source-error", ERROR, "File cannot be read", "{note}"),
    _spec(
        "limit-exceeded",
        ERROR,
        "Over a reading limit",
        "{what}, over the limit of {limit}; {consequence}; {hint}",
    ),
    _spec("format-error", ERROR, "Unsupported format", "{note}"),
    _spec(
        "encoding-error",
        ERROR,
        "Bytes not valid in the declared encoding",
        "bytes {value} are not valid {encoding}{hint}",
    ),
    _spec(
        "byte-count",
        ERROR,
        "File size differs from the declared bytes",
        "file {path!r} is {actual} bytes, but the resource declares {declared} bytes",
    ),
    _spec(
        "hash-count",
        ERROR,
        "File hash differs from the declared hash",
        "file {path!r} has {algorithm} {actual}, but the resource declares {declared}",
    ),
    # --- the header --------------------------------------------------------------------------
    _spec("blank-label", ERROR, "Blank header label", "column {column} has no label"),
    _spec(
        "duplicate-label",
        ERROR,
        "Duplicate header label",
        "label {value!r} of column {column} repeats column {first}",
    ),
    _spec(
        "incorrect-label",
        ERROR,
        "Header label differs from the schema",
        "column {column} is labelled {value!r} but the schema names it {field!r}",
    ),
    _spec(
        "missing-label",
        ERROR,
        "Schema field missing from the file",
        "the schema declares field {field!r} (column {column}) but the file has no such column",
    ),
    _spec(
        "extra-label",
        ERROR,
        "Column not in the schema",
        "column {column} labelled {value!r} is not declared in the schema",
    ),
    # --- rows --------------------------------------------------------------------------------
    _spec("blank-row", ERROR, "Blank row", "row is empty"),
    _spec(
        "extra-cell",
        ERROR,
        "More cells than the header",
        "row has {actual} cells, the header has {expected}",
    ),
    _spec(
        "missing-cell",
        ERROR,
        "Fewer cells than the header",
        "row has {actual} cells, so field {field!r} is missing",
    ),
    # --- Table Schema field checks -----------------------------------------------------------
    _spec("type-error", ERROR, "Value does not match the field type", "{why}"),
    _spec("required-error", ERROR, "Required value missing", "a value is required"),
    _spec("unique-error", ERROR, "Value repeats", "value repeats row {first}"),
    _spec("enum-error", ERROR, "Value not in the allowed list", "must be one of {enum}"),
    _spec("pattern-error", ERROR, "Value does not match the pattern", "must match {pattern}"),
    _spec("minimum-error", ERROR, "Value below the minimum", "must be {op} {bound}"),
    _spec("maximum-error", ERROR, "Value above the maximum", "must be {op} {bound}"),
    _spec(
        "min-length-error",
        ERROR,
        "Value too short",
        "must have at least {bound} characters",
    ),
    _spec("max-length-error", ERROR, "Value too long", "must have at most {bound} characters"),
    _spec(
        "primary-key",
        ERROR,
        "Primary key repeats",
        "the key ({field}) repeats row {first}",
    ),
    _spec(
        "foreign-key",
        ERROR,
        "Value not found in the referenced table",
        "{value!r} not found in {target}",
    ),
    # --- statistical rules -------------------------------------------------------------------
    _spec(
        "value-not-finite",
        ERROR,
        "Value is not a finite number",
        "a published figure must be finite, not {value}",
    ),
    _spec("share-range", ERROR, "Share out of range", "share must be within 0..100"),
    _spec(
        "growth-range",
        ERROR,
        "Growth below -100 %",
        "a year-on-year growth rate cannot be below -100 %",
    ),
    _spec(
        "growth-implausible",
        WARNING,
        "Implausible growth",
        "growth over {limit} % is implausible; check the source",
    ),
    _spec("rank-range", ERROR, "Invalid rank", "a rank must be a whole number of 1 or more"),
    _spec(
        "count-not-whole",
        ERROR,
        "Count is not a whole number",
        "a count of unit {unit!r} must be a whole number",
    ),
    _spec("count-negative", ERROR, "Negative count", "a count cannot be negative"),
    _spec(
        "unit-mismatch",
        ERROR,
        "Unit differs from the indicator's",
        "indicator {indicator!r} is measured in {expected!r}",
    ),
    _spec(
        "multiplier-mismatch",
        ERROR,
        "Unit multiplier differs from the indicator's",
        "indicator {indicator!r} is stated with multiplier {expected}",
    ),
    _spec(
        "period-format",
        ERROR,
        "Period not in the period grammar",
        "a period is YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD or START/END of one of those",
    ),
    _spec("period-invalid", ERROR, "Not a real calendar period", "{why}"),
    _spec(
        "period-after-source",
        ERROR,
        "Period ends after its source was published",
        "period ends {end}, after source {source!r} was published on {published}",
    ),
    _spec(
        "quote-not-in-source",
        ERROR,
        "Quote not found in the source text",
        "quote is not found verbatim in the text of source {source!r}",
    ),
    _spec(
        "value-not-in-quote",
        ERROR,
        "Value is not a figure of its quote",
        "{why}; the quote states: {figures}",
    ),
    _spec(
        "quote-figure-unclear",
        WARNING,
        "Quote does not settle the value",
        "{why}; the quote states: {figures}",
    ),
    # --- spreadsheet safety ------------------------------------------------------------------
    _spec(
        "nul-byte",
        ERROR,
        "NUL byte in text",
        "the text contains a NUL byte (U+0000), which databases and many tools refuse; "
        "the file may be UTF-16 or binary: save it as UTF-8 text",
    ),
    _spec(
        "formula-injection",
        WARNING,
        "Text a spreadsheet would run as a formula",
        "text starting with =, +, -, @, a tab or a carriage return is run as a formula when "
        "the CSV is opened in a spreadsheet; keep it only if it is meant as text",
    ),
    # --- what a reuser needs -----------------------------------------------------------------
    _spec(
        "missing-title",
        WARNING,
        "Package has no title",
        'the package has no title, so a reuser cannot tell what it holds; add "title" to '
        "datapackage.json (publish refuses a package without one)",
    ),
    _spec(
        "missing-license",
        WARNING,
        "Package has no licence",
        'the package names no licence, so its data cannot legally be reused; add "licenses", '
        'e.g. [{{"name": "CC-BY-4.0", "path": '
        '"https://creativecommons.org/licenses/by/4.0/"}}] (publish refuses a package '
        "without one)",
    ),
    # --- spreadsheet cells as displayed ------------------------------------------------------
    _spec(
        "cell-format-rounds",
        ERROR,
        "Cell shows other digits than it holds",
        "the cell holds {stored} but its number format {format!r} shows {value}; it is read as "
        "shown: type the figure meant, or widen the format so that both agree",
    ),
    _spec(
        "date-cell-in-text",
        ERROR,
        "Spreadsheet date in a text field",
        "the cell is a spreadsheet date (day {value}, format {format!r}), not the text typed: "
        "Excel turns a period such as 2024-09 into the first day of the month; format the "
        "column as Text and type it again",
    ),
    # --- one finding per cause (issue 14): the findings a cause would flood are counted in it
    _spec(
        "header-not-first-row",
        ERROR,
        "Header not on row 1",
        "the header is row {header}, below {above} row(s) of title such as {title!r}: delete "
        "the rows above the header so that it is row 1; the table was not checked further "
        "({hidden} finding(s) of this cause not listed)",
    ),
    _spec(
        "encoding-gb18030",
        ERROR,
        "File in GB18030/GBK, not UTF-8",
        'the file is not UTF-8 but reads as GB18030/GBK: declare "encoding": "gb18030" in the '
        "resource, or save the file as UTF-8 ({hidden} row(s) with bytes not valid UTF-8 not "
        "listed)",
    ),
    _spec(
        "data-on-other-sheet",
        ERROR,
        "Data on another sheet",
        "sheet {read!r} does not hold the schema's header, sheet {found!r} does (sheets: "
        '{sheets}): declare "sheet": {declare} in the resource; the table was not checked '
        "further ({hidden} finding(s) of this cause not listed)",
    ),
    _spec(
        "merged-cell-blanks",
        ERROR,
        "Blanks below a value, as merged cells leave them",
        "column {field!r} is blank below a value in {blanks} row(s) from row {first}, as an export "
        "of merged cells leaves it: fill each blank with the value above it (in a spreadsheet: "
        "unmerge the cells, then fill down) ({hidden} finding(s) of this cause not listed)",
    ),
    _spec(
        "trailing-empty",
        ERROR,
        "Empty rows or columns at the end",
        "the table ends with {rows} empty row(s) and {columns} empty column(s), as a spreadsheet "
        "export leaves them: delete them ({hidden} finding(s) of this cause not listed)",
    ),
)

CHECKS: dict[str, CheckSpec] = {spec.code: spec for spec in _ALL}
# the codes of a cause: one finding that stands for the findings it would otherwise flood
CAUSES = frozenset(
    {
        "header-not-first-row",
        "encoding-gb18030",
        "data-on-other-sheet",
        "merged-cell-blanks",
        "trailing-empty",
    }
)


def spec(code: str) -> CheckSpec:
    """Look a check up by code; an unknown code is a programming error, so it raises KeyError."""
    return CHECKS[code]


# --- results of the other commands: verify's findings, diff's changes ---------------------------
# Not validation checks (they are not in CHECKS and never in a validation report): what
# ``cz-stats verify`` finds wrong with a file of a release (the ``problem`` of each finding) and
# what ``cz-stats diff`` reports changed (the ``change`` of each schema change; the kinds of row
# and metadata change name the lists they are reported in). Same dialect as the checks: stable
# kebab-case codes, documented in docs/checks.md, Chinese titles in i18n.

VERIFY = "verify"
DIFF = "diff"


@dataclass(frozen=True)
class ResultSpec:
    """One code of a command's results: ``kind`` is the command (``verify`` or ``diff``)."""

    code: str
    kind: str
    title: str
    breaking: bool | None = None  # a diff change: does it call for a major version


_RESULTS = (
    ResultSpec("symlink", VERIFY, "A link, not a file"),
    ResultSpec("not-a-file", VERIFY, "Not a regular file"),
    ResultSpec("unreadable", VERIFY, "File cannot be read"),
    ResultSpec("missing", VERIFY, "File absent"),
    ResultSpec("unlisted", VERIFY, "File not listed in SHA256SUMS"),
    ResultSpec("malformed", VERIFY, "SHA256SUMS line malformed"),
    ResultSpec("unsafe-path", VERIFY, "Path outside the release"),
    ResultSpec("checksum-mismatch", VERIFY, "sha256 differs from SHA256SUMS"),
    ResultSpec("not-in-sha256sums", VERIFY, "Resource not listed in SHA256SUMS"),
    ResultSpec("bytes-mismatch", VERIFY, "Size differs from the descriptor"),
    ResultSpec("hash-mismatch", VERIFY, "sha256 differs from the descriptor"),
    ResultSpec("invalid-descriptor", VERIFY, "Invalid release descriptor"),
    ResultSpec("copies-differ", VERIFY, "CSV and Parquet copies differ"),
    ResultSpec("invalid-dcat", VERIFY, "Invalid dcat.jsonld"),
    ResultSpec("dcat-mismatch", VERIFY, "dcat.jsonld disagrees with the file"),
    ResultSpec("resource-added", DIFF, "Resource added", breaking=False),
    ResultSpec("resource-removed", DIFF, "Resource removed", breaking=True),
    ResultSpec("field-added", DIFF, "Field added", breaking=False),
    ResultSpec("field-removed", DIFF, "Field removed", breaking=True),
    ResultSpec("field-renamed", DIFF, "Field renamed", breaking=True),
    ResultSpec("field-retyped", DIFF, "Field type changed", breaking=True),
    ResultSpec("primary-key-changed", DIFF, "Primary key changed", breaking=True),
    ResultSpec("foreign-keys-changed", DIFF, "Foreign keys changed", breaking=True),
    ResultSpec("row-added", DIFF, "Row added", breaking=False),
    ResultSpec("row-removed", DIFF, "Row removed", breaking=False),
    ResultSpec("row-revised", DIFF, "Row revised", breaking=False),
    ResultSpec("metadata-changed", DIFF, "Metadata changed", breaking=False),
)

VERIFY_FINDINGS: dict[str, ResultSpec] = {r.code: r for r in _RESULTS if r.kind == VERIFY}
DIFF_CHANGES: dict[str, ResultSpec] = {r.code: r for r in _RESULTS if r.kind == DIFF}
RESULTS: dict[str, dict[str, ResultSpec]] = {VERIFY: VERIFY_FINDINGS, DIFF: DIFF_CHANGES}


def result(kind: str, code: str) -> ResultSpec:
    """Look a verify finding or diff change up; an unknown code is a programming error
    (KeyError), as with :func:`spec`."""
    return RESULTS[kind][code]
