"""Hostile releases and release folders (issue 18): names that are paths, collisions with the
release's own files, a refused publish beside published ones, a lock under contention, links
and FIFOs in a release, damaged earlier releases, a full disk, and a Parquet copy too large to
read whole. Each case gets a release that verifies, a clean refusal or a finding."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import importlib
import json
import os
import threading
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import write_package

import changzhi_stats as cz
from changzhi_stats import PublishFailed, PublishRefused
from changzhi_stats.cli import main
from changzhi_stats.package.limits import Limits
from changzhi_stats.release import writers
from changzhi_stats.release.verify import verify

publish_module = importlib.import_module("changzhi_stats.release.publish")
verify_module = importlib.import_module("changzhi_stats.release.verify")


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def table(rows: str = "a\n1\n2\n", path: str | None = None) -> dict:
    spec: dict = {"fields": ["a:integer"], "data": rows}
    if path:
        spec["path"] = path
    return spec


def package(folder: Path, names: list[str], version: str = "1.0.0", rows: str = "a\n1\n2\n"):
    """A package with one small integer table per name, each in its own plain file."""
    return write_package(
        folder, {n: table(rows, f"t{i}.csv") for i, n in enumerate(names)}, version=version
    )


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its sha256 (links and folders named, not followed)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[name] = "link:" + os.readlink(path)
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def leftovers(out: Path) -> list[str]:
    return sorted(
        p.name for p in out.iterdir() if p.name.startswith((".partial-", ".index-", ".catalog-"))
    )


def problems(result) -> set[tuple[str, str]]:
    return {(f.file, f.problem) for f in result.findings}


# --- 1. a resource name is never a path --------------------------------------------------


def test_a_name_that_climbs_out_writes_only_inside_the_release(tmp_path: Path) -> None:
    source = package(tmp_path / "a" / "b" / "pkg", ["../../../../victim/pwned"])
    out = tmp_path / "a" / "b" / "out"
    outside = {p for p in tmp_path.rglob("*") if out not in p.parents}
    release = cz.publish(source, out=out)
    assert {p for p in tmp_path.rglob("*") if out not in p.parents and p != out} == outside
    assert not (tmp_path / "victim").exists()
    descriptor = json.loads((release.path / "datapackage.json").read_text("utf-8"))
    first = descriptor["resources"][0]
    assert first["name"] == "../../../../victim/pwned"  # the name is data: kept as it is
    assert first["path"] == "data/victim-pwned.csv"  # the file name is derived
    for name in release.files:
        real = os.path.realpath(release.path / name)
        assert os.path.commonpath([real, os.path.realpath(release.path)]) == str(
            os.path.realpath(release.path)
        )
    assert verify(release.path).intact


def test_the_writer_refuses_any_file_outside_the_staging_folder(tmp_path: Path) -> None:
    """Defence in depth: even a path that slipped past the naming would not be written."""
    (tmp_path / "staging").mkdir()
    with pytest.raises(PublishFailed, match="outside"):
        writers.inside(tmp_path / "staging", "../escaped.csv")
    os.symlink(tmp_path, tmp_path / "staging" / "data")
    with pytest.raises(PublishFailed, match="outside"):
        writers.inside(tmp_path / "staging", "data/x.csv")


@pytest.mark.parametrize(
    "names",
    [
        ["units", "./units"],
        ["changes"],
        ["changes-md", "changes.json"],
        ["units", "units-parquet"],
        ["observations.sdmx"],
        ["observations-sdmx", "source-x"],
        [".hidden", "-dash", "..", "a/b", "a-b"],
        ["x" * 300],
    ],
    ids=lambda names: "+".join(n[:12] for n in names),
)
def test_names_that_collide_with_release_files_publish_a_release_that_verifies(
    tmp_path: Path, names: list[str]
) -> None:
    release = cz.publish(package(tmp_path / "pkg", names), out=tmp_path / "out")
    result = verify(release.path)
    assert result.intact, result.to_text()
    descriptor = json.loads((release.path / "datapackage.json").read_text("utf-8"))
    resource_names = [r["name"] for r in descriptor["resources"]]
    assert len(resource_names) == len(set(resource_names))
    tables = [r for r in descriptor["resources"] if "schema" in r]
    assert [r["name"] for r in tables] == names  # the names are kept
    paths = [r["path"] for r in descriptor["resources"]]
    assert len({p.casefold() for p in paths}) == len(paths)
    for path in paths:  # every file name is a plain slug inside data/ or beside the descriptor
        assert ".." not in path.split("/") and not path.split("/")[-1].startswith(".")
    dcat = json.loads((release.path / "dcat.jsonld").read_text("utf-8"))
    ids = [d["@id"] for d in dcat["@graph"][0]["dcat:distribution"]]
    assert len(ids) == len(set(ids))
    page = (release.path / "index.html").read_text("utf-8")
    assert all(f'href="{r["path"]}"' in page for r in tables)


def test_safe_names_keep_their_file_names() -> None:
    stems = writers.FileNames().table_stems(["observations", "units", "./units", "a_b.c-d"])
    assert stems == {
        "observations": "observations",
        "units": "units",
        "./units": "units-2",
        "a_b.c-d": "a_b.c-d",
    }


# --- 2. nothing reaches a published version before the verdict ---------------------------


def test_a_refused_publish_leaves_every_release_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "releases"
    cz.publish(package(tmp_path / "one", ["regions"]), out=out)
    before = tree(out)
    hostile = package(
        tmp_path / "two", ["../../1.0.0/data/regions"], version="2.0.0", rows="a\n7\n8\nx\n"
    )
    with pytest.raises(PublishRefused):
        cz.publish(hostile, out=out)
    assert tree(out) == before
    assert leftovers(out) == []


# --- 3. publish never exits 0 with a release verify rejects ----------------------------


@pytest.mark.parametrize("created", ["not a date", "2025-13-45T00:00:00Z", "", 5])
def test_a_created_that_is_not_a_date_is_refused(tmp_path: Path, created: object) -> None:
    out = tmp_path / "out"
    # a value that is no text at all is a usage error (exit 2), a text that is no date a refusal
    expected = PublishRefused if isinstance(created, str) else cz.UsageError
    with pytest.raises(expected, match="created"):
        cz.publish(package(tmp_path / "pkg", ["t"]), out=out, created=created)  # type: ignore[arg-type]
    assert not (out / "1.0.0").exists()


def test_a_release_verify_would_reject_is_never_renamed_into_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = writers.ReleaseWriter.finish

    def broken(self, *args, **kwargs):
        files = real(self, *args, **kwargs)
        (self.staging / "data" / "t.csv").write_text("a\r\n9\r\n", encoding="utf-8")
        return files

    monkeypatch.setattr(writers.ReleaseWriter, "finish", broken)
    out = tmp_path / "out"
    with pytest.raises(PublishRefused, match="would not pass verify"):
        cz.publish(package(tmp_path / "pkg", ["t"]), out=out)
    assert not (out / "1.0.0").exists() and leftovers(out) == []


# --- 4. the lock is never removed while anyone may hold it ------------------------------


def test_a_refused_publish_never_removes_the_lock_a_waiting_one_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused first publish (thread A) holds the lock while B waits on the same lock file;
    A's refusal must leave the file, so B publishes under it, alone."""
    out = tmp_path / "releases"
    bad = package(tmp_path / "bad", ["t"], version="3.0.0", rows="a\nx\n")
    good = package(tmp_path / "good", ["t"], version="2.0.0")
    a_holds, b_waits = threading.Event(), threading.Event()
    real_check, real_flock = publish_module.check_package, fcntl.flock
    lock_files: list[int] = []

    def check(package, *args, **kwargs):
        if threading.current_thread().name == "A":
            a_holds.set()
            assert b_waits.wait(20)
        return real_check(package, *args, **kwargs)

    def flock(handle, operation):
        if threading.current_thread().name == "B" and operation == fcntl.LOCK_EX:
            lock_files.append(os.fstat(handle.fileno()).st_ino)
            with pytest.raises(BlockingIOError):  # A holds it: B really has to wait
                real_flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            b_waits.set()
        return real_flock(handle, operation)

    monkeypatch.setattr(publish_module, "check_package", check)
    monkeypatch.setattr(publish_module.fcntl, "flock", flock)
    outcome: dict[str, object] = {}

    def run(name: str, source: Path) -> None:
        try:
            outcome[name] = cz.publish(source, out=out).version
        except Exception as exc:
            outcome[name] = exc

    a = threading.Thread(target=run, args=("A", bad), name="A")
    a.start()
    assert a_holds.wait(20)
    b = threading.Thread(target=run, args=("B", good), name="B")
    b.start()
    a.join(30)
    b.join(30)
    assert isinstance(outcome["A"], PublishRefused)
    assert outcome["B"] == "2.0.0"
    assert (out / ".lock").exists() and os.stat(out / ".lock").st_ino == lock_files[0]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "2.0.0",
        "catalog.jsonld",
        "index.json",
    ]


