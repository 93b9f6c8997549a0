"""Hostile descriptors, schemas, dialects and API arguments (issue 18).

A descriptor from elsewhere must never make cz-stats fetch or read anything it names beyond the
package's own files, never hang it, and never end in an internal error: every bad value is a
finding, every bad argument a :class:`CzStatsError`.
"""

from __future__ import annotations

import builtins
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REUSABLE

import changzhi_stats as cz
from changzhi_stats.cli import main


def write(folder: Path, descriptor: object, csv: str = "a,b\n1,x\n") -> Path:
    """A package folder holding ``descriptor`` (a dict, or raw JSON text) and ``t.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    text = descriptor if isinstance(descriptor, str) else json.dumps(descriptor)
    (folder / "datapackage.json").write_text(text, encoding="utf-8")
    (folder / "t.csv").write_text(csv, encoding="utf-8")
    return folder


def package(
    field: dict | None = None,
    resource: dict | None = None,
    schema: dict | None = None,
    top: dict | None = None,
) -> dict:
    """A one-table package (fields a: integer, b: string) with keys changed as given."""
    b = {"name": "b", "type": "string", **(field or {})}
    table_schema = {"fields": [{"name": "a", "type": "integer"}, b], **(schema or {})}
    res = {"name": "t", "path": "t.csv", "schema": table_schema, **(resource or {})}
    return {"name": "p", **REUSABLE, "resources": [res], **(top or {})}


def checks(report: cz.Report) -> set[str]:
    return {p.check for p in report.errors + report.warnings}


def messages(report: cz.Report) -> str:
    return "\n".join(p.message for p in report.errors + report.warnings)


# --- 1. no key of a descriptor is fetched or read -----------------------------------------------


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that counts requests and answers with a JSON profile."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = b'{"type": "object", "required": ["SECRET-ANSWER"]}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize(
    "where",
    ["package", "resource", "package-profiles", "resource-profiles", "schema-ref"],
)
def test_a_profile_url_is_never_fetched(
    tmp_path: Path, server: tuple[str, list[str]], where: str
) -> None:
    """A custom profile URL used to be fetched, and the answer echoed in a finding."""
    url, hits = server
    profile = f"{url}/profile.json"
    descriptor = {
        "package": package(top={"profile": profile}),
        "resource": package(resource={"profile": profile}),
        "package-profiles": package(top={"profiles": [profile]}),
        "resource-profiles": package(resource={"profiles": [profile]}),
        "schema-ref": package(top={"$schema": profile, "$ref": profile}, schema={"$ref": profile}),
    }[where]
    folder = write(tmp_path / "pkg", descriptor)
    report = cz.validate(folder)
    assert hits == []
    assert "SECRET-ANSWER" not in messages(report)
    assert "remote-profile" in checks(report)  # a URL: named as remote (issue 15)
    found = next(p for p in report.warnings if p.check == "remote-profile")
    assert found.resource == ("t" if where.startswith("resource") else None)
    assert profile in found.message
    assert report.valid  # a warning: the data itself is fine


def test_diff_and_publish_do_not_fetch_a_profile(
    tmp_path: Path, server: tuple[str, list[str]]
) -> None:
    url, hits = server
    folder = write(tmp_path / "pkg", package(top={"profile": f"{url}/p.json"}))
    out = tmp_path / "out"
    cz.publish(folder, version="1.0.0", out=out)
    cz.publish(folder, version="1.0.1", out=out)
    cz.diff(out / "1.0.0", out / "1.0.1")
    assert hits == []


def test_a_relative_profile_path_is_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``"profile": "dev/zero"`` run from ``/`` used to read /dev/zero until memory ran out."""
    folder = tmp_path / "pkg"
    descriptor = package(top={"profile": "dev/zero"}, resource={"profile": "etc/passwd"})
    descriptor["resources"].append(
        {"name": "u", "path": "t.csv", "profile": "../../etc/passwd", "schema": {"fields": []}}
    )
    write(folder, descriptor)
    opened: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file, *args, **kwargs):
        if isinstance(file, str | Path):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def spy_os_open(path, *args, **kwargs):
        opened.append(str(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    monkeypatch.chdir("/")
    report = cz.validate(folder)
    assert not [p for p in opened if "zero" in p or "passwd" in p]
    assert {p.resource for p in report.warnings if p.check == "profile-not-fetched"} == {
        None,
        "t",
        "u",
    }


def test_frictionless_safe_keeps_standard_profiles_and_drops_the_rest() -> None:
    """The helper verify.py and others can use before handing a descriptor to frictionless."""
    from changzhi_stats.package.descriptor import frictionless_safe

    descriptor = {
        "profile": "tabular-data-package",
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "resources": [
            {"name": "a", "profile": "tabular-data-resource", "schema": "a.json"},
            {"name": "b", "profile": "fiscal-data-package", "dialect": {"$ref": "x"}},
        ],
    }
    safe, dropped = frictionless_safe(descriptor)
    assert safe["profile"] == "tabular-data-package"
    assert safe["$schema"] == descriptor["$schema"]
    assert safe["resources"][0] == {"name": "a", "profile": "tabular-data-resource"}
    assert safe["resources"][1] == {"name": "b", "dialect": {}}
    assert dropped == [("b", "profile", "fiscal-data-package")]
    assert descriptor["resources"][0]["schema"] == "a.json"  # the original is untouched


# --- 2. patterns run in linear time, or are a schema-error --------------------------------------

CATASTROPHIC = "a" * 40 + "!"


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("(?=a)(a+)+$", "look-around"),
        ("(?<=x)a", "look-around"),
        ("(a+)+\\1", "back-reference"),
        ("a{4294967296}", "a{4294967296}"),
        ("(a{1000}){1000}", "size limit"),
        ("[", "unclosed"),
    ],
)
def test_a_pattern_polars_cannot_run_is_a_schema_error(
    tmp_path: Path, pattern: str, why: str
) -> None:
    """Such a pattern used to go to Python's re (hanging on the cell) or raise an internal
    error (OverflowError for a{4294967296})."""
    folder = write(
        tmp_path / "pkg",
        package(field={"constraints": {"pattern": pattern}}),
        csv=f"a,b\n1,{CATASTROPHIC}\n",
    )
    report = cz.validate(folder)
    assert checks(report) == {"schema-error"}
    assert why in messages(report) or why.replace("-", "") in messages(report)


