"""Packages on an object store (issue 16): ``cz-stats validate s3://bucket/prefix/``.

A real S3 API on 127.0.0.1 (moto's server, started for this module on a free port; skipped,
with the reason, without ``pip install 'moto[server]'``): the package is uploaded and read
through pyarrow.fs, with the same findings and row numbers as the same package on local disk,
and the same path-safety rules (nothing outside the package's prefix is read).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner
from conftest import stop_group

from changzhi_stats.cli import main
from changzhi_stats.errors import PackageUnreadable, UsageError
from changzhi_stats.validate import validate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
BUNDLED = ROOT / "datapackage"

if importlib.util.find_spec("moto") is None:
    pytest.skip(
        "moto is not installed (pip install 'moto[server]'): no S3 API to test against",
        allow_module_level=True,
    )

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_s3(log: Path) -> tuple[subprocess.Popen, str]:
    """moto's S3 server on a free port of 127.0.0.1: (the process, its endpoint URL)."""
    port = _free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    stop_group(process)
    pytest.skip(f"moto's server did not start: {log.read_text(errors='replace')[-500:]}")


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_s3(tmp_path_factory.mktemp("moto"))


def serve_s3(folder: Path) -> Iterator[str]:
    """The endpoint of a fresh S3 API; the AWS_* variables point pyarrow (and Spark's Python
    workers, which inherit them) at it, as a user sets them for a real store."""
    process, endpoint = start_s3(folder / "moto.log")
    saved = {k: os.environ.get(k) for k in [*CREDENTIALS, "AWS_ENDPOINT_URL"]}
    os.environ.update(CREDENTIALS, AWS_ENDPOINT_URL=endpoint)
    try:
        yield endpoint
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        stop_group(process)


def store(endpoint: str):
    import pyarrow.fs as pafs

    return pafs.S3FileSystem(
        access_key="testing",
        secret_key="testing",
        region="us-east-1",
        endpoint_override=endpoint,
        scheme="http",
        allow_bucket_creation=True,
    )


def upload(endpoint: str, folder: Path, bucket: str, prefix: str) -> str:
    """Every file under ``folder`` to ``s3://bucket/prefix/…``; returns the package's URI."""
    fs = store(endpoint)
    fs.create_dir(bucket)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with fs.open_output_stream(f"{bucket}/{prefix}/{path.relative_to(folder)}") as out:
                out.write(path.read_bytes())
    return f"s3://{bucket}/{prefix}/"


def _same(report, local) -> None:
    mine, theirs = report.to_dict(), local.to_dict()
    for side in (mine, theirs):
        side["stats"].pop("seconds", None)
    assert mine == theirs


@pytest.mark.parametrize("name", ["bundled", "bad-observations", "bad-encoding", "broken-header"])
def test_a_package_on_s3_gives_the_local_report(s3: str, name: str) -> None:
    folder = BUNDLED if name == "bundled" else FIXTURES / name
    uri = upload(s3, folder, "packages", name)
    report = validate(uri, lang="en")
    _same(report, validate(folder, lang="en"))
    assert report.package == f"{uri}datapackage.json"


def test_the_descriptor_uri_itself_is_read(s3: str) -> None:
    uri = upload(s3, FIXTURES / "bad-observations", "packages", "direct")
    report = validate(uri + "datapackage.json", lang="en")
    _same(report, validate(FIXTURES / "bad-observations", lang="en"))


def test_the_command_line_reads_s3_and_says_where(s3: str) -> None:
    uri = upload(s3, FIXTURES / "bad-observations", "packages", "cli")
    result = CliRunner().invoke(main, ["validate", uri, "--format", "json"])
    local = CliRunner().invoke(main, ["validate", str(FIXTURES / "bad-observations")])
    assert result.exit_code == local.exit_code == 1
    shown = json.loads(result.output)
    shown["stats"].pop("seconds")
    expected = validate(FIXTURES / "bad-observations", lang="en").to_dict()
    expected["stats"].pop("seconds")
    assert shown == expected
    text = CliRunner().invoke(main, ["validate", uri])
    assert f"{uri}datapackage.json: INVALID" in text.output


