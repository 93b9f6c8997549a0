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
    # value-not-in-quote: how a value differs from the figure of its quote (rules/figures.py)
    (
        re.compile(r"(?P<text>.+) is not a percent, but the unit is (?P<unit>.+)"),
        "{text} 不是百分数，但单位是 {unit}",
    ),
    (
        re.compile(r"(?P<text>.+) is a percent, but the unit is (?P<unit>.+)"),
        "{text} 是百分数，但单位是 {unit}",
    ),
    (
        re.compile(
            r"(?P<name>unit_multiplier|comparator) (?P<v>\S+) differs from the (?P<w>\S+) "
            r"of (?P<text>.+)"
        ),
        "`{name} {v}` 与 {text} 的 `{w}` 不符",
    ),
    (
        re.compile(
            r"value (?P<v>\S+) is positive, but (?P<text>.+) is a decline: record it signed"
        ),
        "数值 {v} 是正数，但 {text} 是下降：请记为负数",
    ),
    (
        re.compile(r"value (?P<v>\S+) is negative, but (?P<text>.+) is no decline"),
        "数值 {v} 是负数，但 {text} 不是下降",
    ),
    (
        re.compile(r"period (?P<p>\S+) is not (?P<word>.+?) \((?P<forms>.+)\)"),
        "时期 {p} 不是 {word}（{forms}）",
    ),
    # unsafe-path: why a path is not read (package/paths.py)
    (
        re.compile(r"a URL \(remote data is read only when asked for explicitly\)"),
        "网址（只有明确要求时才读取远程数据）",
    ),
    (re.compile(r"climbing out of the package folder with '\.\.'"), "用 '..' 跳出了数据包文件夹"),
    (re.compile(r"not a non-empty string"), "不是非空字符串"),
    (re.compile(r"absolute"), "绝对路径"),
    (re.compile(r"relative to a home folder"), "相对于用户主目录"),
    (re.compile(r"containing a NUL byte"), "含有 NUL 字节"),
    (
        re.compile(r"resolving \(through a symlink\) outside the package folder"),
        "（经符号链接）解析到数据包文件夹之外",
    ),
    (
        re.compile(
            r"a file with (?P<n>\d+) hard links \(a hard link can lead outside the "
            r"folder"
        ),
        "有 {n} 个硬链接的文件（硬链接可能指向文件夹之外",
    ),
    (re.compile(r"copy the file instead\)"), "请改为复制该文件）"),
    (
        re.compile(
            r"the file looks like GB18030/GBK: declare \"encoding\": \"gb18030\" or save "
            r"it as UTF-8"
        ),
        '文件看来是 GB18030/GBK 编码：请声明 `"encoding": "gb18030"`，或另存为 UTF-8',
    ),
    (
        re.compile(r"keep the text of the source only \(a source text is held in memory\)"),
        "来源文件只保留正文（来源文本会整个读入内存）",
    ),
]


