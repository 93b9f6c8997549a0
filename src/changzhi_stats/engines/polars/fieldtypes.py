"""Table Schema field types as polars expressions: raw text in, typed value (or null) out.

A cell whose text is not in the type's lexical form parses to null; the ``type-error`` check
compares raw and parsed columns, and every other constraint works on the parsed column, where
nulls are skipped. So one bad cell never hides the range faults of its neighbours.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Callable
from functools import lru_cache

import polars as pl

from changzhi_stats.rules.tableschema import FieldTypeError

NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
SPECIAL_NUMBERS = ["NaN", "INF", "-INF"]
INTEGER = r"^[+-]?[0-9]+$"
DEFAULT_TRUE = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE = ["false", "False", "FALSE", "0"]
DURATION = (
    r"^P([0-9]+Y)?([0-9]+M)?([0-9]+W)?([0-9]+D)?"
    r"(T([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)?$"
)
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
URI = r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$"
UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
ISO_DATETIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
# ``format: any`` reads what dateutil reads, as frictionless-py does; parts a cell leaves out
# come from this default (frictionless takes today's date: a fixed day keeps runs reproducible).
ANY_DEFAULT = dt.datetime(dt.date.today().year, 1, 1)
ANY_MAX_LENGTH = 100  # longer text is no date; dateutil's time grows with the text
SUPPORTED = {
    "string", "number", "integer", "boolean", "date", "time", "datetime", "year", "yearmonth",
    "duration", "geopoint", "geojson", "object", "array", "any", "list",
}  # fmt: skip
FULL_WIDTH = re.compile("[\uff10-\uff19\uff0e\uff0c]")


def parsed(field: dict, raw: pl.Expr) -> pl.Expr:
    """The typed value of ``raw`` under ``field``'s type, null where it does not parse."""
    kind = field.get("type") or "string"
    fmt = field.get("format") or "default"
    if not isinstance(kind, str) or kind not in SUPPORTED:
        raise FieldTypeError(f"field {field.get('name')!r}: type {kind!r} is not in Table Schema")
    if not isinstance(fmt, str):
        raise FieldTypeError(f"field {field.get('name')!r}: format {fmt!r} is not a string")
    builder = _PARSERS[kind]
    return builder(field, raw, fmt)


def explain(field: dict, value: str) -> str:
    """Why ``value`` is not of ``field``'s type, in words a statistician can act on."""
    kind = field.get("type") or "string"
    fmt = field.get("format") or "default"
    what = kind if fmt in ("default", "any") else f"{kind} in format {fmt!r}"
    why = f"{value!r} is not a valid {what}"
    if kind in ("number", "integer"):
        if FULL_WIDTH.search(value):
            why += "; it uses full-width characters: write ASCII digits 0-9 and '.'"
        elif value.strip().lower().lstrip("+-") in ("inf", "infinity", "nan"):
            why += "; Table Schema spells these NaN, INF and -INF"
        elif "," in value and field.get("decimalChar", ".") == ".":
            why += "; use '.' as the decimal mark and no thousands separator"
        elif value != value.strip():
            why += "; it has spaces around it"
    return why


