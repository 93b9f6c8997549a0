"""Remember frictionless-py's verdict on a descriptor, so the next check need not import it.

Importing frictionless-py costs about 0.4 s of CPU, more than checking a 40-row package, and the
statistician's loop checks the same descriptor again after every edit of the data. The verdict
is a pure function of the sanitised descriptor (nothing is fetched or read) and of the versions
of frictionless-py and of this tool, so it is kept on disk under the hash of the three. Any
doubt (no cache folder, an unreadable or malformed entry, a full disk) means judging again and
saying nothing: the cache can make a check faster, never different.

The folder is ``$CZ_STATS_CACHE_DIR`` when set (empty or ``off``: no cache), else
``$XDG_CACHE_HOME/changzhi-stats`` or ``~/.cache/changzhi-stats``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from changzhi_stats.package.paths import NotRegularFile, open_regular

Verdict = list[tuple[str, str]]

FORMAT = 1  # bumped when what is stored changes
_MAX_ENTRY = 4 * 1024 * 1024  # a verdict listing every note of a 20,000-resource descriptor fits


def cache_folder(environ: os._Environ | dict | None = None) -> Path | None:
    """Where verdicts are kept, or None when caching is off."""
    env = os.environ if environ is None else environ
    chosen = env.get("CZ_STATS_CACHE_DIR")
    if chosen is not None:
        if chosen.strip().lower() in ("", "off", "0", "no", "false"):
            return None
        return Path(chosen).expanduser() / "verdicts"
    base = env.get("XDG_CACHE_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "changzhi-stats" / "verdicts"


def remembered(safe: dict, judge: Callable[[dict], Verdict]) -> Verdict:
    """``judge(safe)``, or the verdict it gave before on the same descriptor."""
    return _remembered("verdict", safe, judge, _pairs)  # type: ignore[return-value]


def remembered_owners(
    safe: dict, judged: Verdict, find: Callable[[dict, Verdict], dict[str, list[str]]]
) -> dict[str, list[str]]:
    """``find(safe, judged)`` (which resources a note is about), or what it found before."""
    if not judged:
        return {}
    return _remembered(  # type: ignore[return-value]
        "owners", safe, lambda s: find(s, judged), _owners
    )


def _remembered(kind: str, safe: dict, compute: Callable, parse: Callable) -> object:
    folder = cache_folder()
    key = _key(kind, safe) if folder is not None else None
    if folder is None or key is None:
        return compute(safe)
    entry = folder / f"{key}.json"
    stored = _read(entry)
    value = parse(stored) if stored is not None else None
    if value is not None:
        return value
    value = compute(safe)
    _write(folder, entry, value)
    return value


def _pairs(stored: object) -> Verdict | None:
    if not isinstance(stored, list):
        return None
    verdict: Verdict = []
    for item in stored:
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(p, str) for p in item)
        ):
            return None
        verdict.append((item[0], item[1]))
    return verdict


def _owners(stored: object) -> dict[str, list[str]] | None:
    if not isinstance(stored, dict):
        return None
    for names in stored.values():
        if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
            return None
    return {note: list(names) for note, names in stored.items()}


def _key(kind: str, safe: dict) -> str | None:
    from changzhi_stats import __version__

    try:
        judge_version = metadata.version("frictionless")
        text = json.dumps(safe, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (metadata.PackageNotFoundError, TypeError, ValueError, RecursionError):
        return None  # not JSON as we know it: judge it every time
    digest = hashlib.sha256()
    for part in (str(FORMAT), kind, judge_version, __version__, text):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _read(entry: Path) -> object | None:
    try:
        with open_regular(entry, follow_symlinks=False) as handle:
            raw = handle.read(_MAX_ENTRY + 1)
    except (OSError, NotRegularFile, ValueError):
        return None
    if len(raw) > _MAX_ENTRY:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _write(folder: Path, entry: Path, value: object) -> None:
    data = json.dumps(value, ensure_ascii=False).encode("utf-8")
    if len(data) > _MAX_ENTRY:
        return
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, entry)
        temporary = None
    except (OSError, ValueError):
        pass  # a read-only home, a full disk: the next check judges again
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
