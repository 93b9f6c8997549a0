"""``cz-stats push`` (issue 17): a release into a CKAN portal.

Most tests run the client against a small stand-in for CKAN's action API on 127.0.0.1 (the
actions the client calls: package_show, package_create, package_patch, resource_create with an
upload, resource_patch, datastore_create/upsert/delete/search): the stand-in checks the token,
keeps datasets, resources and DataStore tables in memory and answers as CKAN 2.11 does
(success/result/error, Not Found, Authorization Error, Validation Error). The tests at the end run
against a real CKAN 2.11.6 with its DataStore (PostgreSQL, Redis, a Solr stand-in; see
docs/portal.md) and skip where it cannot start.
"""

from __future__ import annotations

import csv
import email.parser
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from shutil import which

import pytest
from click.testing import CliRunner
from conftest import ROOT, set_cell

import changzhi_stats as cz
from changzhi_stats.cli import main
from changzhi_stats.package.descriptor import bundled_package_path
from changzhi_stats.release import ckan

TOKEN = "secret-token-for-tests"


class FakeCkan:
    """CKAN's action API as far as the client uses it."""

    def __init__(self) -> None:
        self.datasets: dict[str, dict] = {}
        self.uploads: dict[str, bytes] = {}
        self.tables: dict[str, dict] = {}  # DataStore: resource id → fields, primary key, records
        self.writes: list[str] = []  # the actions that changed something
        self.fail: dict[str, int] = {}  # action → how many more calls of it succeed
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                action = self.path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                # as CKAN: a wrong token reads as anonymous (public datasets), never writes
                if self.headers.get("Authorization") != TOKEN and action != "package_show":
                    error = {"__type": "Authorization Error", "message": "Access denied"}
                    return self.answer(403, {"success": False, "error": error})
                kind = self.headers.get("Content-Type", "")
                if self.headers.get("Authorization") != TOKEN:  # anonymous: no private datasets
                    wanted = json.loads(body or b"{}").get("id")
                    if any(d.get("private") and wanted in (d["id"], d["name"])
                           for d in fake.datasets.values()):  # fmt: skip
                        error = {"__type": "Authorization Error", "message": "Access denied"}
                        return self.answer(403, {"success": False, "error": error})
                if kind.startswith("multipart/form-data"):
                    data, upload = fake.parse_multipart(kind, body)
                else:
                    data, upload = json.loads(body or b"{}"), None
                status, answer = fake.act(action, data, upload)
                self.answer(status, answer)

            def answer(self, status: int, answer: dict) -> None:
                text = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

        return Handler

    @staticmethod
    def parse_multipart(kind: str, body: bytes) -> tuple[dict, bytes | None]:
        message = email.parser.BytesParser().parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + body
        )
        data, upload = {}, None
        for part in message.get_payload():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                upload = part.get_payload(decode=True)
            else:
                data[name] = part.get_payload(decode=True).decode()
        return data, upload

    def act(self, action: str, data: dict, upload: bytes | None) -> tuple[int, dict]:
        def ok(result: object) -> tuple[int, dict]:
            return 200, {"success": True, "result": result}

        def find(ident: str) -> dict | None:
            return next((d for d in self.datasets.values() if ident in (d["id"], d["name"])), None)

        if action == "package_show":
            found = find(data.get("id", ""))
            if found is None:
                return 404, {"success": False, "error": {"__type": "Not Found Error"}}
            return ok(found)
        if action == "datastore_search":
            table = self.tables.get(data.get("resource_id"))
            if table is None:
                return 404, {"success": False, "error": {"__type": "Not Found Error"}}
            return ok({"fields": table["fields"], "records": table["records"]})
        self.writes.append(action)
        if action in self.fail:
            if self.fail[action] <= 0:
                error = {"__type": "Internal Server Error", "message": "the disk is full"}
                return 500, {"success": False, "error": error}
            self.fail[action] -= 1
        if action == "package_create":
            if data["name"] in self.datasets:
                error = {"__type": "Validation Error", "name": ["That URL is already in use."]}
                return 409, {"success": False, "error": error}
            dataset = {**data, "id": str(uuid.uuid4()), "resources": []}
            self.datasets[data["name"]] = dataset
            return ok(dataset)
        if action == "package_patch":
            dataset = find(data.pop("id"))
            dataset.update(data)
            return ok(dataset)
        if action == "resource_create":
            dataset = find(data["package_id"])
            resource = {**data, "id": str(uuid.uuid4()), "size": int(data["size"])}
            self.uploads[resource["id"]] = upload or b""
            dataset["resources"].append(resource)
            return ok(resource)
        if action == "resource_patch":
            resource = self.resource(data.pop("id"))
            resource.update(data)
            return ok(resource)
        if action == "datastore_create":
            assert data.get("force") is True
            if "resource" in data:
                dataset = find(data["resource"]["package_id"])
                resource = {**data["resource"], "id": str(uuid.uuid4()), "url_type": "datastore"}
                dataset["resources"].append(resource)
            else:
                resource = self.resource(data["resource_id"])
            table = {"fields": data["fields"], "primary_key": data.get("primary_key", []),
                     "records": []}  # fmt: skip
            self.tables[resource["id"]] = table
            resource["datastore_active"] = True
            return self.insert(resource["id"], data.get("records", []), ok)
        if action == "datastore_upsert":
            assert data["method"] == "insert" and data.get("force") is True
            return self.insert(data["resource_id"], data["records"], ok)
        if action == "datastore_delete":
            self.tables.pop(data["resource_id"])
            self.resource(data["resource_id"])["datastore_active"] = False
            return ok({"resource_id": data["resource_id"]})
        return 400, {"success": False, "error": {"__type": "Unknown action"}}

    def resource(self, ident: str) -> dict:
        return next(r for d in self.datasets.values() for r in d["resources"] if r["id"] == ident)

    def insert(self, resource_id: str, records: list[dict], ok) -> tuple[int, dict]:
        table = self.tables[resource_id]
        names = {f["id"] for f in table["fields"]}
        seen = {tuple(r[k] for k in table["primary_key"]) for r in table["records"]}
        for record in records:
            assert set(record) <= names
            key = tuple(record[k] for k in table["primary_key"])
            if table["primary_key"] and key in seen:
                error = {"__type": "Validation Error", "constraints": ["duplicate key"]}
                return 409, {"success": False, "error": error}
            seen.add(key)
            table["records"].append(record)
        return ok({"resource_id": resource_id})