def _escaping(tmp_path: Path) -> Path:
    folder = tmp_path / "escape"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "t.csv").write_text("id\n1\n", encoding="utf-8")
    schema = {"fields": [{"name": "id", "type": "integer"}]}
    resources = [
        {"name": "inside", "path": "data/t.csv", "schema": schema},
        {"name": "escape", "path": "../other-bucket/x.csv", "schema": schema},
        {"name": "absolute", "path": "/other-bucket/x.csv", "schema": schema},
        {"name": "url", "path": "s3://other-bucket/x.csv", "schema": schema},
        {"name": "parts", "path": ["data/t.csv", "../../other-bucket/x.csv"], "schema": schema},
    ]
    descriptor = {"name": "e", "title": "e", "licenses": [{"name": "CC0-1.0"}]}
    (folder / "datapackage.json").write_text(json.dumps({**descriptor, "resources": resources}))
    return folder


def test_a_path_leaving_the_prefix_is_refused_as_on_disk(s3: str, tmp_path: Path) -> None:
    fs = store(s3)
    fs.create_dir("other-bucket")
    with fs.open_output_stream("other-bucket/x.csv") as out:
        out.write(b"id\nsecret\n")
    with fs.open_output_stream("packages/x.csv") as out:  # beside the package's prefix
        out.write(b"id\nsecret\n")
    folder = _escaping(tmp_path)
    uri = upload(s3, folder, "packages", "escape")
    report = validate(uri, lang="en")
    _same(report, validate(folder, lang="en"))
    unsafe = {p.resource for p in report.errors if p.check == "unsafe-path"}
    assert unsafe == {"escape", "absolute", "url", "parts"}  # a URL is never fetched
    assert "secret" not in report.to_json()
    result = CliRunner().invoke(main, ["validate", uri])
    assert result.exit_code == 1  # a finding, as for a local package


