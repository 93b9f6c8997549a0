"""The figures a Chinese press-release passage states: a small grammar, no dependencies.

A figure is a number as the text writes it (``22``, ``1.2万``, ``七``, ``两``, ``八成``, ``上万``),
with what bounds it (``多``/``余``/``超过`` → gt, ``以上`` → ge, ``不到`` → lt, ``近``/``约`` →
approx, ``前三`` → a rank le 3), its multiplier (万 4, 亿 8, 千万 7), its kind (a percent,
percentage points, a rank or a plain number), its sign (增长 → positive, 下降/减少 → negative),
and the period word before it in the passage (前三季度, 1-9月, 上半年, 全年, 一季度).

:func:`read` lists the figures of a passage; :func:`judge` says whether an observation (value,
multiplier, unit, comparator, period) is one of them. Both ``cz-stats validate`` (the
``value-not-in-quote`` check) and ``cz-stats extract`` use this one grammar, so what extract
proposes is what validate accepts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
DIGITS.update({"五": 5, "六": 6, "七": 7, "八": 8, "九": 9})
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN = "零〇一二两三四五六七八九十百千万亿"
CN_DIGIT = "零〇一二两三四五六七八九"

# multiplier words after an Arabic number, longest first: power of ten
MULTIPLIERS = (
    ("万亿", 12),
    ("千亿", 11),
    ("百亿", 10),
    ("亿", 8),
    ("千万", 7),
    ("百万", 6),
    ("十万", 5),
    ("万", 4),
    ("千", 3),
)
# measure words, longest first: (text, proposed unit code, kind)
UNITS = (
    ("个百分点", "percentage_point", "points"),
    ("百分点", "percentage_point", "points"),
    ("%", "percent", "percent"),
    ("％", "percent", "percent"),
    ("成", "percent", "percent"),  # 八成 = 80 %
    ("平方公里", "km2", "number"),
    ("平方千米", "km2", "number"),
    ("平方米", "m2", "number"),
    ("立方米", "m3", "number"),
    ("千瓦时", "kwh", "number"),
    ("千瓦", "kw", "number"),
    ("千米", "km", "number"),
    ("公里", "km", "number"),
    ("毫米", "mm", "number"),
    ("厘米", "cm", "number"),
    ("千克", "kg", "number"),
    ("公斤", "kg", "number"),
    ("公顷", "ha", "number"),
    ("美元", "USD", "number"),
    ("元", "CNY", "number"),
    ("米", "m", "number"),
    ("吨", "t", "number"),
    ("亩", "mu", "number"),
    ("倍", "times", "number"),
    ("天", "day", "number"),  # 优良天数达到228天以上
    ("人次", "count", "number"),
)
# classifiers (measure words of counted things): the unit proposed is ``count``
CLASSIFIERS = "个座家项所条辆名位人种类件台套户次处栋艘架部批"
# qualifiers written before a number (longest first) and after it
BEFORE = (
    ("不超过", "le"),
    ("超过", "gt"),
    ("高于", "gt"),
    ("大于", "gt"),
    ("多于", "gt"),
    ("不到", "lt"),
    ("不足", "lt"),
    ("低于", "lt"),
    ("少于", "lt"),
    ("至少", "ge"),
    ("将近", "approx"),
    ("接近", "approx"),
    ("大约", "approx"),
    ("约", "approx"),
    ("近", "approx"),
    ("逾", "gt"),
    ("超", "gt"),
)
AFTER = (("以上", "ge"), ("以下", "le"), ("以内", "le"), ("左右", "approx"), ("有余", "gt"))
GROWTH = ("增长", "增加", "提高", "上升", "上涨", "提升", "增幅", "增速", "增")
DECLINE = ("下降", "减少", "降低", "回落", "下滑", "下跌", "缩减", "降幅", "减")
COMPARISON = ("比", "较", "同比", "与", "和")  # 比上半年: a base of comparison, not the period
PERCENT_UNITS = {"percent", "pct", "percentage", "percentage_point", "percentage_points", "pp"}


def _first_of(words: tuple[str, ...]) -> re.Pattern:
    """One pattern for ``any(text.startswith(w, pos) for w in words)``, the first such ``w``
    (a regex alternation tries its branches in order, as the loop did; one C call per figure)."""
    return re.compile("|".join(re.escape(w) for w in words))


def _by_text(table: tuple) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    for row in table:
        found.setdefault(row[0], row)  # the first row of a text wins, as in the loop
    return found


_UNIT_AT, _UNIT_ROW = _first_of(tuple(u[0] for u in UNITS)), _by_text(UNITS)
_MULTIPLIER_AT, _MULTIPLIER_ROW = _first_of(tuple(m[0] for m in MULTIPLIERS)), _by_text(MULTIPLIERS)
_AFTER_AT, _AFTER_ROW = _first_of(tuple(a[0] for a in AFTER)), _by_text(AFTER)

_CN_NUM = f"[{CN_DIGIT}十]+"
_NUM = rf"(?:\d{{1,2}}|{_CN_NUM})"
_SEP = r"[-—–－~～至到]"
_PERIOD_WORDS = re.compile(
    r"(?:(?P<year>\d{4})年|(?P<this>今年|本年))?"
    rf"(?:前(?P<q_upto>[1-4一二两三四])季度"
    rf"|(?P<q_from>[1-4一二三四]){_SEP}(?P<q_to>[1-4一二三四])季度"
    r"|第?(?P<q>[1-4一二三四])季度"
    rf"|前(?P<m_upto>{_NUM})个?月(?!\d|[{CN_DIGIT}十]+日)"
    rf"|(?P<m_from>{_NUM}){_SEP}(?P<m_to>{_NUM})月份?"
    r"|(?P<half>上半年|下半年)"
    r"|(?P<full>全年)"
    rf"|(?P<m>{_NUM})月份?(?![\d{CN_DIGIT}十]+日|\d|[底末初中])"
    r")"
)
_YEAR = re.compile(r"(?P<year>\d{4})年")
# not figures: dates, ordinals, the Party's congresses and plenums
_NOT_FIGURES = re.compile(
    rf"\d{{4}}年|\d{{1,2}}月\d{{1,2}}日|{_NUM}月{_NUM}日|\d{{1,2}}[日时号]"
    rf"|第[\d{CN}]+|[{CN_DIGIT}十]+中全会|[\d{CN_DIGIT}十]+届"
)
_RANK = re.compile(
    rf"(?P<lead>居|列|排名?|位列)?(?:全国|全省|全市|全球|世界|国内|省内|同类)?"
    rf"(?:(?P<top>前)(?P<n_top>\d+|[{CN_DIGIT}十]+)(?:位|名|强)?(?![季个月年天周日\d{CN}])"
    rf"|(?P<nth>第)(?P<n_nth>\d+|[{CN_DIGIT}十]+)(?:位|名)?)"
)
_NUMBER = re.compile(
    rf"(?<![A-Za-z0-9.])[-−]?\d+(?:,\d{{3}})*(?:\.\d+)?(?![A-Za-z])"
    rf"|[{CN}]+(?:点[{CN_DIGIT}]+)?"
)
_SENTENCE_END = re.compile(r"[。！？；!?;\n]")
_DIGITS_ONLY = re.compile(rf"[{CN_DIGIT}]{{2,}}")


def parse_chinese(text: str) -> float | None:
    """The value of a Chinese numeral (七, 两千, 一万零五, 三点五, 二〇二四), None if not one."""
    if not text:
        return None
    whole, _, fraction = text.partition("点")
    if fraction and not all(ch in DIGITS for ch in fraction):
        return None
    if _DIGITS_ONLY.fullmatch(whole) and ("〇" in whole or len(whole) > 2):  # 二〇二四
        value: float = int("".join(str(DIGITS[ch]) for ch in whole))
    else:
        value = _chinese_integer(whole) if whole else 0
        if value is None:
            return None
    if fraction:
        value += float("0." + "".join(str(DIGITS[ch]) for ch in fraction))
    return value


def _chinese_integer(text: str) -> int | None:
    total = section = number = 0
    seen_digit = False
    for ch in text:
        if ch in DIGITS:
            if seen_digit and number and DIGITS[ch]:
                return None  # two digits in a row (三五) is no numeral
            number, seen_digit = DIGITS[ch], True
        elif ch in SMALL_UNITS:
            section += (number if seen_digit else 1) * SMALL_UNITS[ch]
            number, seen_digit = 0, False
        elif ch == "万":
            total += (section + number or 1) * 10_000
            section = number = 0
            seen_digit = False
        elif ch == "亿":
            total = (total + section + number or 1) * 100_000_000
            section = number = 0
            seen_digit = False
        else:
            return None
    return total + section + number


def chinese_numeral(n: int) -> str:
    """Write a whole number below 10**12 in Chinese numerals (the inverse of parse_chinese)."""
    if not 0 <= n < 10**12:
        raise ValueError("only 0 <= n < 10**12")
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10_000)
        n //= 10_000
    out = ""
    zero = False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            zero = bool(out)
            continue
        if out and (zero or group < 1000):
            out += "零"
        out += _four(group) + ("", "万", "亿")[index]
        zero = False
    return out[1:] if out.startswith("一十") else out


def _four(group: int) -> str:
    digits = "零一二三四五六七八九"
    out = ""
    zero = False
    for power, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = group // power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
        out += digits[digit] + name
        zero = False
    return out


@dataclass(frozen=True)
class PeriodWord:
    """A period the passage names: months ``first``..``last`` of ``year`` (None: not said)."""

    text: str
    start: int
    year: int | None
    first: int
    last: int

    def forms(self, year: int | None = None) -> str:
        """How the period is written in the model, for messages and drafts."""
        y = self.year or year
        head = str(y) if y else "YYYY"
        months = f"{head}-{self.first:02d}/{head}-{self.last:02d}"
        if self.first == self.last:
            months = f"{head}-{self.first:02d}"
        if (self.first - 1) % 3 or self.last % 3:
            return months
        q1, q2 = (self.first + 2) // 3, self.last // 3
        if (self.first, self.last) == (1, 12):
            return f"{head} or {head}-Q1/{head}-Q4"
        quarters = f"{head}-Q{q1}" if q1 == q2 else f"{head}-Q{q1}/{head}-Q{q2}"
        return f"{quarters} or {months}"

    def period(self, year: int) -> str:
        """The model's period for this word in ``year`` (quarters where they fit)."""
        y = self.year or year
        if (self.first, self.last) == (1, 12):
            return str(y)
        if (self.first - 1) % 3 == 0 and self.last % 3 == 0:
            q1, q2 = (self.first + 2) // 3, self.last // 3
            return f"{y}-Q{q1}" if q1 == q2 else f"{y}-Q{q1}/{y}-Q{q2}"
        if self.first == self.last:
            return f"{y}-{self.first:02d}"
        return f"{y}-{self.first:02d}/{y}-{self.last:02d}"