def test_a_backtracking_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    """Python's re takes hours on (a+)+b against 40 'a's and a '!'; Rust's regex does not."""
    folder = write(
        tmp_path / "pkg",
        package(field={"constraints": {"pattern": "(a+)+b"}}),
        csv=f"a,b\n1,{CATASTROPHIC}\n2,aab\n",
    )
    report = cz.validate(folder)
    assert [(p.check, p.row) for p in report.errors] == [("pattern-error", 2)]


@pytest.mark.parametrize("pattern", [5, None, ["a"], {"x": 1}, True])
def test_a_pattern_that_is_not_text_is_a_schema_error(tmp_path: Path, pattern: object) -> None:
    folder = write(tmp_path / "pkg", package(field={"constraints": {"pattern": pattern}}))
    report = cz.validate(folder)
    assert "schema-error" in checks(report)
    assert "pattern-error" not in checks(report)


# --- 3. every descriptor value: a finding, never an internal error -------------------------------

# raw JSON tokens that json.dumps cannot write: placed as strings, then replaced in the text
RAW = {
    "@INF@": "1e999",
    "@NINF@": "-1e999",
    "@NAN@": "NaN",
    "@BIG@": "9" * 5000,
}
HOSTILE: list[object] = [
    None,
    "@INF@",
    "@NINF@",
    "@NAN@",
    "@BIG@",
    "",
    "x" * (1 << 20),
    [[[["deep"]]], {"a": [None]}],
    {"nested": {"object": [1, "x"]}},
    True,
    False,
    -1,
    2**70,
    0.5,
    "\x00",
    "，",
    "::",
    "../../etc/passwd",
]
# (where, key): where is a path of keys into package(); "field" is field b, "dialect" the dialect
KEYS = [
    *[("top", k) for k in ("name", "title", "profile", "$schema", "created", "version")],
    *[("top", k) for k in ("licenses", "sources", "contributors", "keywords", "resources")],
    *[
        ("resource", k)
        for k in (
            "name",
            "path",
            "format",
            "encoding",
            "profile",
            "profiles",
            "dialect",
            "schema",
            "compression",
            "hash",
            "bytes",
            "innerpath",
            "sheet",
            "type",
            "data",
        )
    ],
    *[("schema", k) for k in ("fields", "primaryKey", "foreignKeys", "missingValues")],
    *[
        ("field", k)
        for k in (
            "name",
            "type",
            "format",
            "trueValues",
            "falseValues",
            "decimalChar",
            "groupChar",
            "bareNumber",
            "constraints",
        )
    ],
    *[
        ("constraints", k)
        for k in (
            "required",
            "unique",
            "enum",
            "pattern",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "minLength",
            "maxLength",
        )
    ],
    *[
        ("dialect", k)
        for k in (
            "delimiter",
            "quoteChar",
            "escapeChar",
            "doubleQuote",
            "header",
            "skipInitialSpace",
            "commentChar",
            "lineTerminator",
        )
    ],
]
FIELD_TYPES = {"constraints": ("string", "integer", "number", "boolean", "date")}


