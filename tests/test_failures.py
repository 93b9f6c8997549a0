"""``cz-stats validate --failures DIR`` (issue 16): every failure, not capped, as a Parquet
dataset whose counts per check equal the report's."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner

from changzhi_stats.cli import main
from changzhi_stats.errors import UsageError
from changzhi_stats.validate import validate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "datapackage.json").is_file())


def _key(r: dict) -> tuple:
    return r["resource"] or "", r["row"] or 0, r["check"], r["field"] or "", r["value"] or ""


def read_failures(folder: Path) -> list[dict]:
    rows = ds.dataset(folder, format="parquet").to_table().to_pylist()
    return sorted(
        rows, key=lambda r: (r["resource"] or "", r["row"] or 0, r["check"], r["field"] or "")
    )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("cap", [0, 1, 1000])
def test_the_dataset_holds_every_failure_the_report_counts(
    tmp_path: Path, name: str, cap: int
) -> None:
    report = validate(FIXTURES / name, max_errors=cap, failures=tmp_path / "f", lang="en")
    failures = read_failures(tmp_path / "f")
    assert Counter(r["check"] for r in failures) == Counter(report.to_dict()["counts"])
    listed = {(p.resource, p.row, p.field, p.check, p.value) for p in report.errors}
    written = {(r["resource"], r["row"], r["field"], r["check"], r["value"]) for r in failures}
    assert listed <= written


def test_a_capped_report_still_writes_them_all(tmp_path: Path) -> None:
    from test_multipart import write_multipart

    text = "id,name\n" + "".join(f"x{i},n\n" for i in range(5000))
    report = validate(
        write_multipart(tmp_path / "pkg", {"a.csv": text, "b.csv": text}),
        max_errors=3,
        failures=tmp_path / "f",
    )
    failures = read_failures(tmp_path / "f")
    assert len([p for p in report.errors if p.check == "type-error"]) == 3
    typed = [r for r in failures if r["check"] == "type-error"]
    assert len(typed) == report.to_dict()["counts"]["type-error"] == 10_000
    assert [r["row"] for r in typed] == list(range(2, 10_002))  # across both parts


def test_a_valid_package_writes_an_empty_dataset(tmp_path: Path) -> None:
    report = validate(None, failures=tmp_path / "f")
    assert report.valid
    assert read_failures(tmp_path / "f") == []


def test_a_folder_with_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "old.parquet").write_bytes(b"")
    with pytest.raises(UsageError):
        validate(None, failures=tmp_path / "f")
    result = CliRunner().invoke(main, ["validate", "--failures", str(tmp_path / "f")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_the_command_line_option(tmp_path: Path) -> None:
    folder = FIXTURES / "bad-observations"
    args = ["validate", str(folder), "--format", "json", "--failures", str(tmp_path / "f")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    counts = json.loads(result.output)["counts"]
    assert Counter(r["check"] for r in read_failures(tmp_path / "f")) == Counter(counts)
