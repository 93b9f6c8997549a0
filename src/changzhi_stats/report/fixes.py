"""What to write instead: the fix of a finding, for the entries statisticians typically type.

A cell such as ``93%``, ``57.5亿``, ``3000多``, ``2024年前三季度`` or ``2024/10/28`` holds a
figure together with its unit, multiplier, comparator or a period written the Chinese way. The
indicator model keeps each of those in its own column (``value``, ``unit``,
``unit_multiplier``, ``comparator``, ``period``; see ``schemas/observations.json``), so the fix
names each column and what to write in it: ``value = 93, unit = percent``. The assignments are
the same in every language; the sentence around them is the finding's language.

:func:`suggest` is a pure function of the check, the field and the value (nothing else is
known where a finding is made); it returns ``None`` when no fix is certain.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# the model's vocabulary (schemas/observations.json, datapackage/data/units.csv)
MULTIPLIERS = {"万亿": 12, "亿": 8, "千万": 7, "百万": 6, "万": 4, "千": 3, "百": 2}
UNITS = {
    "%": "percent",
    "百分比": "percent",
    "元": "CNY",
    "人民币": "CNY",
    "个": "count",
    "毫米": "mm",
    "平方米": "m2",
}
# how a stated figure bounds the true one (the ``comparator`` column)
BEFORE = {"超过": "gt", "逾": "gt", "不到": "lt", "不足": "lt", "约": "approx", "近": "approx"}
AFTER = {
    "多": "gt",
    "余": "gt",
    "以上": "ge",
    "及以上": "ge",
    "以下": "le",
    "及以下": "le",
    "左右": "approx",
}
COMPARATORS = {**BEFORE, **AFTER, "不低于": "ge", "不少于": "ge", "不超过": "le", "低于": "lt"}

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_FIGURE = re.compile(
    r"(?P<before>超过|逾|不到|不足|约|近)?"
    rf"(?P<number>{_NUMBER})"
    r"(?P<more>多|余)?"
    r"(?P<mult>万亿|千万|百万|亿|万|千|百)?"
    r"(?P<more2>多|余)?"
    r"(?P<unit>%|百分比|元|个|毫米|平方米)?"
    r"(?P<after>及以上|及以下|以上|以下|左右|多|余)?"
)
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS.update({"七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12})

# fix key: (English, Chinese); ``{assign}`` is "column = value, ..." in either language
TEMPLATES = {
    "write": ("write {assign}", "应写为 {assign}"),
}

PERIOD_FIELDS = ("period",)


def _plain(value: str) -> str:
    """Full-width digits, signs and letters as ASCII (NFKC), without surrounding spaces."""
    return unicodedata.normalize("NFKC", value).strip()


def _number(text: str) -> str:
    return text.replace(",", "").replace("，", "")


def figure(value: str) -> dict[str, str] | None:
    """The columns a cell like ``57.5亿元以上`` stands for, or None when it is no such figure."""
    text = _number(_plain(value))
    match = _FIGURE.fullmatch(text)
    if match is None:
        return None
    number = match["number"]
    parts = {"value": number}
    if match["mult"]:
        parts["unit_multiplier"] = str(MULTIPLIERS[match["mult"]])
    if match["unit"]:
        parts["unit"] = UNITS[match["unit"]]
    said = match["before"] or match["more"] or match["more2"] or match["after"]
    if said:
        parts["comparator"] = COMPARATORS[said]
    return parts


def unit(value: str) -> dict[str, str] | None:
    """The unit code (and multiplier) of a unit written in Chinese: ``亿元`` → CNY and 8."""
    text = _plain(value)
    for prefix, power in MULTIPLIERS.items():
        rest = text.removeprefix(prefix)
        if rest != text and rest in UNITS:
            return {"unit": UNITS[rest], "unit_multiplier": str(power)}
    if text in UNITS:
        return {"unit": UNITS[text]}
    return None


def comparator(value: str) -> dict[str, str] | None:
    """``以上`` → ge, ``多`` → gt, ...; ``前三`` (a rank among the first three) → le."""
    text = _plain(value)
    if text in COMPARATORS:
        return {"comparator": COMPARATORS[text]}
    if re.fullmatch(r"前\d+|前[一二三四五六七八九十]+", text):
        return {"comparator": "le"}
    return None


def _count(word: str) -> int | None:
    return int(word) if word.isdigit() else _CN_DIGITS.get(word)


def period(value: str) -> str | None:
    """A period as the model writes it: ``2024年前三季度`` → ``2024-Q1/2024-Q3``,
    ``2024年1-9月`` → ``2024-01/2024-09``, ``2024/10/28`` → ``2024-10-28``."""
    text = _plain(value).replace(" ", "").replace("—", "-").replace("~", "-")
    text = text.replace("至", "-").replace("到", "-")
    m = re.fullmatch(r"(\d{4})年?(?:全年|年度)?", text)
    if m:
        return m[1]
    m = re.fullmatch(r"(\d{4})年?(?:第)?([1-4一二三四])季度?|(\d{4})-?[Qq]([1-4])", text)
    if m:
        year, n = (m[1], _count(m[2])) if m[1] else (m[3], int(m[4]))
        return f"{year}-Q{n}"
    m = re.fullmatch(r"(\d{4})年?前([1-4一二三四])(?:个)?季度", text)
    if m:
        n = _count(m[2])
        return f"{m[1]}-Q1" if n == 1 else f"{m[1]}-Q1/{m[1]}-Q{n}"
    m = re.fullmatch(r"(\d{4})年?(上|下)半年", text)
    if m:
        return f"{m[1]}-Q1/{m[1]}-Q2" if m[2] == "上" else f"{m[1]}-Q3/{m[1]}-Q4"
    months = r"(\d{1,2}|[一二三四五六七八九十]+)"
    m = re.fullmatch(rf"(\d{{4}})年?{months}月?-{months}月", text)
    if m and _count(m[2]) and _count(m[3]):
        return f"{m[1]}-{_count(m[2]):02d}/{m[1]}-{_count(m[3]):02d}"
    m = re.fullmatch(r"(\d{4})年?前(\d{1,2}|[一二三四五六七八九十]+)个?月", text)
    if m and _count(m[2]):
        return f"{m[1]}-01/{m[1]}-{_count(m[2]):02d}"
    m = re.fullmatch(r"(\d{4})(?:年|[/.-])(\d{1,2})月?", text)
    if m and 1 <= int(m[2]) <= 12:
        return f"{m[1]}-{int(m[2]):02d}"
    m = re.fullmatch(r"(\d{4})(?:年|[/.-])(\d{1,2})(?:月|[/.-])(\d{1,2})日?", text)
    if m:
        try:  # only a real calendar day is a fix
            return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    return None


def date(value: str) -> str | None:
    """``2024/10/28``, ``2024.10.28``, ``2024年10月28日`` → ``2024-10-28``."""
    found = period(value)
    return found if found and re.fullmatch(r"\d{4}-\d{2}-\d{2}", found) else None


FIGURE_CHECKS = {"type-error", "value-not-finite"}
CODED_CHECKS = {"type-error", "pattern-error", "enum-error", "foreign-key", "unit-mismatch"}
PERIOD_CHECKS = {"period-format", "period-invalid", "pattern-error", "type-error"}


def suggest(check: str, field: str | None, value: str | None, kind: str | None = None):
    """``(key, params)`` of the fix of a finding, or None. ``kind`` is the field's type when
    the check knows it (``type-error``: number, integer, date)."""
    if value is None or not value.strip() or field is None:
        return None
    assign: dict[str, str] | None = None
    if field in PERIOD_FIELDS and check in PERIOD_CHECKS:
        found = period(value)
        if found and found != value:
            assign = {field: found}
    elif field == "unit" and check in CODED_CHECKS:
        assign = unit(value)
    elif field == "comparator" and check in CODED_CHECKS:
        assign = comparator(value)
    elif check == "type-error" and kind == "date":
        found = date(value)
        assign = {field: found} if found and found != value else None
    elif check in FIGURE_CHECKS and kind in (None, "number", "integer"):
        parts = figure(value)
        if parts is not None:
            number = parts.pop("value")
            if kind == "integer" and not re.fullmatch(r"[+-]?\d+", number):
                return None
            assign = {field: number, **parts}
            if assign == {field: value}:
                return None
    if not assign:
        return None
    text = ", ".join(f"{name} = {shown}" for name, shown in assign.items())
    return "write", {"assign": text}


def render(key: str, params: dict, lang: str = "en") -> str:
    en, zh = TEMPLATES[key]
    template = zh if lang == "zh" else en
    if lang == "zh":
        params = {**params, "assign": params["assign"].replace(", ", "，")}
    return template.format(**params)