@dataclass(frozen=True)
class Figure:
    """One figure of a passage, as stated."""

    text: str  # verbatim: qualifiers, number, multiplier, measure word ("150多所", "93%以上")
    start: int
    end: int
    number: float  # signed: 下降6.3% is -6.3
    multiplier: int  # power of ten of the multiplier word: 亿 8, 万 4, none 0
    kind: str  # percent | points | rank | number
    comparator: str  # eq gt ge lt le approx
    unit: str | None  # a unit code to propose: percent, CNY, count, mm, …; None unknown
    chinese: bool  # written in Chinese numerals: any value × 10^multiplier of that amount fits
    decline: bool
    period: PeriodWord | None

    @property
    def amount(self) -> float:
        return self.number * 10.0**self.multiplier

    def describe(self) -> str:
        shown = _number(self.number)
        if self.multiplier:
            shown += f" ×10^{self.multiplier}"
        unit = {"percent": " %", "points": " percentage points", "rank": " (rank)"}.get(
            self.kind, f" {self.unit}" if self.unit and self.unit != "count" else ""
        )
        said = f"{self.comparator} {shown}{unit}"
        if self.period is not None:
            said += f", {self.period.text}"
        return f"{self.text} ({said})"

    def proposal(self) -> tuple[float, int]:
        """(value, unit_multiplier) to record: as stated; Chinese amounts in their usual form."""
        if not self.chinese or self.kind != "number":
            return self.number, self.multiplier
        amount = self.amount
        if self.unit not in (None, "count"):
            for power in (8, 4):
                if amount >= 10**power and amount % 10**power == 0:
                    return amount / 10**power, power
        return amount, 0


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "□" * (end - start)
    return "".join(chars)


def _cn_or_digits(text: str) -> int:
    value = int(text) if text.isdigit() else parse_chinese(text)
    return int(value or 0)


def period_words(passage: str) -> list[PeriodWord]:
    """The periods a passage names (前三季度, 1-9月, 上半年, 全年, 一季度, 9月), in order.

    A word right after 比/较/同比 is a base of comparison (比上半年提高), not a period.
    """
    found = []
    for match in _PERIOD_WORDS.finditer(passage):
        before = passage[max(0, match.start() - 2) : match.start()]
        if any(before.endswith(word) for word in COMPARISON):
            continue
        g = match.groupdict()
        if g["q_upto"]:
            first, last = 1, 3 * _cn_or_digits(g["q_upto"])
        elif g["q_from"]:
            first, last = 3 * _cn_or_digits(g["q_from"]) - 2, 3 * _cn_or_digits(g["q_to"])
        elif g["q"]:
            first, last = 3 * _cn_or_digits(g["q"]) - 2, 3 * _cn_or_digits(g["q"])
        elif g["m_upto"]:
            first, last = 1, _cn_or_digits(g["m_upto"])
        elif g["m_from"]:
            first, last = _cn_or_digits(g["m_from"]), _cn_or_digits(g["m_to"])
        elif g["half"]:
            first, last = (1, 6) if g["half"] == "上半年" else (7, 12)
        elif g["full"]:
            first, last = 1, 12
        else:
            first = last = _cn_or_digits(g["m"])
        if not 1 <= first <= last <= 12:
            continue
        year = int(g["year"]) if g["year"] else None
        found.append(PeriodWord(match.group(), match.start(), year, first, last))
    return found


@lru_cache(maxsize=1 << 16)
def read(passage: str) -> tuple[Figure, ...]:
    """Every figure the passage states, in order (cached: quotes repeat over many rows)."""
    periods = period_words(passage)
    spans = [(p.start, p.start + len(p.text)) for p in periods]
    masked = _mask(passage, spans)
    figures: list[Figure] = []
    for match in _RANK.finditer(masked):
        n = match.group("n_top") or match.group("n_nth")
        if match.group("nth") and not match.group("lead"):
            continue  # 第三: an ordinal, not a rank, unless 居/列/排 says so
        value = _cn_or_digits(n)
        start = match.start("top") if match.group("top") else match.start("nth")
        figures.append(
            Figure(
                passage[start : match.end()],
                start,
                match.end(),
                float(value),
                0,
                "rank",
                "le" if match.group("top") else "eq",
                "count",
                not n.isdigit(),
                False,
                _period_before(passage, periods, start),
            )
        )
        spans.append((start, match.end()))
    masked = _mask(masked, [(m.start(), m.end()) for m in _NOT_FIGURES.finditer(masked)])
    masked = _mask(masked, spans)
    consumed = 0
    for match in _NUMBER.finditer(masked):
        if match.start() < consumed or (match.start() and masked[match.start() - 1].isdigit()):
            continue  # the 万 of 1000万元 belongs to the figure before it
        figure = _figure(passage, masked, match, periods)
        if figure is not None:
            figures.append(figure)
            consumed = figure.end
    figures.sort(key=lambda f: f.start)
    return tuple(_lists(passage, figures))


def _figure(passage: str, masked: str, match: re.Match, periods: list) -> Figure | None:
    token = match.group()
    start, end = match.start(), match.end()
    chinese = not (token[0].isdigit() or token[0] in "-−")
    multiplier = 0
    comparator = "eq"
    if chinese:
        number = parse_chinese(token)
        if number is None:
            return None
        # 上万 / 上千: ten thousand or more
        if start and masked[start - 1] == "上" and token in ("百", "千", "万", "亿", "十万"):
            start -= 1
            comparator = "ge"
    else:
        negative = token[0] in "-−"
        number = float(token.lstrip("-−").replace(",", ""))
        number = -number if negative else number
    pos = end
    if masked.startswith(("多", "余"), pos) and not masked.startswith("余额", pos):
        comparator, pos = "gt", pos + 1
    unit, kind, word = _unit_at(masked, pos)
    if word is None and not chinese:
        found = _MULTIPLIER_AT.match(masked, pos)
        if found:
            multiplier, pos = _MULTIPLIER_ROW[found.group()][1], found.end()
        if masked.startswith(("多", "余"), pos) and not masked.startswith("余额", pos):
            comparator, pos = "gt", pos + 1
        unit, kind, word = _unit_at(masked, pos)
    if word is None and masked.startswith("大", pos) and chinese and 2 <= number <= 10:
        unit, kind, word = "count", "number", "大"  # 八大重点行业: eight major industries
    if word is not None:
        pos += len(word)
    elif chinese:
        return None  # a Chinese numeral with no measure word is a word (一流, 一体化), no figure
    if chinese and number == 1 and word not in ("成", "倍") and comparator == "eq":
        return None  # 一批, 一个: "a", not the figure one
    if word == "成":
        if not chinese and number > 10:
            return None
        number *= 10
    found = _AFTER_AT.match(masked, pos)
    if found:
        comparator, pos = _AFTER_ROW[found.group()][1], found.end()
    lead = start
    if comparator == "eq":
        for text, qualifier in BEFORE:
            if masked.endswith(text, 0, start):
                comparator, lead = qualifier, start - len(text)
                break
    decline = _verb_before(masked, lead) == "decline"
    if decline:
        number = -abs(number)
    return Figure(
        passage[start:pos],
        start,
        pos,
        float(number),
        multiplier,
        kind or "number",
        comparator,
        unit,
        chinese,
        decline,
        _period_before(passage, periods, start),
    )