@pytest.fixture
def portal():
    fake = FakeCkan()
    yield fake
    fake.close()


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.delenv(ckan.TOKEN_ENV, raising=False)


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.0.0 of the bundled package and 1.0.1 with a metadata change (a new title)."""
    base = tmp_path_factory.mktemp("push")
    out = base / "releases"
    cz.publish(out=out)
    package = base / "pkg"
    shutil.copytree(bundled_package_path().parent, package)
    descriptor = json.loads((package / "datapackage.json").read_text("utf-8"))
    descriptor["title"] = "Changzhi statistics (revised title)"
    (package / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), "utf-8")
    assert cz.publish(package, out=out, bump="auto").version == "1.0.1"
    return out


def files(release: Path) -> dict[str, str]:
    lines = (release / "SHA256SUMS").read_text("utf-8").splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines}
    sums = hashlib.sha256((release / "SHA256SUMS").read_bytes()).hexdigest()
    return listed | {"SHA256SUMS": sums}


def test_push_a_release_and_read_it_back(portal: FakeCkan, releases: Path) -> None:
    result = ckan.push(releases / "1.0.0", portal.url, TOKEN)
    assert result.created and result.dataset == "changzhi-stats"
    dataset = portal.datasets["changzhi-stats"]
    descriptor = json.loads((releases / "1.0.0" / "datapackage.json").read_text("utf-8"))
    assert dataset["title"] == descriptor["title"]
    extras = {e["key"]: e["value"] for e in dataset["extras"]}
    assert extras["title_zh"] == descriptor["title_zh"]
    assert dataset["license_id"] == "cc-by" and dataset["version"] == "1.0.0"
    assert "长治" in {t["name"] for t in dataset["tags"]}
    resources = {r["name"]: r for r in dataset["resources"]}
    expected = files(releases / "1.0.0")
    assert set(resources) == {f"1.0.0/{p}" for p in expected}
    for path, digest in expected.items():
        resource = resources[f"1.0.0/{path}"]
        assert resource["hash"] == f"sha256:{digest}"
        assert resource["size"] == (releases / "1.0.0" / path).stat().st_size
        assert hashlib.sha256(portal.uploads[resource["id"]]).hexdigest() == digest
    assert resources["1.0.0/data/observations.csv"]["format"] == "CSV"
    assert resources["1.0.0/data/observations.parquet"]["format"] == "Parquet"
    parquet = resources["1.0.0/data/observations.parquet"]
    assert parquet["mimetype"] == "application/vnd.apache.parquet"


def test_pushing_twice_changes_nothing(portal: FakeCkan, releases: Path) -> None:
    ckan.push(releases / "1.0.0", portal.url, TOKEN)
    before = json.dumps(portal.datasets, sort_keys=True)
    writes = len(portal.writes)
    again = ckan.push(releases / "1.0.0", portal.url, TOKEN)
    assert not again.changed and "nothing changed" in again.to_text()
    assert len(portal.writes) == writes
    assert json.dumps(portal.datasets, sort_keys=True) == before


def test_a_new_release_updates_and_keeps_the_old(portal: FakeCkan, releases: Path) -> None:
    ckan.push(releases / "1.0.0", portal.url, TOKEN)
    result = ckan.push(releases / "1.0.1", portal.url, TOKEN)
    assert not result.created and {"title", "version"} <= set(result.patched)
    dataset = portal.datasets["changzhi-stats"]
    assert dataset["version"] == "1.0.1" and "revised title" in dataset["title"]
    names = {r["name"] for r in dataset["resources"]}
    assert {f"1.0.0/{p}" for p in files(releases / "1.0.0")} <= names
    assert {f"1.0.1/{p}" for p in files(releases / "1.0.1")} <= names
    # the older release pushed again later leaves the newest metadata alone
    older = ckan.push(releases / "1.0.0", portal.url, TOKEN)
    assert not older.changed and portal.datasets["changzhi-stats"]["version"] == "1.0.1"


def test_a_bad_token_is_a_clean_error(portal: FakeCkan, releases: Path) -> None:
    with pytest.raises(ckan.PushFailed, match="refused the API token") as caught:
        ckan.push(releases / "1.0.0", portal.url, "wrong")
    assert "wrong" not in str(caught.value)  # the token is never echoed
    assert portal.datasets == {}


def test_a_bad_token_on_an_update_says_nothing_changed(portal: FakeCkan, releases: Path) -> None:
    ckan.push(releases / "1.0.0", portal.url, TOKEN)
    before = json.dumps(portal.datasets, sort_keys=True)
    with pytest.raises(ckan.PushFailed, match="refused the API token") as caught:
        ckan.push(releases / "1.0.1", portal.url, "wrong")
    assert "nothing changed on the portal" in str(caught.value)  # not "metadata patched"
    assert json.dumps(portal.datasets, sort_keys=True) == before


def test_an_unreachable_portal_is_a_clean_error(releases: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ckan.PushFailed, match="cannot reach"):
        ckan.push(releases / "1.0.0", f"http://127.0.0.1:{port}", TOKEN, timeout=5)


def test_a_name_taken_is_a_clean_error(portal: FakeCkan, releases: Path) -> None:
    portal.datasets["changzhi-stats"] = {"id": "x", "name": "changzhi-stats", "resources": []}
    portal.act = lambda action, data, upload, act=portal.act: (  # show: someone else's
        (404, {"success": False, "error": {"__type": "Not Found Error"}})
        if action == "package_show"
        else act(action, data, upload)
    )
    with pytest.raises(ckan.PushFailed, match="already in use") as caught:
        ckan.push(releases / "1.0.0", portal.url, TOKEN)
    assert "nothing changed on the portal" in str(caught.value)


def test_a_name_taken_by_a_deleted_dataset_is_refused(portal: FakeCkan, releases: Path) -> None:
    # CKAN keeps a deleted dataset's name and still shows it to its editors: files pushed into
    # it would be out of sight, so the push refuses and says how to free the name
    portal.datasets["changzhi-stats"] = {
        "id": "x", "name": "changzhi-stats", "state": "deleted", "resources": []
    }  # fmt: skip
    with pytest.raises(ckan.PushFailed, match=r"taken .* by a deleted dataset") as caught:
        ckan.push(releases / "1.0.0", portal.url, TOKEN)
    assert "nothing changed on the portal" in str(caught.value) and portal.writes == []


def test_a_name_taken_by_a_private_dataset_is_a_clean_error(
    portal: FakeCkan, releases: Path
) -> None:
    # someone else's private dataset: CKAN answers package_show with Authorization Error
    portal.datasets["changzhi-stats"] = {
        "id": "x", "name": "changzhi-stats", "private": True, "resources": []
    }  # fmt: skip
    with pytest.raises(ckan.PushFailed, match=r"taken .* may not see") as caught:
        ckan.push(releases / "1.0.0", portal.url, "another-users-token")
    assert "--name" in str(caught.value) and "nothing changed on the portal" in str(caught.value)
    assert portal.writes == []


def test_a_changed_file_on_the_portal_is_refused(portal: FakeCkan, releases: Path) -> None:
    ckan.push(releases / "1.0.0", portal.url, TOKEN)
    resource = portal.datasets["changzhi-stats"]["resources"][0]
    resource["hash"] = "sha256:" + "0" * 64
    with pytest.raises(ckan.PushFailed, match="another checksum"):
        ckan.push(releases / "1.0.0", portal.url, TOKEN)


def test_a_damaged_release_is_not_pushed(portal: FakeCkan, releases: Path, tmp_path) -> None:
    copy = tmp_path / "1.0.0"
    shutil.copytree(releases / "1.0.0", copy)
    set_cell(copy, "units", 2, "name_en", "changed")
    with pytest.raises(ckan.PushFailed, match="not an intact release"):
        ckan.push(copy, portal.url, TOKEN)
    assert portal.writes == []


def test_cli_takes_the_token_from_the_environment_or_a_file(
    portal: FakeCkan, releases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    release = str(releases / "1.0.0")
    result = runner.invoke(main, ["push", release, "--to", portal.url])
    assert result.exit_code == 2 and "CKAN_API_TOKEN" in result.output
    assert "Traceback" not in result.output
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", "utf-8")
    result = runner.invoke(main, ["push", release, "--to", portal.url, "--token-file", token_file])
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    monkeypatch.setenv(ckan.TOKEN_ENV, TOKEN)
    result = runner.invoke(main, ["push", release, "--to", portal.url])
    assert result.exit_code == 0 and "nothing changed" in result.output
    monkeypatch.setenv(ckan.TOKEN_ENV, "bad")
    portal.datasets.clear()  # so that the push has something to write
    result = runner.invoke(main, ["push", release, "--to", portal.url])
    assert result.exit_code == 2 and "refused the API token" in result.output
    assert "--token" not in [p.opts[0] for p in main.commands["push"].params if p.opts]


@pytest.mark.parametrize(
    ("name", "slug"),
    [("changzhi-stats", "changzhi-stats"), ("Changzhi Stats@1.0.0", "changzhi-stats-1-0-0")],
)
def test_dataset_names_are_ckan_slugs(name: str, slug: str) -> None:
    assert ckan.dataset_name(name) == slug


# --- the DataStore -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.0.0 of the bundled package and 1.0.1 with one observation fewer (new records)."""
    base = tmp_path_factory.mktemp("datastore")
    out = base / "releases"
    cz.publish(out=out)
    package = base / "pkg"
    shutil.copytree(bundled_package_path().parent, package)
    csv_path = package / "data" / "observations.csv"
    lines = csv_path.read_text("utf-8").splitlines(keepends=True)
    csv_path.write_text("".join(lines[:-1]), "utf-8")
    assert cz.publish(package, out=out, version="1.0.1").version == "1.0.1"
    return out


