"""Push a published release to a CKAN portal (``cz-stats push RELEASE --to URL``).

One CKAN dataset per series: its name is the package name as a CKAN slug (``changzhi-stats``),
its title, description, licence (an id of CKAN's licence register where the licence is one),
version and tags those of the newest release pushed; the Chinese title and description travel
as extras (``title_zh``, ``description_zh``). Its resources are the release files, uploaded,
each named ``<version>/<path>`` with its CKAN format label, sha256 and size, so every earlier
version stays reachable beside the newest.

Idempotent: a file already on the portal with the same name and hash is left alone, metadata
that already matches is not patched; pushing the same release twice changes nothing. A file on
the portal with the same name and another hash is refused (releases are immutable). A push that
fails half-way says what it had done; pushing again finishes it.

With ``datastore=True`` each table of the release (a CSV resource with a Table Schema) is also
loaded into CKAN's DataStore as a typed table: one resource per table named ``datastore/<name>``,
its columns typed from the Table Schema (:data:`DATASTORE_TYPES`), the primary key kept, the
records sent in batches. It holds the newest release pushed: a newer release replaces its
records, the same release again changes nothing (the resource's ``hash`` is the CSV's sha256,
set once every record is in), an older release leaves it alone.

The API token comes from ``CKAN_API_TOKEN`` or a file, never from the command line (where other
users of the machine could read it). Only the standard library is used (urllib).

Publishing and pushing in one go (what ``cz-stats publish --to URL`` does)::

    release = changzhi_stats.publish(out="releases")
    ckan.push_published(release, "https://data.example.org", ckan.read_token())

If the push fails, the release stays published and the message says how to push it again.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from changzhi_stats.errors import CzStatsError
from changzhi_stats.package.files import read_json
from changzhi_stats.release import dcat
from changzhi_stats.release.verify import verify
from changzhi_stats.report.cli_messages import message

TOKEN_ENV = "CKAN_API_TOKEN"
MAX_RESPONSE = 50_000_000  # bytes of one API answer read at most
# file suffix → CKAN format label (as in CKAN's resource_formats.json)
FORMATS = {
    ".csv": "CSV",
    ".parquet": "Parquet",
    ".json": "JSON",
    ".jsonld": "JSON-LD",
    ".xml": "XML",
    ".html": "HTML",
    ".md": "Markdown",
    ".txt": "TXT",
}
MEDIATYPES = {".jsonld": "application/ld+json", ".html": "text/html", ".md": "text/markdown"}
TAG = re.compile(r"[\w .-]{2,100}\Z")
# Table Schema type → DataStore (PostgreSQL) column type; any other type is text. Integers are
# int8: a Table Schema integer has no bound, PostgreSQL's int (int4) stops at 2**31 - 1.
DATASTORE_TYPES = {
    "string": "text",
    "integer": "int8",
    "number": "numeric",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "time": "time",
    "year": "int4",
    "object": "json",
    "array": "json",
}
DATASTORE_BATCH = 5000  # records per datastore_create/datastore_upsert call
DATASTORE_PREFIX = "datastore/"


class PushFailed(CzStatsError):
    """The push could not be done or finished; the message says what was left on the portal."""

    exit_code = 2


class TokenRefused(PushFailed):
    """The portal refused the API token for an action."""


@dataclass
class PushResult:
    dataset: str
    url: str
    version: str
    created: bool = False
    patched: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)  # DataStore tables (re)loaded

    @property
    def changed(self) -> bool:
        return self.created or bool(self.patched or self.added or self.tables)

    def to_text(self, lang: str = "en") -> str:
        """What the push did, in ``lang`` (``"en"`` or ``"zh"``)."""
        said = {"dataset": self.dataset, "version": self.version, "url": self.url}
        if not self.changed:
            return message("push.unchanged", lang, **said)

        def names(items: list[str]) -> str:  # field and table names: codes, quoted in Chinese
            return "、".join(f"`{i}`" for i in items) if lang == "zh" else ", ".join(items)

        return (
            message(
                "push.created" if self.created else "push.updated",
                lang,
                added=len(self.added),
                unchanged=len(self.unchanged),
                **said,
            )
            + (message("push.patched", lang, fields=names(self.patched)) if self.patched else "")
            + (message("push.tables", lang, tables=names(self.tables)) if self.tables else "")
        )


def read_token(token_file: str | os.PathLike | None = None, *, url: str | None = None) -> str:
    """The API token: from ``token_file`` when given, else from ``CKAN_API_TOKEN``.

    With ``url``, that URL is checked first (an http or https portal URL), so that a publish
    that will push is refused before it publishes anything.
    """
    if url is not None:
        Portal(url, "")
    if token_file is not None:
        try:
            token = Path(token_file).read_text("utf-8").strip()
        except OSError as exc:
            why = exc.strerror or exc
            raise PushFailed(f"{token_file}: cannot read the token file: {why}") from None
        except UnicodeDecodeError:
            raise PushFailed(f"{token_file}: cannot read the token file: not UTF-8 text") from None
        if not token:
            raise PushFailed(f"the token file {token_file} is empty")
        return token
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise PushFailed(f"no API token: set {TOKEN_ENV} or give --token-file")
    return token


def dataset_name(name: object) -> str:
    """A package name as a CKAN dataset name: lowercase ``[a-z0-9_-]``, 2 to 100 characters."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", str(name or "").lower()).strip("-_")[:100]
    return slug if len(slug) >= 2 else f"dataset-{slug}".strip("-")


