"""Crash-freedom: whatever the bytes and whatever the descriptor, validation gives an answer.

``changzhi_stats.validate`` returns a report or raises a :class:`CzStatsError` subclass —
never anything else — and does not hang; ``cz-stats validate`` exits 0, 1 or 2 and never
reports an internal error. Most examples run in-process under an alarm; a handful run the real
command in a subprocess with a timeout, which also catches a hang inside native code.

Sized to run in about a minute in CI.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import changzhi_stats as cz
from changzhi_stats import CzStatsError
from changzhi_stats.cli import main

PER_EXAMPLE_SECONDS = 20
# pyarrow cannot build its report of a row of the wrong width that is not UTF-8, says so on
# stderr ("Exception ignored"), and fails the parse; cz-stats then re-reads the file decoded.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)

SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True}},
        {"name": "name", "type": "string", "constraints": {"maxLength": 5, "pattern": "[a-z]*"}},
        {"name": "value", "type": "number", "constraints": {"minimum": 0}},
        {"name": "day", "type": "date"},
        {"name": "flag", "type": "boolean"},
        {"name": "up", "type": "integer"},
    ],
    "primaryKey": ["id"],
    "foreignKeys": [{"fields": ["up"], "reference": {"resource": "", "fields": ["id"]}}],
}


class Hang(Exception):
    """Raised by the alarm: one example ran longer than PER_EXAMPLE_SECONDS."""


@contextlib.contextmanager
def guard(seconds: int = PER_EXAMPLE_SECONDS) -> Iterator[None]:
    def alarm(signum, frame):
        raise Hang(f"validation ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def write(folder: Path, descriptor: object, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    text = descriptor if isinstance(descriptor, bytes) else json.dumps(descriptor).encode()
    (folder / "datapackage.json").write_bytes(text)
    return folder


def validates_cleanly(folder: Path) -> None:
    """validate() answers with a report or a CzStatsError, and the CLI exits 0, 1 or 2."""
    with guard():
        try:
            report = cz.validate(folder, max_errors=20)
        except CzStatsError:
            pass
        else:
            json.dumps(report.to_dict())  # the report is always serialisable
            report.to_text()
        result = CliRunner().invoke(main, ["validate", str(folder), "--format", "json"])
    assert result.exit_code in (0, 1, 2), result.output
    assert "internal error" not in result.stderr, result.stderr
    if result.exit_code in (0, 1):
        json.loads(result.stdout)


# --- raw CSV bytes -----------------------------------------------------------------------------

CSV_BYTES = st.one_of(
    st.binary(max_size=300),
    st.lists(
        st.sampled_from(
            [
                b",",
                b";",
                b"\t",
                b'"',
                b"\n",
                b"\r\n",
                b"\r",
                b"\x00",
                b"\xff",
                b"\xef\xbb\xbf",
                b"1",
                b"-2.5",
                b"x",
                b"=1+1",
                b"NaN",
                b"2024-02-30",
                b"true",
                b"",
                b" ",
                b"\xe9\x95\xbf",
                b"id,name,value,day,flag,up",
                b"#",
            ]
        ),
        max_size=60,
    ).map(b"".join),
)


@settings(FUZZ, max_examples=1200)
@given(data=CSV_BYTES, encoding=st.sampled_from([None, "utf-8", "gb18030", "latin-1", "utf-16"]))
def test_any_csv_bytes_get_an_answer(data: bytes, encoding: str | None) -> None:
    resource = {"name": "t", "path": "t.csv", "schema": SCHEMA}
    if encoding:
        resource["encoding"] = encoding
    with tempfile.TemporaryDirectory() as tmp:
        validates_cleanly(
            write(Path(tmp), {"name": "fuzz", "resources": [resource]}, {"t.csv": data})
        )


# --- descriptors ------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


def around(*good: object) -> st.SearchStrategy:
    """Mostly plausible values, sometimes any JSON at all."""
    return st.one_of(st.sampled_from(good), JSON)


FIELD = st.fixed_dictionaries(
    {"name": around("id", "name", "value", "", "id")},
    optional={
        "type": around("string", "integer", "number", "date", "boolean", "year", "geopoint", "x"),
        "format": around("default", "any", "%d/%m/%Y", "%Q", "email"),
        "constraints": st.fixed_dictionaries(
            {},
            optional={
                "required": around(True, False),
                "unique": around(True),
                "enum": around(["a", "1"], [1, 2], []),
                "pattern": around("[a-z]+", "(", "(a)\\1", "a{99999}"),
                "minimum": around(0, "0", "2024-01-01", [1]),
                "maxLength": around(1, "3", -1),
            },
        )
        | JSON,
        "decimalChar": around(",", ""),
        "groupChar": around(" ", ""),
        "bareNumber": around(False),
        "trueValues": around(["y"], []),
    },
)
SCHEMAS = st.one_of(
    st.fixed_dictionaries(
        {"fields": st.one_of(st.lists(FIELD, max_size=4), JSON)},
        optional={
            "primaryKey": around("id", ["id", "name"], ["nope"], []),
            "foreignKeys": around(
                [{"fields": "id", "reference": {"resource": "", "fields": "id"}}],
                [{"fields": ["id"], "reference": {"resource": "u", "fields": ["id"]}}],
                [{"fields": "id", "reference": {"resource": "nope", "fields": "x"}}],
                [{"fields": "id"}],
            ),
            "missingValues": around(["", "NA"], [None], "NA"),
        },
    ),
    around("schema.json", "self.json", "../x.json", "datapackage.json"),
    JSON,
)
DIALECTS = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "delimiter": around(",", ";", "", ",,", "\n"),
            "quoteChar": around('"', "'", "", "\n"),
            "doubleQuote": around(True, False),
            "escapeChar": around("\\", ""),
            "header": around(True, False),
            "skipInitialSpace": around(True),
            "commentChar": around("#", ""),
        },
    ),
    around("dialect.json", "self.json"),
    JSON,
)
RESOURCE = st.fixed_dictionaries(
    {"name": around("t", "u", "t", 5, "")},
    optional={
        "path": around(
            "t.csv",
            "u.csv",
            "../t.csv",
            "/etc/passwd",
            "~/x",
            "%2e%2e/t.csv",
            "https://example.com/t.csv",
            ["t.csv", "u.csv"],
            "",
            "t.xlsx",
            ".",
        ),
        "format": around("csv", "tsv", "xlsx", ""),
        "encoding": around("utf-8", "gb18030", "klingon"),
        "schema": SCHEMAS,
        "dialect": DIALECTS,
        "data": around([["a"], [1]]),
    },
)
DESCRIPTORS = st.one_of(
    st.fixed_dictionaries(
        {"resources": st.one_of(st.lists(st.one_of(RESOURCE, JSON), max_size=3), JSON)},
        optional={"name": around("fuzz", "Not a name"), "version": around("1.0.0", 1)},
    ),
    JSON,
)
FILES = {
    "t.csv": b"id,name,value\n1,abc,2.5\n2,=x,-1\n2,,NaN\n",
    "u.csv": b"id;name\n1;a\n",
    "schema.json": json.dumps(SCHEMA).encode(),
    "dialect.json": b'{"delimiter": ";"}',
    "self.json": b'"self.json"',
}


@settings(FUZZ, max_examples=1500)
@given(descriptor=DESCRIPTORS)
def test_any_descriptor_gets_an_answer(descriptor: object) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        validates_cleanly(write(Path(tmp), descriptor, FILES))


@settings(FUZZ, max_examples=200)
@given(raw=st.binary(max_size=200))
def test_any_descriptor_bytes_get_an_answer(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        validates_cleanly(write(Path(tmp), raw, FILES))


# --- the real command, in a subprocess with a timeout ------------------------------------------

SUBPROCESS_CASES = {
    "nul-bytes": ({"resources": [{"name": "t", "path": "t.csv", "schema": SCHEMA}]}, b"\x00" * 999),
    "quotes-never-closed": (
        {"resources": [{"name": "t", "path": "t.csv", "schema": SCHEMA}]},
        b'id,name\n1,"' + b"x\n" * 5000,
    ),
    "one-long-line": (
        {"resources": [{"name": "t", "path": "t.csv", "schema": SCHEMA}]},
        b"id," + b"," * 200_000 + b"\n1\n",
    ),
    "catastrophic-pattern": (
        {
            "resources": [
                {
                    "name": "t",
                    "path": "t.csv",
                    "schema": {"fields": [{"name": "a", "constraints": {"pattern": "(a+)+b"}}]},
                }
            ]
        },
        b"a\n" + b"a" * 40 + b"\n",
    ),
    "not-json": (b"{", b""),
}


@pytest.mark.parametrize(("descriptor", "data"), SUBPROCESS_CASES.values(), ids=SUBPROCESS_CASES)
def test_the_command_answers_in_time(tmp_path: Path, descriptor: object, data: bytes) -> None:
    folder = write(tmp_path / "p", descriptor, {"t.csv": data})
    code = "from changzhi_stats.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", code, "validate", str(folder), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