def literal(field: dict, value: object) -> object:
    """A constraint value (a minimum, an enum item) as the parsed column would hold it."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    kind_format = (field.get("type") or "string", field.get("format") or "default")
    if kind_format == ("string", "default"):
        return text  # a plain string column holds its text as is: no polars pass needed
    result = pl.DataFrame({"v": [text]}).select(parsed(field, pl.col("v"))).to_series()[0]
    if result is None:
        kind = field.get("type", "string")
        raise FieldTypeError(
            f"field {field.get('name')!r}: constraint value {value!r} is not a valid {kind}"
        )
    return result


def _string(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    patterns = {"email": EMAIL, "uri": URI, "uuid": UUID}
    if fmt in patterns:
        return pl.when(raw.str.contains(patterns[fmt])).then(raw)
    if fmt == "binary":
        return pl.when(raw.map_elements(_is_base64, return_dtype=pl.Boolean)).then(raw)
    return raw


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
        return True
    except (binascii.Error, ValueError):
        return False


def _bare(field: dict, raw: pl.Expr) -> pl.Expr:
    """``bareNumber: false``: what frictionless-py strips, ``((^[^-\\d]*)|(\\D*$))``: any
    leading characters other than ``-`` and digits, any trailing non-digits."""
    if field.get("bareNumber", True) is False:
        return raw.str.replace(r"^[^\-0-9]*", "").str.replace(r"[^0-9]*$", "")
    return raw


def _number_text(field: dict, raw: pl.Expr) -> pl.Expr:
    """A number's text as frictionless-py reads it: ``bareNumber``, then ``groupChar`` removed,
    then ``decimalChar`` read as the decimal mark (and a ``.`` then is no number)."""
    text = _bare(field, raw)
    group = field.get("groupChar")
    if isinstance(group, str) and group:
        text = text.str.replace_all(group, "", literal=True)
    decimal = field.get("decimalChar", ".")
    if isinstance(decimal, str) and decimal and decimal != ".":
        # a '.' left when the decimal mark is another character makes the cell no number
        text = text.str.replace_all(".", "!", literal=True)
        text = text.str.replace_all(decimal, ".", literal=True)
    return text


def _number(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    text = _number_text(field, raw)
    ok = text.str.contains(NUMBER) | text.is_in(SPECIAL_NUMBERS)
    return pl.when(ok).then(text.cast(pl.Float64, strict=False))


def _integer(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    # frictionless-py reads no groupChar for an integer (only bareNumber): "1,000" is no integer
    text = _bare(field, raw)
    return pl.when(text.str.contains(INTEGER)).then(text.cast(pl.Int64, strict=False))


LIST_ITEM_TYPES = ("string", "integer", "boolean", "number", "datetime", "date", "time")


def _list(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    """Data Package v2 ``list``: the cell split at ``delimiter`` (default ``,``), each item of
    ``itemType`` (default ``string``) in its default format, as frictionless-py reads it. The
    typed value is the cell's text."""
    delimiter = field.get("delimiter", ",")
    item_type = field.get("itemType", "string")
    name = field.get("name")
    if not isinstance(delimiter, str) or not delimiter:
        raise FieldTypeError(f"field {name!r}: delimiter must be a non-empty string")
    if item_type not in LIST_ITEM_TYPES:
        raise FieldTypeError(
            f"field {name!r}: itemType {item_type!r} is not one of {', '.join(LIST_ITEM_TYPES)}"
        )
    if item_type == "string":
        return raw
    item = {"name": name, "type": item_type}
    element = pl.element()
    if item_type in ("integer", "number"):  # frictionless-py strips these items
        element = element.str.strip_chars()
    ok = raw.str.split(delimiter, inclusive=False).list.eval(parsed(item, element).is_not_null())
    return pl.when(ok.list.all()).then(raw)