# the texts of exceptions (errors.CzStatsError and OSError reasons): "the job could not be done".
# A clause may start with the file it is about ("<path>: ..."): the path is kept as it is.
_WHERE = r"(?:(?P<where>.+?): )?"
ERRORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"no such file"), "文件不存在"),
    (re.compile(r"no such file or folder"), "文件或文件夹不存在"),
    (re.compile(r"no such release folder"), "发布版本文件夹不存在"),
    (re.compile(r"is a folder, not a (?P<what>.+)"), "是文件夹，不是{what}"),
    (re.compile(r"cannot read (?P<what>.+?): (?P<why>.+)"), "无法读取 {what}：{why}"),
    (re.compile(r"cannot be read: (?P<why>.+)"), "无法读取：{why}"),
    (re.compile(r"cannot read: (?P<why>.+)"), "无法读取：{why}"),
    (
        re.compile(r"cannot be read as an \.xlsx workbook: (?P<why>.+)"),
        "无法作为 .xlsx 工作簿读取：{why}",
    ),
    (re.compile(r"File is not a zip file"), "不是 zip 文件"),
    (re.compile(r"cannot write: (?P<why>.+)"), "无法写入：{why}"),
    (re.compile(r"cannot create the releases folder: (?P<why>.+)"), "无法创建发布文件夹：{why}"),
    (
        re.compile(r"not a regular file \((?P<kind>[^)]+)\)"),
        "不是普通文件（{kind}）",
    ),
    (re.compile(r"only regular files are read"), "只读取普通文件"),
    (re.compile(r"not published: (?P<why>.+)"), "未发布：{why}"),
    (re.compile(r"not published"), "未发布"),
    (re.compile(r"nothing was published"), "未发布任何内容"),
    (re.compile(r"nothing to publish"), "没有可发布的内容"),
    (
        re.compile(r"nothing changed since release (?P<latest>\S+)"),
        "自发布版本 {latest} 以来没有变化",
    ),
    (
        re.compile(r"(?P<path>\S+) exists"),
        "{path} 已存在",
    ),
    (re.compile(r"a published version is never changed"), "已发布的版本永不修改"),
    (re.compile(r"give a version or a bump, not both"), "请给出版本号或升级方式，不要同时给出"),
    (
        re.compile(
            r"version (?P<version>\S+) is not newer than the latest release (?P<latest>\S+)"
        ),
        "版本 {version} 不比最新发布版本 {latest} 新",
    ),
    (
        re.compile(r"bump (?P<bump>\S+) is not one of auto, major, minor, patch"),
        "升级方式 {bump} 不是 auto、major、minor、patch 之一",
    ),
    (
        re.compile(r"(?P<count>[\d,]+) error\(s\)"),
        "{count} 个错误",
    ),
    (re.compile(r"run `(?P<command>[^`]+)` to see them"), "运行 `{command}` 查看"),
    (
        re.compile(r"the release would not pass verify: (?P<found>.+)"),
        "该发布版本通不过校验（verify）：{found}",
    ),
    (
        re.compile(r"remote packages are not read"),
        "不读取远程数据包",
    ),
    (
        re.compile(r"download it and validate the local copy"),
        "请下载后校验本地副本",
    ),
    (
        re.compile(r"the release is a link to another place"),
        "该发布版本是指向别处的链接",
    ),
    (re.compile(r"not followed"), "未跟随"),
    (
        re.compile(r"unknown language (?P<value>.+): use 'en' or 'zh'"),
        "未知语言 {value}：请用 'en' 或 'zh'",
    ),
    (
        re.compile(r"no readable resource (?P<name>.+) \(resources: (?P<names>.*)\)"),
        "没有可读取的资源 {name}（资源：{names}）",
    ),
    (
        re.compile(r"publishing failed, nothing was left behind: (?P<why>.+)"),
        "发布失败，未留下任何文件：{why}",
    ),
    (re.compile(r"Permission denied"), "权限不足"),
    (re.compile(r"No such file or directory"), "文件或目录不存在"),
    (re.compile(r"Is a directory"), "是目录"),
    (re.compile(r"No space left on device"), "磁盘空间不足"),
]


WHAT_ZH = {"package descriptor": "数据包描述文件", "file": "文件", "folder": "文件夹"}


def error_clause_zh(clause: str) -> str:
    """One clause of an exception's text in Chinese, its leading path kept; else unchanged."""
    clause = clause.strip()
    for pattern, zh in ERRORS:
        match = re.fullmatch(_WHERE + pattern.pattern, clause)
        if match:
            groups = {k: v for k, v in match.groupdict().items() if k != "where"}
            if "why" in groups:
                groups["why"] = error_zh(groups["why"])
            if "what" in groups:
                groups["what"] = WHAT_ZH.get(groups["what"], groups["what"])
            where = match["where"]
            text = zh.format(**groups)
            return f"{where}：{text}" if where else text
    return clause_zh(clause)


def error_zh(text: str) -> str:
    """An exception's text in Chinese, clause by clause (paths, values and codes kept)."""
    text = re.sub(r"^\[Errno [^\]]*\] ", "", text)
    return "；".join(error_clause_zh(clause) for clause in text.split("; "))


def clause_zh(clause: str) -> str:
    """One clause in Chinese, or unchanged when no pattern knows it."""
    for pattern, zh in CLAUSES:
        match = pattern.fullmatch(clause.strip())
        if match:
            return zh(match) if callable(zh) else zh.format(**match.groupdict())
    return clause


def to_zh(text: str) -> str:
    """A free text in Chinese, clause by clause (``; `` becomes ``；``)."""
    return "；".join(error_clause_zh(clause) for clause in text.split("; "))


