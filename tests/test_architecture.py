"""The floor plan in docs/architecture.md, kept honest: imports point one way only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "changzhi_stats"
DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"

# Lower layers first; a module may import its own layer and the layers below it.
LAYERS = [
    ("errors",),
    ("report",),
    ("package",),
    ("rules",),
    ("sources",),
    ("engines",),
    ("validate", "html_report", "arguments", "pandera_schema"),
    ("release",),
    ("scaffold", "extract"),
    ("cli", "__init__"),
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "data" not in p.relative_to(PACKAGE).parts)


def top(path: Path) -> str:
    """The layer a module of the package belongs to: its sub-package or its own name."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported(path: Path) -> set[str]:
    """The layers of changzhi_stats that ``path`` imports, at any depth (lazy imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{path.name}: use absolute imports (changzhi_stats.…)")
            parts = node.module.split(".")
            if parts[0] == "changzhi_stats":
                if len(parts) > 1:
                    found.add(parts[1])
                else:  # from changzhi_stats import x: the package's public face
                    found.update(a.name for a in node.names if a.name in RANK)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "changzhi_stats" and len(parts) > 1:
                    found.add(parts[1])
    return found


def test_every_module_has_a_layer() -> None:
    assert {top(p) for p in modules()} <= set(RANK), set(map(top, modules())) - set(RANK)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    mine = RANK[top(path)]
    upward = sorted(layer for layer in imported(path) if RANK.get(layer, -1) > mine)
    assert not upward, f"{path.relative_to(PACKAGE)} imports the higher layer(s) {upward}"


def test_rules_are_engine_neutral() -> None:
    """A rule is data: nothing under rules/ imports polars, pandera or an engine."""
    for path in (PACKAGE / "rules").rglob("*.py"):
        text = path.read_text("utf-8")
        assert not re.search(r"^\s*(import|from) (polars|pandera|pyarrow)\b", text, re.M), path
        assert "engines" not in imported(path), path


def test_rules_hold_no_engine_objects() -> None:
    """Every rule a package yields is plain data: no polars value anywhere in its args."""
    import polars as pl

    from changzhi_stats.package.descriptor import load_package
    from changzhi_stats.validate import table_rules

    def plain(value: object) -> bool:
        if isinstance(value, pl.Series | pl.Expr | pl.DataFrame):
            return False
        if isinstance(value, dict):
            return all(plain(v) for v in value.values())
        if isinstance(value, list | tuple):
            return all(plain(v) for v in value)
        return True

    package = load_package(None)
    for resource in package.resources:
        for rule in table_rules(None, resource.name).rules:
            assert plain(dict(rule.args)), rule


def test_nothing_imports_the_cli() -> None:
    for path in modules():
        if top(path) != "cli":
            assert "cli" not in imported(path), path


def test_the_architecture_doc_names_every_layer() -> None:
    text = DOC.read_text("utf-8")
    for names in LAYERS:
        for name in names:
            if name != "__init__":
                assert name in text, f"docs/architecture.md does not name {name}"
