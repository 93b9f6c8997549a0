"""The docs are part of the product: every check code and every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

from changzhi_stats.report.catalogue import CHECKS

ROOT = Path(__file__).resolve().parents[1]


def test_every_check_code_is_documented_once_and_nothing_else() -> None:
    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    documented = re.findall(r"^### `([a-z0-9-]+)`$", text, flags=re.MULTILINE)
    assert sorted(documented) == sorted(CHECKS)
    assert len(documented) == len(set(documented))


def test_documented_severity_matches_the_catalogue() -> None:
    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
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
