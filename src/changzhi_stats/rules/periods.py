"""The indicator model's period grammar, in plain Python: one parser for every reader of periods.

A period is a single period, ``2024`` (a year), ``2024-Q3`` (a quarter), ``2024-09`` (a month)
or ``2024-12-04`` (a day), or a cumulative interval ``START/END`` of two single periods of the
same granularity within one year, START not after END (``2024-Q1/2024-Q3``). The polars engine
judges whole columns with the same rules (``engines/polars/model_builders.period_facts``);
``tests/test_one_of_each.py`` keeps the two in agreement. The SDMX copy and the release page
read periods through :func:`parse`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

# the model's ``period-format`` check: the shape only (``2024-Q7`` and ``2024-02-30`` have it)
_SINGLE = re.compile(r"([0-9]{4})(?:-Q([0-9])|-([0-9]{2})(?:-([0-9]{2}))?)?")


@dataclass(frozen=True)
class Span:
    """One single period: its first and last day, and its granularity."""

    text: str
    first: dt.date
    last: dt.date
    grain: str  # year, quarter, month or day

    @property
    def year(self) -> int:
        return self.first.year


@dataclass(frozen=True)
class Period:
    """A well-formed, real period: a single one (``start is end``) or a cumulative interval."""

    text: str
    start: Span
    end: Span

    @property
    def interval(self) -> bool:
        return "/" in self.text

    @property
    def first(self) -> dt.date:
        return self.start.first

    @property
    def last(self) -> dt.date:
        return self.end.last

    @property
    def grain(self) -> str:
        return self.start.grain


def well_formed(period: str) -> bool:
    """The shape of a period (``period-format``): one or two single periods, ``/`` between."""
    parts = period.split("/")
    return len(parts) <= 2 and all(_SINGLE.fullmatch(p) for p in parts)


def single(text: str) -> Span | None:
    """A single period as days; None when it is not well formed or not a real calendar period."""
    match = _SINGLE.fullmatch(text)
    if not match:
        return None
    year = int(match[1])
    try:
        if match[2]:
            quarter = int(match[2])
            if not 1 <= quarter <= 4:
                return None
            first, last_month = dt.date(year, 3 * quarter - 2, 1), 3 * quarter
            last = dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
            return Span(text, first, last, "quarter")
        if match[4]:
            day = dt.date(year, int(match[3]), int(match[4]))
            return Span(text, day, day, "day")
        if match[3]:
            month = int(match[3])
            first = dt.date(year, month, 1)
            return Span(
                text, first, dt.date(year, month, calendar.monthrange(year, month)[1]), "month"
            )
        return Span(text, dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
    except ValueError:  # month 13, 30 February, year 0
        return None


def problem(period: str) -> str | None:
    """Why a well-formed period is not a real one (``period-invalid``); None when it is."""
    start, _, end = period.partition("/")
    end = end or start
    first, last = single(start), single(end)
    if first is None:
        return f"{start} is not a real calendar period"
    if last is None:
        return f"{end} is not a real calendar period"
    if "/" in period:
        if first.grain != last.grain:
            return "START and END of an interval must have the same granularity"
        if start[:4] != end[:4]:
            return "a cumulative interval must lie within one year"
        if first.first > last.first:
            return "START must not be after END"
    return None


def end_day(period: str) -> dt.date | None:
    """The last day of a well-formed period's end, judged alone (``period-after-source``)."""
    if not well_formed(period):
        return None
    last = single(period.split("/")[-1])
    return last.last if last else None


def parse(period: str) -> Period | None:
    """A period as days; None when it is not well formed or not real."""
    if not well_formed(period) or problem(period) is not None:
        return None
    start, _, end = period.partition("/")
    first, last = single(start), single(end or start)
    assert first is not None and last is not None
    return Period(period, first, last)
