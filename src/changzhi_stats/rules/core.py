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


# Columns an engine derives (typed values, lookups, row numbers) are named with a leading U+0001
# (a control character; NUL itself makes polars panic): no field name may contain one (validate
# reports such a field as a schema-error and does not read it), so they never meet a field of
# the package, whatever it is called (``__row__``, ``__value``…).
INTERNAL = "\x01"
UNUSABLE = ("\x00", INTERNAL)  # characters a field name must not hold


def usable(field: str) -> bool:
    """Whether a field of this name can be checked (its name holds no NUL and no U+0001)."""
    return not any(char in field for char in UNUSABLE)


def internal(name: str) -> str:
    """The name of a column the engine derives."""
    return INTERNAL + name


def typed_name(field: str) -> str:
    """The column holding field ``field``'s parsed (typed) values."""
    return f"{INTERNAL}typed:{field}"


def absent_name(field: str) -> str:
    """The column marking the rows too short to hold field ``field``."""
    return f"{INTERNAL}absent:{field}"


ABSENT_PREFIX = absent_name("")
KEY_HASH = internal("key-hash")