def _boolean(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    true = _values(field, "trueValues", DEFAULT_TRUE)
    false = _values(field, "falseValues", DEFAULT_FALSE)
    return pl.when(raw.is_in(true)).then(True).when(raw.is_in(false)).then(False)


def _values(field: dict, key: str, default: list[str]) -> list[str]:
    values = field.get(key, default)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise FieldTypeError(f"field {field.get('name')!r}: {key} must be a list of strings")
    return values


def _date(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    if fmt == "default":
        iso = raw.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
        return pl.when(iso).then(raw.str.to_date("%Y-%m-%d", strict=False))
    if fmt == "any":
        return raw.map_elements(_any_date, return_dtype=pl.Date, skip_nulls=True)
    _check_format(fmt, lambda s: s.str.to_date(fmt, strict=False))
    return _utc_designator(raw, fmt).str.to_date(fmt, strict=False)


def _time(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    if fmt == "default":
        ok = raw.str.contains(r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?$")
        return pl.when(ok).then(raw.str.slice(0, 8).str.to_time("%H:%M:%S", strict=False))
    if fmt == "any":
        return raw.map_elements(_any_time, return_dtype=pl.Time, skip_nulls=True)
    _check_format(fmt, lambda s: s.str.to_time(fmt, strict=False))
    return _utc_designator(raw, fmt).str.to_time(fmt, strict=False)


def _datetime(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    if fmt == "default":
        ok = raw.str.contains(ISO_DATETIME)
        head = raw.str.slice(0, 19).str.replace(" ", "T")
        return pl.when(ok).then(head.str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False))
    if fmt == "any":
        return raw.map_elements(_any_datetime, return_dtype=pl.Datetime("us"), skip_nulls=True)
    _check_format(fmt, lambda s: s.str.to_datetime(fmt, strict=False))
    return _utc_designator(raw, fmt).str.to_datetime(fmt, strict=False)


def _utc_designator(raw: pl.Expr, fmt: str) -> pl.Expr:
    """Python's ``strptime`` (and so Table Schema, and frictionless-py) reads ``Z`` for ``%z``;
    polars does not: a ``Z`` that closes the cell is written ``+0000`` for it."""
    if fmt.endswith("%z") and not fmt.endswith("%%z"):
        return raw.str.replace(r"Z$", "+0000")
    return raw


@lru_cache(maxsize=4096)
def _dateutil(value: str) -> dt.datetime | None:
    if len(value) > ANY_MAX_LENGTH:
        return None
    try:
        from dateutil import parser as dateutil_parser  # only for format "any": ~30 ms

        return dateutil_parser.parse(value, default=ANY_DEFAULT)
    except Exception:  # dateutil raises ParserError, OverflowError, and others
        return None


def _any_date(value: str) -> dt.date | None:
    parsed_value = _dateutil(value)
    return None if parsed_value is None else parsed_value.date()


def _any_time(value: str) -> dt.time | None:
    parsed_value = _dateutil(value)
    return None if parsed_value is None else parsed_value.time()


def _any_datetime(value: str) -> dt.datetime | None:
    parsed_value = _dateutil(value)
    if parsed_value is None:
        return None
    if parsed_value.tzinfo is not None:  # as the default format: the wall-clock time
        parsed_value = parsed_value.replace(tzinfo=None)
    return parsed_value


def _year(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    return pl.when(raw.str.contains(r"^[0-9]{4}$")).then(raw.cast(pl.Int64, strict=False))


def _yearmonth(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    return pl.when(raw.str.contains(r"^[0-9]{4}-(0[1-9]|1[0-2])$")).then(raw)


def _duration(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    ok = raw.str.contains(DURATION) & ~raw.is_in(["P", "PT"]) & ~raw.str.ends_with("T")
    return pl.when(ok).then(raw)


def _geopoint(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    return pl.when(raw.map_elements(lambda v: _is_geopoint(v, fmt), return_dtype=pl.Boolean)).then(
        raw
    )


def _is_geopoint(value: str, fmt: str) -> bool:
    try:
        if fmt == "array":
            lon, lat = json.loads(value)
        elif fmt == "object":
            point = json.loads(value)
            lon, lat = point["lon"], point["lat"]
        else:
            lon, lat = (float(part) for part in value.split(","))
        return -180 <= float(lon) <= 180 and -90 <= float(lat) <= 90
    except (ValueError, TypeError, KeyError):
        return False


def _json_of(kind: type) -> Callable[[dict, pl.Expr, str], pl.Expr]:
    def parse(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
        def ok(value: str) -> bool:
            try:
                return isinstance(json.loads(value), kind)
            except (ValueError, RecursionError):
                return False

        return pl.when(raw.map_elements(ok, return_dtype=pl.Boolean)).then(raw)

    return parse


def _any(field: dict, raw: pl.Expr, fmt: str) -> pl.Expr:
    return raw


def _check_format(fmt: str, attempt: Callable[[pl.Series], pl.Series]) -> None:
    try:
        attempt(pl.Series([dt.date(2000, 1, 1).isoformat()]))
    except Exception as exc:  # polars raises ComputeError or others for bad format strings
        raise FieldTypeError(f"format {fmt!r} is not a valid date/time format: {exc}") from None


_PARSERS: dict[str, Callable[[dict, pl.Expr, str], pl.Expr]] = {
    "string": _string,
    "number": _number,
    "integer": _integer,
    "boolean": _boolean,
    "date": _date,
    "time": _time,
    "datetime": _datetime,
    "year": _year,
    "yearmonth": _yearmonth,
    "duration": _duration,
    "geopoint": _geopoint,
    "geojson": _json_of(dict),
    "object": _json_of(dict),
    "array": _json_of(list),
    "any": _any,
    "list": _list,
}