def test_a_missing_package_or_bucket_is_unreadable_exit_2(s3: str) -> None:
    store(s3).create_dir("empty-bucket")
    with pytest.raises(PackageUnreadable, match="no such file"):
        validate("s3://empty-bucket/nothing/")
    result = CliRunner().invoke(main, ["validate", "s3://empty-bucket/nothing/datapackage.json"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "no such file" in result.output


def test_a_resource_naming_a_prefix_is_not_a_regular_file(s3: str, tmp_path: Path) -> None:
    folder = tmp_path / "prefix"
    (folder / "data" / "t.csv").mkdir(parents=True)  # a folder where a file is expected
    (folder / "data" / "t.csv" / "inner").write_text("x", encoding="utf-8")
    resources = [{"name": "t", "path": "data/t.csv", "schema": {"fields": [{"name": "id"}]}}]
    descriptor = {"name": "p", "title": "p", "licenses": [{"name": "CC0-1.0"}]}
    (folder / "datapackage.json").write_text(json.dumps({**descriptor, "resources": resources}))
    report = validate(upload(s3, folder, "packages", "prefix"), lang="en")
    notes = [p.message for p in report.errors if p.check == "source-error"]
    assert notes and "not a regular file" in notes[0]


@pytest.mark.parametrize(
    "uri", ["https://example.org/datapackage.json", "http://127.0.0.1:1/x", "ftp://x/y"]
)
def test_other_urls_stay_refused(uri: str) -> None:
    with pytest.raises(PackageUnreadable, match="remote packages are not read"):
        validate(uri)


def test_failures_are_written_to_s3(s3: str, tmp_path: Path) -> None:
    from test_failures import read_failures

    uri = upload(s3, FIXTURES / "bad-observations", "packages", "failures")
    with pytest.raises(UsageError, match="no such bucket"):
        validate(uri, failures="s3://no-results-bucket/run-1/")
    store(s3).create_dir("results")
    report = validate(uri, failures="s3://results/run-1/", lang="en")
    local = tmp_path / "local"
    validate(FIXTURES / "bad-observations", failures=local, lang="en")
    fs = store(s3)
    written = ds.dataset("results/run-1", filesystem=fs, format="parquet").to_table().to_pylist()
    key = lambda r: (r["resource"] or "", r["row"] or 0, r["check"], r["field"] or "")  # noqa: E731
    assert sorted(written, key=key) == read_failures(local)
    assert len(written) == sum(report.counts.values())
    with pytest.raises(UsageError, match="must be an empty folder"):
        validate(uri, failures="s3://results/run-1/")


def test_multipart_on_s3(s3: str, tmp_path: Path) -> None:
    from test_multipart import EXPECTED, write_multipart

    folder = write_multipart(tmp_path / "mp")
    report = validate(upload(s3, folder, "packages", "multipart"), lang="en")
    assert [(p.check, p.row, p.field) for p in report.errors if p.resource == "t"] == EXPECTED
    _same(report, validate(folder, lang="en"))


def test_publish_reads_a_package_on_s3(s3: str, tmp_path: Path) -> None:
    from changzhi_stats.release.publish import publish

    uri = upload(s3, BUNDLED, "packages", "publish")
    remote = publish(uri, out=tmp_path / "from-s3", version="1.0.0")
    local = publish(BUNDLED, out=tmp_path / "from-disk", version="1.0.0")
    assert remote.datapackage_sha256 == local.datapackage_sha256
    release = tmp_path / "from-s3" / "1.0.0"
    for path in sorted(release.rglob("*")):
        if path.is_file():
            twin = tmp_path / "from-disk" / "1.0.0" / path.relative_to(release)
            assert path.read_bytes() == twin.read_bytes(), path.name


@pytest.mark.parametrize("out", ["s3://releases/city", "gs://releases/city", "https://x.org/r"])
def test_publishing_to_an_object_store_is_refused(tmp_path: Path, out: str) -> None:
    from changzhi_stats.release.publish import publish

    with pytest.raises(UsageError, match="atomic"):
        publish(BUNDLED, out=out)
    result = CliRunner().invoke(main, ["publish", str(BUNDLED), "--out", out])
    assert result.exit_code == 2
    assert "atomic" in result.output
    assert not Path("s3:").exists() and not Path("gs:").exists()


def test_declared_bytes_and_hashes_are_checked_on_s3(s3: str, tmp_path: Path) -> None:
    folder = tmp_path / "integrity"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "t.csv").write_bytes(b"id\n1\n2\n")
    schema = {"fields": [{"name": "id", "type": "integer"}]}
    resources = [
        {"name": "right", "path": "data/t.csv", "schema": schema, "bytes": 7},
        {"name": "bytes", "path": "data/t.csv", "schema": schema, "bytes": 8},
        {"name": "hash", "path": "data/t.csv", "schema": schema, "hash": "sha256:00"},
    ]
    descriptor = {"name": "i", "title": "i", "licenses": [{"name": "CC0-1.0"}]}
    (folder / "datapackage.json").write_text(json.dumps({**descriptor, "resources": resources}))
    report = validate(upload(s3, folder, "packages", "integrity"), lang="en")
    _same(report, validate(folder, lang="en"))
    assert {(p.check, p.resource) for p in report.errors} == {
        ("byte-count", "bytes"),
        ("hash-count", "hash"),
    }


def test_the_html_report_shows_the_rows_on_s3(s3: str) -> None:
    import re

    from changzhi_stats.html_report import html_report

    folder = FIXTURES / "bad-observations"
    uri = upload(s3, folder, "packages", "html")
    remote, local = html_report(validate(uri, lang="en")), html_report(validate(folder, lang="en"))
    assert 'id="by-indicator"' in remote

    def plain(page: str, where: str) -> str:
        page = page.replace(where, "PACKAGE")
        return re.sub(r"[0-9.]+ s\b", "", page)

    assert plain(remote, f"{uri}datapackage.json") == plain(local, str(folder / "datapackage.json"))
