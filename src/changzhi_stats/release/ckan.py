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

The API token comes from ``CKAN_API_TOKEN`` or a file, never from the command line (where other
users of the machine could read it). Only the standard library is used (urllib).
"""

from __future__ import annotations

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


class PushFailed(CzStatsError):
    """The push could not be done or finished; the message says what was left on the portal."""

    exit_code = 2


@dataclass
class PushResult:
    dataset: str
    url: str
    version: str
    created: bool = False
    patched: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or bool(self.patched or self.added)

    def to_text(self) -> str:
        if not self.changed:
            return f"{self.dataset} {self.version}: already on {self.url}; nothing changed"
        what = "created" if self.created else "updated"
        return (
            f"{self.dataset} {self.version}: {what} on {self.url}; "
            f"{len(self.added)} file(s) uploaded, {len(self.unchanged)} already there"
            + (f"; metadata patched: {', '.join(self.patched)}" if self.patched else "")
        )


def read_token(token_file: str | os.PathLike | None = None) -> str:
    """The API token: from ``token_file`` when given, else from ``CKAN_API_TOKEN``."""
    if token_file is not None:
        try:
            token = Path(token_file).read_text("utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise PushFailed(f"cannot read the token file {token_file}: {exc}") from None
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
            raise PushFailed(
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
) -> PushResult:
    """Push the release folder ``release`` to the CKAN at ``url`` (see the module docstring)."""
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
    wanted = metadata(descriptor)
    existing = portal.call("package_show", {"id": slug})
    try:
        if existing is None:
            create = {"name": slug, **wanted} | ({"owner_org": owner_org} if owner_org else {})
            existing = portal.call("package_create", create)
            outcome.created = True
        elif isinstance(existing, dict):
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
            r.get("path"): str(r.get("mediatype") or "").split(";")[0]
            for r in descriptor.get("resources") or []
            if isinstance(r, dict)
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
    except PushFailed as exc:
        done = []
        if outcome.created:
            done.append(f"dataset {slug} created")
        if outcome.patched:
            done.append(f"metadata patched ({', '.join(outcome.patched)})")
        if outcome.added:
            done.append(f"{len(outcome.added)} file(s) uploaded")
        left = "; ".join(done) or "nothing changed on the portal"
        raise PushFailed(f"{exc} (so far: {left}; pushing again finishes the job)") from None
    return outcome
