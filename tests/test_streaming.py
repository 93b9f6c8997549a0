"""Reading stays bounded (issue 3): pyarrow reads only a few blocks ahead of the checks.

Given a path, pyarrow's streaming CSV reader reads about 32 blocks ahead (the whole of a 569 MB
file within a second); cz-stats hands it a paced file instead. These tests watch the pacing
through ``validate()`` on files of many blocks, and check that a stream stopped early (a limit)
releases the reader rather than hanging.
"""

from __future__ import annotations

import functools
import io
import json
import threading
from pathlib import Path

import pytest

import changzhi_stats as cz
from changzhi_stats.sources import csv as csvsource

BLOCK = 64 << 10


def write_package(folder: Path, rows: int) -> Path:
    folder.mkdir()
    lines = ["id,name,value"] + [
        f"{i},row number {i:08d} of the table,{i * 0.5}" for i in range(rows)
    ]
    (folder / "t.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "name", "type": "string"},
            {"name": "value", "type": "number"},
        ],
        "primaryKey": ["id"],
    }
    descriptor = {
        "name": "paced",
        "resources": [{"name": "t", "path": "t.csv", "format": "csv", "schema": schema}],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


@pytest.fixture
def watched(monkeypatch):
    """Small blocks, and the largest lead (in blocks) of bytes read over batches handed out."""
    leads: list[float] = []

    class Watched(csvsource._Paced):
        handed = 0

        def handed_out(self) -> None:
            self.handed += 1
            super().handed_out()

        def read(self, size: int = -1) -> bytes:
            data = super().read(size)
            leads.append(self._read / BLOCK - self.handed)
            return data

    init = csvsource.CsvSource.__init__
    monkeypatch.setattr(
        csvsource.CsvSource, "__init__", functools.partialmethod(init, batch_bytes=BLOCK)
    )
    monkeypatch.setattr(csvsource, "_Paced", Watched)
    return leads


def test_reader_stays_a_few_blocks_ahead(tmp_path, watched):
    folder = write_package(tmp_path / "pkg", 60_000)  # about 3 MB: 45 blocks of 64 KiB
    report = cz.validate(folder)
    assert report.valid, report.to_text()
    assert report.to_dict()["stats"]["rows"] == 60_000
    assert len(watched) > 40  # the file really was read block by block
    assert max(watched) <= 5  # 3 blocks ahead, plus the one being parsed and the last read


def test_a_limit_stops_the_stream_without_hanging(tmp_path, watched):
    folder = write_package(tmp_path / "pkg", 60_000)
    done: list[cz.Report] = []
    worker = threading.Thread(
        target=lambda: done.append(cz.validate(folder, limits=cz.Limits(rows=1000))), daemon=True
    )
    worker.start()
    worker.join(60)
    assert done, "validate() hung after a limit stopped the stream"
    codes = {p.check for p in done[0].errors}
    assert codes == {"limit-exceeded"}
    assert max(watched) <= 5


def test_paced_file_blocks_until_a_batch_is_handed_out():
    paced = csvsource._Paced(io.BytesIO(bytes(10 * BLOCK)), BLOCK, blocks_ahead=2)
    got: list[int] = []

    def reader():
        while chunk := paced.read(BLOCK):
            got.append(len(chunk))

    worker = threading.Thread(target=reader, daemon=True)
    worker.start()
    worker.join(0.5)
    assert sum(got) == 2 * BLOCK  # it waits for its turn
    paced.handed_out()
    worker.join(0.5)
    assert sum(got) == 3 * BLOCK
    paced.stop()  # as the stream does when it ends: the reader is never left waiting
    worker.join(5)
    assert not worker.is_alive()
    assert sum(got) == 3 * BLOCK  # and it reads no further
