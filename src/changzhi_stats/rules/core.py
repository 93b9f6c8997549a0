"""A check applied to a table, declared as data: its code, field, kind and parameters.

A :class:`Rule` holds no code and no engine objects, so the same declarations drive every
engine: each engine registers a builder per ``kind`` (the polars ones are in
:mod:`changzhi_stats.engines.polars.builders`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    """One check on one table: ``kind`` with ``args`` decides, ``code`` is what gets reported."""

    code: str
    field: str | None
    kind: str
    args: Mapping = field(default_factory=dict)
    params: Mapping = field(default_factory=dict)  # fixed message parameters
    column: str | None = None  # the frame column shown as the value (default: field)

    @property
    def shown(self) -> str | None:
        return self.column or self.field
