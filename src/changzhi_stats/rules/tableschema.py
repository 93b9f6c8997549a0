"""Our own Table Schema → rules mapping (pandera's frictionless bridge targets frictionless 4).

Every field constraint becomes a :class:`~changzhi_stats.rules.core.Rule`, as data; an engine
builds and runs them. Problems in the schema itself come back as notes for ``schema-error``
findings, and the field concerned is checked as far as it still can be. What only an engine can
judge (whether it can parse a field's type, a constraint value, a pattern) it answers through
:class:`FieldTypes`, so nothing here depends on one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from changzhi_stats.rules.core import Rule

DEFAULT_MISSING = ("",)


class FieldTypeError(ValueError):
    """The schema asks for something this field cannot be (an unknown type, a bad format)."""


class FieldTypes(Protocol):
    """What an engine says of Table Schema field types; each raises :class:`FieldTypeError`."""

    def check(self, spec: dict) -> None:
        """Whether the engine can parse the field's type and format."""

    def literal(self, spec: dict, value: object) -> object:
        """A constraint value (a minimum, an enum item) as the field's typed values hold it."""

    def pattern(self, pattern: str, name: str) -> str:
        """``pattern``, vetted: it can be run, in linear time (see :func:`pattern_regex`)."""


@dataclass
class Plan:
    """What to check for one table: rules, notes, and the spec of each field that is typed."""

    specs: dict[str, dict | None] = field(default_factory=dict)  # None: read as text only
    rules: list[Rule] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def fields_of(schema: dict) -> list[dict]:
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list):
        return []
    return [f if isinstance(f, dict) else {"name": str(f)} for f in fields]


def key_fields(value: object) -> tuple[str, ...]:
    """Table Schema allows a key as one name or a list of names."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return ()


def missing_values(schema: dict) -> list[str]:
    """The schema's missingValues: its strings, and the ``value`` of each object entry (Data
    Package v2: ``{"value": "", "label": "not asked"}``); anything else is the descriptor check's
    to report, and is not taken as a missing value: ``null`` must not make "None" missing."""
    values = schema.get("missingValues", list(DEFAULT_MISSING))
    if not isinstance(values, list):
        return list(DEFAULT_MISSING)
    strings = []
    for value in values:
        if isinstance(value, dict):
            value = value.get("value")
        if isinstance(value, str):
            strings.append(value)
    return strings


def plan(
    schema: dict, present: set[str], types: FieldTypes, absent: frozenset[str] = frozenset()
) -> Plan:
    """Rules for the fields of ``schema`` that are ``present`` as columns."""
    result = Plan()
    primary = key_fields(schema.get("primaryKey"))
    for spec in fields_of(schema):
        name = spec.get("name")
        if not isinstance(name, str) or name not in present or name in result.specs:
            continue  # absent, or a repeated name (the descriptor check reports it)
        try:
            types.check(spec)
        except FieldTypeError as exc:
            result.notes.append(str(exc))
            result.specs[name] = None
            continue
        result.specs[name] = spec
        result.rules.append(Rule("type-error", name, "type", {"name": name, "spec": spec}))
        if (spec.get("type") or "string") == "string":
            result.rules.append(Rule("nul-byte", name, "nul-byte", {"name": name}))
            if not formula_proof(spec.get("constraints")):
                result.rules.append(
                    Rule("formula-injection", name, "formula-injection", {"name": name})
                )
        result.rules.extend(
            _constraint_rules(spec, name, name in primary, name in absent, result.notes, types)
        )
    if primary and all(n in present for n in primary):
        code = "primary-key"
        result.rules.append(Rule(code, ",".join(primary), "unique", {"names": primary}))
    elif primary:
        result.notes.append(f"primary key {list(primary)} names fields the table does not have")
    return result


def _constraint_rules(
    spec: dict, name: str, in_key: bool, absent: bool, notes: list[str], types: FieldTypes
) -> list[Rule]:
    constraints = spec.get("constraints") or {}
    if not isinstance(constraints, dict):
        notes.append(f"field {name!r}: constraints must be an object")
        return []
    rules: list[Rule] = []
    if constraints.get("required") or in_key:
        rules.append(Rule("required-error", name, "required", {"name": name, "absent": absent}))
    if constraints.get("unique"):
        rules.append(Rule("unique-error", name, "unique", {"names": (name,)}))
    try:
        rules.extend(_value_rules(spec, name, constraints, types))
    except FieldTypeError as exc:
        notes.append(str(exc))  # its message names the field already
    except (TypeError, ValueError, OverflowError) as exc:
        notes.append(f"field {name!r}: {exc}")
    return rules


def _value_rules(spec: dict, name: str, constraints: dict, types: FieldTypes) -> list[Rule]:
    rules: list[Rule] = []
    kind = spec.get("type") or "string"
    if "enum" in constraints:
        if not isinstance(constraints["enum"], list):
            raise FieldTypeError(f"field {name!r}: enum must be a list of values")
        values = tuple(types.literal(spec, v) for v in constraints["enum"])
        shown = ", ".join(str(v) for v in constraints["enum"])
        rules.append(
            Rule("enum-error", name, "enum", {"name": name, "values": values}, {"enum": shown})
        )
    if "pattern" in constraints and kind == "string":
        regex = pattern_regex(constraints["pattern"], name, types)
        rules.append(
            Rule(
                "pattern-error",
                name,
                "pattern",
                {"name": name, "regex": regex},
                {"pattern": regex},
            )
        )
    bounds = (
        ("minimum", "minimum-error", "lt", ">="),
        ("exclusiveMinimum", "minimum-error", "le", ">"),
        ("maximum", "maximum-error", "gt", "<="),
        ("exclusiveMaximum", "maximum-error", "ge", "<"),
    )
    for key, code, op, shown_op in bounds:
        if key in constraints:
            bound = types.literal(spec, constraints[key])
            args = {"name": name, "op": op, "bound": bound}
            rules.append(
                Rule(code, name, "compare", args, {"op": shown_op, "bound": constraints[key]})
            )
    if kind == "list":
        counted = [key for key in ("minLength", "maxLength") if key in constraints]
        if counted:  # frictionless-py counts a list's items; never silently skipped
            raise FieldTypeError(
                f"field {name!r}: {' and '.join(counted)} of a list (its number of items) is "
                "not supported by cz-stats; it was not checked"
            )
    if kind == "string":
        for key, code, op in (
            ("minLength", "min-length-error", "lt"),
            ("maxLength", "max-length-error", "gt"),
        ):
            if key in constraints:
                bound = constraints[key]
                if isinstance(bound, bool) or not isinstance(bound, int) or not 0 <= bound < 2**63:
                    raise FieldTypeError(
                        f"field {name!r}: {key} must be a whole number of 0 or more, "
                        f"not {clip(repr(bound))}"
                    )
                rules.append(
                    Rule(
                        code,
                        name,
                        "length",
                        {"name": name, "op": op, "bound": bound},
                        {"bound": bound},
                    )
                )
    return rules


FORMULA_CHARS = frozenset("=+-@\t\r")  # a cell starting so may run as a spreadsheet formula


def formula_proof(constraints: object) -> bool:
    """Whether the field's ``enum`` or ``pattern`` admits no text that starts like a formula.

    In such a field (a code, a status) a formula-like cell is already an ``enum-error`` or a
    ``pattern-error``, and is never published, so ``formula-injection`` is not checked there: a
    warning would add nothing, and the check is a pass over every cell of the column.
    """
    if not isinstance(constraints, dict):
        return False
    enum = constraints.get("enum")
    if isinstance(enum, list) and enum:
        return not any(str(value)[:1] in FORMULA_CHARS for value in enum)
    pattern = constraints.get("pattern")
    if isinstance(pattern, str):
        first = _first_chars(pattern)
        return first is not None and not first & FORMULA_CHARS
    return False


def _first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can start with, where that is plain; else None."""
    try:
        from re import _parser  # the standard library's own regex parser

        return _first_of(list(_parser.parse(pattern)))
    except Exception:  # a private API: any surprise means "not plain", and the check stays
        return None