def params_zh(params: Mapping[str, object]) -> dict[str, object]:
    """``params`` with its free-text values in Chinese (values, codes and names as they are)."""
    return {
        key: to_zh(value) if key in FREE and isinstance(value, str) else value
        for key, value in params.items()
    }


# --- cz-stats push (a release into a CKAN portal; release/ckan.py) ----------------------------


class _Each(str):
    """A template whose every group is itself translated (clause by clause) when filled in."""

    def format(self, *args: object, **groups: object) -> str:
        said = {k: error_zh(v) if isinstance(v, str) else v for k, v in groups.items()}
        return str.format(self, *args, **said)


# ``(?<![\s\S])``: the clause starts here, so no leading "<path>: " is split off before it
_START = r"(?<![\s\S])"
ERRORS += [
    # a push that failed half-way: "<why> (so far: <done>; ...; pushing again finishes the job)"
    (
        re.compile(_START + r"(?P<before>.+) \(so far: (?P<done>.+)"),
        _Each("{before}（到目前为止：{done}"),
    ),
    (re.compile(r"pushing again finishes the job\)"), "再推送一次即可完成）"),
    (
        re.compile(_START + r"(?P<before>[\s\S]+)\nThe release stays published in (?P<folder>.+)"),
        _Each("{before}\n该版本仍已发布在 {folder}"),
    ),
    (re.compile(r"to push it again: (?P<command>.+)"), "再次推送：`{command}`"),
    (re.compile(r"nothing changed on the portal"), "门户上没有任何改动"),
    (re.compile(r"dataset (?P<slug>\S+) created"), "已创建数据集 {slug}"),
    (re.compile(r"metadata patched \((?P<fields>[^)]*)\)"), "已更新元数据（`{fields}`）"),
    (re.compile(r"(?P<count>[\d,]+) file\(s\) uploaded"), "已上传 {count} 个文件"),
    (
        re.compile(r"DataStore tables loaded \((?P<tables>[^)]*)\)"),
        "已载入 DataStore 表（`{tables}`）",
    ),
    (
        re.compile(r"the DataStore table (?P<table>\S+) holds part of the records of (?P<v>\S+)"),
        "DataStore 表 `{table}` 只载入了 {v} 的部分记录",
    ),
    # refusals
    (
        re.compile(r"not a portal URL \(http or https\): (?P<url>.+)"),
        "不是门户网址（须以 `http` 或 `https` 开头）：{url}",
    ),
    (re.compile(r"the token file (?P<path>.+) is empty"), "令牌文件 {path} 是空的"),
    (re.compile(r"not UTF-8 text"), "不是 UTF-8 文本"),
    (
        re.compile(r"no API token: set (?P<env>\S+) or give --token-file"),
        "没有 API 令牌：请设置环境变量 {env}，或用 --token-file 给出令牌文件",
    ),
    (re.compile(r"cannot reach (?P<url>\S+): (?P<why>.+)"), "无法连接 {url}：{why}"),
    (
        re.compile(
            r"(?P<url>\S+) did not answer as a CKAN API \((?P<action>\S+): HTTP (?P<n>\d+)\)"
        ),
        "{url} 的回答不是 CKAN API 的回答（{action}：HTTP {n}）",
    ),
    (
        re.compile(
            r"(?P<url>\S+) refused the API token for (?P<action>\S+) \((?P<kind>[^)]+)\): check "
            r"(?P<env>\S+) or --token-file, and that the user may edit the dataset"
        ),
        "{url} 拒绝了执行 {action} 的 API 令牌（`{kind}`）：请检查 {env} 或 --token-file，"
        "并确认该用户有权编辑这个数据集",
    ),
    (
        re.compile(r"(?P<url>\S+) refused (?P<action>\S+) \((?P<kind>[^)]+)\): (?P<why>.+)"),
        "{url} 拒绝了 {action}（`{kind}`）：{why}",
    ),
    (re.compile(r"no reason given"), "未说明原因"),
    (re.compile(r"batch must be at least 1, not (?P<n>\S+)"), "batch 至少为 1，不能是 {n}"),
    (re.compile(r"(?P<folder>.+) is not an intact release"), "{folder} 不是完好的发布版本"),
    (re.compile(r"run `(?P<command>[^`]+)`"), "请运行 `{command}`"),
    (re.compile(r"(?P<path>.+) is not a descriptor"), "{path} 不是数据包描述文件"),
    (
        re.compile(
            r"the name (?P<slug>\S+) is taken on (?P<url>\S+) by a dataset this API token may not "
            r"see \(a private dataset of another organization\)"
        ),
        "名称 {slug} 在 {url} 上已被一个此 API 令牌看不到的数据集（另一个组织的私有数据集）占用",
    ),
    (
        re.compile(r"push under another --name, or with the token of a user who may edit it"),
        "请换一个 --name 推送，或用有权编辑它的用户的令牌推送",
    ),
    (
        re.compile(r"the name (?P<slug>\S+) is taken on (?P<url>\S+) by a deleted dataset"),
        "名称 {slug} 在 {url} 上已被一个已删除的数据集占用",
    ),
    (
        re.compile(r"purge it there \(dataset_purge\) or push under another --name"),
        "请在门户上彻底清除它（`dataset_purge`），或换一个 --name 推送",
    ),
    (
        re.compile(r"(?P<url>\S+) answered (?P<action>\S+) without a dataset"),
        "{url} 对 {action} 的回答中没有数据集",
    ),
    (
        re.compile(r"(?P<url>\S+) answered (?P<action>\S+) without a resource"),
        "{url} 对 {action} 的回答中没有资源",
    ),
    (
        re.compile(r"(?P<url>\S+) holds (?P<name>\S+) with another checksum"),
        "{url} 上的 {name} 校验和与本版本不同",
    ),
    (
        re.compile(r"a release is immutable, so it was left as it is"),
        "发布版本不可更改，因此门户上的文件保持原样",
    ),
    # why a portal could not be reached (the socket's words, once [Errno n] is gone)
    (re.compile(r"Connection refused"), "连接被拒绝"),
    (re.compile(r"timed out"), "连接超时"),
    (re.compile(r"Name or service not known"), "找不到这个主机名"),
    (re.compile(r"Temporary failure in name resolution"), "域名解析暂时失败"),
    (re.compile(r"Network is unreachable"), "网络不可达"),
    (re.compile(r"No route to host"), "无法路由到主机"),
    (re.compile(r"Connection reset by peer"), "连接被对方重置"),
]
WHAT_ZH["the token file"] = "令牌文件"