def _unit_at(masked: str, pos: int) -> tuple[str | None, str | None, str | None]:
    found = _UNIT_AT.match(masked, pos)
    if found:
        text, unit, kind = _UNIT_ROW[found.group()]
        return unit, kind, text
    if pos < len(masked) and masked[pos] in CLASSIFIERS:
        return "count", "number", masked[pos]
    return None, None, None


def _verb_before(masked: str, start: int) -> str | None:
    """growth / decline when a verb of change stands right before the figure (增长6.3%)."""
    head = masked[max(0, start - 6) : start].rstrip("了达到为")
    if masked[max(0, start - 1) : start] in ("至", "到"):
        return None  # 降至5%: a level, not a change
    if head.endswith(DECLINE):
        return "decline"
    if head.endswith(GROWTH):
        return "growth"
    return None


def _period_before(passage: str, periods: list[PeriodWord], start: int) -> PeriodWord | None:
    """The last period word before ``start`` in the same sentence."""
    before = [p for p in periods if p.start < start]
    if not before or _SENTENCE_END.search(passage, before[-1].start, start):
        return None
    return before[-1]


def _lists(passage: str, figures: list[Figure]) -> list[Figure]:
    """Figures listed with 、 (分别增长58.6%、14.3%、18%): the head's verb of change and the
    tail's qualifier (93%、94%以上) apply to every figure of the list."""
    out = list(figures)
    index = 0
    while index < len(out):
        end = index
        while (
            end + 1 < len(out)
            and passage[out[end].end : out[end + 1].start] in ("、", "，、")
            and out[end + 1].kind == out[index].kind
        ):
            end += 1
        if end > index:
            head, tail = out[index], out[end]
            for k in range(index, end + 1):
                item = out[k]
                comparator = item.comparator
                if comparator == "eq" and tail.comparator in ("ge", "le", "approx", "gt", "lt"):
                    if tail.text.endswith(tuple(t for t, _ in AFTER)):
                        comparator = tail.comparator
                number = -abs(item.number) if head.decline else item.number
                out[k] = Figure(
                    item.text,
                    item.start,
                    item.end,
                    number,
                    item.multiplier,
                    item.kind,
                    comparator,
                    item.unit,
                    item.chinese,
                    head.decline,
                    item.period,
                )
        index = end + 1
    return out


def period_months(period: str) -> tuple[int, int | None, int | None] | None:
    """(year, first month, last month) a model period covers; months None for a day (or a span
    of days) that is not whole months; None when the period is not well formed."""
    parts = period.split("/")
    if len(parts) > 2:
        return None
    bounds = [_one(p) for p in parts]
    if any(b is None for b in bounds):
        return None
    (year, first, _, day_first, _), (_, _, last, _, day_last) = bounds[0], bounds[-1]
    if day_first is not None or day_last is not None:
        whole = len(parts) == 2 and day_first == 1 and day_last == "end"
        if not whole:
            return year, None, None
    return year, first, last