def _first_of(items: list) -> frozenset[str] | None:
    for op, arg in items:
        kind = str(op)
        if kind == "AT":  # ^ or \A: no character
            continue
        if kind == "LITERAL":
            return frozenset(chr(arg))
        if kind == "IN":
            chars: set[str] = set()
            for member, value in arg:
                if str(member) == "LITERAL":
                    chars.add(chr(value))
                elif str(member) == "RANGE" and value[1] - value[0] < 0x1000:
                    chars.update(chr(c) for c in range(value[0], value[1] + 1))
                else:  # a negated set, a category such as \d: not plain
                    return None
            return frozenset(chars)
        if kind == "SUBPATTERN":
            return _first_of(list(arg[-1]))
        if kind == "BRANCH":
            alternatives = [_first_of(list(branch)) for branch in arg[1]]
            if any(first is None for first in alternatives):
                return None
            return frozenset().union(*alternatives)  # type: ignore[arg-type]
        if kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and arg[0] >= 1:
            return _first_of(list(arg[2]))
        return None
    return None


def pattern_regex(pattern: object, name: str, types: FieldTypes) -> str:
    """``pattern``, checked by the engine to run in linear time (no hang on a short cell).

    Table Schema patterns are XML Schema regular expressions, which have no look-arounds and no
    back-references; those (and patterns too large to compile, such as ``a{4294967296}``) are a
    :class:`FieldTypeError`. Python's ``re`` never runs a pattern: its backtracking can take
    exponential time on a short cell.
    """
    if not isinstance(pattern, str):
        raise FieldTypeError(f"field {name!r}: pattern must be a string")
    return types.pattern(pattern, name)


def clip(text: str, size: int = 100) -> str:
    return text if len(text) <= size else text[:size] + "…"
