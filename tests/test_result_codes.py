"""One result dialect: verify's findings and diff's changes carry codes of the catalogue.

Each code is declared in ``report/catalogue.py`` (kind ``verify`` or ``diff``, never among the
validation checks), has a Chinese title in ``report/i18n.py`` and is documented in
``docs/checks.md`` (``tests/test_docs.py``). The JSON shapes are those of before: a verify
finding's ``problem`` and a schema change's ``change`` are the codes.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

from changzhi_stats import diff, verify
from changzhi_stats.release import diff as diff_module
from changzhi_stats.release import verify as verify_module
from changzhi_stats.release.verify import Verification
from changzhi_stats.report import i18n
from changzhi_stats.report.catalogue import (
    CHECKS,
    DIFF,
    DIFF_CHANGES,
    RESULTS,
    VERIFY,
    VERIFY_FINDINGS,
    result,
)


def _literal_codes(module, call: str, position: int) -> set[str]:
    """The string literals passed at ``position`` to every call of ``call`` in ``module``."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    codes = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or len(node.args) <= position:
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name == call:
            argument = node.args[position]
            assert isinstance(argument, ast.Constant), f"{call}() with a computed code"
            codes.add(argument.value)
    return codes


def test_every_code_verify_reports_is_declared() -> None:
    used = _literal_codes(verify_module, "add", 1)
    assert used, "no result.add(file, code, detail) call found"
    assert used <= set(VERIFY_FINDINGS), sorted(used - set(VERIFY_FINDINGS))
    assert set(VERIFY_FINDINGS) == used  # nothing declared that verify never reports


def test_every_schema_change_diff_reports_is_declared() -> None:
    used = _literal_codes(diff_module, "_change", 1)
    assert used <= set(DIFF_CHANGES), sorted(used - set(DIFF_CHANGES))
    rows_and_metadata = {"row-added", "row-removed", "row-revised", "metadata-changed"}
    assert set(DIFF_CHANGES) == used | rows_and_metadata


def test_result_codes_are_not_validation_checks() -> None:
    for kind, codes in RESULTS.items():
        for code, declared in codes.items():
            assert declared.kind == kind and declared.code == code
    # a verify code may share a name with a check (unsafe-path), but never its entry
    assert not set(CHECKS.values()) & set(VERIFY_FINDINGS.values())


def test_an_undeclared_verify_code_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        Verification(tmp_path).add("x.csv", "free-text problem", "detail")
    with pytest.raises(KeyError):
        result(DIFF, "field-vanished")


def test_every_result_code_has_a_chinese_title() -> None:
    assert {k: set(v) for k, v in i18n.ZH_RESULTS.items()} == {
        k: set(v) for k, v in RESULTS.items()
    }
    for kind, codes in RESULTS.items():
        for code, declared in codes.items():
            assert i18n.result_title(kind, code) == declared.title
            assert i18n.result_title(kind, code, "zh").strip()


def test_breaking_changes_are_as_before() -> None:
    breaking = {code for code, declared in DIFF_CHANGES.items() if declared.breaking}
    assert breaking == {
        "resource-removed",
        "field-removed",
        "field-renamed",
        "field-retyped",
        "primary-key-changed",
        "foreign-keys-changed",
    }


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_verify_findings_carry_catalogue_codes_in_the_same_json(tmp_path: Path) -> None:
    release = tmp_path / "release"
    release.mkdir()
    (release / "stray.csv").write_text("a\n1\n", encoding="utf-8")
    os.symlink(release / "stray.csv", release / "link.csv")
    os.mkfifo(release / "pipe.csv")
    shown = verify(release).to_dict()
    assert set(shown) == {"release", "intact", "files", "problems"}
    problems = {(p["file"], p["problem"]) for p in shown["problems"]}
    assert {
        ("SHA256SUMS", "missing"),
        ("datapackage.json", "missing"),
        ("link.csv", "symlink"),
        ("pipe.csv", "not-a-file"),
    } <= problems
    for problem in shown["problems"]:
        assert set(problem) == {"file", "problem", "detail"}
        assert problem["problem"] in VERIFY_FINDINGS


def test_diff_changes_carry_catalogue_codes(make_package) -> None:
    old = make_package(
        {"t": {"fields": ["id:integer", "gone", "n:integer"], "data": [["id", "gone", "n"]]}}
    )
    new = make_package(
        {
            "t": {"fields": ["id:integer", "n:number", "came"], "data": [["id", "n", "came"]]},
            "u": {"fields": ["a"], "data": [["a"]]},
        }
    )
    shown = json.loads(diff(old, new).to_json())
    changes = {(c["change"], c["field"], c["breaking"]) for c in shown["schema"]}
    assert changes == {
        ("field-removed", "gone", True),
        ("field-added", "came", False),
        ("field-retyped", "n", True),
        ("resource-added", None, False),
    }
    assert shown["bump"] == "major"
    for change in shown["schema"]:
        assert set(change) == {"resource", "change", "field", "old", "new", "breaking"}
        assert result(DIFF, change["change"]).breaking is change["breaking"]
    assert VERIFY in RESULTS and DIFF in RESULTS