def hostile_text(where: str, key: str, value: object, kind: str = "string") -> str:
    """A package (as JSON text) whose ``key`` at ``where`` holds ``value``."""
    field: dict = {"type": kind}
    resource: dict = {"dialect": {}}
    descriptor = package(field=field, resource=resource)
    res = descriptor["resources"][0]
    target = {
        "top": descriptor,
        "resource": res,
        "schema": res["schema"],
        "field": res["schema"]["fields"][1],
        "dialect": res["dialect"],
    }.get(where)
    if where == "constraints":
        target = res["schema"]["fields"][1].setdefault("constraints", {})
    target[key] = value
    text = json.dumps(descriptor)
    for placeholder, raw in RAW.items():
        text = text.replace(f'"{placeholder}"', raw)
    return text


@pytest.mark.parametrize(("where", "key"), KEYS, ids=[f"{w}.{k}" for w, k in KEYS])
def test_every_hostile_descriptor_value_gives_a_report(
    tmp_path: Path, where: str, key: str
) -> None:
    """validate() returns a Report (or raises PackageUnreadable) for every value of every key;
    before, 1e999, a 5000-digit number, null trueValues, a full-width or NUL delimiter, a
    non-text codec and more raised OverflowError, ValueError, TypeError, LookupError."""
    for index, value in enumerate(HOSTILE):
        for kind in FIELD_TYPES.get(where, ("string",)):
            folder = write(tmp_path / f"{index}-{kind}", hostile_text(where, key, value, kind))
            try:
                report = cz.validate(folder)
            except cz.PackageUnreadable:
                continue
            assert isinstance(report, cz.Report), (key, value)
            report.to_json()  # every finding serialises
            report.to_text()


@pytest.mark.parametrize(
    ("where", "key", "value"),
    [
        ("constraints", "maxLength", "@INF@"),
        ("top", "version", "@BIG@"),
        ("constraints", "pattern", "a{4294967296}"),
        ("resource", "encoding", "rot13"),
        ("resource", "encoding", "undefined"),
        ("dialect", "delimiter", "，"),
        ("dialect", "delimiter", "\x00"),
        ("field", "trueValues", None),
        ("schema", "missingValues", [None, {}]),
    ],
)
def test_the_command_line_never_shows_an_internal_error(
    tmp_path: Path, where: str, key: str, value: object
) -> None:
    kind = "boolean" if key == "trueValues" else "string"
    folder = write(tmp_path / "pkg", hostile_text(where, key, value, kind))
    result = CliRunner().invoke(main, ["validate", str(folder)], catch_exceptions=False)
    assert result.exit_code == 1
    output = result.stdout + result.stderr
    assert "internal error" not in output and "Traceback" not in output


