"""SDMX-CSV 2.0: the observations table as ``data/observations.sdmx.csv``.

The mapping (documented in ``docs/sdmx.md``): one row per observation, the dataflow in
STRUCTURE/STRUCTURE_ID, ACTION ``I``, the dimensions INDICATOR, REF_AREA and TIME_PERIOD, the
measure OBS_VALUE, and the attributes UNIT_MEASURE, UNIT_MULT, OBS_STATUS and COMPARATOR.
Periods become SDMX time formats; a cumulative interval becomes an SDMX time range
(``2024-Q1/2024-Q3`` → ``2024-01-01/P9M``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import BinaryIO

import polars as pl

from changzhi_stats.rules import periods
from changzhi_stats.sources.text import append_csv

SDMX_PATH = "data/observations.sdmx.csv"
SDMX_MEDIATYPE = "application/vnd.sdmx.data+csv; version=2.0.0"
AGENCY = "CZ_STATS"
ACTION = "I"  # "information": a full, self-contained data set, not an update message
# the model's observation fields, mapped to SDMX concepts (dimensions, then measure and attributes)
COLUMNS = {
    "INDICATOR": "indicator_id",
    "REF_AREA": "region_code",
    "TIME_PERIOD": "period",
    "OBS_VALUE": "value",
    "UNIT_MEASURE": "unit",
    "UNIT_MULT": "unit_multiplier",
    "OBS_STATUS": "obs_status",
    "COMPARATOR": "comparator",
}
REQUIRED = frozenset(COLUMNS.values())


def has_observations(name: str, fields: list[str]) -> bool:
    """Only the model's observations table (by name and fields) gets an SDMX-CSV copy."""
    return name == "observations" and REQUIRED <= set(fields)


def structure_id(package_name: str | None, version: str) -> str:
    """``AGENCY:ID(VERSION)``: the dataflow, named after the package, at the release version."""
    ident = re.sub(r"[^A-Za-z0-9_]+", "_", package_name or "observations").upper().strip("_")
    return f"{AGENCY}:{ident or 'OBSERVATIONS'}({version})"


def _parsed(period: str) -> periods.Period:
    parsed = periods.parse(period)
    if parsed is None:
        raise ValueError(f"not a period: {period!r}")
    return parsed


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """The first and last calendar day a period (single or cumulative interval) covers."""
    parsed = _parsed(period)
    return parsed.first, parsed.last


def sdmx_time_period(period: str) -> str:
    """A model period in SDMX's time formats.

    Single periods keep their form (``2024``, ``2024-Q3``, ``2024-09``, ``2024-12-04``); a
    cumulative interval becomes a time range: its start date and an ISO 8601 duration in the
    interval's own unit (months for months and quarters, days for days, years for years).
    """
    parsed = _parsed(period)  # raises on anything that is not a period
    if not parsed.interval:
        return period
    first, last = parsed.first, parsed.last
    if parsed.grain == "day":
        return f"{first.isoformat()}/P{(last - first).days + 1}D"
    if parsed.grain == "year":
        return f"{first.isoformat()}/P{last.year - first.year + 1}Y"
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return f"{first.isoformat()}/P{months}M"


class SdmxOutput:
    """Writes the SDMX-CSV copy as the observation batches stream past."""

    def __init__(self, handle: BinaryIO, structure: str) -> None:
        self.handle = handle  # open for writing; closed by close()
        self.header = True
        self.periods: set[str] = set()
        self.regions: set[str] = set()
        self.structure = structure
        self._times: dict[str, str] = {}  # period → SDMX TIME_PERIOD, each parsed once

    def write(self, frame: pl.DataFrame) -> None:
        periods = frame["period"].drop_nulls().unique().to_list()
        self.periods.update(periods)
        self.regions.update(frame["region_code"].drop_nulls().unique().to_list())
        for period in periods:
            if period not in self._times:
                self._times[period] = _safe_time(period)
        mapping = {p: self._times[p] for p in periods}
        out = frame.select(
            pl.lit("dataflow").alias("STRUCTURE"),
            pl.lit(self.structure).alias("STRUCTURE_ID"),
            pl.lit(ACTION).alias("ACTION"),
            *[
                (
                    pl.col(source).replace_strict(mapping, default=pl.col(source))
                    if concept == "TIME_PERIOD"
                    else pl.col(source)
                ).alias(concept)
                for concept, source in COLUMNS.items()
            ],
        )
        append_csv(out, self.handle, header=self.header)
        self.header = False

    def close(self) -> None:
        self.handle.close()


def _safe_time(period: str) -> str:
    try:
        return sdmx_time_period(period)
    except ValueError:
        return period  # a valid package has none; an invalid one is never published
