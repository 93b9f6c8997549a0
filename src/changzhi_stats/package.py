"""Read a package descriptor into plain data: resources, their files, schemas and dialects.

Nothing here reads table data. Problems with the descriptor become package-level findings so
that the resources that can still be read are still validated; only a descriptor that cannot be
read at all raises :class:`PackageUnreadable`.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path

from .errors import PackageUnreadable
from .paths import is_remote, unsafe_reason
from .report import Problem, make_problem

MAX_DESCRIPTOR_BYTES = 16 * 1024 * 1024
TABULAR_FORMATS = {"csv": ",", "tsv": "\t", "txt": ","}
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


@dataclass
class PackageSpec:
    """The descriptor, resolved: what to validate and what was already found wrong with it."""

    descriptor_path: Path
    base: Path
    descriptor: dict
    resources: list[ResourceSpec] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def resource(self, name: str) -> ResourceSpec | None:
        return next((r for r in self.resources if r.name == name), None)


def bundled_package_path() -> Path:
    """The Changzhi package shipped with the wheel (or the checkout, in an editable install)."""
    shipped = importlib_resources.files("changzhi_stats") / "data" / "datapackage"
    candidate = Path(str(shipped)) / "datapackage.json"
    if candidate.is_file():
        return candidate
    return Path(__file__).resolve().parents[2] / "datapackage" / "datapackage.json"


def bundled_schemas_path() -> Path:
    shipped = Path(str(importlib_resources.files("changzhi_stats") / "data" / "schemas"))
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[2] / "schemas"


def load_package(source: str | Path | None = None) -> PackageSpec:
    """Resolve ``source`` (a descriptor, its folder, or None for the bundled package)."""
    if source is None:
        path = bundled_package_path()
    else:
        text = str(source)
        if is_remote(text):
            raise PackageUnreadable(
                f"{text}: remote packages are not read; download it and validate the local copy"
            )
        path = Path(text)
        if path.is_dir():
            path = path / "datapackage.json"
    descriptor = _read_json(path, what="package descriptor")
    if not isinstance(descriptor, dict):
        raise PackageUnreadable(f"{path}: a package descriptor must be a JSON object")
    package = PackageSpec(descriptor_path=path, base=path.parent, descriptor=descriptor)
    _load_resources(package)
    _metadata_problems(package)
    return package


def _read_json(path: Path, *, what: str) -> object:
    try:
        size = path.stat().st_size
        if size > MAX_DESCRIPTOR_BYTES:
            raise PackageUnreadable(
                f"{path}: {what} is {size} bytes, over the limit of {MAX_DESCRIPTOR_BYTES}"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PackageUnreadable(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PackageUnreadable(f"{path}: is a folder, not a {what}") from None
    except OSError as exc:
        raise PackageUnreadable(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise PackageUnreadable(f"{path}: {what} is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise PackageUnreadable(
            f"{path}: {what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise PackageUnreadable(f"{path}: {what} is nested too deeply") from None


def _load_part(package: PackageSpec, value: object, *, what: str, resource: str) -> dict | None:
    """A schema or dialect: inline, or a path inside the package."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        why = unsafe_reason(value, package.base)
        if why:
            package.problems.append(
                make_problem("unsafe-path", resource=resource, value=value, path=value, why=why)
            )
            return None
        try:
            loaded = _read_json(package.base / value, what=what)
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
            note = f"{label} must be a JSON object"
            package.problems.append(make_problem("resource-error", note=note))
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
    if isinstance(path_value, list):
        note = "multipart resources (a list of paths) are not supported yet; not validated"
        package.problems.append(make_problem("format-error", resource=name, note=note))
        return None
    why = unsafe_reason(path_value, package.base)
    if why:
        package.problems.append(
            make_problem("unsafe-path", resource=name, value=path_value, path=path_value, why=why)
        )
        return None
    fmt = str(descriptor.get("format") or Path(path_value).suffix.lstrip(".") or "csv").lower()
    schema = _load_part(package, descriptor.get("schema"), what="schema", resource=name)
    dialect = _load_part(package, descriptor.get("dialect"), what="dialect", resource=name)
    if fmt not in TABULAR_FORMATS:
        if descriptor.get("schema") is not None:
            note = f"format {fmt!r} is not supported for tabular validation; not validated"
            package.problems.append(make_problem("format-error", resource=name, note=note))
        return None
    if schema is None or dialect is None:
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
    )


def _metadata_problems(package: PackageSpec) -> None:
    """Let frictionless-py judge the descriptor against the standard's profiles."""
    import frictionless  # imported late: it is slow to import and only needed here

    inline = dict(package.descriptor)
    if isinstance(inline.get("resources"), list):
        inline["resources"] = [_inline_parts(package, r) for r in inline["resources"]]
    inline = copy.deepcopy(inline)  # the transform below edits in place; keep our schemas as read
    try:
        # as frictionless does before validating: Table Schema v1 forms (a primaryKey or
        # foreign-key fields given as one string) are normalised, not reported
        frictionless.Package.metadata_transform(inline)
        errors = list(frictionless.Package.metadata_validate(inline))
    except Exception as exc:  # frictionless raises on some malformed descriptors
        errors = [getattr(exc, "error", None) or exc]
    ours = {f'path "{p.value}" is not safe' for p in package.problems if p.check == "unsafe-path"}
    for error in errors:
        kind = getattr(error, "type", "package-error")
        note = getattr(error, "note", None) or str(error)
        if note in ours:
            continue  # already reported, with the reason, as unsafe-path
        code = _FRICTIONLESS_CODES.get(kind, "package-error")
        package.problems.append(make_problem(code, note=note))


def _inline_parts(package: PackageSpec, descriptor: object) -> object:
    if not isinstance(descriptor, dict):
        return descriptor
    spec = package.resource(str(descriptor.get("name")))
    result = dict(descriptor)
    for key in ("schema", "dialect"):
        if isinstance(result.get(key), str):
            loaded = getattr(spec, key, None) if spec else None
            if loaded:
                result[key] = loaded
            else:
                result.pop(key)
    return result
