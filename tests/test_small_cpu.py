"""A small package is checked without paying for what it does not use (issue 14 item 7).

On a 40-row package almost all of ``cz-stats validate``'s CPU is start-up: these tests pin the
costs that were cut without measuring time (no timed tests): the modules a run imports, the size
of pyarrow's read block for a small file, and the polars passes that planning needs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import changzhi_stats as cz
from changzhi_stats.engines.polars import distinct, fieldtypes
from changzhi_stats.package.descriptor import load_package
from changzhi_stats.report.problems import Findings
from changzhi_stats.sources import csv as csvsource

ROOT = Path(__file__).resolve().parents[1]

# modules a check of a small CSV package has no use for (each costs 10-300 ms to import)
NOT_NEEDED = ("pandera", "pandas", "numpy.ma", "pyarrow.compute", "openpyxl")


def test_validating_the_bundled_package_imports_nothing_it_does_not_use() -> None:
    script = (
        "import sys\n"
        "from changzhi_stats.cli import main\n"
        "sys.argv = ['cz-stats', 'validate', sys.argv[1], '--format', 'json']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"print('MODULES', [m for m in {NOT_NEEDED!r} if m in sys.modules], code)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / "datapackage" / "datapackage.json")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1]
    assert last == "MODULES [] 0", done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(done.stdout[: done.stdout.rindex("MODULES")])
    assert report["valid"] is True


def _package(folder: Path, data: bytes, encoding: str = "utf-8", texts: int = 1) -> Path:
    folder.mkdir()
    (folder / "t.csv").write_bytes(data)
    fields = [{"name": "id", "type": "integer"}, {"name": "text"}]
    fields += [{"name": f"text{i}"} for i in range(1, texts)]
    resource = {"name": "t", "path": "t.csv", "encoding": encoding, "schema": {"fields": fields}}
    (folder / "datapackage.json").write_text(json.dumps({"resources": [resource]}))
    return folder / "datapackage.json"


def _source(descriptor: Path) -> csvsource.CsvSource:
    package = load_package(descriptor)
    return csvsource.CsvSource(package.resources[0], Findings(10))


def test_a_small_file_is_read_in_one_block_just_over_its_size(tmp_path: Path) -> None:
    data = b"id,text\n" + b"".join(b"%d,row %d\n" % (i, i) for i in range(40))
    source = _source(_package(tmp_path / "small", data))
    assert len(data) <= source._block_size(decoded=False) <= 1 << 16
    assert len(data) * 3 < source._block_size(decoded=True) < csvsource.BATCH_BYTES
    big = b"id,text\n" + b"".join(b"%d,%s\n" % (i, b"x" * 100) for i in range(12_000))
    assert len(big) > 1 << 20  # unknown from the first read: the batch size, as before
    assert _source(_package(tmp_path / "big", big))._block_size(False) == csvsource.BATCH_BYTES


@pytest.mark.parametrize("encoding", ["gb18030", "cp1252"])
def test_a_small_decoded_file_with_one_long_record_still_fits_its_block(
    tmp_path: Path, encoding: str
) -> None:
    # a character grows when decoded to UTF-8 (统: 2 bytes -> 3, €: 1 byte -> 3): the block must
    # still hold the whole record, or pyarrow would report it as running over blocks
    char = "统" if encoding == "gb18030" else "€"
    names = ",".join(["text"] + [f"text{i}" for i in range(1, 10)])
    record = ",".join([char * 30_000] * 10)  # cells under the cell limit, the record is not
    data = f"id,{names}\n1,{record}\n2{',x' * 10}\n".encode(encoding)
    assert 64 << 10 < len(data) < 1 << 20
    report = cz.validate(_package(tmp_path / "pkg", data, encoding, texts=10))
    assert report.valid, [p.message for p in report.errors]
    assert report.rows == 2


def test_a_small_file_gives_the_same_frame_with_or_without_string_views(tmp_path: Path) -> None:
    data = "id,text\n1,长治\n2,\n3,x\n".encode()
    source = _source(_package(tmp_path / "pkg", data))
    frames = []
    for views in (True, False):
        with source._source(decoded=False) as paced:
            reader = source._reader(paced, csvsource._InvalidRows(), False)
            frames.append(csvsource._next_frame(reader, views))
    assert frames[0].equals(frames[1])
    assert frames[1].schema == frames[0].schema


def test_plain_string_literals_need_no_polars_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pass(*args, **kwargs):
        raise AssertionError("a polars frame was built for a plain string literal")

    monkeypatch.setattr(fieldtypes.pl, "DataFrame", no_pass)
    assert fieldtypes.literal({"name": "s", "type": "string"}, "a") == "a"
    assert fieldtypes.literal({"name": "s"}, 5) == "5"
    assert fieldtypes.literal({"name": "s", "format": "default"}, True) == "true"
    monkeypatch.undo()
    with pytest.raises(fieldtypes.FieldTypeError):  # other formats still parse their value
        fieldtypes.literal({"name": "s", "type": "string", "format": "email"}, "not an email")
    assert fieldtypes.literal({"name": "n", "type": "integer"}, "7") == 7


def test_the_empty_cell_verdicts_of_a_table_take_one_polars_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from changzhi_stats.engines.polars.builders import build
    from changzhi_stats.engines.polars.plan import plan
    from changzhi_stats.rules.core import Rule

    schema = json.loads((ROOT / "schemas" / "observations.json").read_text(encoding="utf-8"))
    present = {f["name"] for f in schema["fields"]}
    table = plan(schema, present)
    rules = [*table.rules, Rule("required", "value", "required", {"name": "value"})]
    failures = [build(rule) for rule in rules]
    passes = []
    select = pl.DataFrame.select

    def counted(self, *args, **kwargs):
        passes.append(1)
        return select(self, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "select", counted)
    groups = distinct.plan(rules, failures, table.typed)
    assert len(passes) == 1
    grouped = {n for g in groups for n in g.numbers}
    assert len(rules) - 1 not in grouped  # "required" fails on an empty cell: never skipped


def test_the_command_line_collects_garbage_less_often_and_not_at_exit() -> None:
    from changzhi_stats.cli import GC_THRESHOLD

    # atexit runs its functions last-registered first: this check, registered before the
    # command, sees what the command left for the interpreter's exit
    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('FROZEN', gc.get_freeze_count() > 0, gc.get_threshold()))\n"
        "from changzhi_stats.cli import main\n"
        "sys.argv = ['cz-stats', 'validate', sys.argv[1], '--format', 'json']\n"
        "main()\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    bundled = str(ROOT / "datapackage" / "datapackage.json")
    command = [sys.executable, "-c", script, bundled]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    last = done.stdout.strip().splitlines()[-1]
    assert last == f"FROZEN True {GC_THRESHOLD}", done.stdout + done.stderr
