"""The indicator model's lookups: join each observation to its indicator, unit and source.

Tables are found through the observation table's foreign keys (falling back to the model's
resource names), so the statistical rules follow whatever a package declares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from changzhi_stats.engines.polars import model_builders
from changzhi_stats.engines.polars.builders import raw, typed, typed_name
from changzhi_stats.package.limits import MIB, describe_bytes
from changzhi_stats.package.paths import open_regular, unsafe_reason
from changzhi_stats.report.problems import Findings, make_problem
from changzhi_stats.rules import model as st
from changzhi_stats.rules.tableschema import key_fields
from changzhi_stats.sources.text import ROW, combined_hash, compact

# the largest source text read (for the quote checks): it is held in memory whole
SOURCE_TEXT_BYTES = 64 * MIB


@dataclass
class Loaded:
    """A table ready for checking: raw and typed columns, its schema, and what it is called."""

    name: str
    frame: pl.DataFrame
    schema: dict
    fields: list[str]


def lookup_table(
    table: Loaded, field: str, tables: dict[str, Loaded], default: str
) -> Loaded | None:
    """The table ``field`` of ``table`` refers to by a foreign key, else one called ``default``."""
    for fk in table.schema.get("foreignKeys") or []:
        if isinstance(fk, dict) and key_fields(fk.get("fields")) == (field,):
            reference = fk.get("reference") or {}
            target = reference.get("resource") if isinstance(reference, dict) else None
            if isinstance(target, str) and target in tables:
                return tables[target]
    return tables.get(default)


def _typed_or_raw(table: Loaded, name: str) -> pl.Expr:
    return typed(name) if typed_name(name) in table.frame.columns else raw(name)


REMEMBERED = 1 << 20  # distinct periods, and (source, quote) pairs, kept across batches
_NO_HASHES = pl.Series([], dtype=pl.UInt64)


@dataclass
class Enrichment:
    """What enrichment builds once per package and keeps across batches.

    One attribute per kind of state, so no resource name can meet a fixed key (a sources
    resource called ``periods`` or ``quotes`` is just a resource).
    """

    # the stored text of each source, by source_id, per sources resource
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    # codelists as joined: (resource, key field, wanted columns) → the right side of the join
    lookups: dict[tuple, pl.DataFrame] = field(default_factory=dict)
    # the facts of the periods seen (well formed?, why not real?, end), one row a period
    periods: pl.DataFrame | None = None
    # (source, quote) pair hashes judged so far, and those whose quote is not in the source
    quotes_known: pl.Series = field(default_factory=lambda: _NO_HASHES)
    quotes_bad: pl.Series = field(default_factory=lambda: _NO_HASHES)
    # the figures of every quote seen (a row each) and how many quotes they are of
    quote_figures: pl.DataFrame | None = None
    quote_figure_count: int = 0
    # a period's (year, first month, last month), for the value ↔ quote check
    quote_periods: dict[str, tuple | None] = field(default_factory=dict)


def enrich(
    table: Loaded, tables: dict[str, Loaded], base: Path, findings: Findings, state: Enrichment
) -> pl.DataFrame:
    """Add the lookup columns the statistical rules need, where the package has them.

    ``state`` keeps what is built once per package across batches: the source texts, the
    codelists as joined, the facts of the periods seen.
    """
    frame = table.frame
    columns = set(frame.columns)
    value = typed_name("value")
    if value in columns and frame.schema[value].is_numeric():
        frame = frame.with_columns(pl.col(value).cast(pl.Float64).alias(st.VALUE))
    if "period" in columns:
        frame = _with_period_facts(frame, state)
    if "indicator_id" in columns:
        indicators = lookup_table(table, "indicator_id", tables, "indicators")
        if indicators is not None and indicators is not table:
            wanted = {"measure": st.MEASURE, "unit": st.IND_UNIT, "unit_multiplier": st.IND_MULT}
            frame = _join(frame, indicators, "indicator_id", wanted, state)
    if "unit" in columns:
        units = lookup_table(table, "unit", tables, "units")
        if units is not None and units is not table:
            frame = _join(frame, units, "unit", {"kind": st.UNIT_KIND}, state)
    if "source_id" in columns:
        sources = lookup_table(table, "source_id", tables, "sources")
        if sources is not None and sources is not table:
            frame = _join(frame, sources, "source_id", {"published": st.PUBLISHED}, state)
            if "source_quote" in columns:
                if sources.name not in state.texts:
                    state.texts[sources.name] = source_texts(sources, base, findings)
                frame = _quote_flags(frame, state.texts[sources.name], state)
    if "source_quote" in columns and st.VALUE in frame.columns:  # value ↔ quote
        frame = model_builders.quote_verdicts(frame, state)
    return frame


def _with_period_facts(frame: pl.DataFrame, state: Enrichment) -> pl.DataFrame:
    """The frame with the facts of each row's period; a batch parses only periods new to it.

    The join with the facts already known comes first: in a long table it is usually all that
    is needed, and its misses are the new periods. At most :data:`REMEMBERED` periods are kept
    across batches, so a file of millions of distinct (even invalid) periods cannot grow
    memory: beyond that each batch parses its own.
    """
    known = state.periods
    if known is None:
        periods = frame["period"]
    else:
        joined = frame.join(known, on="period", how="left", maintain_order="left")
        # every known period has a fact, so a miss shows as one more null (null counts are free)
        if joined[st.PERIOD_OK].null_count() == joined["period"].null_count():
            return joined
        missed = joined.filter(pl.col(st.PERIOD_OK).is_null() & pl.col("period").is_not_null())
        periods = missed["period"]
    fresh = model_builders.period_facts(periods)
    facts = fresh if known is None else pl.concat([known, fresh])
    if facts.height <= REMEMBERED:
        state.periods = facts = compact(facts)  # it outlives the batch it came from
    return frame.join(facts, on="period", how="left", maintain_order="left")


def _join(
    frame: pl.DataFrame, other: Loaded, key: str, wanted: dict[str, str], state: Enrichment
) -> pl.DataFrame:
    if key not in other.frame.columns:
        return frame
    cached = (other.name, key, tuple(wanted.items()))
    right = state.lookups.get(cached)
    if right is None:  # built once: every batch joins the same codelist
        present = {name: alias for name, alias in wanted.items() if name in other.frame.columns}
        right = state.lookups[cached] = (
            other.frame.select(
                raw(key), *[_typed_or_raw(other, n).alias(a) for n, a in present.items()]
            )
            .filter(raw(key).is_not_null())
            .unique(subset=key, keep="first", maintain_order=True)
        )
    if right.width == 1:
        return frame  # the codelist has none of the wanted columns
    return frame.join(right, on=key, how="left", maintain_order="left")


def source_texts(sources: Loaded, base: Path, findings: Findings) -> dict[str, str]:
    """The stored text of each source, read only from inside the package folder."""
    if not {"source_id", "path"} <= set(sources.frame.columns):
        return {}
    texts: dict[str, str] = {}
    rows = sources.frame.select(ROW, "source_id", "path").iter_rows()
    for row, source_id, path in rows:
        if source_id is None or path is None or source_id in texts:
            continue  # a repeated source_id (itself reported) keeps its first row, like lookups
        why = unsafe_reason(path, base)
        if why:
            findings.add(
                make_problem(
                    "unsafe-path",
                    resource=sources.name,
                    row=row,
                    field="path",
                    value=path,
                    path=path,
                    why=why,
                )
            )
            continue
        try:
            with open_regular(base / path, "rb") as handle:  # never a FIFO or a device
                raw = handle.read(SOURCE_TEXT_BYTES + 1)
            if len(raw) > SOURCE_TEXT_BYTES:
                findings.add(
                    make_problem(
                        "limit-exceeded",
                        resource=sources.name,
                        row=row,
                        field="path",
                        what=f"source text {path!r} of {source_id!r} is over "
                        f"{describe_bytes(SOURCE_TEXT_BYTES)}",
                        limit=describe_bytes(SOURCE_TEXT_BYTES),
                        consequence="it was not read; its quotes are not checked",
                        hint="keep the text of the source only (a source text is held in memory)",
                    )
                )
                continue
            texts[source_id] = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            note = f"source text {path!r} of {source_id!r} cannot be read as UTF-8 text: {exc}"
            findings.add(
                make_problem(
                    "source-error",
                    resource=sources.name,
                    row=row,
                    field="path",
                    value=path,
                    note=note,
                )
            )
    return texts


def _quote_flags(frame: pl.DataFrame, texts: dict[str, str], state: Enrichment) -> pl.DataFrame:
    """True where the quote is found verbatim (or cannot be judged: no text, no quote).

    Quotes repeat across millions of rows: each distinct (source, quote) pair is looked up once,
    by its 64-bit hash, and up to :data:`REMEMBERED` verdicts are kept for later batches. The
    new quotes of a source are looked up together (:func:`quotes_found`), not one text scan each.
    """
    pair = combined_hash([pl.col("source_id"), pl.col("source_quote")])
    hashed = frame.select(pair.alias("h"), "source_id", "source_quote")
    known, bad = state.quotes_known, state.quotes_bad
    fresh = hashed.filter(~pl.col("h").is_in(known.implode())).unique(subset="h", keep="first")
    judged = fresh.filter(
        pl.col("source_id").is_in(list(texts)) & pl.col("source_quote").is_not_null()
    )
    wrong: list[int] = []
    for (sid,), group in judged.group_by("source_id"):
        found = quotes_found(texts[sid], group["source_quote"].to_list())
        wrong.extend(h for h, ok in zip(group["h"], found, strict=True) if not ok)
    bad = pl.concat([bad, pl.Series(wrong, dtype=pl.UInt64)])
    if known.len() + fresh.height <= REMEMBERED:
        state.quotes_known, state.quotes_bad = pl.concat([known, fresh["h"]]), bad
    return frame.with_columns(hashed["h"].is_in(bad.implode()).not_().alias(st.QUOTE_OK))


# quotes_found: patterns per Aho–Corasick automaton, and characters of text per segment searched
PATTERNS_PER_PASS = 4096
SEGMENT_CHARS = 1 << 18


def quotes_found(text: str, quotes: list[str]) -> list[bool]:
    """``[quote in text for quote in quotes]``, in time linear in the text and the quotes.

    ``quote in text`` for each of thousands of distinct quotes scans a text of megabytes once
    per quote. Instead the quotes are matched together by polars' Aho–Corasick
    (``str.extract_many`` with ``overlapping=True`` reports every occurrence of every pattern,
    a pattern inside another included), :data:`PATTERNS_PER_PASS` at a time, over the text cut
    into segments that overlap by the longest quote, so every occurrence lies whole in one. The
    empty quote is in every text (and matches at each byte, so it is not given to the automaton);
    a quote longer than a segment is looked up by ``in``.
    """
    found: set[str] = {""}
    patterns = [q for q in dict.fromkeys(quotes) if q and len(q) <= min(len(text), SEGMENT_CHARS)]
    found.update(q for q in quotes if len(q) > SEGMENT_CHARS and q in text)
    if patterns:
        reach = max(map(len, patterns)) - 1
        segments = pl.Series(
            [text[i : i + SEGMENT_CHARS + reach] for i in range(0, len(text), SEGMENT_CHARS)],
            dtype=pl.String,
        )
        for start in range(0, len(patterns), PATTERNS_PER_PASS):
            chunk = patterns[start : start + PATTERNS_PER_PASS]
            hits = segments.str.extract_many(chunk, overlapping=True).explode()
            found.update(hits.drop_nulls().unique().to_list())
    return [q in found for q in quotes]
