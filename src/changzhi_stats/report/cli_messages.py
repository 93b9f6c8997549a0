"""The command line's own words in English and Chinese: help texts, verdicts, errors, progress.

Check messages live in :mod:`changzhi_stats.report.i18n`; this catalogue holds what ``cz-stats``
itself says. Every key has both languages with the same placeholders (a test renders each).
"""

from __future__ import annotations

import gettext

# key: (en, zh)
MESSAGES: dict[str, tuple[str, str]] = {
    # --- help texts ---------------------------------------------------------------------------
    "help.main": (
        "Validate and publish statistical indicator tables as Frictionless Data Packages.",
        "校验统计指标表（Frictionless 数据包）并发布为版本。",
    ),
    "help.format": (
        "text for people; json (on stdout only) for programs.",
        "text：给人看的文本；json：给程序读取（只输出到标准输出）。",
    ),
    "help.format_html": (
        "text for people; json (on stdout only) for programs; html: one self-contained page "
        "with the bad cells highlighted (to -o FILE, else stdout).",
        "text：给人看的文本；json：给程序读取（只输出到标准输出）；html：一个独立的网页，"
        "标出有问题的单元格（写入 -o 指定的文件，否则输出到标准输出）。",
    ),
    "help.max_errors": (
        "List at most this many problems per severity; counts stay exact.",
        "每种严重程度最多列出这么多条问题；计数仍然准确。",
    ),
    "help.lang": (
        "Language of the messages (default: the locale, LC_ALL/LC_MESSAGES/LANG; else en).",
        "消息的语言（默认按系统区域设置 LC_ALL/LC_MESSAGES/LANG 决定，否则为英文 en）。",
    ),
    "help.engine": (
        "polars: one machine; spark: a Spark cluster (pip install 'changzhi-stats[spark]'), "
        "the same report.",
        "`polars`：单机；`spark`：`Spark` 集群（`pip install 'changzhi-stats[spark]'`），"
        "报告相同。",
    ),
    "help.spark_master": (
        "The Spark master URL for --engine spark (default local[*]).",
        "`--engine spark` 使用的 `Spark` 主节点 URL（默认 `local[*]`）。",
    ),
    "help.failures": (
        "Also write every failure, not capped, to this folder (absent or empty) as a Parquet "
        "dataset: resource, row, field, check, value.",
        "另外把每一条问题（不限条数）写入这个文件夹（须不存在或为空），"
        "作为 `Parquet` 数据集：`resource`、`row`、`field`、`check`、`value`。",
    ),
    "help.output": (
        "Write the report to this file instead of stdout.",
        "把报告写入这个文件，而不是输出到标准输出。",
    ),
    "help.strict": ("Warnings fail validation too.", "有警告也算校验不通过。"),
    "help.watch": (
        "Check again each time the descriptor or one of its files is saved (Ctrl-C stops).",
        "每次保存描述文件或其中的数据文件时重新校验（按 Ctrl-C 停止）。",
    ),
    "help.allow_remote": (
        "Let resource paths be URLs (not fetched yet: reported as remote-not-supported).",
        "允许资源路径为网址（暂不下载：报告为 remote-not-supported）。",
    ),
    "help.limit.descriptor_bytes": (
        "Largest datapackage.json, schema or dialect file (e.g. 64M).",
        "datapackage.json、表结构或方言文件的最大大小（如 64M）。",
    ),
    "help.limit.descriptor_depth": (
        "Deepest JSON nesting of a descriptor.",
        "描述文件 JSON 的最大嵌套层数。",
    ),
    "help.limit.file_bytes": (
        "Largest data file read (e.g. 20G).",
        "读取的数据文件最大大小（如 20G）。",
    ),
    "help.limit.rows": ("Most data rows read per resource.", "每个资源最多读取的数据行数。"),
    "help.limit.columns": ("Most columns per resource.", "每个资源最多的列数。"),
    "help.limit.cell_chars": ("Longest cell, in characters.", "单元格最多的字符数。"),
    "help.limit.resources": ("Most resources in a package.", "数据包最多的资源数。"),
    "help.default": ("[default: {shown}]", "［默认：{shown}］"),
    "help.validate": (
        "Check DATAPACKAGE down to the cell (default: ./datapackage.json when the current folder "
        "has one, else the bundled Changzhi package); the verdict names the package.\n\n"
        "Exit 0 valid, 1 invalid, 2 the package could not be read at all.",
        "逐个单元格校验 DATAPACKAGE（默认：当前文件夹有 ./datapackage.json 时用它，否则用自带的"
        "长治数据包）；结论会写明所校验的数据包。\n\n"
        "退出码 0 有效，1 无效，2 数据包完全无法读取。",
    ),
    "help.publish": (
        "Validate DATAPACKAGE and publish it as an immutable release in OUT/VERSION.\n\n"
        "DATAPACKAGE defaults to ./datapackage.json when the current folder has one, else the "
        "bundled Changzhi package. Refused: errors, no title or licence, or an OUT that holds "
        "another package's series.\n\n"
        "Exit 0 published, 1 refused (invalid data, version exists or not newer), 2 unreadable.",
        "校验 DATAPACKAGE，并把它发布为 OUT/VERSION 中不可更改的版本。\n\n"
        "DATAPACKAGE 默认：当前文件夹有 ./datapackage.json 时用它，否则用自带的长治数据包。"
        "以下情况拒绝发布：有错误、没有标题或许可协议、OUT 中已有另一个数据包的系列。\n\n"
        "退出码 0 已发布，1 拒绝发布（数据无效、版本已存在或不比已有版本新），2 无法读取。",
    ),
    "help.publish.version": (
        "Release version X.Y.Z (default: the package's).",
        "发布的版本号 X.Y.Z（默认：数据包中声明的版本）。",
    ),
    "help.publish.out": (
        "Folder that holds the releases and index.json.",
        "存放各个版本和 index.json 的文件夹。",
    ),
    "help.publish.bump": (
        "Publish the next version of the latest release instead of --version; auto: the "
        "bump `cz-stats diff` proposes.",
        "不用 --version，而是发布最新版本的下一个版本；auto：采用 `cz-stats diff` 建议的升级。",
    ),
    "help.publish.base_url": (
        "URL the releases folder is served from; DCAT-AP download URLs start with it "
        "(relative without it).",
        "发布文件夹所在的网址；DCAT-AP 的下载地址以它开头（不给则用相对地址）。",
    ),
    "help.publish.partition_by": (
        "Publish every table that has this field a part per value of it (Parquet as a "
        "Hive-style dataset, CSV parts in key order); see docs/release.md.",
        "凡含有此字段的表，按该字段的每个取值分成一部分发布（`Parquet` 为 `Hive` 式目录，"
        "`CSV` 各部分按键值排序）；见 `docs/release.md`。",
    ),
    "help.diff": (
        "Compare OLD and NEW (each a release folder or a package) and propose a version bump.\n\n"
        "Exit 0 no differences, 1 differences found, 2 a side could not be read.",
        "比较 OLD 和 NEW（各为一个版本文件夹或一个数据包），并建议版本号如何升级。\n\n"
        "退出码 0 没有差异，1 有差异，2 有一方无法读取。",
    ),
    "help.verify": (
        "Check that the release folder RELEASE is exactly what was published.\n\n"
        "Exit 0 intact, 1 tampered or incomplete (each file and problem named), 2 not a release "
        "folder at all.",
        "核对版本文件夹 RELEASE 与发布时完全一致。\n\n"
        "退出码 0 完好，1 被改动或不完整（列出每个文件和问题），2 根本不是版本文件夹。",
    ),
    "help.init": (
        "Scaffold a new city's package in FOLDER from an observations CSV or workbook (--from); "
        "without --from, the observations are a template workbook to fill in.\n\n"
        "Writes the descriptor with the model's schemas, the observations, code lists with the "
        "codes the data uses (the other columns to fill in), the city's regions from GB/T 2260, "
        "a list of topics to edit, and a README saying what to fill.\n\n"
        "Exit 0 written, 1 refused (FOLDER not empty, observations unreadable).",
        "在 FOLDER 中为一个新城市生成数据包：以观测值 CSV 或工作簿（--from）为起点；"
        "不给 --from 时，观测值表是一个待填写的模板工作簿。\n\n"
        "写出带模型表结构的描述文件、观测值、含数据所用代码的代码表（其余各列待填）、"
        "取自 GB/T 2260 的本市地区表、一份可修改的主题表，以及说明要填什么的 README。\n\n"
        "退出码 0 已写出，1 拒绝（FOLDER 不是空的、观测值无法读取）。",
    ),
    "help.init.region": (
        "GB/T 2260 code of the city, e.g. 140400.",
        "城市的 GB/T 2260 行政区划代码，如 140400。",
    ),
    "help.extract": (
        "Draft observations from the press release SOURCE (UTF-8 text): one row per figure.\n\n"
        "Each row has the figure's clause as source_quote, its value, unit, multiplier, "
        "comparator and period; indicator_id is left for you to name. The CSV is what "
        "`cz-stats init --from` takes. Exit 0 written, 2 SOURCE unreadable.",
        "从新闻稿 SOURCE（UTF-8 文本）起草观测值：每个数字一行。\n\n"
        "每行含该数字所在的分句（source_quote）、数值、单位、数量级、比较方式和时期；"
        "indicator_id 留给你命名。生成的 CSV 可直接用于 `cz-stats init --from`。"
        "退出码 0 已写出，2 SOURCE 无法读取。",
    ),
    "help.push": (
        "Push the release folder RELEASE to the CKAN portal at URL: one dataset per series, its "
        "files uploaded as resources named VERSION/PATH with format, sha256 and size.\n\n"
        "Pushing the same release again changes nothing. The token is never taken on the "
        "command line. Exit 0 pushed (or already there), 2 not pushed (the message says what "
        "was left).",
        "把发布文件夹 RELEASE 推送到位于 URL 的 CKAN 门户：每个系列一个数据集，其文件作为名为"
        " VERSION/PATH 的资源上传，并附上格式、sha256 和大小。\n\n"
        "同一发布版本再推送一次不会改变任何内容。API 令牌不从命令行读取（用环境变量 "
        "CKAN_API_TOKEN 或 --token-file）。退出码 0 已推送（或门户上已有），2 未推送"
        "（消息会说明门户上已做了哪些改动）。",
    ),
    "help.push.to": (
        "The CKAN portal, e.g. https://data.example.org.",
        "CKAN 门户，例如 `https://data.example.org`。",
    ),
    "help.push.token_file": (
        "Read the API token from this file (default: the CKAN_API_TOKEN environment variable).",
        "从这个文件读取 API 令牌（默认：环境变量 CKAN_API_TOKEN）。",
    ),
    "help.push.owner_org": (
        "The CKAN organization of a dataset created by this push.",
        "本次推送所创建数据集的 CKAN 组织。",
    ),
    "help.push.datastore": (
        "Also load each table into CKAN's DataStore, typed from its Table Schema (primary key "
        "kept); the portal needs the datastore plugin.",
        "同时把每个表按其 Table Schema 的类型载入 CKAN 的 DataStore（保留主键）；门户需启用 "
        "`datastore` 插件。",
    ),
    "help.publish.to": (
        "After publishing, push the new release to this CKAN portal (as `cz-stats push`); if "
        "the push fails, the release stays published.",
        "发布后把新版本推送到这个 CKAN 门户（同 `cz-stats push`）；"
        "推送失败时，该版本仍保持已发布。",
    ),
    "help.push.name": (
        "The CKAN dataset name (default: the package name as a slug).",
        "CKAN 数据集名称（默认：由数据包名称生成的短名）。",
    ),
    "help.extract.output": (
        "Write the observations CSV to this file instead of stdout.",
        "把观测值 CSV 写入这个文件，而不是输出到标准输出。",
    ),
    "help.extract.published": (
        "Day the text was published, YYYY-MM-DD (default: a date in the file name); it dates "
        "stocks and the year of 今年.",
        "文本的发布日期 YYYY-MM-DD（默认：文件名中的日期）；用于确定存量的日期和“今年”的年份。",
    ),
    "help.extract.region": (
        "GB/T 2260 code to fill in region_code.",
        "填入 region_code 的 GB/T 2260 代码。",
    ),
    "help.extract.source_id": (
        "source_id to fill in (default: the file name as a code).",
        "填入的 source_id（默认：由文件名生成的代码）。",
    ),
    # --- what the commands say ----------------------------------------------------------------
    "error": ("error: {message}", "错误：{message}"),
    "refused": ("refused: {message}", "拒绝：{message}"),
    "internal": (
        "internal error (please report it): {kind}: {message}",
        "内部错误（请报告此问题）：{kind}：{message}",
    ),
    "cannot-write-output": (
        "error: cannot write the output: {why}",
        "错误：无法写出结果：{why}",
    ),
    "cannot-write": ("error: cannot write {path}: {why}", "错误：无法写入 {path}：{why}"),
    "size-too-small": ("must be at least 1 byte", "至少为 1 字节"),
    "published": (
        "published {version} of {package} to {path} ({files} files); "
        "datapackage.json sha256 {sha256}",
        "已发布 {version}（数据包 {package}）到 {path}（{files} 个文件）；"
        "datapackage.json 的 sha256 为 {sha256}",
    ),
    "published-warnings": (
        "{count} warning(s); see `cz-stats validate`",
        "{count} 个警告；详见 `cz-stats validate`",
    ),
    "init-wrote": (
        "wrote {path}; fill in the blanks listed in {readme}",
        "已写出 {path}；请按 {readme} 中列出的内容填写空白",
    ),
    "extract-proposed": (
        "proposed {count} observation(s); name each indicator_id",
        "起草了 {count} 条观测值；请为每条填写 indicator_id",
    ),
    "report-written": ("{verdict}; report written to {path}", "{verdict}；报告已写入 {path}"),
    "watch-start": (
        "watching {path} and its files; Ctrl-C stops",
        "正在监视 {path} 及其文件；按 Ctrl-C 停止",
    ),
    "watch-changed": ("changed: {path}; checking again", "已改动：{path}；重新校验"),
    "watch-stopped": ("stopped watching", "已停止监视"),
    "progress.rows": ("{rows} rows checked", "已校验 {rows} 行"),
    "progress.share": (
        ", {share} of {total} MB, about {left} s left",
        "，已完成 {total} MB 中的 {share}，约剩 {left} 秒",
    ),
    # --- verify and diff, for people ------------------------------------------------------
    "verify.intact": (
        "{path}: intact: {files} file(s) verified",
        "{path}：完好：已核对 {files} 个文件",
    ),
    "verify.broken": (
        "{path}: NOT INTACT: {problems} problem(s) in {files} file(s) verified",
        "{path}：不完好：核对了 {files} 个文件，发现 {problems} 个问题",
    ),
    "diff.old": ("old: {side}", "旧：{side}"),
    "diff.new": ("new: {side}", "新：{side}"),
    "diff.table": (
        "{name}: {added} added, {removed} removed, {revised} revised",
        "{name}：新增 {added} 行，删除 {removed} 行，修订 {revised} 行",
    ),
    "diff.more": ("… and {count} more", "……另有 {count} 条"),
    "diff.schema": ("schema: {change}", "表结构：{change}"),
    "diff.breaking": (" (breaking)", "（不兼容）"),
    "diff.metadata": ("metadata: {path}: {old} -> {new}", "元数据：{path}：{old} -> {new}"),
    "diff.identical": ("no differences", "没有差异"),
    "diff.bump": ("proposed bump: {bump}{shown}", "建议升级：{bump}{shown}"),
    # --- init (a new city's package) ------------------------------------------------------
    "init.bad-region": (
        "region {region} is not a 6-digit GB/T 2260 code (e.g. 140400)",
        "地区 {region} 不是 6 位 GB/T 2260 行政区划代码（如 140400）",
    ),
    "init.cannot-look": (
        "{folder}: cannot look into it: {why}",
        "{folder}：无法查看其内容：{why}",
    ),
    "init.not-empty": (
        "{folder} exists and is not empty; choose a new folder",
        "{folder} 已存在且不是空的；请换一个新文件夹",
    ),
    "init.save-as": (
        "{source}: save the sheet as .xlsx or CSV UTF-8",
        "{source}：请把表格另存为 .xlsx 或 CSV UTF-8（逗号分隔）",
    ),
    "init.unreadable": (
        "{source}: cannot read the observations: {why}",
        "{source}：无法读取观测值：{why}",
    ),
    "init.not-text": (
        "{source}: cannot read the observations: the file is neither UTF-8 nor GBK/GB18030 "
        "text (byte {byte} at position {at}). Open it in Excel or WPS, save it as "
        '"CSV UTF-8 (Comma delimited)" or as .xlsx, and run init again.',
        "{source}：无法读取观测值：文件既不是 UTF-8 也不是 GBK/GB18030 编码的文本"
        "（第 {at} 个字节为 {byte}）。请用 Excel 或 WPS 打开，另存为“CSV UTF-8（逗号分隔）”"
        "或 .xlsx，再运行 `cz-stats init`。",
    ),
    "init.broken-utf8": (
        "{source}: cannot read the observations: the file is UTF-8 but byte {byte} at position "
        "{at} is not (a file cut short or edited in another encoding); fix or remove that "
        'character, or save the file again as "CSV UTF-8 (Comma delimited)", and run init '
        "again.",
        "{source}：无法读取观测值：文件是 UTF-8 编码，但第 {at} 个字节 {byte} 不是"
        "（文件不完整，或被以其他编码编辑过）；请修正或删除该字符，或重新另存为"
        "“CSV UTF-8（逗号分隔）”，再运行 `cz-stats init`。",
    ),
    "help.init.from.any": (
        "The observations to start from: a CSV (UTF-8, or GBK/GB18030, written to the package "
        "as UTF-8) or .xlsx (its first sheet), with the model's columns. Without it, the "
        "observations are a template workbook to fill in Excel.",
        "作为起点的观测值：CSV（UTF-8，或 GBK/GB18030，写入数据包时转为 UTF-8）或 .xlsx"
        "（第一个工作表），列与模型一致。不给时，观测值表是一个在 Excel 中填写的模板工作簿。",
    ),
    "init.cannot-write": (
        "{folder}: cannot write the package: {why}",
        "{folder}：无法写出数据包：{why}",
    ),
    "init.converted": (
        "read {source} as GBK/GB18030 and wrote it as UTF-8 to {path}",
        "已按 GBK/GB18030 编码读取 {source}，并以 UTF-8 编码写入 {path}",
    ),
    "init.region-unknown": (
        "region {region} is not in the GB/T 2260 table shipped with cz-stats ({table}); "
        "its row in data/regions.csv has the code alone: fill name_zh, name_en, level, "
        "parent_code",
        "地区 {region} 不在 cz-stats 自带的 GB/T 2260 行政区划表（{table}）中；"
        "`data/regions.csv` 中它只有代码：请填写 `name_zh`、`name_en`、`level`、`parent_code`",
    ),
    # --- push (a release into a CKAN portal) ----------------------------------------------
    "push.unchanged": (
        "{dataset} {version}: already on {url}; nothing changed",
        "{dataset} {version}：已在 {url} 上；没有任何改动",
    ),
    "push.created": (
        "{dataset} {version}: created on {url}; {added} file(s) uploaded, {unchanged} already "
        "there",
        "{dataset} {version}：已在 {url} 上创建；上传了 {added} 个文件，{unchanged} 个已在门户上",
    ),
    "push.updated": (
        "{dataset} {version}: updated on {url}; {added} file(s) uploaded, {unchanged} already "
        "there",
        "{dataset} {version}：已在 {url} 上更新；上传了 {added} 个文件，{unchanged} 个已在门户上",
    ),
    "push.patched": ("; metadata patched: {fields}", "；已更新元数据：{fields}"),
    "push.tables": ("; DataStore tables loaded: {tables}", "；已载入 DataStore 表：{tables}"),
    # --- click's own options and our usage errors -------------------------------------------
    "help.help": ("Show this message and exit.", "显示本帮助并退出。"),
    "help.version": ("Show the version and exit.", "显示版本号并退出。"),
    "usage.push-options": (
        "--token-file, --owner-org and --datastore go with --to URL",
        "--token-file、--owner-org 和 --datastore 只能与 --to URL 一起使用",
    ),
}


