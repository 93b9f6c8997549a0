"""Chinese for the free-text parts of messages (``{why}``, ``{note}``, ``{hint}``, …).

Those parts are built in code, in English, where the fault is found (a type explanation, a
period's reason, a limit's consequence). Here each common clause has a pattern and its Chinese;
a text is translated clause by clause (clauses are joined by ``; ``), and a clause no pattern
knows stays as it is. Values, codes, field names and options inside a clause are kept verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# the parameters of a template that hold sentences built in code
FREE = ("why", "note", "hint", "consequence", "what")

TYPES_ZH = {
    "number": "数值",
    "integer": "整数",
    "string": "字符串",
    "boolean": "布尔值",
    "date": "日期",
    "datetime": "日期时间",
    "time": "时间",
    "year": "年份",
    "yearmonth": "年月",
    "duration": "时长",
    "geopoint": "地理坐标",
    "geojson": "GeoJSON",
    "object": "JSON 对象",
    "array": "JSON 数组",
    "list": "列表",
    "any": "任意值",
}


def _type(match: re.Match) -> str:
    kind = TYPES_ZH.get(match["kind"], match["kind"])
    fmt = f"（格式 {match['fmt']}）" if match["fmt"] else ""
    return f"{match['value']} 不是有效的{kind}{fmt}"


# (pattern matching one whole clause, Chinese: a template of the pattern's groups or a function)
CLAUSES: list[tuple[re.Pattern[str], object]] = [
    (
        re.compile(r"(?P<value>.+) is not a valid (?P<kind>\w+)(?: in format (?P<fmt>.+))?"),
        _type,
    ),
    (
        re.compile(r"it uses full-width characters: write ASCII digits 0-9 and '\.'"),
        "使用了全角字符：请写半角数字 0-9 和 '.'",
    ),
    (
        re.compile(r"Table Schema spells these NaN, INF and -INF"),
        "Table Schema 中应写作 NaN、INF 和 -INF",
    ),
    (
        re.compile(r"use '\.' as the decimal mark and no thousands separator"),
        "小数点用 '.'，不要千位分隔符",
    ),
    (re.compile(r"it has spaces around it"), "前后有空格"),
    (re.compile(r"(?P<period>\S+) is not a real calendar period"), "{period} 不是真实的日历时期"),
    (
        re.compile(r"START and END of an interval must have the same granularity"),
        "区间的起点和终点必须是同一种时期（同为年、季、月或日）",
    ),
    (re.compile(r"a cumulative interval must lie within one year"), "累计区间必须在同一年内"),
    (re.compile(r"START must not be after END"), "起点不能晚于终点"),
    (
        re.compile(r"value (?P<value>.+) is not a figure of its quote"),
        "数值 {value} 不是引文中的数字",
    ),
    (
        re.compile(
            r"no figure could be read in the quote, so value (?P<value>.+) was not checked "
            r"against it"
        ),
        "引文中读不出数字，数值 {value} 未与引文核对",
    ),
    (re.compile(r"nothing cz-stats can read"), "没有 cz-stats 能读出的数字"),
    (re.compile(r"it was not read"), "未读取"),
    (
        re.compile(r"a URL \(remote data is read only when asked for explicitly\)"),
        "网址（只有明确允许时才读取远程数据）",
    ),
    (re.compile(r"absolute"), "绝对路径"),
    (re.compile(r"relative to a home folder"), "相对于用户主目录"),
    (re.compile(r"climbing out of the package folder with '\.\.'"), "用 '..' 跳出数据包文件夹"),
    (re.compile(r"containing a NUL byte"), "含 NUL 字节"),
    (
        re.compile(r"resolving \(through a symlink\) outside the package folder"),
        "（经符号链接）指向数据包文件夹之外",
    ),
    (re.compile(r"not a non-empty string"), "不是非空字符串"),
    (
        re.compile(
            r"the workbook unpacks to (?P<size>.+), (?P<times>[\d,]+) times its packed size"
        ),
        "工作簿解压后为 {size}，是压缩后大小的 {times} 倍",
    ),
    (
        re.compile(r"a workbook this large is better saved as CSV UTF-8 \(limits.UNPACK_RATIO\)"),
        "这么大的工作簿最好另存为 CSV UTF-8（limits.UNPACK_RATIO）",
    ),
    (re.compile(r"the resource was not read"), "该资源未读取"),
    (re.compile(r"the workbook was not read"), "该工作簿未读取"),
    (re.compile(r"its quotes are not checked"), "其中的引文未核对"),
    (
        re.compile(r"row (?P<row>[\d,]+) and the rows after it were not read"),
        "第 {row} 行及其后各行未读取",
    ),
    (
        re.compile(r"raise it with (?P<option>--[\w-]+) or (?P<api>Limits\(\w+=\.\.\.\))"),
        "可用 {option} 或 {api} 调高上限",
    ),
    (
        re.compile(r"keep the text of the source only \(a source text is held in memory\)"),
        "来源文件只保留正文（来源文本会整个读入内存）",
    ),
]


def clause_zh(clause: str) -> str:
    """One clause in Chinese, or unchanged when no pattern knows it."""
    for pattern, zh in CLAUSES:
        match = pattern.fullmatch(clause.strip())
        if match:
            return zh(match) if callable(zh) else zh.format(**match.groupdict())
    return clause


def to_zh(text: str) -> str:
    """A free text in Chinese, clause by clause (``; `` becomes ``；``)."""
    return "；".join(clause_zh(clause) for clause in text.split("; "))


def params_zh(params: Mapping[str, object]) -> dict[str, object]:
    """``params`` with its free-text values in Chinese (values, codes and names as they are)."""
    return {
        key: to_zh(value) if key in FREE and isinstance(value, str) else value
        for key, value in params.items()
    }
