"""Shared fixtures: the bundled package, writable copies of it, and the external corpus."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from changzhi_stats.package import bundled_package_path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture
def bundled() -> Path:
    return bundled_package_path()


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled package; returns the folder."""
    target = tmp_path / "pkg"
    shutil.copytree(bundled_package_path().parent, target)
    return target


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(folder: Path, resource: str, row: int, field: str, value: str) -> None:
    """Change one cell; ``row`` counts as Frictionless does (the header is row 1)."""
    path = folder / "data" / f"{resource}.csv"
    rows = read_rows(path)
    rows[row - 1][rows[0].index(field)] = value
    write_rows(path, rows)


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the external corpus is absent ({CORPUS}); it lives in ../shared/corpus")
    return CORPUS
