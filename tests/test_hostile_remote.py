"""Remote references (issue 15): a remote profile, schema or dialect is named as remote and not
fetched, with what to do; descriptor findings name their resource; the zh text is Chinese."""

from __future__ import annotations

from pathlib import Path

from conftest import write_package

import changzhi_stats as cz


def test_a_remote_schema_is_not_called_missing(tmp_path: Path) -> None:
    folder = write_package(
        tmp_path / "p",
        {
            "t": {
                "schema": "https://example.com/schema.json",
                "data": "x\n1\n",
                "profile": "tabular-data-resource",
            }
        },
    )
    report = cz.validate(folder)
    found = [(p.resource, p.check) for p in report.errors + report.warnings]
    assert found == [("t", "remote-schema")]
    assert "download it into the package folder" in report.errors[0].message
    assert "requires" not in " ".join(p.message for p in report.errors)


def test_frictionless_findings_name_their_resource(tmp_path: Path) -> None:
    folder = write_package(
        tmp_path / "p",
        {
            "a": {"fields": ["x:integer"], "data": "x\n1\n"},
            "b": {"fields": ["x:integer"], "data": "x\n1\n", "encoding": 5},
        },
    )
    report = cz.validate(folder)
    assert {p.resource for p in report.errors if p.check == "resource-error"} == {"b"}


def test_unsafe_path_reasons_are_chinese_in_zh(tmp_path: Path) -> None:
    folder = write_package(
        tmp_path / "p",
        {
            "t": {"fields": ["x"], "path": "https://example.com/t.csv"},
            "u": {"fields": ["x"], "path": "../t.csv"},
        },
    )
    report = cz.validate(folder, lang="zh")
    messages = [p.message for p in report.errors if p.check == "unsafe-path"]
    assert len(messages) == 2
    for message in messages:
        assert "remote data" not in message and "climbing" not in message, message
