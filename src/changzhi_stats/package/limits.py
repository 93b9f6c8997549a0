"""How much of an untrusted package cz-stats reads: one place for every limit and its default.

A package comes from anywhere. The limits keep a hostile or broken one from exhausting memory,
disk or patience: a descriptor (or schema, or dialect file) over its limit cannot be read at all
(:class:`~changzhi_stats.errors.PackageUnreadable`); a data file over a limit is a
``limit-exceeded`` finding and that resource is read no further. Every limit can be raised,
through ``Limits(...)`` in the API and a ``--max-…`` option on the command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30


@dataclass(frozen=True)
class Limits:
    """The limits, with defaults generous for statistics and small for an attack."""

    descriptor_bytes: int = 16 * MIB  # datapackage.json, and each schema or dialect file
    descriptor_depth: int = 64  # JSON nesting (a Data Package needs about 8)
    file_bytes: int = 8 * GIB  # each data file
    rows: int = 100_000_000  # data rows per resource
    columns: int = 16_384  # columns per resource: the most a spreadsheet holds
    cell_chars: int = 32_767  # characters per cell: the most a spreadsheet cell holds
    resources: int = 1_000  # resources per package (each table costs a few milliseconds)

    def __post_init__(self) -> None:
        for name in OPTIONS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be a whole number of 1 or more")

    def raise_hint(self, name: str) -> str:
        """How the user raises limit ``name``: the CLI option and the API argument."""
        return f"raise it with {OPTIONS[name]} or Limits({name}=...)"


# limit -> the CLI option that raises it
OPTIONS = {
    "descriptor_bytes": "--max-descriptor-bytes",
    "descriptor_depth": "--max-descriptor-depth",
    "file_bytes": "--max-file-bytes",
    "rows": "--max-rows",
    "columns": "--max-columns",
    "cell_chars": "--max-cell-chars",
    "resources": "--max-resources",
}

# A zip bomb: how many times its packed size a workbook may unpack to. Real sheets unpack 5 to
# 50 times; 100 MB of spaces zip to 100 KB, a thousand times. Only a workbook that unpacks to
# more than UNPACK_FLOOR is judged by its ratio (small ones are cheap to read whatever they hold).
UNPACK_RATIO = 200
UNPACK_FLOOR = 64 * MIB

_SIZE = re.compile(r"^\s*([0-9]+)\s*([KMG]i?B?|B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": KIB, "M": MIB, "G": GIB}


def parse_size(text: str) -> int:
    """``"8G"``, ``"512M"``, ``"64KiB"`` or a plain number of bytes."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a size: write e.g. 512M, 8G or a number of bytes")
    unit = (match.group(2) or "").upper()[:1]
    return int(match.group(1)) * _UNITS[unit]


def describe_bytes(size: int) -> str:
    """A byte count for people: exact below 1 KiB, else in the largest whole-ish unit."""
    for unit, factor in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= factor:
            shown = size / factor
            return f"{shown:.0f} {unit}" if shown == int(shown) else f"{shown:.1f} {unit}"
    return f"{size} bytes"


def json_depth(value: object) -> int:
    """How deeply ``value`` nests (a scalar is 0, ``[]`` is 1), without recursion."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            deepest = max(deepest, depth)
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest
