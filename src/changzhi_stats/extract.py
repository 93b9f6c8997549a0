"""``cz-stats extract SOURCE.txt``: draft observations from the text of a press release.

Every figure the text states (the grammar of :mod:`changzhi_stats.rules.figures`, the one the
``value-not-in-quote`` check reads quotes with) becomes one row of an observations CSV with the
model's columns: the clause that states it, verbatim, as ``source_quote``; its value, unit,
unit_multiplier and comparator as written; the period from the period word of its sentence
(前三季度 → ``2024-Q1/2024-Q3``), else the day the text was published (a stock "now").
``indicator_id`` is left empty: naming what a figure measures is for a person. The file is a
draft for ``cz-stats init --from``; nothing in it is checked until ``cz-stats validate`` runs.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from changzhi_stats.errors import CzStatsError
from changzhi_stats.package.descriptor import bundled_schemas_path
from changzhi_stats.rules.figures import Figure, read

_SENTENCE = re.compile(r"[^。！？!?\n]+")
_CLAUSE_END = re.compile(r"[，；;：:]|,(?!\d{3})")
_SEPARATORS = "、和及与"
_CHANGE = ("增长", "下降", "增加", "减少", "提高", "降低", "同比", "比上年", "其中")
_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


class ExtractFailed(CzStatsError):
    """The source text cannot be read as UTF-8 text (exit 2)."""

    exit_code = 2


def columns() -> list[str]:
    """The observation model's columns, in the order of its schema."""
    schema = json.loads((bundled_schemas_path() / "observations.json").read_text("utf-8"))
    return [field["name"] for field in schema["fields"]]


def extract(
    path: str | Path,
    *,
    published: str | None = None,
    region: str = "",
    source_id: str | None = None,
) -> list[dict[str, str]]:
    """Draft observations, one per figure of the text at ``path``, as the CSV's text cells.

    ``published`` (YYYY-MM-DD; default: a date in the file name) dates stocks and gives the
    year of 今年; ``source_id`` defaults to the file name as a code.
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExtractFailed(f"{source}: cannot be read as UTF-8 text: {exc}") from None
    if published is None:
        found = _DATE.search(source.name)
        published = "-".join(found.groups()) if found else None
    elif not _DATE.fullmatch(published):
        raise ExtractFailed(f"published date {published!r} is not YYYY-MM-DD")
    if source_id is None:
        source_id = re.sub(r"[^a-z0-9]+", "_", source.stem.lower()).strip("_")
        if not re.match(r"[a-z]", source_id):
            source_id = f"source_{source_id}".rstrip("_")
    year = int(published[:4]) if published else None
    drafts = []
    for sentence in _SENTENCE.finditer(text):
        figures = read(sentence.group())
        for index, figure in enumerate(figures):
            quote = _quote(sentence.group(), figures, index)
            drafts.append(_row(figure, quote, published, year, region, source_id))
    return drafts


def _row(
    figure: Figure, quote: str, published: str | None, year: int | None, region: str, sid: str
) -> dict[str, str]:
    value, multiplier = figure.proposal()
    if figure.period is not None:
        period = figure.period.period(year) if (figure.period.year or year) else ""
        when = f"period from {figure.period.text}"
    else:
        period = published or ""
        when = "no period word: dated the day of the release (a stock)"
    return {
        "indicator_id": "",
        "region_code": region,
        "period": period,
        "value": _number(value),
        "unit": figure.unit or "",
        "unit_multiplier": str(multiplier),
        "comparator": figure.comparator,
        "obs_status": "A",
        "source_id": sid,
        "source_quote": quote,
        "note": f"draft of cz-stats extract: {figure.describe()}; {when}; name the indicator",
    }


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _quote(sentence: str, figures: tuple[Figure, ...], index: int) -> str:
    """The clause of ``sentence`` that states figure ``index``, verbatim.

    A clause with several figures is cut at 、/和 between them (22座…、17座…和215个…), but a
    list (分别增长58.6%、14.3%、18%) stays whole; a clause with no subject of its own (,增长48.8%)
    keeps the clause before it; a period clause right before it (今年前三季度,) is kept so that
    the quote states the period too.
    """
    figure = figures[index]
    bounds = [0, *(m.end() for m in _CLAUSE_END.finditer(sentence)), len(sentence) + 1]
    start = max(b for b in bounds if b <= figure.start)
    end = min(b for b in bounds if b > figure.start) - 1
    # figures of the same clause, in list groups (adjacent, joined by 、)
    same = [f for f in figures if start <= f.start < end]
    groups: list[list[Figure]] = []
    for f in same:
        if groups and sentence[groups[-1][-1].end : f.start] == "、":
            groups[-1].append(f)
        else:
            groups.append([f])
    group = next(g for g in groups if figure in g)
    position = groups.index(group)
    if position > 0:
        between = sentence[groups[position - 1][-1].end : group[0].start]
        cut = max(between.rfind(s) for s in _SEPARATORS)
        if cut >= 0:
            start = groups[position - 1][-1].end + cut + 1
    if position + 1 < len(groups):
        between = sentence[group[-1].end : groups[position + 1][0].start]
        cuts = [between.find(s) for s in _SEPARATORS if between.find(s) >= 0]
        if cuts:
            end = group[-1].end + min(cuts)
    clause = sentence[start:end]
    if start in bounds and start > 0:
        before = max(b for b in bounds if b < start)
        previous = sentence[before : start - 1]
        if clause.startswith(_CHANGE) or _is_period_clause(previous):
            start = before
    return sentence[start:end].strip()


def _is_period_clause(text: str) -> bool:
    from changzhi_stats.rules.figures import period_words

    words = period_words(text)
    if not words:
        return False
    rest = text.replace(words[0].text, "").strip()
    return rest in ("", "今年", "本年", "截至", "目前") or len(rest) <= 2


def write(drafts: list[dict[str, str]], out: str | Path | None = None) -> str:
    """The drafts as an observations CSV (UTF-8, the model's columns); written to ``out``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(), lineterminator="\n")
    writer.writeheader()
    writer.writerows(drafts)
    if out is not None:
        try:
            Path(out).write_text(buffer.getvalue(), encoding="utf-8")
        except OSError as exc:
            raise ExtractFailed(f"{out}: cannot be written: {exc}") from None
    return buffer.getvalue()
