"""Bilingual messages: a zh-CN title and message template for every check code.

The English titles and templates are the catalogue's own
(:mod:`changzhi_stats.report.catalogue`); this module adds the Chinese ones, with the same
placeholders, and chooses the language: an explicit
``lang``, else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``zh*`` is Chinese), else
English. Free-text parameters that the code builds (``{note}``, ``{why}``, ``{hint}``) are
translated clause by clause where :mod:`changzhi_stats.report.free_text` knows the clause.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from changzhi_stats.report.catalogue import CHECKS, RESULTS

LANGS = ("en", "zh")

# code: (title, template) — the placeholders of each template are those of the English one.
ZH: dict[str, tuple[str, str]] = {
    "package-error": ("数据包描述无效", "数据包描述不符合标准：{note}"),
    "resource-error": ("资源描述无效", "资源描述有误：{note}"),
    "schema-error": ("表结构（Table Schema）无效", "表结构有误：{note}"),
    "unsafe-path": ("路径超出数据包", "路径 {path!r} 不安全（{why}），未读取"),
    "remote-not-supported": (
        "无法读取远程数据",
        "路径 {path!r} 是网址；虽已允许远程数据，但 cz-stats 尚不下载：请把文件下载到数据包"
        "文件夹中；未读取",
    ),
    "profile-not-fetched": (
        "未应用自定义规范",
        "{key} {value!r} 指向自定义规范；未下载也未读取（cz-stats 只按标准数据包规范检查描述）",
    ),
    "remote-schema": (
        "未下载远程表结构或方言",
        "{key} {value!r} 是网址：cz-stats 只从数据包文件夹读取 {key}，从不下载；请把它下载到数据包"
        "文件夹中并写相对路径；该资源未读取",
    ),
    "remote-profile": (
        "未下载远程规范",
        "{key} {value!r} 是远程规范（网址）：未下载，描述只按标准数据包规范检查；如需按该规范检查，"
        "请下载规范后自行用它验证描述",
    ),
    "source-error": ("文件无法读取", "文件无法读取：{note}"),
    "limit-exceeded": ("超出读取上限", "{what}，超出上限 {limit}；{consequence}；{hint}"),
    "format-error": ("不支持的格式", "不支持的格式：{note}"),
    "encoding-error": ("字节不符合声明的编码", "字节 {value} 不是有效的 {encoding}{hint}"),
    "byte-count": (
        "文件大小与声明的字节数不符",
        "文件 {path!r} 有 {actual} 字节，但资源声明为 {declared} 字节",
    ),
    "hash-count": (
        "文件哈希值与声明的不符",
        "文件 {path!r} 的 {algorithm} 哈希值是 {actual}，但资源声明为 {declared}",
    ),
    "blank-label": ("表头为空", "第 {column} 列没有表头"),
    "duplicate-label": ("表头重复", "第 {column} 列的表头 {value!r} 与第 {first} 列重复"),
    "incorrect-label": (
        "表头与表结构不符",
        "第 {column} 列的表头是 {value!r}，表结构中应为 {field!r}",
    ),
    "missing-label": (
        "文件缺少表结构中的字段",
        "表结构声明了字段 {field!r}（第 {column} 列），文件中没有这一列",
    ),
    "extra-label": ("表结构中没有的列", "第 {column} 列 {value!r} 未在表结构中声明"),
    "blank-row": ("空行", "这一行是空的"),
    "extra-cell": ("单元格多于表头", "这一行有 {actual} 个单元格，表头只有 {expected} 个"),
    "missing-cell": ("单元格少于表头", "这一行只有 {actual} 个单元格，缺少字段 {field!r}"),
    "type-error": ("值与字段类型不符", "类型不符：{why}"),
    "required-error": ("缺少必填值", "此处必须填写"),
    "unique-error": ("值重复", "与第 {first} 行的值重复"),
    "enum-error": ("值不在允许的列表中", "只能是以下之一：{enum}"),
    "pattern-error": ("值不符合格式", "必须符合格式 {pattern}"),
    "minimum-error": ("值低于下限", "必须 {op} {bound}"),
    "maximum-error": ("值高于上限", "必须 {op} {bound}"),
    "min-length-error": ("值太短", "至少需要 {bound} 个字符"),
    "max-length-error": ("值太长", "最多 {bound} 个字符"),
    "primary-key": ("主键重复", "主键（{field}）与第 {first} 行重复"),
    "foreign-key": ("引用的表中找不到该值", "{value!r} 在 {target} 中找不到"),
    "value-not-finite": ("值不是有限数", "公布的数字必须是有限数，不能是 {value}"),
    "share-range": ("比重超出范围", "比重必须在 0 到 100 之间"),
    "growth-range": ("增速低于 -100%", "同比增速不能低于 -100%"),
    "growth-implausible": ("增速不合常理", "增速超过 {limit}% 不合常理，请核对来源"),
    "rank-range": ("位次无效", "位次必须是不小于 1 的整数"),
    "count-not-whole": ("计数不是整数", "单位为 {unit!r} 的计数必须是整数"),
    "count-negative": ("计数为负", "计数不能为负数"),
    "unit-mismatch": ("单位与指标不一致", "指标 {indicator!r} 的单位是 {expected!r}"),
    "multiplier-mismatch": (
        "数量级与指标不一致",
        "指标 {indicator!r} 的数量级（10 的幂）是 {expected}",
    ),
    "period-format": (
        "时期不符合时期格式",
        "时期应为 YYYY、YYYY-Qn、YYYY-MM、YYYY-MM-DD，或其中同一种的 起/止 区间",
    ),
    "period-invalid": ("不是真实的日历时期", "时期无效：{why}"),
    "period-after-source": (
        "时期晚于来源发布日期",
        "时期截止于 {end}，晚于来源 {source!r} 的发布日期 {published}",
    ),
    "quote-not-in-source": ("来源原文中找不到引文", "在来源 {source!r} 的原文中找不到这段引文"),
    "value-not-in-quote": ("数值不是引文所述的数字", "{why}；引文所述数字：{figures}"),
    "quote-figure-unclear": ("引文无法确定数值", "{why}；引文所述数字：{figures}"),
    "nul-byte": (
        "文本含 NUL 字节",
        "文本含有 NUL 字节（U+0000），数据库和许多工具会拒收；文件可能是 UTF-16 或二进制：请另存为"
        " UTF-8 文本",
    ),
    "formula-injection": (
        "电子表格会当作公式执行的文本",
        "以 =、+、-、@、制表符或回车开头的文本在电子表格中打开 CSV 时会被当作公式执行；"
        "只有确实是文本时才保留",
    ),
    "missing-title": (
        "数据包没有标题",
        "数据包没有标题（`title`），使用者无法知道其内容；请在 datapackage.json 中填写 `title`"
        "（没有标题的数据包不能发布）",
    ),
    "missing-license": (
        "数据包没有许可协议",
        "数据包没有注明许可协议（`licenses`），其数据在法律上无法再利用；请填写 `licenses`，"
        '例如 `[{{"name": "CC-BY-4.0", "path": '
        '"https://creativecommons.org/licenses/by/4.0/"}}]`（没有许可协议的数据包不能发布）',
    ),
    "cell-format-rounds": (
        "单元格显示的数字与存储的不同",
        "单元格存储的是 {stored}，但数字格式 {format!r} 显示为 {value}；按显示值读取："
        "请填写本意的数字，或加宽格式使两者一致",
    ),
    "date-cell-in-text": (
        "文本字段中的电子表格日期",
        "该单元格是电子表格日期（{value}，格式 {format!r}），不是输入的文本：Excel 会把 2024-09 "
        "这样的期间变成当月第一天；请把该列设为“文本”格式后重新输入",
    ),
    "header-not-first-row": (
        "表头不在第 1 行",
        "表头在第 {header} 行，上面有 {above} 行标题（如 {title!r}）：请删除表头上方的行，"
        "使表头成为第 1 行；该表未再往下检查（同一原因的 {hidden} 条问题未列出）",
    ),
    "encoding-gb18030": (
        "文件是 GB18030/GBK 编码，不是 UTF-8",
        '文件不是 UTF-8，而是 GB18030/GBK 编码：请在资源中声明 `"encoding": "gb18030"`，'
        "或把文件另存为 UTF-8（含非 UTF-8 字节的 {hidden} 行未列出）",
    ),
    "data-on-other-sheet": (
        "数据在另一个工作表",
        "工作表 {read!r} 没有表结构所列的表头，工作表 {found!r} 有（全部工作表：{sheets}）："
        '请在资源中声明 `"sheet": {declare}`；该表未再往下检查（同一原因的 {hidden} 条问题未列出）',
    ),
    "merged-cell-blanks": (
        "值下方的空格（合并单元格导出所致）",
        "第 {first} 行起，列 {field!r} 有 {blanks} 行在某个值下方为空，这是合并单元格导出的结果："
        "请用上方的值填满每个空格（在电子表格中：取消合并单元格，再向下填充）（同一原因的 {hidden} "
        "条问题未列出）",
    ),
    "trailing-empty": (
        "表末的空行或空列",
        "表的末尾有 {rows} 个空行和 {columns} 个空列，这是电子表格导出的结果：请删除"
        "（同一原因的 {hidden} 条问题未列出）",
    ),
}

# The words of the text report and the HTML pages.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "error": "error",
        "warning": "warning",
        "errors": "Errors",
        "warnings": "Warnings",
        "row": "row",
        "field": "field",
        "value": "value",
        "valid": "valid",
        "invalid": "INVALID",
        "package": "package",
        "capped": "(listing capped at {cap} per severity; counts below are exact; "
        "raise --max-errors to see more)",
        "tally": "{where}: {verdict}: {errors} error(s), {warnings} warning(s) in "
        "{resources} resource(s), {rows} row(s)",
    },
    "zh": {
        "error": "错误",
        "warning": "警告",
        "errors": "错误",
        "warnings": "警告",
        "row": "第 {row} 行",
        "field": "字段",
        "value": "值",
        "valid": "有效",
        "invalid": "无效",
        "package": "数据包",
        "capped": "（每种严重程度最多列出 {cap} 条；下面的计数是准确的；用 --max-errors 查看更多）",
        "tally": "{where}：{verdict}：{errors} 个错误，{warnings} 个警告，"
        "共 {resources} 个资源、{rows} 行",
    },
}


def resolve(lang: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """``"zh"`` or ``"en"``: ``lang`` if given, else the locale (zh* → zh), else English."""
    if lang is not None:
        chosen = lang.strip().lower().replace("_", "-")
        if chosen.startswith("zh"):
            return "zh"
        if chosen.startswith("en"):
            return "en"
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:  # POSIX: the first one set decides
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def title(code: str, lang: str = "en") -> str:
    return ZH[code][0] if lang == "zh" else CHECKS[code].title


def template(code: str, lang: str = "en") -> str:
    return ZH[code][1] if lang == "zh" else CHECKS[code].template


def render(code: str, params: Mapping[str, object], lang: str = "en") -> str:
    """The message of one finding in ``lang``, from the parameters it was made with; in Chinese
    the free-text parameters built in code are translated too (:mod:`.free_text`)."""
    if lang == "zh":
        from changzhi_stats.report.free_text import params_zh

        params = params_zh(params)
    return template(code, lang).format(**params)


def word(key: str, lang: str = "en", **values: object) -> str:
    text = WORDS.get(lang, WORDS["en"])[key]
    return text.format(**values) if values else text


# Chinese titles of verify's findings and diff's changes (catalogue.RESULTS), by command and code.
ZH_RESULTS: dict[str, dict[str, str]] = {
    "verify": {
        "symlink": "是链接而非文件（未跟随）",
        "not-a-file": "不是普通文件（FIFO、设备或套接字；未打开）",
        "unreadable": "文件无法读取",
        "missing": "文件缺失",
        "unlisted": "文件未列入 SHA256SUMS",
        "malformed": "SHA256SUMS 的行格式不是“<sha256>  <文件>”",
        "unsafe-path": "路径超出发布版本",
        "checksum-mismatch": "sha256 与 SHA256SUMS 不符",
        "not-in-sha256sums": "资源未列入 SHA256SUMS",
        "bytes-mismatch": "文件大小与描述中的字节数不符",
        "hash-mismatch": "sha256 与描述中的哈希值不符",
        "invalid-descriptor": "发布版本的描述无效",
        "copies-differ": "CSV 与 Parquet 副本不一致",
        "invalid-dcat": "dcat.jsonld 无效",
        "dcat-mismatch": "dcat.jsonld 与文件不符",
    },
    "diff": {
        "resource-added": "新增资源",
        "resource-removed": "删除资源",
        "field-added": "新增字段",
        "field-removed": "删除字段",
        "field-renamed": "字段改名",
        "field-retyped": "字段类型改变",
        "primary-key-changed": "主键改变",
        "foreign-keys-changed": "外键改变",
        "row-added": "新增行",
        "row-removed": "删除行",
        "row-revised": "修订行",
        "metadata-changed": "元数据改变",
    },
}


def result_title(kind: str, code: str, lang: str = "en") -> str:
    """The title of a verify finding or diff change (``kind``: ``verify`` or ``diff``)."""
    return ZH_RESULTS[kind][code] if lang == "zh" else RESULTS[kind][code].title
