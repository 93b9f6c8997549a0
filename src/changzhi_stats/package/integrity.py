"""A resource's declared ``bytes`` and ``hash``, compared with its file (``byte-count``,
``hash-count``), as frictionless-py does.

Only what a resource declares is computed, over the file as it is on disk (compressed, if it
is), read 1 MiB at a time: memory stays flat whatever the file size. hashlib releases the GIL
while it hashes, so this runs in a thread alongside the validation of the rows.

The Data Package standard writes a hash as ``"<algorithm>:<hex>"`` or as a bare hex string,
which is MD5. frictionless-py 5 checks ``md5`` and ``sha256`` and ignores other algorithms;
cz-stats checks any algorithm hashlib always has (``sha1``, ``sha512``, ``sha3_256``, …) and
reports one it cannot compute.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from changzhi_stats.package import files
from changzhi_stats.package.paths import is_remote, unsafe_reason
from changzhi_stats.report.problems import Problem, make_problem

# the algorithms hashlib computes everywhere, by their names without case, dash or underscore
# (sha256, SHA-256, sha3_256, sha3-256)
ALGORITHMS = {name.replace("_", ""): name for name in hashlib.algorithms_guaranteed}
_NO_LENGTH = {"shake_128", "shake_256"}  # variable-length digests: not usable as a hash here


def declared_problems(descriptor: object, base: Path, skip_missing: set[str]) -> list[Problem]:
    """``byte-count`` and ``hash-count`` (and a malformed ``hash``) for every resource that
    declares them. ``skip_missing``: resources whose unreadable file is reported elsewhere."""
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list):
        return []
    problems: list[Problem] = []
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict):
            continue
        name = resource.get("name")
        label = name if isinstance(name, str) and name else f"resource {index + 1}"
        problems.extend(_resource_problems(resource, label, base, label in skip_missing))
    return problems


def _resource_problems(resource: dict, name: str, base: Path, quiet: bool) -> list[Problem]:
    declared_bytes = resource.get("bytes")
    if isinstance(declared_bytes, bool) or not isinstance(declared_bytes, int):
        declared_bytes = None  # absent, or malformed: the descriptor check reports that
    declared_hash = resource.get("hash")
    if not isinstance(declared_hash, str) or not declared_hash:
        declared_hash = None
    path = resource.get("path")
    if (declared_bytes is None and declared_hash is None) or not isinstance(path, str):
        return []  # nothing declared; or inline data, or a multipart path list
    if is_remote(path) or unsafe_reason(path, base):
        return []  # never read; reported as unsafe-path or remote-not-supported
    problems: list[Problem] = []
    algorithm, expected = _parse(declared_hash) if declared_hash else (None, None)
    if declared_hash and algorithm is None:
        note = (
            f"hash {declared_hash!r} uses an algorithm cz-stats cannot compute; write "
            "'sha256:<hex>' (or 'md5:<hex>', or the bare MD5 hex)"
        )
        problems.append(make_problem("resource-error", resource=name, note=note))
    file = base / path
    try:
        size, digest = files.digest(file, algorithm)
    except OSError as exc:
        if not quiet:
            note = (
                f"{path}: cannot be read to check its declared bytes and hash: "
                f"{exc.strerror or exc}"
            )
            problems.append(make_problem("source-error", resource=name, note=note))
        return problems
    if declared_bytes is not None and declared_bytes != size:
        problems.append(
            make_problem(
                "byte-count", resource=name, path=path, declared=declared_bytes, actual=size
            )
        )
    if digest is not None and expected is not None and digest != expected.lower():
        problems.append(
            make_problem(
                "hash-count",
                resource=name,
                path=path,
                algorithm=algorithm,
                declared=expected,
                actual=digest,
            )
        )
    return problems


def _parse(declared: str) -> tuple[str | None, str]:
    """``(hashlib algorithm, hex)``; the algorithm is None when hashlib cannot compute it."""
    if ":" not in declared:
        return "md5", declared.strip()
    algorithm, _, value = declared.partition(":")
    name = ALGORITHMS.get(algorithm.strip().lower().replace("-", "").replace("_", ""))
    if name in _NO_LENGTH:
        name = None
    return name, value.strip()