def rows(release: Path, path: str) -> list[dict]:
    with (release / path).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def tables_of(portal: FakeCkan) -> dict[str, tuple[dict, dict]]:
    """DataStore resource name → (resource, table)."""
    resources = portal.datasets["changzhi-stats"]["resources"]
    return {r["name"]: (r, portal.tables[r["id"]]) for r in resources if r["id"] in portal.tables}


def test_datastore_tables_typed_from_the_table_schema(portal: FakeCkan, changed: Path) -> None:
    release = changed / "1.0.0"
    result = ckan.push(release, portal.url, TOKEN, datastore=True, batch=10)
    names = ["observations", "indicators", "regions", "units", "sources"]
    assert result.tables == names and "DataStore tables loaded" in result.to_text()
    tables = tables_of(portal)
    assert set(tables) == {f"datastore/{n}" for n in names}
    resource, observations = tables["datastore/observations"]
    types = {f["id"]: f["type"] for f in observations["fields"]}
    assert types["value"] == "numeric" and types["unit_multiplier"] == "int8"
    assert types["indicator_id"] == "text"
    assert observations["primary_key"] == ["indicator_id", "region_code", "period"]
    assert {f["id"]: f["type"] for f in tables["datastore/sources"][1]["fields"]}["published"] == (
        "date"
    )
    expected = rows(release, "data/observations.csv")
    assert len(observations["records"]) == len(expected) > 10  # in batches of 10
    assert portal.writes.count("datastore_upsert") == sum(
        -(-len(rows(release, f"data/{n}.csv")) // 10) - 1 for n in names
    )
    first = observations["records"][0]
    assert first["unit_multiplier"] == int(expected[0]["unit_multiplier"])  # typed
    assert first["value"] == expected[0]["value"]  # numeric: PostgreSQL parses the text
    assert first["note"] is None  # a missing value
    digest = files(release)["data/observations.csv"]
    assert resource["hash"] == f"sha256:{digest}" and resource["cz_stats_version"] == "1.0.0"


def test_datastore_push_again_changes_nothing(portal: FakeCkan, changed: Path) -> None:
    ckan.push(changed / "1.0.0", portal.url, TOKEN, datastore=True)
    before = json.dumps([portal.datasets, portal.tables], sort_keys=True)
    writes = len(portal.writes)
    again = ckan.push(changed / "1.0.0", portal.url, TOKEN, datastore=True)
    assert not again.changed and again.tables == []
    assert len(portal.writes) == writes
    assert json.dumps([portal.datasets, portal.tables], sort_keys=True) == before


def test_datastore_a_new_release_replaces_the_records(portal: FakeCkan, changed: Path) -> None:
    ckan.push(changed / "1.0.0", portal.url, TOKEN, datastore=True)
    ids = {name: r["id"] for name, (r, _) in tables_of(portal).items()}
    result = ckan.push(changed / "1.0.1", portal.url, TOKEN, datastore=True)
    assert result.tables == ["observations"]  # the other tables hold the same records
    tables = tables_of(portal)
    assert {name: r["id"] for name, (r, _) in tables.items()} == ids  # the same resources
    resource, observations = tables["datastore/observations"]
    assert len(observations["records"]) == len(rows(changed / "1.0.1", "data/observations.csv"))
    assert len(observations["records"]) == len(rows(changed / "1.0.0", "data/observations.csv")) - 1
    assert resource["cz_stats_version"] == "1.0.1"
    # the older release pushed again later leaves the newest records alone
    assert not ckan.push(changed / "1.0.0", portal.url, TOKEN, datastore=True).changed
    assert tables_of(portal)["datastore/observations"][0]["cz_stats_version"] == "1.0.1"


def test_datastore_a_failed_load_says_what_was_left(portal: FakeCkan, changed: Path) -> None:
    portal.fail["datastore_upsert"] = 1  # the second batch of the first table fails
    with pytest.raises(ckan.PushFailed) as caught:
        ckan.push(changed / "1.0.0", portal.url, TOKEN, datastore=True, batch=10)
    said = str(caught.value)
    assert "the disk is full" in said and "datastore/observations holds part of the records" in said
    assert "file(s) uploaded" in said and "pushing again finishes the job" in said
    portal.fail.clear()
    again = ckan.push(changed / "1.0.0", portal.url, TOKEN, datastore=True, batch=10)
    assert "observations" in again.tables and not again.added
    records = tables_of(portal)["datastore/observations"][1]["records"]
    assert len(records) == len(rows(changed / "1.0.0", "data/observations.csv"))


def test_datastore_field_types() -> None:
    schema = {
        "fields": [
            {"name": "a", "type": "integer", "title": "A", "description": "the a"},
            {"name": "b", "type": "number"},
            {"name": "c", "type": "date"},
            {"name": "d", "type": "string"},
            {"name": "e", "type": "boolean"},
            {"name": "f", "type": "datetime"},
            {"name": "g", "type": "geopoint"},
        ]
    }
    fields = ckan.datastore_fields(schema)
    assert [f["type"] for f in fields] == [
        "int8", "numeric", "date", "text", "bool", "timestamp", "text"
    ]  # fmt: skip
    assert fields[0]["info"] == {"label": "A", "notes": "the a"}


# --- cz-stats publish --to ---------------------------------------------------------------------


def test_publish_to_pushes_the_new_release(
    portal: FakeCkan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ckan.TOKEN_ENV, TOKEN)
    out = tmp_path / "releases"
    result = CliRunner().invoke(
        main, ["publish", "--out", str(out), "--to", portal.url, "--datastore"]
    )
    assert result.exit_code == 0, result.output
    assert "1.0.0" in result.output and "created on" in result.output
    dataset = portal.datasets["changzhi-stats"]
    assert {r["name"] for r in dataset["resources"]} >= {f"1.0.0/{p}" for p in files(out / "1.0.0")}
    assert "datastore/observations" in {r["name"] for r in dataset["resources"]}


def test_publish_to_a_failed_push_leaves_the_release_published(
    portal: FakeCkan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ckan.TOKEN_ENV, TOKEN)
    out = tmp_path / "releases"
    unreachable = f"http://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(main, ["publish", "--out", str(out), "--to", unreachable])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "cannot reach" in result.output and "nothing changed on the portal" in result.output
    assert "stays published" in result.output
    assert f"cz-stats push {out / '1.0.0'} --to {unreachable}" in result.output
    assert cz.verify(out / "1.0.0").intact
    # the retry the message gives
    retry = CliRunner().invoke(main, ["push", str(out / "1.0.0"), "--to", portal.url])
    assert retry.exit_code == 0 and "created" in retry.output


def test_publish_to_without_a_token_publishes_nothing(tmp_path: Path, portal: FakeCkan) -> None:
    out = tmp_path / "releases"
    result = CliRunner().invoke(main, ["publish", "--out", str(out), "--to", portal.url])
    assert result.exit_code == 2 and "CKAN_API_TOKEN" in result.output
    assert not (out / "1.0.0").exists() and portal.writes == []
    result = CliRunner().invoke(main, ["publish", "--out", str(out), "--to", "ftp://x"])
    assert result.exit_code == 2 and "not a portal URL" in result.output
    result = CliRunner().invoke(main, ["publish", "--out", str(out), "--datastore"])
    assert result.exit_code == 2 and "--to URL" in result.output
    assert not (out / "1.0.0").exists()


def test_push_published_is_the_api_recipe(portal: FakeCkan, tmp_path: Path) -> None:
    release = cz.publish(out=tmp_path / "releases")
    result = ckan.push_published(release, portal.url, TOKEN)
    assert result.created and result.version == "1.0.0"
    with pytest.raises(ckan.PushFailed, match="stays published"):
        ckan.push_published(release, portal.url, "wrong", name="another")


# --- a real CKAN -------------------------------------------------------------------------------
# CKAN 2.11.6 from .venv-ckan (made by .ci/run), PostgreSQL from the machine (pg_ctlcluster),
# Redis from Debian, and a stand-in for Solr on 127.0.0.1 that answers CKAN's schema check and
# accepts its index updates: search itself is not exercised. Skips where any of them is missing.

CKAN = ROOT / ".venv-ckan" / "bin" / "ckan"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _SolrStandIn(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "schema" in self.path:
            body, kind = b'<?xml version="1.0"?><schema name="ckan-2.11"/>', "application/xml"
        else:
            empty = {"numFound": 0, "start": 0, "docs": []}
            answer = {"responseHeader": {"status": 0, "QTime": 0}, "response": empty}
            body, kind = json.dumps(answer).encode(), "application/json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET


def _sh(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False, **kwargs)
    if check and done.returncode != 0:
        pytest.skip(f"cannot start a CKAN here: {' '.join(args[:3])}: {done.stderr[-300:]}")
    return done


@pytest.fixture(scope="module")
def real_ckan(tmp_path_factory: pytest.TempPathFactory):
    """A running CKAN with its DataStore: (url, sysadmin token); everything it started is
    stopped and dropped afterwards."""
    missing = [t for t in ("pg_ctlcluster", "pg_lsclusters", "redis-server") if not which(t)]
    if not CKAN.is_file() or missing or os.geteuid() != 0:
        pytest.skip(f"no CKAN test set-up (.venv-ckan, root, {missing or 'postgres, redis'})")
    base = tmp_path_factory.mktemp("ckan")
    clusters = _sh("pg_lsclusters", "-h").stdout.split()
    if len(clusters) < 2:
        pytest.skip("no PostgreSQL cluster")
    started_postgres = clusters[3:4] == ["down"]  # then it is stopped again afterwards
    if started_postgres:
        _sh("pg_ctlcluster", clusters[0], clusters[1], "start")
    db = f"czckan{os.getpid()}"
    psql = ["su", "postgres", "-c"]
    _sh(*psql, f"psql -qc \"CREATE USER {db} WITH PASSWORD '{db}'\"")
    _sh(*psql, f"createdb -O {db} {db}")
    # the DataStore: a database of its own, written by the CKAN user, read by a read-only one
    _sh(*psql, f"psql -qc \"CREATE USER {db}ro WITH PASSWORD '{db}ro'\"")
    _sh(*psql, f"createdb -O {db} {db}ds")
    redis_port, solr_port, ckan_port = _free_port(), _free_port(), _free_port()
    redis_pid = base / "redis.pid"
    _sh("redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--daemonize", "yes",
        "--save", "", "--pidfile", str(redis_pid))  # fmt: skip
    solr = ThreadingHTTPServer(("127.0.0.1", solr_port), _SolrStandIn)
    threading.Thread(target=solr.serve_forever, daemon=True).start()
    server = None
    try:
        ini = base / "ckan.ini"
        _sh(str(CKAN), "generate", "config", str(ini))
        settings = {
            "sqlalchemy.url": f"postgresql://{db}:{db}@127.0.0.1/{db}",
            "ckan.site_url": f"http://127.0.0.1:{ckan_port}",
            "solr_url": f"http://127.0.0.1:{solr_port}/solr/ckan",
            "ckan.redis.url": f"redis://127.0.0.1:{redis_port}/0",
            "ckan.storage_path": str(base / "storage"),
            "ckan.plugins": "datastore",
            "ckan.datastore.write_url": f"postgresql://{db}:{db}@127.0.0.1/{db}ds",
            "ckan.datastore.read_url": f"postgresql://{db}ro:{db}ro@127.0.0.1/{db}ds",
            "ckan.auth.create_unowned_dataset": "true",
        }
        lines = []
        for line in ini.read_text("utf-8").splitlines():
            key = line.split("=", 1)[0].strip()
            lines.append(f"{key} = {settings.pop(key)}" if key in settings else line)
        main_section = lines.index("[app:main]") + 1
        lines[main_section:main_section] = [f"{k} = {v}" for k, v in settings.items()]
        ini.write_text("\n".join(lines) + "\n", "utf-8")
        run = (str(CKAN), "-c", str(ini))
        _sh(*run, "db", "init")
        permissions = _sh(*run, "datastore", "set-permissions").stdout
        _sh(*psql, "psql -q --set ON_ERROR_STOP=1", input=permissions)
        _sh(*run, "user", "add", "admin", "email=admin@example.org", "password=Password1234x")
        _sh(*run, "sysadmin", "add", "admin")
        token = _sh(*run, "user", "token", "add", "admin", "ci").stdout.strip().splitlines()[-1]
        server = subprocess.Popen(
            [*run, "run", "--host", "127.0.0.1", "--port", str(ckan_port), "--disable-reloader"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{ckan_port}"
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{url}/api/3/action/status_show", timeout=5):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.skip("CKAN did not start within 60 s")
        yield url, token.strip()
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        solr.shutdown()
        if redis_pid.is_file():
            os.kill(int(redis_pid.read_text().strip()), signal.SIGTERM)
        _sh(*psql, f"dropdb --if-exists {db}ds", check=False)
        _sh(*psql, f"dropdb --if-exists {db}", check=False)
        _sh(*psql, f"psql -qc 'DROP USER IF EXISTS {db}ro'", check=False)
        _sh(*psql, f"psql -qc 'DROP USER IF EXISTS {db}'", check=False)
        if started_postgres:
            _sh("pg_ctlcluster", clusters[0], clusters[1], "stop", check=False)


def _download(url: str) -> str:
    """The sha256 of what ``url`` serves."""
    with urllib.request.urlopen(url, timeout=30) as r:
        return hashlib.sha256(r.read()).hexdigest()


def _show(url: str, name: str) -> dict:
    with urllib.request.urlopen(f"{url}/api/3/action/package_show?id={name}", timeout=30) as r:
        return json.loads(r.read())["result"]


def test_push_to_a_real_ckan(real_ckan, releases: Path) -> None:
    url, token = real_ckan
    descriptor = json.loads((releases / "1.0.0" / "datapackage.json").read_text("utf-8"))
    assert ckan.push(releases / "1.0.0", url, token).created
    dataset = _show(url, "changzhi-stats")
    assert dataset["title"] == descriptor["title"] and dataset["version"] == "1.0.0"
    assert dataset["license_id"] == "cc-by"
    extras = {e["key"]: e["value"] for e in dataset["extras"]}
    assert extras["title_zh"] == descriptor["title_zh"]
    assert "长治" in {t["name"] for t in dataset["tags"]}
    expected = files(releases / "1.0.0")
    resources = {r["name"]: r for r in dataset["resources"]}
    assert set(resources) == {f"1.0.0/{p}" for p in expected}
    for path, digest in expected.items():
        assert resources[f"1.0.0/{path}"]["hash"] == f"sha256:{digest}"
        assert resources[f"1.0.0/{path}"]["size"] == (releases / "1.0.0" / path).stat().st_size
        assert _download(resources[f"1.0.0/{path}"]["url"]) == digest  # the file itself
    # the same release again changes nothing; a new one updates the dataset and keeps the old
    assert not ckan.push(releases / "1.0.0", url, token).changed
    assert ckan.push(releases / "1.0.1", url, token).patched
    dataset = _show(url, "changzhi-stats")
    assert dataset["version"] == "1.0.1" and "revised title" in dataset["title"]
    assert len(dataset["resources"]) == len(expected) + len(files(releases / "1.0.1"))
    assert "1.0.1/datapackage.json" in {r["name"] for r in dataset["resources"]}
    earlier = {r["name"]: r for r in dataset["resources"]}["1.0.0/data/observations.csv"]
    assert _download(earlier["url"]) == expected["data/observations.csv"]  # still reachable
    # a bad token and an unreachable portal are clean errors
    with pytest.raises(ckan.PushFailed, match="refused the API token"):
        ckan.push(releases / "1.0.0", url, "not-a-token", name="another-dataset")
    with pytest.raises(ckan.PushFailed, match="cannot reach"):
        ckan.push(releases / "1.0.0", f"http://127.0.0.1:{_free_port()}", token, timeout=5)


def _api(url: str, action: str, **params: object) -> dict:
    query = urllib.parse.urlencode({k: json.dumps(v) if isinstance(v, dict | list) else v
                                    for k, v in params.items()})  # fmt: skip
    with urllib.request.urlopen(f"{url}/api/3/action/{action}?{query}", timeout=30) as r:
        return json.loads(r.read())["result"]


def test_datastore_on_a_real_ckan(real_ckan, changed: Path) -> None:
    url, token = real_ckan
    name = "changzhi-stats-datastore"
    result = ckan.push(changed / "1.0.0", url, token, name=name, datastore=True, batch=10)
    assert result.tables == ["observations", "indicators", "regions", "units", "sources"]
    resources = {r["name"]: r for r in _show(url, name)["resources"]}
    table = resources["datastore/observations"]
    assert table["datastore_active"] and table["cz_stats_version"] == "1.0.0"
    expected = rows(changed / "1.0.0", "data/observations.csv")
    found = _api(url, "datastore_search", resource_id=table["id"], limit=1000)
    assert found["total"] == len(expected) > 10  # loaded in batches of 10
    types = {f["id"]: f["type"] for f in found["fields"]}
    assert types["value"] == "numeric" and types["unit_multiplier"] == "int8"
    assert types["indicator_id"] == "text"
    by_key = {(r["indicator_id"], r["region_code"], r["period"]): r for r in found["records"]}
    row = expected[0]
    record = by_key[(row["indicator_id"], row["region_code"], row["period"])]
    assert record["unit_multiplier"] == int(row["unit_multiplier"])
    assert float(record["value"]) == float(row["value"]) and record["note"] is None
    sources = _api(url, "datastore_search", resource_id=resources["datastore/sources"]["id"])
    assert {f["id"]: f["type"] for f in sources["fields"]}["published"] == "date"
    # the primary key is the table's: the same key again is refused by PostgreSQL
    portal = ckan.Portal(url, token)
    duplicate = {k: v for k, v in record.items() if k != "_id"}
    with pytest.raises(ckan.PushFailed, match="refused datastore_upsert"):
        portal.call(
            "datastore_upsert",
            {"resource_id": table["id"], "method": "insert", "force": True,
             "records": [duplicate]},
        )  # fmt: skip
    # the same release again changes nothing; a new release replaces the records
    assert not ckan.push(changed / "1.0.0", url, token, name=name, datastore=True).changed
    newer = ckan.push(changed / "1.0.1", url, token, name=name, datastore=True)
    assert newer.tables == ["observations"]
    found = _api(url, "datastore_search", resource_id=table["id"], limit=1000)
    assert found["total"] == len(expected) - 1
    assert {r["name"]: r for r in _show(url, name)["resources"]}["datastore/observations"][
        "cz_stats_version"
    ] == "1.0.1"


def test_failures_on_a_real_ckan_say_what_was_left(real_ckan, releases: Path) -> None:
    url, token = real_ckan
    portal = ckan.Portal(url, token)
    # a name taken by a deleted dataset
    portal.call("package_create", {"name": "cz-deleted"})
    portal.call("package_delete", {"id": "cz-deleted"})
    with pytest.raises(ckan.PushFailed, match="deleted dataset") as caught:
        ckan.push(releases / "1.0.0", url, token, name="cz-deleted")
    assert "nothing changed on the portal" in str(caught.value)
    assert portal.call("package_show", {"id": "cz-deleted"})["resources"] == []
    # a name taken by another organization's private dataset, pushed by a user who may not see it
    portal.call("organization_create", {"name": "another-org"})
    portal.call("package_create", {"name": "cz-private", "owner_org": "another-org",
                                   "private": True})  # fmt: skip
    portal.call("user_create", {"name": "bob", "email": "bob@example.org",
                                "password": "Password1234x"})  # fmt: skip
    bob = portal.call("api_token_create", {"user": "bob", "name": "ci"})["token"]
    with pytest.raises(ckan.PushFailed, match=r"taken .* may not see") as caught:
        ckan.push(releases / "1.0.0", url, bob, name="cz-private")
    assert "nothing changed on the portal" in str(caught.value)
    assert portal.call("package_show", {"id": "cz-private"})["resources"] == []
    # a file on the portal that is not the release's stops the push half-way: it says so
    dataset = portal.call("package_create", {"name": "cz-partial"})
    lines = (releases / "1.0.0" / "SHA256SUMS").read_text("utf-8").splitlines()
    middle = lines[len(lines) // 2].split("  ", 1)[1]
    wrong = {"package_id": dataset["id"], "name": f"1.0.0/{middle}", "url": "http://example.org/x",
             "hash": "sha256:" + "0" * 64}  # fmt: skip
    portal.call("resource_create", wrong)
    with pytest.raises(ckan.PushFailed, match="another checksum") as caught:
        ckan.push(releases / "1.0.0", url, token, name="cz-partial")
    said = str(caught.value)
    after = _api(url, "package_show", id="cz-partial")
    uploaded = len(after["resources"]) - 1
    assert uploaded == len(lines) // 2  # the files listed before the conflicting one
    assert f"{uploaded} file(s) uploaded" in said and "metadata patched" in said