def message(key: str, lang: str = "en", **values: object) -> str:
    """The CLI's text ``key`` in ``lang`` (``"zh"`` or ``"en"``), with ``values`` filled in."""
    en, zh = MESSAGES[key]
    text = zh if lang == "zh" else en
    if lang == "zh":  # an exception's text (what could not be done, and why) in Chinese too
        from changzhi_stats.report.free_text import error_zh

        values = {
            k: error_zh(str(v)) if isinstance(v, BaseException) else v for k, v in values.items()
        }
    return text.format(**values) if values else text


# click's own words (its gettext message ids, click 8.x) in Chinese: the help's headings and
# option notes, and its usage errors. Only what `cz-stats` can show; any other id stays English.
CLICK_ZH: dict[str, str] = {
    "Usage:": "用法:",  # click adds a space, and ":" after headings
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "required": "必填",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Aborted!": "已中止！",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Did you mean {possibility}?": "你是不是要用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（你是不是要用其中之一：{possibilities}？）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受值。",
    "Got unexpected extra argument ({args})": "多出了一个参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了几个参数（{args}）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数（{number_type}）。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} 不是有效的布尔值。可用的值：{states}"
    ),
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
}


class ClickTranslations(gettext.NullTranslations):
    """click's words in Chinese, a gettext translation object for click's ``_``/``ngettext``.

    Not gettext's global catalogue: that needs compiled ``.mo`` files, follows LANGUAGE rather
    than ``--lang``, and would be seen by every library in the process."""

    def gettext(self, message: str) -> str:
        return CLICK_ZH.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)
