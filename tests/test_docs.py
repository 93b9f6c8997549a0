"""The docs are part of the product: every check code and every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from changzhi_stats.report.catalogue import CHECKS, DIFF, DIFF_CHANGES, VERIFY, VERIFY_FINDINGS

ROOT = Path(__file__).resolve().parents[1]
# docs/checks.md: the validation checks, then these sections, each of its command's codes
RESULT_SECTIONS = {VERIFY: "## Verify findings", DIFF: "## Diff changes"}


def _sections() -> dict[str, str]:
    """The text of docs/checks.md split into the validation checks, verify's and diff's codes."""
    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    for heading in RESULT_SECTIONS.values():
        assert text.count(f"\n{heading}\n") == 1, f"docs/checks.md lacks a {heading!r} section"
    checks, rest = text.split(f"\n{RESULT_SECTIONS[VERIFY]}\n")
    verify, diff = rest.split(f"\n{RESULT_SECTIONS[DIFF]}\n")
    return {"checks": checks, VERIFY: verify, DIFF: diff}


def _documented(text: str) -> list[str]:
    return re.findall(r"^### `([a-z0-9-]+)`$", text, flags=re.MULTILINE)


def test_every_check_code_is_documented_once_and_nothing_else() -> None:
    documented = _documented(_sections()["checks"])
    assert sorted(documented) == sorted(CHECKS)
    assert len(documented) == len(set(documented))


@pytest.mark.parametrize(("kind", "codes"), [(VERIFY, VERIFY_FINDINGS), (DIFF, DIFF_CHANGES)])
def test_every_verify_and_diff_code_is_documented_once_and_nothing_else(kind, codes) -> None:
    documented = _documented(_sections()[kind])
    missing = sorted(set(codes) - set(documented))
    assert not missing, f"{kind} codes not documented in docs/checks.md: {missing}"
    assert sorted(documented) == sorted(codes)
    assert len(documented) == len(set(documented))


@pytest.mark.parametrize(("kind", "codes"), [(VERIFY, VERIFY_FINDINGS), (DIFF, DIFF_CHANGES)])
def test_documented_result_kind_and_title_match_the_catalogue(kind, codes) -> None:
    text = _sections()[kind]
    for code, result in codes.items():
        entry = text.split(f"### `{code}`", 1)[1].lstrip().split("\n", 1)[0]
        assert entry.startswith(f"*{kind}* — {result.title}. "), code
        if result.breaking:
            assert entry.endswith(" Breaking."), code
        elif code.startswith(("resource-", "field-")):
            assert entry.endswith(" Not breaking."), code


def test_result_codes_are_kebab_case() -> None:
    for code in [*VERIFY_FINDINGS, *DIFF_CHANGES]:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code), code


def test_documented_severity_matches_the_catalogue() -> None:
    text = _sections()["checks"]
    for code, spec in CHECKS.items():
        section = text.split(f"### `{code}`", 1)[1]
        assert section.lstrip().startswith(f"*{spec.severity}*"), code


def test_check_codes_are_kebab_case() -> None:
    for code in CHECKS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code), code


def test_changelog_follows_keep_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "keepachangelog.com" in text
    assert "## [Unreleased]" in text or re.search(r"^## \[\d+\.\d+\.\d+\]", text, re.MULTILINE)