# --- partitioned publishing and object stores (release/publish.py, release/writers.py,
# engines/spark/partitions.py, package/paths.py), tried before the general clauses above --------
ERRORS[:0] = [
    (
        re.compile(_START + r"no table has a field (?P<field>'.*') to partition by"),
        "没有哪张表含有字段 {field}，无法按它分部分发布",
    ),
    (
        re.compile(_START + r"partition_by (?P<value>.+) is not a field name"),
        "partition_by {value} 不是字段名",
    ),
    (
        re.compile(
            _START
            + r"the values (?P<a>'.*') and (?P<b>'.*') of (?P<field>'.*') differ only in case, "
            r"and their folders would be one on Windows and macOS"
        ),
        "字段 {field} 的取值 {a} 与 {b} 只有大小写不同，在 Windows 和 macOS 上会成为同一个文件夹",
    ),
    (
        re.compile(
            _START + r"the value (?P<value>'.*')… of (?P<field>'.*') is too long for a folder name"
        ),
        "字段 {field} 的取值 {value}… 太长，不能用作文件夹名",
    ),
    (
        re.compile(_START + r"partition by a field of short codes \(region, period\)"),
        "请按短代码字段（地区、时期）分部分",
    ),
    (
        re.compile(_START + r"the Spark job writing the partitioned tables failed: (?P<why>.+)"),
        "写出分部分表的 Spark 作业失败：{why}",
    ),
    (
        re.compile(
            r"a release is written to a local folder only: it is staged and renamed into place "
            r"in one atomic step, which an object store cannot do \(a reader could see half a "
            r"release\)"
        ),
        "发布版本只写到本地文件夹：它先在暂存处写好，再一步原子地改名就位，对象存储做不到"
        "（读者可能看到半个发布版本）",
    ),
    (
        re.compile(_START + r"publish to a local folder, then copy it \((?P<how>.+)\)"),
        "请先发布到本地文件夹，再复制过去（{how}）",
    ),
    (re.compile(r"cannot use (?P<what>\S+): (?P<why>.+)"), "无法使用 {what}：{why}"),
    (re.compile(r"cannot be opened: (?P<why>.+)"), "无法打开：{why}"),
]