def test_a_lock_file_replaced_under_a_waiting_publisher_is_taken_again(tmp_path: Path) -> None:
    """Should anyone remove ``.lock`` all the same, a lock on the old file is not trusted."""
    out = tmp_path / "releases"
    out.mkdir()
    (out / ".lock").touch()
    entered = threading.Event()
    with open(out / ".lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)

        def wait() -> None:
            with publish_module._locked(out):
                entered.set()

        waiter = threading.Thread(target=wait)
        waiter.start()
        (out / ".lock").unlink()  # the waiter holds a descriptor of the removed file
        with open(out / ".lock", "a+") as new:
            fcntl.flock(new, fcntl.LOCK_EX)  # someone else locks the new file
            fcntl.flock(held, fcntl.LOCK_UN)  # the waiter gets the old one: it must not enter
            assert not entered.wait(0.3)
            fcntl.flock(new, fcntl.LOCK_UN)
        waiter.join(10)
    assert entered.is_set()


# --- 5. verify never follows a link, never opens a FIFO ---------------------------------


@pytest.fixture
def release(tmp_path: Path) -> Path:
    return cz.publish(package(tmp_path / "pkg", ["t"]), out=tmp_path / "out").path


def test_verify_reports_a_symlinked_file_and_never_reads_it(release: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET first line\n", encoding="utf-8")
    (release / "data" / "t.csv").unlink()
    os.symlink(secret, release / "data" / "t.csv")
    result = verify(release)
    assert ("data/t.csv", "symlink") in problems(result)
    text = result.to_text() + result.to_json()
    assert "TOP SECRET" not in text
    assert hashlib.sha256(secret.read_bytes()).hexdigest() not in text


def test_verify_reports_a_symlinked_folder_and_the_files_behind_it(
    release: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    (release / "data").rename(elsewhere)
    os.symlink(elsewhere, release / "data")
    result = verify(release)
    assert ("data", "symlink") in problems(result)
    assert ("data/t.csv", "symlink") in problems(result)
    assert not result.intact


def test_verify_reports_a_symlinked_release_folder(release: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    os.symlink(release, link)
    result = verify(link)
    assert problems(result) == {("link", "symlink")}
    ran = CliRunner().invoke(main, ["verify", str(link)])
    assert ran.exit_code == 1


def test_verify_never_opens_a_fifo(release: Path) -> None:
    for name in ("data/t.csv", "dcat.jsonld", "datapackage.json", "SHA256SUMS"):
        (release / name).unlink()
        os.mkfifo(release / name)
    os.mkfifo(release / "extra")
    result = verify(release)
    found = problems(result)
    for name in ("data/t.csv", "dcat.jsonld", "datapackage.json", "SHA256SUMS", "extra"):
        assert (name, "not-a-file") in found


# --- 6. damaged earlier releases ---------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("damaged", "content"),
    [
        ("1.0.0/dcat.jsonld", '{"@graph": 5}'),
        ("1.0.0/dcat.jsonld", '{"@graph": [5, {"@type": "dcat:Dataset"}]}'),
        ("1.0.0/dcat.jsonld", DEEP),
        ("1.0.0/changes.json", DEEP),
        ("1.0.0/changes.json", '{"summary": 5, "old": 7}'),
        ("index.json", DEEP),
        ("index.json", '{"releases": [5, {"version": 7}]}'),
    ],
    ids=["graph-5", "graph-junk", "dcat-deep", "changes-deep", "changes-junk", "index-deep", "idx"],
)
def test_a_damaged_earlier_release_never_stops_a_publish(
    tmp_path: Path, damaged: str, content: str
) -> None:
    out = tmp_path / "releases"
    cz.publish(package(tmp_path / "one", ["t"]), out=out)
    (out / damaged).write_text(content, encoding="utf-8")
    (out / "index.json").unlink() if damaged != "index.json" else None  # rebuilt from folders
    for version in ("2.0.0", "3.0.0"):  # and every later publish as well
        release = cz.publish(package(tmp_path / version, ["t"], version=version), out=out)
        assert verify(release.path).intact
        index = json.loads((out / "index.json").read_text("utf-8"))
        assert index["releases"][0]["version"] == version
        catalog = json.loads((out / "catalog.jsonld").read_text("utf-8"))
        assert any(n.get("dcat:version") == version for n in catalog["@graph"])
    assert leftovers(out) == []
    if damaged.startswith("1.0.0/"):
        result = verify(out / "1.0.0")
        assert not result.intact
        ran = CliRunner().invoke(main, ["verify", str(out / "1.0.0")])
        assert ran.exit_code == 1 and "internal error" not in (ran.stdout + ran.stderr)


def test_a_damaged_previous_descriptor_stops_the_publish_before_the_rename(
    tmp_path: Path,
) -> None:
    out = tmp_path / "releases"
    cz.publish(package(tmp_path / "one", ["t"]), out=out)
    (out / "1.0.0" / "datapackage.json").write_text(DEEP, encoding="utf-8")
    with pytest.raises(cz.CzStatsError):
        cz.publish(package(tmp_path / "two", ["t"], version="2.0.0"), out=out)
    assert not (out / "2.0.0").exists() and leftovers(out) == []
    result = verify(out / "1.0.0")
    assert ("datapackage.json", "invalid-descriptor") in problems(result)


# --- 7. a full disk leaves nothing -------------------------------------------------------


def test_a_full_disk_while_writing_data_leaves_no_staging_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flush at close fails too (as a full disk does): the staging folder still goes."""

    real = writers.HashingFile.write

    def full(self, data) -> int:
        if self.size:  # each file's first write (the Parquet magic) goes through
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(writers.HashingFile, "write", full)
    out = tmp_path / "out"
    with pytest.raises(PublishFailed, match="No space left"):
        cz.publish(package(tmp_path / "pkg", ["t"]), out=out)
    assert not (out / "1.0.0").exists() and leftovers(out) == []


def test_a_full_disk_while_writing_the_catalog_leaves_no_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publish_module.dcat, "catalog_document", full)
    out = tmp_path / "out"
    with pytest.raises(PublishFailed, match="No space left"):
        cz.publish(package(tmp_path / "pkg", ["t"]), out=out)
    assert not (out / "1.0.0").exists() and leftovers(out) == []
    monkeypatch.undo()
    assert cz.publish(package(tmp_path / "pkg", ["t"]), out=out).version == "1.0.0"


# --- 8. verify compares the copies in bounded memory ------------------------------------


def test_verify_compares_the_copies_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "a\n" + "".join(f"{i}\n" for i in range(3000))
    path = cz.publish(package(tmp_path / "pkg", ["t"], rows=rows), out=tmp_path / "out").path

    def whole(*args, **kwargs):
        raise AssertionError("a copy was read whole")

    for module, name in ((pl, "read_parquet"), (pl, "read_csv"), (pq, "read_table")):
        monkeypatch.setattr(module, name, whole)
    monkeypatch.setattr(verify_module, "BATCH_ROWS", 128)
    assert verify(path).intact
    parquet = path / "data" / "t.parquet"
    data = pq.ParquetFile(parquet).read()  # the test itself may read it whole
    changed = data.set_column(0, data.schema.field(0), pa.array([*range(2999), -1]))
    pq.write_table(changed, parquet, row_group_size=1000)
    found = verify(path).findings
    assert any(f.problem == "copies-differ" and "row 3001, field 'a'" in f.detail for f in found), (
        found
    )


def test_verify_does_not_compare_a_parquet_copy_over_the_row_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tiny Parquet file can claim 400 million rows of one value: the limit says no first."""
    path = cz.publish(package(tmp_path / "pkg", ["t"]), out=tmp_path / "out").path

    def never(*args, **kwargs):
        raise AssertionError("rows were read")

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", never)
    found = verify(path, limits=Limits(rows=1)).findings
    assert any(f.problem == "copies-differ" and "more than the limit" in f.detail for f in found)


def test_the_bundled_package_with_colliding_names_and_source_texts_verifies(
    package_copy: Path,
) -> None:
    """The issue's cases beside a real package (with its SDMX copy and a source text): tables
    named ``./units``, ``units-parquet``, ``changes``, ``observations.sdmx``, and source texts
    whose paths are files of the release (``data/units.csv``, ``datapackage.json``)."""
    descriptor_path = package_copy / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text("utf-8"))
    units = next(r for r in descriptor["resources"] if r["name"] == "units")
    for name in ("./units", "units-parquet", "changes", "observations.sdmx"):
        descriptor["resources"].append({**units, "name": name})
    descriptor_path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    sources = package_copy / "data" / "sources.csv"
    lines = sources.read_text("utf-8").splitlines()
    first = lines[1].split(",")
    for index, path in enumerate(("data/units.csv", "datapackage.json")):
        lines.append(",".join([f"extra_{index}", *first[1:5], path, ""]))
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    release = cz.publish(package_copy, out=package_copy.parent / "out")
    result = verify(release.path)
    assert result.intact, result.to_text()
    published = json.loads((release.path / "datapackage.json").read_text("utf-8"))
    by_name = {r["name"]: r["path"] for r in published["resources"]}
    assert by_name["units"] == "data/units.csv" and by_name["./units"] == "data/units-2.csv"
    assert by_name["observations.sdmx"] != "data/observations.sdmx.csv"
    assert by_name["observations-sdmx"] == "data/observations.sdmx.csv"
    texts = [r["path"] for r in published["resources"] if r["name"].startswith("source-")]
    assert "sources/units.csv" in texts and "sources/datapackage.json" in texts