class Portal:
    """CKAN's action API, ``POST /api/3/action/<action>``, with clean errors."""

    def __init__(self, url: str, token: str, timeout: float = 60) -> None:
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise PushFailed(f"not a portal URL (http or https): {url!r}")
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(self, action: str, data: dict, upload: tuple[str, bytes] | None = None) -> object:
        """The action's result; ``None`` when CKAN says Not Found."""
        if upload is None:
            body = json.dumps(data).encode("utf-8")
            content_type = "application/json"
        else:
            body, content_type = _multipart(data, *upload)
        request = urllib.request.Request(
            f"{self.url}/api/3/action/{action}",
            data=body,
            headers={"Authorization": self.token, "Content-Type": content_type},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, text = response.status, response.read(MAX_RESPONSE)
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read(MAX_RESPONSE)
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise PushFailed(f"cannot reach {self.url}: {reason}") from None
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or "success" not in answer:
            raise PushFailed(f"{self.url} did not answer as a CKAN API ({action}: HTTP {status})")
        if answer["success"]:
            return answer.get("result")
        error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        kind = str(error.get("__type") or f"HTTP {status}")
        if kind == "Not Found Error" or status == 404:
            return None
        if kind == "Authorization Error" or status in (401, 403):
            raise TokenRefused(
                f"{self.url} refused the API token for {action} ({kind}): check {TOKEN_ENV} or "
                "--token-file, and that the user may edit the dataset"
            )
        details = "; ".join(
            f"{key}: {' '.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in error.items()
            if key != "__type"
        )
        raise PushFailed(f"{self.url} refused {action} ({kind}): {details or 'no reason given'}")


def _multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = f"cz-stats-{uuid.uuid4().hex}"
    parts = []
    for key, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    safe = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; filename="{safe}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    parts.append(content)
    parts.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _sums(release: Path) -> dict[str, str]:
    sums = {}
    for line in (release / "SHA256SUMS").read_text("utf-8").splitlines():
        digest, _, path = line.partition("  ")
        if digest and path:
            sums[path] = digest
    return sums


def _version_key(version: object) -> tuple[int, ...]:
    match = re.match(r"(\d+)\.(\d+)\.(\d+)\Z", str(version or ""))
    return tuple(int(g) for g in match.groups()) if match else (-1,)


def metadata(descriptor: dict) -> dict:
    """The dataset's metadata on the portal, from the release's ``datapackage.json``."""
    extras = {}
    for key in ("title_zh", "description_zh"):
        if isinstance(descriptor.get(key), str) and descriptor[key]:
            extras[key] = descriptor[key]
    licence_id = ""
    for licence in descriptor.get("licenses") or []:
        if isinstance(licence, dict):
            licence_id = dcat.ckan_licence_id(licence) or ""
            if licence_id:
                break
    keywords = [k.strip() for k in descriptor.get("keywords") or [] if isinstance(k, str)]
    tags = sorted({k for k in keywords if TAG.match(k)})  # CKAN's tag rule; others are left out
    return {
        "title": str(descriptor.get("title") or descriptor.get("name") or ""),
        "notes": str(descriptor.get("description") or ""),
        "license_id": licence_id,
        "version": str(descriptor.get("version") or ""),
        "tags": [{"name": t} for t in tags],
        "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())],
    }


def _differs(existing: dict, wanted: dict) -> list[str]:
    changed = []
    for key, value in wanted.items():
        have = existing.get(key)
        if key == "tags":
            have = sorted(t.get("name") for t in have or [] if isinstance(t, dict))
            value = [t["name"] for t in value]
        elif key == "extras":
            have = {e.get("key"): e.get("value") for e in have or [] if isinstance(e, dict)}
            value = {e["key"]: e["value"] for e in value}
        elif have is None:
            have = ""
        if have != value:
            changed.append(key)
    return changed


def push(
    release: str | os.PathLike,
    url: str,
    token: str,
    *,
    owner_org: str | None = None,
    name: str | None = None,
    timeout: float = 60,
    datastore: bool = False,
    batch: int = DATASTORE_BATCH,
) -> PushResult:
    """Push the release folder ``release`` to the CKAN at ``url`` (see the module docstring).

    ``datastore=True`` also loads each table into a typed DataStore table (``batch`` records a
    call); the portal must run CKAN's ``datastore`` plugin.
    """
    if batch < 1:
        raise PushFailed(f"batch must be at least 1, not {batch}")
    folder = Path(release)
    result = verify(folder)
    if not result.intact:
        raise PushFailed(f"{folder} is not an intact release; run `cz-stats verify {folder}`")
    descriptor = read_json(folder / "datapackage.json")
    if not isinstance(descriptor, dict):
        raise PushFailed(f"{folder}/datapackage.json is not a descriptor")
    version = str(descriptor.get("version") or folder.name)
    slug = dataset_name(name or descriptor.get("name"))
    portal = Portal(url, token, timeout)
    outcome = PushResult(slug, portal.url, version)
    loading: list[str] = []  # the DataStore table being loaded, if any
    wanted = metadata(descriptor)
    try:
        try:
            existing = portal.call("package_show", {"id": slug})
        except TokenRefused:  # CKAN reads a bad token as anonymous: the dataset is private
            raise PushFailed(
                f"the name {slug} is taken on {portal.url} by a dataset this API token may not "
                "see (a private dataset of another organization); push under another --name, "
                "or with the token of a user who may edit it"
            ) from None
        if existing is None:
            create = {"name": slug, **wanted} | ({"owner_org": owner_org} if owner_org else {})
            existing = portal.call("package_create", create)
            outcome.created = True
        elif isinstance(existing, dict):
            if existing.get("state") == "deleted":  # it would take the files out of sight
                raise PushFailed(
                    f"the name {slug} is taken on {portal.url} by a deleted dataset; purge it "
                    "there (dataset_purge) or push under another --name"
                )
            if _version_key(existing.get("version")) > _version_key(version):
                wanted = {}  # an older release adds its files; the newest keeps the metadata
            differs = _differs(existing, wanted)
            if differs:
                patch = {"id": existing.get("id") or slug} | {k: wanted[k] for k in differs}
                existing = portal.call("package_patch", patch)
                outcome.patched = differs
        if not isinstance(existing, dict):
            raise PushFailed(f"{portal.url} answered package_show/create without a dataset")
        on_portal = {
            r.get("name"): r for r in existing.get("resources") or [] if isinstance(r, dict)
        }
        sums = _sums(folder)
        sums["SHA256SUMS"] = hashlib.sha256((folder / "SHA256SUMS").read_bytes()).hexdigest()
        mediatypes = {
            path: str(r.get("mediatype") or "").split(";")[0]
            for r in descriptor.get("resources") or []
            if isinstance(r, dict)
            # a partitioned table lists its parts (each uploaded as a file of its own)
            for path in (r.get("path") if isinstance(r.get("path"), list) else [r.get("path")])
            if isinstance(path, str)
        }
        for path, digest in sums.items():
            resource_name = f"{version}/{path}"
            there = on_portal.get(resource_name)
            if there is not None:
                if str(there.get("hash") or "").removeprefix("sha256:") == digest:
                    outcome.unchanged.append(path)
                    continue
                raise PushFailed(
                    f"{portal.url} holds {resource_name} with another checksum; a release is "
                    "immutable, so it was left as it is"
                )
            file = folder / path
            fields = {
                "package_id": existing.get("id") or slug,
                "name": resource_name,
                "format": FORMATS.get(file.suffix.lower(), "TXT"),
                "hash": f"sha256:{digest}",
                "size": str(file.stat().st_size),
                "description": f"{path} of release {version}",
            }
            mediatype = mediatypes.get(path) or MEDIATYPES.get(file.suffix.lower())
            if mediatype:
                fields["mimetype"] = mediatype
            portal.call("resource_create", fields, upload=(file.name, file.read_bytes()))
            outcome.added.append(path)
        if datastore:
            for table in _tables(descriptor):
                there = on_portal.get(DATASTORE_PREFIX + table["name"])
                args = (portal, folder, existing, table, there, sums, version, batch, loading)
                if _load_table(*args):
                    outcome.tables.append(table["name"])
                loading.clear()
    except PushFailed as exc:
        done = []
        if outcome.created:
            done.append(f"dataset {slug} created")
        if outcome.patched:
            done.append(f"metadata patched ({', '.join(outcome.patched)})")
        if outcome.added:
            done.append(f"{len(outcome.added)} file(s) uploaded")
        if outcome.tables:
            done.append(f"DataStore tables loaded ({', '.join(outcome.tables)})")
        if loading:
            done.append(
                f"the DataStore table {DATASTORE_PREFIX}{loading[0]} holds part of the records "
                f"of {version}"
            )
        left = "; ".join(done) or "nothing changed on the portal"
        raise PushFailed(f"{exc} (so far: {left}; pushing again finishes the job)") from None
    return outcome


def push_published(release: object, url: str, token: str, **options: object) -> PushResult:
    """:func:`push` the release that :func:`~changzhi_stats.publish` has just made.

    ``release`` is the :class:`~changzhi_stats.release.publish.Release` (or its folder). If the
    push fails, the message says that the release stays published and how to push it again.
    """
    folder = Path(getattr(release, "path", release))
    try:
        return push(folder, url, token, **options)
    except PushFailed as exc:
        raise PushFailed(
            f"{exc}\nThe release stays published in {folder}; to push it again: "
            f"cz-stats push {folder} --to {url}"
        ) from None


# --- DataStore ---------------------------------------------------------------------------------


def _tables(descriptor: dict) -> list[dict]:
    """The release's tables: its CSV resources with a Table Schema."""
    return [
        r
        for r in descriptor.get("resources") or []
        if isinstance(r, dict)
        and isinstance(r.get("schema"), dict)
        and isinstance(r.get("path"), str)
        and str(r.get("format") or Path(r["path"]).suffix.lstrip(".")).lower() == "csv"
        and isinstance(r.get("name"), str)
    ]


def datastore_fields(schema: dict) -> list[dict]:
    """DataStore column definitions from a Table Schema: id, type, and title/description."""
    fields = []
    for column in schema.get("fields") or []:
        if not isinstance(column, dict):
            continue
        info = {
            key: str(column[source])
            for key, source in (("label", "title"), ("notes", "description"))
            if column.get(source)
        }
        entry = {"id": str(column.get("name")), "type": _column_type(column)}
        fields.append(entry | ({"info": info} if info else {}))
    return fields


def _column_type(column: dict) -> str:
    return DATASTORE_TYPES.get(str(column.get("type") or "string"), "text")


def _records(path: Path, schema: dict):
    """The table's rows as DataStore records: missing values None, integers and booleans typed,
    numbers, dates and times as their text (PostgreSQL parses them into the column's type)."""
    columns = [c for c in schema.get("fields") or [] if isinstance(c, dict)]
    missing = set(schema.get("missingValues", [""]))
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        kinds = {c.get("name"): c for c in columns}
        for row in reader:
            record = {}
            for name, value in zip(header, row, strict=False):
                column = kinds.get(name, {})
                record[name] = None if value in missing else _cast(value, column)
            yield record


def _cast(value: str, column: dict) -> object:
    kind = column.get("type")
    if kind == "boolean":
        if value in column.get("trueValues", ["true", "True", "TRUE", "1"]):
            return True
        if value in column.get("falseValues", ["false", "False", "FALSE", "0"]):
            return False
    elif kind in ("integer", "year"):
        try:
            return int(value)
        except ValueError:
            return value  # the portal says what is wrong with it
    elif kind in ("object", "array"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _load_table(
    portal: Portal,
    folder: Path,
    dataset: dict,
    table: dict,
    there: dict | None,
    sums: dict[str, str],
    version: str,
    batch: int,
    loading: list[str],
) -> bool:
    """Load ``table`` of the release into its DataStore resource; ``False`` when it already
    holds these records or a newer release's."""
    digest = sums.get(table["path"], "")
    if there is not None:
        if str(there.get("hash") or "").removeprefix("sha256:") == digest and digest:
            return False
        if there.get("hash") and _version_key(there.get("cz_stats_version")) > _version_key(
            version
        ):
            return False  # an older release pushed later leaves the newest records alone
    schema = table["schema"]
    key = schema.get("primaryKey")
    request: dict = {"fields": datastore_fields(schema), "force": True}
    if isinstance(key, str):
        key = [key]
    if key:
        request["primary_key"] = list(key)
    loading.append(table["name"])
    description = f"{table['name']} of release {version}, a typed DataStore table"
    if there is None:
        request["resource"] = {
            "package_id": dataset.get("id") or dataset.get("name"),
            "name": DATASTORE_PREFIX + table["name"],
            "description": description,
        }
    else:
        resource_id = there.get("id")
        portal.call("datastore_delete", {"resource_id": resource_id, "force": True})
        request["resource_id"] = resource_id
    records = _records(folder / table["path"], schema)
    first = True
    while True:
        chunk = [record for _, record in zip(range(batch), records, strict=False)]
        if first:
            created = portal.call("datastore_create", request | {"records": chunk})
            resource_id = request.get("resource_id") or (
                created.get("resource_id") if isinstance(created, dict) else None
            )
            if not resource_id:
                raise PushFailed(f"{portal.url} answered datastore_create without a resource")
            first = False
        elif chunk:
            portal.call(
                "datastore_upsert",
                {"resource_id": resource_id, "method": "insert", "force": True, "records": chunk},
            )
        if len(chunk) < batch:
            break
    portal.call(
        "resource_patch",
        {
            "id": resource_id,
            "hash": f"sha256:{digest}",
            "cz_stats_version": version,
            "description": description,
        },
    )
    return True
