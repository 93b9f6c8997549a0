"""``publish()``: the release layout, checksums, immutability, atomicity (DESIGN: The release)."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import frictionless
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import read_rows, set_cell

from changzhi_stats import PublishFailed, PublishRefused, Release, Report, publish

# ``changzhi_stats.release.publish`` is the function; the module is reached through sys.modules
publish_module = importlib.import_module("changzhi_stats.release.publish")
writers_module = importlib.import_module("changzhi_stats.release.writers")
RESOURCES = ("observations", "indicators", "regions", "units", "sources")
ARROW_TYPES = {
    "number": pa.float64(),
    "integer": pa.int64(),
    "date": pa.date32(),
    "string": pa.string(),
}


# --- helpers -------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder`` (itself included): kind, content hash, mode and mtime."""
    entries = {}
    for path in [folder, *sorted(folder.rglob("*"))]:
        stat = path.lstat()
        content = sha256(path) if path.is_file() else "dir"
        entries[path.relative_to(folder).as_posix()] = (content, stat.st_mode, stat.st_mtime_ns)
    return entries


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def sha256sum_check(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sha256sum", "--check", "--strict", "SHA256SUMS"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


def leftovers(out: Path) -> list[str]:
    """Staging folders or temp files an interrupted publish could leave behind."""
    return sorted(p.name for p in out.iterdir() if p.name.startswith((".partial-", ".index-")))


def version_folders(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


def source_schema(bundled: Path, resource: str) -> dict:
    return json.loads((bundled.parent / "schemas" / f"{resource}.json").read_text("utf-8"))


def typed(cell: str, kind: str) -> object:
    """A source CSV cell as the Parquet column should hold it (empty cell: missing)."""
    if cell == "":
        return None
    if kind == "number":
        return float(cell)
    if kind == "integer":
        return int(cell)
    if kind == "date":
        return dt.date.fromisoformat(cell)
    return cell


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """One publish of the bundled package, shared by the read-only layout tests."""
    return publish(out=tmp_path_factory.mktemp("releases"))


@pytest.fixture
def invalid_copy(package_copy: Path) -> Path:
    set_cell(package_copy, "observations", 2, "value", "abc")
    return package_copy


# --- the release layout --------------------------------------------------------------------


def test_release_layout(release: Release, bundled: Path) -> None:
    out = release.path.parent
    version = json.loads(bundled.read_text("utf-8"))["version"]
    assert release.version == version
    assert release.path == out / version
    assert version_folders(out) == [version]
    assert leftovers(out) == []
    folder = release.path
    for name in RESOURCES:
        assert (folder / "data" / f"{name}.csv").is_file()
        assert (folder / "data" / f"{name}.parquet").is_file()
    assert (folder / "datapackage.json").is_file()
    assert (folder / "SHA256SUMS").is_file()
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert sorted(release.files) == on_disk
    assert release.datapackage_sha256 == sha256(folder / "datapackage.json")
    assert isinstance(release.report, Report) and release.report.valid


def test_index_lists_the_version_with_date_and_checksum(release: Release) -> None:
    index = json.loads((release.path.parent / "index.json").read_text("utf-8"))
    assert index["name"] == "changzhi-stats"
    [entry] = index["releases"]
    assert entry["version"] == release.version
    assert entry["datapackage_sha256"] == sha256(release.path / "datapackage.json")
    assert entry["path"] == f"{release.version}/datapackage.json"
    # the date it was published, ISO 8601 UTC
    dt.datetime.strptime(entry["published"], "%Y-%m-%dT%H:%M:%SZ")


def test_descriptor_metadata(release: Release, bundled: Path) -> None:
    source = json.loads(bundled.read_text("utf-8"))
    descriptor = json.loads((release.path / "datapackage.json").read_text("utf-8"))
    assert descriptor["version"] == release.version
    assert descriptor["name"] == source["name"]
    assert descriptor["licenses"] == source["licenses"]
    assert descriptor["sources"] == source["sources"]
    # "created" depends on the input only: here the newest source's publication day
    assert descriptor["created"] == "2024-12-04T00:00:00Z"


def test_every_resource_has_path_format_mediatype_bytes_and_hash(
    release: Release, bundled: Path
) -> None:
    descriptor = json.loads((release.path / "datapackage.json").read_text("utf-8"))
    resources = {r["name"]: r for r in descriptor["resources"]}
    for resource in descriptor["resources"]:
        path = release.path / resource["path"]
        assert path.is_file(), resource["path"]
        assert resource["format"] and resource["mediatype"], resource["name"]
        assert resource["bytes"] == path.stat().st_size, resource["path"]
        assert resource["hash"] == "sha256:" + sha256(path), resource["path"]
    for name in RESOURCES:
        csv_resource = resources[name]
        assert csv_resource["path"] == f"data/{name}.csv"
        assert (csv_resource["format"], csv_resource["mediatype"]) == ("csv", "text/csv")
        assert csv_resource["encoding"] == "utf-8"
        assert isinstance(csv_resource["schema"], dict) and csv_resource["schema"]["fields"]
        parquet = resources[f"{name}-parquet"]
        assert parquet["path"] == f"data/{name}.parquet"
        assert parquet["format"] == "parquet"
        assert parquet["mediatype"] == "application/vnd.apache.parquet"
    # the schemas travel inline, equal to the package's own
    bundled_schema = source_schema(bundled, "observations")
    published = resources["observations"]["schema"]
    assert [f["name"] for f in published["fields"]] == [f["name"] for f in bundled_schema["fields"]]
    assert published["primaryKey"] == bundled_schema["primaryKey"]
    assert published["foreignKeys"] == bundled_schema["foreignKeys"]


def test_sha256sums_pass_inside_the_folder(release: Release) -> None:
    result = sha256sum_check(release.path)
    assert result.returncode == 0, result.stdout + result.stderr
    everything = sorted(
        p.relative_to(release.path).as_posix()
        for p in release.path.rglob("*")
        if p.is_file() and p.name != "SHA256SUMS"
    )
    sums = (release.path / "SHA256SUMS").read_text("utf-8").splitlines()
    assert sorted(line.split("  ", 1)[1] for line in sums) == everything
    assert sorted(line.rsplit(": ", 1)[0] for line in result.stdout.splitlines()) == everything


def test_frictionless_validates_the_release(release: Release) -> None:
    report = frictionless.validate(str(release.path / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])


# --- CSV and Parquet -----------------------------------------------------------------------


@pytest.mark.parametrize("name", RESOURCES)
def test_csv_is_utf8_rfc4180_and_holds_the_source_rows(
    release: Release, bundled: Path, name: str
) -> None:
    path = release.path / "data" / f"{name}.csv"
    raw = path.read_bytes()
    raw.decode("utf-8")  # strict UTF-8
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n"), "every line ends in CRLF"
    source = read_rows(bundled.parent / "data" / f"{name}.csv")
    assert read_rows(path) == source
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    assert [list(frame.columns), *frame.to_numpy().tolist()] == source


@pytest.mark.parametrize("name", RESOURCES)
def test_parquet_has_the_source_rows_with_typed_columns(
    release: Release, bundled: Path, name: str
) -> None:
    table = pq.read_table(release.path / "data" / f"{name}.parquet")
    schema = source_schema(bundled, name)
    kinds = {f["name"]: f.get("type", "string") for f in schema["fields"]}
    header, *rows = read_rows(bundled.parent / "data" / f"{name}.csv")
    assert table.column_names == header
    for field in table.schema:
        assert field.type == ARROW_TYPES[kinds[field.name]], field.name
    expected = [
        [typed(cell, kinds[h]) for h, cell in zip(header, row, strict=True)] for row in rows
    ]
    got = [list(r.values()) for r in table.to_pylist()]
    assert got == expected


def test_parquet_column_types_follow_table_schema(release: Release) -> None:
    observations = pq.read_schema(release.path / "data" / "observations.parquet")
    assert observations.field("value").type == pa.float64()
    assert observations.field("unit_multiplier").type == pa.int64()
    sources = pq.read_schema(release.path / "data" / "sources.parquet")
    assert sources.field("published").type == pa.date32()


@pytest.mark.parametrize("name", RESOURCES)
def test_parquet_metadata_carries_descriptions_and_schema(
    release: Release, bundled: Path, name: str
) -> None:
    arrow_schema = pq.read_schema(release.path / "data" / f"{name}.parquet")
    table_schema = source_schema(bundled, name)
    for spec in table_schema["fields"]:
        meta = arrow_schema.field(spec["name"]).metadata or {}
        assert meta[b"type"].decode() == spec.get("type", "string")
        if "description" in spec:
            assert meta[b"description"].decode("utf-8") == spec["description"]
    meta = arrow_schema.metadata
    assert meta[b"resource"].decode() == name
    embedded = json.loads(meta[b"frictionless:schema"])
    assert [f["name"] for f in embedded["fields"]] == [f["name"] for f in table_schema["fields"]]


def test_parquet_metadata_carries_units(release: Release, bundled: Path) -> None:
    meta = pq.read_schema(release.path / "data" / "observations.parquet").metadata
    units = json.loads(meta[b"units"])
    used = {row[4] for row in read_rows(bundled.parent / "data" / "observations.csv")[1:]}
    assert used <= set(units)
    unit_rows = {r[0]: r for r in read_rows(bundled.parent / "data" / "units.csv")[1:]}
    for code in used:
        assert units[code]["name_en"] == unit_rows[code][2]
        assert units[code]["name_zh"] == unit_rows[code][1]
    assert "_multiplier" in units


# --- reproducibility -----------------------------------------------------------------------


class _Later(dt.datetime):
    """A wall clock years ahead, to prove no timestamp leaks into a version folder."""

    @classmethod
    def now(cls, tz=None):
        return dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz)


def test_republishing_is_byte_identical(
    tmp_path: Path, bundled: Path, package_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(bundled, out=tmp_path / "a")
    time.sleep(0.01)
    monkeypatch.setattr(publish_module, "dt", types.SimpleNamespace(datetime=_Later, UTC=dt.UTC))
    second = publish(package_copy, out=tmp_path / "b")  # same input, another folder and clock
    index_a = json.loads((tmp_path / "a" / "index.json").read_text("utf-8"))
    index_b = json.loads((tmp_path / "b" / "index.json").read_text("utf-8"))
    assert index_a["releases"][0]["published"] != index_b["releases"][0]["published"]
    assert index_b["releases"][0]["published"].startswith("2031-05-06")
    files_a, files_b = tree_bytes(first.path), tree_bytes(second.path)
    assert sorted(files_a) == sorted(files_b)
    for name, content in files_a.items():
        assert files_b[name] == content, name
    assert first.datapackage_sha256 == second.datapackage_sha256
    assert first.files == second.files


# --- immutability --------------------------------------------------------------------------


@pytest.fixture
def published_out(tmp_path: Path, bundled: Path) -> Path:
    out = tmp_path / "releases"
    publish(bundled, out=out, version="2.0.0")
    return out


@pytest.mark.parametrize("version", ["2.0.0", "1.9.9", "1.10.0", "0.1.0"])
def test_existing_or_older_version_is_refused_and_touches_nothing(
    published_out: Path, bundled: Path, version: str
) -> None:
    before = snapshot(published_out)
    time.sleep(0.01)  # so a touched mtime would differ
    with pytest.raises(PublishRefused) as caught:
        publish(bundled, out=published_out, version=version)
    assert caught.value.exit_code == 1
    assert "2.0.0" in str(caught.value)
    assert snapshot(published_out) == before


def test_refusal_in_a_mirrored_folder_creates_not_even_a_lock(
    published_out: Path, bundled: Path, tmp_path: Path
) -> None:
    """A portal's copy of the releases (without our lock file) is left exactly as it is."""
    mirror = tmp_path / "mirror"
    shutil.copytree(published_out, mirror, ignore=shutil.ignore_patterns(".lock"))
    before = snapshot(mirror)
    for version in ("2.0.0", "1.0.0"):
        with pytest.raises(PublishRefused):
            publish(bundled, out=mirror, version=version)
    assert snapshot(mirror) == before


def test_newer_version_is_published_and_index_lists_newest_first(
    published_out: Path, bundled: Path
) -> None:
    index_path = published_out / "index.json"
    first_entry = json.loads(index_path.read_text("utf-8"))["releases"][0]
    old_files = tree_bytes(published_out / "2.0.0")
    release = publish(bundled, out=published_out, version="2.10.0")  # numeric, not text, order
    index = json.loads(index_path.read_text("utf-8"))
    assert [r["version"] for r in index["releases"]] == ["2.10.0", "2.0.0"]
    assert index["releases"][1] == first_entry  # the older entry is kept as it was
    assert index["releases"][0]["datapackage_sha256"] == release.datapackage_sha256
    assert tree_bytes(published_out / "2.0.0") == old_files
    descriptor = json.loads((release.path / "datapackage.json").read_text("utf-8"))
    assert descriptor["version"] == "2.10.0"
    assert sha256sum_check(release.path).returncode == 0
    with pytest.raises(PublishRefused):
        publish(bundled, out=published_out, version="2.9.0")


@pytest.mark.parametrize(
    "version",
    ["1.0", "v1.0.0", "1.0.0.0", "01.0.0", "1.0.0-rc1", "1.0.0\n", "../1.0.0", " 1.0.0", ""],
)
def test_invalid_version_string_is_refused(tmp_path: Path, bundled: Path, version: str) -> None:
    out = tmp_path / "releases"
    with pytest.raises(PublishRefused, match=r"X\.Y\.Z"):
        publish(bundled, out=out, version=version)
    assert not out.exists()


def test_package_without_a_version_needs_one(tmp_path: Path, package_copy: Path) -> None:
    descriptor_path = package_copy / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text("utf-8"))
    del descriptor["version"]
    descriptor_path.write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(PublishRefused, match=r"X\.Y\.Z"):
        publish(package_copy, out=tmp_path / "releases")
    assert publish(package_copy, out=tmp_path / "releases", version="0.1.0").version == "0.1.0"


# --- invalid data --------------------------------------------------------------------------


def test_invalid_data_is_refused_with_the_report(tmp_path: Path, invalid_copy: Path) -> None:
    out = tmp_path / "releases"
    with pytest.raises(PublishRefused) as caught:
        publish(invalid_copy, out=out)
    report = caught.value.report
    assert isinstance(report, Report)
    assert not report.valid
    assert any(
        (p.resource, p.row, p.field, p.value) == ("observations", 2, "value", "abc")
        for p in report.errors
    )
    assert caught.value.exit_code == 1
    assert not out.exists() or (version_folders(out) == [] and leftovers(out) == [])


def test_invalid_data_leaves_an_existing_releases_folder_untouched(
    published_out: Path, invalid_copy: Path
) -> None:
    before = snapshot(published_out)
    with pytest.raises(PublishRefused):
        publish(invalid_copy, out=published_out, version="3.0.0")
    assert snapshot(published_out) == before


# --- atomicity -----------------------------------------------------------------------------


def test_failure_mid_write_leaves_nothing(
    published_out: Path, bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(published_out)
    original = writers_module._Output.write  # writes one batch of one resource
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return original(*args, **kwargs)

    monkeypatch.setattr(writers_module._Output, "write", failing)
    with pytest.raises(PublishFailed, match="No space left on device") as caught:
        publish(bundled, out=published_out, version="3.0.0")
    assert caught.value.exit_code == 2
    assert len(calls) == 3
    assert version_folders(published_out) == ["2.0.0"]
    assert leftovers(published_out) == []
    after = snapshot(published_out)
    assert after["index.json"] == before["index.json"]
    assert after.keys() == before.keys()


def test_failure_at_the_final_rename_leaves_nothing(
    published_out: Path, bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_before = (published_out / "index.json").read_bytes()

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(publish_module.os, "rename", refuse)
    with pytest.raises(PublishFailed, match="Permission denied"):
        publish(bundled, out=published_out, version="3.0.0")
    monkeypatch.undo()
    assert version_folders(published_out) == ["2.0.0"]
    assert leftovers(published_out) == []
    assert (published_out / "index.json").read_bytes() == index_before


SLOW_PUBLISH = """
import importlib, sys, time
p = importlib.import_module("changzhi_stats.release.publish")
w = importlib.import_module("changzhi_stats.release.writers")
original = w._Output.write
def slow(*args, **kwargs):
    original(*args, **kwargs)
    time.sleep(60)
w._Output.write = slow
p.publish(sys.argv[1], out=sys.argv[2], version=sys.argv[3])
"""


def test_killed_publish_leaves_no_version_and_next_publish_cleans_up(
    published_out: Path, bundled: Path
) -> None:
    index_before = (published_out / "index.json").read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_PUBLISH, str(bundled), str(published_out), "3.0.0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not list(published_out.glob(".partial-*/data/*.parquet")):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the publish never started writing"
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)  # mid-write: one Parquet file is out
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert version_folders(published_out) == ["2.0.0"]  # no 3.0.0, partial or whole
    assert [p.name[: len(".partial-3.0.0-")] for p in published_out.glob(".partial-*")] == [
        ".partial-3.0.0-"
    ]
    assert (published_out / "index.json").read_bytes() == index_before

    release = publish(bundled, out=published_out, version="3.0.0")
    assert leftovers(published_out) == []
    assert version_folders(published_out) == ["2.0.0", "3.0.0"]
    assert sha256sum_check(release.path).returncode == 0
    index = json.loads((published_out / "index.json").read_text("utf-8"))
    assert [r["version"] for r in index["releases"]] == ["3.0.0", "2.0.0"]


RACING_PUBLISH = """
import importlib, os, sys, time
w = importlib.import_module("changzhi_stats.release.writers")
original = w._Output.write
def slow(*args, **kwargs):
    time.sleep(0.05)
    return original(*args, **kwargs)
w._Output.write = slow
from changzhi_stats.cli import main
open(sys.argv[3] + ".ready", "w").close()
while not os.path.exists(sys.argv[4]):
    time.sleep(0.002)
main(["publish", sys.argv[1], "--out", sys.argv[2], "--version", "1.0.0"])
"""


def test_concurrent_publishes_of_one_version(tmp_path: Path, bundled: Path) -> None:
    out = tmp_path / "releases"
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                RACING_PUBLISH,
                str(bundled),
                str(out),
                str(tmp_path / n),
                str(go),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in ("one", "two")
    ]
    try:
        deadline = time.monotonic() + 30
        while not all((tmp_path / f"{n}.ready").exists() for n in ("one", "two")):
            assert all(p.poll() is None for p in processes)
            assert time.monotonic() < deadline
            time.sleep(0.01)
        go.touch()
        results = [p.communicate(timeout=60) for p in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
    codes = sorted(p.returncode for p in processes)
    assert codes == [0, 1], results
    loser = next(r for p, r in zip(processes, results, strict=True) if p.returncode == 1)
    assert "refused" in loser[1] and "exists" in loser[1]
    assert "Traceback" not in loser[1]
    assert version_folders(out) == ["1.0.0"]
    assert leftovers(out) == []
    assert sha256sum_check(out / "1.0.0").returncode == 0
    index = json.loads((out / "index.json").read_text("utf-8"))
    assert [r["version"] for r in index["releases"]] == ["1.0.0"]


# --- the disk says no ----------------------------------------------------------------------


def _chmod_is_enforced(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.touch()
    except PermissionError:
        return True
    probe.unlink()
    return False


@pytest.mark.parametrize("with_release", [False, True], ids=["empty", "with-a-release"])
def test_read_only_out_folder_fails_cleanly(
    tmp_path: Path, bundled: Path, with_release: bool
) -> None:
    out = tmp_path / "releases"
    out.mkdir()
    if with_release:
        publish(bundled, out=out, version="0.9.0")
    before = snapshot(out)
    out.chmod(0o500)
    try:
        if not _chmod_is_enforced(out):
            pytest.skip("running as root: chmod does not stop writes")
        with pytest.raises(PublishFailed) as caught:
            publish(bundled, out=out, version="1.0.0")
    finally:
        out.chmod(0o700)
    message = str(caught.value)
    assert str(out) in message and "Permission denied" in message
    assert "\n" not in message and "Traceback" not in message
    assert caught.value.exit_code == 2
    after = snapshot(out)
    after[""] = before[""]  # the mode of out itself changed back and forth
    assert after == before


def test_unwritable_out_folder_simulated_fails_cleanly(
    tmp_path: Path, bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a read-only folder gives, also where the tests run as root."""

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(publish_module.tempfile, "mkdtemp", denied)
    out = tmp_path / "releases"
    with pytest.raises(PublishFailed) as caught:
        publish(bundled, out=out, version="1.0.0")
    monkeypatch.undo()
    assert str(caught.value) == f"{out}: cannot write: Permission denied"
    assert version_folders(out) == [] and leftovers(out) == []


def test_releases_folder_that_cannot_be_created_fails_cleanly(
    tmp_path: Path, bundled: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(PublishFailed, match="cannot create the releases folder"):
        publish(bundled, out=blocker / "releases")


# --- a full disk, and index.json is never torn ---------------------------------------------


def test_disk_full_when_flushing_the_release_leaves_nothing(
    published_out: Path, bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC often surfaces only at fsync (delayed allocation): the same clean refusal."""
    before = snapshot(published_out)

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish_module.os, "fsync", full)
    with pytest.raises(PublishFailed, match="No space left on device") as caught:
        publish(bundled, out=published_out, version="3.0.0")
    monkeypatch.undo()
    assert caught.value.exit_code == 2
    assert version_folders(published_out) == ["2.0.0"]
    assert leftovers(published_out) == []
    after = snapshot(published_out)
    assert after["index.json"] == before["index.json"]
    assert after.keys() == before.keys()


def test_a_failed_index_write_leaves_the_old_index_intact(
    published_out: Path, bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_before = (published_out / "index.json").read_bytes()
    real_replace = os.replace

    def full(src, dst, *args, **kwargs):
        if str(dst).endswith("index.json"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(publish_module.os, "replace", full)
    with pytest.raises(PublishFailed, match=r"published and complete, but index\.json"):
        publish(bundled, out=published_out, version="3.0.0")
    monkeypatch.undo()
    assert (published_out / "index.json").read_bytes() == index_before
    json.loads(index_before)  # still whole, valid JSON
    assert leftovers(published_out) == []  # the temporary index is gone
    assert sha256sum_check(published_out / "3.0.0").returncode == 0  # the release itself is whole
    publish(bundled, out=published_out, version="4.0.0")  # the next publish rebuilds the index
    index = json.loads((published_out / "index.json").read_text("utf-8"))
    assert [r["version"] for r in index["releases"]] == ["4.0.0", "3.0.0", "2.0.0"]


KILLED_IN_INDEX_WRITE = """
import os, sys, time
from changzhi_stats import publish
real = os.replace
def stalled(src, dst, *args, **kwargs):
    if str(dst).endswith("index.json"):
        open(sys.argv[3], "w").close()
        time.sleep(60)
    return real(src, dst, *args, **kwargs)
os.replace = stalled
publish(sys.argv[1], out=sys.argv[2], version="3.0.0")
"""


def test_a_publish_killed_while_writing_the_index_never_tears_it(
    tmp_path: Path, published_out: Path, bundled: Path
) -> None:
    index_before = (published_out / "index.json").read_bytes()
    marker = tmp_path / "writing-index"
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_IN_INDEX_WRITE, str(bundled), str(published_out), marker],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the publish never reached the index"
            time.sleep(0.02)
        temporary = list(published_out.glob(".index-*"))
        assert len(temporary) == 1 and json.loads(temporary[0].read_text("utf-8"))
        os.kill(process.pid, signal.SIGKILL)  # the new index is written, not yet renamed
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()
    assert (published_out / "index.json").read_bytes() == index_before
    json.loads(index_before)
    assert version_folders(published_out) == ["2.0.0", "3.0.0"]  # complete, renamed in place
    assert sha256sum_check(published_out / "3.0.0").returncode == 0

    publish(bundled, out=published_out, version="4.0.0")
    assert leftovers(published_out) == []  # the stale temporary index is cleared
    index = json.loads((published_out / "index.json").read_text("utf-8"))
    assert [r["version"] for r in index["releases"]] == ["4.0.0", "3.0.0", "2.0.0"]


# --- compressed sources and declared bytes/hash --------------------------------------------


def test_a_compressed_package_publishes_plain_csv_and_parquet(
    tmp_path: Path, package_copy: Path
) -> None:
    """Compressed sources (gz, zip) give the usual release: UTF-8 CSV and Parquet, the same rows
    as the uncompressed package's release."""
    import gzip
    import zipfile

    plain = publish(package_copy, version="1.0.0", out=tmp_path / "plain")
    descriptor = json.loads((package_copy / "datapackage.json").read_text("utf-8"))
    for index, resource in enumerate(descriptor["resources"]):
        source = package_copy / resource["path"]
        if index % 2:
            target = source.with_name(source.name + ".zip")
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.write(source, source.name)
        else:
            target = source.with_name(source.name + ".gz")
            target.write_bytes(gzip.compress(source.read_bytes(), mtime=0))
        source.unlink()
        resource["path"] = target.relative_to(package_copy).as_posix()
    (package_copy / "datapackage.json").write_text(json.dumps(descriptor), "utf-8")
    release = publish(package_copy, version="1.0.0", out=tmp_path / "compressed")
    for name in RESOURCES:
        path = f"data/{name}.csv"
        assert (release.path / path).read_bytes() == (plain.path / path).read_bytes(), name
        parquet = f"data/{name}.parquet"
        assert pq.read_table(release.path / parquet).equals(pq.read_table(plain.path / parquet))
    assert cz_validate(release.path).valid


def test_a_tampered_release_file_is_reported(tmp_path: Path, package_copy: Path) -> None:
    """The release declares every file's bytes and sha256: validating it compares them."""
    release = publish(package_copy, version="1.0.0", out=tmp_path / "releases")
    assert cz_validate(release.path).valid
    with open(release.path / "data" / "units.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")  # a blank line at the end: the rows still read the same
    (release.path / "data" / "units.parquet").write_bytes(b"PAR1 not really")
    report = cz_validate(release.path)
    found = {(p.resource, p.check) for p in report.errors}
    assert {("units", "byte-count"), ("units", "hash-count")} <= found
    assert {("units-parquet", "byte-count"), ("units-parquet", "hash-count")} <= found
    message = next(p.message for p in report.errors if p.check == "hash-count")
    assert "data/units" in message and "but the resource declares" in message


def cz_validate(folder: Path) -> Report:
    from changzhi_stats import validate

    return validate(folder / "datapackage.json")
