"""No traceback, ever, on any channel (issue 15): the real command, in real subprocesses, over a
corpus of hostile files; neither stdout nor stderr may hold a Python traceback or the
"Exception ignored" noise of an error raised where Python cannot propagate it.

The corpus is a fixed, seeded list (random bytes, truncated UTF-8 and UTF-16, text in one
encoding declared as another, rows of the wrong width holding bytes that are not UTF-8), put into
a few packages of many resources each, so a handful of processes cover it in seconds.
"""

from __future__ import annotations

import codecs
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

NOISE = ("Traceback", "Exception ignored", "internal error")
FIELDS = [{"name": "id"}, {"name": "name"}, {"name": "value", "type": "number"}]
TEXT = 'id,name,value\n1,长治市,3.5\n2,Zürich,4\n3,"quoted, 城区",5.25\n'


def corpus(seed: int = 15) -> list[tuple[str, bytes, dict]]:
    """(name, file bytes, extra resource properties) of every hostile case."""
    rng = random.Random(seed)
    utf8 = TEXT.encode("utf-8")
    cases: list[tuple[str, bytes, dict]] = []
    for i in range(8):
        cases.append((f"random-{i}", rng.randbytes(rng.choice([1, 7, 64, 500, 4000])), {}))
        header = b"id,name,value\n"
        cases.append((f"random-rows-{i}", header + rng.randbytes(rng.randint(10, 2000)), {}))
    for cut in (len(utf8) - 1, len(utf8) - 3, 17, 19):
        cases.append((f"utf8-cut-{cut}", utf8[:cut], {}))
    for codec in ("utf-16", "utf-16-le", "utf-16-be"):
        data = TEXT.encode(codec)
        cases.append((f"{codec}-as-utf8", data, {}))
        cases.append((f"{codec}-cut", data[:-1], {"encoding": codec}))
        cases.append((f"{codec}-declared", data, {"encoding": codec}))
    for codec in ("gbk", "gb18030", "big5", "latin-1", "cp1252"):
        data = TEXT.encode(codec, errors="replace")
        cases.append((f"{codec}-as-utf8", data, {}))
        cases.append((f"{codec}-bad-bytes", data + b"\xff\xfe\x81\n", {"encoding": codec}))
    cases += [
        ("wide-row-not-utf8", b"id,name,value\n1,2,3\n4,\xff\xfe,6,7\n8,9,10\n", {}),
        ("narrow-row-not-utf8", b"id,name,value\n1,\xc3\n2,x,3\n", {}),
        ("many-wide-rows-not-utf8", b"id,name,value\n" + b"1,\x80,2,3,4\n" * 300, {}),
        ("bom-then-latin1", codecs.BOM_UTF8 + "id,name,value\n1,é,2\n".encode("latin-1"), {}),
        ("unknown-encoding", utf8, {"encoding": "no-such-codec"}),
        ("utf8-declared-utf16", utf8, {"encoding": "utf-16"}),
        ("nul-bytes", b"id,name,value\n1,\x00\x00,2\n", {}),
        ("lone-cr", b"id,name,value\r1,a,2\r\xff,b,3", {}),
        ("empty", b"", {}),
    ]
    return cases


def package(folder: Path, cases: list[tuple[str, bytes, dict]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    for number, (name, data, extra) in enumerate(cases):
        path = f"r{number}.csv"
        (folder / path).write_bytes(data)
        resources.append({"name": f"r{number}", "title": name, "path": path, **extra})
        resources[-1]["schema"] = {"fields": FIELDS}
    descriptor = {"name": "fuzz", "resources": resources}
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))
    return folder


def run(*args: str) -> subprocess.CompletedProcess:
    code = "from changzhi_stats.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        check=False,
    )


def assert_quiet(result: subprocess.CompletedProcess) -> None:
    for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        for word in NOISE:
            assert word not in text, f"{word!r} on {stream}:\n{text[-3000:]}"
    assert result.returncode in (0, 1, 2), result.stderr[-3000:]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_fuzz_corpus_never_prints_a_traceback(tmp_path: Path, fmt: str) -> None:
    folder = package(tmp_path / "p", corpus())
    result = run("validate", str(folder), "--format", fmt)
    assert_quiet(result)
    assert result.returncode == 1  # the corpus is invalid, and was read


def test_each_resource_alone_is_quiet_too(tmp_path: Path) -> None:
    """One process per resource of the cases known to have made noise: a package of many
    resources must not hide one that fails before the others are read."""
    chosen = [c for c in corpus() if c[0].endswith(("not-utf8", "-as-utf8", "bad-bytes"))][:3]
    for number, case in enumerate(chosen):
        result = run("validate", str(package(tmp_path / f"p{number}", [case])))
        assert_quiet(result)
        assert result.returncode == 1, case[0]


def test_publish_and_inspect_commands_are_quiet(tmp_path: Path) -> None:
    folder = package(tmp_path / "p", corpus()[:20])
    assert_quiet(run("publish", str(folder), "--out", str(tmp_path / "out")))