# --- 4. many resources --------------------------------------------------------------------------


def test_more_resources_than_the_limit_is_unreadable_and_the_limit_can_be_raised(
    tmp_path: Path,
) -> None:
    """20,000 resources took about 130 s (each table costs milliseconds to read): the number
    of resources is a limit (default 1,000), like the descriptor's size and depth."""
    assert cz.Limits().resources == 1_000
    descriptor = package()
    descriptor["resources"] += [{**descriptor["resources"][0], "name": f"t{i}"} for i in range(5)]
    folder = write(tmp_path / "pkg", descriptor)
    with pytest.raises(cz.PackageUnreadable, match="6 resources, over the limit of 5"):
        cz.validate(folder, limits=cz.Limits(resources=5))
    assert cz.validate(folder, limits=cz.Limits(resources=6)).valid
    many = package()
    many["resources"] = [{**many["resources"][0], "name": f"t{i}"} for i in range(1_001)]
    with pytest.raises(cz.PackageUnreadable, match="--max-resources"):
        cz.validate(write(tmp_path / "many", many))


# --- 5. API arguments of the wrong type -----------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [
        {"lang": 5},
        {"lang": "klingon"},
        {"limits": "x"},
        {"limits": {"rows": 5}},
        {"max_errors": "3"},
        {"max_errors": -1},
        {"max_errors": True},
        {"progress": 5},
        {"allow_remote": "yes"},
        {"source": 5},
        {"source": b"pkg"},
    ],
    ids=repr,
)
def test_validate_arguments_of_the_wrong_type_are_a_usage_error(
    tmp_path: Path, arguments: dict
) -> None:
    """These raised AttributeError, TypeError or ValueError from deep inside."""
    folder = write(tmp_path / "pkg", package())
    source = arguments.pop("source", folder)
    with pytest.raises(cz.UsageError) as raised:
        cz.validate(source, **arguments)
    assert isinstance(raised.value, cz.CzStatsError) and raised.value.exit_code == 2
    name = next(iter(arguments), "source")
    assert name in str(raised.value) or "language" in str(raised.value)


@pytest.mark.parametrize(
    "arguments",
    [
        {"version": 5},
        {"out": 5},
        {"created": 5},
        {"bump": 5},
        {"base_url": 5},
        {"limits": "x"},
        {"max_errors": "3"},
    ],
    ids=repr,
)
def test_the_publish_argument_checks_name_the_argument(arguments: dict) -> None:
    """For publish (its module calls arguments.check_publish first)."""
    from changzhi_stats import arguments as checks

    given = {
        "version": "1.0.0",
        "out": "releases",
        "created": None,
        "max_errors": 100,
        "progress": None,
        "bump": None,
        "base_url": None,
        "limits_": None,
        "allow_remote": False,
    }
    name = next(iter(arguments))
    given["limits_" if name == "limits" else name] = arguments[name]
    with pytest.raises(cz.UsageError, match=name):
        checks.check_publish(None, **given)


def test_diff_verify_and_html_report_argument_checks() -> None:
    from changzhi_stats import arguments as checks

    with pytest.raises(cz.UsageError, match="old"):
        checks.check_paths(old=5, new="x")
    with pytest.raises(cz.UsageError, match="release"):
        checks.check_paths(release=None)
    with pytest.raises(cz.UsageError, match="report"):
        checks.check_report("not a report", None)
    checks.check_paths(old="a", new=Path("b"))
