"""frictionless-py's verdict on a descriptor is remembered, so the statistician's loop (edit the
data, check again) does not import frictionless-py every time; the report never changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SRC, set_cell
from hypothesis import given
from hypothesis import strategies as st

import changzhi_stats as cz
from changzhi_stats.package import verdicts

PROBE = """
import json, sys
import changzhi_stats as cz
report = cz.validate(sys.argv[1])
print(json.dumps({"report": report.to_dict(), "imported": "frictionless" in sys.modules}))
"""


def _probe(package: Path, cache: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(package)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": SRC, "CZ_STATS_CACHE_DIR": cache},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    result = json.loads(done.stdout)
    result["report"]["stats"].pop("seconds", None)
    return result


def _bad_descriptor(folder: Path) -> Path:
    """The bundled package with an error only frictionless-py's metadata check finds."""
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["name"] = "Not A Valid Name!"  # package names are lower-case, no spaces
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_second_check_does_not_import_frictionless(package_copy: Path, tmp_path: Path):
    cache = str(tmp_path / "cache")
    first = _probe(package_copy / "datapackage.json", cache)
    second = _probe(package_copy / "datapackage.json", cache)
    assert first["imported"] is True
    assert second["imported"] is False
    assert first["report"] == second["report"]
    assert first["report"]["valid"] is True


def test_an_edit_of_the_data_still_uses_the_remembered_verdict(package_copy: Path, tmp_path):

    cache = str(tmp_path / "cache")
    _probe(package_copy / "datapackage.json", cache)
    set_cell(package_copy, "observations", 2, "value", "93%")
    edited = _probe(package_copy / "datapackage.json", cache)
    assert edited["imported"] is False
    assert not edited["report"]["valid"]
    assert [e["row"] for e in edited["report"]["errors"]] == [2]


def test_a_changed_descriptor_is_judged_again(package_copy: Path, tmp_path: Path):
    cache = str(tmp_path / "cache")
    assert _probe(package_copy / "datapackage.json", cache)["report"]["valid"]
    path = _bad_descriptor(package_copy)
    cold = _probe(path, cache)
    warm = _probe(path, cache)
    off = _probe(path, "off")
    assert cold["imported"] is True and warm["imported"] is False and off["imported"] is True
    assert cold["report"] == warm["report"] == off["report"]
    assert [e["check"] for e in off["report"]["errors"]] == ["package-error"]


@pytest.mark.parametrize("damage", ["garbage", "wrong-shape", "symlink", "folder"])
def test_a_damaged_or_forged_entry_is_never_believed(
    package_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
):
    """A verdict that cannot be read as one, or an entry that is not a regular file (a symlink
    to a forged "no notes" verdict), means judging again: the error is still found."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("CZ_STATS_CACHE_DIR", str(cache))
    path = _bad_descriptor(package_copy)
    assert not cz.validate(path).valid
    entries = sorted((cache / "verdicts").glob("*.json"))
    assert entries
    forged = tmp_path / "forged.json"
    forged.write_text("[]", encoding="utf-8")
    for entry in entries:
        entry.unlink()
        if damage == "garbage":
            entry.write_bytes(b"\xff{not json")
        elif damage == "wrong-shape":
            entry.write_text('[["package-error"]]', encoding="utf-8")
        elif damage == "symlink":
            entry.symlink_to(forged)
        else:
            entry.mkdir()
    report = cz.validate(path)
    assert [e.check for e in report.errors] == ["package-error"]


def test_an_unusable_cache_folder_changes_nothing(
    package_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("CZ_STATS_CACHE_DIR", str(blocker))
    path = _bad_descriptor(package_copy)
    assert [e.check for e in cz.validate(path).errors] == ["package-error"]
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_where_the_cache_lives():
    assert verdicts.cache_folder({"CZ_STATS_CACHE_DIR": "off"}) is None
    assert verdicts.cache_folder({"CZ_STATS_CACHE_DIR": ""}) is None
    assert verdicts.cache_folder({"CZ_STATS_CACHE_DIR": "/x"}) == Path("/x/verdicts")
    xdg = verdicts.cache_folder({"XDG_CACHE_HOME": "/c"})
    assert xdg == Path("/c/changzhi-stats/verdicts")
    relative = verdicts.cache_folder({"XDG_CACHE_HOME": "c"})  # ignored, as the XDG spec says
    assert relative == Path.home() / ".cache" / "changzhi-stats" / "verdicts"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=8,
)


@given(st.dictionaries(st.text(max_size=4), JSON, min_size=1, max_size=5), st.text(max_size=3))
def test_the_key_is_the_descriptor_not_its_spelling(descriptor: dict, extra: str):
    reordered = dict(reversed(list(descriptor.items())))
    assert verdicts._key("verdict", descriptor) == verdicts._key("verdict", reordered)
    assert verdicts._key("verdict", descriptor) != verdicts._key("owners", descriptor)
    changed = {**descriptor, "\x00" + extra: 1}
    assert verdicts._key("verdict", descriptor) != verdicts._key("verdict", changed)
