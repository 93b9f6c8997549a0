"""Read a package descriptor into plain data: resources, their files, schemas and dialects.

Nothing here reads table data. Problems with the descriptor become package-level findings so
that the resources that can still be read are still validated. A ``datapackage.json`` that is
not valid JSON (or not UTF-8, or not a JSON object) is a ``package-error`` finding too, with the
line and column of the fault, and nothing else is checked. Only a descriptor that cannot be read
at all (missing, a folder, over its reading limits) raises :class:`PackageUnreadable`.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path
from urllib.parse import urlsplit

from changzhi_stats.errors import PackageUnreadable
from changzhi_stats.package import integrity, verdicts
from changzhi_stats.package.compression import COMPRESSIONS, compression_of, inner_suffix
from changzhi_stats.package.limits import Limits, describe_bytes, json_depth
from changzhi_stats.package.paths import (
    StoreError,
    StorePath,
    is_remote,
    is_store_uri,
    open_regular,
    unsafe_reason,
)
from changzhi_stats.report.problems import Problem, make_problem

TABULAR_FORMATS = {"csv": ",", "tsv": "\t", "txt": ",", "xlsx": ","}  # xlsx: xlsxsource.py
_FRICTIONLESS_CODES = {
    "package-error": "package-error",
    "resource-error": "resource-error",
    "schema-error": "schema-error",
    "field-error": "schema-error",
    "dialect-error": "resource-error",
}


@dataclass
class ResourceSpec:
    """A tabular resource as far as the descriptor tells: where its file is and how to read it."""

    name: str
    path: Path | None
    format: str
    encoding: str
    dialect: dict
    schema: dict
    descriptor: dict
    compression: str | None = None  # gz, bz2, xz or zip (see compression.py); None: plain
    max_bytes: int | None = None  # the most decompressed data read (Limits.file_bytes)
    # a multipart resource (``path`` a list): every part, in order; ``path`` is the first.
    # Read as frictionless-py reads it: one stream, the header line of parts 2+ dropped.
    parts: tuple[Path, ...] = ()


@dataclass
class PackageSpec:
    """The descriptor, resolved: what to validate and what was already found wrong with it."""

    descriptor_path: Path | StorePath  # StorePath: a package on an object store (s3://…)
    base: Path | StorePath
    descriptor: dict
    resources: list[ResourceSpec] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    allow_remote: bool = False
    # the descriptor is not valid JSON (or not an object): its package-error is all there is
    unparsable: bool = False
    # frictionless-py's verdict on the descriptor, computed in a thread while the data is read
    _judged: Future | None = None
    # declared bytes and hashes compared with the files, also in a thread (integrity.py)
    _measured: Future | None = None

    def descriptor_problems(self) -> list[Problem]:
        """Everything found wrong with the descriptor and the files' declared bytes and hashes
        (waits for the threads computing them)."""
        problems = list(self.problems)
        for pending in (self._judged, self._measured):
            if pending is not None:
                problems += pending.result()
        return problems

    def resource(self, name: str) -> ResourceSpec | None:
        return next((r for r in self.resources if r.name == name), None)


def bundled_package_path() -> Path:
    """The Changzhi package shipped with the wheel (or the checkout, in an editable install)."""
    shipped = importlib_resources.files("changzhi_stats") / "data" / "datapackage"
    candidate = Path(str(shipped)) / "datapackage.json"
    if candidate.is_file():
        return candidate
    return Path(__file__).resolve().parents[3] / "datapackage" / "datapackage.json"


def default_package_path() -> Path:
    """The package a command checks when given none: ``./datapackage.json`` when the current
    folder has one (even a broken one: it is then reported, never silently swapped for
    another), else the bundled Changzhi package."""
    try:
        here = Path.cwd() / "datapackage.json"
        if here.exists() or here.is_symlink():
            return here
    except OSError:  # a removed or unreadable current folder: no package we can read
        pass
    return bundled_package_path()


def bundled_schemas_path() -> Path:
    shipped = Path(str(importlib_resources.files("changzhi_stats") / "data" / "schemas"))
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[3] / "schemas"


def load_package(
    source: str | Path | None = None,
    *,
    limits: Limits | None = None,
    allow_remote: bool = False,
) -> PackageSpec:
    """Resolve ``source`` (a descriptor, its folder, or None: see :func:`default_package_path`).

    ``limits`` bounds what is read (default: :class:`Limits`). ``allow_remote`` lets URLs
    through the path check; fetching them is not supported yet, so they are reported as
    ``remote-not-supported`` instead of ``unsafe-path``.
    """
    limits = limits or Limits()
    if source is None:
        path = default_package_path()
    else:
        text = str(source)
        if is_store_uri(text):  # s3://bucket/prefix/datapackage.json: read through pyarrow.fs
            path = _store_descriptor(text)
        elif is_remote(text):
            if allow_remote:
                raise PackageUnreadable(
                    f"{text}: remote packages cannot be fetched yet (--allow-remote does not "
                    "fetch); download it and validate the local copy"
                )
            raise PackageUnreadable(
                f"{text}: remote packages are not read; download it and validate the local copy"
            )
        else:
            path = Path(text)
            try:
                if path.is_dir():
                    path = path / "datapackage.json"
            except (OSError, ValueError) as exc:  # a name too long, a NUL byte
                raise PackageUnreadable(f"{text}: cannot be read: {exc}") from None
    try:
        descriptor = _read_json(path, what="package descriptor", limits=limits)
    except _Unparsable as exc:  # a finding, as frictionless-py reports it: there is a file
        return _unparsable(path, limits, allow_remote, str(exc))
    if not isinstance(descriptor, dict):
        note = f"{path}: a package descriptor must be a JSON object"
        return _unparsable(path, limits, allow_remote, note)
    listed = descriptor.get("resources")
    if isinstance(listed, list) and len(listed) > limits.resources:
        raise PackageUnreadable(
            f"{path}: the package lists {len(listed):,} resources, over the limit of "
            f"{limits.resources:,}; {limits.raise_hint('resources')}"
        )
    package = PackageSpec(
        descriptor_path=path,
        base=path.parent,
        descriptor=descriptor,
        limits=limits,
        allow_remote=allow_remote,
    )
    _load_resources(package)
    package.problems += [make_problem(code) for code in missing_for_reuse(descriptor)]
    # Importing frictionless-py alone takes a third of a second: overlap it with reading data.
    package._judged = _JUDGE.submit(_metadata_problems, package)
    tables = {r.name for r in package.resources}  # their unreadable files are reported anyway
    package._measured = _MEASURE.submit(
        integrity.declared_problems, descriptor, package.base, tables
    )
    return package


def _store_descriptor(text: str) -> StorePath:
    """The descriptor of a package on an object store: the URI itself, or ``datapackage.json``
    under it when it names a prefix (``s3://bucket/prefix/``)."""
    path = StorePath(text)
    try:
        if text.endswith("/") or path.is_dir():
            path = path / "datapackage.json"
    except StoreError as exc:
        raise PackageUnreadable(str(exc)) from None
    if "\x00" in str(path):
        raise PackageUnreadable(f"{text}: cannot be read: a NUL byte in the name")
    return path


def missing_for_reuse(descriptor: dict) -> list[str]:
    """The check codes of what a reuser needs and the descriptor lacks: a ``title`` and a
    licence (an entry of ``licenses`` with a ``name`` or a ``path``)."""
    missing = []
    title = descriptor.get("title")
    if not isinstance(title, str) or not title.strip():
        missing.append("missing-title")
    licences = descriptor.get("licenses")
    named = isinstance(licences, list) and any(
        isinstance(entry, dict)
        and any(isinstance(entry.get(k), str) and entry[k].strip() for k in ("name", "path"))
        for entry in licences
    )
    if not named:
        missing.append("missing-license")
    return missing


def _unparsable(
    path: Path | StorePath, limits: Limits, allow_remote: bool, note: str
) -> PackageSpec:
    """A package whose descriptor is a file but not a JSON object: one package-error."""
    package = PackageSpec(
        descriptor_path=path,
        base=path.parent,
        descriptor={},
        limits=limits,
        allow_remote=allow_remote,
        unparsable=True,
    )
    package.problems.append(make_problem("package-error", note=note))
    return package


class _Unparsable(PackageUnreadable):
    """A JSON file that is not UTF-8 or not valid JSON (for datapackage.json: a finding)."""


class _OverLimit(PackageUnreadable):
    """A JSON file over a limit (for a schema or dialect file: a ``limit-exceeded`` finding)."""

    def __init__(self, path: Path, what: str, limit: str, hint: str) -> None:
        super().__init__(f"{path}: {what}, over the limit of {limit}; {hint}")
        self.what, self.limit, self.hint = what, limit, hint


def _read_json(path: Path, *, what: str, limits: Limits) -> object:
    try:
        size = path.stat().st_size
        if size > limits.descriptor_bytes:
            raise _OverLimit(
                path,
                f"the {what} is {describe_bytes(size)}",
                describe_bytes(limits.descriptor_bytes),
                limits.raise_hint("descriptor_bytes"),
            )
        with open_regular(path, "rb") as handle:  # read no more than the limit, even if it grew
            raw = handle.read(limits.descriptor_bytes + 1)
    except FileNotFoundError:
        raise PackageUnreadable(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PackageUnreadable(f"{path}: is a folder, not a {what}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise PackageUnreadable(
            f"{path}: cannot read {what}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    if len(raw) > limits.descriptor_bytes:
        raise _OverLimit(
            path,
            f"the {what} is over {describe_bytes(limits.descriptor_bytes)}",
            describe_bytes(limits.descriptor_bytes),
            limits.raise_hint("descriptor_bytes"),
        )
    try:
        value = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _Unparsable(f"{path}: {what} is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise _Unparsable(
            f"{path}: {what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except ValueError as exc:  # a number of more digits than Python converts (4300)
        raise _Unparsable(f"{path}: {what} holds a number too long to read: {exc}") from None
    except RecursionError:
        value = None
        depth = limits.descriptor_depth + 1
    else:
        depth = json_depth(value)
    if depth > limits.descriptor_depth:
        raise _OverLimit(
            path,
            f"the {what} nests {'too deeply' if value is None else f'{depth} levels deep'}",
            f"{limits.descriptor_depth} levels",
            limits.raise_hint("descriptor_depth"),
        )
    return value


def _load_part(package: PackageSpec, value: object, *, what: str, resource: str) -> dict | None:
    """A schema or dialect: inline, or a path inside the package."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        if _refused_path(package, value, resource, key=what):
            return None
        try:
            loaded = _read_json(package.base / value, what=f"{what} file", limits=package.limits)
        except _OverLimit as exc:
            package.problems.append(
                make_problem(
                    "limit-exceeded",
                    resource=resource,
                    what=exc.what,
                    limit=exc.limit,
                    consequence="the resource was not read",
                    hint=exc.hint,
                )
            )
            return None
        except PackageUnreadable as exc:
            package.problems.append(make_problem("source-error", resource=resource, note=str(exc)))
            return None
        if isinstance(loaded, dict):
            return loaded
    code = "schema-error" if what == "schema" else "resource-error"
    note = f"the {what} must be a JSON object or a path to one"
    package.problems.append(make_problem(code, resource=resource, note=note))
    return None


def _load_resources(package: PackageSpec) -> None:
    resources = package.descriptor.get("resources")
    if not isinstance(resources, list) or not resources:
        note = "the package must list its resources in a non-empty 'resources' array"
        package.problems.append(make_problem("package-error", note=note))
        return
    seen: set[str] = set()
    for index, descriptor in enumerate(resources):
        name = descriptor.get("name") if isinstance(descriptor, dict) else None
        label = name if isinstance(name, str) and name else f"resource {index + 1}"
        if not isinstance(descriptor, dict):
            note = "a resource must be a JSON object"
            package.problems.append(make_problem("resource-error", resource=label, note=note))
            continue
        if label in seen:
            note = f"resource name {label!r} is used twice; the second is not validated"
            package.problems.append(make_problem("resource-error", resource=label, note=note))
            continue
        seen.add(label)
        spec = _resource_spec(package, descriptor, label)
        if spec is not None:
            package.resources.append(spec)


def _resource_spec(package: PackageSpec, descriptor: dict, name: str) -> ResourceSpec | None:
    path_value = descriptor.get("path")
    if "data" in descriptor and path_value is None:
        return None  # inline data: a descriptor-level resource, nothing on disk to read
    parts: tuple[str, ...] = ()
    if isinstance(path_value, list):
        if not path_value:
            note = "'path' is an empty list; not validated"
            package.problems.append(make_problem("resource-error", resource=name, note=note))
            return None
        if any(_refused_path(package, part, name) for part in path_value):
            return None
        parts, path_value = tuple(path_value), path_value[0]
    elif _refused_path(package, path_value, name):
        return None
    if descriptor.get("type") == "file" and descriptor.get("schema") is None:
        return None  # a plain file (Data Package v2), e.g. a release's Parquet copy: not a table
    compression = compression_of(descriptor, path_value)
    suffix = inner_suffix(path_value, compression)
    fmt = str(descriptor.get("format") or suffix or "csv").lower()
    schema = _load_part(package, descriptor.get("schema"), what="schema", resource=name)
    dialect = _load_part(package, descriptor.get("dialect"), what="dialect", resource=name)
    if compression is not None and compression not in COMPRESSIONS:
        note = (
            f"{path_value}: compression {compression!r} is not supported (cz-stats reads "
            f"{', '.join(COMPRESSIONS)}); not validated"
        )
        package.problems.append(make_problem("source-error", resource=name, note=note))
        return None
    if parts and fmt == "xlsx":
        note = "a multipart xlsx resource (a list of workbooks) is not supported; not validated"
        package.problems.append(make_problem("format-error", resource=name, note=note))
        return None
    if compression is not None and fmt == "xlsx":
        note = f"{path_value}: a compressed xlsx workbook is not supported; not validated"
        package.problems.append(make_problem("format-error", resource=name, note=note))
        return None
    if fmt not in TABULAR_FORMATS:
        if descriptor.get("schema") is not None:
            note = f"format {fmt!r} is not supported for tabular validation; not validated"
            package.problems.append(make_problem("format-error", resource=name, note=note))
        return None
    if schema is None or dialect is None:
        return None
    if fmt != "xlsx":
        fault = dialect_fault(dialect)
        if fault:
            note = f"dialect: {fault}; the resource was not read"
            package.problems.append(make_problem("resource-error", resource=name, note=note))
            return None
    encoding = descriptor.get("encoding") or "utf-8"
    return ResourceSpec(
        name=name,
        path=package.base / path_value,
        format=fmt,
        encoding=str(encoding),
        dialect=dialect,
        schema=schema,
        descriptor=descriptor,
        compression=compression,
        max_bytes=package.limits.file_bytes,
        parts=tuple(package.base / part for part in parts) if len(parts) > 1 else (),
    )


def dialect_fault(dialect: dict) -> str | None:
    """What makes a CSV dialect unreadable, or None. A delimiter is one ASCII character other
    than a line break, NUL or the quote character; a quote or escape character is one ASCII
    character other than a line break or NUL (or empty, or absent: none). Values of the wrong
    type are the descriptor check's to report; the defaults are used for them."""
    chars = {}
    for key in ("delimiter", "quoteChar", "escapeChar"):
        value = dialect.get(key)
        if not isinstance(value, str) or (value == "" and key != "delimiter"):
            continue
        shown = _shown(value)
        if len(value) != 1:
            return f"{key} {shown!r} must be a single character"
        if value in "\r\n\x00":
            return f"{key} {shown!r} cannot be a line break or a NUL byte"
        if ord(value) > 0x7F:
            hint = "; write ','" if value in "\uff0c\u3001" else ""
            return f"{key} {shown!r} must be an ASCII character{hint}"
        chars[key] = value
    delimiter, quote = chars.get("delimiter"), dialect.get("quoteChar", '"')
    if delimiter is not None and delimiter == quote:
        return f"delimiter {delimiter!r} is also the quoteChar"
    return None


def _refused_path(
    package: PackageSpec, path: object, resource: str, key: str | None = None
) -> bool:
    """Report a path that may not be read (``unsafe-path``, or a URL we cannot fetch). A
    ``schema`` or ``dialect`` (``key``) given as a URL is ``remote-schema``: it names what is
    remote and what to do, where ``unsafe-path`` would only call the URL unsafe."""
    if key is not None and not package.allow_remote and isinstance(path, str) and is_remote(path):
        package.problems.append(
            make_problem("remote-schema", resource=resource, key=key, value=_shown(path))
        )
        return True
    if package.allow_remote and isinstance(path, str) and is_remote(path):
        package.problems.append(
            make_problem("remote-not-supported", resource=resource, value=path, path=path)
        )
        return True
    why = unsafe_reason(path, package.base)
    if why:
        package.problems.append(
            make_problem("unsafe-path", resource=resource, value=path, path=path, why=why)
        )
        return True
    return False


_JUDGE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cz-stats-descriptor")
_MEASURE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cz-stats-hash")


def _metadata_problems(package: PackageSpec) -> list[Problem]:
    """Let frictionless-py judge the descriptor against the standard's profiles (only those:
    it runs on a sanitised copy, so it never fetches or reads anything the descriptor names)."""
    inline = dict(package.descriptor)
    if isinstance(inline.get("resources"), list):
        by_name = {r.name: r for r in package.resources}
        inline["resources"] = [_inline_parts(by_name, r) for r in inline["resources"]]
    safe, dropped = frictionless_safe(inline)
    problems = [
        make_problem(_dropped_code(value), resource=resource, value=_shown(value), key=key)
        for resource, key, value in dropped
    ]
    ours = {f'path "{p.value}" is not safe' for p in package.problems if p.check == "unsafe-path"}
    # a schema given as a path that was refused or unreadable is reported already: frictionless
    # would call it missing ("requires schema to be present"), which misleads
    unread = {
        p.resource
        for p in package.problems
        if p.check in ("remote-schema", "remote-not-supported", "unsafe-path", "source-error")
        or p.check in ("limit-exceeded", "schema-error")
    }
    judged = judge_safe_descriptor(safe)
    owners = verdicts.remembered_owners(safe, judged, _owners)
    for kind, note in judged:
        if note in ours:
            continue  # already reported, with the reason, as unsafe-path
        held = owners.get(note)
        resource = held.pop(0) if held else None  # the same note of two resources: in turn
        if resource in unread and _SCHEMA_MISSING.search(note):
            continue
        code = _FRICTIONLESS_CODES.get(kind, "package-error")
        problems.append(make_problem(code, resource=resource, note=note))
    return problems


def _dropped_code(profile: object) -> str:
    """A custom profile taken out before judging: ``remote-profile`` for a URL."""
    remote = isinstance(profile, str) and is_remote(profile)
    return "remote-profile" if remote else "profile-not-fetched"


_SCHEMA_MISSING = re.compile(r'requires "schema" to be present')


def _owners(safe: dict, judged: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Which resources each of frictionless-py's resource-level notes is about (its
    package-level verdict does not say): each resource is judged alone, and a note is owned by
    the resources whose own verdict holds it, in order (a note said of two resources is said
    twice). A note no single resource explains stays unowned."""
    wanted = Counter(note for kind, note in judged if kind != "package-error")
    resources = safe.get("resources")
    if not wanted or not isinstance(resources, list):
        return {}
    import frictionless

    owners: dict[str, list[str]] = {}
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict):
            continue
        name = resource.get("name")
        label = name if isinstance(name, str) and name else f"resource {index + 1}"
        alone = copy.deepcopy(resource)
        version = safe.get("$schema")
        if isinstance(version, str) and "$schema" not in alone:  # inherited from the package
            alone["$schema"] = version.replace("/datapackage.json", "/dataresource.json")
        try:
            frictionless.Resource.metadata_transform(alone)
            notes = [
                getattr(e, "note", None) or str(e)
                for e in frictionless.Resource.metadata_validate(alone)
            ]
        except Exception as exc:  # frictionless raises on some malformed descriptors
            error = getattr(exc, "error", None) or exc
            notes = [getattr(error, "note", None) or str(error)]
        for note in notes:
            if note in wanted:
                owners.setdefault(note, []).append(label)
        if all(len(owners.get(note, ())) >= count for note, count in wanted.items()):
            break  # every note is owned as often as it was said
    return owners


# The profiles frictionless-py knows by name (it compares them, and fetches any other value:
# a URL over HTTP, anything else as a file relative to the current folder).
STANDARD_PROFILES = {
    "package": frozenset({"data-package", "tabular-data-package"}),
    "resource": frozenset({"data-resource", "tabular-data-resource"}),
}
# The Data Package v2 profiles, by level: frictionless-py reads a version from a standard
# ``$schema`` URL and never fetches it.
_STANDARD_SCHEMA = {
    "package": "https://datapackage.org/profiles/2.0/datapackage.json",
    "resource": "https://datapackage.org/profiles/2.0/dataresource.json",
}


def frictionless_safe(descriptor: dict) -> tuple[dict, list[tuple[str | None, str, object]]]:
    """A copy of a package ``descriptor`` that frictionless-py can judge without fetching or
    reading anything, and what was taken out as ``(resource or None, key, value)``.

    frictionless-py fetches a package's or a resource's ``profile`` (also given as
    ``profiles``) unless it is a standard name, over HTTP or as a file relative to the current
    folder, and then the ``$ref``s inside it. Those are removed; a custom ``$schema`` (only
    read for its version) is replaced by the standard one of its level; ``$ref`` keys are
    removed anywhere. Schemas and dialects given as paths must be inlined (or removed) first.
    """
    safe = _without_refs(descriptor)
    dropped: list[tuple[str | None, str, object]] = []
    if not isinstance(safe, dict):
        return {}, dropped
    _sanitise_level(safe, "package", None, dropped)
    resources = safe.get("resources")
    if isinstance(resources, list):
        for index, resource in enumerate(resources):
            if isinstance(resource, dict):
                name = resource.get("name")
                label = name if isinstance(name, str) and name else f"resource {index + 1}"
                _sanitise_level(resource, "resource", label, dropped)
                for part in ("schema", "dialect"):
                    if isinstance(resource.get(part), str):
                        resource.pop(part)  # a path: frictionless-py must not read it either
    return safe, dropped


def _sanitise_level(
    level: dict, kind: str, label: str | None, dropped: list[tuple[str | None, str, object]]
) -> None:
    profiles = level.pop("profiles", None)  # frictionless-py turns profiles[0] into profile
    if isinstance(profiles, list) and profiles and "profile" not in level:
        level["profile"] = profiles[0]
    profile = level.get("profile")
    if isinstance(profile, str) and profile not in STANDARD_PROFILES[kind]:
        dropped.append((label, "profile", level.pop("profile")))
    schema = level.get("$schema")
    if schema is not None and not _standard_schema(schema):
        dropped.append((label, "$schema", schema))
        level["$schema"] = _STANDARD_SCHEMA[kind]


def _standard_schema(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return (
        parts.scheme == "https"
        and parts.netloc == "datapackage.org"
        and bool(re.fullmatch(r"/profiles/[0-9]+\.[0-9]+/[a-z]+\.json", parts.path))
    )


def _without_refs(value: object) -> object:
    """A deep copy of JSON ``value`` without ``$ref`` keys (no recursion: the depth is bounded
    by ``Limits.descriptor_depth``, but a caller may hand anything)."""
    root: list = [None]
    stack: list[tuple[object, object, object]] = [(value, root, 0)]
    while stack:
        item, holder, key = stack.pop()
        if isinstance(item, dict):
            copied: object = {}
            for k, v in item.items():
                if k != "$ref":
                    stack.append((v, copied, k))
        elif isinstance(item, list):
            copied = [None] * len(item)
            stack.extend((v, copied, i) for i, v in enumerate(item))
        else:
            copied = item
        holder[key] = copied  # type: ignore[index]
    return root[0]


def judge_safe_descriptor(safe: dict) -> list[tuple[str, str]]:
    """frictionless-py's verdict on a descriptor already made safe by :func:`frictionless_safe`,
    as ``(error type, note)`` pairs; remembered (package/verdicts.py), as importing
    frictionless-py costs more than checking a small package."""
    return verdicts.remembered(safe, _judge)


def _judge(safe: dict) -> list[tuple[str, str]]:
    import frictionless  # imported late: it is slow to import and only needed here

    safe = copy.deepcopy(safe)  # the transform below edits in place
    try:
        # as frictionless does before validating: Table Schema v1 forms (a primaryKey or
        # foreign-key fields given as one string) are normalised, not reported
        frictionless.Package.metadata_transform(safe)
        for level in [safe, *[r for r in safe.get("resources") or [] if isinstance(r, dict)]]:
            kind = "package" if level is safe else "resource"
            profile = level.get("profile")  # the transform may have made one: never fetch it
            if isinstance(profile, str) and profile not in STANDARD_PROFILES[kind]:
                level.pop("profile")
        errors = list(frictionless.Package.metadata_validate(safe))
    except Exception as exc:  # frictionless raises on some malformed descriptors
        errors = [getattr(exc, "error", None) or exc]
    return [
        (getattr(error, "type", "package-error"), getattr(error, "note", None) or str(error))
        for error in errors
    ]


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)[:200]
    return text if len(text) <= 200 else text[:200] + "…"


def _inline_parts(by_name: dict[str, ResourceSpec], descriptor: object) -> object:
    if not isinstance(descriptor, dict):
        return descriptor
    name = descriptor.get("name")
    spec = by_name.get(name) if isinstance(name, str) else None
    result = dict(descriptor)
    for key in ("schema", "dialect"):
        if isinstance(result.get(key), str):
            loaded = getattr(spec, key, None) if spec else None
            if loaded:
                result[key] = loaded
            else:
                result.pop(key)
    return result