def _one(text: str) -> tuple[int, int, int, object, object] | None:
    match = re.fullmatch(r"(\d{4})(?:-Q([1-4])|-(\d{2})(?:-(\d{2}))?)?", text)
    if not match:
        return None
    year = int(match.group(1))
    if match.group(2):
        q = int(match.group(2))
        return year, 3 * q - 2, 3 * q, None, None
    if match.group(3):
        month = int(match.group(3))
        if not 1 <= month <= 12:
            return None
        if match.group(4):
            day = int(match.group(4))
            ends = (31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
            return year, month, month, day, "end" if day == ends[month - 1] else day
        return year, month, month, None, None
    return year, 1, 12, None, None


@dataclass(frozen=True)
class Verdict:
    """Why an observation is not a figure of its quote: ``level`` error or warning."""

    level: str
    why: str
    figures: str


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def judge(
    quote: str | None,
    value: float | None,
    multiplier: int | None = None,
    unit: str | None = None,
    unit_kind: str | None = None,
    comparator: str | None = None,
    period: str | None = None,
) -> Verdict | None:
    """None when the observation is one of the quote's figures (or there is nothing to judge).

    An error where the quote clearly states something else (no figure has the value, or the
    figure with the value has another multiplier, kind, comparator, sign or period); a warning
    where the quote cannot decide: no figure could be read in it, or a decline (减少3000吨)
    recorded as a positive amount, which some indicators (a reduction) mean.
    """
    if quote is None or value is None or not math.isfinite(value):
        return None
    figures = read(quote)
    shown = _number(value)
    if not figures:
        return Verdict(
            "warning",
            f"no figure could be read in the quote, so value {shown} was not checked against it",
            "nothing cz-stats can read",
        )
    stated = "; ".join(f.describe() for f in figures)
    best: list[tuple[str, str]] | None = None
    for figure in figures:
        faults = _faults(figure, value, multiplier, unit, unit_kind, comparator, period)
        if faults is None:
            continue
        if not faults:
            return None
        if best is None or _rank(faults) < _rank(best):
            best = faults
    if best is None:
        return Verdict("error", f"value {shown} is not a figure of its quote", stated)
    level = "error" if any(level == "error" for level, _ in best) else "warning"
    return Verdict(level, "; ".join(why for _, why in best), stated)


def _rank(faults: list[tuple[str, str]]) -> tuple[int, int]:
    return sum(level == "error" for level, _ in faults), len(faults)


def _faults(
    figure: Figure,
    value: float,
    multiplier: int | None,
    unit: str | None,
    unit_kind: str | None,
    comparator: str | None,
    period: str | None,
) -> list[tuple[str, str]] | None:
    """What differs from ``figure`` (empty: nothing), or None when the value is not its."""
    faults: list[tuple[str, str]] = []
    shown, text = _number(value), figure.text
    power = multiplier if multiplier is not None else figure.multiplier
    if figure.chinese and figure.kind in ("number", "rank"):
        scaled = value * 10.0**power
        if _close(scaled, figure.amount):
            pass
        elif _close(-scaled, figure.amount) and figure.amount != 0:
            faults.append(_sign(figure, shown))
        else:
            return None
    else:
        if _close(value, figure.number):
            pass
        elif _close(value, -figure.number):
            faults.append(_sign(figure, shown))
        else:
            return None
        if multiplier is not None and multiplier != figure.multiplier:
            faults.append(
                (
                    "error",
                    f"unit_multiplier {multiplier} differs from the {figure.multiplier} of {text}",
                )
            )
    percent_unit = unit is not None and (unit in PERCENT_UNITS or unit_kind in ("ratio", "percent"))
    if figure.kind in ("percent", "points") and unit is not None and not percent_unit:
        faults.append(("error", f"{text} is a percent, but the unit is {unit!r}"))
    if figure.kind in ("number", "rank") and unit is not None and unit in PERCENT_UNITS:
        faults.append(("error", f"{text} is not a percent, but the unit is {unit!r}"))
    if comparator is not None and comparator != figure.comparator:
        faults.append(
            ("error", f"comparator {comparator} differs from the {figure.comparator} of {text}")
        )
    if period is not None and figure.period is not None:
        covered = period_months(period)
        word = figure.period
        if covered is not None:
            year, first, last = covered
            if (first, last) != (word.first, word.last) or word.year not in (None, year):
                faults.append(("error", f"period {period} is not {word.text} ({word.forms(year)})"))
    return faults


def _sign(figure: Figure, shown: str) -> tuple[str, str]:
    """A sign that differs: an error for a rate (下降6.3% is -6.3), a warning for an amount."""
    level = "error" if figure.kind in ("percent", "points") else "warning"
    if figure.decline:
        return level, f"value {shown} is positive, but {figure.text} is a decline: record it signed"
    return level, f"value {shown} is negative, but {figure.text} is no decline"
